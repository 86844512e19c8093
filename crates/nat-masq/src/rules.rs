//! The rules nat-masq keeps for a bridge, its subnets and its published
//! ports, where they go, and how their comments name them. IPv4 rules live
//! in table `ip vethkit`, IPv6 rules in `ip6 vethkit`, as iptables and
//! ip6tables keep theirs apart.

use ipnet::IpNet;
use vethkit_core::name::IfName;
use vethkit_core::nft::{Action, BaseChain, ChainRef, Family, Match, Rule, COMMENT_PREFIX, TABLE};

use crate::publish::{self, Publish};

/// The families vethkit's tables are of.
pub const FAMILIES: [Family; 2] = [Family::Ip, Family::Ip6];

/// vethkit's forward chain of `family`.
pub fn forward(family: Family) -> ChainRef {
    chain(family, TABLE, "forward")
}

/// vethkit's postrouting (nat) chain of `family`.
pub fn postrouting(family: Family) -> ChainRef {
    chain(family, TABLE, "postrouting")
}

/// vethkit's prerouting (nat) chain of `family`: published ports.
pub fn prerouting(family: Family) -> ChainRef {
    chain(family, TABLE, "prerouting")
}

/// vethkit's output (nat) chain of `family`: published ports, for
/// connections from the host itself.
pub fn output(family: Family) -> ChainRef {
    chain(family, TABLE, "output")
}

/// iptables-nft's `ip filter FORWARD`, or ip6tables-nft's `ip6 filter FORWARD`.
pub fn iptables_forward(family: Family) -> ChainRef {
    chain(family, "filter", "FORWARD")
}

fn chain(family: Family, table: &str, name: &str) -> ChainRef {
    ChainRef {
        family,
        table: table.to_string(),
        chain: name.to_string(),
    }
}

/// The chains vethkit's rules can be in.
pub fn all_chains() -> Vec<ChainRef> {
    FAMILIES
        .into_iter()
        .flat_map(|family| {
            [
                forward(family),
                postrouting(family),
                prerouting(family),
                output(family),
                iptables_forward(family),
            ]
        })
        .collect()
}

/// vethkit's base chains of `family` and their hooks.
pub fn base_chains(family: Family) -> [(ChainRef, BaseChain); 4] {
    [
        (forward(family), BaseChain::Forward),
        (postrouting(family), BaseChain::Postrouting),
        (prerouting(family), BaseChain::Prerouting),
        (output(family), BaseChain::Output),
    ]
}

