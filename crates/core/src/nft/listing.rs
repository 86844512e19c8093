//! What is there: chains, tables and their handles, the rules of a chain
//! with their handles and comments.

use netlink_packet_netfilter::nftables::{
    ChainAttribute, ChainMessage, NfTablesMessage, RuleAttribute, RuleMessage, TableAttribute,
    TableMessage,
};
use netlink_packet_netfilter::NetfilterMessageInner;

use super::expr::comment_of;
use super::{message, ChainRef, Family, NetfilterSocket};
use crate::netlink::KernelError;

/// A rule as listed by the kernel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedRule {
    /// Its handle in its table.
    pub handle: u64,
    /// Its comment, if it has one.
    pub comment: Option<String>,
}

/// Whether the chain exists.
pub fn chain_exists(socket: &mut NetfilterSocket, chain: &ChainRef) -> Result<bool, KernelError> {
    let request = ChainMessage {
        attributes: vec![
            ChainAttribute::Table(chain.table.clone()),
            ChainAttribute::Name(chain.chain.clone()),
        ],
    };
    match socket.get(message(chain.family, NfTablesMessage::GetChain(request))) {
        Ok(_) => Ok(true),
        Err(error) if error.errno == libc::ENOENT => Ok(false),
        Err(error) => Err(error),
    }
}

/// The handle of the table `name` of `family`; `None` when there is none.
pub fn table_handle(
    socket: &mut NetfilterSocket,
    family: Family,
    name: &str,
) -> Result<Option<u64>, KernelError> {
    let request = TableMessage {
        attributes: vec![TableAttribute::Name(name.to_string())],
    };
    let reply = match socket.get(message(family, NfTablesMessage::GetTable(request))) {
        Ok(reply) => reply,
        Err(error) if error.errno == libc::ENOENT => return Ok(None),
        Err(error) => return Err(error),
    };
    let NetfilterMessageInner::NfTables(NfTablesMessage::NewTable(table)) = reply.inner else {
        return Err(KernelError {
            errno: libc::EPROTO,
            message: Some("not a table in the reply".into()),
        });
    };
    Ok(table
        .attributes
        .iter()
        .find_map(|attribute| match attribute {
            TableAttribute::Handle(handle) => Some(*handle),
            _ => None,
        }))
}

/// The rules of a chain, in order; none when the chain or table is missing.
pub fn rules(
    socket: &mut NetfilterSocket,
    chain: &ChainRef,
) -> Result<Vec<ListedRule>, KernelError> {
    let request = RuleMessage {
        attributes: vec![
            RuleAttribute::Table(chain.table.clone()),
            RuleAttribute::Chain(chain.chain.clone()),
        ],
    };
    let replies = match socket.dump(message(chain.family, NfTablesMessage::GetRule(request))) {
        Ok(replies) => replies,
        Err(error) if error.errno == libc::ENOENT => return Ok(Vec::new()),
        Err(error) => return Err(error),
    };
    let rules = replies
        .into_iter()
        .filter_map(|reply| match reply.inner {
            NetfilterMessageInner::NfTables(NfTablesMessage::NewRule(rule)) => Some(rule),
            _ => None,
        })
        .map(|rule| rule_of(chain.family, &rule))
        .filter(|(in_chain, _)| in_chain == chain)
        .map(|(_, listed)| listed)
        .collect();
    Ok(rules)
}

/// A rule of `family` the kernel describes: its chain, its handle and its
/// comment.
pub(super) fn rule_of(family: Family, rule: &RuleMessage) -> (ChainRef, ListedRule) {
    let mut chain = ChainRef {
        family,
        table: String::new(),
        chain: String::new(),
    };
    let mut listed = ListedRule {
        handle: 0,
        comment: None,
    };
    for attribute in &rule.attributes {
        match attribute {
            RuleAttribute::Table(name) => chain.table.clone_from(name),
            RuleAttribute::Chain(name) => chain.chain.clone_from(name),
            RuleAttribute::Handle(handle) => listed.handle = *handle,
            RuleAttribute::UserData(data) => listed.comment = comment_of(data),
            _ => {}
        }
    }
    (chain, listed)
}
