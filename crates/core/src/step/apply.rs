//! How each step is applied: forward steps say what they made (see
//! [`super::made`]), undo steps act only on the object recorded.

use std::fmt;
use std::os::fd::AsFd;

use super::{Found, Made, Object, Outcome, Skip, Step};
use crate::context::{in_netns, Context, Netns, Presence};
use crate::error::{Error, Result};
use crate::name::{IfName, NsName};
use crate::netlink::KernelError;
use crate::netns::NsId;
use crate::rtnl::{self, BridgeRequest, Link, RouteSocket, VethRequest};
use crate::sysctl::{self, Key, Problem};

/// A kernel error while doing `what` to `object` in `netns`, in words.
fn refused(
    what: &str,
    object: impl fmt::Display,
    netns: Option<&NsName>,
    error: KernelError,
) -> Error {
    let words = match error.errno {
        libc::EEXIST if what == "create" => {
            "an interface with that name already exists".to_string()
        }
        // The kernel numbers a bridge's ports in 10 bits, 0 unused.
        libc::EXFULL if what == "attach" => {
            "the bridge has 1023 ports, the most a Linux bridge can have".to_string()
        }
        _ => error.to_string(),
    };
    Error::failed(format!(
        "cannot {what} {object}: {words}{}",
        in_netns(netns)
    ))
}

fn no_interface(name: &IfName, netns: Option<&NsName>) -> Error {
    Error::failed(format!("no interface named {name}{}", in_netns(netns)))
}

/// What a step on the link of index `index` in `netns` acted on (and, for
/// a port, the index of its bridge).
fn link_made(context: &mut Context, netns: &Netns, index: u32, master: Option<u32>) -> Made {
    Made::Link {
        object: Object {
            netns_id: context.netns_id(netns.as_ref()),
            ifindex: Some(index),
        },
        master,
    }
}

/// Sends `request` about the link `name`, which must exist in `netns`, to
/// its index: the one learnt earlier in the invocation when there is one
/// (a link deleted since answers ENODEV, and is looked up again), else
/// looked up now. Returns the link it acted on.
fn on_link(
    context: &mut Context,
    netns: &Netns,
    name: &IfName,
    what: &str,
    object: impl fmt::Display,
    request: impl Fn(&mut RouteSocket, u32) -> Result<(), KernelError>,
) -> Result<Made> {
    if let Some(index) = context.known_index(netns, name) {
        let socket = context.socket(netns.as_ref())?;
        match request(socket, index) {
            Err(error) if error.errno == libc::ENODEV => context.forget_indexes(netns),
            Err(error) => return Err(refused(what, object, netns.as_ref(), error)),
            Ok(()) => return Ok(link_made(context, netns, index, None)),
        }
    }
    let socket = context.socket(netns.as_ref())?;
    let index = match rtnl::link_by_name(socket, name) {
        Ok(Some(link)) => link.index,
        Ok(None) => return Err(no_interface(name, netns.as_ref())),
        Err(error) => return Err(refused("look up", name, netns.as_ref(), error)),
    };
    let result = request(socket, index);
    context.learn_index(netns, name, index);
    result.map_err(|error| refused(what, object, netns.as_ref(), error))?;
    Ok(link_made(context, netns, index, None))
}

/// Decides which link an undo is about: the one at the recorded index when
/// the index is known (renamed since or not), else the one of the recorded
/// name. `at_index` is the link at the index; `named` looks up the one of
/// the name, asked only when needed (to tell "gone" from "replaced").
pub(crate) fn identify<L>(
    name: &IfName,
    netns: &Netns,
    index: Option<u32>,
    at_index: Option<L>,
    named: impl FnOnce() -> Result<Option<L>>,
) -> Result<Found<L>> {
    let here = in_netns(netns.as_ref());
    if index.is_some() {
        if let Some(link) = at_index {
            return Ok(Found::Ours(link));
        }
    }
    let named = named()?;
    Ok(match (index, named) {
        (None, Some(link)) => Found::Ours(link),
        (Some(_), Some(_)) => Found::Skip(Skip::Replaced(format!(
            "{name}{here} is not the interface vethkit made or changed, but one made since under that name"
        ))),
        (index, None) => Found::Skip(Skip::gone(index.is_some(), format!("{name}{here} is gone"))),
    })
}

