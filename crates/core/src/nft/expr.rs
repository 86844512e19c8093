//! The expressions vethkit's rules are made of, as nft and iptables-nft
//! both encode them (meta iifname/oifname with cmp, payload with bitwise
//! and cmp for addresses, meta l4proto and payload for ports, an immediate
//! verdict), those only vethkit's own table holds (fib, ct, masq, nat),
//! and the comment in a rule's userdata.

use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;
use netlink_packet_core::DefaultNla;
use netlink_packet_netfilter::nftables::{
    Bitwise, ChainAttribute, ChainMessage, Cmp, DataAttribute, Expressions, Hook, HookNumber,
    Immediate, InetHookNumber, ListAttribute, Meta, MetaKey, Operator, Payload, Register,
    RuleAttribute, RuleMessage, Verdict, VerdictAttribute,
};

use super::{Action, BaseChain, ChainRef, Family, Match, Protocol, Rule};
use crate::name::IfName;

/// `NF_ACCEPT`.
const ACCEPT: u32 = 1;
/// `NFT_PAYLOAD_NETWORK_HEADER` and `NFT_PAYLOAD_TRANSPORT_HEADER`.
const NETWORK_HEADER: u32 = 1;
const TRANSPORT_HEADER: u32 = 2;
/// `NFTA_FIB_DREG`, `NFTA_FIB_RESULT`, `NFTA_FIB_FLAGS`; the result
/// `NFT_FIB_RESULT_ADDRTYPE` of the flag `NFTA_FIB_F_DADDR`; `RTN_LOCAL`.
const FIB_DREG: u16 = 1;
const FIB_RESULT: u16 = 2;
const FIB_FLAGS: u16 = 3;
const FIB_RESULT_ADDRTYPE: u32 = 3;
const FIB_F_DADDR: u32 = 2;
const RTN_LOCAL: u32 = 2;
/// `NFTA_CT_DREG`, `NFTA_CT_KEY`; the key `NFT_CT_STATUS`; `IPS_DST_NAT`.
const CT_DREG: u16 = 1;
const CT_KEY: u16 = 2;
const CT_STATUS: u32 = 2;
const IPS_DST_NAT: u32 = 0x20;
/// `NFTA_NAT_TYPE`, `NFTA_NAT_FAMILY`, `NFTA_NAT_REG_ADDR_MIN`,
/// `NFTA_NAT_REG_PROTO_MIN`, `NFTA_NAT_FLAGS`; the type `NFT_NAT_DNAT`; the
/// flag `NF_NAT_RANGE_PROTO_SPECIFIED`.
const NAT_TYPE: u16 = 1;
const NAT_FAMILY: u16 = 2;
const NAT_REG_ADDR_MIN: u16 = 3;
const NAT_REG_PROTO_MIN: u16 = 5;
const NAT_FLAGS: u16 = 7;
const NAT_DNAT: u32 = 1;
const NAT_RANGE_PROTO_SPECIFIED: u32 = 2;
/// `NFT_REG_1` and `NFT_REG_2`, as a register is named in an attribute.
const REG_1: u32 = 1;
const REG_2: u32 = 2;
/// `NFTNL_UDATA_RULE_COMMENT`, the comment's type in rule userdata.
const COMMENT_UDATA: u8 = 0;
/// `IFNAMSIZ`: nft compares interface names over this many bytes.
const IFNAMSIZ: usize = 16;
/// `NFPROTO_IPV4` and `NFPROTO_IPV6`, which `meta nfproto` loads.
const NFPROTO_IPV4: u8 = 2;
const NFPROTO_IPV6: u8 = 10;

