//! `--batch`: one pair a line. Every line is checked before anything is
//! done; then the batch is read again and each line is made, all or nothing,
//! its ends printed at once. A line that fails is undone and stops the
//! batch; the lines before it stay.
//!
//! Lines are planned a few dozen ahead, their undo steps written to the
//! journal in one write (see [`vethkit_core::ahead`]).
//! Memory stays the same however long the batch: the input is read twice
//! rather than kept (a pipe is copied into a memory file first).

use std::fs::File;
use std::io::{self, BufRead, BufReader, Seek, SeekFrom};
use std::os::fd::AsFd;
use std::path::Path;

use clap::Parser;
use nix::sys::memfd::{memfd_create, MFdFlags};
use vethkit_core::ahead::{Ahead, Failure, Units};
use vethkit_core::context::ToCreate;
use vethkit_core::cover::Named;
use vethkit_core::error::io_words;
use vethkit_core::name::NsName;
use vethkit_core::plan::{Applied, Executor, Plan};
use vethkit_core::ready;
use vethkit_core::step::netns::NetnsAdd;
use vethkit_core::step::Step;
use vethkit_core::{Error, Result};

use crate::cli::Cli;
use crate::pair::Pair;
use crate::report;

/// A batch's text, which can be read from the start as often as needed.
struct Batch {
    /// The name in messages: the path, or "stdin".
    source: String,
    file: File,
    start: u64,
    /// `--no-up`, `--no-ipv6` and `--peer-no-ipv6` on the command line
    /// apply to every line.
    every_line: EveryLine,
}

/// The options of the command line that apply to every line.
#[derive(Clone, Copy)]
struct EveryLine {
    no_up: bool,
    no_ipv6: bool,
    peer_no_ipv6: bool,
}

/// Makes the pairs of the batch `path` (`-` for stdin), as `cli` asks.
pub fn run(path: &Path, cli: &Cli, executor: &mut Executor) -> Result<()> {
    let mut batch = Batch::open(path, cli)?;
    batch.each_pair(|_, _| Ok(()))?;
    let mut ahead = Ahead::default();
    let mut added = Vec::new();
    batch.each_pair(|line, pair| {
        let touches = touches(&pair);
        if ahead.must_apply_before(&touches) {
            make(&mut ahead, executor, cli.json.json)?;
        }
        match pair.plan(&mut executor.context) {
            Ok(plan) => {
                added.extend(ready::added_by(&plan));
                ahead.push((line, pair), plan, touches);
                Ok(())
            }
            Err(error) => {
                make(&mut ahead, executor, cli.json.json)?;
                Err(error.context(format!("line {line}")))
            }
        }
    })?;
    make(&mut ahead, executor, cli.json.json)?;
    if !executor.mode.dry_run {
        ready::wait_for_addresses(&mut executor.context, "veth-add", &added);
    }
    Ok(())
}

impl Batch {
    fn open(path: &Path, cli: &Cli) -> Result<Self> {
        let pair_options_given = cli.name.is_some()
            || cli.netns.is_some()
            || cli.peer_netns.is_some()
            || !cli.addrs.is_empty()
            || !cli.peer_addrs.is_empty()
            || !cli.gateways.is_empty()
            || !cli.peer_gateways.is_empty()
            || cli.mtu.is_some()
            || cli.mac.is_some()
            || cli.peer_mac.is_some();
        if pair_options_given {
            return Err(Error::usage(
                "with --batch, the pairs and their options go in the file, one pair a line",
            ));
        }
        let from_stdin = path.as_os_str() == "-";
        let source = if from_stdin {
            "stdin".to_string()
        } else {
            path.display().to_string()
        };
        let cannot =
            |error: io::Error| Error::usage(format!("cannot read {source}: {}", io_words(&error)));
        let file = if from_stdin {
            io::stdin().as_fd().try_clone_to_owned().map(File::from)
        } else {
            File::open(path)
        };
        let (file, start) = file.and_then(rereadable).map_err(cannot)?;
        Ok(Batch {
            file,
            start,
            source,
            every_line: EveryLine {
                no_up: cli.no_up,
                no_ipv6: cli.no_ipv6,
                peer_no_ipv6: cli.peer_no_ipv6,
            },
        })
    }

