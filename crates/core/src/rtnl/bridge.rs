//! Bridges (`ip link add NAME type bridge`).

use netlink_packet_route::link::{
    BridgeStpState, InfoBridge, InfoData, InfoKind, LinkAttribute, LinkInfo, LinkMessage,
};
use netlink_packet_route::RouteNetlinkMessage;

use super::link::echoed_link;
use super::{create_flags, Link, RouteSocket};
use crate::name::IfName;
use crate::netlink::KernelError;

/// A bridge to create in the socket's namespace.
pub struct BridgeRequest<'a> {
    /// Its name.
    pub name: &'a IfName,
    /// Spanning tree on or off; the kernel's default (off) when `None`.
    pub stp: Option<bool>,
}

/// Creates a bridge (`ip link add name NAME type bridge [stp_state 0|1]`).
/// Returns it as the kernel echoes it, when it does.
pub fn create_bridge(
    socket: &mut RouteSocket,
    request: &BridgeRequest<'_>,
) -> Result<Option<Link>, KernelError> {
    let mut message = LinkMessage::default();
    message
        .attributes
        .push(LinkAttribute::IfName(request.name.to_string()));
    let mut info = vec![LinkInfo::Kind(InfoKind::Bridge)];
    if let Some(stp) = request.stp {
        let state = if stp {
            BridgeStpState::KernelStp
        } else {
            BridgeStpState::Disabled
        };
        info.push(LinkInfo::Data(InfoData::Bridge(vec![
            InfoBridge::StpState(state),
        ])));
    }
    message.attributes.push(LinkAttribute::LinkInfo(info));
    let echo = socket.request_echo(RouteNetlinkMessage::NewLink(message), create_flags())?;
    Ok(echoed_link(echo))
}
