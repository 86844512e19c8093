//! Link, address and route requests over a `NETLINK_ROUTE` socket, each the
//! message iproute2 sends for the same `ip` command.

mod address;
mod fdb;
mod link;
mod qdisc;
mod route;

pub use address::{add_address, addresses, all_addresses, delete_address, tentative};
pub use fdb::{append_flood_remote, delete_flood_remote, flood_remotes};
pub use link::{
    create_link, delete_group, delete_link, each_port_of, link_by_index, link_by_name, links,
    move_link, set_group, set_master, set_mtu, set_up, set_up_by_index, try_a_change, Link,
};
pub use qdisc::{delete_root_qdisc, replace_root_qdisc, root_qdisc};
pub use route::{
    add_default_route, default_gateways, default_routes, delete_default_route, is_local,
    router_advertised,
};

use netlink_packet_core::{NLM_F_CREATE, NLM_F_EXCL};
use netlink_packet_route::RouteNetlinkMessage;

use crate::netlink::{KernelError, NetlinkSocket};

/// A socket speaking rtnetlink (links, addresses, routes), in the network
/// namespace it was opened in.
pub struct RouteSocket(NetlinkSocket);

impl RouteSocket {
    /// Opens one in the calling thread's network namespace.
    pub fn open() -> std::io::Result<Self> {
        NetlinkSocket::open(netlink_sys::protocols::NETLINK_ROUTE).map(RouteSocket)
    }

    /// The cookie of the socket's network namespace (see
    /// [`NetlinkSocket::netns_cookie`]).
    pub fn netns_cookie(&self) -> Option<u64> {
        self.0.netns_cookie()
    }

    fn request(&mut self, message: RouteNetlinkMessage, flags: u16) -> Result<(), KernelError> {
        self.0.request(message, flags)
    }

    fn request_echo(
        &mut self,
        message: RouteNetlinkMessage,
        flags: u16,
    ) -> Result<Option<RouteNetlinkMessage>, KernelError> {
        self.0.request_echo(message, flags)
    }

    fn request_all(
        &mut self,
        messages: impl IntoIterator<Item = (RouteNetlinkMessage, u16)>,
    ) -> Result<(), KernelError> {
        self.0.request_all(messages)
    }

    fn get(&mut self, message: RouteNetlinkMessage) -> Result<RouteNetlinkMessage, KernelError> {
        self.0.get(message)
    }

    fn dump(
        &mut self,
        message: RouteNetlinkMessage,
    ) -> Result<Vec<RouteNetlinkMessage>, KernelError> {
        self.0.dump(message)
    }

    fn dump_each(
        &mut self,
        message: RouteNetlinkMessage,
        each: impl FnMut(RouteNetlinkMessage),
    ) -> Result<(), KernelError> {
        self.0.dump_each(message, each)
    }
}

/// Flags of a request that creates an object and fails if it exists.
fn create_flags() -> u16 {
    NLM_F_CREATE | NLM_F_EXCL
}