/// What of a bridge's rules a comment names.
#[derive(Clone, Copy, Debug)]
pub enum Part<'a> {
    /// All of them.
    All,
    /// Those of a subnet.
    Subnet(&'a IpNet),
    /// Those of a published port.
    Publish(&'a Publish),
}

/// The comment naming `part` of `bridge`'s rules; every rule of it has
/// this comment, or this and a word or two after a space.
pub fn comment_stem(bridge: &IfName, part: Part) -> String {
    match part {
        Part::All => format!("{COMMENT_PREFIX} {bridge}"),
        Part::Subnet(subnet) => format!("{COMMENT_PREFIX} {bridge} {subnet}"),
        Part::Publish(publish) => format!("{COMMENT_PREFIX} {bridge} publish {publish}"),
    }
}

/// Whether `comment` belongs to `part` of `bridge`'s rules.
pub fn belongs(comment: &str, bridge: &IfName, part: Part) -> bool {
    let stem = comment_stem(bridge, part);
    comment == stem || comment.starts_with(&format!("{stem} "))
}

/// The bridge and the published port a DNAT rule's comment names.
pub fn published_by(comment: &str) -> Option<(String, Publish)> {
    let words: Vec<&str> = comment.split(' ').collect();
    match words.as_slice() {
        [prefix, bridge, "publish", spec, "dnat"] if *prefix == COMMENT_PREFIX => {
            Some((bridge.to_string(), publish::parse(spec).ok()?))
        }
        _ => None,
    }
}

/// A port to publish, with the subnet of the bridge its lab address is in:
/// the hosts of that subnet reach it through the host's address (hairpin),
/// and its replies to them go straight back unless masqueraded.
#[derive(Clone, Copy, Debug)]
pub struct Placed {
    /// The published port.
    pub publish: Publish,
    /// The subnet of the bridge's address its lab address is in.
    pub subnet: IpNet,
}

/// The forward accepts of `family`: between the bridge's ports; for each
/// subnet, its traffic out and the replies back in; for each published
/// port, the connections to it and their replies.
pub fn forward_rules(
    family: Family,
    bridge: &IfName,
    subnets: &[IpNet],
    publishes: &[Placed],
) -> Vec<Rule> {
    let mut rules = vec![Rule {
        matches: vec![
            Match::Iifname(bridge.clone()),
            Match::Oifname(bridge.clone()),
        ],
        action: Action::Accept,
        comment: comment_stem(bridge, Part::All),
    }];
    for subnet in subnets.iter().filter(|subnet| family.can_match(subnet)) {
        let stem = comment_stem(bridge, Part::Subnet(subnet));
        rules.push(Rule {
            matches: vec![Match::Iifname(bridge.clone()), Match::Saddr(*subnet)],
            action: Action::Accept,
            comment: format!("{stem} out"),
        });
        rules.push(Rule {
            matches: vec![Match::Oifname(bridge.clone()), Match::Daddr(*subnet)],
            action: Action::Accept,
            comment: format!("{stem} in"),
        });
    }
    for Placed { publish, .. } in of_family(publishes, family) {
        let stem = comment_stem(bridge, Part::Publish(publish));
        let (to, protocol) = (publish.to, publish.protocol);
        rules.push(Rule {
            matches: vec![
                Match::Oifname(bridge.clone()),
                Match::Daddr(IpNet::from(to.ip())),
                Match::Dport(protocol, to.port()),
            ],
            action: Action::Accept,
            comment: format!("{stem} in"),
        });
        rules.push(Rule {
            matches: vec![
                Match::Iifname(bridge.clone()),
                Match::Saddr(IpNet::from(to.ip())),
                Match::Sport(protocol, to.port()),
            ],
            action: Action::Accept,
            comment: format!("{stem} out"),
        });
    }
    rules
}

/// The postrouting rules of `family`: the masquerade of each subnet
/// leaving through another interface, and of each connection from the
/// published host's own subnet to its published port (hairpin), so that
/// the reply comes back through the host to be translated back.
pub fn postrouting_rules(
    family: Family,
    bridge: &IfName,
    subnets: &[IpNet],
    publishes: &[Placed],
) -> Vec<Rule> {
    let masquerades = subnets
        .iter()
        .filter(|subnet| family.can_match(subnet))
        .map(|subnet| Rule {
            matches: vec![Match::Saddr(*subnet), Match::OifnameNot(bridge.clone())],
            action: Action::Masquerade,
            comment: format!("{} masquerade", comment_stem(bridge, Part::Subnet(subnet))),
        });
    let hairpins = of_family(publishes, family).map(|Placed { publish, subnet }| Rule {
        matches: vec![
            Match::Oifname(bridge.clone()),
            Match::Saddr(*subnet),
            Match::Daddr(IpNet::from(publish.to.ip())),
            Match::Dport(publish.protocol, publish.to.port()),
            Match::DestinationTranslated,
        ],
        action: Action::Masquerade,
        comment: format!(
            "{} hairpin {subnet}",
            comment_stem(bridge, Part::Publish(publish))
        ),
    });
    masquerades.chain(hairpins).collect()
}

/// The DNAT of each published port of `family`, for connections arriving
/// (prerouting: from outside, and from the lab), or, when `from_host`, for
/// those the host makes itself (output), where loopback is left alone.
pub fn dnat_rules(
    family: Family,
    bridge: &IfName,
    publishes: &[Placed],
    from_host: bool,
) -> Vec<Rule> {
    of_family(publishes, family)
        .map(|Placed { publish, .. }| {
            let mut matches = match publish.host_ip {
                Some(ip) => vec![Match::Daddr(IpNet::from(ip))],
                None if from_host => vec![Match::DaddrNot(loopback(family)), Match::DaddrLocal],
                None => vec![Match::DaddrLocal],
            };
            matches.push(Match::Dport(publish.protocol, publish.host_port));
            let stem = comment_stem(bridge, Part::Publish(publish));
            Rule {
                matches,
                action: Action::Dnat(publish.to),
                comment: if from_host {
                    format!("{stem} dnat here")
                } else {
                    format!("{stem} dnat")
                },
            }
        })
        .collect()
}

/// The loopback addresses of `family`.
fn loopback(family: Family) -> IpNet {
    match family {
        Family::Ip6 => "::1/128".parse().expect("a prefix"),
        _ => "127.0.0.0/8".parse().expect("a prefix"),
    }
}

/// The published ports whose rules go in tables of `family`.
pub fn of_family<T: AsRef<Publish>>(publishes: &[T], family: Family) -> impl Iterator<Item = &T> {
    publishes
        .iter()
        .filter(move |publish| publish.as_ref().family() == family)
}

impl AsRef<Publish> for Placed {
    fn as_ref(&self) -> &Publish {
        &self.publish
    }
}
