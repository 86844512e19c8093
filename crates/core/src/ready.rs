//! Waiting, before a command returns, until the IPv6 addresses it added
//! can be used, so that a script's next line can use them.
//!
//! vethkit adds IPv6 addresses with `nodad`, but even such an address is
//! tentative until the kernel has seen its link's carrier (linkwatch does
//! that a moment after the link comes up, up to a second later for a
//! bridge), and takes no packets in until its local route is made, a
//! moment after it stops being tentative. An address on a link without
//! carrier stays tentative until the link gets one: such a link is waited
//! for only when its carrier is on its way (a bridge gets it a moment
//! after one of its ports has carrier).

use std::thread::sleep;
use std::time::{Duration, Instant};

use ipnet::IpNet;

use crate::context::{in_netns, Context, Netns};
use crate::error::{Error, Result};
use crate::lookup;
use crate::name::IfName;
use crate::plan::Plan;
use crate::rtnl;
use crate::step::Step;

/// How long addresses may stay tentative before the command returns anyway.
const PATIENCE: Duration = Duration::from_secs(5);
/// The pause between two looks.
const PAUSE: Duration = Duration::from_millis(2);

/// IPv6 addresses on a link that a command waits for.
#[derive(Clone, Debug)]
pub struct Added {
    /// The link's namespace.
    pub netns: Netns,
    /// The link.
    pub link: IfName,
    /// The IPv6 addresses to wait for.
    pub addresses: Vec<IpNet>,
    /// The link has no carrier yet but is getting it: wait for it too.
    pub carrier_coming: bool,
}

/// The IPv6 addresses `plan` adds, link by link.
pub fn added_by(plan: &Plan) -> Vec<Added> {
    let mut added: Vec<Added> = Vec::new();
    for step in &plan.steps {
        let Step::AddrAdd(add) = step else {
            continue;
        };
        if !add.address.addr().is_ipv6() {
            continue;
        }
        match added
            .iter_mut()
            .find(|added| added.netns == add.netns && added.link == add.dev)
        {
            Some(added) => added.addresses.push(add.address),
            None => added.push(Added {
                netns: add.netns.clone(),
                link: add.dev.clone(),
                addresses: vec![add.address],
                carrier_coming: false,
            }),
        }
    }
    added
}

/// Waits until each of the `added` addresses is usable (not tentative, and
/// its local route made), on each link that has carrier or is getting it.
/// What is still not usable after a while, or cannot be looked at, is said
/// on stderr under `program`'s name: the command has done what was asked
/// all the same.
pub fn wait_for_addresses(context: &mut Context, program: &str, added: &[Added]) {
    let started = Instant::now();
    let mut waiting: Vec<&Added> = added
        .iter()
        .filter(|added| !added.addresses.is_empty())
        .collect();
    loop {
        let mut still = Vec::new();
        for added in waiting {
            match unusable(context, added) {
                Ok(unusable) if unusable.is_empty() => {}
                Ok(unusable) => still.push((added, unusable)),
                Err(error) => eprintln!("{program}: {error}"),
            }
        }
        if still.is_empty() {
            return;
        }
        if started.elapsed() > PATIENCE {
            for (added, addresses) in still {
                for address in addresses {
                    eprintln!(
                        "{program}: {address} on {}{} is not usable yet after {} s",
                        added.link,
                        in_netns(added.netns.as_ref()),
                        PATIENCE.as_secs()
                    );
                }
            }
            return;
        }
        waiting = still.into_iter().map(|(added, _)| added).collect();
        sleep(PAUSE);
    }
}

/// Which of the `added` addresses are not usable yet (tentative, or without
/// their local route, or on a link whose carrier is coming); none when the
/// link is gone or has no carrier to come.
fn unusable(context: &mut Context, added: &Added) -> Result<Vec<IpNet>> {
    let (netns, name) = (&added.netns, &added.link);
    let Some(link) = lookup::link(context, netns, name)? else {
        return Ok(Vec::new());
    };
    if !link.carrier {
        return Ok(if added.carrier_coming {
            added.addresses.clone()
        } else {
            Vec::new()
        });
    }
    let cannot = |error| {
        Error::failed(format!(
            "cannot tell whether the addresses of {name}{} are usable yet: {error}",
            in_netns(netns.as_ref())
        ))
    };
    let socket = context.socket(netns.as_ref())?;
    let tentative = rtnl::tentative(socket, link.index).map_err(cannot)?;
    let mut unusable = Vec::new();
    for address in &added.addresses {
        if tentative.contains(address)
            || !rtnl::is_local(socket, &address.addr()).map_err(cannot)?
        {
            unusable.push(*address);
        }
    }
    Ok(unusable)
}
