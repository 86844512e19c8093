//! The rules for a bridge, its subnets and its published ports, made once:
//! what is missing of them, in one atomic batch, then forwarding turned on
//! for each family that has subnets or published ports.

use std::collections::HashSet;
use std::net::IpAddr;

use ipnet::IpNet;
use vethkit_core::context::Context;
use vethkit_core::lookup;
use vethkit_core::nft::{self, ChainRef, Family, Op, Rule, TABLE};
use vethkit_core::plan::Plan;
use vethkit_core::step::nft::Nft;
use vethkit_core::sysctl::Key;
use vethkit_core::{Error, Result};

use crate::publish::Publish;
use crate::rules::Placed;
use crate::{listed, rules, table_handle, Asked};

/// Legacy iptables keeps its own FORWARD chain outside nf_tables, where
/// nothing vethkit adds can get past its DROP policy: refuse rather than
/// succeed while traffic stays blocked. Where the list of legacy tables
/// cannot be read (a user namespace shows it to nobody), say so.
fn refuse_legacy_iptables(family: Family) -> Result<()> {
    let (file, command) = match family {
        Family::Ip6 => ("/proc/net/ip6_tables_names", "ip6tables"),
        _ => ("/proc/net/ip_tables_names", "iptables"),
    };
    let tables = match std::fs::read_to_string(file) {
        Ok(tables) => tables,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(error) => {
            eprintln!(
                "nat-masq: warning: cannot read {file} ({}): if legacy {command} is in use here, its FORWARD chain may still drop this traffic",
                vethkit_core::error::io_words(&error)
            );
            return Ok(());
        }
    };
    let tables: Vec<&str> = tables.split_whitespace().collect();
    if tables.is_empty() {
        return Ok(());
    }
    Err(Error::failed(format!(
        "legacy {command} (x_tables) is in use here (tables {} in {file}): its FORWARD chain is outside nf_tables, where vethkit's accepts cannot reach; add the rules with {command}-legacy, or move the host to {command}-nft",
        tables.join(", ")
    )))
}

fn chain_exists(context: &mut Context, chain: &ChainRef) -> Result<bool> {
    nft::chain_exists(context.netfilter()?, chain)
        .map_err(|error| Error::failed(format!("cannot look up {chain}: {error}")))
}

/// The rules wanted in each chain, and whether they go at its start.
type Wanted = Vec<(ChainRef, Vec<Rule>, bool)>;

/// The steps that make the rules asked exist once: one atomic batch, then
/// forwarding turned on for each family routed.
pub fn plan(context: &mut Context, asked: &Asked) -> Result<Plan> {
    let bridge = asked.bridge;
    let Some(link) = lookup::link(context, &None, bridge)? else {
        return Err(Error::failed(format!(
            "{} (create it with br-attach {bridge})",
            lookup::no_interface(bridge, &None)
        )));
    };
    let placed = place_publishes(context, asked, link.index)?;
    let families = asked.families();
    for family in &families {
        refuse_legacy_iptables(*family)?;
    }
    let mut ops = Vec::new();
    for family in families.iter().copied() {
        ops.extend(family_ops(context, asked, &placed, family)?);
    }
    let mut plan = Plan::default();
    if !ops.is_empty() {
        plan.push(Nft { ops });
    }
    for family in rules::FAMILIES
        .into_iter()
        .filter(|family| asked.routes(*family))
    {
        let forwarding: Key = match family {
            Family::Ip6 => "net.ipv6.conf.all.forwarding",
            _ => "net.ipv4.ip_forward",
        }
        .parse()
        .expect("a valid key");
        let change = lookup::sysctl_change(context, &None, &forwarding, "1")?;
        if change.is_some() && family == Family::Ip6 {
            warn_of_router_advertisements(context)?;
        }
        plan.steps.extend(change);
    }
    Ok(plan)
}

/// Says which interfaces will lose their IPv6 default route: with
/// forwarding on, one whose `accept_ra` is 1 no longer takes the router
/// advertisements its route came from, and the route expires. vethkit
/// leaves the interface alone (it was not named); the fix is given.
fn warn_of_router_advertisements(context: &mut Context) -> Result<()> {
    for index in lookup::router_advertised(context, &None)? {
        let name = lookup::link_name(context, &None, index)?;
        let Ok(key) = format!("net/ipv6/conf/{name}/accept_ra").parse::<Key>() else {
            continue;
        };
        if lookup::sysctl(context, &None, &key)?.trim() == "1" {
            eprintln!(
                "nat-masq: warning: with IPv6 forwarding on, {name} takes no more router advertisements (accept_ra is 1), and its default route came from one: keep it with sysctl-set {key}=2"
            );
        }
    }
    Ok(())
}

