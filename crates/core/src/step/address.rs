//! Addresses: `ip address add CIDR dev NAME` (IPv6 ones `nodad`), undone
//! by `ip address del CIDR dev NAME` on the link addressed.

use std::fmt;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use super::shared::{add_to_link, on_recorded_link, skip_link, Doing};
use super::words::{ip, quote};
use super::{Change, Made, Object, Outcome, Skip, Step, Target};
use crate::context::{Context, Netns};
use crate::cover::Named;
use crate::error::Result;
use crate::name::IfName;
use crate::rtnl;

/// `ip [-n NS] address add CIDR dev NAME [nodad]`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddrAdd {
    /// `-n NS`: the link's namespace (`None`: the caller's).
    pub netns: Netns,
    /// `dev NAME`.
    pub dev: IfName,
    /// `CIDR`: the address with its prefix length.
    pub address: IpNet,
}

/// `ip [-n NS] address del CIDR dev NAME`, on the link addressed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddrDel {
    /// `-n NS`: the link's namespace (`None`: the caller's).
    pub netns: Netns,
    /// `dev NAME`.
    pub dev: IfName,
    /// `CIDR`: the address with its prefix length.
    pub address: IpNet,
    /// The link the address was added to: the address is deleted from it only.
    #[serde(flatten)]
    pub object: Object,
}

impl AddrAdd {
    /// Whether the address goes without duplicate address detection: an
    /// IPv6 one, as a lab's addresses are its own to give (so the next line
    /// of a script can use it, not wait out a tentative second or two).
    fn nodad(&self) -> bool {
        self.address.addr().is_ipv6()
    }
}

impl Change for AddrAdd {
    /// Adds the address; the same one added a moment earlier by another
    /// invocation is taken as it is.
    fn apply(&self, context: &mut Context) -> Result<Outcome> {
        let (netns, dev, address) = (&self.netns, &self.dev, &self.address);
        let nodad = self.nodad();
        add_to_link(
            context,
            netns,
            dev,
            (Doing::AddAddress, format!("{address} to {dev}")),
            |socket, index| rtnl::add_address(socket, index, address, nodad),
            |context, index| {
                let present = crate::lookup::addresses(context, netns, dev, index)?;
                Ok(present.contains(address))
            },
        )
    }

    fn undo(&self) -> Option<Step> {
        Some(
            AddrDel {
                netns: self.netns.clone(),
                dev: self.dev.clone(),
                address: self.address,
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
            "{} address add {} dev {}{}",
            ip(&self.netns),
            self.address,
            quote(&self.dev),
            if self.nodad() { " nodad" } else { "" }
        )
    }
}

impl Change for AddrDel {
    fn apply(&self, context: &mut Context) -> Result<Outcome> {
        on_recorded_link(
            context,
            (&self.netns, &self.dev, &self.object),
            &format!("not removing {} from {}", self.address, self.dev),
            &[libc::EADDRNOTAVAIL, libc::ENODEV],
            |socket, link| rtnl::delete_address(socket, link.index, &self.address),
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
            "{} address del {} dev {}",
            ip(&self.netns),
            self.address,
            quote(&self.dev)
        )
    }
}
