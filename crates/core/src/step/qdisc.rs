//! A link's root qdisc: `tc qdisc replace dev DEV root netem|tbf ...`,
//! undone by putting back the qdisc it replaced (deleting the root qdisc
//! when that was the link's default one), while the root qdisc is still
//! the one vethkit set, with the settings it set.

use std::cell::Cell;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::shared::{find_link, on_link, refused, Doing};
use super::words::{quote, tc};
use super::{Change, Found, Made, Object, Outcome, Skip, Step, Target};
use crate::context::{in_netns, Context, Netns};
use crate::cover::Named;
use crate::error::{Error, Result};
use crate::lookup;
use crate::name::IfName;
use crate::qdisc::{Qdisc, Shape};
use crate::rtnl::{self, Link};

/// `tc [-n NS] qdisc replace dev DEV root SHAPE`, in place of `was`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QdiscReplace {
    /// `-n NS`: the link's namespace (`None`: the caller's).
    pub netns: Netns,
    /// `dev DEV`, its name when the step was planned.
    pub dev: IfName,
    /// The qdisc and its settings.
    pub shape: Shape,
    /// The root qdisc it replaces, put back by the undo.
    pub was: Qdisc,
}

/// Puts back the root qdisc `was` of a link, in place of `shape`: `tc [-n
/// NS] qdisc del dev DEV root` for the link's default one, else `tc qdisc
/// replace dev DEV root handle H: KIND ...`. Nothing when the link is
/// gone, or its root qdisc is no longer the one vethkit set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QdiscRestore {
    /// `-n NS`: the link's namespace (`None`: the caller's).
    pub netns: Netns,
    /// `dev DEV`, its name when the step was planned.
    pub dev: IfName,
    /// The root qdisc put back.
    pub was: Qdisc,
    /// What vethkit set in its place: another qdisc there now is someone
    /// else's, and stays.
    pub shape: Shape,
    /// The link shaped.
    #[serde(flatten)]
    pub object: Object,
    /// The handle of the qdisc vethkit set, once set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle: Option<u32>,
    /// Whether it was set (`handle` may be unknown all the same).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub set: bool,
}

/// The kernel has no qdisc of `kind`.
fn no_module(kind: &str) -> Error {
    Error::failed(format!(
        "this kernel has no {kind} qdisc (load the sch_{kind} module: modprobe sch_{kind})"
    ))
}

impl QdiscReplace {
    /// The handle asked for: none (the kernel picks one) unless the root
    /// qdisc is one of the same kind, which the kernel would change in
    /// place, keeping what the request leaves out (a netem its ECN, slots
    /// or delay distribution) under the handle it had. Given another
    /// handle, it makes a new one. Once a root qdisc with no qdiscs below
    /// it is replaced, every handle but ingress's is free on the link.
    fn handle(&self) -> u32 {
        if self.was.is_default() || self.was.kind != self.shape.kind() {
            return 0;
        }
        let major = self.was.handle >> 16;
        let next = if major >= 0xfffe { 1 } else { major + 1 };
        next << 16
    }
}

impl Change for QdiscReplace {
    /// Replaces the root qdisc by a new one (see [`QdiscReplace::handle`]),
    /// whose handle is read back for the undo.
    fn apply(&self, context: &mut Context) -> Result<Outcome> {
        let kind = self.shape.kind();
        let options = self.shape.options();
        let handle = self.handle();
        let (unknown_kind, shaped) = (Cell::new(false), Cell::new(0));
        let doing = (Doing::Shape, self.dev.to_string());
        let made = on_link(context, &self.netns, &self.dev, doing, |socket, index| {
            let result = rtnl::replace_root_qdisc(socket, index, (kind, handle), &options);
            unknown_kind.set(matches!(&result, Err(error) if error.errno == libc::ENOENT));
            shaped.set(index);
            result
        });
        let object = match made {
            Err(_) if unknown_kind.get() => return Err(no_module(kind)),
            Err(error) => return Err(error),
            Ok(Made::Link { object, .. }) => object,
            Ok(_) => Object::default(),
        };
        // Unread, the undo is pinned to the link and the settings alone.
        let root = lookup::root_qdisc(context, &self.netns, (shaped.get(), self.dev.as_str()));
        Ok(Outcome::made(Made::Qdisc {
            object,
            handle: root.ok().map(|(root, _)| root.handle),
        }))
    }

