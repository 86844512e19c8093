//! nf_tables over netlink: the tables, chains and rules vethkit makes, each
//! printable as the `nft` line that makes the same, sent as one atomic batch,
//! and found again by the comment every vethkit rule carries.
//!
//! Rules are built only from expressions iptables-nft also understands
//! (meta iifname/oifname with cmp, payload with bitwise and cmp for
//! addresses, an immediate verdict), so a rule put in iptables' own chains
//! leaves `iptables -S` working; `masq` goes only into vethkit's table.

use std::collections::HashMap;
use std::fmt;

use ipnet::Ipv4Net;
use netlink_packet_core::{NLM_F_APPEND, NLM_F_CREATE};
use netlink_packet_netfilter::nftables::{
    Bitwise, ChainAttribute, ChainMessage, Cmp, DataAttribute, Expressions, Hook, HookNumber,
    Immediate, InetHookNumber, ListAttribute, Meta, MetaKey, NfTablesMessage, Operator, Payload,
    Register, RuleAttribute, RuleMessage, TableAttribute, TableMessage, Verdict, VerdictAttribute,
};
use netlink_packet_netfilter::none::ControlMessage;
use netlink_packet_netfilter::{NetfilterHeader, NetfilterMessage, NetfilterProtoFamily};
use serde::{Deserialize, Serialize};

use crate::name::IfName;
use crate::netlink::{KernelError, NetlinkSocket};

/// Every comment of a vethkit rule starts with this.
pub const COMMENT_PREFIX: &str = "vethkit:";

/// vethkit's own table (family ip).
pub const TABLE: &str = "vethkit";

/// `NF_ACCEPT`.
const ACCEPT: u32 = 1;
/// `NFT_PAYLOAD_NETWORK_HEADER`.
const NETWORK_HEADER: u32 = 1;
/// `NFTNL_UDATA_RULE_COMMENT`, the comment's type in rule userdata.
const COMMENT_UDATA: u8 = 0;
/// `NFNL_SUBSYS_NFTABLES`, named in a batch's begin message.
const NFTABLES_SUBSYSTEM: u16 = 10;
/// `IFNAMSIZ`: nft compares interface names over this many bytes.
const IFNAMSIZ: usize = 16;

/// A socket speaking nfnetlink.
pub type NetfilterSocket = NetlinkSocket;

/// Opens a netfilter socket in the calling thread's namespace.
pub fn open() -> std::io::Result<NetfilterSocket> {
    NetlinkSocket::open(netlink_sys::protocols::NETLINK_NETFILTER)
}

/// What a rule matches on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Match {
    /// `iifname NAME`
    Iifname(IfName),
    /// `oifname NAME`
    Oifname(IfName),
    /// `oifname != NAME`
    OifnameNot(IfName),
    /// `ip saddr NET`
    Saddr(Ipv4Net),
    /// `ip daddr NET`
    Daddr(Ipv4Net),
}

/// What a rule does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// `accept`
    Accept,
    /// `masquerade`
    Masquerade,
}

/// A rule, with its `vethkit:` comment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// All must match.
    pub matches: Vec<Match>,
    /// Then this.
    pub action: Action,
    /// Its comment, which begins with [`COMMENT_PREFIX`].
    pub comment: String,
}

/// A chain in a table of family ip.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChainRef {
    /// The table.
    pub table: String,
    /// The chain.
    pub chain: String,
}

/// A base chain's hook.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BaseChain {
    /// `type filter hook forward priority 0; policy accept;`
    Forward,
    /// `type nat hook postrouting priority 100; policy accept;`
    Postrouting,
}

