//! The command line of nat-masq.

use clap::Parser;
use ipnet::IpNet;
use vethkit_core::cli::{is_link_local, Changes, Json};
use vethkit_core::error::quoted;
use vethkit_core::manual::{Example, Manual, EXIT_STATUSES};
use vethkit_core::name::IfName;

use crate::publish::{self, Publish};

/// Accept forwarding on a bridge, masquerade its subnets and publish ports
/// of its hosts, in nf_tables.
///
/// Replaces `iptables -A FORWARD -i BRIDGE -o BRIDGE -j ACCEPT`; for each
/// SUBNET, `iptables -t nat -A POSTROUTING -s SUBNET ! -o BRIDGE -j
/// MASQUERADE` (ip6tables for an IPv6 one) with the forward accepts it
/// needs; for each `--publish`, `iptables -t nat -A PREROUTING ... -j DNAT`
/// and what a published port needs besides; and `net.ipv4.ip_forward=1`
/// or `net.ipv6.conf.all.forwarding=1` (recorded; reset restores them).
/// IPv4 rules live in table `ip vethkit`, IPv6 rules in `ip6 vethkit`;
/// where iptables-nft's `ip filter FORWARD` (or ip6tables-nft's `ip6 filter
/// FORWARD`) chain exists (a host with Docker, say), the forward accepts go
/// there too, so its DROP policy does not stop them. Spoken over netlink:
/// no nft or iptables needed.
#[derive(Debug, Parser)]
#[command(
    name = "nat-masq",
    version,
    override_usage = "nat-masq [--dry-run] [--verbose] [--json] BRIDGE [SUBNET...] [--publish SPEC]...\n       nat-masq --delete [--dry-run] [--verbose] BRIDGE [SUBNET...] [--publish SPEC]...\n       nat-masq --list [--json] [BRIDGE]",
    after_help = MANUAL.after_help(),
    mut_arg("json", |arg| arg.help(
        "Print the rules as one JSON array: those of BRIDGE once done, or all of vethkit's with no BRIDGE"
    )),
    mut_arg("dry_run", |arg| arg
        .help("Print the equivalent commands (an nft -f here-document, sysctl -w) for sh, and change nothing")
        .conflicts_with("list"))
)]
pub struct Cli {
    /// The bridge whose traffic is forwarded
    #[arg(value_name = "BRIDGE", required_unless_present_any = ["list", "json"])]
    pub bridge: Option<IfName>,

    /// Subnets behind the bridge to masquerade, IPv4 or IPv6
    #[arg(value_name = "SUBNET", value_parser = parse_subnet)]
    pub subnets: Vec<IpNet>,

    /// Send connections to HOSTPORT (on HOSTIP, or on every address of this
    /// host) on to ADDR:PORT, a host on the bridge; IPv6 addresses in
    /// brackets; TCP unless /udp (repeatable)
    #[arg(
        long,
        short = 'p',
        value_name = "[HOSTIP:]HOSTPORT:ADDR:PORT[/tcp|/udp]",
        value_parser = publish::parse
    )]
    pub publish: Vec<Publish>,

    /// Remove vethkit's rules for BRIDGE (only those of SUBNETs and
    /// published ports, when given)
    #[arg(long, conflicts_with = "list")]
    pub delete: bool,

    /// Show vethkit's rules (those of BRIDGE, when given)
    #[arg(long, conflicts_with_all = ["subnets", "publish", "dry_run"])]
    pub list: bool,

    /// `--json`: whether what is printed is JSON.
    #[command(flatten)]
    pub json: Json,

    /// `--dry-run` and `--verbose`: what the executor is to do.
    #[command(flatten)]
    pub changes: Changes,
}

impl Cli {
    /// Refuses what clap cannot: a port published twice in one call.
    pub fn check(&self) -> Result<(), String> {
        for (at, publish) in self.publish.iter().enumerate() {
            if let Some(other) = self.publish[..at]
                .iter()
                .find(|other| other.overlaps(publish))
            {
                return Err(format!(
                    "--publish {publish}: {} is published twice (also --publish {other})",
                    publish.host_side()
                ));
            }
        }
        Ok(())
    }
}

/// A subnet given as its network address, one a lab's hosts can be in.
fn parse_subnet(text: &str) -> Result<IpNet, String> {
    let net: IpNet = text.parse().map_err(|_| {
        format!(
            "{} is not a subnet (like 10.1.1.0/24 or fd00:1::/64)",
            quoted(text)
        )
    })?;
    if net.network() != net.addr() {
        return Err(format!(
            "{net} has host bits set: give the network, {}",
            net.trunc()
        ));
    }
    if net.prefix_len() == 0 {
        return Err(format!(
            "{net} is every address: it would masquerade this host's own traffic too; give the lab's subnet"
        ));
    }
    if net.network().is_multicast() {
        return Err(format!(
            "{net} is a multicast range: no host has an address in it"
        ));
    }
    if is_link_local(&net.network()) {
        return Err(format!(
            "{net} is link-local: such addresses are never routed, so there is nothing to masquerade"
        ));
    }
    Ok(net)
}

