//! Addresses (`ip address add|del CIDR dev NAME`).

use std::net::IpAddr;

use ipnet::IpNet;
use netlink_packet_route::address::{AddressAttribute, AddressMessage, AddressScope};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};

use super::{create_flags, RouteSocket};
use crate::netlink::KernelError;

/// The addresses on a link, with their prefix lengths.
pub fn addresses(socket: &mut RouteSocket, index: u32) -> Result<Vec<IpNet>, KernelError> {
    let mut request = AddressMessage::default();
    request.header.index = index;
    let replies = socket.dump(RouteNetlinkMessage::GetAddress(request))?;
    let mut found = Vec::new();
    for reply in replies {
        let RouteNetlinkMessage::NewAddress(message) = reply else {
            continue;
        };
        if message.header.index != index {
            continue;
        }
        let mut address = None;
        for attribute in &message.attributes {
            match attribute {
                AddressAttribute::Local(ip) => address = Some(*ip),
                AddressAttribute::Address(ip) if address.is_none() => address = Some(*ip),
                _ => {}
            }
        }
        if let Some(ip) = address {
            if let Ok(net) = IpNet::new(ip, message.header.prefix_len) {
                found.push(net);
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

/// Adds an address (`ip address add CIDR dev NAME`).
pub fn add_address(
    socket: &mut RouteSocket,
    index: u32,
    address: &IpNet,
) -> Result<(), KernelError> {
    let message = address_message(index, address);
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