/// The namespace an undo acts in, checked: `None` when it is still the
/// one recorded, else why the undo is skipped.
pub(crate) fn check_netns(
    context: &mut Context,
    netns: &Netns,
    recorded: Option<NsId>,
) -> Option<Skip> {
    let name = netns.as_ref()?;
    match context.presence(Some(name), recorded) {
        Presence::There => None,
        Presence::Gone => Some(Skip::gone(
            recorded.is_some(),
            format!("netns {name} is gone"),
        )),
        Presence::Replaced => Some(Skip::Replaced(format!(
            "netns {name} is not the namespace vethkit made or worked in, but one made since under that name"
        ))),
    }
}

/// The link an undo is about (see [`identify`]), in its namespace if that
/// is still the one recorded.
fn find_link(
    context: &mut Context,
    netns: &Netns,
    name: &IfName,
    object: &Object,
) -> Result<Found<Link>> {
    if let Some(skip) = check_netns(context, netns, object.netns_id) {
        return Ok(Found::Skip(skip));
    }
    let refused_lookup = |error| refused("look up", name, netns.as_ref(), error);
    let socket = context.socket(netns.as_ref())?;
    let at_index = match object.ifindex {
        Some(index) => rtnl::link_by_index(socket, index).map_err(refused_lookup)?,
        None => None,
    };
    identify(name, netns, object.ifindex, at_index, || {
        let socket = context.socket(netns.as_ref())?;
        rtnl::link_by_name(socket, name).map_err(refused_lookup)
    })
}

/// Sends an undo `request` about the link an undo is about, if it is still
/// there; an errno in `gone` means the change is undone already.
/// `skipping` words a skip (as "not bringing veth1 down").
fn on_recorded_link(
    context: &mut Context,
    netns: &Netns,
    name: &IfName,
    object: &Object,
    skipping: &str,
    gone: &[i32],
    request: impl FnOnce(&mut RouteSocket, &Link) -> Result<(), KernelError>,
) -> Result<Outcome> {
    let link = match find_link(context, netns, name, object)? {
        Found::Ours(link) => link,
        Found::Skip(skip) => return Ok(Outcome::skipped(skip.after(skipping))),
    };
    let socket = context.socket(netns.as_ref())?;
    match request(socket, &link) {
        Err(error) if gone.contains(&error.errno) => Ok(Outcome::skipped(Skip::gone(
            !object.is_unknown(),
            format!("{skipping}: it is undone already"),
        ))),
        Err(error) => Err(refused("undo a change of", name, netns.as_ref(), error)),
        Ok(()) => Ok(Outcome::done()),
    }
}

/// Creates a veth pair from the socket in `netns`, the peer going straight
/// into `peer_netns` when that is another namespace. A pair of those names
/// made a moment earlier by another invocation is taken as it is.
fn create_veth(
    context: &mut Context,
    netns: &Netns,
    peer_netns: &Netns,
    mut request: VethRequest<'_>,
) -> Result<Outcome> {
    let (name, peer) = (request.name, request.peer);
    if peer_netns != netns {
        let fd = context.netns_fd(peer_netns.as_ref())?.try_clone_to_owned();
        request.peer_netns = Some(fd.map_err(|error| {
            Error::failed(format!(
                "cannot create {name}: {}",
                crate::error::io_words(&error)
            ))
        })?);
    }
    let socket = context.socket(netns.as_ref())?;
    let echo = match rtnl::create_veth(socket, &request) {
        Ok(echo) => echo,
        Err(error) if error.errno == libc::EEXIST => {
            let [first, second] = [(netns, name), (peer_netns, peer)].map(|(netns, name)| {
                let socket = context.socket(netns.as_ref()).ok()?;
                rtnl::link_by_name(socket, name).ok().flatten()
            });
            if let (Some(a), Some(b)) = (&first, &second) {
                let as_asked = |link: &Link, mac: Option<crate::mac::Mac>| {
                    request.mtu.map_or(true, |mtu| link.mtu == Some(mtu))
                        && mac.map_or(true, |mac| link.mac == Some(mac))
                };
                if a.kind.as_deref() == Some("veth")
                    && a.peer_index == Some(b.index)
                    && b.peer_index == Some(a.index)
                    && as_asked(a, request.mac)
                    && as_asked(b, request.peer_mac)
                {
                    return Ok(Outcome::made_by_another());
                }
            }
            // The kernel does not say which end clashed: the one found.
            let (clash, clash_netns) = if first.is_some() {
                (name, netns)
            } else {
                (peer, peer_netns)
            };
            return Err(refused("create", clash, clash_netns.as_ref(), error));
        }
        Err(error) => return Err(refused("create", name, netns.as_ref(), error)),
    };
    let socket = context.socket(netns.as_ref())?;
    let Some(made) = echo.or_else(|| rtnl::link_by_name(socket, name).ok().flatten()) else {
        return Ok(Outcome::done());
    };
    context.learn_index(netns, name, made.index);
    if let Some(peer_index) = made.peer_index {
        context.learn_index(peer_netns, peer, peer_index);
    }
    Ok(Outcome::made(link_made(context, netns, made.index, None)))
}