/// The rest of nat-masq's manual: the walk-through's firewall steps.
pub const MANUAL: Manual = Manual {
    examples: &[
        Example {
            command: "nat-masq br0",
            does: "Accept forwarding between the ports of br0.",
            replaces: &["iptables -A FORWARD -i br0 -o br0 -j ACCEPT"],
        },
        Example {
            command: "nat-masq br0 10.1.1.0/24",
            does: "Also masquerade 10.1.1.0/24 out of any other interface, accept its forwarded \
                   traffic and the replies, and turn on forwarding (the old value recorded).",
            replaces: &[
                "iptables -A FORWARD -i br0 -o br0 -j ACCEPT",
                "iptables -A FORWARD -i br0 -s 10.1.1.0/24 -j ACCEPT",
                "iptables -A FORWARD -o br0 -d 10.1.1.0/24 -j ACCEPT",
                "iptables -t nat -A POSTROUTING -s 10.1.1.0/24 ! -o br0 -j MASQUERADE",
                "sysctl -w net.ipv4.ip_forward=1",
            ],
        },
        Example {
            command: "nat-masq br0 fd00:1::/64",
            does: "The same for an IPv6 subnet, in table ip6 vethkit, with IPv6 forwarding turned on.",
            replaces: &[
                "ip6tables -A FORWARD -i br0 -o br0 -j ACCEPT",
                "ip6tables -A FORWARD -i br0 -s fd00:1::/64 -j ACCEPT",
                "ip6tables -A FORWARD -o br0 -d fd00:1::/64 -j ACCEPT",
                "ip6tables -t nat -A POSTROUTING -s fd00:1::/64 ! -o br0 -j MASQUERADE",
                "sysctl -w net.ipv6.conf.all.forwarding=1",
            ],
        },
        Example {
            command: "nat-masq br0 10.1.1.0/24 --publish 8080:10.1.1.3:80",
            does: "Also send TCP connections to port 8080 of any address of this host on to 10.1.1.3 \
                   port 80 (in a subnet of br0, here 10.1.1.1/16): those from outside (the server sees \
                   the client's address), those the host makes itself (except to 127.0.0.1: the \
                   kernel does not forward loopback traffic, and 127.0.0.1 as a HOSTIP is refused), and \
                   those from hosts of 10.1.0.0/16, masqueraded as the bridge's address so that the \
                   replies come back through this host.",
            replaces: &[
                "iptables -t nat -A PREROUTING -m addrtype --dst-type LOCAL -p tcp --dport 8080 -j DNAT --to-destination 10.1.1.3:80",
                "iptables -t nat -A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -p tcp --dport 8080 -j DNAT --to-destination 10.1.1.3:80",
                "iptables -t nat -A POSTROUTING -o br0 -s 10.1.0.0/16 -d 10.1.1.3 -p tcp --dport 80 -m conntrack --ctstate DNAT -j MASQUERADE",
                "iptables -A FORWARD -o br0 -d 10.1.1.3 -p tcp --dport 80 -j ACCEPT",
                "iptables -A FORWARD -i br0 -s 10.1.1.3 -p tcp --sport 80 -j ACCEPT",
            ],
        },
        Example {
            command: "nat-masq br0 --publish 203.0.113.2:53:10.1.1.3:53/udp --publish [2001:db8::2]:8080:[fd00:1::3]:80",
            does: "Publish UDP port 53 on one address of this host, and an IPv6 port.",
            replaces: &[],
        },
        Example {
            command: "nat-masq --list",
            does: "Show vethkit's rules.",
            replaces: &["iptables -S FORWARD", "iptables -t nat -S POSTROUTING"],
        },
        Example {
            command: "nat-masq --delete br0 10.1.1.0/24",
            does: "Remove the rules for 10.1.1.0/24 (or for a --publish, named as it was made); with neither, all of br0's.",
            replaces: &[
                "iptables -D FORWARD -i br0 -s 10.1.1.0/24 -j ACCEPT",
                "iptables -D FORWARD -o br0 -d 10.1.1.0/24 -j ACCEPT",
                "iptables -t nat -D POSTROUTING -s 10.1.1.0/24 ! -o br0 -j MASQUERADE",
            ],
        },
        Example {
            command: "nat-masq --dry-run br0 10.1.1.0/24 | sh",
            does: "Print the commands that do the same (the rules as an nft -f here-document, then sysctl -w), here to have sh run them.",
            replaces: &[],
        },
    ],
    exit_statuses: EXIT_STATUSES,
    files: &[],
    see_also: &["nft(8)", "iptables(8)", "iptables-nft(8)"],
    required: &[],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnets_are_networks() {
        assert_eq!(
            parse_subnet("10.1.1.0/24").unwrap().to_string(),
            "10.1.1.0/24"
        );
        assert!(parse_subnet("10.1.1.1/24")
            .unwrap_err()
            .contains("give the network, 10.1.1.0/24"));
        assert_eq!(
            parse_subnet("fd00:1::/64").unwrap().to_string(),
            "fd00:1::/64"
        );
        assert!(parse_subnet("fd00:1::1/64")
            .unwrap_err()
            .contains("give the network, fd00:1::/64"));
        assert!(parse_subnet("fe80::/64")
            .unwrap_err()
            .contains("link-local"));
        assert!(parse_subnet("10.1.1.0/33").is_err());
        assert!(parse_subnet("banana").is_err());
        assert!(parse_subnet("0.0.0.0/0")
            .unwrap_err()
            .contains("own traffic"));
        assert!(parse_subnet("224.0.0.0/4")
            .unwrap_err()
            .contains("multicast"));
    }
}
