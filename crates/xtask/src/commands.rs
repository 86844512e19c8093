//! The vethkit commands, each with its clap definition and the rest of its
//! manual, as their own packages define them.

use clap::{Command, CommandFactory};
use vethkit_core::manual::Manual;

/// One command: its clap definition and its manual.
pub struct Page {
    /// The command's clap definition, built (so defaults are filled in).
    pub command: Command,
    /// Examples, exit statuses, files and related pages.
    pub manual: &'static Manual,
}

impl Page {
    fn of<Cli: CommandFactory>(manual: &'static Manual) -> Page {
        let mut command = Cli::command();
        for name in manual.required {
            command = command.mut_arg(*name, |arg| arg.required(true));
        }
        command.build();
        let command = command.mut_arg("help", |arg| {
            arg.help("Print a summary of the options and examples")
                .long_help(None::<&str>)
        });
        Page { command, manual }
    }

    /// The command's name.
    pub fn name(&self) -> &str {
        self.command.get_name()
    }
}

/// Every vethkit command, in the walk-through's order.
pub fn all() -> Vec<Page> {
    vec![
        Page::of::<veth_add::Cli>(&veth_add::cli::MANUAL),
        Page::of::<netns_exec::Cli>(&netns_exec::cli::MANUAL),
        Page::of::<br_attach::Cli>(&br_attach::cli::MANUAL),
        Page::of::<sysctl_set::Cli>(&sysctl_set::cli::MANUAL),
        Page::of::<nat_masq::Cli>(&nat_masq::cli::MANUAL),
        Page::of::<netns_reset::Cli>(&netns_reset::cli::MANUAL),
        Page::of::<vxlan_add::Cli>(&vxlan_add::cli::MANUAL),
        Page::of::<link_shape::Cli>(&link_shape::cli::MANUAL),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_line_definition_is_consistent() {
        for page in all() {
            page.command.debug_assert();
        }
    }
}