/// One operation of a transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum Op {
    /// `add table ip TABLE`
    AddTable {
        /// The table.
        table: String,
    },
    /// `add chain ip TABLE CHAIN { type ... hook ... }`
    AddChain {
        /// The chain.
        chain: ChainRef,
        /// Its hook.
        base: BaseChain,
    },
    /// `add rule ...` (at the end), or `insert rule ...` (at the start).
    AddRule {
        /// Where.
        chain: ChainRef,
        /// What.
        rule: Rule,
        /// At the start of the chain rather than the end.
        insert: bool,
    },
    /// `delete rule ip TABLE CHAIN handle H`, for each rule of the chain
    /// carrying exactly `comment` (and with handle `handle`, when known);
    /// nothing when there is none.
    DeleteRule {
        /// Where.
        chain: ChainRef,
        /// The comment that identifies the rule.
        comment: String,
        /// The handle, when it was known at planning.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        handle: Option<u64>,
    },
    /// `delete table ip TABLE`; nothing when it is gone.
    DeleteTable {
        /// The table.
        table: String,
    },
}

/// A rule as listed by the kernel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedRule {
    /// Its handle.
    pub handle: u64,
    /// Its comment, if it has one.
    pub comment: Option<String>,
}

fn message(inner: NfTablesMessage) -> NetfilterMessage {
    NetfilterMessage::new(
        NetfilterHeader::new(NetfilterProtoFamily::IPv4, 0, 0),
        inner,
    )
}

fn control(inner: ControlMessage) -> NetfilterMessage {
    NetfilterMessage::new(
        NetfilterHeader::new(NetfilterProtoFamily::Unspec, 0, NFTABLES_SUBSYSTEM),
        inner,
    )
}

/// Whether the chain exists.
pub fn chain_exists(socket: &mut NetfilterSocket, chain: &ChainRef) -> Result<bool, KernelError> {
    let request = ChainMessage {
        attributes: vec![
            ChainAttribute::Table(chain.table.clone()),
            ChainAttribute::Name(chain.chain.clone()),
        ],
    };
    match socket.get(message(NfTablesMessage::GetChain(request))) {
        Ok(_) => Ok(true),
        Err(error) if error.errno == libc::ENOENT => Ok(false),
        Err(error) => Err(error),
    }
}

/// Whether the table exists.
pub fn table_exists(socket: &mut NetfilterSocket, table: &str) -> Result<bool, KernelError> {
    let request = TableMessage {
        attributes: vec![TableAttribute::Name(table.to_string())],
    };
    match socket.get(message(NfTablesMessage::GetTable(request))) {
        Ok(_) => Ok(true),
        Err(error) if error.errno == libc::ENOENT => Ok(false),
        Err(error) => Err(error),
    }
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
    let replies = match socket.dump(message(NfTablesMessage::GetRule(request))) {
        Ok(replies) => replies,
        Err(error) if error.errno == libc::ENOENT => return Ok(Vec::new()),
        Err(error) => return Err(error),
    };
    let mut rules = Vec::new();
    for reply in replies {
        let netlink_packet_netfilter::NetfilterMessageInner::NfTables(NfTablesMessage::NewRule(
            rule,
        )) = reply.inner
        else {
            continue;
        };
        let mut listed = ListedRule {
            handle: 0,
            comment: None,
        };
        let mut in_chain = true;
        for attribute in rule.attributes {
            match attribute {
                RuleAttribute::Handle(handle) => listed.handle = handle,
                RuleAttribute::UserData(data) => listed.comment = comment_of(&data),
                RuleAttribute::Chain(name) => in_chain = name == chain.chain,
                _ => {}
            }
        }
        if in_chain {
            rules.push(listed);
        }
    }
    Ok(rules)
}

/// The comment in rule userdata (type-length-value records).
fn comment_of(data: &[u8]) -> Option<String> {
    let mut rest = data;
    while rest.len() >= 2 {
        let (kind, length) = (rest[0], rest[1] as usize);
        let value = rest.get(2..2 + length)?;
        if kind == COMMENT_UDATA {
            let text = value.split(|b| *b == 0).next().unwrap_or_default();
            return Some(String::from_utf8_lossy(text).into_owned());
        }
        rest = &rest[2 + length..];
    }
    None
}

