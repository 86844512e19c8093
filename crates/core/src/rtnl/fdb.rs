//! A VXLAN link's flood list: the all-zero forwarding entries
//! (`bridge fdb append 00:00:00:00:00:00 dev NAME dst IP`) that send a
//! copy of each broadcast, multicast or unknown frame to every remote
//! (head-end replication).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use netlink_packet_core::{NLM_F_APPEND, NLM_F_CREATE};
use netlink_packet_route::neighbour::{
    NeighbourAddress, NeighbourAttribute, NeighbourFlags, NeighbourMessage, NeighbourState,
};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};

use super::RouteSocket;
use crate::netlink::KernelError;

/// `NUD_NOARP | NUD_PERMANENT`: an entry set by hand, never aged out.
const NOARP_PERMANENT: u16 = 0x40 | 0x80;

/// The remotes a link floods to, at its own port and VNI, in the kernel's
/// order (its own remote, given when it was made, among them).
pub fn flood_remotes(socket: &mut RouteSocket, index: u32) -> Result<Vec<IpAddr>, KernelError> {
    let mut request = NeighbourMessage::default();
    request.header.family = AddressFamily::Bridge;
    request.header.ifindex = index;
    let mut remotes = Vec::new();
    socket.dump_each(RouteNetlinkMessage::GetNeighbour(request), |reply| {
        let RouteNetlinkMessage::NewNeighbour(message) = reply else {
            return;
        };
        if message.header.ifindex != index {
            return;
        }
        let mut all_zero = false;
        let mut remote = None;
        // The kernel gives a port or VNI only where they are not the link's.
        let mut elsewhere = false;
        for attribute in &message.attributes {
            match attribute {
                NeighbourAttribute::LinkLayerAddress(mac) => all_zero = mac == &[0; 6],
                NeighbourAttribute::Destination(address) => remote = ip_of(address),
                NeighbourAttribute::Port(_) | NeighbourAttribute::Vni(_) => elsewhere = true,
                _ => {}
            }
        }
        if let (true, false, Some(remote)) = (all_zero, elsewhere, remote) {
            remotes.push(remote);
        }
    })?;
    Ok(remotes)
}

/// Adds `remote` to the flood list of link `index`.
pub fn append_flood_remote(
    socket: &mut RouteSocket,
    index: u32,
    remote: &IpAddr,
) -> Result<(), KernelError> {
    socket.request(
        RouteNetlinkMessage::NewNeighbour(flood_entry(index, remote)),
        NLM_F_CREATE | NLM_F_APPEND,
    )
}

/// Takes `remote` off the flood list of link `index`.
pub fn delete_flood_remote(
    socket: &mut RouteSocket,
    index: u32,
    remote: &IpAddr,
) -> Result<(), KernelError> {
    socket.request(
        RouteNetlinkMessage::DelNeighbour(flood_entry(index, remote)),
        0,
    )
}

/// The all-zero entry of link `index` that floods to `remote`, as bridge(8)
/// sends it.
fn flood_entry(index: u32, remote: &IpAddr) -> NeighbourMessage {
    let mut message = NeighbourMessage::default();
    message.header.family = AddressFamily::Bridge;
    message.header.ifindex = index;
    message.header.state = NeighbourState::Other(NOARP_PERMANENT);
    message.header.flags = NeighbourFlags::Own;
    message.attributes = vec![
        NeighbourAttribute::LinkLayerAddress(vec![0; 6]),
        NeighbourAttribute::Destination((*remote).into()),
    ];
    message
}

/// The address of a bridge entry's `NDA_DST`, which comes as bytes.
fn ip_of(address: &NeighbourAddress) -> Option<IpAddr> {
    match address {
        NeighbourAddress::Inet(ip) => Some(IpAddr::V4(*ip)),
        NeighbourAddress::Inet6(ip) => Some(IpAddr::V6(*ip)),
        NeighbourAddress::Other(bytes) => match bytes.len() {
            4 => <[u8; 4]>::try_from(bytes.as_slice())
                .ok()
                .map(|b| IpAddr::V4(Ipv4Addr::from(b))),
            16 => <[u8; 16]>::try_from(bytes.as_slice())
                .ok()
                .map(|b| IpAddr::V6(Ipv6Addr::from(b))),
            _ => None,
        },
        _ => None,
    }
}
