//! The command line of netns-exec.

use std::ffi::OsString;

use clap::{Parser, ValueHint};
use vethkit_core::manual::{Example, Manual};
use vethkit_core::name::NsName;

/// Run a command inside a named network namespace, exactly as `ip netns exec` does.
///
/// Joins the namespace, takes a private mount namespace, mounts a /sys that
/// shows the namespace's interfaces, bind-mounts each /etc/netns/NS/FILE over
/// /etc/FILE, and execs the command: no extra process, and the exit status is
/// the command's (126 if it cannot be run, 127 if it is not found).
/// With no command, runs $SHELL (or /bin/sh when $SHELL is not set, as
/// nsenter does).
#[derive(Debug, Parser)]
#[command(
    name = "netns-exec",
    version,
    override_usage = "netns-exec [--create] NS [CMD [ARG...]]",
    after_help = MANUAL.after_help()
)]
pub struct Cli {
    /// Create the namespace first if it is missing
    #[arg(long)]
    pub create: bool,

    /// The network namespace (as listed by ip netns list)
    #[arg(value_name = "NS")]
    pub netns: NsName,

    /// The command and its arguments (default: $SHELL, or /bin/sh)
    #[arg(
        value_name = "CMD",
        value_hint = ValueHint::CommandWithArguments,
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub command: Vec<OsString>,
}

/// The rest of netns-exec's manual.
pub const MANUAL: Manual = Manual {
    examples: &[
        Example {
            command: "netns-exec ns2 ping -c 2 10.1.1.1",
            does: "Ping from inside ns2.",
            replaces: &["ip netns exec ns2 ping -c 2 10.1.1.1"],
        },
        Example {
            command: "netns-exec --create lab1 -- ip -br link",
            does: "Create namespace lab1 if it is missing, then list its links.",
            replaces: &["ip netns add lab1", "ip netns exec lab1 ip -br link"],
        },
        Example {
            command: "netns-exec ns1",
            does: "A shell inside ns1; leave it with exit.",
            replaces: &["ip netns exec ns1 $SHELL"],
        },
    ],
    exit_statuses: &[
        ("N", "The command's own exit status, once it runs."),
        (
            "1",
            "The namespace does not exist or cannot be entered; no command was run.",
        ),
        ("2", "Bad usage."),
        ("126", "The command was found but cannot be executed."),
        ("127", "The command was not found."),
    ],
    files: &[(
        "/etc/netns/NS/",
        "Each file here is bind-mounted over the file of the same name in /etc for the command, \
         as ip netns exec does (resolv.conf, say).",
    )],
    see_also: &["ip-netns(8)", "nsenter(1)", "unshare(1)"],
    required: &[],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_after_the_namespace_belong_to_the_command() {
        let cli =
            Cli::try_parse_from(["netns-exec", "ns1", "ping", "-c", "1", "--create"]).unwrap();
        assert!(!cli.create);
        assert_eq!(cli.command, ["ping", "-c", "1", "--create"]);
        let cli = Cli::try_parse_from(["netns-exec", "--create", "ns1", "--", "-x"]).unwrap();
        assert!(cli.create);
        assert_eq!(cli.command, ["-x"]);
    }
}
