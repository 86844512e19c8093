//! The command line of veth-add.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::Parser;
use ipnet::IpNet;
use vethkit_core::cli::parse_cidr;
use vethkit_core::mac::Mac;
use vethkit_core::name::{IfName, NsName};

/// Create a veth pair, with its ends placed in network namespaces, addressed, routed and up.
///
/// Replaces `ip link add NAME type veth peer name PEER`, `ip link set ... netns`,
/// `ip addr add`, `ip route add default via` and `ip link set ... up`.
/// Namespaces are created when missing, where `ip netns` keeps them.
/// Prints the name of each end left in the current namespace, one a line,
/// so that `veth-add ... | br-attach br0 -` attaches them.
#[derive(Debug, Parser)]
#[command(
    name = "veth-add",
    version,
    override_usage = "veth-add [OPTIONS] NAME PEER\n       veth-add [--no-up] [--dry-run] [--verbose] [--json] --batch FILE",
    after_help = "Examples:\n  veth-add veth1 veth2 --netns ns1 --addr 10.1.1.1/24 --peer-netns ns2 --peer-addr 10.1.1.2/24\n  veth-add veth3 br-veth3 --netns ns3 --addr 10.1.1.3/24 --gateway 10.1.1.1 | br-attach br0 -\n  veth-add --dry-run veth1 veth2     # print the ip commands instead\n\nExit status: 0 done (or nothing to do), 1 failed (nothing changed), 2 bad usage.\nChanges are recorded in $VETHKIT_STATE_DIR/journal (default /run/vethkit)."
)]
pub struct Cli {
    /// Name of the first end
    #[arg(value_name = "NAME")]
    pub name: Option<IfName>,

    /// Name of the other end
    #[arg(value_name = "PEER")]
    pub peer: Option<IfName>,

    /// Put NAME in network namespace NS (created if missing)
    #[arg(short = 'n', long, value_name = "NS")]
    pub netns: Option<NsName>,

    /// Put PEER in network namespace NS (created if missing)
    #[arg(short = 'N', long, value_name = "NS")]
    pub peer_netns: Option<NsName>,

    /// Add an address (CIDR, IPv4 or IPv6) to NAME; repeatable
    #[arg(short = 'a', long = "addr", value_name = "CIDR", value_parser = parse_cidr)]
    pub addrs: Vec<IpNet>,

    /// Add an address (CIDR, IPv4 or IPv6) to PEER; repeatable
    #[arg(short = 'A', long = "peer-addr", value_name = "CIDR", value_parser = parse_cidr)]
    pub peer_addrs: Vec<IpNet>,

    /// Add a default route via IP in NAME's namespace; repeatable (one per family)
    #[arg(short = 'g', long = "gateway", value_name = "IP")]
    pub gateways: Vec<IpAddr>,

    /// Add a default route via IP in PEER's namespace; repeatable (one per family)
    #[arg(short = 'G', long = "peer-gateway", value_name = "IP")]
    pub peer_gateways: Vec<IpAddr>,

    /// MTU of both ends
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u32).range(68..=65535))]
    pub mtu: Option<u32>,

    /// Hardware address of NAME
    #[arg(long, value_name = "MAC")]
    pub mac: Option<Mac>,

    /// Hardware address of PEER
    #[arg(long, value_name = "MAC")]
    pub peer_mac: Option<Mac>,

    /// Leave both ends (and the namespaces' lo) down
    #[arg(long)]
    pub no_up: bool,

    /// Read one pair a line from FILE ('-' for stdin): NAME PEER [OPTIONS], '#' comments
    #[arg(long, value_name = "FILE")]
    pub batch: Option<PathBuf>,

    /// Print the equivalent ip commands and change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Print each step on stderr as it is applied
    #[arg(short, long)]
    pub verbose: bool,

    /// Print one JSON object a pair instead of names
    #[arg(short, long)]
    pub json: bool,
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
