//! The rules nat-masq keeps for a bridge and its subnets, where they go,
//! and how their comments name them.

use ipnet::Ipv4Net;
use vethkit_core::name::IfName;
use vethkit_core::nft::{Action, BaseChain, ChainRef, Family, Match, Rule, COMMENT_PREFIX, TABLE};

/// vethkit's forward chain.
pub fn forward() -> ChainRef {
    chain(TABLE, "forward")
}

/// vethkit's postrouting (nat) chain.
pub fn postrouting() -> ChainRef {
    chain(TABLE, "postrouting")
}

/// iptables-nft's `ip filter FORWARD`.
pub fn iptables_forward() -> ChainRef {
    chain("filter", "FORWARD")
}

fn chain(table: &str, name: &str) -> ChainRef {
    ChainRef {
        family: Family::Ip,
        table: table.to_string(),
        chain: name.to_string(),
    }
}

/// The chains vethkit's rules can be in.
pub fn all_chains() -> [ChainRef; 3] {
    [forward(), postrouting(), iptables_forward()]
}

/// vethkit's base chains and their hooks.
pub fn base_chains() -> [(ChainRef, BaseChain); 2] {
    [
        (forward(), BaseChain::Forward),
        (postrouting(), BaseChain::Postrouting),
    ]
}

/// The comment naming everything of `bridge` (and of `subnet`).
pub fn comment_stem(bridge: &IfName, subnet: Option<&Ipv4Net>) -> String {
    match subnet {
        Some(subnet) => format!("{COMMENT_PREFIX} {bridge} {subnet}"),
        None => format!("{COMMENT_PREFIX} {bridge}"),
    }
}

/// Whether `comment` belongs to `bridge` (and to `subnet`, when given).
pub fn belongs(comment: &str, bridge: &IfName, subnet: Option<&Ipv4Net>) -> bool {
    let stem = comment_stem(bridge, subnet);
    comment == stem || comment.starts_with(&format!("{stem} "))
}

/// The forward accepts: between the bridge's ports, and, for each subnet,
/// its traffic out and the replies back in.
pub fn forward_rules(bridge: &IfName, subnets: &[Ipv4Net]) -> Vec<Rule> {
    let mut rules = vec![Rule {
        matches: vec![
            Match::Iifname(bridge.clone()),
            Match::Oifname(bridge.clone()),
        ],
        action: Action::Accept,
        comment: comment_stem(bridge, None),
    }];
    for subnet in subnets {
        let stem = comment_stem(bridge, Some(subnet));
        rules.push(Rule {
            matches: vec![
                Match::Iifname(bridge.clone()),
                Match::Saddr((*subnet).into()),
            ],
            action: Action::Accept,
            comment: format!("{stem} out"),
        });
        rules.push(Rule {
            matches: vec![
                Match::Oifname(bridge.clone()),
                Match::Daddr((*subnet).into()),
            ],
            action: Action::Accept,
            comment: format!("{stem} in"),
        });
    }
    rules
}

/// The masquerade of each subnet leaving through another interface.
pub fn masquerade_rules(bridge: &IfName, subnets: &[Ipv4Net]) -> Vec<Rule> {
    subnets
        .iter()
        .map(|subnet| Rule {
            matches: vec![
                Match::Saddr((*subnet).into()),
                Match::OifnameNot(bridge.clone()),
            ],
            action: Action::Masquerade,
            comment: format!("{} masquerade", comment_stem(bridge, Some(subnet))),
        })
        .collect()
}
