//! The command line of netns-exec.

use std::ffi::OsString;

use clap::Parser;
use vethkit_core::name::NsName;

/// Run a command inside a named network namespace, exactly as `ip netns exec` does.
///
/// Joins the namespace, takes a private mount namespace, mounts a /sys that
/// shows the namespace's interfaces, bind-mounts each /etc/netns/NS/FILE over
/// /etc/FILE, and execs the command: no extra process, and the exit status is
/// the command's (126 if it cannot be run, 127 if it is not found).
/// With no command, runs $SHELL.
#[derive(Debug, Parser)]
#[command(
    name = "netns-exec",
    version,
    after_help = "Examples:\n  netns-exec ns2 ping -c 2 10.1.1.1\n  netns-exec --create lab1 -- ip -br link\n  netns-exec ns1                 # a shell inside ns1\n\nExit status: the command's; 126 it cannot run, 127 not found,\n1 the namespace cannot be entered, 2 bad usage."
)]
pub struct Cli {
    /// Create the namespace first if it is missing
    #[arg(long)]
    pub create: bool,

    /// The network namespace (as listed by ip netns list)
    #[arg(value_name = "NS")]
    pub netns: NsName,

    /// The command and its arguments (default: $SHELL)
    #[arg(
        value_name = "CMD",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub command: Vec<OsString>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

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
