//! Bridges: `ip link add NAME type bridge [stp_state 0|1]`.

use std::os::fd::OwnedFd;

use netlink_packet_route::link::{
    BridgeStpState, InfoBridge, InfoData, InfoKind, LinkAttribute, LinkInfo, LinkMessage,
};
use serde::{Deserialize, Serialize};

use super::link::{Kind, KindName, LinkAdd};
use crate::context::{Context, Netns};
use crate::error::Result;
use crate::name::IfName;
use crate::rtnl::Link;

/// What a bridge has of its own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bridge {
    /// Spanning tree on or off; the kernel's default (off) when `None`.
    pub stp: Option<bool>,
}

/// Whether the spanning tree protocol is on, for a bridge.
pub fn stp(link: &Link) -> Option<bool> {
    let Some(InfoData::Bridge(options)) = &link.data else {
        return None;
    };
    options.iter().find_map(|option| match option {
        InfoBridge::StpState(state) => Some(*state != BridgeStpState::Disabled),
        _ => None,
    })
}

impl Kind for Bridge {
    fn name(&self) -> KindName {
        KindName::Bridge
    }

    fn build(
        &self,
        _: &LinkAdd,
        _: &mut Context,
        message: &mut LinkMessage,
    ) -> Result<Vec<OwnedFd>> {
        let mut info = vec![LinkInfo::Kind(InfoKind::Bridge)];
        if let Some(stp) = self.stp {
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
        Ok(Vec::new())
    }

    fn words(&self, _: &LinkAdd) -> String {
        match self.stp {
            Some(stp) => format!("bridge stp_state {}", u8::from(stp)),
            None => "bridge".to_string(),
        }
    }

    fn others(&self) -> Vec<(Netns, IfName)> {
        Vec::new()
    }

    fn is_as_asked(&self, _: &LinkAdd, existing: &Link, _: &mut Context) -> bool {
        self.stp.map_or(true, |asked| stp(existing) == Some(asked))
    }

    fn learn(&self, _: &Link, _: &mut Context) {}
}
