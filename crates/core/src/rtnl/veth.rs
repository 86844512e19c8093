//! Veth pairs (`ip link add NAME type veth peer name PEER`).

use std::os::fd::{AsRawFd, OwnedFd};

use netlink_packet_route::link::{
    InfoData, InfoKind, InfoVeth, LinkAttribute, LinkInfo, LinkMessage,
};
use netlink_packet_route::RouteNetlinkMessage;

use super::link::echoed_link;
use super::{create_flags, Link, RouteSocket};
use crate::mac::Mac;
use crate::name::IfName;
use crate::netlink::KernelError;

/// A veth pair to create from a socket in the first end's namespace.
pub struct VethRequest<'a> {
    /// The end created in the socket's namespace.
    pub name: &'a IfName,
    /// The other end.
    pub peer: &'a IfName,
    /// A handle on the other end's namespace, when it is not the socket's.
    pub peer_netns: Option<OwnedFd>,
    /// MTU of both ends.
    pub mtu: Option<u32>,
    /// Hardware address of the first end.
    pub mac: Option<Mac>,
    /// Hardware address of the other end.
    pub peer_mac: Option<Mac>,
}

/// Creates a veth pair (`ip link add NAME type veth peer name PEER ...`).
/// Returns the first end as the kernel echoes it (its index, and its
/// peer's), when it does.
pub fn create_veth(
    socket: &mut RouteSocket,
    request: &VethRequest<'_>,
) -> Result<Option<Link>, KernelError> {
    let mut peer = LinkMessage::default();
    peer.attributes
        .push(LinkAttribute::IfName(request.peer.to_string()));
    if let Some(fd) = &request.peer_netns {
        peer.attributes.push(LinkAttribute::NetNsFd(fd.as_raw_fd()));
    }
    if let Some(mtu) = request.mtu {
        peer.attributes.push(LinkAttribute::Mtu(mtu));
    }
    if let Some(mac) = request.peer_mac {
        peer.attributes.push(LinkAttribute::Address(mac.0.to_vec()));
    }
    let mut message = LinkMessage::default();
    message
        .attributes
        .push(LinkAttribute::IfName(request.name.to_string()));
    if let Some(mtu) = request.mtu {
        message.attributes.push(LinkAttribute::Mtu(mtu));
    }
    if let Some(mac) = request.mac {
        message
            .attributes
            .push(LinkAttribute::Address(mac.0.to_vec()));
    }
    message.attributes.push(LinkAttribute::LinkInfo(vec![
        LinkInfo::Kind(InfoKind::Veth),
        LinkInfo::Data(InfoData::Veth(InfoVeth::Peer(peer))),
    ]));
    let echo = socket.request_echo(RouteNetlinkMessage::NewLink(message), create_flags())?;
    Ok(echoed_link(echo))
}
