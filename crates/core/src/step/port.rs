//! Bridge ports: `ip link set dev DEV master BRIDGE` and `... nomaster`,
//! each the undo of the other.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::shared::{find_link, link_made, refused, skip_link, Doing};
use super::words::{ip, quote};
use super::{Change, Found, Made, Object, Outcome, Skip, Step, Target};
use crate::context::{Context, Netns};
use crate::cover::Named;
use crate::error::Result;
use crate::name::IfName;
use crate::rtnl;

/// A port and its bridge, both in one namespace, as a port step names them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Port {
    /// `-n NS`: the namespace of both links.
    pub netns: Netns,
    /// `dev DEV`: the link that is a port.
    pub dev: IfName,
    /// `master MASTER`: the bridge.
    pub master: IfName,
    /// As an undo: the port recorded.
    #[serde(flatten)]
    pub object: Object,
    /// As an undo: the index of the bridge recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master_index: Option<u32>,
}

/// `ip [-n NS] link set dev DEV master MASTER`; nothing when DEV or MASTER
/// is gone, or DEV is a port of something else by then.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LinkMaster(pub Port);

/// `ip [-n NS] link set dev DEV nomaster`, only while DEV is a port of MASTER.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LinkNoMaster(pub Port);

impl Port {
    fn new(netns: &Netns, dev: &IfName, master: &IfName) -> Self {
        Port {
            netns: netns.clone(),
            dev: dev.clone(),
            master: master.clone(),
            object: Object::default(),
            master_index: None,
        }
    }

    /// Makes the port one of the bridge (`attach`), or no longer one, when
    /// both are still there and the port is free (attach) or still the
    /// bridge's (detach). As an undo, acts on the port and bridge recorded.
    fn set_master(&self, context: &mut Context, attach: bool) -> Result<Outcome> {
        let (netns, dev, master) = (&self.netns, &self.dev, &self.master);
        let skipping = if attach {
            format!("not attaching {dev} to {master}")
        } else {
            format!("not detaching {dev} from {master}")
        };
        let link = match find_link(context, netns, dev, &self.object)? {
            Found::Ours(link) => link,
            Found::Skip(skip) => return Ok(Outcome::skipped(skip.after(&skipping))),
        };
        let bridge_object = Object {
            netns_id: self.object.netns_id,
            ifindex: self.master_index,
        };
        let bridge = match find_link(context, netns, master, &bridge_object)? {
            Found::Ours(bridge) => bridge,
            Found::Skip(skip) => return Ok(Outcome::skipped(skip.after(&skipping))),
        };
        let (doing, target) = match (attach, link.master) {
            (true, None) => (Doing::Attach, bridge.index),
            (true, Some(index)) if index == bridge.index => return Ok(Outcome::made_by_another()),
            (true, Some(_)) => {
                return Ok(Outcome::skipped(Skip::Replaced(format!(
                    "{skipping}: it is a port of another bridge by now"
                ))))
            }
            (false, Some(index)) if index == bridge.index => (Doing::Detach, 0),
            (false, _) => {
                return Ok(Outcome::skipped(Skip::gone(
                    !self.object.is_unknown(),
                    format!("{skipping}: it is not its port any more"),
                )))
            }
        };
        let socket = context.socket(netns.as_ref())?;
        rtnl::set_master(socket, link.index, target).map_err(|error| {
            let between = if attach { "to" } else { "from" };
            refused(
                doing,
                format!("{dev} {between} {master}"),
                netns.as_ref(),
                error,
            )
        })?;
        let made = link_made(context, netns, link.index, Some(bridge.index));
        Ok(Outcome::made(made))
    }

    fn pin(&mut self, made: &Made) {
        if let Made::Link { object, master } = made {
            self.object = *object;
            self.master_index = *master;
        }
    }

    fn target(&self) -> Target<'_> {
        Target::link(&self.netns, &self.dev)
    }
}

impl LinkMaster {
    /// Attaches `dev` to `master`, in `netns`.
    pub fn attach(netns: &Netns, dev: &IfName, master: &IfName) -> Self {
        LinkMaster(Port::new(netns, dev, master))
    }
}

impl LinkNoMaster {
    /// Detaches `dev` from `master`, in `netns`.
    pub fn detach(netns: &Netns, dev: &IfName, master: &IfName) -> Self {
        LinkNoMaster(Port::new(netns, dev, master))
    }
}

impl Change for LinkMaster {
    fn apply(&self, context: &mut Context) -> Result<Outcome> {
        self.0.set_master(context, true)
    }

    fn undo(&self) -> Option<Step> {
        let Port {
            netns, dev, master, ..
        } = &self.0;
        Some(LinkNoMaster::detach(netns, dev, master).into())
    }

    fn pin(&mut self, made: &Made) {
        self.0.pin(made);
    }

    fn skip(&self, context: &mut Context) -> Result<Option<Skip>> {
        skip_link(context, &self.0.netns, &self.0.dev, &self.0.object)
    }

    fn target(&self) -> Target<'_> {
        self.0.target()
    }

    fn creates(&self) -> Vec<Named> {
        Vec::new()
    }

    fn deletes(&self) -> Option<Named> {
        None
    }

    fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Port {
            netns, dev, master, ..
        } = &self.0;
        write!(
            f,
            "{} link set dev {} master {}",
            ip(netns),
            quote(dev),
            quote(master)
        )
    }
}

impl Change for LinkNoMaster {
    fn apply(&self, context: &mut Context) -> Result<Outcome> {
        self.0.set_master(context, false)
    }

    fn undo(&self) -> Option<Step> {
        let Port {
            netns, dev, master, ..
        } = &self.0;
        Some(LinkMaster::attach(netns, dev, master).into())
    }

    fn pin(&mut self, made: &Made) {
        self.0.pin(made);
    }

    fn skip(&self, context: &mut Context) -> Result<Option<Skip>> {
        skip_link(context, &self.0.netns, &self.0.dev, &self.0.object)
    }

    fn target(&self) -> Target<'_> {
        self.0.target()
    }

    fn creates(&self) -> Vec<Named> {
        Vec::new()
    }

    fn deletes(&self) -> Option<Named> {
        None
    }

    fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} link set dev {} nomaster",
            ip(&self.0.netns),
            quote(&self.0.dev)
        )
    }
}
