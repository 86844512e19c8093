//! What a command's manual says beyond its options: examples with the
//! `ip`/`iptables` lines each replaces, exit statuses, files and related
//! pages. The man pages are made from it (by `crates/xtask`), and `--help`
//! ends with the same examples and statuses, so each is written once.

/// One example command line and the walk-through lines it stands for.
#[derive(Debug)]
pub struct Example {
    /// The vethkit command line.
    pub command: &'static str,
    /// What it does, as one or two sentences.
    pub does: &'static str,
    /// The `ip`, `iptables` or `sysctl` lines it replaces, in order; empty
    /// when it has no counterpart.
    pub replaces: &'static [&'static str],
}

/// The parts of a command's manual its clap definition does not hold.
#[derive(Debug)]
pub struct Manual {
    /// Example command lines, the walk-through's steps first.
    pub examples: &'static [Example],
    /// Each exit status and what it means.
    pub exit_statuses: &'static [(&'static str, &'static str)],
    /// Files this command reads or writes besides [`FILES`].
    pub files: &'static [(&'static str, &'static str)],
    /// Related pages outside vethkit, as `name(section)`.
    pub see_also: &'static [&'static str],
    /// Positional arguments the manual shows as required: clap takes them
    /// as optional only because another option stands for them (as
    /// `--batch` does for veth-add's NAME and PEER).
    pub required: &'static [&'static str],
}

/// The exit statuses of every command but netns-exec.
pub const EXIT_STATUSES: &[(&str, &str)] = &[
    ("0", "Done, or nothing needed doing."),
    ("1", "The operation failed; nothing was changed."),
    ("2", "Bad usage: an unknown option, or a name, address or key that is not valid. Nothing was changed."),
];

/// The environment variables every command reads.
pub const ENVIRONMENT: &[(&str, &str)] = &[(
    "VETHKIT_STATE_DIR",
    "The directory holding the journal of changes, instead of /run/vethkit: an absolute path.",
)];

/// The files every command uses.
pub const FILES: &[(&str, &str)] = &[
    (
        "/run/netns",
        "Named network namespaces, one bind mount each, shared with ip-netns(8).",
    ),
    (
        "/run/vethkit/journal",
        "The journal: every change vethkit made, with how to undo it, for netns-reset --all and sysctl-set --restore. /run is emptied at boot, as the kernel's objects are.",
    ),
];

impl Manual {
    /// The end of `--help`: the example command lines (without what they
    /// replace), the exit statuses and where the journal is.
    pub fn after_help(&self) -> String {
        let mut text = String::from("Examples:\n");
        for example in self.examples {
            text.push_str("  ");
            text.push_str(example.command);
            text.push('\n');
        }
        text.push_str("\nExit status:");
        let width = self
            .exit_statuses
            .iter()
            .map(|(status, _)| status.len())
            .max()
            .unwrap_or(0);
        for (status, meaning) in self.exit_statuses {
            text.push_str(&format!("\n  {status:<width$}  {meaning}"));
        }
        text.push_str(
            "\n\nChanges are recorded in $VETHKIT_STATE_DIR/journal (default /run/vethkit).",
        );
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_lists_the_examples_and_statuses_in_short() {
        let manual = Manual {
            examples: &[Example {
                command: "veth-add veth1 veth2",
                does: "Create a pair.",
                replaces: &["ip link add veth1 type veth peer name veth2"],
            }],
            exit_statuses: EXIT_STATUSES,
            files: &[],
            see_also: &[],
            required: &[],
        };
        let help = manual.after_help();
        assert!(help.starts_with("Examples:\n  veth-add veth1 veth2\n\nExit status:\n  0  Done"));
        assert!(help.contains("\n  2  Bad usage: an unknown option"));
        assert!(!help.contains("ip link add"));
        assert!(help.ends_with("(default /run/vethkit)."));
    }
}
