//! The command line of veth-add.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::Parser;
use ipnet::IpNet;
use vethkit_core::cli::{parse_cidr, parse_gateway, Changes, Json};
use vethkit_core::mac::Mac;
use vethkit_core::manual::{Example, Manual};
use vethkit_core::name::{IfName, NsName};

/// Create a veth pair, with its ends placed in network namespaces, addressed, routed and up.
///
/// Replaces `ip link add NAME type veth peer name PEER`, `ip link set ... netns`,
/// `ip addr add`, `ip route add default via` and `ip link set ... up`.
/// Namespaces are created when missing, where `ip netns` keeps them.
/// Prints the name of each end left in the current namespace, one a line,
/// so that `veth-add ... | br-attach br0 -` attaches them.
///
/// IPv6 addresses go on without duplicate address detection (`ip addr add
/// ... nodad`: a lab's addresses are its own to give), and veth-add returns
/// once they are usable (waiting at most 5 s, then saying which are not),
/// so that a script's next line can use them: `veth-add ... --addr
/// fd00::1/64 && netns-exec ns1 ping -6 ...` works.
///
/// `--no-ipv6` turns IPv6 off on an end (`net.ipv6.conf.NAME.disable_ipv6=1`),
/// before it comes up: no link-local address, and none of the duplicate
/// address detection, MLD reports and router solicitations a bridge floods
/// to every port, which in a lab of hundreds of hosts keeps the machine busy
/// long after the commands have returned. In a namespace veth-add makes for
/// such ends, the namespace's default is set instead, and the ends are born
/// with IPv6 off, as are links made there later (veth-add turns IPv6 back
/// on for an end it gives an IPv6 address). Such an end takes no IPv6
/// address or gateway.
#[derive(Debug, Parser)]
#[command(
    name = "veth-add",
    version,
    override_usage = "veth-add [OPTIONS] NAME PEER\n       veth-add [--no-up] [--no-ipv6] [--peer-no-ipv6] [--dry-run] [--verbose] [--json] --batch FILE",
    after_help = MANUAL.after_help(),
    mut_arg("json", |arg| arg.help("Print one JSON object a pair instead of names")),
    mut_arg("dry_run", |arg| arg.help("Print the equivalent ip commands and change nothing"))
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
    #[arg(short = 'g', long = "gateway", value_name = "IP", value_parser = parse_gateway)]
    pub gateways: Vec<IpAddr>,

    /// Add a default route via IP in PEER's namespace; repeatable (one per family)
    #[arg(short = 'G', long = "peer-gateway", value_name = "IP", value_parser = parse_gateway)]
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

    /// Turn IPv6 off on NAME: no link-local address, DAD, MLD or router solicitations
    #[arg(long)]
    pub no_ipv6: bool,

    /// Turn IPv6 off on PEER, as --no-ipv6 does on NAME
    #[arg(long)]
    pub peer_no_ipv6: bool,

    /// Leave both ends (and the namespaces' lo) down
    #[arg(long)]
    pub no_up: bool,

    /// Read one pair a line from FILE ('-' for stdin): NAME PEER [OPTIONS], '#' comments
    #[arg(long, value_name = "FILE")]
    pub batch: Option<PathBuf>,

    /// `--dry-run` and `--verbose`: what the executor is to do.
    #[command(flatten)]
    pub changes: Changes,

    /// `--json`: whether what is printed is JSON.
    #[command(flatten)]
    pub json: Json,
}

