//! nf_tables over netlink: the tables, chains and rules vethkit makes, each
//! printable as the `nft` line that makes the same, sent as one atomic batch,
//! and found again by their handles (which the kernel echoes when they are
//! made) or, in journals of earlier versions, by the comment every vethkit
//! rule carries.
//!
//! Rules are built only from expressions iptables-nft also understands
//! (meta iifname/oifname with cmp, payload with bitwise and cmp for
//! addresses, an immediate verdict), so a rule put in iptables' own chains
//! leaves `iptables -S` working; `masq` goes only into vethkit's table.

use std::collections::{HashMap, HashSet};
use std::fmt;

use ipnet::Ipv4Net;
use netlink_packet_core::{NLM_F_APPEND, NLM_F_CREATE, NLM_F_ECHO};
use netlink_packet_netfilter::nftables::{
    Bitwise, ChainAttribute, ChainMessage, Cmp, DataAttribute, Expressions, Hook, HookNumber,
    Immediate, InetHookNumber, ListAttribute, Meta, MetaKey, NfTablesMessage, Operator, Payload,
    Register, RuleAttribute, RuleMessage, TableAttribute, TableMessage, Verdict, VerdictAttribute,
};
use netlink_packet_netfilter::none::ControlMessage;
use netlink_packet_netfilter::{
    NetfilterHeader, NetfilterMessage, NetfilterMessageInner, NetfilterProtoFamily,
};
use serde::{Deserialize, Serialize};

use crate::error::quoted;
use crate::name::IfName;
use crate::netlink::{KernelError, NetlinkSocket};
use crate::step::Skip;

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
    /// `delete rule ip TABLE CHAIN handle H`: the rule of handle `handle`
    /// while it carries `comment` (and while its table is the one of handle
    /// `table_handle`, when known); without a handle, each rule of the
    /// chain carrying exactly `comment`. Nothing when there is none.
    DeleteRule {
        /// Where.
        chain: ChainRef,
        /// The comment that identifies the rule.
        comment: String,
        /// The rule's handle, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        handle: Option<u64>,
        /// The handle of its table, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        table_handle: Option<u64>,
    },
    /// `delete table ip TABLE`, or `delete table ip handle H`: the table of
    /// handle `handle`, when known. Nothing when it is gone.
    DeleteTable {
        /// The table.
        table: String,
        /// Its handle, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        handle: Option<u64>,
    },
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
    Ok(table_handle(socket, table)?.is_some())
}

