//! Applying operations: one nfnetlink batch, all of it or nothing, the
//! tables and rules made echoed back with their handles.

use std::collections::HashSet;

use netlink_packet_core::{NLM_F_APPEND, NLM_F_CREATE, NLM_F_ECHO};
use netlink_packet_netfilter::nftables::{
    NfTablesMessage, RuleAttribute, RuleMessage, TableAttribute, TableMessage,
};
use netlink_packet_netfilter::none::ControlMessage;
use netlink_packet_netfilter::{
    NetfilterHeader, NetfilterMessage, NetfilterMessageInner, NetfilterProtoFamily,
};

use super::expr::{chain_message, rule_message};
use super::listing::{rule_of, table_handle};
use super::undo::{resolve, Handles};
use super::{message, Family, Match, NetfilterSocket, Op, TABLE};
use crate::netlink::KernelError;
use crate::step::Skip;

/// `NFNL_SUBSYS_NFTABLES`, named in a batch's begin message.
const NFTABLES_SUBSYSTEM: u16 = 10;

/// What a transaction came to: the handles of what it made, and what of
/// it was left out (see [`resolve`]).
#[derive(Debug, Default)]
pub struct Applied {
    /// The handles of the tables and rules made, and of the tables added to.
    pub handles: Handles,
    /// What was left out, and why.
    pub skipped: Vec<Skip>,
    /// Whether anything was left to send.
    pub sent: bool,
}

fn control(inner: ControlMessage) -> NetfilterMessage {
    NetfilterMessage::new(
        NetfilterHeader::new(NetfilterProtoFamily::Unspec, 0, NFTABLES_SUBSYSTEM),
        inner,
    )
}

/// The message an op sends, with its flags; `None` for a rule deletion
/// not resolved to a handle (which [`resolve`] never leaves).
fn message_of(op: Op) -> Option<(NetfilterMessage, u16)> {
    Some(match op {
        Op::AddTable { family, table } => (
            message(
                family,
                NfTablesMessage::NewTable(TableMessage {
                    attributes: vec![TableAttribute::Name(table)],
                }),
            ),
            NLM_F_CREATE | NLM_F_ECHO,
        ),
        Op::AddChain { chain, base } => (
            message(
                chain.family,
                NfTablesMessage::NewChain(chain_message(&chain, base)),
            ),
            NLM_F_CREATE,
        ),
        Op::AddRule {
            chain,
            rule,
            insert,
        } => {
            let position = if insert { 0 } else { NLM_F_APPEND };
            let iptables_style = chain.table != TABLE;
            let inner = NfTablesMessage::NewRule(rule_message(&chain, &rule, iptables_style));
            (
                message(chain.family, inner),
                NLM_F_CREATE | NLM_F_ECHO | position,
            )
        }
        Op::DeleteRule { chain, handle, .. } => {
            let request = RuleMessage {
                attributes: vec![
                    RuleAttribute::Table(chain.table),
                    RuleAttribute::Chain(chain.chain),
                    RuleAttribute::Handle(handle?),
                ],
            };
            (
                message(chain.family, NfTablesMessage::DeleteRule(request)),
                0,
            )
        }
        Op::DeleteTable {
            family,
            table,
            handle,
        } => {
            let by = match handle {
                Some(handle) => TableAttribute::Handle(handle),
                None => TableAttribute::Name(table),
            };
            let request = TableMessage {
                attributes: vec![by],
            };
            (message(family, NfTablesMessage::DeleteTable(request)), 0)
        }
    })
}

/// Refuses a rule matching addresses its table's family cannot hold (an
/// IPv6 subnet in an `ip` table), which would compare the wrong bytes.
fn check_families(ops: &[Op]) -> Result<(), KernelError> {
    for op in ops {
        let Op::AddRule { chain, rule, .. } = op else {
            continue;
        };
        for matching in &rule.matches {
            if let Match::Saddr(net) | Match::Daddr(net) = matching {
                if !chain.family.can_match(net) {
                    return Err(KernelError {
                        errno: libc::EAFNOSUPPORT,
                        message: Some(format!(
                            "{net} cannot be matched in table {} {}",
                            chain.family, chain.table
                        )),
                    });
                }
            }
        }
    }
    Ok(())
}

