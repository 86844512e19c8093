//! Addresses (`ip address add|del CIDR dev NAME`).

use std::net::IpAddr;

use ipnet::IpNet;
use netlink_packet_route::address::{
    AddressAttribute, AddressFlags, AddressHeaderFlags, AddressMessage, AddressScope,
};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};

use super::{create_flags, RouteSocket};
use crate::netlink::KernelError;

/// The addresses on a link, with their prefix lengths.
pub fn addresses(socket: &mut RouteSocket, index: u32) -> Result<Vec<IpNet>, KernelError> {
    let found = dump(socket, Some(index), AddressFamily::Unspec)?;
    Ok(found.into_iter().map(|(address, _)| address).collect())
}

/// The addresses on every link of the socket's namespace.
pub fn all_addresses(socket: &mut RouteSocket) -> Result<Vec<IpNet>, KernelError> {
    let found = dump(socket, None, AddressFamily::Unspec)?;
    Ok(found.into_iter().map(|(address, _)| address).collect())
}

/// The IPv6 addresses on a link that are still tentative: not usable (as
/// a source, or to answer neighbour solicitations) until duplicate address
/// detection ends, or, for a `nodad` one, until the link is ready.
pub fn tentative(socket: &mut RouteSocket, index: u32) -> Result<Vec<IpNet>, KernelError> {
    let found = dump(socket, Some(index), AddressFamily::Inet6)?;
    Ok(found
        .into_iter()
        .filter(|(_, flags)| flags.contains(AddressFlags::Tentative))
        .map(|(address, _)| address)
        .collect())
}

/// The addresses of `family` on a link (on every link: `None`), each with
/// its flags.
fn dump(
    socket: &mut RouteSocket,
    index: Option<u32>,
    family: AddressFamily,
) -> Result<Vec<(IpNet, AddressFlags)>, KernelError> {
    let mut request = AddressMessage::default();
    request.header.family = family;
    request.header.index = index.unwrap_or(0);
    let replies = socket.dump(RouteNetlinkMessage::GetAddress(request))?;
    let mut found = Vec::new();
    for reply in replies {
        let RouteNetlinkMessage::NewAddress(message) = reply else {
            continue;
        };
        if index.is_some_and(|index| message.header.index != index) {
            continue;
        }
        let mut address = None;
        // IFA_FLAGS, when given, holds all the flags; the header the first 8.
        let mut flags = AddressFlags::from_bits_retain(u32::from(message.header.flags.bits()));
        for attribute in &message.attributes {
            match attribute {
                AddressAttribute::Local(ip) => address = Some(*ip),
                AddressAttribute::Address(ip) if address.is_none() => address = Some(*ip),
                AddressAttribute::Flags(all) => flags = *all,
                _ => {}
            }
        }
        if let Some(ip) = address {
            if let Ok(net) = IpNet::new(ip, message.header.prefix_len) {
                found.push((net, flags));
            }
        }
    }
    Ok(found)
}

fn address_message(index: u32, address: &IpNet) -> AddressMessage {
    let mut message = AddressMessage::default();
    message.header.family = family_of(&address.addr());
    message.header.prefix_len = address.prefix_len();
    message.header.index = index;
    message.header.scope = if address.addr().is_loopback() {
        AddressScope::Host
    } else {
        AddressScope::Universe
    };
    message
        .attributes
        .push(AddressAttribute::Local(address.addr()));
    message
        .attributes
        .push(AddressAttribute::Address(address.addr()));
    message
}

/// Adds an address (`ip address add CIDR dev NAME`), without duplicate
/// address detection when `nodad` (`... nodad`: an IPv6 address usable at
/// once, not tentative for a second or two).
pub fn add_address(
    socket: &mut RouteSocket,
    index: u32,
    address: &IpNet,
    nodad: bool,
) -> Result<(), KernelError> {
    let mut message = address_message(index, address);
    if nodad {
        message.header.flags = AddressHeaderFlags::Nodad;
    }
    socket.request(RouteNetlinkMessage::NewAddress(message), create_flags())
}

/// Removes an address (`ip address del CIDR dev NAME`).
pub fn delete_address(
    socket: &mut RouteSocket,
    index: u32,
    address: &IpNet,
) -> Result<(), KernelError> {
    let message = address_message(index, address);
    socket.request(RouteNetlinkMessage::DelAddress(message), 0)
}

pub(super) fn family_of(ip: &IpAddr) -> AddressFamily {
    match ip {
        IpAddr::V4(_) => AddressFamily::Inet,
        IpAddr::V6(_) => AddressFamily::Inet6,
    }
}