/// Rule userdata holding `comment`, as nft writes it.
fn comment_udata(comment: &str) -> Vec<u8> {
    let mut value = comment.as_bytes().to_vec();
    value.truncate(u8::MAX as usize - 1);
    value.push(0);
    let mut data = vec![COMMENT_UDATA, value.len() as u8];
    data.extend(value);
    data
}

/// `ops` with each rule deletion by comment turned into deletions by
/// handle, one per rule that carries the comment now, and deletions of
/// what is already gone left out: the ops as they will be sent.
pub fn resolve(socket: &mut NetfilterSocket, ops: &[Op]) -> Result<Vec<Op>, KernelError> {
    let mut resolved = Vec::new();
    let mut listings: HashMap<&ChainRef, Vec<ListedRule>> = HashMap::new();
    for op in ops {
        match op {
            Op::DeleteRule {
                chain,
                comment,
                handle,
            } => {
                if !listings.contains_key(chain) {
                    listings.insert(chain, rules(socket, chain)?);
                }
                for listed in &listings[chain] {
                    if listed.comment.as_deref() == Some(comment.as_str())
                        && handle.map_or(true, |handle| handle == listed.handle)
                    {
                        resolved.push(Op::DeleteRule {
                            chain: chain.clone(),
                            comment: comment.clone(),
                            handle: Some(listed.handle),
                        });
                    }
                }
            }
            Op::DeleteTable { table } => {
                if table_exists(socket, table)? {
                    resolved.push(op.clone());
                }
            }
            _ => resolved.push(op.clone()),
        }
    }
    Ok(resolved)
}

/// Applies `ops` as one transaction: all of them, or none. Rule deletions
/// are resolved to handles first; what is already gone is skipped.
pub fn apply(socket: &mut NetfilterSocket, ops: &[Op]) -> Result<(), KernelError> {
    let mut messages = Vec::new();
    for op in resolve(socket, ops)? {
        match op {
            Op::AddTable { table } => messages.push((
                NfTablesMessage::NewTable(TableMessage {
                    attributes: vec![TableAttribute::Name(table)],
                }),
                NLM_F_CREATE,
            )),
            Op::AddChain { chain, base } => messages.push((
                NfTablesMessage::NewChain(chain_message(&chain, base)),
                NLM_F_CREATE,
            )),
            Op::AddRule {
                chain,
                rule,
                insert,
            } => {
                let flags = if insert {
                    NLM_F_CREATE
                } else {
                    NLM_F_CREATE | NLM_F_APPEND
                };
                let iptables_style = chain.table != TABLE;
                messages.push((
                    NfTablesMessage::NewRule(rule_message(&chain, &rule, iptables_style)),
                    flags,
                ));
            }
            Op::DeleteRule { chain, handle, .. } => {
                let Some(handle) = handle else {
                    continue; // resolve gives every rule deletion a handle
                };
                let request = RuleMessage {
                    attributes: vec![
                        RuleAttribute::Table(chain.table),
                        RuleAttribute::Chain(chain.chain),
                        RuleAttribute::Handle(handle),
                    ],
                };
                messages.push((NfTablesMessage::DeleteRule(request), 0));
            }
            Op::DeleteTable { table } => messages.push((
                NfTablesMessage::DeleteTable(TableMessage {
                    attributes: vec![TableAttribute::Name(table)],
                }),
                0,
            )),
        }
    }
    if messages.is_empty() {
        return Ok(());
    }
    let messages = messages
        .into_iter()
        .map(|(inner, flags)| (message(inner), flags))
        .collect();
    socket.transaction(
        control(ControlMessage::BatchBegin),
        messages,
        control(ControlMessage::BatchEnd),
    )
}

