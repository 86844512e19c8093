//! Links: making them (each kind of link supplies its own attributes: see
//! `crate::step::link`), looking them up, bringing them up or down,
//! enslaving them to a bridge, moving them to another namespace, deleting
//! them.

use std::os::fd::{AsRawFd, BorrowedFd};

use netlink_packet_route::link::{InfoData, LinkAttribute, LinkFlags, LinkInfo, LinkMessage};
use netlink_packet_route::RouteNetlinkMessage;

use super::RouteSocket;
use crate::mac::Mac;
use crate::name::IfName;
use crate::netlink::KernelError;

/// What the kernel says of one link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// Interface index in its namespace.
    pub index: u32,
    /// `IFLA_IFNAME`.
    pub name: String,
    /// `IFLA_INFO_KIND`: "veth", "bridge", ...; `None` for devices without one.
    pub kind: Option<String>,
    /// `IFF_UP`: set up (its carrier may still be down).
    pub up: bool,
    /// `IFF_LOWER_UP`: it has carrier (a veth: its peer is up too).
    pub carrier: bool,
    /// `IFLA_MTU`, in bytes.
    pub mtu: Option<u32>,
    /// Hardware address, when it is an Ethernet one.
    pub mac: Option<Mac>,
    /// `IFLA_LINK`: the link it is tied to (a veth's peer), by its index
    /// in its own namespace.
    pub link: Option<u32>,
    /// Whether that link is in another namespace (`IFLA_LINK_NETNSID` given).
    pub link_elsewhere: bool,
    /// `IFLA_MASTER`: the bridge (or other master) this link is a port of.
    pub master: Option<u32>,
    /// `IFLA_INFO_DATA`: the attributes of its kind, for the kind to read.
    pub data: Option<InfoData>,
    /// `IFLA_GROUP`: the interface group (0 by default).
    pub group: u32,
}

/// Looks a link up by name; `Ok(None)` when there is none.
pub fn link_by_name(socket: &mut RouteSocket, name: &IfName) -> Result<Option<Link>, KernelError> {
    let mut request = LinkMessage::default();
    request
        .attributes
        .push(LinkAttribute::IfName(name.to_string()));
    get_link(socket, request)
}

/// Looks a link up by index; `Ok(None)` when there is none.
pub fn link_by_index(socket: &mut RouteSocket, index: u32) -> Result<Option<Link>, KernelError> {
    let mut request = LinkMessage::default();
    request.header.index = index;
    get_link(socket, request)
}

/// Every link of the socket's namespace (`ip link show`).
pub fn links(socket: &mut RouteSocket) -> Result<Vec<Link>, KernelError> {
    let mut links = Vec::new();
    dump_links(socket, LinkMessage::default(), |link| links.push(link))?;
    Ok(links)
}

/// Hands `each` the ports of the bridge (or other master) of index
/// `master`, one at a time, as the kernel picks them out (`ip link show
/// master BRIDGE`).
pub fn each_port_of(
    socket: &mut RouteSocket,
    master: u32,
    mut each: impl FnMut(Link),
) -> Result<(), KernelError> {
    let mut request = LinkMessage::default();
    request.attributes.push(LinkAttribute::Controller(master));
    dump_links(socket, request, |link| {
        if link.master == Some(master) {
            each(link);
        }
    })
}

fn dump_links(
    socket: &mut RouteSocket,
    request: LinkMessage,
    mut each: impl FnMut(Link),
) -> Result<(), KernelError> {
    let request = RouteNetlinkMessage::GetLink(request);
    socket.dump_each(request, |reply| {
        if let RouteNetlinkMessage::NewLink(message) = reply {
            each(link_of(&message));
        }
    })
}

