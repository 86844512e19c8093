//! The command line of br-attach.

use clap::Parser;
use ipnet::IpNet;
use vethkit_core::cli::{parse_cidr, Changes, InNetns, Json};
use vethkit_core::manual::{Example, Manual, EXIT_STATUSES};
use vethkit_core::name::IfName;

/// Create a bridge if it is missing, bring it up, and attach ports to it.
///
/// Replaces `ip link add BRIDGE type bridge`, `ip link set BRIDGE up`,
/// `ip link set PORT master BRIDGE`, `ip link set PORT up` and
/// `ip addr add CIDR dev BRIDGE`. With '-', the ports are read from stdin,
/// one name a line, so that `veth-add ... | br-attach br0 -` attaches the
/// ends veth-add leaves in this namespace.
#[derive(Debug, Parser)]
#[command(
    name = "br-attach",
    version,
    override_usage = "br-attach [OPTIONS] BRIDGE [PORT... | -]\n       br-attach [-n NS] [--dry-run] [--verbose] BRIDGE --detach PORT...",
    after_help = MANUAL.after_help(),
    mut_arg("netns", |arg| arg.help("Work inside network namespace NS (bridge and ports are there)")),
    mut_arg("json", |arg| arg.help("Print the bridge, its new ports and addresses as JSON")),
    mut_arg("dry_run", |arg| arg.help("Print the equivalent ip commands and change nothing"))
)]
pub struct Cli {
    /// The bridge (created if missing)
    #[arg(value_name = "BRIDGE")]
    pub bridge: IfName,

    /// Ports to attach; '-' reads one name a line from stdin
    #[arg(value_name = "PORT")]
    pub ports: Vec<String>,

    /// `-n NS`: the namespace worked in (`None`: the caller's).
    #[command(flatten)]
    pub netns: InNetns,

    /// Add an address (CIDR, IPv4 or IPv6) to the bridge; repeatable
    #[arg(short = 'a', long = "addr", value_name = "CIDR", value_parser = parse_cidr)]
    pub addrs: Vec<IpNet>,

    /// Detach PORT from the bridge instead; repeatable
    #[arg(
        short = 'd',
        long = "detach",
        value_name = "PORT",
        conflicts_with_all = ["ports", "addrs", "stp", "no_stp", "mtu", "no_up"]
    )]
    pub detach: Vec<IfName>,

    /// Turn the spanning tree protocol on (a new bridge has it off)
    #[arg(long, conflicts_with = "no_stp")]
    pub stp: bool,

    /// Keep the spanning tree protocol off
    #[arg(long)]
    pub no_stp: bool,

    /// MTU of the bridge
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u32).range(68..=65535))]
    pub mtu: Option<u32>,

    /// Leave the bridge and the ports down
    #[arg(long)]
    pub no_up: bool,

    /// `--dry-run` and `--verbose`: what the executor is to do.
    #[command(flatten)]
    pub changes: Changes,

    /// `--json`: whether what is printed is JSON.
    #[command(flatten)]
    pub json: Json,
}

impl Cli {
    /// `Some(true)` for --stp, `Some(false)` for --no-stp, `None` for neither.
    pub fn stp(&self) -> Option<bool> {
        match (self.stp, self.no_stp) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        }
    }
}

/// The rest of br-attach's manual: the walk-through's bridge steps.
pub const MANUAL: Manual = Manual {
    examples: &[
        Example {
            command: "br-attach br0 --addr 10.1.1.1/16",
            does: "Create bridge br0 if it is missing, give it an address and bring it up.",
            replaces: &[
                "ip link add br0 type bridge",
                "ip addr add 10.1.1.1/16 dev br0",
                "ip link set br0 up",
            ],
        },
        Example {
            command: "br-attach br0 br-veth3 br-veth4",
            does: "Attach two ports to br0 and bring them up.",
            replaces: &[
                "ip link set br-veth3 master br0",
                "ip link set br-veth3 up",
                "ip link set br-veth4 master br0",
                "ip link set br-veth4 up",
            ],
        },
        Example {
            command: "veth-add veth3 br-veth3 --netns ns3 --addr 10.1.1.3/24 | br-attach br0 -",
            does:
                "Attach the ends veth-add(8) leaves in this namespace, read one a line from stdin.",
            replaces: &["ip link set br-veth3 master br0", "ip link set br-veth3 up"],
        },
        Example {
            command: "br-attach br0 --detach br-veth3",
            does: "Take a port off the bridge.",
            replaces: &["ip link set br-veth3 nomaster"],
        },
        Example {
            command: "br-attach -n lab br1 --stp --mtu 9000",
            does: "A bridge with spanning tree and jumbo frames, inside namespace lab.",
            replaces: &[
                "ip -n lab link add br1 type bridge stp_state 1",
                "ip -n lab link set br1 mtu 9000",
                "ip -n lab link set br1 up",
            ],
        },
    ],
    exit_statuses: EXIT_STATUSES,
    files: &[],
    see_also: &["bridge(8)", "ip-link(8)", "ip-address(8)"],
    required: &[],
};
