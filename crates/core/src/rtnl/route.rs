//! Default routes (`ip route add|del default via GATEWAY dev NAME`, and
//! those router advertisements gave), and whether an address is local yet
//! (`ip route get ADDRESS`).

use std::net::IpAddr;

use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteHeader, RouteMessage, RouteProtocol, RouteScope, RouteType,
};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};

use super::address::family_of;
use super::{create_flags, RouteSocket};
use crate::netlink::KernelError;

/// The gateways of the default routes of the main table, of `family_like`'s family.
pub fn default_gateways(
    socket: &mut RouteSocket,
    family_like: &IpAddr,
) -> Result<Vec<IpAddr>, KernelError> {
    let routes = default_routes(socket, family_like)?;
    Ok(routes.into_iter().map(|(gateway, _)| gateway).collect())
}

/// The default routes of the main table, of `family_like`'s family: each
/// gateway with the index of the device it is reached through.
pub fn default_routes(
    socket: &mut RouteSocket,
    family_like: &IpAddr,
) -> Result<Vec<(IpAddr, Option<u32>)>, KernelError> {
    let mut request = RouteMessage::default();
    request.header.address_family = family_of(family_like);
    let replies = socket.dump(RouteNetlinkMessage::GetRoute(request))?;
    let mut gateways = Vec::new();
    for reply in replies {
        let RouteNetlinkMessage::NewRoute(message) = reply else {
            continue;
        };
        let mut table = u32::from(message.header.table);
        let mut gateway = None;
        let mut device = None;
        for attribute in &message.attributes {
            match attribute {
                RouteAttribute::Table(id) => table = *id,
                RouteAttribute::Oif(index) => device = Some(*index),
                RouteAttribute::Gateway(RouteAddress::Inet(ip)) => gateway = Some(IpAddr::V4(*ip)),
                RouteAttribute::Gateway(RouteAddress::Inet6(ip)) => gateway = Some(IpAddr::V6(*ip)),
                _ => {}
            }
        }
        let is_default = message.header.destination_prefix_length == 0;
        if is_default && table == u32::from(RouteHeader::RT_TABLE_MAIN) {
            gateways.extend(gateway.map(|gateway| (gateway, device)));
        }
    }
    Ok(gateways)
}

/// The indexes of the devices whose IPv6 default route came from a router
/// advertisement (`proto ra`).
pub fn router_advertised(socket: &mut RouteSocket) -> Result<Vec<u32>, KernelError> {
    let mut request = RouteMessage::default();
    request.header.address_family = AddressFamily::Inet6;
    let replies = socket.dump(RouteNetlinkMessage::GetRoute(request))?;
    let mut devices = Vec::new();
    for reply in replies {
        let RouteNetlinkMessage::NewRoute(message) = reply else {
            continue;
        };
        if message.header.destination_prefix_length != 0
            || message.header.protocol != RouteProtocol::Ra
        {
            continue;
        }
        for attribute in &message.attributes {
            if let RouteAttribute::Oif(index) = attribute {
                if !devices.contains(index) {
                    devices.push(*index);
                }
            }
        }
    }
    Ok(devices)
}

fn default_route_message(gateway: &IpAddr, device: u32) -> RouteMessage {
    let mut message = RouteMessage::default();
    message.header.address_family = family_of(gateway);
    message.header.table = RouteHeader::RT_TABLE_MAIN;
    message
        .attributes
        .push(RouteAttribute::Gateway(RouteAddress::from(*gateway)));
    message.attributes.push(RouteAttribute::Oif(device));
    message
}

/// Adds a default route (`ip route add default via GATEWAY dev NAME`).
pub fn add_default_route(
    socket: &mut RouteSocket,
    gateway: &IpAddr,
    device: u32,
) -> Result<(), KernelError> {
    let mut message = default_route_message(gateway, device);
    message.header.protocol = RouteProtocol::Boot;
    message.header.scope = RouteScope::Universe;
    message.header.kind = RouteType::Unicast;
    socket.request(RouteNetlinkMessage::NewRoute(message), create_flags())
}

/// Removes a default route (`ip route del default via GATEWAY dev NAME`).
pub fn delete_default_route(
    socket: &mut RouteSocket,
    gateway: &IpAddr,
    device: u32,
) -> Result<(), KernelError> {
    let mut message = default_route_message(gateway, device);
    message.header.scope = RouteScope::NoWhere;
    socket.request(RouteNetlinkMessage::DelRoute(message), 0)
}

/// Whether packets to `address` are taken in (`ip route get ADDRESS` says
/// `local`): the kernel has made the local route of an address of its own.
pub fn is_local(socket: &mut RouteSocket, address: &IpAddr) -> Result<bool, KernelError> {
    let mut request = RouteMessage::default();
    request.header.address_family = family_of(address);
    request.header.destination_prefix_length = if address.is_ipv4() { 32 } else { 128 };
    request
        .attributes
        .push(RouteAttribute::Destination(RouteAddress::from(*address)));
    match socket.get(RouteNetlinkMessage::GetRoute(request)) {
        Ok(RouteNetlinkMessage::NewRoute(reply)) => Ok(reply.header.kind == RouteType::Local),
        Ok(_) => Ok(false),
        Err(error) if error.errno == libc::ENETUNREACH || error.errno == libc::EHOSTUNREACH => {
            Ok(false)
        }
        Err(error) => Err(error),
    }
}