/// The rest of veth-add's manual: the walk-through's pair steps.
pub const MANUAL: Manual = Manual {
    examples: &[
        Example {
            command: "veth-add veth1 veth2",
            does: "Create the pair veth1 and veth2 in this namespace, both ends up.",
            replaces: &[
                "ip link add veth1 type veth peer name veth2",
                "ip link set veth1 up",
                "ip link set veth2 up",
            ],
        },
        Example {
            command: "veth-add veth1 veth2 --addr 10.1.1.1/24 --peer-addr 10.1.1.2/24",
            does: "The same, with an address on each end.",
            replaces: &[
                "ip link add veth1 type veth peer name veth2",
                "ip addr add 10.1.1.1/24 dev veth1",
                "ip addr add 10.1.1.2/24 dev veth2",
                "ip link set veth1 up",
                "ip link set veth2 up",
            ],
        },
        Example {
            command: "veth-add veth1 veth2 --netns ns1 --addr 10.1.1.1/24 --peer-netns ns2 --peer-addr 10.1.1.2/24",
            does: "Create namespaces ns1 and ns2 if they are missing and the pair straight into them, \
                   one end in each, addressed and up, lo up in both.",
            replaces: &[
                "ip netns add ns1",
                "ip netns add ns2",
                "ip link add veth1 type veth peer name veth2",
                "ip link set veth1 netns ns1",
                "ip link set veth2 netns ns2",
                "ip netns exec ns1 ip link set lo up",
                "ip netns exec ns2 ip link set lo up",
                "ip netns exec ns1 ip addr add 10.1.1.1/24 dev veth1",
                "ip netns exec ns2 ip addr add 10.1.1.2/24 dev veth2",
                "ip netns exec ns1 ip link set veth1 up",
                "ip netns exec ns2 ip link set veth2 up",
            ],
        },
        Example {
            command: "veth-add veth3 br-veth3 --netns ns3 --addr 10.1.1.3/24 --gateway 10.1.1.1 | br-attach br0 -",
            does: "A host on a bridge: veth3 goes into ns3 with an address and a default route, \
                   br-veth3 stays here, is printed, and br-attach(8) attaches it to br0.",
            replaces: &[
                "ip netns add ns3",
                "ip link add veth3 type veth peer name br-veth3",
                "ip link set veth3 netns ns3",
                "ip netns exec ns3 ip link set lo up",
                "ip netns exec ns3 ip addr add 10.1.1.3/24 dev veth3",
                "ip netns exec ns3 ip link set veth3 up",
                "ip netns exec ns3 ip route add default via 10.1.1.1",
                "ip link set br-veth3 master br0",
                "ip link set br-veth3 up",
            ],
        },
        Example {
            command: "veth-add veth4 br-veth4 --netns ns4 --addr 10.1.1.4/24 --gateway 10.1.1.1 --no-ipv6 | br-attach br0 -",
            does: "The same host with its IPv6 off: it sends nothing of its own for the bridge to flood \
                   to every port. The namespace is made with IPv6 off by default, and the end is born in it.",
            replaces: &[
                "ip netns add ns4",
                "ip netns exec ns4 sysctl -w net.ipv6.conf.default.disable_ipv6=1",
                "ip link add veth4 type veth peer name br-veth4",
                "ip link set veth4 netns ns4",
                "ip netns exec ns4 ip link set lo up",
                "ip netns exec ns4 ip addr add 10.1.1.4/24 dev veth4",
                "ip netns exec ns4 ip link set veth4 up",
                "ip netns exec ns4 ip route add default via 10.1.1.1",
                "ip link set br-veth4 master br0",
                "ip link set br-veth4 up",
            ],
        },
        Example {
            command: "veth-add --batch hosts | br-attach br0 -",
            does: "Create one pair a line of the file hosts (lines like \
                   veth5 br-veth5 --netns ns5 --addr 10.1.1.5/24 --gateway 10.1.1.1), \
                   all in one process, and attach the ends left here to br0.",
            replaces: &[],
        },
        Example {
            command: "veth-add --dry-run veth1 veth2 --netns ns1",
            does: "Print the ip commands that do the same, and change nothing.",
            replaces: &[],
        },
    ],
    exit_statuses: &[
        ("0", "Done, or nothing needed doing."),
        (
            "1",
            "The operation failed; nothing was changed. With --batch, the line that failed was \
             undone and the lines after it were not made; the lines before it stay made.",
        ),
        (
            "2",
            "Bad usage: an unknown option, or a name or address that is not valid, on the command \
             line or on any line of the batch. Nothing was changed.",
        ),
    ],
    files: &[],
    see_also: &["ip-link(8)", "ip-address(8)", "ip-route(8)", "ip-netns(8)", "veth(4)"],
    required: &["name", "peer"],
};