/// Creates a bridge; one of that name made a moment earlier by another
/// invocation is taken as it is.
fn create_bridge(
    context: &mut Context,
    netns: &Netns,
    request: BridgeRequest<'_>,
) -> Result<Outcome> {
    let name = request.name;
    let socket = context.socket(netns.as_ref())?;
    let made = match rtnl::create_bridge(socket, &request) {
        Ok(echo) => echo.or_else(|| rtnl::link_by_name(socket, name).ok().flatten()),
        Err(error) if error.errno == libc::EEXIST => {
            let existing = rtnl::link_by_name(socket, name).ok().flatten();
            let as_asked = |link: Link| {
                link.kind.as_deref() == Some("bridge")
                    && request.stp.map_or(true, |stp| link.stp == Some(stp))
            };
            if existing.is_some_and(as_asked) {
                return Ok(Outcome::made_by_another());
            }
            return Err(refused("create", name, netns.as_ref(), error));
        }
        Err(error) => return Err(refused("create", name, netns.as_ref(), error)),
    };
    let Some(made) = made else {
        return Ok(Outcome::done());
    };
    context.learn_index(netns, name, made.index);
    Ok(Outcome::made(link_made(context, netns, made.index, None)))
}

/// The link a deletion is about, if it is there and of `kind`.
fn link_to_delete(
    context: &mut Context,
    netns: &Netns,
    name: &IfName,
    kind: &str,
    object: &Object,
) -> Result<Found<Link>> {
    Ok(match find_link(context, netns, name, object)? {
        Found::Ours(link) if link.kind.as_deref() == Some(kind) => Found::Ours(link),
        Found::Ours(link) => Found::Skip(not_of_kind(name, netns, kind, &link)),
        Found::Skip(skip) => Found::Skip(skip.after("not deleting")),
    })
}

/// Deletes the link an undo is about, if it is there and of `kind`.
fn delete_link(
    context: &mut Context,
    netns: &Netns,
    name: &IfName,
    kind: &str,
    object: &Object,
) -> Result<Outcome> {
    context.forget_indexes(netns);
    let link = match link_to_delete(context, netns, name, kind, object)? {
        Found::Ours(link) => link,
        Found::Skip(skip) => return Ok(Outcome::skipped(skip)),
    };
    let socket = context.socket(netns.as_ref())?;
    match rtnl::delete_link(socket, link.index) {
        Err(error) if error.errno == libc::ENODEV => Ok(Outcome::skipped(Skip::gone(
            !object.is_unknown(),
            format!("not deleting: {name}{} is gone", in_netns(netns.as_ref())),
        ))),
        Err(error) => Err(refused("delete", name, netns.as_ref(), error)),
        Ok(()) => Ok(Outcome::done()),
    }
}

/// The skip of a link of a name vethkit made that is of another kind.
pub(crate) fn not_of_kind(name: &IfName, netns: &Netns, kind: &str, link: &Link) -> Skip {
    let other = link.kind.as_deref().unwrap_or("device of no kind");
    Skip::Replaced(format!(
        "not deleting: {name}{} is a {other}, not the {kind} vethkit made",
        in_netns(netns.as_ref())
    ))
}