    fn undo(&self) -> Option<Step> {
        Some(
            QdiscRestore {
                netns: self.netns.clone(),
                dev: self.dev.clone(),
                was: self.was.clone(),
                shape: self.shape.clone(),
                object: Object::default(),
                handle: None,
                set: false,
            }
            .into(),
        )
    }

    fn target(&self) -> Target<'_> {
        Target::link(&self.netns, &self.dev)
    }

    fn creates(&self) -> Vec<Named> {
        Vec::new()
    }

    fn deletes(&self) -> Option<Named> {
        None
    }

    fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (tc, dev) = (tc(&self.netns), quote(&self.dev));
        match self.handle() {
            0 => write!(f, "{tc} qdisc replace dev {dev} root {}", self.shape),
            handle => write!(
                f,
                "{tc} qdisc replace dev {dev} root handle {:x}: {}",
                handle >> 16,
                self.shape
            ),
        }
    }
}

impl QdiscRestore {
    /// The link whose qdisc is to be put back, or why it is left alone:
    /// the link is gone, or its root qdisc is not the one vethkit set, as
    /// it set it.
    fn find(&self, context: &mut Context) -> Result<Found<Link>> {
        let skipping = format!(
            "not putting back the {} qdisc of {}",
            self.was.kind, self.dev
        );
        let link = match find_link(context, &self.netns, &self.dev, &self.object)? {
            Found::Ours(link) => link,
            Found::Skip(skip) => return Ok(Found::Skip(skip.after(&skipping))),
        };
        let (root, _) = lookup::root_qdisc(context, &self.netns, (link.index, &link.name))?;
        let ours = root.is(&self.shape) && self.handle.map_or(true, |handle| handle == root.handle);
        if ours {
            return Ok(Found::Ours(link));
        }
        Ok(Found::Skip(match self.set {
            false => Skip::NotMade,
            true => Skip::Replaced(format!(
                "{skipping}{}: its root qdisc is {} {}, not the {} vethkit set, and stays",
                in_netns(self.netns.as_ref()),
                root.kind,
                root.handle_words(),
                self.shape.kind()
            )),
        }))
    }
}

impl Change for QdiscRestore {
    fn apply(&self, context: &mut Context) -> Result<Outcome> {
        let link = match self.find(context)? {
            Found::Ours(link) => link,
            Found::Skip(skip) => return Ok(Outcome::skipped(skip)),
        };
        let socket = context.socket(self.netns.as_ref())?;
        let result = if self.was.is_default() {
            match rtnl::delete_root_qdisc(socket, link.index) {
                Err(error) if error.errno == libc::ENOENT => Ok(()),
                result => result,
            }
        } else {
            let was = &self.was;
            let kind_and_handle = (was.kind.as_str(), was.handle);
            rtnl::replace_root_qdisc(socket, link.index, kind_and_handle, &was.options)
        };
        result.map_err(|error| refused(Doing::Undo, &self.dev, self.netns.as_ref(), error))?;
        Ok(Outcome::done())
    }

    fn undo(&self) -> Option<Step> {
        None
    }

    fn pin(&mut self, made: &Made) {
        if let Made::Qdisc { object, handle } = made {
            self.object = *object;
            self.handle = *handle;
            self.set = true;
        }
    }

    fn skip(&self, context: &mut Context) -> Result<Option<Skip>> {
        Ok(match self.find(context)? {
            Found::Ours(_) => None,
            Found::Skip(skip) => Some(skip),
        })
    }

    fn target(&self) -> Target<'_> {
        Target::link(&self.netns, &self.dev)
    }

    fn creates(&self) -> Vec<Named> {
        Vec::new()
    }

    fn deletes(&self) -> Option<Named> {
        None
    }

    fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (tc, dev) = (tc(&self.netns), quote(&self.dev));
        if self.was.is_default() {
            write!(f, "{tc} qdisc del dev {dev} root")
        } else {
            let handle = self.was.handle_words();
            write!(
                f,
                "{tc} qdisc replace dev {dev} root handle {handle} {}",
                self.was.words()
            )
        }
    }
}
