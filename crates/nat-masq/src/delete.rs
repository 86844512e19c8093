//! `nat-masq --delete`: vethkit's rules for a bridge (or some of its
//! subnets) removed, and vethkit's table once nothing is left in it.

use ipnet::Ipv4Net;
use vethkit_core::context::Context;
use vethkit_core::name::IfName;
use vethkit_core::nft::{self, Family, Op, TABLE};
use vethkit_core::plan::{Executor, Plan};
use vethkit_core::step::nft::Nft;
use vethkit_core::step::Step;
use vethkit_core::{Error, Result};

use crate::{listed, rules, table_handle};

/// What a deletion removes: how many rules, in words, and whether the
/// table goes.
struct Removing {
    rules: String,
    table: bool,
}

/// Removes vethkit's rules for `bridge` (those of `subnets`, when given),
/// says on stderr what was removed or that there was nothing to remove,
/// and makes the journal forget the changes now wholly undone.
pub fn run(executor: &mut Executor, bridge: &IfName, subnets: &[Ipv4Net]) -> Result<()> {
    // Under the lock nat-masq makes rules under: no entry is recorded and
    // not yet applied while the journal is read below.
    let _lock = executor.lock_sysctls()?;
    let (plan, removing) = plan(&mut executor.context, bridge, subnets)?;
    let of = match subnets {
        [] => format!("of {bridge}"),
        _ => {
            let subnets: Vec<String> = subnets.iter().map(Ipv4Net::to_string).collect();
            format!("of {bridge} for {}", subnets.join(", "))
        }
    };
    let Some(removing) = removing else {
        eprintln!("nat-masq: no rules {of} to remove");
        return Ok(());
    };
    executor.run(&plan)?;
    if executor.mode.dry_run {
        return Ok(());
    }
    let table = if removing.table {
        format!(" and table ip {TABLE}")
    } else {
        String::new()
    };
    eprintln!("nat-masq: removed {} {of}{table}", removing.rules);
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

/// The steps that remove vethkit's rules for `bridge` (those of `subnets`
/// only, when given), and vethkit's table once nothing is left in it; and
/// what they remove (`None`: nothing).
fn plan(
    context: &mut Context,
    bridge: &IfName,
    subnets: &[Ipv4Net],
) -> Result<(Plan, Option<Removing>)> {
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
    for chain in rules::all_chains() {
        for rule in listed(context, &chain)? {
            match rule.comment {
                Some(comment) if belongs(&comment) => ops.push(Op::DeleteRule {
                    chain: chain.clone(),
                    comment,
                    handle: Some(rule.handle),
                    table_handle: None,
                }),
                _ => left_in_table += usize::from(chain.table == TABLE),
            }
        }
    }
    let rules = match ops.len() {
        0 => return Ok((Plan::default(), None)),
        1 => "1 rule".to_string(),
        count => format!("{count} rules"),
    };
    let handle = table_handle(context)?;
    let table = handle.is_some() && left_in_table == 0;
    if table {
        ops.retain(|op| !matches!(op, Op::DeleteRule { chain, .. } if chain.table == TABLE));
        ops.push(Op::DeleteTable {
            family: Family::Ip,
            table: TABLE.to_string(),
            handle,
        });
    }
    let plan = Plan {
        steps: vec![Nft { ops }.into()],
    };
    Ok((plan, Some(Removing { rules, table })))
}