fn chain_message(chain: &ChainRef, base: BaseChain) -> ChainMessage {
    let (kind, hook, priority) = match base {
        BaseChain::Forward => ("filter", InetHookNumber::Forward, 0),
        BaseChain::Postrouting => ("nat", InetHookNumber::PostRouting, 100),
    };
    ChainMessage {
        attributes: vec![
            ChainAttribute::Table(chain.table.clone()),
            ChainAttribute::Name(chain.chain.clone()),
            ChainAttribute::Hook(vec![
                Hook::Number(HookNumber::Inet(hook)),
                Hook::Priority(priority),
            ]),
            ChainAttribute::Policy(ACCEPT),
            ChainAttribute::Type(kind.to_string()),
        ],
    }
}

fn rule_message(chain: &ChainRef, rule: &Rule, iptables_style: bool) -> RuleMessage {
    let mut expressions: Vec<Expressions> = Vec::new();
    for matching in &rule.matches {
        match matching {
            Match::Iifname(name) => {
                expressions.extend(interface(MetaKey::Iifname, name, true, iptables_style))
            }
            Match::Oifname(name) => {
                expressions.extend(interface(MetaKey::Oifname, name, true, iptables_style))
            }
            Match::OifnameNot(name) => {
                expressions.extend(interface(MetaKey::Oifname, name, false, iptables_style))
            }
            Match::Saddr(net) => expressions.extend(address(12, net)),
            Match::Daddr(net) => expressions.extend(address(16, net)),
        }
    }
    expressions.push(match rule.action {
        Action::Accept => Expressions::Immediate(vec![
            Immediate::DestinationRegister(Register::Verdict),
            Immediate::Data(DataAttribute::Verdict(vec![VerdictAttribute::Code(
                Verdict::Other(ACCEPT),
            )])),
        ]),
        Action::Masquerade => Expressions::Other {
            expression_type: "masq".to_string(),
            attributes: Vec::new(),
        },
    });
    RuleMessage {
        attributes: vec![
            RuleAttribute::Table(chain.table.clone()),
            RuleAttribute::Chain(chain.chain.clone()),
            RuleAttribute::Expressions(expressions.into_iter().map(ListAttribute::from).collect()),
            RuleAttribute::UserData(comment_udata(&rule.comment)),
        ],
    }
}

/// `meta load KEY => reg 1; cmp eq|neq reg 1 NAME`. nft compares all 16
/// bytes of the name; iptables-nft the name and its NUL.
fn interface(key: MetaKey, name: &IfName, equal: bool, iptables_style: bool) -> [Expressions; 2] {
    let mut bytes = name.as_str().as_bytes().to_vec();
    bytes.resize(
        if iptables_style {
            bytes.len() + 1
        } else {
            IFNAMSIZ
        },
        0,
    );
    [
        Expressions::Meta(vec![
            Meta::DestinationRegister(Register::Reg1),
            Meta::Key(key),
        ]),
        Expressions::Cmp(vec![
            Cmp::SourceRegister(Register::Reg1),
            Cmp::Op(if equal {
                Operator::Equal
            } else {
                Operator::NotEqual
            }),
            Cmp::Data(DataAttribute::Value(bytes)),
        ]),
    ]
}

/// The IPv4 address at `offset` in the network header within `net`, as nft
/// and iptables-nft both encode it: a prefix of whole bytes loads and
/// compares just those; any other loads all four, masks, and compares.
fn address(offset: u32, net: &Ipv4Net) -> Vec<Expressions> {
    let prefix = u32::from(net.prefix_len());
    if prefix == 0 {
        return Vec::new();
    }
    let whole_bytes = prefix % 8 == 0;
    let length = if whole_bytes { prefix / 8 } else { 4 };
    let network = net.network().octets()[..length as usize].to_vec();
    let mut expressions = vec![Expressions::Payload(vec![
        Payload::DestinationRegister(Register::Reg1),
        Payload::Base(NETWORK_HEADER),
        Payload::Offset(offset),
        Payload::Len(length),
    ])];
    if !whole_bytes {
        expressions.push(Expressions::Bitwise(vec![
            Bitwise::SourceRegister(Register::Reg1),
            Bitwise::DestinationRegister(Register::Reg1),
            Bitwise::Length(length),
            Bitwise::Mask(DataAttribute::Value(net.netmask().octets().to_vec())),
            Bitwise::Xor(DataAttribute::Value(vec![0; 4])),
        ]));
    }
    expressions.push(Expressions::Cmp(vec![
        Cmp::SourceRegister(Register::Reg1),
        Cmp::Op(Operator::Equal),
        Cmp::Data(DataAttribute::Value(network)),
    ]));
    expressions
}