/// Moves `name` from `netns` to `to`, renamed to `new_name` if given.
fn move_link(
    context: &mut Context,
    netns: &Netns,
    name: &IfName,
    to: &Netns,
    new_name: Option<&IfName>,
) -> Result<()> {
    let cannot = |words: String| {
        let destination = match to {
            Some(to) => format!("to netns {to}"),
            None => "here".to_string(),
        };
        let renamed = new_name.map_or(String::new(), |new| format!(" as {new}"));
        Error::failed(format!(
            "cannot move {name}{} {destination}{renamed}: {words}",
            in_netns(netns.as_ref())
        ))
    };
    let target = context
        .netns_fd(to.as_ref())?
        .try_clone_to_owned()
        .map_err(|error| cannot(crate::error::io_words(&error)))?;
    let Some(link) = crate::lookup::link(context, netns, name)? else {
        return Err(cannot("no such interface".into()));
    };
    let socket = context.socket(netns.as_ref())?;
    rtnl::move_link(socket, link.index, target.as_fd(), new_name).map_err(|error| {
        cannot(match error.errno {
            libc::EEXIST => format!(
                "an interface named {} is already there",
                new_name.unwrap_or(name)
            ),
            libc::EINVAL if error.message.is_none() => {
                "the kernel keeps this kind of interface in its namespace".into()
            }
            _ => error.to_string(),
        })
    })
}

/// What a port step is about: the port and the bridge, both in `netns`.
struct Port<'a> {
    netns: &'a Netns,
    dev: &'a IfName,
    master: &'a IfName,
    /// As an undo: the port recorded.
    object: &'a Object,
    /// As an undo: the bridge recorded.
    master_index: Option<u32>,
}

/// Makes a port of the bridge (`attach`), or no longer one, when both are
/// still there and the port is free (attach) or still the bridge's
/// (detach). As an undo, acts only on the port and bridge recorded.
fn set_master(context: &mut Context, port: Port<'_>, attach: bool) -> Result<Outcome> {
    let Port {
        netns,
        dev,
        master,
        object,
        master_index,
    } = port;
    let skipping = if attach {
        format!("not attaching {dev} to {master}")
    } else {
        format!("not detaching {dev} from {master}")
    };
    let link = match find_link(context, netns, dev, object)? {
        Found::Ours(link) => link,
        Found::Skip(skip) => return Ok(Outcome::skipped(skip.after(&skipping))),
    };
    let bridge_object = Object {
        netns_id: object.netns_id,
        ifindex: master_index,
    };
    let bridge = match find_link(context, netns, master, &bridge_object)? {
        Found::Ours(bridge) => bridge,
        Found::Skip(skip) => return Ok(Outcome::skipped(skip.after(&skipping))),
    };
    let (what, target) = match (attach, link.master) {
        (true, None) => ("attach", bridge.index),
        (true, Some(index)) if index == bridge.index => return Ok(Outcome::made_by_another()),
        (true, Some(_)) => {
            return Ok(Outcome::skipped(Skip::Replaced(format!(
                "{skipping}: it is a port of another bridge by now"
            ))))
        }
        (false, Some(index)) if index == bridge.index => ("detach", 0),
        (false, _) => {
            return Ok(Outcome::skipped(Skip::gone(
                !object.is_unknown(),
                format!("{skipping}: it is not its port any more"),
            )))
        }
    };
    let socket = context.socket(netns.as_ref())?;
    rtnl::set_master(socket, link.index, target).map_err(|error| {
        refused(
            what,
            format!("{dev} {} {master}", if attach { "to" } else { "from" }),
            netns.as_ref(),
            error,
        )
    })?;
    Ok(Outcome::made(link_made(
        context,
        netns,
        link.index,
        Some(bridge.index),
    )))
}

/// Brings the link `name` up: the one of the index learnt earlier in the
/// invocation when there is one (what its undo is pinned to), else the
/// one of that name, found by the kernel (no lookup: one round trip).
fn bring_up(context: &mut Context, netns: &Netns, name: &IfName) -> Result<Outcome> {
    let refused_up = |error: KernelError| match error.errno {
        libc::ENODEV => no_interface(name, netns.as_ref()),
        _ => refused("bring up", name, netns.as_ref(), error),
    };
    if let Some(index) = context.known_index(netns, name) {
        let socket = context.socket(netns.as_ref())?;
        match rtnl::set_up_by_index(socket, index, true) {
            Ok(()) => return Ok(Outcome::made(link_made(context, netns, index, None))),
            Err(error) if error.errno == libc::ENODEV => context.forget_indexes(netns),
            Err(error) => return Err(refused_up(error)),
        }
    }
    let socket = context.socket(netns.as_ref())?;
    rtnl::set_up(socket, name, true).map_err(refused_up)?;
    Ok(Outcome::done())
}

