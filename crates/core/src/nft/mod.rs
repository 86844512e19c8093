//! nf_tables over netlink: the tables, chains and rules vethkit makes, each
//! printable as the `nft` line that makes the same, sent as one atomic batch
//! ([`batch`]), and found again by their handles, which the kernel echoes
//! when they are made, or, in journals of earlier versions, by the comment
//! every vethkit rule carries ([`undo`]).
//!
//! Rules are built only from expressions iptables-nft also understands
//! ([`expr`]), so a rule put in iptables' own chains leaves `iptables -S`
//! working; `masq` goes only into vethkit's table.

mod batch;
mod expr;
mod listing;
mod undo;

use std::fmt;
use std::net::SocketAddr;

use ipnet::IpNet;
use netlink_packet_netfilter::nftables::NfTablesMessage;
use netlink_packet_netfilter::{NetfilterHeader, NetfilterMessage, NetfilterProtoFamily};
use serde::{Deserialize, Serialize};

pub use batch::{apply, Applied};
pub use listing::{chain_exists, rules, table_handle, ListedRule};
pub use undo::{pin, resolve, undo, Handles, Resolved};

use crate::name::IfName;
use crate::netlink::{KernelError, NetlinkSocket};

/// Every comment of a vethkit rule starts with this.
pub const COMMENT_PREFIX: &str = "vethkit:";

/// The name of vethkit's own tables.
pub const TABLE: &str = "vethkit";

/// A socket speaking nfnetlink, in the namespace it was opened in.
pub struct NetfilterSocket(NetlinkSocket);

impl NetfilterSocket {
    /// Opens one in the calling thread's namespace.
    pub fn open() -> std::io::Result<Self> {
        NetlinkSocket::open(netlink_sys::protocols::NETLINK_NETFILTER).map(NetfilterSocket)
    }

    fn get(&mut self, message: NetfilterMessage) -> Result<NetfilterMessage, KernelError> {
        self.0.get(message)
    }

    fn dump(&mut self, message: NetfilterMessage) -> Result<Vec<NetfilterMessage>, KernelError> {
        self.0.dump(message)
    }

    fn transaction(
        &mut self,
        begin: NetfilterMessage,
        messages: Vec<(NetfilterMessage, u16)>,
        end: NetfilterMessage,
    ) -> Result<Vec<NetfilterMessage>, KernelError> {
        self.0.transaction(begin, messages, end)
    }
}

/// An nf_tables family.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    /// `ip`: IPv4.
    #[default]
    Ip,
    /// `ip6`: IPv6.
    Ip6,
    /// `inet`: both.
    Inet,
}

impl Family {
    /// Whether it is `ip`, which journals of earlier versions leave unsaid.
    pub fn is_ip(&self) -> bool {
        *self == Family::Ip
    }

    fn protocol(self) -> NetfilterProtoFamily {
        match self {
            Family::Ip => NetfilterProtoFamily::IPv4,
            Family::Ip6 => NetfilterProtoFamily::IPv6,
            Family::Inet => NetfilterProtoFamily::Inet,
        }
    }

    fn of(protocol: NetfilterProtoFamily) -> Option<Self> {
        match protocol {
            NetfilterProtoFamily::IPv4 => Some(Family::Ip),
            NetfilterProtoFamily::IPv6 => Some(Family::Ip6),
            NetfilterProtoFamily::Inet => Some(Family::Inet),
            _ => None,
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Family::Ip => "ip",
            Family::Ip6 => "ip6",
            Family::Inet => "inet",
        })
    }
}

impl Family {
    /// Whether a rule in a table of this family can match addresses of
    /// `net`'s family.
    pub fn can_match(self, net: &IpNet) -> bool {
        matches!(
            (self, net),
            (Family::Inet, _) | (Family::Ip, IpNet::V4(_)) | (Family::Ip6, IpNet::V6(_))
        )
    }
}

