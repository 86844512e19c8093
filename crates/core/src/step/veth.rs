//! Veth pairs: `ip link add NAME type veth peer name PEER`, the peer made
//! straight in its own namespace when it has one.

use std::os::fd::{AsRawFd, OwnedFd};

use netlink_packet_route::link::{
    InfoData, InfoKind, InfoVeth, LinkAttribute, LinkInfo, LinkMessage,
};
use serde::{Deserialize, Serialize};

use super::link::{Basics, Kind, KindName, LinkAdd};
use super::words::quote;
use crate::context::{Context, Netns};
use crate::error::{io_words, Error, Result};
use crate::mac::Mac;
use crate::name::IfName;
use crate::rtnl::{self, Link};

/// What a veth pair has of its own: the other end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Veth {
    /// `peer name PEER`.
    pub peer: IfName,
    /// `peer netns NS`: where the other end is made.
    pub peer_netns: Netns,
    /// `peer address MAC` (`None`: one the kernel picks).
    pub peer_mac: Option<Mac>,
}

impl Veth {
    /// The peer's name, MTU (the same as the link's) and address.
    fn peer_basics<'a>(&'a self, add: &LinkAdd) -> Basics<'a> {
        Basics {
            name: &self.peer,
            mtu: add.mtu,
            mac: self.peer_mac,
        }
    }
}

/// The index of the peer of the veth `link`, in the peer's namespace.
pub fn peer_of(link: &Link) -> Option<u32> {
    KindName::Veth.is_kind_of(link).then_some(link.link?)
}

impl Kind for Veth {
    fn name(&self) -> KindName {
        KindName::Veth
    }

    fn build(
        &self,
        add: &LinkAdd,
        context: &mut Context,
        message: &mut LinkMessage,
    ) -> Result<Vec<OwnedFd>> {
        let mut peer = LinkMessage::default();
        peer.attributes = self.peer_basics(add).attributes();
        let attributes = &mut peer.attributes;
        let mut open = Vec::new();
        if self.peer_netns != add.netns {
            let fd = context
                .netns_fd(self.peer_netns.as_ref())?
                .try_clone_to_owned();
            let fd = fd.map_err(|error| {
                Error::failed(format!("cannot create {}: {}", add.name, io_words(&error)))
            })?;
            attributes.push(LinkAttribute::NetNsFd(fd.as_raw_fd()));
            open.push(fd);
        }
        message.attributes.push(LinkAttribute::LinkInfo(vec![
            LinkInfo::Kind(InfoKind::Veth),
            LinkInfo::Data(InfoData::Veth(InfoVeth::Peer(peer))),
        ]));
        Ok(open)
    }

    fn words(&self, add: &LinkAdd) -> String {
        let basics = self.peer_basics(add).words();
        let words = format!("veth peer name {}{basics}", quote(&self.peer));
        match &self.peer_netns {
            Some(other) if self.peer_netns != add.netns => {
                words + &format!(" netns {}", quote(other))
            }
            _ => words,
        }
    }

    fn others(&self) -> Vec<(Netns, IfName)> {
        vec![(self.peer_netns.clone(), self.peer.clone())]
    }

    /// The peer is there too, is `existing`'s peer, and has the MTU and
    /// address asked for.
    fn is_as_asked(&self, add: &LinkAdd, existing: &Link, context: &mut Context) -> bool {
        let Ok(socket) = context.socket(self.peer_netns.as_ref()) else {
            return false;
        };
        let Ok(Some(peer)) = rtnl::link_by_name(socket, &self.peer) else {
            return false;
        };
        peer_of(existing) == Some(peer.index)
            && peer_of(&peer) == Some(existing.index)
            && self.peer_basics(add).are_those_of(&peer)
    }

    fn learn(&self, made: &Link, context: &mut Context) {
        if let Some(index) = made.link {
            context.learn_index(&self.peer_netns, &self.peer, index);
        }
    }
}
