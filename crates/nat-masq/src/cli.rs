//! The command line of nat-masq.

use clap::Parser;
use ipnet::{IpNet, Ipv4Net};
use vethkit_core::cli::{Changes, Json};
use vethkit_core::error::quoted;
use vethkit_core::manual::{Example, Manual, EXIT_STATUSES};
use vethkit_core::name::IfName;

/// Accept forwarding on a bridge and masquerade its subnets, in nf_tables.
///
/// Replaces `iptables -A FORWARD -i BRIDGE -o BRIDGE -j ACCEPT` and, for each
/// SUBNET, `iptables -t nat -A POSTROUTING -s SUBNET ! -o BRIDGE -j
/// MASQUERADE` with the forward accepts it needs, plus
/// `net.ipv4.ip_forward=1` (recorded; reset restores it). The rules live in
/// table `ip vethkit`; where iptables-nft's `ip filter FORWARD` chain exists
/// (a host with Docker, say), the forward accepts go there too, so its DROP
/// policy does not stop them. Spoken over netlink: no nft or iptables needed.
#[derive(Debug, Parser)]
#[command(
    name = "nat-masq",
    version,
    override_usage = "nat-masq [--dry-run] [--verbose] [--json] BRIDGE [SUBNET...]\n       nat-masq --delete [--dry-run] [--verbose] BRIDGE [SUBNET...]\n       nat-masq --list [--json] [BRIDGE]",
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

    /// IPv4 subnets behind the bridge to masquerade
    #[arg(value_name = "SUBNET", value_parser = parse_subnet)]
    pub subnets: Vec<Ipv4Net>,

    /// Remove vethkit's rules for BRIDGE (only those of SUBNETs, when given)
    #[arg(long, conflicts_with = "list")]
    pub delete: bool,

    /// Show vethkit's rules (those of BRIDGE, when given)
    #[arg(long, conflicts_with_all = ["subnets", "dry_run"])]
    pub list: bool,

    /// `--json`: whether what is printed is JSON.
    #[command(flatten)]
    pub json: Json,

    /// `--dry-run` and `--verbose`: what the executor is to do.
    #[command(flatten)]
    pub changes: Changes,
}

/// An IPv4 subnet given as its network address, one a lab's hosts can be in.
fn parse_subnet(text: &str) -> Result<Ipv4Net, String> {
    let net: IpNet = text
        .parse()
        .map_err(|_| format!("{} is not a subnet (like 10.1.1.0/24)", quoted(text)))?;
    let IpNet::V4(net) = net else {
        return Err(format!(
            "{net}: IPv6 subnets are not supported (vethkit masquerades IPv4 only)"
        ));
    };
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
            command: "nat-masq --list",
            does: "Show vethkit's rules.",
            replaces: &["iptables -S FORWARD", "iptables -t nat -S POSTROUTING"],
        },
        Example {
            command: "nat-masq --delete br0 10.1.1.0/24",
            does: "Remove the rules for 10.1.1.0/24; with no subnet, all of br0's.",
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
    fn subnets_are_ipv4_networks() {
        assert_eq!(
            parse_subnet("10.1.1.0/24").unwrap().to_string(),
            "10.1.1.0/24"
        );
        assert!(parse_subnet("10.1.1.1/24")
            .unwrap_err()
            .contains("give the network, 10.1.1.0/24"));
        assert!(parse_subnet("2001:db8::/64").unwrap_err().contains("IPv6"));
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
