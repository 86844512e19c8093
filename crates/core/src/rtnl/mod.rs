//! Link, address and route requests over a `NETLINK_ROUTE` socket, each the
//! message iproute2 sends for the same `ip` command.

mod address;
mod bridge;
mod link;
mod route;
mod veth;

pub use address::{add_address, addresses, delete_address};
pub use bridge::{create_bridge, BridgeRequest};
pub use link::{
    delete_group, delete_link, link_by_index, link_by_name, links, move_link, set_group,
    set_master, set_mtu, set_up, set_up_by_index, try_a_change, Link, RouteSocket,
};
pub use route::{add_default_route, default_gateways, default_routes, delete_default_route};
pub use veth::{create_veth, VethRequest};

use netlink_packet_core::{NLM_F_CREATE, NLM_F_EXCL};

/// Flags of a request that creates an object and fails if it exists.
fn create_flags() -> u16 {
    NLM_F_CREATE | NLM_F_EXCL
}