/// Writes `value` to `key` in `netns` and reads it back. When the kernel
/// keeps something else, `was` (if known) is put back and that is the
/// error. A missing key is an error, or nothing to do when `gone_is_done`.
fn write_sysctl(
    context: &mut Context,
    netns: &Netns,
    key: &Key,
    value: &str,
    was: Option<&str>,
    gone_is_done: bool,
) -> Result<()> {
    let netns = netns.as_ref();
    if gone_is_done && !context.netns_exists(netns) {
        return Ok(());
    }
    let outcome = context.inside(netns, || {
        sysctl::write(key, value)?;
        let now = sysctl::read(key)?;
        if sysctl::same_value(&now, value) {
            return Ok(None);
        }
        if let Some(was) = was {
            let _ = sysctl::write(key, was);
        }
        Ok(Some(now))
    })?;
    let failure = match outcome {
        Ok(None) => return Ok(()),
        Err(Problem::Missing) if gone_is_done => return Ok(()),
        Ok(Some(kept)) => format!(
            "cannot set {key} to {value}: the kernel keeps {}",
            sysctl::normalize(&kept)
        ),
        Err(problem) => problem.describe(key, Some(value)),
    };
    Err(Error::failed(format!("{failure}{}", in_netns(netns))))
}

/// A sysctl an undo puts back.
struct Restore<'a> {
    netns: &'a Netns,
    key: &'a Key,
    value: &'a str,
    also: &'a std::collections::BTreeMap<Key, String>,
    wrote: Option<&'a str>,
    netns_id: Option<NsId>,
}

impl<'a> Restore<'a> {
    /// The restore `step` is, if it is one.
    fn of(step: &'a Step) -> Option<Self> {
        let Step::SysctlRestore {
            netns,
            key,
            value,
            also,
            wrote,
            netns_id,
        } = step
        else {
            return None;
        };
        Some(Restore {
            netns,
            key,
            value,
            also,
            wrote: wrote.as_deref(),
            netns_id: *netns_id,
        })
    }
}

/// Why a recorded sysctl value is not to be put back: the key is gone, or
/// holds another value than the one vethkit wrote (someone changed it
/// since: their value stays). `None` when it is to be put back.
fn restore_skip(context: &mut Context, restore: &Restore<'_>) -> Result<Option<Skip>> {
    let (netns, key) = (restore.netns, restore.key);
    let here = in_netns(netns.as_ref());
    let skipping = format!("not putting back {key}{here}");
    if let Some(skip) = check_netns(context, netns, restore.netns_id) {
        return Ok(Some(skip.after(&skipping)));
    }
    Ok(match context.inside(netns.as_ref(), || sysctl::read(key))? {
        Err(Problem::Missing) => Some(Skip::gone(
            restore.wrote.is_some(),
            format!("{skipping}: the key is gone (its interface was deleted)"),
        )),
        Ok(now) => restore
            .wrote
            .filter(|wrote| !sysctl::same_value(&now, wrote))
            .map(|wrote| {
                Skip::Replaced(format!(
                    "{skipping} ({}): it was changed to {} after vethkit set it to {wrote}, and stays",
                    restore.value,
                    sysctl::normalize(&now)
                ))
            }),
        Err(_) => None,
    })
}

/// Puts a recorded sysctl value back (see [`restore_skip`]), then the
/// values of the keys the kernel changed with it.
fn restore_sysctl(context: &mut Context, restore: Restore<'_>) -> Result<Outcome> {
    if let Some(skip) = restore_skip(context, &restore)? {
        return Ok(Outcome::skipped(skip));
    }
    write_sysctl(
        context,
        restore.netns,
        restore.key,
        restore.value,
        None,
        true,
    )?;
    for (key, value) in restore.also {
        write_sysctl(context, restore.netns, key, value, None, true)?;
    }
    Ok(Outcome::done())
}

