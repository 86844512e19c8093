//! The rules for a bridge and its subnets, made once: what is missing of
//! them, in one atomic batch, then `net.ipv4.ip_forward=1` for subnets.

use std::collections::HashSet;

use ipnet::Ipv4Net;
use vethkit_core::context::Context;
use vethkit_core::lookup;
use vethkit_core::name::IfName;
use vethkit_core::nft::{self, ChainRef, Family, Op, Rule, TABLE};
use vethkit_core::plan::Plan;
use vethkit_core::step::nft::Nft;
use vethkit_core::sysctl::Key;
use vethkit_core::{Error, Result};

use crate::{listed, rules, table_handle};

/// Where the kernel lists the legacy (x_tables) iptables tables in use.
const LEGACY_TABLES: &str = "/proc/net/ip_tables_names";

/// Legacy iptables keeps its own FORWARD chain outside nf_tables, where
/// nothing vethkit adds can get past its DROP policy: refuse rather than
/// succeed while traffic stays blocked. Where the list of legacy tables
/// cannot be read (a user namespace shows it to nobody), say so.
fn refuse_legacy_iptables() -> Result<()> {
    let tables = match std::fs::read_to_string(LEGACY_TABLES) {
        Ok(tables) => tables,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(error) => {
            eprintln!(
                "nat-masq: warning: cannot read {LEGACY_TABLES} ({}): if legacy iptables is in use here, its FORWARD chain may still drop this traffic",
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
        "legacy iptables (x_tables) is in use here (tables {} in {LEGACY_TABLES}): its FORWARD chain is outside nf_tables, where vethkit's accepts cannot reach; add the rules with iptables-legacy, or move the host to iptables-nft",
        tables.join(", ")
    )))
}

fn chain_exists(context: &mut Context, chain: &ChainRef) -> Result<bool> {
    nft::chain_exists(context.netfilter()?, chain)
        .map_err(|error| Error::failed(format!("cannot look up {chain}: {error}")))
}

/// The rules wanted in each chain, and whether they go at its start.
type Wanted = Vec<(ChainRef, Vec<Rule>, bool)>;

/// The steps that make the rules for `bridge` and `subnets` exist once:
/// one atomic batch, then `net.ipv4.ip_forward=1` when there are subnets.
pub fn plan(context: &mut Context, bridge: &IfName, subnets: &[Ipv4Net]) -> Result<Plan> {
    if lookup::link(context, &None, bridge)?.is_none() {
        return Err(Error::failed(format!(
            "{} (create it with br-attach {bridge})",
            lookup::no_interface(bridge, &None)
        )));
    }
    refuse_legacy_iptables()?;
    let mut ops = Vec::new();
    let table_exists = table_handle(context)?.is_some();
    if !table_exists {
        ops.push(Op::AddTable {
            family: Family::Ip,
            table: TABLE.to_string(),
        });
    }
    let mut wanted: Wanted = vec![(
        rules::forward(),
        rules::forward_rules(bridge, subnets),
        false,
    )];
    if !subnets.is_empty() {
        let masquerade = rules::masquerade_rules(bridge, subnets);
        wanted.push((rules::postrouting(), masquerade, false));
    }
    for (chain, base) in rules::base_chains() {
        let needed = wanted.iter().any(|(wanted, ..)| *wanted == chain);
        if needed && !(table_exists && chain_exists(context, &chain)?) {
            ops.push(Op::AddChain { chain, base });
        }
    }
    if chain_exists(context, &rules::iptables_forward())? {
        let accepts = rules::forward_rules(bridge, subnets);
        wanted.push((rules::iptables_forward(), accepts, true));
    }
    ops.extend(missing_rules(context, wanted)?);
    let mut plan = Plan::default();
    if !ops.is_empty() {
        plan.push(Nft { ops });
    }
    if !subnets.is_empty() {
        let ip_forward: Key = "net.ipv4.ip_forward".parse().expect("a valid key");
        plan.steps
            .extend(lookup::sysctl_change(context, &None, &ip_forward, "1")?);
    }
    Ok(plan)
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