/// An nf_tables message of `family`.
fn message(family: Family, inner: NfTablesMessage) -> NetfilterMessage {
    NetfilterMessage::new(NetfilterHeader::new(family.protocol(), 0, 0), inner)
}

/// The transport protocol of a port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Protocol {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

impl Protocol {
    /// Its number, as the IP header (and `meta l4proto`) carries it.
    pub fn number(self) -> u8 {
        match self {
            Protocol::Tcp => 6,
            Protocol::Udp => 17,
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        })
    }
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
    /// `ip saddr NET` or `ip6 saddr NET`
    Saddr(IpNet),
    /// `ip daddr NET` or `ip6 daddr NET`
    Daddr(IpNet),
    /// `ip daddr != NET` or `ip6 daddr != NET`
    DaddrNot(IpNet),
    /// `fib daddr type local`: addressed to this namespace.
    DaddrLocal,
    /// `tcp dport PORT` or `udp dport PORT`
    Dport(Protocol, u16),
    /// `tcp sport PORT` or `udp sport PORT`
    Sport(Protocol, u16),
    /// `ct status dnat`: of a connection whose destination was translated.
    DestinationTranslated,
}

/// What a rule does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// `accept`
    Accept,
    /// `masquerade`
    Masquerade,
    /// `dnat to ADDR:PORT`
    Dnat(SocketAddr),
}

/// A rule, with its `vethkit:` comment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// What a packet must match, all of it.
    pub matches: Vec<Match>,
    /// What is done with a packet that does.
    pub action: Action,
    /// Its comment, which begins with [`COMMENT_PREFIX`].
    pub comment: String,
}

/// A chain, by its table's family and name and its own name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChainRef {
    /// The table's family (`ip` unless said otherwise).
    #[serde(default, skip_serializing_if = "Family::is_ip")]
    pub family: Family,
    /// The table's name.
    pub table: String,
    /// The chain's name.
    pub chain: String,
}

/// What a base chain vethkit makes hooks into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BaseChain {
    /// `type filter hook forward priority 0; policy accept;`
    Forward,
    /// `type nat hook postrouting priority 100; policy accept;`
    Postrouting,
    /// `type nat hook prerouting priority -100; policy accept;`
    Prerouting,
    /// `type nat hook output priority -100; policy accept;`
    Output,
}

impl BaseChain {
    /// Its type, hook and priority, as `nft` names them.
    pub(crate) fn hooked(self) -> (&'static str, &'static str, i32) {
        match self {
            BaseChain::Forward => ("filter", "forward", 0),
            BaseChain::Postrouting => ("nat", "postrouting", 100),
            BaseChain::Prerouting => ("nat", "prerouting", -100),
            BaseChain::Output => ("nat", "output", -100),
        }
    }
}

/// One operation of a transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum Op {
    /// `add table FAMILY TABLE`
    AddTable {
        /// `FAMILY` (`ip` unless said otherwise).
        #[serde(default, skip_serializing_if = "Family::is_ip")]
        family: Family,
        /// `TABLE`.
        table: String,
    },
    /// `add chain FAMILY TABLE CHAIN { type ... hook ... }`
    AddChain {
        /// `FAMILY TABLE CHAIN`.
        chain: ChainRef,
        /// `{ type ... hook ... }`: what it hooks into.
        base: BaseChain,
    },
    /// `add rule ...` (at the end), or `insert rule ...` (at the start).
    AddRule {
        /// `FAMILY TABLE CHAIN`: where the rule goes.
        chain: ChainRef,
        /// Its matches, verdict and comment.
        rule: Rule,
        /// At the start of the chain rather than the end.
        insert: bool,
    },
    /// `delete rule FAMILY TABLE CHAIN handle H`: the rule of handle
    /// `handle` while it carries `comment` (and while its table is the one
    /// of handle `table_handle`, when known); without a handle, each rule
    /// of the chain carrying exactly `comment`. Nothing when there is none.
    DeleteRule {
        /// `FAMILY TABLE CHAIN`: where the rule is.
        chain: ChainRef,
        /// The comment that tells it from other rules.
        comment: String,
        /// `handle H`, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        handle: Option<u64>,
        /// The handle of its table, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        table_handle: Option<u64>,
    },
    /// `delete table FAMILY TABLE`, or `delete table FAMILY handle H`: the
    /// table of handle `handle`, when known. Nothing when it is gone.
    DeleteTable {
        /// `FAMILY` (`ip` unless said otherwise).
        #[serde(default, skip_serializing_if = "Family::is_ip")]
        family: Family,
        /// `TABLE`.
        table: String,
        /// `handle H`, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        handle: Option<u64>,
    },
}