/// The ops that make what is missing of the rules asked, in `family`.
fn family_ops(
    context: &mut Context,
    asked: &Asked,
    publishes: &[Placed],
    family: Family,
) -> Result<Vec<Op>> {
    let (bridge, subnets) = (asked.bridge, asked.subnets);
    let mut ops = Vec::new();
    let table_exists = table_handle(context, family)?.is_some();
    if !table_exists {
        ops.push(Op::AddTable {
            family,
            table: TABLE.to_string(),
        });
    }
    let forward = rules::forward_rules(family, bridge, subnets, publishes);
    let mut wanted: Wanted = vec![
        (rules::forward(family), forward.clone(), false),
        (
            rules::postrouting(family),
            rules::postrouting_rules(family, bridge, subnets, publishes),
            false,
        ),
        (
            rules::prerouting(family),
            rules::dnat_rules(family, bridge, publishes, false),
            false,
        ),
        (
            rules::output(family),
            rules::dnat_rules(family, bridge, publishes, true),
            false,
        ),
    ];
    wanted.retain(|(_, rules, _)| !rules.is_empty());
    for (chain, base) in rules::base_chains(family) {
        let needed = wanted.iter().any(|(wanted, ..)| *wanted == chain);
        if needed && !(table_exists && chain_exists(context, &chain)?) {
            ops.push(Op::AddChain { chain, base });
        }
    }
    if chain_exists(context, &rules::iptables_forward(family))? {
        wanted.push((rules::iptables_forward(family), forward, true));
    }
    ops.extend(missing_rules(context, wanted)?);
    Ok(ops)
}

/// Each port asked to be published, with the subnet of the bridge its lab
/// address is in. Refuses one that leads nowhere (its host address not one
/// of this namespace, its lab address in no subnet of the bridge) or is
/// taken.
fn place_publishes(context: &mut Context, asked: &Asked, bridge_index: u32) -> Result<Vec<Placed>> {
    if asked.publishes.is_empty() {
        return Ok(Vec::new());
    }
    let bridge = asked.bridge;
    let local: Vec<IpAddr> = lookup::all_addresses(context, &None)?
        .iter()
        .map(IpNet::addr)
        .collect();
    let on_bridge = lookup::addresses(context, &None, bridge, bridge_index)?;
    let mut placed = Vec::new();
    for publish in asked.publishes {
        if let Some(ip) = publish.host_ip.filter(|ip| !local.contains(ip)) {
            return Err(Error::failed(format!(
                "cannot publish {publish}: {ip} is not an address of this host (see ip address); publish on one of its addresses, or on every address (no HOSTIP)"
            )));
        }
        let to = publish.to.ip();
        let Some(subnet) = on_bridge
            .iter()
            .map(IpNet::trunc)
            .find(|net| net.contains(&to))
        else {
            let has: Vec<String> = on_bridge
                .iter()
                .filter(|net| net.addr().is_ipv4() == to.is_ipv4())
                .map(IpNet::to_string)
                .collect();
            let family = if to.is_ipv4() { "IPv4" } else { "IPv6" };
            return Err(Error::failed(match has.as_slice() {
                [] => format!(
                    "cannot publish {publish}: {bridge} has no {family} address, so nothing would reach {to} (give it one with br-attach {bridge} --addr)"
                ),
                _ => format!(
                    "cannot publish {publish}: {to} is in no subnet of {bridge} ({}), so nothing would reach it",
                    has.join(", ")
                ),
            }));
        };
        placed.push(Placed {
            publish: *publish,
            subnet,
        });
    }
    refuse_taken_ports(context, asked)?;
    Ok(placed)
}

/// Refuses a port to publish that vethkit publishes already, on any bridge,
/// on an address that overlaps, to another lab address (the same publish
/// again is nothing to do).
fn refuse_taken_ports(context: &mut Context, asked: &Asked) -> Result<()> {
    let bridge = asked.bridge;
    for family in rules::FAMILIES {
        let asked_here: Vec<&Publish> = asked
            .publishes
            .iter()
            .filter(|publish| publish.family() == family)
            .collect();
        if asked_here.is_empty() {
            continue;
        }
        for listed in listed(context, &rules::prerouting(family))? {
            let Some((owner, taken)) = listed.comment.as_deref().and_then(rules::published_by)
            else {
                continue;
            };
            let same = owner == bridge.as_str();
            for publish in &asked_here {
                if publish.overlaps(&taken) && !(same && **publish == taken) {
                    return Err(Error::failed(format!(
                        "cannot publish {publish}: {} is published already, to {} on {owner} (nat-masq --delete {owner} --publish {taken})",
                        taken.host_side(),
                        taken.to
                    )));
                }
            }
        }
    }
    Ok(())
}

/// The ops that add the rules of `wanted` their chains lack.
fn missing_rules(context: &mut Context, wanted: Wanted) -> Result<Vec<Op>> {
    let mut ops = Vec::new();
    for (chain, rules, insert) in wanted {
        let present: HashSet<String> = listed(context, &chain)?
            .into_iter()
            .filter_map(|rule| rule.comment)
            .collect();
        let missing = rules
            .into_iter()
            .filter(|rule| !present.contains(&rule.comment));
        // Inserting at the top one by one reverses the order: insert the last first.
        let ordered: Vec<Rule> = if insert {
            missing.rev().collect()
        } else {
            missing.collect()
        };
        ops.extend(ordered.into_iter().map(|rule| Op::AddRule {
            chain: chain.clone(),
            rule,
            insert,
        }));
    }
    Ok(ops)
}
