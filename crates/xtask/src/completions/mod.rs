//! Shell completions: clap_complete writes each shell's script from the
//! command's clap definition (options, their descriptions, flags), and a
//! vethkit layer after it completes the values clap cannot know, looked up
//! when the user presses tab:
//! - network namespaces (from `/run/netns`) for `NS` values,
//! - interfaces for `BRIDGE`, `PORT` and `DEV` values (inside the namespace the
//!   command line names with `--netns`, if any),
//! - `net.` sysctl keys for `KEY[=VALUE]` values (likewise),
//! - a command and its arguments for netns-exec's `CMD`.

mod bash;
mod fish;
mod zsh;

use std::path::PathBuf;

use clap::{Arg, Command, ValueHint};

/// A shell vethkit ships completions for.
#[derive(Clone, Copy, Debug)]
pub enum Shell {
    /// bash, with or without the bash-completion package.
    Bash,
    /// zsh's completion system (compinit).
    Zsh,
    /// fish, which loads a command's file when it is first completed.
    Fish,
}

impl Shell {
    /// Every shell, in the order their files are written.
    pub const ALL: [Shell; 3] = [Shell::Bash, Shell::Zsh, Shell::Fish];

    fn generator(self) -> clap_complete::Shell {
        match self {
            Shell::Bash => clap_complete::Shell::Bash,
            Shell::Zsh => clap_complete::Shell::Zsh,
            Shell::Fish => clap_complete::Shell::Fish,
        }
    }

    /// Where the completion of `command` goes, relative to the workspace,
    /// named as each shell's completion loader looks for it.
    pub fn path(self, command: &str) -> PathBuf {
        PathBuf::from(match self {
            Shell::Bash => format!("completions/bash/{command}"),
            Shell::Zsh => format!("completions/zsh/_{command}"),
            Shell::Fish => format!("completions/fish/{command}.fish"),
        })
    }
}

/// What the shell looks up to complete a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// A named network namespace.
    Namespace,
    /// An interface, in the namespace of the command's `--netns`.
    Interface,
    /// A `net.` sysctl key, in the namespace of the command's `--netns`.
    SysctlKey,
    /// A command line to run (the rest of the words belong to it).
    Command,
}

impl Lookup {
    /// The lookup for `arg`'s values, told by its value name (or, for a
    /// command to run, its value hint); `None` when there is nothing to look up.
    fn of(arg: &Arg) -> Option<Lookup> {
        if arg.get_value_hint() == ValueHint::CommandWithArguments {
            return Some(Lookup::Command);
        }
        match arg.get_value_names()?.first()?.as_str() {
            "NS" => Some(Lookup::Namespace),
            "BRIDGE" | "PORT" | "DEV" => Some(Lookup::Interface),
            "KEY[=VALUE]" => Some(Lookup::SysctlKey),
            _ => None,
        }
    }
}

/// An option that takes a value.
pub struct ValueOption {
    /// Its spellings: `-n`, `--netns`.
    pub spellings: Vec<String>,
    /// What completes its value.
    pub lookup: Option<Lookup>,
}

/// A positional argument.
pub struct Positional {
    /// What completes it.
    pub lookup: Option<Lookup>,
    /// Whether it takes every remaining word.
    pub many: bool,
}

/// What the vethkit layer needs to know of a command line.
pub struct Spec {
    /// The command's name.
    pub name: String,
    /// The options that take a value.
    pub value_options: Vec<ValueOption>,
    /// The positional arguments, in order.
    pub positionals: Vec<Positional>,
    /// The spellings of the option naming the namespace the command works
    /// in (`-n`, `--netns`), where interfaces and sysctl keys are looked up;
    /// empty when the command looks up neither.
    pub netns_option: Vec<String>,
}

impl Spec {
    fn of(command: &Command) -> Spec {
        let spellings = |arg: &Arg| -> Vec<String> {
            let shorts = arg.get_short().map(|short| format!("-{short}"));
            let longs = arg.get_long().map(|long| format!("--{long}"));
            shorts.into_iter().chain(longs).collect()
        };
        let value_options = command
            .get_opts()
            .filter(|arg| !arg.is_hide_set())
            .map(|arg| ValueOption {
                spellings: spellings(arg),
                lookup: Lookup::of(arg),
            })
            .collect();
        let positionals = command
            .get_positionals()
            .map(|arg| Positional {
                lookup: Lookup::of(arg),
                many: arg
                    .get_num_args()
                    .is_some_and(|range| range.max_values() > 1),
            })
            .collect();
        let mut spec = Spec {
            name: command.get_name().to_string(),
            value_options,
            positionals,
            netns_option: Vec::new(),
        };
        if spec.looks_up(Lookup::Interface) || spec.looks_up(Lookup::SysctlKey) {
            spec.netns_option = command
                .get_opts()
                .find(|arg| arg.get_long() == Some("netns"))
                .map(spellings)
                .unwrap_or_default();
        }
        spec
    }

