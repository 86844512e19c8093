//! Reading the kernel's current state while planning, errors in words that
//! name the object and the namespace.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::context::{in_netns, Context, Netns};
use crate::error::{errno_words, Error, Result};
use crate::name::{IfName, NsName};
use crate::qdisc::Qdisc;
use crate::rtnl::{self, Link};
use crate::step::sysctl::SysctlSet;
use crate::step::Step;
use crate::sysctl::{self, Key, Problem};

/// There is no interface `name` in `netns`, in words that name the
/// namespace, the caller's too.
pub fn no_interface(name: &IfName, netns: &Netns) -> String {
    match netns {
        Some(_) => format!("no interface named {name}{}", in_netns(netns.as_ref())),
        None => format!("no interface named {name} in the current network namespace"),
    }
}

/// `what` exists in `netns` otherwise than asked: with `difference`.
pub fn exists_with(what: impl std::fmt::Display, netns: &Netns, difference: &str) -> Error {
    Error::failed(format!(
        "{what} exists{} with {difference}",
        in_netns(netns.as_ref())
    ))
}

/// A link asked for with the MTU `asked` (when given) that exists as
/// `link` with another: the conflict, naming it as `what`.
pub fn check_mtu(
    what: impl std::fmt::Display,
    netns: &Netns,
    link: &Link,
    asked: Option<u32>,
) -> Result<()> {
    match asked {
        Some(mtu) if link.mtu != Some(mtu) => Err(exists_with(
            what,
            netns,
            &format!("mtu {}, not {mtu}", link.mtu.unwrap_or(0)),
        )),
        _ => Ok(()),
    }
}

/// The link named `name` in `netns`, if there is one. Its index is learnt,
/// for the steps that follow.
pub fn link(context: &mut Context, netns: &Netns, name: &IfName) -> Result<Option<Link>> {
    let socket = context.socket(netns.as_ref())?;
    let link = rtnl::link_by_name(socket, name).map_err(|error| {
        Error::failed(format!(
            "cannot look up {name}: {error}{}",
            in_netns(netns.as_ref())
        ))
    })?;
    if let Some(link) = &link {
        context.learn_index(netns, name, link.index);
    }
    Ok(link)
}

/// Kinds of the fallback tunnel devices a kernel with their modules loaded
/// puts in every new namespace (tunl0, sit0, gre0, ...).
const FALLBACK_TUNNEL_KINDS: &[&str] = &[
    "ipip",
    "sit",
    "ip6tnl",
    "gre",
    "gretap",
    "erspan",
    "ip6gre",
    "ip6gretap",
    "ip6erspan",
    "vti",
    "vti6",
];

/// Whether the named namespace `name` holds only the links every new
/// namespace has (lo, and fallback tunnels): what a namespace made by an
/// invocation that put nothing in it, or took it all out again, holds.
pub fn holds_only_its_own_links(context: &mut Context, name: &NsName) -> Result<bool> {
    let netns = Some(name.clone());
    Ok(links(context, &netns)?.iter().all(|link| {
        link.name == "lo"
            || link
                .kind
                .as_deref()
                .is_some_and(|kind| FALLBACK_TUNNEL_KINDS.contains(&kind))
    }))
}

/// Every link of `netns`.
pub fn links(context: &mut Context, netns: &Netns) -> Result<Vec<Link>> {
    let socket = context.socket(netns.as_ref())?;
    rtnl::links(socket).map_err(|error| {
        Error::failed(format!(
            "cannot list the links{}: {error}",
            in_netns(netns.as_ref())
        ))
    })
}

/// The link with index `index` in `netns`, if there is one.
pub fn link_at(context: &mut Context, netns: &Netns, index: u32) -> Result<Option<Link>> {
    let socket = context.socket(netns.as_ref())?;
    rtnl::link_by_index(socket, index).map_err(|error| {
        Error::failed(format!(
            "cannot look up interface {index}: {error}{}",
            in_netns(netns.as_ref())
        ))
    })
}

/// The name of the link with index `index` in `netns` (the index itself
/// when it is gone).
pub fn link_name(context: &mut Context, netns: &Netns, index: u32) -> Result<String> {
    Ok(match link_at(context, netns, index)? {
        Some(link) => link.name,
        None => format!("interface {index}"),
    })
}

/// The root qdisc of the link `name`, of index `index`, in `netns`, and
/// how many qdiscs hang below it (noop for a link never up).
pub fn root_qdisc(
    context: &mut Context,
    netns: &Netns,
    (index, name): (u32, &str),
) -> Result<(Qdisc, usize)> {
    let cannot = |words: String| {
        Error::failed(format!(
            "cannot read the qdiscs of {name}: {words}{}",
            in_netns(netns.as_ref())
        ))
    };
    let socket = context.socket(netns.as_ref())?;
    match rtnl::root_qdisc(socket, index) {
        Ok((Some(root), children)) => Ok((root, children)),
        // A link never brought up has none yet: the kernel gives it its
        // default one when it comes up.
        Ok((None, _)) => Ok((
            Qdisc {
                kind: "noop".into(),
                handle: 0,
                options: Vec::new(),
            },
            0,
        )),
        Err(error) => Err(cannot(error.to_string())),
    }
}