/// Applies `ops` as one transaction: all of them, or none. Rule deletions
/// are resolved to handles first; what is already gone, or is not what
/// vethkit made, is left out.
pub fn apply(socket: &mut NetfilterSocket, ops: &[Op]) -> Result<Applied, KernelError> {
    check_families(ops)?;
    let resolved = resolve(socket, ops)?;
    let added_to: HashSet<(Family, String)> = resolved
        .ops
        .iter()
        .filter_map(|op| match op {
            Op::AddRule { chain, .. } => Some((chain.family, chain.table.clone())),
            _ => None,
        })
        .collect();
    let messages: Vec<_> = resolved.ops.into_iter().filter_map(message_of).collect();
    let mut applied = Applied {
        handles: Handles::default(),
        skipped: resolved.skipped,
        sent: !messages.is_empty(),
    };
    if messages.is_empty() {
        return Ok(applied);
    }
    let echoes = socket.transaction(
        control(ControlMessage::BatchBegin),
        messages,
        control(ControlMessage::BatchEnd),
    )?;
    read_echoes(echoes, &mut applied.handles);
    // The transaction is made: what follows only pins its undo, and an
    // answer missing leaves the undo known by name, not the change undone.
    for table in added_to {
        if let std::collections::hash_map::Entry::Vacant(slot) = applied.handles.tables.entry(table)
        {
            if let Ok(Some(handle)) = table_handle(socket, slot.key().0, &slot.key().1) {
                slot.insert(handle);
            }
        }
    }
    Ok(applied)
}

/// The handles of the tables and rules the kernel echoed, in `handles`.
fn read_echoes(echoes: Vec<NetfilterMessage>, handles: &mut Handles) {
    for echo in echoes {
        let Some(family) = Family::of(echo.header.family) else {
            continue;
        };
        match echo.inner {
            NetfilterMessageInner::NfTables(NfTablesMessage::NewTable(table)) => {
                let (mut name, mut handle) = (None, None);
                for attribute in table.attributes {
                    match attribute {
                        TableAttribute::Name(text) => name = Some(text),
                        TableAttribute::Handle(number) => handle = Some(number),
                        _ => {}
                    }
                }
                if let (Some(name), Some(handle)) = (name, handle) {
                    handles.tables.insert((family, name), handle);
                }
            }
            NetfilterMessageInner::NfTables(NfTablesMessage::NewRule(rule)) => {
                let (chain, listed) = rule_of(family, &rule);
                if let Some(comment) = listed.comment {
                    handles.rules.insert((chain, comment), listed.handle);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nft::{Action, ChainRef, Rule};

    fn adding(family: Family, subnet: &str) -> Op {
        Op::AddRule {
            chain: ChainRef {
                family,
                table: TABLE.to_string(),
                chain: "forward".to_string(),
            },
            rule: Rule {
                matches: vec![Match::Saddr(subnet.parse().unwrap())],
                action: Action::Accept,
                comment: "vethkit: test".to_string(),
            },
            insert: false,
        }
    }

    #[test]
    fn a_rule_matches_only_addresses_its_table_can_hold() {
        assert!(check_families(&[adding(Family::Ip, "10.1.1.0/24")]).is_ok());
        assert!(check_families(&[adding(Family::Inet, "fd00:1::/64")]).is_ok());
        let refused = check_families(&[adding(Family::Ip, "fd00:1::/64")]).unwrap_err();
        assert_eq!(
            refused.message.as_deref(),
            Some("fd00:1::/64 cannot be matched in table ip vethkit")
        );
        assert!(check_families(&[adding(Family::Ip6, "10.1.1.0/24")]).is_err());
    }
}
