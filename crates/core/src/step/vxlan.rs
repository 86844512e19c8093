//! VXLAN links (RFC 7348): `ip link add NAME type vxlan id VNI remote IP
//! [local IP] dev UPLINK dstport PORT`, or `group IP` for a multicast
//! underlay. A bridge with one as a port is one L2 segment with the
//! bridges of the other machines, over the machines' own network.

use std::net::IpAddr;
use std::os::fd::OwnedFd;

use netlink_packet_route::link::{
    InfoData, InfoKind, InfoVxlan, LinkAttribute, LinkInfo, LinkMessage,
};
use serde::{Deserialize, Serialize};

use super::link::{Kind, KindName, LinkAdd};
use super::words::quote;
use crate::context::{Context, Netns};
use crate::error::{Error, Result};
use crate::lookup;
use crate::name::IfName;
use crate::rtnl::Link;

/// The UDP port IANA assigned to VXLAN (the kernel's default, without
/// one asked for, is 8472, older than the assignment).
pub const DEFAULT_PORT: u16 = 4789;

/// What a VXLAN link has of its own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vxlan {
    /// `id VNI`: the segment's number, 1 to 2^24 - 1.
    pub id: u32,
    /// `remote IP`, or `group IP` when it is a multicast address: where
    /// frames to no known host go.
    pub remote: Option<IpAddr>,
    /// `local IP`: the source address of the encapsulated packets.
    pub local: Option<IpAddr>,
    /// `dev UPLINK`: the link the encapsulated packets leave by.
    pub dev: Option<IfName>,
    /// `dstport PORT`: the UDP port, at both ends.
    pub port: u16,
}

/// A VXLAN link's settings, as the kernel gives them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    /// `IFLA_VXLAN_ID`.
    pub id: Option<u32>,
    /// `IFLA_VXLAN_GROUP` or `GROUP6`: the remote or the multicast group.
    pub remote: Option<IpAddr>,
    /// `IFLA_VXLAN_LOCAL` or `LOCAL6`.
    pub local: Option<IpAddr>,
    /// `IFLA_VXLAN_LINK`: the uplink's index.
    pub uplink: Option<u32>,
    /// `IFLA_VXLAN_PORT`.
    pub port: Option<u16>,
}

/// The settings of `link`, when it is a VXLAN link.
pub fn settings(link: &Link) -> Option<Settings> {
    let Some(InfoData::Vxlan(attributes)) = &link.data else {
        return None;
    };
    let mut settings = Settings::default();
    for attribute in attributes {
        match attribute {
            InfoVxlan::Id(id) => settings.id = Some(*id),
            InfoVxlan::Group(ip) => settings.remote = Some(IpAddr::V4(*ip)),
            InfoVxlan::Group6(ip) => settings.remote = Some(IpAddr::V6(*ip)),
            InfoVxlan::Local(ip) => settings.local = Some(IpAddr::V4(*ip)),
            InfoVxlan::Local6(ip) => settings.local = Some(IpAddr::V6(*ip)),
            InfoVxlan::Link(index) => settings.uplink = Some(*index),
            InfoVxlan::Port(port) => settings.port = Some(*port),
            _ => {}
        }
    }
    Some(settings)
}

impl Vxlan {
    /// The index of the uplink of the link `name` in `netns`, when one is
    /// asked for.
    fn uplink(&self, name: &IfName, netns: &Netns, context: &mut Context) -> Result<Option<u32>> {
        let Some(dev) = &self.dev else {
            return Ok(None);
        };
        match lookup::link(context, netns, dev)? {
            Some(link) => Ok(Some(link.index)),
            None => Err(Error::failed(format!(
                "cannot create {name}: {}",
                lookup::no_interface(dev, netns)
            ))),
        }
    }

    /// The settings a link made as asked has, with the uplink of `uplink`.
    pub fn settings(&self, uplink: Option<u32>) -> Settings {
        Settings {
            id: Some(self.id),
            remote: self.remote,
            local: self.local,
            uplink,
            port: Some(self.port),
        }
    }
}

impl Kind for Vxlan {
    fn name(&self) -> KindName {
        KindName::Vxlan
    }

    fn build(
        &self,
        add: &LinkAdd,
        context: &mut Context,
        message: &mut LinkMessage,
    ) -> Result<Vec<OwnedFd>> {
        let mut data = vec![InfoVxlan::Id(self.id)];
        data.extend(self.remote.map(|remote| match remote {
            IpAddr::V4(ip) => InfoVxlan::Group(ip),
            IpAddr::V6(ip) => InfoVxlan::Group6(ip),
        }));
        data.extend(self.local.map(|local| match local {
            IpAddr::V4(ip) => InfoVxlan::Local(ip),
            IpAddr::V6(ip) => InfoVxlan::Local6(ip),
        }));
        data.extend(
            self.uplink(&add.name, &add.netns, context)?
                .map(InfoVxlan::Link),
        );
        data.push(InfoVxlan::Port(self.port));
        message.attributes.push(LinkAttribute::LinkInfo(vec![
            LinkInfo::Kind(InfoKind::Vxlan),
            LinkInfo::Data(InfoData::Vxlan(data)),
        ]));
        Ok(Vec::new())
    }

    fn words(&self, _: &LinkAdd) -> String {
        let mut words = format!("vxlan id {}", self.id);
        if let Some(remote) = self.remote {
            let word = if remote.is_multicast() {
                "group"
            } else {
                "remote"
            };
            words += &format!(" {word} {remote}");
        }
        if let Some(local) = self.local {
            words += &format!(" local {local}");
        }
        if let Some(dev) = &self.dev {
            words += &format!(" dev {}", quote(dev));
        }
        words + &format!(" dstport {}", self.port)
    }

    fn others(&self) -> Vec<(Netns, IfName)> {
        Vec::new()
    }

    fn is_as_asked(&self, add: &LinkAdd, existing: &Link, context: &mut Context) -> bool {
        let Ok(uplink) = self.uplink(&add.name, &add.netns, context) else {
            return false;
        };
        settings(existing) == Some(self.settings(uplink))
    }

    fn learn(&self, _: &Link, _: &mut Context) {}
}