/// The base chain `chain`, hooked as `base` says, its policy accept.
pub(super) fn chain_message(chain: &ChainRef, base: BaseChain) -> ChainMessage {
    let (kind, _, priority) = base.hooked();
    let hook = match base {
        BaseChain::Forward => InetHookNumber::Forward,
        BaseChain::Postrouting => InetHookNumber::PostRouting,
        BaseChain::Prerouting => InetHookNumber::PreRouting,
        BaseChain::Output => InetHookNumber::LocalOut,
    };
    ChainMessage {
        attributes: vec![
            ChainAttribute::Table(chain.table.clone()),
            ChainAttribute::Name(chain.chain.clone()),
            ChainAttribute::Hook(vec![
                Hook::Number(HookNumber::Inet(hook)),
                Hook::Priority(priority as u32),
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
            Match::Saddr(net) => expressions.extend(address(chain.family, true, true, net)),
            Match::Daddr(net) => expressions.extend(address(chain.family, false, true, net)),
            Match::DaddrNot(net) => expressions.extend(address(chain.family, false, false, net)),
            Match::DaddrLocal => expressions.extend(daddr_local()),
            Match::Dport(protocol, port) => expressions.extend(port_is(*protocol, false, *port)),
            Match::Sport(protocol, port) => expressions.extend(port_is(*protocol, true, *port)),
            Match::DestinationTranslated => expressions.extend(destination_translated()),
        }
    }
    match rule.action {
        Action::Accept => expressions.push(Expressions::Immediate(vec![
            Immediate::DestinationRegister(Register::Verdict),
            Immediate::Data(DataAttribute::Verdict(vec![VerdictAttribute::Code(
                Verdict::Other(ACCEPT),
            )])),
        ])),
        Action::Masquerade => expressions.push(other("masq", Vec::new())),
        Action::Dnat(to) => expressions.extend(dnat(to)),
    }
    RuleMessage {
        attributes: vec![
            RuleAttribute::Table(chain.table.clone()),
            RuleAttribute::Chain(chain.chain.clone()),
            RuleAttribute::Expressions(expressions.into_iter().map(ListAttribute::from).collect()),
            RuleAttribute::UserData(comment_udata(&rule.comment)),
        ],
    }
}

/// An expression the netlink crate has no type for: its name, and its
/// attributes, each a big-endian number.
fn other(name: &str, attributes: Vec<(u16, u32)>) -> Expressions {
    Expressions::Other {
        expression_type: name.to_string(),
        attributes: attributes
            .into_iter()
            .map(|(kind, value)| DefaultNla::new(kind, value.to_be_bytes().to_vec()))
            .collect(),
    }
}

/// `cmp eq|neq reg 1 VALUE`.
fn reg1_is(equal: bool, value: Vec<u8>) -> Expressions {
    let operator = if equal {
        Operator::Equal
    } else {
        Operator::NotEqual
    };
    Expressions::Cmp(vec![
        Cmp::SourceRegister(Register::Reg1),
        Cmp::Op(operator),
        Cmp::Data(DataAttribute::Value(value)),
    ])
}

/// `meta load KEY => reg 1; cmp eq|neq reg 1 VALUE`.
fn meta_is(key: MetaKey, equal: bool, value: Vec<u8>) -> [Expressions; 2] {
    [
        Expressions::Meta(vec![
            Meta::DestinationRegister(Register::Reg1),
            Meta::Key(key),
        ]),
        reg1_is(equal, value),
    ]
}

/// `fib daddr type local`: `fib daddr type => reg 1; cmp eq reg 1 RTN_LOCAL`.
fn daddr_local() -> [Expressions; 2] {
    [
        other(
            "fib",
            vec![
                (FIB_DREG, REG_1),
                (FIB_RESULT, FIB_RESULT_ADDRTYPE),
                (FIB_FLAGS, FIB_F_DADDR),
            ],
        ),
        reg1_is(true, RTN_LOCAL.to_ne_bytes().to_vec()),
    ]
}

/// `tcp dport PORT` (or `sport`, or `udp`): the protocol checked with
/// `meta l4proto`, then two bytes of the transport header, as nft and
/// iptables-nft both encode it.
fn port_is(protocol: Protocol, source: bool, port: u16) -> [Expressions; 4] {
    let [load, protocol_is] = meta_is(MetaKey::L4Proto, true, vec![protocol.number()]);
    [
        load,
        protocol_is,
        Expressions::Payload(vec![
            Payload::DestinationRegister(Register::Reg1),
            Payload::Base(TRANSPORT_HEADER),
            Payload::Offset(if source { 0 } else { 2 }),
            Payload::Len(2),
        ]),
        reg1_is(true, port.to_be_bytes().to_vec()),
    ]
}

/// `ct status dnat`: the status bit of a translated destination, masked,
/// is not zero.
fn destination_translated() -> [Expressions; 3] {
    [
        other("ct", vec![(CT_DREG, REG_1), (CT_KEY, CT_STATUS)]),
        Expressions::Bitwise(vec![
            Bitwise::SourceRegister(Register::Reg1),
            Bitwise::DestinationRegister(Register::Reg1),
            Bitwise::Length(4),
            Bitwise::Mask(DataAttribute::Value(IPS_DST_NAT.to_ne_bytes().to_vec())),
            Bitwise::Xor(DataAttribute::Value(vec![0; 4])),
        ]),
        reg1_is(false, vec![0; 4]),
    ]
}

/// `dnat to ADDR:PORT`: the address into register 1, the port into
/// register 2, and the translation from them.
fn dnat(to: SocketAddr) -> [Expressions; 3] {
    let immediate = |register, value: Vec<u8>| {
        Expressions::Immediate(vec![
            Immediate::DestinationRegister(register),
            Immediate::Data(DataAttribute::Value(value)),
        ])
    };
    let (address, family) = match to.ip() {
        IpAddr::V4(v4) => (v4.octets().to_vec(), NFPROTO_IPV4),
        IpAddr::V6(v6) => (v6.octets().to_vec(), NFPROTO_IPV6),
    };
    [
        immediate(Register::Reg1, address),
        immediate(Register::Reg2, to.port().to_be_bytes().to_vec()),
        other(
            "nat",
            vec![
                (NAT_TYPE, NAT_DNAT),
                (NAT_FAMILY, u32::from(family)),
                (NAT_REG_ADDR_MIN, REG_1),
                (NAT_REG_PROTO_MIN, REG_2),
                (NAT_FLAGS, NAT_RANGE_PROTO_SPECIFIED),
            ],
        ),
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

/// The source (or destination) address is (`within`) or is not within
/// `net`. A prefix of whole bytes loads and compares just those; any other
/// loads the whole address, masks, and compares. In an `inet` table, the
/// packet's family is checked first, as nft does.
fn address(family: Family, source: bool, within: bool, net: &IpNet) -> Vec<Expressions> {
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
    expressions.push(reg1_is(within, network));
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
        assert_eq!(address(Family::Ip, true, true, &ip("10.1.1.0/24")).len(), 2);
        assert_eq!(
            address(Family::Ip, true, true, &ip("10.1.1.128/25")).len(),
            3
        );
        assert!(address(Family::Ip, true, true, &ip("0.0.0.0/0")).is_empty());
        assert_eq!(
            address(Family::Ip6, false, true, &ip("fd00:1::/64")).len(),
            2
        );
        assert_eq!(
            address(Family::Inet, true, true, &ip("fd00:1::/60")).len(),
            5
        );
        assert_eq!(address(Family::Inet, true, true, &ip("0.0.0.0/0")).len(), 2);
    }
}