    /// Calls `each` with every pair of the batch and its line number, from
    /// the first line, stopping at the first error.
    fn each_pair(&mut self, mut each: impl FnMut(usize, Pair) -> Result<()>) -> Result<()> {
        let cannot = |error: io::Error| {
            Error::usage(format!("cannot read {}: {}", self.source, io_words(&error)))
        };
        self.file
            .seek(SeekFrom::Start(self.start))
            .map_err(cannot)?;
        for (index, line) in BufReader::new(&self.file).lines().enumerate() {
            let number = index + 1;
            let line = line.map_err(cannot)?;
            if let Some(pair) = self.parse(&line).map_err(|message| {
                Error::usage(format!("{}: line {number}: {message}", self.source))
            })? {
                each(number, pair)?;
            }
        }
        Ok(())
    }

    /// The pair a line asks for; `None` for a blank or comment line.
    fn parse(&self, line: &str) -> Result<Option<Pair>, String> {
        let words: Vec<&str> = line
            .split('#')
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .collect();
        if words.is_empty() {
            return Ok(None);
        }
        let mut cli = Cli::try_parse_from(std::iter::once("veth-add").chain(words))
            .map_err(|error| vethkit_core::cli::one_line(&error))?;
        if cli.batch.is_some() || cli.changes.dry_run || cli.changes.verbose || cli.json.json {
            return Err(
                "--batch, --dry-run, --verbose and --json go on the command line, not in the file"
                    .into(),
            );
        }
        cli.no_up |= self.every_line.no_up;
        cli.no_ipv6 |= self.every_line.no_ipv6;
        cli.peer_no_ipv6 |= self.every_line.peer_no_ipv6;
        Pair::from_cli(cli)
            .map(Some)
            .map_err(|error| error.to_string())
    }
}

/// `file` and where its text starts, as a file that can be read twice:
/// itself when it can seek, otherwise (a pipe) a copy in an anonymous
/// memory file.
fn rereadable(mut file: File) -> io::Result<(File, u64)> {
    if let Ok(start) = file.stream_position() {
        return Ok((file, start));
    }
    let mut copy = File::from(memfd_create("veth-add batch", MFdFlags::MFD_CLOEXEC)?);
    io::copy(&mut file, &mut copy)?;
    Ok((copy, 0))
}

/// Makes the lines waiting in `ahead` and prints their ends. A line that
/// fails is rolled back, the lines after it are forgotten, and its error
/// returned.
fn make(ahead: &mut Ahead<(usize, Pair)>, executor: &mut Executor, json: bool) -> Result<()> {
    let mut applied = Applied::default();
    let made = ahead.apply(
        executor,
        (&mut applied, Units::EachPlan),
        |executor, plans| executor.context.create_ahead(new_namespaces(plans)),
        |(_, pair)| report(&pair, json),
    );
    let Err(Failure { item, error }) = made else {
        return Ok(());
    };
    executor.context.discard_ahead();
    let error = executor.roll_back(error, applied);
    Err(match item {
        Some((line, _)) => error.context(format!("line {line}")),
        None => error,
    })
}

/// The namespaces `plans` make, each with the sysctls its plan sets there
/// right after making it.
fn new_namespaces(plans: &[Plan]) -> Vec<ToCreate> {
    let mut to_create: Vec<ToCreate> = Vec::new();
    let mut newest: Option<&NsName> = None;
    for step in plans.iter().flat_map(|plan| &plan.steps) {
        match step {
            Step::NetnsAdd(NetnsAdd { name }) => {
                to_create.push(ToCreate {
                    name: name.clone(),
                    sysctls: Vec::new(),
                });
                newest = Some(name);
            }
            Step::SysctlSet(set) if set.netns.as_ref() == newest => {
                let sysctls = &mut to_create.last_mut().expect("a namespace was made").sysctls;
                sysctls.push((set.key.clone(), set.value.clone()));
            }
            _ => newest = None,
        }
    }
    to_create
}

/// The named namespaces and the interfaces a pair touches.
fn touches(pair: &Pair) -> Vec<Named> {
    let mut touches = Vec::new();
    for end in [&pair.first, &pair.second] {
        if let Some(netns) = &end.netns {
            touches.push(Named::Netns(netns.clone()));
        }
        touches.push(Named::Link(end.netns.clone(), end.name.clone()));
    }
    touches
}
