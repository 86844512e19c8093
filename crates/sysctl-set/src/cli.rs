//! The command line of sysctl-set.

use clap::Parser;
use vethkit_core::cli::{Changes, InNetns};
use vethkit_core::manual::{Example, Manual, EXIT_STATUSES};

/// Set network sysctls (keys under net.), keeping the values they replace.
///
/// Replaces `sysctl -w KEY=VALUE` and `echo VALUE > /proc/sys/net/...`, with
/// a backup: the value in force before the first change is recorded, and
/// `sysctl-set --restore` puts it back. KEY alone prints the current value.
/// Keys take sysctl(8) spellings: dots or slashes, and '/' for a dot
/// inside a component (net.ipv4.conf.eth0/100.rp_filter). '-' reads
/// `KEY = VALUE` lines from stdin, as in sysctl.conf ('#' and ';' comments).
#[derive(Debug, Parser)]
#[command(
    name = "sysctl-set",
    version,
    override_usage = "sysctl-set [OPTIONS] KEY=VALUE... | -\n       sysctl-set [-n NS] KEY...\n       sysctl-set [-n NS] [--dry-run] [--verbose] --restore [KEY...]",
    after_help = MANUAL.after_help(),
    mut_arg("netns", |arg| arg.help("Work on the sysctls of network namespace NS")),
    mut_arg("dry_run", |arg| arg.help("Print the equivalent sysctl commands and change nothing"))
)]
pub struct Cli {
    /// KEY=VALUE to set, KEY to print, or '-' for KEY = VALUE lines on stdin
    #[arg(value_name = "KEY[=VALUE]")]
    pub arguments: Vec<String>,

    /// `-n NS`: the namespace worked in (`None`: the caller's).
    #[command(flatten)]
    pub netns: InNetns,

    /// Put back the values recorded before the first change (of KEYs, or all)
    #[arg(long)]
    pub restore: bool,

    /// `--dry-run` and `--verbose`: what the executor is to do.
    #[command(flatten)]
    pub changes: Changes,
}

/// The rest of sysctl-set's manual: the walk-through's sysctls, with a backup.
pub const MANUAL: Manual = Manual {
    examples: &[
        Example {
            command: "sysctl-set net.ipv4.conf.veth1.accept_local=1 net.ipv4.conf.all.rp_filter=0",
            does: "Let a pair with both ends here ping across, keeping the old values.",
            replaces: &[
                "sysctl net.ipv4.conf.veth1.accept_local net.ipv4.conf.all.rp_filter > backup.conf",
                "echo 1 > /proc/sys/net/ipv4/conf/veth1/accept_local",
                "echo 0 > /proc/sys/net/ipv4/conf/all/rp_filter",
            ],
        },
        Example {
            command: "sysctl-set --restore",
            does: "Put back every value sysctl-set replaced.",
            replaces: &["sysctl -p backup.conf"],
        },
        Example {
            command: "sysctl-set -n ns1 net.ipv4.ip_forward=1",
            does: "Turn on forwarding inside namespace ns1.",
            replaces: &["ip netns exec ns1 sysctl -w net.ipv4.ip_forward=1"],
        },
        Example {
            command: "sysctl-set net.ipv4.conf.eth0/100.rp_filter",
            does: "Print a value; the slash stands for the dot in the interface name eth0.100.",
            replaces: &["cat /proc/sys/net/ipv4/conf/eth0.100/rp_filter"],
        },
        Example {
            command: "printf 'net.ipv4.ip_forward = 1\\n' | sysctl-set -",
            does: "Read KEY = VALUE lines, as in sysctl.conf(5).",
            replaces: &["printf 'net.ipv4.ip_forward = 1\\n' | sysctl -p -"],
        },
    ],
    exit_statuses: EXIT_STATUSES,
    files: &[(
        "/proc/sys/net/",
        "The network sysctls, as the namespace worked in sees them.",
    )],
    see_also: &["sysctl(8)", "sysctl.conf(5)", "ip-sysctl(7)"],
    required: &[],
};
