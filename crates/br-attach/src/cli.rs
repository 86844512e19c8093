//! The command line of br-attach.

use clap::Parser;
use ipnet::IpNet;
use vethkit_core::cli::parse_cidr;
use vethkit_core::name::{IfName, NsName};

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
    after_help = "Examples:\n  br-attach br0 --addr 10.1.1.1/16\n  veth-add veth3 br-veth3 --netns ns3 --addr 10.1.1.3/24 --gateway 10.1.1.1 | br-attach br0 -\n  br-attach br0 --detach br-veth3\n  br-attach --dry-run br0 br-veth3     # print the ip commands instead\n\nExit status: 0 done (or nothing to do), 1 failed (nothing changed), 2 bad usage.\nChanges are recorded in $VETHKIT_STATE_DIR/journal (default /run/vethkit)."
)]
pub struct Cli {
    /// The bridge (created if missing)
    #[arg(value_name = "BRIDGE")]
    pub bridge: IfName,

    /// Ports to attach; '-' reads one name a line from stdin
    #[arg(value_name = "PORT")]
    pub ports: Vec<String>,

    /// Work inside network namespace NS (bridge and ports are there)
    #[arg(short = 'n', long, value_name = "NS")]
    pub netns: Option<NsName>,

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

    /// Print the equivalent ip commands and change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Print each step on stderr as it is applied
    #[arg(short, long)]
    pub verbose: bool,

    /// Print the bridge, its new ports and addresses as JSON
    #[arg(short, long)]
    pub json: bool,
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
