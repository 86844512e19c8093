//! sysctl-set: set network sysctls in the caller's or a named namespace,
//! recording the values they replace; print them; put recorded values back.

pub mod cli;
pub mod request;

use std::collections::HashMap;
use std::io::{self, BufRead};

use vethkit_core::cli::print_line;
use vethkit_core::context::{in_netns, Context, Netns, Presence};
use vethkit_core::error::quoted;
use vethkit_core::journal::Entry;
use vethkit_core::lookup;
use vethkit_core::plan::{Executor, Plan};
use vethkit_core::step::sysctl::SysctlRestore;
use vethkit_core::step::Step;
use vethkit_core::sysctl::Key;
use vethkit_core::{Error, Result};

pub use cli::Cli;
use request::{Assignment, Request};

/// Runs sysctl-set with the process's arguments.
pub fn run() -> Result<()> {
    let cli: Cli = vethkit_core::cli::parse()?;
    let netns = &cli.netns.netns;
    if cli.restore {
        let keys = cli
            .arguments
            .iter()
            .map(|word| restore_key(word))
            .collect::<Result<Vec<_>>>()?;
        let mut executor = cli.changes.executor("sysctl-set")?;
        return restore(&mut executor, netns, &keys);
    }
    let stdin = || Box::new(io::stdin().lock()) as Box<dyn BufRead>;
    let request = request::parse(&cli.arguments, stdin)?;
    let mut executor = cli.changes.executor("sysctl-set")?;
    match request {
        Request::Print(keys) => {
            for key in &keys {
                print_line(&lookup::sysctl(&mut executor.context, netns, key)?);
            }
            Ok(())
        }
        Request::Set(assignments) => {
            let _lock = executor.lock_sysctls()?;
            let plan = plan(&mut executor.context, netns, &assignments)?;
            executor.run(&plan)
        }
    }
}

/// A key `--restore` is given: a key alone, since the value put back is
/// the one recorded.
fn restore_key(word: &str) -> Result<Key> {
    if word.contains('=') {
        return Err(Error::usage(format!(
            "--restore takes keys, not KEY=VALUE ({}): it puts back the value recorded before the first change",
            quoted(word)
        )));
    }
    word.trim().parse().map_err(Error::usage)
}

/// One step a key whose value changes, each knowing the value it replaces.
fn plan(context: &mut Context, netns: &Netns, assignments: &[Assignment]) -> Result<Plan> {
    let mut plan = Plan::default();
    for Assignment { key, value } in assignments {
        plan.steps
            .extend(lookup::sysctl_change(context, netns, key, value)?);
    }
    Ok(plan)
}

/// The records of the keys of `netns` (those of `keys`, or all), oldest
/// first: by key, in the order the keys were first changed, and apart,
/// those of a namespace of that name since deleted.
struct Records {
    keys: Vec<Key>,
    of_key: HashMap<Key, Vec<(Entry, SysctlRestore)>>,
    of_a_namespace_gone: Vec<Entry>,
}

impl Records {
    fn read(executor: &mut Executor, netns: &Netns, keys: &[Key]) -> Result<Self> {
        let mut records = Records {
            keys: Vec::new(),
            of_key: HashMap::new(),
            of_a_namespace_gone: Vec::new(),
        };
        for entry in executor.journal.entries(executor.program)? {
            let Step::SysctlRestore(restore) = &entry.undo else {
                continue;
            };
            if restore.netns != *netns || !(keys.is_empty() || keys.contains(&restore.key)) {
                continue;
            }
            // A namespace of that name made since has keys of its own.
            if executor.context.presence(netns.as_ref(), restore.netns_id) != Presence::There {
                records.of_a_namespace_gone.push(entry);
                continue;
            }
            let restore = restore.clone();
            if !records.of_key.contains_key(&restore.key) {
                records.keys.push(restore.key.clone());
            }
            let key = restore.key.clone();
            records
                .of_key
                .entry(key)
                .or_default()
                .push((entry, restore));
        }
        Ok(records)
    }
}

/// Puts back, for each recorded key of `netns` (those of `keys`, or all),
/// the value it had before its first recorded change, unless someone set
/// it since vethkit last did (their value stays, and is reported), and
/// forgets the key's records. A key that cannot be put back keeps them.
fn restore(executor: &mut Executor, netns: &Netns, keys: &[Key]) -> Result<()> {
    let _lock = executor.lock_sysctls()?;
    let records = Records::read(executor, netns, keys)?;
    for key in keys.iter().filter(|key| !records.of_key.contains_key(key)) {
        eprintln!(
            "sysctl-set: nothing to restore for {key}{}: no change of it is recorded",
            in_netns(netns.as_ref())
        );
    }
    let mut failures = Vec::new();
    for key in &records.keys {
        let changes = &records.of_key[key];
        let first = Plan {
            steps: vec![first_value_back(changes).into()],
        };
        match executor.run(&first) {
            Ok(()) if executor.mode.dry_run => {}
            Ok(()) => executor
                .journal
                .forget(changes.iter().map(|(entry, _)| entry))?,
            Err(error) => failures.push(error.to_string()),
        }
    }
    if !executor.mode.dry_run {
        executor.journal.forget(&records.of_a_namespace_gone)?;
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Error::failed(failures.join("; ")))
    }
}

/// The step that puts back the value a key had before the first of its
/// recorded `changes` (oldest first), while it holds the value the last of
/// them wrote.
fn first_value_back(changes: &[(Entry, SysctlRestore)]) -> SysctlRestore {
    let mut first = changes[0].1.clone();
    first.wrote = changes[changes.len() - 1].1.wrote.clone();
    first
}