    /// Whether some option or positional's values are looked up so.
    fn looks_up(&self, lookup: Lookup) -> bool {
        self.looked_up_options().any(|(_, each)| each == lookup)
            || self
                .looked_up_positionals()
                .any(|(_, _, each)| each == lookup)
    }

    /// The helpers among `helpers` this command's completion needs, in order.
    fn helpers(&self, helpers: &[(Need, &str)]) -> String {
        helpers
            .iter()
            .filter(|(need, _)| match need {
                Need::Always => true,
                Need::Lookup(lookup) => self.looks_up(*lookup),
                Need::NetnsOption => !self.netns_option.is_empty(),
                Need::Positionals => self.looked_up_positionals().next().is_some(),
            })
            .map(|(_, text)| *text)
            .collect()
    }

    /// Every spelling of every option that takes a value, each after a
    /// space, as arguments to the shell helpers that skip option values.
    pub fn value_option_arguments(&self) -> String {
        self.value_options
            .iter()
            .flat_map(|option| &option.spellings)
            .map(|spelling| format!(" {spelling}"))
            .collect()
    }

    /// The options whose values are looked up, with their lookup.
    pub fn looked_up_options(&self) -> impl Iterator<Item = (&ValueOption, Lookup)> {
        self.value_options
            .iter()
            .filter_map(|option| Some((option, option.lookup?)))
    }

    /// The positionals whose values are looked up, with their place.
    pub fn looked_up_positionals(&self) -> impl Iterator<Item = (usize, &Positional, Lookup)> {
        self.positionals
            .iter()
            .enumerate()
            .filter_map(|(place, positional)| Some((place, positional, positional.lookup?)))
    }
}

/// The completion script of `command` for `shell`.
pub fn render(shell: Shell, command: &Command) -> String {
    let name = command.get_name().to_string();
    let mut generated = Vec::new();
    let mut command = command.clone();
    let spec = Spec::of(&command);
    clap_complete::generate(shell.generator(), &mut command, &name, &mut generated);
    let generated = String::from_utf8(generated).expect("clap_complete writes text");
    match shell {
        Shell::Bash => bash::render(&spec, &generated),
        Shell::Zsh => zsh::render(&spec, &generated),
        Shell::Fish => fish::render(&spec, &generated),
    }
}

/// The comment opening the vethkit layer of a bash or zsh completion.
const HANDOVER: &str = r#"
# vethkit: the values clap cannot know are looked up when tab is pressed;
# every other word goes to clap's function above.
"#;

/// When a command's completion needs one of a shell's helper functions.
#[derive(Clone, Copy)]
pub enum Need {
    /// Every command's completion needs it.
    Always,
    /// Commands looking up this kind of value need it.
    Lookup(Lookup),
    /// Commands whose lookups happen in the namespace `--netns` names need it.
    NetnsOption,
    /// Commands looking up some positional argument need it.
    Positionals,
}

/// `case SUBJECT in (PATTERN) CODE ;; ... esac`, as bash and zsh both read
/// it, or nothing without branches.
fn case_block(subject: &str, branches: impl Iterator<Item = (String, String)>) -> String {
    let branches: String = branches
        .map(|(pattern, code)| format!("        ({pattern}) {code} ;;\n"))
        .collect();
    if branches.is_empty() {
        String::new()
    } else {
        format!("    case {subject} in\n{branches}    esac\n")
    }
}

/// A case on `subject`, the word before the cursor, completing the value
/// of each looked-up option with `reply`; nothing when there is none.
fn option_cases(spec: &Spec, subject: &str, reply: impl Fn(Lookup) -> String) -> String {
    case_block(
        subject,
        spec.looked_up_options().map(|(option, lookup)| {
            (
                option.spellings.join("|"),
                format!("{}; return", reply(lookup)),
            )
        }),
    )
}

/// The call finding the positional words before the cursor and a case on
/// `subject`, how many there are, completing each looked-up positional
/// with `reply` (given its place, counting from 0); nothing when no
/// positional is looked up.
fn positional_cases(spec: &Spec, subject: &str, reply: impl Fn(Lookup, usize) -> String) -> String {
    let block = case_block(
        subject,
        spec.looked_up_positionals()
            .map(|(place, positional, lookup)| {
                let pattern = if positional.many {
                    "*".to_string()
                } else {
                    place.to_string()
                };
                (pattern, reply(lookup, place))
            }),
    );
    if block.is_empty() {
        block
    } else {
        format!(
            "    _vethkit_positionals{}\n{block}",
            spec.value_option_arguments()
        )
    }
}

/// `netns=...`: the namespace named on the command line, where bash's and
/// zsh's lookups of interfaces and sysctl keys happen; nothing for a
/// command without `--netns`.
fn netns_assignment(spec: &Spec) -> String {
    if spec.netns_option.is_empty() {
        String::new()
    } else {
        format!(
            "    netns=$(_vethkit_option_value {})\n",
            spec.netns_option.join(" ")
        )
    }
}
