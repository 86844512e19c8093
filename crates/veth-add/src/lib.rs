//! veth-add: create veth pairs, one from the command line or many from a
//! batch file, and print the ends left in the caller's namespace.

pub mod cli;
pub mod pair;

use std::io::{self, BufRead, BufReader, Read};

use clap::Parser;
use vethkit_core::cli::print_line;
use vethkit_core::plan::{Executor, Mode};
use vethkit_core::{Error, Result};

pub use cli::Cli;
use pair::Pair;

/// Runs veth-add with the process's arguments.
pub fn run() -> Result<()> {
    let cli: Cli = vethkit_core::cli::parse()?;
    let mode = Mode {
        dry_run: cli.dry_run,
        verbose: cli.verbose,
    };
    let json = cli.json;
    let batch = cli.batch.is_some();
    let pairs = match &cli.batch {
        Some(path) => read_batch(path, &cli)?,
        None => vec![Pair::from_cli(cli)?],
    };
    let mut executor = Executor::new("veth-add", mode)?;
    for (number, pair) in pairs.iter().enumerate() {
        let result = pair
            .plan(&mut executor.context)
            .and_then(|plan| executor.run(&plan));
        if let Err(error) = result {
            return Err(if batch {
                error.context(format!("line {}", number + 1))
            } else {
                error
            });
        }
        if !mode.dry_run {
            report(pair, json);
        }
    }
    Ok(())
}

/// Prints the ends left in the caller's namespace, or the pair as JSON.
fn report(pair: &Pair, json: bool) {
    if json {
        let end = |end: &pair::End| {
            serde_json::json!({
                "ifname": end.name.as_str(),
                "netns": end.netns.as_ref().map(|n| n.as_str()),
                "addresses": end.addrs.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
                "gateways": end.gateways.iter().map(|g| g.to_string()).collect::<Vec<_>>(),
            })
        };
        print_line(
            &serde_json::json!({ "ends": [end(&pair.first), end(&pair.second)] }).to_string(),
        );
    } else {
        for end in pair.local_ends() {
            print_line(end.name.as_str());
        }
    }
}

/// Reads and checks every line of a batch before anything is done.
fn read_batch(path: &std::path::Path, cli: &Cli) -> Result<Vec<Pair>> {
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
    let reader: Box<dyn Read> = if path.as_os_str() == "-" {
        Box::new(io::stdin())
    } else {
        let file = std::fs::File::open(path).map_err(|error| {
            Error::usage(format!(
                "cannot read {}: {}",
                path.display(),
                vethkit_core::error::io_words(&error)
            ))
        })?;
        Box::new(file)
    };
    let mut pairs = Vec::new();
    for (number, line) in BufReader::new(reader).lines().enumerate() {
        let line =
            line.map_err(|error| Error::usage(format!("cannot read {}: {error}", path.display())))?;
        let at = |message: String| {
            Error::usage(format!(
                "{}: line {}: {message}",
                path.display(),
                number + 1
            ))
        };
        let words: Vec<&str> = line
            .split('#')
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .collect();
        if words.is_empty() {
            continue;
        }
        let mut line_cli = Cli::try_parse_from(std::iter::once("veth-add").chain(words))
            .map_err(|error| at(vethkit_core::cli::one_line(&error)))?;
        if line_cli.batch.is_some() || line_cli.dry_run || line_cli.verbose || line_cli.json {
            return Err(at(
                "--batch, --dry-run, --verbose and --json go on the command line, not in the file"
                    .into(),
            ));
        }
        line_cli.no_up |= cli.no_up;
        pairs.push(Pair::from_cli(line_cli).map_err(|error| at(error.to_string()))?);
    }
    Ok(pairs)
}
