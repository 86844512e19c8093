//! How each step is applied.

use std::fmt;
use std::os::fd::AsFd;

use super::Step;
use crate::context::{in_netns, Context, Netns};
use crate::error::{Error, Result};
use crate::name::{IfName, NsName};
use crate::netlink::KernelError;
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

/// Sends `request` about the link `name`, which must exist in `netns`, to
/// its index: the one learnt earlier in the invocation when there is one
/// (a link deleted since answers ENODEV, and is looked up again), else
/// looked up now.
fn on_link(
    context: &mut Context,
    netns: &Netns,
    name: &IfName,
    what: &str,
    object: impl fmt::Display,
    request: impl Fn(&mut RouteSocket, u32) -> Result<(), KernelError>,
) -> Result<()> {
    if let Some(index) = context.known_index(netns, name) {
        let socket = context.socket(netns.as_ref())?;
        match request(socket, index) {
            Err(error) if error.errno == libc::ENODEV => context.forget_indexes(netns),
            result => return result.map_err(|error| refused(what, object, netns.as_ref(), error)),
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
    result.map_err(|error| refused(what, object, netns.as_ref(), error))
}

/// Sends an undo `request` about the link `name` if it is still there: a
/// missing namespace or link, or an errno in `gone`, means the change is
/// undone already.
fn on_remaining_link(
    context: &mut Context,
    netns: &Netns,
    name: &IfName,
    what: &str,
    object: impl fmt::Display,
    gone: &[i32],
    request: impl FnOnce(&mut RouteSocket, &Link) -> Result<(), KernelError>,
) -> Result<()> {
    let netns = netns.as_ref();
    if !context.netns_exists(netns) {
        return Ok(());
    }
    let socket = context.socket(netns)?;
    let link = match rtnl::link_by_name(socket, name) {
        Ok(Some(link)) => link,
        Ok(None) => return Ok(()),
        Err(error) => return Err(refused("look up", name, netns, error)),
    };
    match request(socket, &link) {
        Err(error) if !gone.contains(&error.errno) => Err(refused(what, object, netns, error)),
        _ => Ok(()),
    }
}

/// Creates a veth pair from the socket in `netns`, the peer going straight
/// into `peer_netns` when that is another namespace.
fn create_veth(
    context: &mut Context,
    netns: &Netns,
    peer_netns: &Netns,
    mut request: VethRequest<'_>,
) -> Result<()> {
    let name = request.name;
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
    match rtnl::create_veth(socket, &request) {
        Ok(()) => Ok(()),
        Err(error) if error.errno == libc::EEXIST => {
            // The kernel does not say which end clashed: find out.
            let taken_here = rtnl::link_by_name(socket, name).ok().flatten().is_some();
            let (clash, clash_netns) = if taken_here {
                (name, netns)
            } else {
                (request.peer, peer_netns)
            };
            Err(refused("create", clash, clash_netns.as_ref(), error))
        }
        Err(error) => Err(refused("create", name, netns.as_ref(), error)),
    }
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

/// Makes `dev` a port of `master`, or no longer one, when both are still
/// there and `dev` is free (attach) or still `master`'s (detach).
fn set_master(
    context: &mut Context,
    netns: &Netns,
    dev: &IfName,
    master: &IfName,
    attach: bool,
) -> Result<()> {
    if !context.netns_exists(netns.as_ref()) {
        return Ok(());
    }
    let socket = context.socket(netns.as_ref())?;
    let look_up = |socket: &mut RouteSocket, name: &IfName| {
        rtnl::link_by_name(socket, name)
            .map_err(|error| refused("look up", name, netns.as_ref(), error))
    };
    let (Some(port), Some(bridge)) = (look_up(socket, dev)?, look_up(socket, master)?) else {
        return Ok(());
    };
    let (what, target) = match (attach, port.master) {
        (true, None) => ("attach", bridge.index),
        (false, Some(index)) if index == bridge.index => ("detach", 0),
        _ => return Ok(()),
    };
    rtnl::set_master(socket, port.index, target).map_err(|error| {
        refused(
            what,
            format!("{dev} {} {master}", if attach { "to" } else { "from" }),
            netns.as_ref(),
            error,
        )
    })
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

impl Step {
    /// Applies the step in the namespaces of `context`.
    pub fn apply(&self, context: &mut Context) -> Result<()> {
        match self {
            Step::NetnsAdd { name } => context.create_netns(name),
            Step::NetnsDel { name } => context.delete_netns(name).map(drop),
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
            Step::LinkDel { netns, name, kind } => {
                context.forget_indexes(netns);
                on_remaining_link(
                    context,
                    netns,
                    name,
                    "delete",
                    name,
                    &[libc::ENODEV],
                    |socket, link| {
                        // A link of another kind under that name is not the one created.
                        if link.kind.as_deref() != Some(kind.as_str()) {
                            return Ok(());
                        }
                        rtnl::delete_link(socket, link.index)
                    },
                )
            }
            Step::BridgeAdd { netns, name, stp } => {
                let request = BridgeRequest { name, stp: *stp };
                let socket = context.socket(netns.as_ref())?;
                rtnl::create_bridge(socket, &request)
                    .map_err(|error| refused("create", name, netns.as_ref(), error))
            }
            Step::LinkMtu { netns, name, mtu } => on_link(
                context,
                netns,
                name,
                "set the mtu of",
                name,
                |socket, index| rtnl::set_mtu(socket, index, *mtu),
            ),
            Step::LinkMaster { netns, dev, master } => {
                set_master(context, netns, dev, master, true)
            }
            Step::LinkNoMaster { netns, dev, master } => {
                set_master(context, netns, dev, master, false)
            }
            Step::LinkMove {
                netns,
                name,
                to,
                new_name,
            } => {
                context.forget_indexes(netns);
                context.forget_indexes(to);
                move_link(context, netns, name, to, new_name.as_ref())
            }
            Step::Nft { ops } => {
                let socket = context.netfilter()?;
                crate::nft::apply(socket, ops).map_err(|error| {
                    Error::failed(format!("nf_tables refused the change: {error}"))
                })
            }
            Step::SysctlSet {
                netns,
                key,
                value,
                was,
                ..
            } => write_sysctl(context, netns, key, value, Some(was), false),
            Step::SysctlRestore {
                netns,
                key,
                value,
                also,
            } => {
                write_sysctl(context, netns, key, value, None, true)?;
                for (key, value) in also {
                    write_sysctl(context, netns, key, value, None, true)?;
                }
                Ok(())
            }
            Step::LinkUp { netns, name } => {
                let socket = context.socket(netns.as_ref())?;
                rtnl::set_up(socket, name, true).map_err(|error| match error.errno {
                    libc::ENODEV => no_interface(name, netns.as_ref()),
                    _ => refused("bring up", name, netns.as_ref(), error),
                })
            }
            Step::LinkDown { netns, name } => {
                if !context.netns_exists(netns.as_ref()) {
                    return Ok(());
                }
                let socket = context.socket(netns.as_ref())?;
                match rtnl::set_up(socket, name, false) {
                    Err(error) if error.errno != libc::ENODEV => {
                        Err(refused("bring down", name, netns.as_ref(), error))
                    }
                    _ => Ok(()),
                }
            }
            Step::AddrAdd {
                netns,
                dev,
                address,
            } => on_link(
                context,
                netns,
                dev,
                "add address",
                format!("{address} to {dev}"),
                |socket, index| rtnl::add_address(socket, index, address),
            ),
            Step::AddrDel {
                netns,
                dev,
                address,
            } => {
                let gone = [libc::EADDRNOTAVAIL, libc::ENODEV];
                on_remaining_link(
                    context,
                    netns,
                    dev,
                    "remove address",
                    format!("{address} from {dev}"),
                    &gone,
                    |socket, link| rtnl::delete_address(socket, link.index, address),
                )
            }
            Step::RouteAdd {
                netns,
                dev,
                gateway,
            } => on_link(
                context,
                netns,
                dev,
                "add default route",
                format!("via {gateway}"),
                |socket, index| rtnl::add_default_route(socket, gateway, index),
            ),
            Step::RouteDel {
                netns,
                dev,
                gateway,
            } => {
                let gone = [libc::ESRCH, libc::ENODEV];
                on_remaining_link(
                    context,
                    netns,
                    dev,
                    "remove default route",
                    format!("via {gateway}"),
                    &gone,
                    |socket, link| rtnl::delete_default_route(socket, gateway, link.index),
                )
            }
        }
    }
}
