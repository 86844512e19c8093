//! The command line of netns-reset.

use std::str::FromStr;

use clap::Parser;
use vethkit_core::cli::Changes;
use vethkit_core::error::quoted;
use vethkit_core::manual::{Example, Manual};
use vethkit_core::name::{IfName, NsName};

/// Go back to the default namespace: move links home and delete namespaces,
/// or undo everything vethkit recorded.
///
/// `netns-reset NS...` moves every link of each NS except lo back to the
/// namespace netns-reset runs in (the caller's, never PID 1's), then deletes
/// NS. Links that the kernel keeps in their namespace (bridges) go with it.
/// The links brought back are printed, one a line. A name already taken here
/// is refused before anything moves, unless --rename gives another name.
///
/// `netns-reset --all` undoes every change the vethkit journal records, newest
/// first: firewall rules, sysctls (their old values back), ports, addresses,
/// routes, bridges, veth pairs and namespaces. Nothing vethkit did not create
/// is touched. It carries on past failures and keeps in the journal only what
/// is still there, so running it again finishes the job.
#[derive(Debug, Parser)]
#[command(
    name = "netns-reset",
    version,
    override_usage = "netns-reset [OPTIONS] NS...\n       netns-reset [--dry-run] [--verbose] --all",
    after_help = MANUAL.after_help(),
    mut_arg("dry_run", |arg| arg.help("Print the equivalent ip (and nft, sysctl) commands and change nothing"))
)]
pub struct Cli {
    /// Namespaces to empty and delete
    #[arg(value_name = "NS", required_unless_present = "all")]
    pub namespaces: Vec<NsName>,

    /// Undo everything the journal records instead
    #[arg(long, conflicts_with_all = ["namespaces", "keep_netns", "renames", "missing_ok"])]
    pub all: bool,

    /// Move the links back but keep the namespaces
    #[arg(long)]
    pub keep_netns: bool,

    /// Bring link OLD back under the name NEW
    #[arg(long = "rename", value_name = "OLD=NEW")]
    pub renames: Vec<Rename>,

    /// A namespace that does not exist is not an error
    #[arg(long)]
    pub missing_ok: bool,

    /// `--dry-run` and `--verbose`: what the executor is to do.
    #[command(flatten)]
    pub changes: Changes,
}

/// `--rename OLD=NEW`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rename {
    /// The link's name in its namespace.
    pub old: IfName,
    /// Its name in the caller's namespace once back.
    pub new: IfName,
}

impl FromStr for Rename {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (old, new) = text
            .split_once('=')
            .ok_or_else(|| format!("{} is not OLD=NEW", quoted(text)))?;
        Ok(Rename {
            old: old.parse()?,
            new: new.parse()?,
        })
    }
}

/// The rest of netns-reset's manual: the walk-through's way back.
pub const MANUAL: Manual = Manual {
    examples: &[
        Example {
            command: "netns-reset ns1",
            does: "Bring veth1 back from ns1 to this namespace (down, without addresses, \
                   as the kernel moves links), print its name, and delete ns1.",
            replaces: &["ip -n ns1 link set veth1 netns 1", "ip netns delete ns1"],
        },
        Example {
            command: "netns-reset --keep-netns ns1 ns2",
            does: "Bring the links of ns1 and ns2 back, and keep the namespaces.",
            replaces: &[
                "ip -n ns1 link set veth1 netns 1",
                "ip -n ns2 link set veth2 netns 1",
            ],
        },
        Example {
            command: "netns-reset --rename eth0=ns1-eth0 ns1",
            does: "Bring eth0 back as ns1-eth0, since this namespace has an eth0 of its own.",
            replaces: &[
                "ip -n ns1 link set eth0 netns 1 name ns1-eth0",
                "ip netns delete ns1",
            ],
        },
        Example {
            command: "netns-reset --keep-netns ns3 | br-attach br1 -",
            does: "Bring veth3 back from ns3 and attach it to another bridge, br1 \
                   (its peer br-veth3 is on br0 already: both on one bridge would make a loop).",
            replaces: &[
                "ip -n ns3 link set veth3 netns 1",
                "ip link set veth3 master br1",
                "ip link set veth3 up",
            ],
        },
        Example {
            command: "netns-reset --all",
            does: "Undo everything vethkit recorded, newest first, and nothing else: \
                   firewall rules, sysctls, ports, addresses, routes, bridges, pairs, namespaces.",
            replaces: &["reboot"],
        },
    ],
    exit_statuses: &[
        ("0", "Done, or nothing needed doing."),
        (
            "1",
            "The operation failed. For NS..., nothing was changed; for --all, \
               what could not be undone stays in the journal for the next run, and a line of \
               the journal that could not be read was skipped (and said).",
        ),
        (
            "2",
            "Bad usage: an unknown option or a name that is not valid. Nothing was changed.",
        ),
    ],
    files: &[],
    see_also: &["ip-netns(8)", "ip-link(8)"],
    required: &[],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renames_name_two_valid_interfaces() {
        let rename: Rename = "eth0=ns1-eth0".parse().unwrap();
        assert_eq!(rename.old.as_str(), "eth0");
        assert_eq!(rename.new.as_str(), "ns1-eth0");
        assert!("eth0".parse::<Rename>().is_err());
        assert!("eth0=a/b".parse::<Rename>().is_err());
    }
}
