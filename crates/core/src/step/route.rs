//! Default routes: `ip route add default via GATEWAY dev NAME`, undone by
//! `ip route del ...` through the link routed through.

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::shared::{add_to_link, on_recorded_link, skip_link, Doing};
use super::words::{ip_for, quote};
use super::{Change, Made, Object, Outcome, Skip, Step, Target};
use crate::context::{Context, Netns};
use crate::cover::Named;
use crate::error::Result;
use crate::name::IfName;
use crate::rtnl;

/// `ip [-n NS] route add default via GATEWAY dev NAME`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteAdd {
    /// `-n NS`: the namespace whose default route it is.
    pub netns: Netns,
    /// `dev NAME`: the link the gateway is reached through.
    pub dev: IfName,
    /// `via GATEWAY`: an address on that link's subnet.
    pub gateway: IpAddr,
}

/// `ip [-n NS] route del default via GATEWAY dev NAME`, through the link
/// routed through.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteDel {
    /// `-n NS`: the namespace whose default route it is.
    pub netns: Netns,
    /// `dev NAME`: the link the gateway is reached through.
    pub dev: IfName,
    /// `via GATEWAY`: an address on that link's subnet.
    pub gateway: IpAddr,
    /// The link the route was added through: only a route through it goes.
    #[serde(flatten)]
    pub object: Object,
}

impl Change for RouteAdd {
    /// Adds the route; the same one (gateway and device) added a moment
    /// earlier by another invocation is taken as it is.
    fn apply(&self, context: &mut Context) -> Result<Outcome> {
        let (netns, gateway) = (&self.netns, &self.gateway);
        add_to_link(
            context,
            netns,
            &self.dev,
            (Doing::AddRoute, format!("via {gateway}")),
            |socket, index| rtnl::add_default_route(socket, gateway, index),
            |context, index| {
                let present = crate::lookup::default_routes(context, netns, gateway)?;
                Ok(present.contains(&(*gateway, Some(index))))
            },
        )
    }

    fn undo(&self) -> Option<Step> {
        Some(
            RouteDel {
                netns: self.netns.clone(),
                dev: self.dev.clone(),
                gateway: self.gateway,
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
        write!(
            f,
            "{} route add default via {} dev {}",
            ip_for(&self.netns, &self.gateway),
            self.gateway,
            quote(&self.dev)
        )
    }
}

impl Change for RouteDel {
    fn apply(&self, context: &mut Context) -> Result<Outcome> {
        on_recorded_link(
            context,
            (&self.netns, &self.dev, &self.object),
            &format!("not removing the default route via {}", self.gateway),
            &[libc::ESRCH, libc::ENODEV],
            |socket, link| rtnl::delete_default_route(socket, &self.gateway, link.index),
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
        write!(
            f,
            "{} route del default via {} dev {}",
            ip_for(&self.netns, &self.gateway),
            self.gateway,
            quote(&self.dev)
        )
    }
}