/// Why the namespace deletion of `name`, made as `netns_id`, is skipped:
/// `None` when the namespace is there and the one made.
fn netns_deletion_skip(
    context: &mut Context,
    name: &NsName,
    netns_id: Option<NsId>,
) -> Option<Skip> {
    check_netns(context, &Some(name.clone()), netns_id).map(|skip| skip.after("not deleting"))
}

/// Deletes the named namespace an undo is about, if it is still the one made.
fn delete_netns(context: &mut Context, name: &NsName, netns_id: Option<NsId>) -> Result<Outcome> {
    if let Some(skip) = netns_deletion_skip(context, name, netns_id) {
        return Ok(Outcome::skipped(skip));
    }
    context.delete_netns(name)?;
    Ok(Outcome::done())
}

/// Adds something to the link `dev` with `request`. When the kernel
/// answers that it exists, and `there` finds it as asked on the link (of
/// the index given), another invocation added it a moment earlier: it is
/// taken as it is.
fn add_to_link(
    context: &mut Context,
    netns: &Netns,
    dev: &IfName,
    (what, object): (&str, String),
    request: impl Fn(&mut RouteSocket, u32) -> Result<(), KernelError>,
    there: impl FnOnce(&mut Context, u32) -> Result<bool>,
) -> Result<Outcome> {
    let clashed = std::cell::Cell::new(None);
    let added = on_link(context, netns, dev, what, object, |socket, index| {
        let result = request(socket, index);
        if matches!(&result, Err(error) if error.errno == libc::EEXIST) {
            clashed.set(Some(index));
        }
        result
    });
    match (added, clashed.get()) {
        (Ok(made), _) => Ok(Outcome::made(made)),
        (Err(error), Some(index)) => {
            if there(context, index)? {
                Ok(Outcome::made_by_another())
            } else {
                Err(error)
            }
        }
        (Err(error), None) => Err(error),
    }
}

/// Adds an address; the same one added a moment earlier by another
/// invocation is taken as it is.
fn add_address(
    context: &mut Context,
    netns: &Netns,
    dev: &IfName,
    address: &ipnet::IpNet,
) -> Result<Outcome> {
    add_to_link(
        context,
        netns,
        dev,
        ("add address", format!("{address} to {dev}")),
        |socket, index| rtnl::add_address(socket, index, address),
        |context, index| {
            let present = crate::lookup::addresses(context, netns, dev, index)?;
            Ok(present.contains(address))
        },
    )
}

/// Adds a default route; the same one (gateway and device) added a moment
/// earlier by another invocation is taken as it is.
fn add_route(
    context: &mut Context,
    netns: &Netns,
    dev: &IfName,
    gateway: &std::net::IpAddr,
) -> Result<Outcome> {
    add_to_link(
        context,
        netns,
        dev,
        ("add default route", format!("via {gateway}")),
        |socket, index| rtnl::add_default_route(socket, gateway, index),
        |context, index| {
            let present = crate::lookup::default_routes(context, netns, gateway)?;
            Ok(present.contains(&(*gateway, Some(index))))
        },
    )
}

impl Step {
    /// For an undo: why it would leave its object alone now (gone, or not
    /// the object recorded), or `None` when it would act on it. What a dry
    /// run of a reset leaves out.
    pub fn skip(&self, context: &mut Context) -> Result<Option<Skip>> {
        let on_link = |found: Found<Link>| match found {
            Found::Ours(_) => None,
            Found::Skip(skip) => Some(skip),
        };
        if let Some(restore) = Restore::of(self) {
            return restore_skip(context, &restore);
        }
        Ok(match self {
            Step::NetnsDel { name, netns_id } => netns_deletion_skip(context, name, *netns_id),
            Step::LinkDel {
                netns,
                name,
                kind,
                object,
            } => on_link(link_to_delete(context, netns, name, kind, object)?),
            Step::LinkDown {
                netns,
                name: dev,
                object,
            }
            | Step::AddrDel {
                netns, dev, object, ..
            }
            | Step::RouteDel {
                netns, dev, object, ..
            }
            | Step::LinkMaster {
                netns, dev, object, ..
            }
            | Step::LinkNoMaster {
                netns, dev, object, ..
            } => on_link(find_link(context, netns, dev, object)?),
            _ => None,
        })
    }