fn get_link(socket: &mut RouteSocket, request: LinkMessage) -> Result<Option<Link>, KernelError> {
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

/// Makes the link `message` describes, failing if its name is taken;
/// returns it as the kernel echoes it, when it does.
pub fn create_link(
    socket: &mut RouteSocket,
    message: LinkMessage,
) -> Result<Option<Link>, KernelError> {
    let echo = socket.request_echo(RouteNetlinkMessage::NewLink(message), super::create_flags())?;
    Ok(echoed_link(echo))
}

/// The link in an echo of a link request.
fn echoed_link(echo: Option<RouteNetlinkMessage>) -> Option<Link> {
    match echo {
        Some(RouteNetlinkMessage::NewLink(message)) => Some(link_of(&message)),
        _ => None,
    }
}

fn link_of(message: &LinkMessage) -> Link {
    let mut link = Link {
        index: message.header.index,
        name: String::new(),
        kind: None,
        up: message.header.flags.contains(LinkFlags::Up),
        carrier: message.header.flags.contains(LinkFlags::LowerUp),
        mtu: None,
        mac: None,
        link: None,
        link_elsewhere: false,
        master: None,
        data: None,
        group: 0,
    };
    for attribute in &message.attributes {
        match attribute {
            LinkAttribute::IfName(name) => link.name.clone_from(name),
            LinkAttribute::Mtu(mtu) => link.mtu = Some(*mtu),
            LinkAttribute::Group(group) => link.group = *group,
            LinkAttribute::Link(index) => link.link = Some(*index),
            LinkAttribute::LinkNetNsId(_) => link.link_elsewhere = true,
            LinkAttribute::Controller(index) if *index != 0 => link.master = Some(*index),
            LinkAttribute::Address(bytes) => {
                link.mac = <[u8; 6]>::try_from(bytes.as_slice()).ok().map(Mac)
            }
            LinkAttribute::LinkInfo(infos) => {
                for info in infos {
                    match info {
                        LinkInfo::Kind(kind) => link.kind = Some(kind.to_string()),
                        LinkInfo::Data(data) => link.data = Some(data.clone()),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    link
}

/// Brings a link up or down (`ip link set dev NAME up|down`), naming it
/// to the kernel, which finds it: one round trip, no lookup first.
pub fn set_up(socket: &mut RouteSocket, name: &IfName, up: bool) -> Result<(), KernelError> {
    let mut message = LinkMessage::default();
    message
        .attributes
        .push(LinkAttribute::IfName(name.to_string()));
    message.header.change_mask = LinkFlags::Up;
    if up {
        message.header.flags = LinkFlags::Up;
    }
    socket.request(RouteNetlinkMessage::NewLink(message), 0)
}

/// Asks the kernel for a change that changes nothing (lo, index 1 in every
/// namespace, set as it is): it answers EPERM to a process that may not
/// change the socket's namespace, as it would any change.
pub fn try_a_change(socket: &mut RouteSocket) -> Result<(), KernelError> {
    let mut message = LinkMessage::default();
    message.header.index = 1;
    socket.request(RouteNetlinkMessage::NewLink(message), 0)
}

/// Brings the link of index `index` up or down.
pub fn set_up_by_index(socket: &mut RouteSocket, index: u32, up: bool) -> Result<(), KernelError> {
    let mut message = LinkMessage::default();
    message.header.index = index;
    message.header.change_mask = LinkFlags::Up;
    if up {
        message.header.flags = LinkFlags::Up;
    }
    socket.request(RouteNetlinkMessage::NewLink(message), 0)
}

/// Sets a link's MTU (`ip link set dev NAME mtu MTU`).
pub fn set_mtu(socket: &mut RouteSocket, index: u32, mtu: u32) -> Result<(), KernelError> {
    let mut message = LinkMessage::default();
    message.header.index = index;
    message.attributes.push(LinkAttribute::Mtu(mtu));
    socket.request(RouteNetlinkMessage::NewLink(message), 0)
}

/// Makes a link a port of `master` (`ip link set dev NAME master BRIDGE`),
/// or of nothing when `master` is 0 (`... nomaster`).
pub fn set_master(socket: &mut RouteSocket, index: u32, master: u32) -> Result<(), KernelError> {
    let mut message = LinkMessage::default();
    message.header.index = index;
    message.attributes.push(LinkAttribute::Controller(master));
    socket.request(RouteNetlinkMessage::NewLink(message), 0)
}

/// Deletes a link (`ip link del dev NAME`); a veth takes its peer with it.
pub fn delete_link(socket: &mut RouteSocket, index: u32) -> Result<(), KernelError> {
    let mut message = LinkMessage::default();
    message.header.index = index;
    socket.request(RouteNetlinkMessage::DelLink(message), 0)
}

/// Moves a link into the namespace `target`, renamed to `new_name` in the
/// same request if given (`ip link set dev NAME netns NS [name NEW]`). It
/// arrives down, without addresses, routes or master.
pub fn move_link(
    socket: &mut RouteSocket,
    index: u32,
    target: BorrowedFd<'_>,
    new_name: Option<&IfName>,
) -> Result<(), KernelError> {
    let mut message = LinkMessage::default();
    message.header.index = index;
    message
        .attributes
        .push(LinkAttribute::NetNsFd(target.as_raw_fd()));
    if let Some(name) = new_name {
        message
            .attributes
            .push(LinkAttribute::IfName(name.to_string()));
    }
    socket.request(RouteNetlinkMessage::NewLink(message), 0)
}

/// Puts links in an interface group (`ip link set dev NAME group GROUP`,
/// for each), the requests sent together.
pub fn set_group(socket: &mut RouteSocket, indexes: &[u32], group: u32) -> Result<(), KernelError> {
    socket.request_all(indexes.iter().map(|index| {
        let mut message = LinkMessage::default();
        message.header.index = *index;
        message.attributes.push(LinkAttribute::Group(group));
        (RouteNetlinkMessage::NewLink(message), 0)
    }))
}

/// Deletes every link of a group in one request (`ip link del group GROUP`).
/// The kernel unregisters them together, waiting for the network's readers
/// once rather than once a link: a thousand veth pairs go in half a second
/// instead of twenty.
pub fn delete_group(socket: &mut RouteSocket, group: u32) -> Result<(), KernelError> {
    let mut message = LinkMessage::default();
    message.attributes.push(LinkAttribute::Group(group));
    socket.request(RouteNetlinkMessage::DelLink(message), 0)
}
