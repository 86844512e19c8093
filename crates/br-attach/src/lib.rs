//! br-attach: create a bridge if missing, bring it up, address it, and
//! attach (or detach) its ports, named on the command line or read from stdin.

pub mod bridge;
pub mod cli;

use std::collections::HashSet;
use std::io::{self, BufRead};

use vethkit_core::cli::print_line;
use vethkit_core::name::IfName;
use vethkit_core::plan::{Executor, Mode};
use vethkit_core::{Error, Result};

use bridge::Bridge;
pub use cli::Cli;

/// Runs br-attach with the process's arguments.
pub fn run() -> Result<()> {
    let cli: Cli = vethkit_core::cli::parse()?;
    let mode = Mode {
        dry_run: cli.dry_run,
        verbose: cli.verbose,
    };
    let json = cli.json;
    let bridge = Bridge {
        ports: ports(&cli.ports)?,
        detach: unique(cli.detach.clone()),
        stp: cli.stp(),
        name: cli.bridge,
        netns: cli.netns,
        addrs: cli.addrs,
        mtu: cli.mtu,
        up: !cli.no_up,
    };
    let mut executor = Executor::new("br-attach", mode)?;
    let plan = bridge.plan(&mut executor.context)?;
    executor.run(&plan)?;
    if json && !mode.dry_run {
        report(&bridge);
    }
    Ok(())
}

/// The ports named in the arguments, '-' standing for the names on stdin.
fn ports(arguments: &[String]) -> Result<Vec<IfName>> {
    let mut ports = Vec::new();
    for argument in arguments {
        if argument == "-" {
            ports.extend(read_ports(io::stdin().lock())?);
        } else {
            ports.push(argument.parse().map_err(Error::usage)?);
        }
    }
    Ok(unique(ports))
}

/// One interface name a line; blank lines and `#` comments are skipped.
fn read_ports(input: impl BufRead) -> Result<Vec<IfName>> {
    let mut ports = Vec::new();
    for (number, line) in input.lines().enumerate() {
        let line = line.map_err(|error| {
            Error::usage(format!(
                "cannot read stdin: {}",
                vethkit_core::error::io_words(&error)
            ))
        })?;
        let name = line.split('#').next().unwrap_or_default().trim();
        if name.is_empty() {
            continue;
        }
        let port = name
            .parse()
            .map_err(|error| Error::usage(format!("stdin: line {}: {error}", number + 1)))?;
        ports.push(port);
    }
    Ok(ports)
}

/// The names in their first order, each once.
fn unique(mut names: Vec<IfName>) -> Vec<IfName> {
    let mut seen = HashSet::with_capacity(names.len());
    names.retain(|name| seen.insert(name.clone()));
    names
}

/// Prints the bridge, the ports attached or detached and its addresses as JSON.
fn report(bridge: &Bridge) {
    let names = |names: &[IfName]| -> Vec<String> { names.iter().map(IfName::to_string).collect() };
    print_line(
        &serde_json::json!({
            "bridge": bridge.name.as_str(),
            "netns": bridge.netns.as_ref().map(|n| n.as_str()),
            "attached": names(&bridge.ports),
            "detached": names(&bridge.detach),
            "addresses": bridge.addrs.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
        })
        .to_string(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdin_names_skip_blanks_and_comments_and_are_checked() {
        let names =
            read_ports("br-veth3\n\n  br-veth4  \n# a comment\nx # trailing\n".as_bytes()).unwrap();
        let names: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
        assert_eq!(names, ["br-veth3", "br-veth4", "x"]);
        let error = read_ports("ok\nbad/name\n".as_bytes()).unwrap_err();
        assert!(error.to_string().starts_with("stdin: line 2: "), "{error}");
        assert_eq!(error.exit_status(), 2);
    }
}
