//! `nat-masq --delete`: vethkit's rules for a bridge (or some of its
//! subnets and published ports) removed, and each of vethkit's tables once
//! nothing is left in it.

use std::collections::HashSet;

use vethkit_core::context::Context;
use vethkit_core::name::IfName;
use vethkit_core::nft::{self, Family, Op, TABLE};
use vethkit_core::plan::{Executor, Plan};
use vethkit_core::step::nft::Nft;
use vethkit_core::step::Step;
use vethkit_core::{Error, Result};

use crate::rules::Part;
use crate::{listed, rules, table_handle, Asked};

/// What a deletion removes: how many rules, in words, and which tables go.
struct Removing {
    rules: String,
    tables: Vec<Family>,
}

/// Removes vethkit's rules for the bridge asked (those of its subnets and
/// published ports, when given), says on stderr what was removed or that
/// there was nothing to remove, and makes the journal forget the changes
/// now wholly undone.
pub fn run(executor: &mut Executor, asked: &Asked) -> Result<()> {
    // Under the lock nat-masq makes rules under: no entry is recorded and
    // not yet applied while the journal is read below.
    let _lock = executor.lock_sysctls()?;
    let bridge = asked.bridge;
    let parts = parts(asked);
    let (plan, removing) = plan(&mut executor.context, bridge, &parts)?;
    let of = if parts.is_empty() {
        format!("of {bridge}")
    } else {
        let named: Vec<String> = asked
            .subnets
            .iter()
            .map(ToString::to_string)
            .chain(asked.publishes.iter().map(ToString::to_string))
            .collect();
        format!("of {bridge} for {}", named.join(", "))
    };
    let Some(removing) = removing else {
        eprintln!("nat-masq: no rules {of} to remove");
        return Ok(());
    };
    executor.run(&plan)?;
    if executor.mode.dry_run {
        return Ok(());
    }
    let tables: Vec<String> = removing
        .tables
        .iter()
        .map(|family| format!("{family} {TABLE}"))
        .collect();
    let tables = match tables.as_slice() {
        [] => String::new(),
        [table] => format!(" and table {table}"),
        _ => format!(" and tables {}", tables.join(" and ")),
    };
    eprintln!("nat-masq: removed {} {of}{tables}", removing.rules);
    forget_undone(executor)
}

/// Makes the journal forget the firewall changes whose tables and rules,
/// known by handle, are all gone now.
fn forget_undone(executor: &mut Executor) -> Result<()> {
    let mut undone = Vec::new();
    for entry in executor.journal.entries(executor.program)? {
        let Step::Nft(Nft { ops }) = &entry.undo else {
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

/// The parts of the bridge's rules asked for: its subnets' and published
/// ports'; none when all of them are.
fn parts<'a>(asked: &Asked<'a>) -> Vec<Part<'a>> {
    asked
        .subnets
        .iter()
        .map(Part::Subnet)
        .chain(asked.publishes.iter().map(Part::Publish))
        .collect()
}

/// The steps that remove vethkit's rules for `bridge` (those of `parts`
/// only, when given), and each of vethkit's tables once nothing is left in
/// it; and what they remove (`None`: nothing).
fn plan(
    context: &mut Context,
    bridge: &IfName,
    parts: &[Part],
) -> Result<(Plan, Option<Removing>)> {
    let belongs = |comment: &str| {
        if parts.is_empty() {
            rules::belongs(comment, bridge, Part::All)
        } else {
            parts
                .iter()
                .any(|part| rules::belongs(comment, bridge, *part))
        }
    };
    let mut ops = Vec::new();
    // The families whose vethkit table keeps rules of other bridges or parts.
    let mut kept: HashSet<Family> = HashSet::new();
    for chain in rules::all_chains() {
        for rule in listed(context, &chain)? {
            match rule.comment {
                Some(comment) if belongs(&comment) => ops.push(Op::DeleteRule {
                    chain: chain.clone(),
                    comment,
                    handle: Some(rule.handle),
                    table_handle: None,
                }),
                _ if chain.table == TABLE => {
                    kept.insert(chain.family);
                }
                _ => {}
            }
        }
    }
    let rules = match ops.len() {
        0 => return Ok((Plan::default(), None)),
        1 => "1 rule".to_string(),
        count => format!("{count} rules"),
    };
    let mut tables = Vec::new();
    for family in rules::FAMILIES {
        let handle = table_handle(context, family)?;
        if handle.is_none() || kept.contains(&family) {
            continue;
        }
        ops.retain(|op| {
            !matches!(op, Op::DeleteRule { chain, .. } if chain.table == TABLE && chain.family == family)
        });
        ops.push(Op::DeleteTable {
            family,
            table: TABLE.to_string(),
            handle,
        });
        tables.push(family);
    }
    let plan = Plan {
        steps: vec![Nft { ops }.into()],
    };
    Ok((plan, Some(Removing { rules, tables })))
}
