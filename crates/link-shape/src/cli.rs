//! The command line of link-shape.

use clap::{ArgGroup, Parser};
use vethkit_core::cli::{Changes, InNetns, Json};
use vethkit_core::manual::{Example, Manual, EXIT_STATUSES};
use vethkit_core::qdisc::units::{Percent, Rate, Time};

/// Give links delay, loss, duplication, corruption, reordering or a rate.
///
/// Replaces `tc qdisc replace dev DEV root netem ...` (or `... root tbf
/// rate RATE ...` when only a rate is asked): each link's egress gets one
/// root qdisc. The qdisc it replaces is recorded, and put back by
/// `--clear` or `netns-reset --all`. Shaping both ends of a veth pair
/// shapes both directions. With '-', the links are read from stdin, one
/// name a line, and the names are printed again, so that `veth-add ... |
/// link-shape - --delay 20ms | br-attach br0 -` works.
#[derive(Debug, Parser)]
#[command(
    name = "link-shape",
    version,
    override_usage = "link-shape [OPTIONS] --delay TIME|--loss PCT|--rate RATE|... DEV... | -\n       link-shape [-n NS] [--dry-run] [--verbose] --clear DEV... | -\n       link-shape [-n NS] [--json] --show [DEV...]",
    group(ArgGroup::new("shape").multiple(true).args(["delay", "loss", "duplicate", "corrupt", "reorder", "rate"])),
    after_help = MANUAL.after_help(),
    mut_arg("netns", |arg| arg.help("Work inside network namespace NS (the links are there)")),
    mut_arg("json", |arg| arg.help("With --show: print each link's root qdisc as JSON").requires("show")),
    mut_arg("dry_run", |arg| arg.help("Print the equivalent tc commands and change nothing"))
)]
pub struct Cli {
    /// Links to shape (their egress); '-' reads one name a line from stdin
    #[arg(value_name = "DEV")]
    pub devs: Vec<String>,

    /// Delay each packet by TIME (netem; units ms, us, s)
    #[arg(long, value_name = "TIME")]
    pub delay: Option<Time>,

    /// Vary the delay by up to TIME either way (reorders packets unless --rate is given)
    #[arg(long, value_name = "TIME", requires = "delay")]
    pub jitter: Option<Time>,

    /// Drop PCT of the packets, at random (1%)
    #[arg(long, value_name = "PCT")]
    pub loss: Option<Percent>,

    /// Send PCT of the packets twice
    #[arg(long, value_name = "PCT")]
    pub duplicate: Option<Percent>,

    /// Flip a bit in PCT of the packets
    #[arg(long, value_name = "PCT")]
    pub corrupt: Option<Percent>,

    /// Send PCT of the packets at once, the others after the delay (needs --delay)
    #[arg(long, value_name = "PCT", requires = "delay")]
    pub reorder: Option<Percent>,

    /// Send at most RATE (kbit, mbit, gbit): tbf alone, netem's rate with the others
    #[arg(long, value_name = "RATE")]
    pub rate: Option<Rate>,

    /// Put back the qdisc each link had before link-shape shaped it
    #[arg(long, conflicts_with = "shape")]
    pub clear: bool,

    /// Print each link's root qdisc and its settings (all links when none is named)
    #[arg(long, conflicts_with_all = ["shape", "clear", "dry_run", "verbose"])]
    pub show: bool,

    /// `-n NS`: the namespace worked in (`None`: the caller's).
    #[command(flatten)]
    pub netns: InNetns,

    /// `--dry-run` and `--verbose`: what the executor is to do.
    #[command(flatten)]
    pub changes: Changes,

    /// `--json`: whether what `--show` prints is JSON.
    #[command(flatten)]
    pub json: Json,
}

/// The rest of link-shape's manual.
pub const MANUAL: Manual = Manual {
    examples: &[
        Example {
            command: "link-shape veth3 -n ns3 --delay 20ms --loss 1%",
            does: "Delay the packets ns3 sends on veth3 by 20 ms, and drop one in a hundred.",
            replaces: &["tc -n ns3 qdisc replace dev veth3 root netem delay 20ms loss 1%"],
        },
        Example {
            command: "link-shape br-veth3 --rate 10mbit",
            does: "Send at most 10 Mbit/s from the bridge to the host behind br-veth3.",
            replaces: &["tc qdisc replace dev br-veth3 root tbf rate 10mbit burst 15140 latency 50ms"],
        },
        Example {
            command: "veth-add veth5 br-veth5 --netns ns5 --addr 10.1.1.5/24 | link-shape - --delay 20ms | br-attach br0 -",
            does: "Make a host whose packets from the bridge come 20 ms late.",
            replaces: &[
                "ip link add veth5 ... type veth peer name br-veth5",
                "tc qdisc replace dev br-veth5 root netem delay 20ms",
                "ip link set br-veth5 master br0",
            ],
        },
        Example {
            command: "link-shape --clear br-veth3",
            does: "Put back the qdisc br-veth3 had before (for a veth, none: noqueue).",
            replaces: &["tc qdisc del dev br-veth3 root"],
        },
    ],
    exit_statuses: EXIT_STATUSES,
    files: &[],
    see_also: &["tc(8)", "tc-netem(8)", "tc-tbf(8)", "veth-add(8)"],
    required: &[],
};
