//! link-shape: give links delay, loss, duplication, corruption,
//! reordering or a rate, as one root qdisc each (netem, or tbf for a rate
//! alone); put back the qdiscs they had; show them.

pub mod clear;
pub mod cli;
pub mod shaping;
pub mod show;

use std::io::{self, BufRead};

use vethkit_core::cli::print_line;
use vethkit_core::error::io_words;
use vethkit_core::name::IfName;
use vethkit_core::{Error, Result};

pub use cli::Cli;

/// Runs link-shape with the process's arguments.
pub fn run() -> Result<()> {
    let cli: Cli = vethkit_core::cli::parse()?;
    let devs = links(&cli.devs)?;
    let netns = &cli.netns.netns;
    if cli.show {
        return show::show(netns, &devs, cli.json.json);
    }
    if devs.is_empty() {
        return Err(Error::usage(
            "no link named: give DEV..., or - to read them from stdin",
        ));
    }
    let mut executor = cli.changes.executor("link-shape")?;
    if cli.clear {
        return clear::clear(&mut executor, netns, &devs);
    }
    let shape = shaping::shape(&cli)?;
    let plan = shaping::plan(&mut executor.context, netns, &devs, &shape)?;
    executor.run(&plan)?;
    if !executor.mode.dry_run {
        for dev in &devs {
            print_line(dev.as_str());
        }
    }
    Ok(())
}

/// The links named, `-` standing for the names on stdin (one a line),
/// each once, in order.
fn links(words: &[String]) -> Result<Vec<IfName>> {
    let mut names = Vec::new();
    for word in words {
        if word == "-" {
            for line in io::stdin().lock().lines() {
                let line = line.map_err(|error| {
                    Error::usage(format!("cannot read stdin: {}", io_words(&error)))
                })?;
                if !line.trim().is_empty() {
                    names.push(line.trim().to_string());
                }
            }
        } else {
            names.push(word.clone());
        }
    }
    let mut links: Vec<IfName> = Vec::new();
    for name in names {
        let link: IfName = name.parse().map_err(Error::usage)?;
        if !links.contains(&link) {
            links.push(link);
        }
    }
    Ok(links)
}
