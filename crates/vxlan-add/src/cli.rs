//! The command line of vxlan-add.

use std::net::IpAddr;

use clap::{ArgGroup, Parser};
use vethkit_core::cli::{parse_host_ip, parse_ip, Changes, InNetns, Json};
use vethkit_core::manual::{Example, Manual, EXIT_STATUSES};
use vethkit_core::name::IfName;
use vethkit_core::step::vxlan::DEFAULT_PORT;

/// The largest VXLAN network identifier: it has 24 bits.
pub const MAX_VNI: u32 = (1 << 24) - 1;

/// Create a VXLAN link, so that bridges on different machines are one segment.
///
/// Replaces `ip link add NAME type vxlan id VNI remote IP dev UPLINK
/// dstport 4789`, a `bridge fdb append 00:00:00:00:00:00 dev NAME dst IP`
/// for each further remote, and `ip link set NAME up`. It prints NAME, so
/// that `vxlan-add ... | br-attach br0 -` makes the link a port of the
/// bridge, whose hosts then share one L2 segment with the hosts on the
/// bridges of the remotes (each running the same command towards this
/// machine).
#[derive(Debug, Parser)]
#[command(
    name = "vxlan-add",
    version,
    override_usage = "vxlan-add [OPTIONS] NAME --id VNI --dev UPLINK --remote IP...\n       vxlan-add [OPTIONS] NAME --id VNI --dev UPLINK --group MCAST",
    group(ArgGroup::new("destination").required(true).args(["remotes", "group"])),
    after_help = MANUAL.after_help(),
    mut_arg("netns", |arg| arg.help("Work inside network namespace NS (the link and its uplink are there)")),
    mut_arg("json", |arg| arg.help("Print the link's name, VNI, remotes, group, local address, uplink and port as JSON")),
    mut_arg("dry_run", |arg| arg.help("Print the equivalent ip and bridge commands and change nothing"))
)]
pub struct Cli {
    /// The VXLAN link to create
    #[arg(value_name = "NAME")]
    pub name: IfName,

    /// The VXLAN network identifier, 1 to 16777215: the same on every machine of the segment
    #[arg(long, value_name = "VNI", value_parser = clap::value_parser!(u32).range(1..=MAX_VNI as i64))]
    pub id: u32,

    /// A machine at the other end (unicast); repeatable, for three or more machines
    #[arg(long = "remote", value_name = "IP", value_parser = parse_remote)]
    pub remotes: Vec<IpAddr>,

    /// A multicast group all machines of the segment join, instead of remotes
    #[arg(long, value_name = "MCAST", value_parser = parse_group)]
    pub group: Option<IpAddr>,

    /// The source address of the encapsulated packets (by default the kernel picks one by a route to the remote)
    #[arg(long, value_name = "IP", value_parser = parse_local)]
    pub local: Option<IpAddr>,

    /// The link the encapsulated packets leave by (the machine's own network)
    #[arg(long, value_name = "UPLINK")]
    pub dev: IfName,

    /// The UDP port, the same at every machine
    #[arg(long, value_name = "PORT", default_value_t = DEFAULT_PORT,
          value_parser = clap::value_parser!(u16).range(1..))]
    pub port: u16,

    /// MTU of the link (default: the uplink's less the 50 bytes VXLAN adds over IPv4, 70 over IPv6)
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u32).range(68..=65535))]
    pub mtu: Option<u32>,

    /// Leave the link down
    #[arg(long)]
    pub no_up: bool,

    /// `-n NS`: the namespace worked in (`None`: the caller's).
    #[command(flatten)]
    pub netns: InNetns,

    /// `--dry-run` and `--verbose`: what the executor is to do.
    #[command(flatten)]
    pub changes: Changes,

    /// `--json`: whether what is printed is JSON.
    #[command(flatten)]
    pub json: Json,
}

/// A remote: a unicast address (a multicast one is a `--group`).
fn parse_remote(text: &str) -> Result<IpAddr, String> {
    match parse_ip(text)? {
        ip if ip.is_multicast() => Err(format!(
            "{ip} is a multicast address: give it as --group, not --remote"
        )),
        _ => parse_host_ip(text, "a remote"),
    }
}

/// A multicast group.
fn parse_group(text: &str) -> Result<IpAddr, String> {
    match parse_ip(text)? {
        ip if ip.is_multicast() => Ok(ip),
        ip => Err(format!(
            "{ip} is not a multicast address: give a machine's address as --remote"
        )),
    }
}

/// The local end: an address a host can have.
fn parse_local(text: &str) -> Result<IpAddr, String> {
    parse_host_ip(text, "a local address")
}

/// The rest of vxlan-add's manual.
pub const MANUAL: Manual = Manual {
    examples: &[
        Example {
            command: "vxlan-add vx42 --id 42 --remote 198.51.100.2 --dev eth0 | br-attach br0 -",
            does: "Join bridge br0 to the bridge of the machine at 198.51.100.2, which runs the same command towards this machine.",
            replaces: &[
                "ip link add vx42 type vxlan id 42 remote 198.51.100.2 dev eth0 dstport 4789",
                "ip link set vx42 up",
                "ip link set vx42 master br0",
            ],
        },
        Example {
            command: "vxlan-add vx42 --id 42 --remote 198.51.100.2 --remote 198.51.100.3 --dev eth0",
            does: "Three machines in one segment: each frame to no known host goes to both remotes.",
            replaces: &[
                "ip link add vx42 type vxlan id 42 remote 198.51.100.2 dev eth0 dstport 4789",
                "bridge fdb append 00:00:00:00:00:00 dev vx42 dst 198.51.100.3",
                "ip link set vx42 up",
            ],
        },
        Example {
            command: "vxlan-add vx7 --id 7 --group 239.1.1.7 --dev eth0",
            does: "A segment over a multicast underlay: every machine joins the group.",
            replaces: &[
                "ip link add vx7 type vxlan id 7 group 239.1.1.7 dev eth0 dstport 4789",
                "ip link set vx7 up",
            ],
        },
    ],
    exit_statuses: EXIT_STATUSES,
    files: &[],
    see_also: &["ip-link(8)", "bridge(8)", "br-attach(8)"],
    required: &[],
};
