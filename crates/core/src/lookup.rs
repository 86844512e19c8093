//! Reading the kernel's current state while planning, errors in words that
//! name the object and the namespace.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::context::{in_netns, Context, Netns};
use crate::error::{errno_words, Error, Result};
use crate::name::IfName;
use crate::rtnl::{self, Link};
use crate::step::Step;
use crate::sysctl::{self, Key, Problem};

/// The link named `name` in `netns`, if there is one.
pub fn link(context: &mut Context, netns: &Netns, name: &IfName) -> Result<Option<Link>> {
    let socket = context.socket(netns.as_ref())?;
    rtnl::link_by_name(socket, name).map_err(|error| {
        Error::failed(format!(
            "cannot look up {name}: {error}{}",
            in_netns(netns.as_ref())
        ))
    })
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

/// The name of the link with index `index` in `netns` (the index itself
/// when it is gone).
pub fn link_name(context: &mut Context, netns: &Netns, index: u32) -> Result<String> {
    let socket = context.socket(netns.as_ref())?;
    match rtnl::link_by_index(socket, index) {
        Ok(Some(link)) => Ok(link.name),
        Ok(None) => Ok(format!("interface {index}")),
        Err(error) => Err(Error::failed(format!(
            "cannot look up interface {index}: {error}{}",
            in_netns(netns.as_ref())
        ))),
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
    Ok((!sysctl::same_value(&was, value)).then(|| Step::SysctlSet {
        netns: netns.clone(),
        key: key.clone(),
        value: value.to_string(),
        was,
        also_was,
    }))
}
