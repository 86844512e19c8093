//! nat-masq: the walk-through's firewall steps in nf_tables, over netlink:
//! accept forwarding on a bridge, masquerade its subnets, list and delete
//! what vethkit made.

pub mod cli;
pub mod rules;

use std::collections::HashSet;

use ipnet::Ipv4Net;
use vethkit_core::cli::print_line;
use vethkit_core::context::Context;
use vethkit_core::lookup;
use vethkit_core::name::IfName;
use vethkit_core::nft::{self, ChainRef, ListedRule, Op, Rule, COMMENT_PREFIX, TABLE};
use vethkit_core::plan::{Executor, Mode, Plan};
use vethkit_core::step::Step;
use vethkit_core::sysctl::Key;
use vethkit_core::{Error, Result};

pub use cli::Cli;

/// Where the kernel lists the legacy (x_tables) iptables tables in use.
const LEGACY_TABLES: &str = "/proc/net/ip_tables_names";

/// Runs nat-masq with the process's arguments.
pub fn run() -> Result<()> {
    let cli: Cli = vethkit_core::cli::parse()?;
    let mode = Mode {
        dry_run: cli.dry_run,
        verbose: cli.verbose,
    };
    let mut executor = Executor::new("nat-masq", mode)?;
    let Some(bridge) = cli.bridge.as_ref().filter(|_| !cli.list) else {
        return list(&mut executor.context, cli.bridge.as_ref(), cli.json);
    };
    if cli.delete {
        delete(&mut executor, bridge, &cli.subnets)?;
    } else {
        let _lock = executor.lock_sysctls()?;
        let plan = plan_create(&mut executor.context, bridge, &cli.subnets)?;
        executor.run(&plan)?;
    }
    if cli.json && !mode.dry_run {
        list(&mut executor.context, Some(bridge), true)?;
    }
    Ok(())
}

/// Removes vethkit's rules for `bridge` (those of `subnets`, when given),
/// says on stderr what was removed or that there was nothing to remove,
/// and makes the journal forget the changes now wholly undone.
fn delete(executor: &mut Executor, bridge: &IfName, subnets: &[Ipv4Net]) -> Result<()> {
    // Under the lock nat-masq makes rules under: no entry is recorded and
    // not yet applied while the journal is read below.
    let _lock = executor.lock_sysctls()?;
    let (plan, removing) = plan_delete(&mut executor.context, bridge, subnets)?;
    let of = match subnets {
        [] => format!("of {bridge}"),
        _ => {
            let subnets: Vec<String> = subnets.iter().map(Ipv4Net::to_string).collect();
            format!("of {bridge} for {}", subnets.join(", "))
        }
    };
    let Some((rules, table)) = removing else {
        eprintln!("nat-masq: no rules {of} to remove");
        return Ok(());
    };
    executor.run(&plan)?;
    if executor.mode.dry_run {
        return Ok(());
    }
    let table = if table {
        format!(" and table ip {TABLE}")
    } else {
        String::new()
    };
    eprintln!("nat-masq: removed {rules} {of}{table}");
    let mut undone = Vec::new();
    for entry in executor.journal.entries(executor.program)? {
        let Step::Nft { ops } = &entry.undo else {
            continue;
        };
        if !ops.iter().all(Op::is_pinned) {
            continue;
        }
        let resolved = nft::resolve(executor.context.netfilter()?, ops)
            .map_err(|error| Error::failed(format!("cannot list the firewall rules: {error}")))?;
        if resolved.ops.is_empty() {
            undone.push(entry);
        }
    }
    executor.journal.forget(&undone)
}

/// The rules of `chain`, errors in words.
fn listed(context: &mut Context, chain: &ChainRef) -> Result<Vec<ListedRule>> {
    nft::rules(context.netfilter()?, chain)
        .map_err(|error| Error::failed(format!("cannot list the rules of {chain}: {error}")))
}

fn chain_exists(context: &mut Context, chain: &ChainRef) -> Result<bool> {
    nft::chain_exists(context.netfilter()?, chain)
        .map_err(|error| Error::failed(format!("cannot look up {chain}: {error}")))
}

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