/// The handle of the table of that name; `None` when there is none.
pub fn table_handle(socket: &mut NetfilterSocket, table: &str) -> Result<Option<u64>, KernelError> {
    let request = TableMessage {
        attributes: vec![TableAttribute::Name(table.to_string())],
    };
    let reply = match socket.get(message(NfTablesMessage::GetTable(request))) {
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
    let replies = match socket.dump(message(NfTablesMessage::GetRule(request))) {
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
        .map(|rule| rule_of(&rule))
        .filter(|(in_chain, _)| in_chain == chain)
        .map(|(_, listed)| listed)
        .collect();
    Ok(rules)
}

/// A rule the kernel describes: its chain, its handle and its comment.
fn rule_of(rule: &RuleMessage) -> (ChainRef, ListedRule) {
    let mut chain = ChainRef {
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

/// The handles of what a transaction made, and of the tables it added
/// rules to: what pins the undo of its ops to those objects.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Handles {
    /// Each table's handle, by name.
    pub tables: HashMap<String, u64>,
    /// Each rule made, by chain and comment.
    pub rules: HashMap<(ChainRef, String), u64>,
}

/// The ops that undo `ops`, newest first: a table made is deleted, a rule
/// added is deleted.
pub fn undo(ops: &[Op]) -> Vec<Op> {
    ops.iter()
        .rev()
        .filter_map(|op| match op {
            Op::AddTable { table } => Some(Op::DeleteTable {
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
            Op::DeleteTable { table, handle } => {
                *handle = handles.tables.get(table).copied().or(*handle);
            }
            Op::DeleteRule {
                chain,
                comment,
                handle,
                table_handle,
            } => {
                let key = (chain.clone(), comment.clone());
                *handle = handles.rules.get(&key).copied().or(*handle);
                *table_handle = handles.tables.get(&chain.table).copied().or(*table_handle);
            }
            _ => {}
        }
    }
}

/// Ops as they will be sent, and what was left out, in words.
#[derive(Debug, Default)]
pub struct Resolved {
    /// The ops: each rule deletion by handle, deletions of what is gone
    /// or not what vethkit made left out.
    pub ops: Vec<Op>,
    /// What was left out, and why.
    pub skipped: Vec<Skip>,
}

/// Resolves `ops` against the ruleset: a rule deletion by comment becomes
/// one deletion by handle per rule that carries the comment now; one by
/// handle stays while that rule carries its comment in the table recorded;
/// a table deletion stays while the table is the one recorded.
pub fn resolve(socket: &mut NetfilterSocket, ops: &[Op]) -> Result<Resolved, KernelError> {
    let mut skipped: Vec<Skip> = Vec::new();
    let mut note = |skip: Skip| {
        if !skipped.contains(&skip) {
            skipped.push(skip);
        }
    };
    let mut listings: HashMap<&ChainRef, Vec<ListedRule>> = HashMap::new();
    let mut table_handles: HashMap<String, Option<u64>> = HashMap::new();
    let mut ops_out = Vec::new();
    for op in ops {
        match op {
            Op::DeleteRule {
                chain,
                comment,
                handle,
                table_handle: recorded_table,
            } => {
                let now = match table_handles.get(&chain.table) {
                    Some(now) => *now,
                    None => {
                        let now = table_handle(socket, &chain.table)?;
                        table_handles.insert(chain.table.clone(), now);
                        now
                    }
                };
                match (now, recorded_table) {
                    (None, _) => {
                        note(Skip::gone(
                            recorded_table.is_some(),
                            format!(
                                "not deleting the rules of table ip {}: it is gone",
                                chain.table
                            ),
                        ));
                        continue;
                    }
                    (Some(now), Some(recorded)) if now != *recorded => {
                        note(not_the_table(&chain.table));
                        continue;
                    }
                    _ => {}
                }
                if !listings.contains_key(chain) {
                    listings.insert(chain, rules(socket, chain)?);
                }
                let matching: Vec<u64> = listings[chain]
                    .iter()
                    .filter(|listed| {
                        listed.comment.as_deref() == Some(comment.as_str())
                            && handle.map_or(true, |handle| handle == listed.handle)
                    })
                    .map(|listed| listed.handle)
                    .collect();
                if matching.is_empty() {
                    note(Skip::gone(
                        handle.is_some(),
                        format!(
                            "not deleting the rule {} of {chain}: it is gone",
                            quoted(comment)
                        ),
                    ));
                }
                ops_out.extend(matching.into_iter().map(|found| Op::DeleteRule {
                    chain: chain.clone(),
                    comment: comment.clone(),
                    handle: Some(found),
                    table_handle: *recorded_table,
                }));
            }
            Op::DeleteTable { table, handle } => match (table_handle(socket, table)?, handle) {
                (None, _) => note(Skip::gone(
                    handle.is_some(),
                    format!("not deleting table ip {table}: it is gone"),
                )),
                (Some(now), Some(recorded)) if now != *recorded => note(not_the_table(table)),
                (Some(now), _) => ops_out.push(Op::DeleteTable {
                    table: table.clone(),
                    handle: handle.map(|_| now),
                }),
            },
            _ => ops_out.push(op.clone()),
        }
    }
    Ok(Resolved {
        ops: ops_out,
        skipped,
    })
}

fn not_the_table(table: &str) -> Skip {
    Skip::Replaced(format!(
        "not deleting in table ip {table}: it is not the table vethkit made or added to, but one made since under that name"
    ))
}

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

/// Applies `ops` as one transaction: all of them, or none. Rule deletions
/// are resolved to handles first; what is already gone, or is not what
/// vethkit made, is left out.
pub fn apply(socket: &mut NetfilterSocket, ops: &[Op]) -> Result<Applied, KernelError> {
    let resolved = resolve(socket, ops)?;
    let mut messages = Vec::new();
    let mut added_to: HashSet<String> = HashSet::new();
    for op in resolved.ops {
        match op {
            Op::AddTable { table } => messages.push((
                NfTablesMessage::NewTable(TableMessage {
                    attributes: vec![TableAttribute::Name(table)],
                }),
                NLM_F_CREATE | NLM_F_ECHO,
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
                let position = if insert { 0 } else { NLM_F_APPEND };
                let iptables_style = chain.table != TABLE;
                added_to.insert(chain.table.clone());
                messages.push((
                    NfTablesMessage::NewRule(rule_message(&chain, &rule, iptables_style)),
                    NLM_F_CREATE | NLM_F_ECHO | position,
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
            Op::DeleteTable { table, handle } => {
                let by = match handle {
                    Some(handle) => TableAttribute::Handle(handle),
                    None => TableAttribute::Name(table),
                };
                messages.push((
                    NfTablesMessage::DeleteTable(TableMessage {
                        attributes: vec![by],
                    }),
                    0,
                ));
            }
        }
    }
    let mut applied = Applied {
        handles: Handles::default(),
        skipped: resolved.skipped,
        sent: !messages.is_empty(),
    };
    if messages.is_empty() {
        return Ok(applied);
    }
    let messages = messages
        .into_iter()
        .map(|(inner, flags)| (message(inner), flags))
        .collect();
    let echoes = socket.transaction(
        control(ControlMessage::BatchBegin),
        messages,
        control(ControlMessage::BatchEnd),
    )?;
    for echo in echoes {
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
                    applied.handles.tables.insert(name, handle);
                }
            }
            NetfilterMessageInner::NfTables(NfTablesMessage::NewRule(rule)) => {
                let (chain, listed) = rule_of(&rule);
                if let Some(comment) = listed.comment {
                    applied
                        .handles
                        .rules
                        .insert((chain, comment), listed.handle);
                }
            }
            _ => {}
        }
    }
    // The transaction is made: what follows only pins its undo, and an
    // answer missing leaves the undo known by name, not the change undone.
    for table in added_to {
        if let std::collections::hash_map::Entry::Vacant(slot) = applied.handles.tables.entry(table)
        {
            if let Ok(Some(handle)) = table_handle(socket, slot.key()) {
                slot.insert(handle);
            }
        }
    }
    Ok(applied)
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
fn nft_quoted(text: &str) -> String {
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
                Match::Iifname(name) => write!(f, "iifname {} ", nft_quoted(name.as_str()))?,
                Match::Oifname(name) => write!(f, "oifname {} ", nft_quoted(name.as_str()))?,
                Match::OifnameNot(name) => write!(f, "oifname != {} ", nft_quoted(name.as_str()))?,
                Match::Saddr(net) => write!(f, "ip saddr {net} ")?,
                Match::Daddr(net) => write!(f, "ip daddr {net} ")?,
            }
        }
        let action = match self.action {
            Action::Accept => "accept",
            Action::Masquerade => "masquerade",
        };
        write!(f, "{action} comment {}", nft_quoted(&self.comment))
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
                ..
            } => write!(
                f,
                "# delete from {chain} the rule with comment {}",
                nft_quoted(comment)
            ),
            Op::DeleteTable {
                handle: Some(handle),
                ..
            } => write!(f, "delete table ip handle {handle}"),
            Op::DeleteTable {
                table,
                handle: None,
            } => write!(f, "delete table ip {table}"),
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
