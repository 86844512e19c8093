//! The expressions vethkit's rules are made of, as nft and iptables-nft
//! both encode them (meta iifname/oifname with cmp, payload with bitwise
//! and cmp for addresses, an immediate verdict, masq), and the comment in
//! a rule's userdata.

use ipnet::IpNet;
use netlink_packet_netfilter::nftables::{
    Bitwise, ChainAttribute, ChainMessage, Cmp, DataAttribute, Expressions, Hook, HookNumber,
    Immediate, InetHookNumber, ListAttribute, Meta, MetaKey, Operator, Payload, Register,
    RuleAttribute, RuleMessage, Verdict, VerdictAttribute,
};

use super::{Action, BaseChain, ChainRef, Family, Match, Rule};
use crate::name::IfName;

/// `NF_ACCEPT`.
const ACCEPT: u32 = 1;
/// `NFT_PAYLOAD_NETWORK_HEADER`.
const NETWORK_HEADER: u32 = 1;
/// `NFTNL_UDATA_RULE_COMMENT`, the comment's type in rule userdata.
const COMMENT_UDATA: u8 = 0;
/// `IFNAMSIZ`: nft compares interface names over this many bytes.
const IFNAMSIZ: usize = 16;
/// `NFPROTO_IPV4` and `NFPROTO_IPV6`, which `meta nfproto` loads.
const NFPROTO_IPV4: u8 = 2;
const NFPROTO_IPV6: u8 = 10;

/// The base chain `chain`, hooked as `base` says, its policy accept.
pub(super) fn chain_message(chain: &ChainRef, base: BaseChain) -> ChainMessage {
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

/// `rule` in `chain`, interface names compared as iptables-nft compares
/// them when `iptables_style`, as nft does otherwise.
pub(super) fn rule_message(chain: &ChainRef, rule: &Rule, iptables_style: bool) -> RuleMessage {
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
            Match::Saddr(net) => expressions.extend(address(chain.family, true, net)),
            Match::Daddr(net) => expressions.extend(address(chain.family, false, net)),
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

/// `meta load KEY => reg 1; cmp eq|neq reg 1 VALUE`.
fn meta_is(key: MetaKey, equal: bool, value: Vec<u8>) -> [Expressions; 2] {
    let operator = if equal {
        Operator::Equal
    } else {
        Operator::NotEqual
    };
    [
        Expressions::Meta(vec![
            Meta::DestinationRegister(Register::Reg1),
            Meta::Key(key),
        ]),
        Expressions::Cmp(vec![
            Cmp::SourceRegister(Register::Reg1),
            Cmp::Op(operator),
            Cmp::Data(DataAttribute::Value(value)),
        ]),
    ]
}

/// The interface name `key` is (`equal`) or is not `name`. nft compares all
/// 16 bytes of the name; iptables-nft the name and its NUL.
fn interface(key: MetaKey, name: &IfName, equal: bool, iptables_style: bool) -> [Expressions; 2] {
    let mut bytes = name.as_str().as_bytes().to_vec();
    let length = if iptables_style {
        bytes.len() + 1
    } else {
        IFNAMSIZ
    };
    bytes.resize(length, 0);
    meta_is(key, equal, bytes)
}

/// The source (or destination) address is within `net`. A prefix of whole
/// bytes loads and compares just those; any other loads the whole address,
/// masks, and compares. In an `inet` table, the packet's family is checked
/// first, as nft does.
fn address(family: Family, source: bool, net: &IpNet) -> Vec<Expressions> {
    let (offset, size, nfproto) = match (net, source) {
        (IpNet::V4(_), true) => (12, 4, NFPROTO_IPV4),
        (IpNet::V4(_), false) => (16, 4, NFPROTO_IPV4),
        (IpNet::V6(_), true) => (8, 16, NFPROTO_IPV6),
        (IpNet::V6(_), false) => (24, 16, NFPROTO_IPV6),
    };
    let mut expressions = Vec::new();
    if family == Family::Inet {
        expressions.extend(meta_is(MetaKey::Nfproto, true, vec![nfproto]));
    }
    let prefix = u32::from(net.prefix_len());
    if prefix == 0 {
        return expressions;
    }
    let whole_bytes = prefix % 8 == 0;
    let length = if whole_bytes { prefix / 8 } else { size };
    let octets = |ip: std::net::IpAddr| match ip {
        std::net::IpAddr::V4(v4) => v4.octets().to_vec(),
        std::net::IpAddr::V6(v6) => v6.octets().to_vec(),
    };
    let network = octets(net.network())[..length as usize].to_vec();
    expressions.push(Expressions::Payload(vec![
        Payload::DestinationRegister(Register::Reg1),
        Payload::Base(NETWORK_HEADER),
        Payload::Offset(offset),
        Payload::Len(length),
    ]));
    if !whole_bytes {
        expressions.push(Expressions::Bitwise(vec![
            Bitwise::SourceRegister(Register::Reg1),
            Bitwise::DestinationRegister(Register::Reg1),
            Bitwise::Length(length),
            Bitwise::Mask(DataAttribute::Value(octets(net.netmask()))),
            Bitwise::Xor(DataAttribute::Value(vec![0; size as usize])),
        ]));
    }
    expressions.push(Expressions::Cmp(vec![
        Cmp::SourceRegister(Register::Reg1),
        Cmp::Op(Operator::Equal),
        Cmp::Data(DataAttribute::Value(network)),
    ]));
    expressions
}

/// The comment in rule userdata (type-length-value records).
pub(super) fn comment_of(data: &[u8]) -> Option<String> {
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
    fn prefixes_load_whole_bytes_and_mask_the_rest() {
        let ip = |text: &str| text.parse::<IpNet>().unwrap();
        assert_eq!(address(Family::Ip, true, &ip("10.1.1.0/24")).len(), 2);
        assert_eq!(address(Family::Ip, true, &ip("10.1.1.128/25")).len(), 3);
        assert!(address(Family::Ip, true, &ip("0.0.0.0/0")).is_empty());
        assert_eq!(address(Family::Ip6, false, &ip("fd00:1::/64")).len(), 2);
        assert_eq!(address(Family::Inet, true, &ip("fd00:1::/60")).len(), 5);
        assert_eq!(address(Family::Inet, true, &ip("0.0.0.0/0")).len(), 2);
    }
}
