//! What undoes nf_tables operations, pinned to the tables and rules they
//! made by handle, and how an undo is resolved against the ruleset now:
//! what is gone or not vethkit's is left out, with why.

use std::collections::HashMap;

use super::listing::{rules, table_handle, ListedRule};
use super::{ChainRef, Family, NetfilterSocket, Op};
use crate::error::quoted;
use crate::netlink::KernelError;
use crate::step::Skip;

/// The handles of what a transaction made, and of the tables it added
/// rules to: what pins the undo of its ops to those objects.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Handles {
    /// Each table's handle, by family and name.
    pub tables: HashMap<(Family, String), u64>,
    /// Each rule made, by chain and comment.
    pub rules: HashMap<(ChainRef, String), u64>,
}

/// The ops that undo `ops`, newest first: a table made is deleted, a rule
/// added is deleted.
pub fn undo(ops: &[Op]) -> Vec<Op> {
    ops.iter()
        .rev()
        .filter_map(|op| match op {
            Op::AddTable { family, table } => Some(Op::DeleteTable {
                family: *family,
                table: table.clone(),
                handle: None,
            }),
            Op::AddRule { chain, rule, .. } => Some(Op::DeleteRule {
                chain: chain.clone(),
                comment: rule.comment.clone(),
                handle: None,
                table_handle: None,
            }),
            _ => None,
        })
        .collect()
}

/// Pins undo `ops` to the tables and rules `handles` names.
pub fn pin(ops: &mut [Op], handles: &Handles) {
    for op in ops {
        match op {
            Op::DeleteTable {
                family,
                table,
                handle,
            } => {
                let key = (*family, table.clone());
                *handle = handles.tables.get(&key).copied().or(*handle);
            }
            Op::DeleteRule {
                chain,
                comment,
                handle,
                table_handle,
            } => {
                let rule = (chain.clone(), comment.clone());
                *handle = handles.rules.get(&rule).copied().or(*handle);
                let table = (chain.family, chain.table.clone());
                *table_handle = handles.tables.get(&table).copied().or(*table_handle);
            }
            _ => {}
        }
    }
}

impl Op {
    /// Whether a deletion knows the handles of what it deletes (rather than
    /// finding it by comment or name, as undos of earlier versions do).
    pub fn is_pinned(&self) -> bool {
        match self {
            Op::DeleteRule {
                handle,
                table_handle,
                ..
            } => handle.is_some() && table_handle.is_some(),
            Op::DeleteTable { handle, .. } => handle.is_some(),
            _ => false,
        }
    }
}

/// Ops as they will be sent, and what was left out, with why.
#[derive(Debug, Default)]
pub struct Resolved {
    /// The ops: each rule deletion by handle, deletions of what is gone
    /// or not what vethkit made left out.
    pub ops: Vec<Op>,
    /// What was left out, and why.
    pub skipped: Vec<Skip>,
}

impl Resolved {
    fn skip(&mut self, skip: Skip) {
        if !self.skipped.contains(&skip) {
            self.skipped.push(skip);
        }
    }
}

/// What one resolution looks up once: the tables' handles, the chains' rules.
#[derive(Default)]
struct Ruleset<'a> {
    tables: HashMap<(Family, &'a str), Option<u64>>,
    chains: HashMap<&'a ChainRef, Vec<ListedRule>>,
}

impl<'a> Ruleset<'a> {
    fn table(
        &mut self,
        socket: &mut NetfilterSocket,
        family: Family,
        name: &'a str,
    ) -> Result<Option<u64>, KernelError> {
        if let Some(handle) = self.tables.get(&(family, name)) {
            return Ok(*handle);
        }
        let handle = table_handle(socket, family, name)?;
        self.tables.insert((family, name), handle);
        Ok(handle)
    }

    fn rules(
        &mut self,
        socket: &mut NetfilterSocket,
        chain: &'a ChainRef,
    ) -> Result<&[ListedRule], KernelError> {
        if !self.chains.contains_key(chain) {
            self.chains.insert(chain, rules(socket, chain)?);
        }
        Ok(&self.chains[chain])
    }
}

/// Resolves `ops` against the ruleset: a rule deletion by comment becomes
/// one deletion by handle per rule that carries the comment now; one by
/// handle stays while that rule carries its comment in the table recorded;
/// a table deletion stays while the table is the one recorded.
pub fn resolve(socket: &mut NetfilterSocket, ops: &[Op]) -> Result<Resolved, KernelError> {
    let mut resolved = Resolved::default();
    let mut ruleset = Ruleset::default();
    for op in ops {
        match op {
            Op::DeleteRule {
                chain,
                comment,
                handle,
                table_handle,
            } => {
                let now = ruleset.table(socket, chain.family, &chain.table)?;
                let pinned = (*handle, *table_handle);
                let table = (chain.family, chain.table.as_str());
                match table_skip("the rules of table", table, now, *table_handle) {
                    Some(skip) => resolved.skip(skip),
                    None => resolve_rule(
                        socket,
                        &mut ruleset,
                        (chain, comment),
                        pinned,
                        &mut resolved,
                    )?,
                }
            }
            Op::DeleteTable {
                family,
                table,
                handle,
            } => {
                let now = ruleset.table(socket, *family, table)?;
                match table_skip("table", (*family, table), now, *handle) {
                    Some(skip) => resolved.skip(skip),
                    None => resolved.ops.push(Op::DeleteTable {
                        family: *family,
                        table: table.clone(),
                        handle: handle.and(now),
                    }),
                }
            }
            _ => resolved.ops.push(op.clone()),
        }
    }
    Ok(resolved)
}

/// Why deleting `what` (the table, or the rules of the table) `name` of
/// `family` is left out: it is gone, or it is not the table of handle
/// `recorded`. `now` is its handle now.
fn table_skip(
    what: &str,
    (family, name): (Family, &str),
    now: Option<u64>,
    recorded: Option<u64>,
) -> Option<Skip> {
    match (now, recorded) {
        (None, _) => Some(Skip::gone(
            recorded.is_some(),
            format!("not deleting {what} {family} {name}: it is gone"),
        )),
        (Some(now), Some(recorded)) if now != recorded => Some(Skip::Replaced(format!(
            "not deleting in table {family} {name}: it is not the table vethkit made or added to, but one made since under that name"
        ))),
        _ => None,
    }
}

/// Resolves the deletion of the rule carrying `comment` in `chain` (of the
/// handle pinned, when it is), its table there.
fn resolve_rule<'a>(
    socket: &mut NetfilterSocket,
    ruleset: &mut Ruleset<'a>,
    (chain, comment): (&'a ChainRef, &str),
    (handle, table_handle): (Option<u64>, Option<u64>),
    resolved: &mut Resolved,
) -> Result<(), KernelError> {
    let matching: Vec<u64> = ruleset
        .rules(socket, chain)?
        .iter()
        .filter(|listed| {
            listed.comment.as_deref() == Some(comment)
                && handle.map_or(true, |handle| handle == listed.handle)
        })
        .map(|listed| listed.handle)
        .collect();
    if matching.is_empty() {
        resolved.skip(Skip::gone(
            handle.is_some(),
            format!(
                "not deleting the rule {} of {chain}: it is gone",
                quoted(comment)
            ),
        ));
    }
    resolved
        .ops
        .extend(matching.into_iter().map(|found| Op::DeleteRule {
            chain: chain.clone(),
            comment: comment.to_string(),
            handle: Some(found),
            table_handle,
        }));
    Ok(())
}