/// Quotes a string as nft does.
fn nft_quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

impl fmt::Display for ChainRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.family, self.table, self.chain)
    }
}

impl fmt::Display for Match {
    /// The match in nft syntax.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let family = |net: &IpNet| match net {
            IpNet::V4(_) => "ip",
            IpNet::V6(_) => "ip6",
        };
        match self {
            Match::Iifname(name) => write!(f, "iifname {}", nft_quoted(name.as_str())),
            Match::Oifname(name) => write!(f, "oifname {}", nft_quoted(name.as_str())),
            Match::OifnameNot(name) => write!(f, "oifname != {}", nft_quoted(name.as_str())),
            Match::Saddr(net) => write!(f, "{} saddr {net}", family(net)),
            Match::Daddr(net) => write!(f, "{} daddr {net}", family(net)),
            Match::DaddrNot(net) => write!(f, "{} daddr != {net}", family(net)),
            Match::DaddrLocal => f.write_str("fib daddr type local"),
            Match::Dport(protocol, port) => write!(f, "{protocol} dport {port}"),
            Match::Sport(protocol, port) => write!(f, "{protocol} sport {port}"),
            Match::DestinationTranslated => f.write_str("ct status dnat"),
        }
    }
}

impl fmt::Display for Rule {
    /// The rule in nft syntax.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for matching in &self.matches {
            write!(f, "{matching} ")?;
        }
        match self.action {
            Action::Accept => f.write_str("accept")?,
            Action::Masquerade => f.write_str("masquerade")?,
            Action::Dnat(to) => write!(f, "dnat to {to}")?,
        }
        write!(f, " comment {}", nft_quoted(&self.comment))
    }
}

impl fmt::Display for Op {
    /// The operation as an `nft -f` line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::AddTable { family, table } => write!(f, "add table {family} {table}"),
            Op::AddChain { chain, base } => {
                let (kind, hook, priority) = base.hooked();
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
                family,
                handle: Some(handle),
                ..
            } => write!(f, "delete table {family} handle {handle}"),
            Op::DeleteTable {
                family,
                table,
                handle: None,
            } => write!(f, "delete table {family} {table}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
                family: Family::Ip,
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
        let v6 = Match::Daddr("fd00:1::/64".parse().unwrap());
        assert_eq!(v6.to_string(), "ip6 daddr fd00:1::/64");
    }

    #[test]
    fn ops_of_family_ip_keep_the_journal_form_of_earlier_versions() {
        let json = r#"{"op":"delete-rule","chain":{"table":"vethkit","chain":"forward"},"comment":"vethkit: br0"}"#;
        let op: Op = serde_json::from_str(json).unwrap();
        assert_eq!(serde_json::to_string(&op).unwrap(), json);
        let json = r#"{"op":"delete-table","table":"vethkit"}"#;
        let op: Op = serde_json::from_str(json).unwrap();
        assert_eq!(serde_json::to_string(&op).unwrap(), json);
        let op = Op::DeleteTable {
            family: Family::Ip6,
            table: TABLE.into(),
            handle: Some(3),
        };
        assert_eq!(
            serde_json::to_string(&op).unwrap(),
            r#"{"op":"delete-table","family":"ip6","table":"vethkit","handle":3}"#
        );
        assert_eq!(op.to_string(), "delete table ip6 handle 3");
    }
}