    /// Applies the step in the namespaces of `context`.
    pub fn apply(&self, context: &mut Context) -> Result<Outcome> {
        match self {
            Step::NetnsAdd { name } => {
                if !context.create_netns(name)? {
                    return Ok(Outcome::made_by_another());
                }
                let id = context.netns_id(Some(name));
                Ok(id.map_or_else(Outcome::done, |id| Outcome::made(Made::Netns(id))))
            }
            Step::NetnsDel { name, netns_id } => delete_netns(context, name, *netns_id),
            Step::VethAdd {
                netns,
                name,
                peer_netns,
                peer,
                mtu,
                mac,
                peer_mac,
            } => {
                let request = VethRequest {
                    name,
                    peer,
                    peer_netns: None,
                    mtu: *mtu,
                    mac: *mac,
                    peer_mac: *peer_mac,
                };
                create_veth(context, netns, peer_netns, request)
            }
            Step::LinkDel {
                netns,
                name,
                kind,
                object,
            } => delete_link(context, netns, name, kind, object),
            Step::BridgeAdd { netns, name, stp } => {
                create_bridge(context, netns, BridgeRequest { name, stp: *stp })
            }
            Step::LinkMtu { netns, name, mtu } => on_link(
                context,
                netns,
                name,
                "set the mtu of",
                name,
                |socket, index| rtnl::set_mtu(socket, index, *mtu),
            )
            .map(|_| Outcome::done()),
            Step::LinkMaster {
                netns,
                dev,
                master,
                object,
                master_index,
            } => {
                let port = Port {
                    netns,
                    dev,
                    master,
                    object,
                    master_index: *master_index,
                };
                set_master(context, port, true)
            }
            Step::LinkNoMaster {
                netns,
                dev,
                master,
                object,
                master_index,
            } => {
                let port = Port {
                    netns,
                    dev,
                    master,
                    object,
                    master_index: *master_index,
                };
                set_master(context, port, false)
            }
            Step::LinkMove {
                netns,
                name,
                to,
                new_name,
            } => {
                context.forget_indexes(netns);
                context.forget_indexes(to);
                move_link(context, netns, name, to, new_name.as_ref())?;
                Ok(Outcome::done())
            }
            Step::Nft { ops } => {
                let socket = context.netfilter()?;
                let applied = crate::nft::apply(socket, ops).map_err(|error| {
                    Error::failed(format!("nf_tables refused the change: {error}"))
                })?;
                Ok(Outcome {
                    made: applied.sent.then_some(Made::Nft(applied.handles)),
                    made_by_another: false,
                    skipped: applied.skipped,
                })
            }
            Step::SysctlSet {
                netns,
                key,
                value,
                was,
                ..
            } => {
                write_sysctl(context, netns, key, value, Some(was), false)?;
                Ok(Outcome::made(Made::Sysctl {
                    wrote: value.clone(),
                    netns_id: context.netns_id(netns.as_ref()),
                }))
            }
            Step::SysctlRestore { .. } => match Restore::of(self) {
                Some(restore) => restore_sysctl(context, restore),
                None => Ok(Outcome::done()),
            },
            Step::LinkUp { netns, name } => bring_up(context, netns, name),
            Step::LinkDown {
                netns,
                name,
                object,
            } => on_recorded_link(
                context,
                netns,
                name,
                object,
                &format!("not bringing {name} down"),
                &[libc::ENODEV],
                |socket, link| rtnl::set_up_by_index(socket, link.index, false),
            ),
            Step::AddrAdd {
                netns,
                dev,
                address,
            } => add_address(context, netns, dev, address),
            Step::AddrDel {
                netns,
                dev,
                address,
                object,
            } => on_recorded_link(
                context,
                netns,
                dev,
                object,
                &format!("not removing {address} from {dev}"),
                &[libc::EADDRNOTAVAIL, libc::ENODEV],
                |socket, link| rtnl::delete_address(socket, link.index, address),
            ),
            Step::RouteAdd {
                netns,
                dev,
                gateway,
            } => add_route(context, netns, dev, gateway),
            Step::RouteDel {
                netns,
                dev,
                gateway,
                object,
            } => on_recorded_link(
                context,
                netns,
                dev,
                object,
                &format!("not removing the default route via {gateway}"),
                &[libc::ESRCH, libc::ENODEV],
                |socket, link| rtnl::delete_default_route(socket, gateway, link.index),
            ),
        }
    }
}
