//! The command line of sysctl-set.

use clap::Parser;
use vethkit_core::name::NsName;

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
    after_help = "Examples:\n  sysctl-set net.ipv4.conf.veth1.accept_local=1 net.ipv4.conf.all.rp_filter=0\n  sysctl-set -n ns1 net.ipv4.ip_forward=1\n  sysctl-set net.ipv4.ip_forward            # print the value\n  sysctl-set --restore                      # put back every recorded value\n  printf 'net.ipv4.ip_forward = 1\\n' | sysctl-set -\n\nExit status: 0 done (or nothing to do), 1 failed (nothing changed), 2 bad usage.\nOld values are recorded in $VETHKIT_STATE_DIR/journal (default /run/vethkit)."
)]
pub struct Cli {
    /// KEY=VALUE to set, KEY to print, or '-' for KEY = VALUE lines on stdin
    #[arg(value_name = "KEY[=VALUE]")]
    pub arguments: Vec<String>,

    /// Work on the sysctls of network namespace NS
    #[arg(short = 'n', long, value_name = "NS")]
    pub netns: Option<NsName>,

    /// Put back the values recorded before the first change (of KEYs, or all)
    #[arg(long)]
    pub restore: bool,

    /// Print the equivalent sysctl commands and change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Print each change on stderr as it is made
    #[arg(short, long)]
    pub verbose: bool,
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