/// The steps that make the rules for `bridge` and `subnets` exist once:
/// one atomic batch, then `net.ipv4.ip_forward=1` when there are subnets.
fn plan_create(context: &mut Context, bridge: &IfName, subnets: &[Ipv4Net]) -> Result<Plan> {
    if lookup::link(context, &None, bridge)?.is_none() {
        return Err(Error::failed(format!(
            "no interface named {bridge} (create it with br-attach {bridge})"
        )));
    }
    refuse_legacy_iptables()?;
    let mut ops = Vec::new();
    let table_exists = nft::table_exists(context.netfilter()?, TABLE)
        .map_err(|error| Error::failed(format!("cannot look up table ip {TABLE}: {error}")))?;
    if !table_exists {
        ops.push(Op::AddTable {
            table: TABLE.to_string(),
        });
    }
    let mut wanted = vec![(
        rules::forward(),
        rules::forward_rules(bridge, subnets),
        false,
    )];
    if !subnets.is_empty() {
        wanted.push((
            rules::postrouting(),
            rules::masquerade_rules(bridge, subnets),
            false,
        ));
    }
    for (chain, base) in rules::base_chains() {
        let needed = wanted
            .iter()
            .any(|(wanted_chain, ..)| *wanted_chain == chain);
        if needed && !(table_exists && chain_exists(context, &chain)?) {
            ops.push(Op::AddChain { chain, base });
        }
    }
    if chain_exists(context, &rules::iptables_forward())? {
        wanted.push((
            rules::iptables_forward(),
            rules::forward_rules(bridge, subnets),
            true,
        ));
    }
    for (chain, rules, insert) in wanted {
        let present: HashSet<String> = listed(context, &chain)?
            .into_iter()
            .filter_map(|rule| rule.comment)
            .collect();
        let missing: Vec<Rule> = rules
            .into_iter()
            .filter(|rule| !present.contains(&rule.comment))
            .collect();
        // Inserting at the top one by one reverses the order: insert the last first.
        let ordered: Vec<Rule> = if insert {
            missing.into_iter().rev().collect()
        } else {
            missing
        };
        ops.extend(ordered.into_iter().map(|rule| Op::AddRule {
            chain: chain.clone(),
            rule,
            insert,
        }));
    }
    let mut plan = Plan::default();
    if !ops.is_empty() {
        plan.push(Step::Nft { ops });
    }
    if !subnets.is_empty() {
        let ip_forward: Key = "net.ipv4.ip_forward".parse().expect("a valid key");
        plan.steps
            .extend(lookup::sysctl_change(context, &None, &ip_forward, "1")?);
    }
    Ok(plan)
}

/// The chains vethkit's rules can be in.
fn all_chains() -> [ChainRef; 3] {
    [
        rules::forward(),
        rules::postrouting(),
        rules::iptables_forward(),
    ]
}

/// The steps that remove vethkit's rules for `bridge` (those of `subnets`
/// only, when given), and vethkit's table once nothing is left in it; and
/// what they remove: how many rules, in words, and whether the table goes
/// (`None`: nothing).
fn plan_delete(
    context: &mut Context,
    bridge: &IfName,
    subnets: &[Ipv4Net],
) -> Result<(Plan, Option<(String, bool)>)> {
    let belongs = |comment: &str| {
        if subnets.is_empty() {
            rules::belongs(comment, bridge, None)
        } else {
            subnets
                .iter()
                .any(|subnet| rules::belongs(comment, bridge, Some(subnet)))
        }
    };
    let mut ops = Vec::new();
    let mut left_in_table = 0;
    for chain in all_chains() {
        for rule in listed(context, &chain)? {
            let Some(comment) = rule.comment else {
                left_in_table += usize::from(chain.table == TABLE);
                continue;
            };
            if belongs(&comment) {
                ops.push(Op::DeleteRule {
                    chain: chain.clone(),
                    comment,
                    handle: Some(rule.handle),
                    table_handle: None,
                });
            } else if chain.table == TABLE {
                left_in_table += 1;
            }
        }
    }
    let rules = match ops.len() {
        0 => return Ok((Plan::default(), None)),
        1 => "1 rule".to_string(),
        count => format!("{count} rules"),
    };
    let table = nft::table_handle(context.netfilter()?, TABLE)
        .map_err(|error| Error::failed(format!("cannot look up table ip {TABLE}: {error}")))?;
    let table_goes = table.is_some() && left_in_table == 0;
    if let (Some(handle), true) = (table, table_goes) {
        ops.retain(|op| !matches!(op, Op::DeleteRule { chain, .. } if chain.table == TABLE));
        ops.push(Op::DeleteTable {
            table: TABLE.to_string(),
            handle: Some(handle),
        });
    }
    let plan = Plan {
        steps: vec![Step::Nft { ops }],
    };
    Ok((plan, Some((rules, table_goes))))
}

/// Prints vethkit's rules (those of `bridge`, when given): `ip TABLE
/// CHAIN handle N: COMMENT`, or JSON.
fn list(context: &mut Context, bridge: Option<&IfName>, json: bool) -> Result<()> {
    let mut found = Vec::new();
    for chain in all_chains() {
        for rule in listed(context, &chain)? {
            let Some(comment) = rule.comment else {
                continue;
            };
            let shown = match bridge {
                Some(bridge) => rules::belongs(&comment, bridge, None),
                None => comment.starts_with(COMMENT_PREFIX),
            };
            if shown {
                found.push((chain.clone(), rule.handle, comment));
            }
        }
    }
    if json {
        let rules: Vec<serde_json::Value> = found
            .iter()
            .map(|(chain, handle, comment)| {
                serde_json::json!({
                    "family": "ip",
                    "table": chain.table,
                    "chain": chain.chain,
                    "handle": handle,
                    "comment": comment,
                })
            })
            .collect();
        print_line(&serde_json::Value::Array(rules).to_string());
    } else {
        for (chain, handle, comment) in found {
            print_line(&format!("{chain} handle {handle}: {comment}"));
        }
    }
    Ok(())
}
