//! A VXLAN link's further remotes: `bridge fdb append 00:00:00:00:00:00
//! dev NAME dst IP`, an all-zero forwarding entry that sends a copy of each
//! broadcast, multicast or unknown frame to one more remote (head-end
//! replication), undone by `bridge fdb del` on the link it was added to.

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use std::cell::Cell;

use super::shared::{on_link, on_recorded_link, skip_link, Doing};
use super::words::{bridge, quote};
use super::{Change, Made, Object, Outcome, Skip, Step, Target};
use crate::context::{Context, Netns};
use crate::cover::Named;
use crate::error::Result;
use crate::name::IfName;
use crate::rtnl;

/// `bridge [-n NS] fdb append 00:00:00:00:00:00 dev NAME dst IP`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FdbAppend {
    /// `-n NS`: the link's namespace (`None`: the caller's).
    pub netns: Netns,
    /// `dev NAME`: the VXLAN link.
    pub dev: IfName,
    /// `dst IP`: the remote.
    pub remote: IpAddr,
}

/// `bridge [-n NS] fdb del 00:00:00:00:00:00 dev NAME dst IP`, on the link
/// the entry was added to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FdbDel {
    /// `-n NS`: the link's namespace (`None`: the caller's).
    pub netns: Netns,
    /// `dev NAME`: the VXLAN link.
    pub dev: IfName,
    /// `dst IP`: the remote.
    pub remote: IpAddr,
    /// The link the entry was added to: it is deleted from that one only.
    #[serde(flatten)]
    pub object: Object,
}

/// `bridge [-n NS] fdb VERB 00:00:00:00:00:00 dev NAME dst IP`
fn write_line(
    f: &mut fmt::Formatter<'_>,
    verb: &str,
    (netns, dev, remote): (&Netns, &IfName, &IpAddr),
) -> fmt::Result {
    write!(
        f,
        "{} fdb {verb} 00:00:00:00:00:00 dev {} dst {remote}",
        bridge(netns),
        quote(dev)
    )
}

impl Change for FdbAppend {
    /// Adds the entry; the same one there already, added a moment earlier
    /// by another invocation or by hand, is taken as it is (the kernel
    /// would append it again without a word, and its undo would then
    /// delete an entry vethkit did not make).
    fn apply(&self, context: &mut Context) -> Result<Outcome> {
        let (netns, dev, remote) = (&self.netns, &self.dev, &self.remote);
        let there = Cell::new(false);
        let made = on_link(
            context,
            netns,
            dev,
            (Doing::AddRemote, format!("{remote} to {dev}")),
            |socket, index| {
                if rtnl::flood_remotes(socket, index)?.contains(remote) {
                    there.set(true);
                    return Ok(());
                }
                rtnl::append_flood_remote(socket, index, remote)
            },
        )?;
        Ok(if there.get() {
            Outcome::made_by_another()
        } else {
            Outcome::made(made)
        })
    }

    fn undo(&self) -> Option<Step> {
        Some(
            FdbDel {
                netns: self.netns.clone(),
                dev: self.dev.clone(),
                remote: self.remote,
                object: Object::default(),
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
        write_line(f, "append", (&self.netns, &self.dev, &self.remote))
    }
}

impl Change for FdbDel {
    fn apply(&self, context: &mut Context) -> Result<Outcome> {
        on_recorded_link(
            context,
            (&self.netns, &self.dev, &self.object),
            &format!("not removing remote {} from {}", self.remote, self.dev),
            &[libc::ENOENT, libc::ENODEV],
            |socket, link| rtnl::delete_flood_remote(socket, link.index, &self.remote),
        )
    }

    fn undo(&self) -> Option<Step> {
        None
    }

    fn pin(&mut self, made: &Made) {
        self.object.pin(made);
    }

    fn skip(&self, context: &mut Context) -> Result<Option<Skip>> {
        skip_link(context, &self.netns, &self.dev, &self.object)
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
        write_line(f, "del", (&self.netns, &self.dev, &self.remote))
    }
}