/// The addresses on `dev`, whose index is `index`, in `netns`.
pub fn addresses(
    context: &mut Context,
    netns: &Netns,
    dev: &IfName,
    index: u32,
) -> Result<Vec<IpNet>> {
    let socket = context.socket(netns.as_ref())?;
    rtnl::addresses(socket, index).map_err(|error| {
        Error::failed(format!(
            "cannot list the addresses of {dev}: {error}{}",
            in_netns(netns.as_ref())
        ))
    })
}

/// The addresses of every link in `netns`.
pub fn all_addresses(context: &mut Context, netns: &Netns) -> Result<Vec<IpNet>> {
    let socket = context.socket(netns.as_ref())?;
    rtnl::all_addresses(socket).map_err(|error| {
        Error::failed(format!(
            "cannot list the addresses{}: {error}",
            in_netns(netns.as_ref())
        ))
    })
}

/// The remotes the VXLAN link `dev`, whose index is `index`, floods to, in `netns`.
pub fn flood_remotes(
    context: &mut Context,
    netns: &Netns,
    dev: &IfName,
    index: u32,
) -> Result<Vec<IpAddr>> {
    let socket = context.socket(netns.as_ref())?;
    rtnl::flood_remotes(socket, index).map_err(|error| {
        Error::failed(format!(
            "cannot list the remotes of {dev}: {error}{}",
            in_netns(netns.as_ref())
        ))
    })
}

/// Hands `each` the ports of the bridge `bridge`, whose index is `index`,
/// in `netns`, one at a time.
pub fn each_port_of(
    context: &mut Context,
    netns: &Netns,
    (bridge, index): (&IfName, u32),
    each: impl FnMut(Link),
) -> Result<()> {
    let socket = context.socket(netns.as_ref())?;
    rtnl::each_port_of(socket, index, each).map_err(|error| {
        Error::failed(format!(
            "cannot list the ports of {bridge}: {error}{}",
            in_netns(netns.as_ref())
        ))
    })
}

/// The gateways of the default routes in `netns` of `like`'s address family.
pub fn default_gateways(
    context: &mut Context,
    netns: &Netns,
    like: &IpAddr,
) -> Result<Vec<IpAddr>> {
    let socket = context.socket(netns.as_ref())?;
    rtnl::default_gateways(socket, like).map_err(|error| {
        Error::failed(format!(
            "cannot list routes: {error}{}",
            in_netns(netns.as_ref())
        ))
    })
}

/// The default routes in `netns` of `like`'s address family: each gateway
/// with the index of its device.
pub fn default_routes(
    context: &mut Context,
    netns: &Netns,
    like: &IpAddr,
) -> Result<Vec<(IpAddr, Option<u32>)>> {
    let socket = context.socket(netns.as_ref())?;
    rtnl::default_routes(socket, like).map_err(|error| {
        Error::failed(format!(
            "cannot list routes: {error}{}",
            in_netns(netns.as_ref())
        ))
    })
}

/// The devices in `netns` whose IPv6 default route came from a router
/// advertisement, by index.
pub fn router_advertised(context: &mut Context, netns: &Netns) -> Result<Vec<u32>> {
    let socket = context.socket(netns.as_ref())?;
    rtnl::router_advertised(socket).map_err(|error| {
        Error::failed(format!(
            "cannot list routes: {error}{}",
            in_netns(netns.as_ref())
        ))
    })
}

/// The value of the sysctl `key` in `netns`.
pub fn sysctl(context: &mut Context, netns: &Netns, key: &Key) -> Result<String> {
    let value = context.inside(netns.as_ref(), || sysctl::read(key))?;
    value.map_err(|problem| unreadable(netns, key, problem))
}

/// A sysctl that could not be read, in words naming the namespace.
fn unreadable(netns: &Netns, key: &Key, problem: Problem) -> Error {
    Error::failed(format!(
        "{}{}",
        problem.describe(key, None),
        in_netns(netns.as_ref())
    ))
}

/// The step that gives `key` in `netns` the value `value`, knowing the
/// value it replaces (and those of the keys the kernel changes with it
/// that the old value alone would not bring back); `None` when it has that
/// value already.
pub fn sysctl_change(
    context: &mut Context,
    netns: &Netns,
    key: &Key,
    value: &str,
) -> Result<Option<Step>> {
    let (was, knock_on) = context.inside(netns.as_ref(), || {
        let knock_on: Vec<(Key, String)> = sysctl::knock_on(key)
            .into_iter()
            .filter_map(|other| Some((other.clone(), sysctl::read(&other).ok()?)))
            .collect();
        (sysctl::read(key), knock_on)
    })?;
    let was = match was {
        Ok(was) => was,
        Err(Problem::Errno(errno)) => {
            return Err(Error::failed(format!(
                "cannot set {key}: its value cannot be read, to be kept for --restore ({}){}",
                errno_words(errno),
                in_netns(netns.as_ref())
            )))
        }
        Err(problem) => return Err(unreadable(netns, key, problem)),
    };
    let also_was = knock_on
        .into_iter()
        .filter(|(_, other_was)| !sysctl::same_value(other_was, &was))
        .collect();
    Ok((!sysctl::same_value(&was, value)).then(|| {
        SysctlSet {
            netns: netns.clone(),
            key: key.clone(),
            value: value.to_string(),
            was,
            also_was,
        }
        .into()
    }))
}
