//! What the steps share: finding the link a step acts on (by the index
//! learnt or recorded, else by name), telling whether a namespace or link
//! is still the one recorded (and, for a deletion, of the kind made), the
//! identity of what a step acted on, and refusals in words.

use std::borrow::Borrow;
use std::fmt;

use super::link::KindName;
use super::{Found, Made, Object, Outcome, Skip};
use crate::context::{in_netns, Context, Netns, Presence};
use crate::error::{Error, Result};
use crate::lookup::no_interface;
use crate::name::{IfName, NsName};
use crate::netlink::KernelError;
use crate::netns::NsId;
use crate::rtnl::{self, Link, RouteSocket};

/// What a step was doing when the kernel refused it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Doing {
    /// Making a link.
    Create,
    /// Making a link a port of a bridge.
    Attach,
    /// Taking a port off its bridge.
    Detach,
    /// Deleting a link.
    Delete,
    /// Looking a link up.
    LookUp,
    /// Setting a link's MTU.
    SetMtu,
    /// Adding an address.
    AddAddress,
    /// Adding a default route.
    AddRoute,
    /// Adding a remote to a VXLAN link's flood list.
    AddRemote,
    /// Bringing a link up.
    BringUp,
    /// Setting a link's root qdisc.
    Shape,
    /// Undoing a change made to a link.
    Undo,
}

impl Doing {
    fn words(self) -> &'static str {
        match self {
            Doing::Create => "create",
            Doing::Attach => "attach",
            Doing::Detach => "detach",
            Doing::Delete => "delete",
            Doing::LookUp => "look up",
            Doing::SetMtu => "set the mtu of",
            Doing::AddAddress => "add address",
            Doing::AddRoute => "add default route",
            Doing::AddRemote => "add remote",
            Doing::BringUp => "bring up",
            Doing::Shape => "shape",
            Doing::Undo => "undo a change of",
        }
    }
}

/// A kernel error while `doing` something to `object` in `netns`, in words.
pub fn refused(
    doing: Doing,
    object: impl fmt::Display,
    netns: Option<&NsName>,
    error: KernelError,
) -> Error {
    let words = match (doing, error.errno) {
        (Doing::Create, libc::EEXIST) => "an interface with that name already exists".to_string(),
        // The kernel numbers a bridge's ports in 10 bits, 0 unused.
        (Doing::Attach, libc::EXFULL) => {
            "the bridge has 1023 ports, the most a Linux bridge can have".to_string()
        }
        _ => error.to_string(),
    };
    Error::failed(format!(
        "cannot {} {object}: {words}{}",
        doing.words(),
        in_netns(netns)
    ))
}

/// What a step on the link of index `index` in `netns` acted on (and, for
/// a port, the index of its bridge).
pub fn link_made(context: &mut Context, netns: &Netns, index: u32, master: Option<u32>) -> Made {
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
pub fn on_link(
    context: &mut Context,
    netns: &Netns,
    name: &IfName,
    (doing, object): (Doing, String),
    request: impl Fn(&mut RouteSocket, u32) -> Result<(), KernelError>,
) -> Result<Made> {
    if let Some(index) = context.known_index(netns, name) {
        let socket = context.socket(netns.as_ref())?;
        match request(socket, index) {
            Err(error) if error.errno == libc::ENODEV => context.forget_indexes(netns),
            Err(error) => return Err(refused(doing, object, netns.as_ref(), error)),
            Ok(()) => return Ok(link_made(context, netns, index, None)),
        }
    }
    let socket = context.socket(netns.as_ref())?;
    let index = match rtnl::link_by_name(socket, name) {
        Ok(Some(link)) => link.index,
        Ok(None) => return Err(Error::failed(no_interface(name, netns))),
        Err(error) => return Err(refused(Doing::LookUp, name, netns.as_ref(), error)),
    };
    let result = request(socket, index);
    context.learn_index(netns, name, index);
    result.map_err(|error| refused(doing, object, netns.as_ref(), error))?;
    Ok(link_made(context, netns, index, None))
}

/// Adds something to the link `dev` with `request` (see [`on_link`]). When
/// the kernel answers that it exists, and `there` finds it as asked on the
/// link (of the index given), another invocation added it a moment
/// earlier: it is taken as it is.
pub fn add_to_link(
    context: &mut Context,
    netns: &Netns,
    dev: &IfName,
    doing: (Doing, String),
    request: impl Fn(&mut RouteSocket, u32) -> Result<(), KernelError>,
    there: impl FnOnce(&mut Context, u32) -> Result<bool>,
) -> Result<Outcome> {
    let clashed = std::cell::Cell::new(None);
    let added = on_link(context, netns, dev, doing, |socket, index| {
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

/// Decides which link an undo is about: the one at the recorded index when
/// the index is known (renamed since or not), else the one of the recorded
/// name. `at_index` is the link at the index; `named` looks up the one of
/// the name, asked only when needed (to tell "gone" from "replaced").
pub fn identify<L>(
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
pub fn check_netns(context: &mut Context, netns: &Netns, recorded: Option<NsId>) -> Option<Skip> {
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
pub fn find_link(
    context: &mut Context,
    netns: &Netns,
    name: &IfName,
    object: &Object,
) -> Result<Found<Link>> {
    if let Some(skip) = check_netns(context, netns, object.netns_id) {
        return Ok(Found::Skip(skip));
    }
    let refused_lookup = |error| refused(Doing::LookUp, name, netns.as_ref(), error);
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

/// Whether an undo about a link would leave it alone (see [`find_link`]).
pub fn skip_link(
    context: &mut Context,
    netns: &Netns,
    name: &IfName,
    object: &Object,
) -> Result<Option<Skip>> {
    Ok(match find_link(context, netns, name, object)? {
        Found::Ours(_) => None,
        Found::Skip(skip) => Some(skip),
    })
}

/// Sends an undo `request` about the link an undo is about, if it is still
/// there; an errno in `gone` means the change is undone already.
/// `skipping` words a skip (as "not bringing veth1 down").
pub fn on_recorded_link(
    context: &mut Context,
    (netns, name, object): (&Netns, &IfName, &Object),
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
        Err(error) => Err(refused(Doing::Undo, name, netns.as_ref(), error)),
        Ok(()) => Ok(Outcome::done()),
    }
}

/// What the link found for the deletion of `name` in `netns`, made of
/// `kind`, comes to: that link, when it is of that kind; else why it stays.
pub fn to_delete<L: Borrow<Link>>(
    found: Found<L>,
    (kind, name, netns): (KindName, &IfName, &Netns),
) -> Found<L> {
    match found {
        Found::Ours(link) if kind.is_kind_of(link.borrow()) => Found::Ours(link),
        Found::Ours(link) => {
            let other = link.borrow().kind.as_deref().unwrap_or("device of no kind");
            Found::Skip(Skip::Replaced(format!(
                "not deleting: {name}{} is a {other}, not the {} vethkit made",
                in_netns(netns.as_ref()),
                kind.as_str()
            )))
        }
        Found::Skip(skip) => Found::Skip(skip.after("not deleting")),
    }
}
