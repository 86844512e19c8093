//! Link, address and route requests over a `NETLINK_ROUTE` socket, each the
//! message iproute2 sends for the same `ip` command.

use std::net::IpAddr;
use std::os::fd::{AsRawFd, OwnedFd};

use ipnet::IpNet;
use netlink_packet_core::{NLM_F_CREATE, NLM_F_EXCL};
use netlink_packet_route::address::{AddressAttribute, AddressMessage, AddressScope};
use netlink_packet_route::link::{
    InfoData, InfoKind, InfoVeth, LinkAttribute, LinkFlags, LinkInfo, LinkMessage,
};
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteHeader, RouteMessage, RouteProtocol, RouteScope, RouteType,
};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};

use crate::mac::Mac;
use crate::name::IfName;
use crate::netlink::{KernelError, NetlinkSocket};

/// A socket speaking rtnetlink.
pub type RouteSocket = NetlinkSocket;

/// What the kernel says of one link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// Interface index in its namespace.
    pub index: u32,
    /// `IFLA_INFO_KIND`: "veth", "bridge", ...; `None` for devices without one.
    pub kind: Option<String>,
    /// Administratively up.
    pub up: bool,
    /// MTU.
    pub mtu: Option<u32>,
    /// Hardware address, when it is an Ethernet one.
    pub mac: Option<Mac>,
    /// `IFLA_LINK`: for a veth, the peer's index (in the peer's namespace).
    pub peer_index: Option<u32>,
}

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

fn create_flags() -> u16 {
    NLM_F_CREATE | NLM_F_EXCL
}

/// Looks a link up by name; `Ok(None)` when there is none.
pub fn link_by_name(socket: &mut RouteSocket, name: &IfName) -> Result<Option<Link>, KernelError> {
    let mut request = LinkMessage::default();
    request
        .attributes
        .push(LinkAttribute::IfName(name.to_string()));
    match socket.get(RouteNetlinkMessage::GetLink(request)) {
        Ok(RouteNetlinkMessage::NewLink(message)) => Ok(Some(link_of(&message))),
        Ok(_) => Err(KernelError {
            errno: libc::EPROTO,
            message: None,
        }),
        Err(error) if error.errno == libc::ENODEV => Ok(None),
        Err(error) => Err(error),
    }
}

fn link_of(message: &LinkMessage) -> Link {
    let mut link = Link {
        index: message.header.index,
        kind: None,
        up: message.header.flags.contains(LinkFlags::Up),
        mtu: None,
        mac: None,
        peer_index: None,
    };
    for attribute in &message.attributes {
        match attribute {
            LinkAttribute::Mtu(mtu) => link.mtu = Some(*mtu),
            LinkAttribute::Link(index) => link.peer_index = Some(*index),
            LinkAttribute::Address(bytes) => {
                link.mac = <[u8; 6]>::try_from(bytes.as_slice()).ok().map(Mac)
            }
            LinkAttribute::LinkInfo(infos) => {
                for info in infos {
                    if let LinkInfo::Kind(kind) = info {
                        link.kind = Some(kind.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    link
}

/// Creates a veth pair (`ip link add NAME type veth peer name PEER ...`).
pub fn create_veth(socket: &mut RouteSocket, request: &VethRequest<'_>) -> Result<(), KernelError> {
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
    socket.request(RouteNetlinkMessage::NewLink(message), create_flags())
}

/// Brings a link up or down (`ip link set dev NAME up|down`).
pub fn set_up(socket: &mut RouteSocket, index: u32, up: bool) -> Result<(), KernelError> {
    let mut message = LinkMessage::default();
    message.header.index = index;
    message.header.change_mask = LinkFlags::Up;
    if up {
        message.header.flags = LinkFlags::Up;
    }
    socket.request(RouteNetlinkMessage::NewLink(message), 0)
}

/// Deletes a link (`ip link del dev NAME`); a veth takes its peer with it.
pub fn delete_link(socket: &mut RouteSocket, index: u32) -> Result<(), KernelError> {
    let mut message = LinkMessage::default();
    message.header.index = index;
    socket.request(RouteNetlinkMessage::DelLink(message), 0)
}

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

fn family_of(ip: &IpAddr) -> AddressFamily {
    match ip {
        IpAddr::V4(_) => AddressFamily::Inet,
        IpAddr::V6(_) => AddressFamily::Inet6,
    }
}

/// The gateways of the default routes of the main table, of `gateway`'s family.
pub fn default_gateways(
    socket: &mut RouteSocket,
    family_like: &IpAddr,
) -> Result<Vec<IpAddr>, KernelError> {
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
        for attribute in &message.attributes {
            match attribute {
                RouteAttribute::Table(id) => table = *id,
                RouteAttribute::Gateway(RouteAddress::Inet(ip)) => gateway = Some(IpAddr::V4(*ip)),
                RouteAttribute::Gateway(RouteAddress::Inet6(ip)) => gateway = Some(IpAddr::V6(*ip)),
                _ => {}
            }
        }
        let is_default = message.header.destination_prefix_length == 0;
        if is_default && table == u32::from(RouteHeader::RT_TABLE_MAIN) {
            gateways.extend(gateway);
        }
    }
    Ok(gateways)
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