/// Quotes a string as nft does.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

impl fmt::Display for ChainRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ip {} {}", self.table, self.chain)
    }
}

impl fmt::Display for Rule {
    /// The rule in nft syntax.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for matching in &self.matches {
            match matching {
                Match::Iifname(name) => write!(f, "iifname {} ", quoted(name.as_str()))?,
                Match::Oifname(name) => write!(f, "oifname {} ", quoted(name.as_str()))?,
                Match::OifnameNot(name) => write!(f, "oifname != {} ", quoted(name.as_str()))?,
                Match::Saddr(net) => write!(f, "ip saddr {net} ")?,
                Match::Daddr(net) => write!(f, "ip daddr {net} ")?,
            }
        }
        let action = match self.action {
            Action::Accept => "accept",
            Action::Masquerade => "masquerade",
        };
        write!(f, "{action} comment {}", quoted(&self.comment))
    }
}

impl fmt::Display for Op {
    /// The operation as an `nft -f` line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::AddTable { table } => write!(f, "add table ip {table}"),
            Op::AddChain { chain, base } => {
                let (kind, hook, priority) = match base {
                    BaseChain::Forward => ("filter", "forward", 0),
                    BaseChain::Postrouting => ("nat", "postrouting", 100),
                };
                write!(
                    f,
                    "add chain {chain} {{ type {kind} hook {hook} priority {priority}; policy accept; }}"
                )
            }
            Op::AddRule {
                chain,
                rule,
                insert,
            } => {
                let verb = if *insert { "insert" } else { "add" };
                write!(f, "{verb} rule {chain} {rule}")
            }
            Op::DeleteRule {
                chain,
                handle: Some(handle),
                ..
            } => write!(f, "delete rule {chain} handle {handle}"),
            Op::DeleteRule {
                chain,
                comment,
                handle: None,
            } => write!(
                f,
                "# delete from {chain} the rule with comment {}",
                quoted(comment)
            ),
            Op::DeleteTable { table } => write!(f, "delete table ip {table}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_round_trip_through_rule_userdata() {
        let data = comment_udata("vethkit: br0");
        assert_eq!(data[..2], [0, 13]);
        assert_eq!(comment_of(&data).as_deref(), Some("vethkit: br0"));
        assert_eq!(comment_of(&[1, 1, 7]), None);
    }

    #[test]
    fn rules_print_as_nft_lines() {
        let rule = Rule {
            matches: vec![
                Match::Saddr("10.1.1.0/24".parse().unwrap()),
                Match::OifnameNot("br0".parse().unwrap()),
            ],
            action: Action::Masquerade,
            comment: "vethkit: br0 10.1.1.0/24 masquerade".into(),
        };
        let op = Op::AddRule {
            chain: ChainRef {
                table: TABLE.into(),
                chain: "postrouting".into(),
            },
            rule,
            insert: false,
        };
        assert_eq!(
            op.to_string(),
            r#"add rule ip vethkit postrouting ip saddr 10.1.1.0/24 oifname != "br0" masquerade comment "vethkit: br0 10.1.1.0/24 masquerade""#
        );
    }

    #[test]
    fn prefixes_load_whole_bytes_and_mask_the_rest() {
        assert_eq!(address(12, &"10.1.1.0/24".parse().unwrap()).len(), 2);
        assert_eq!(address(12, &"10.1.1.128/25".parse().unwrap()).len(), 3);
        assert!(address(12, &"0.0.0.0/0".parse().unwrap()).is_empty());
    }
}
