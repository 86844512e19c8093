//! br-attach: create a bridge if missing, bring it up, address it, and
//! attach (or detach) its ports, named on the command line or read from stdin.

pub mod bridge;
pub mod cli;
mod stdin;

use std::collections::HashSet;

use vethkit_core::cli::print_line;
use vethkit_core::name::IfName;
use vethkit_core::plan::Applied;
use vethkit_core::ready;
use vethkit_core::{Error, Result};

use bridge::Bridge;
pub use cli::Cli;

/// Runs br-attach with the process's arguments. The whole invocation is
/// one all-or-nothing unit, the ports read from stdin included: they are
/// attached as they arrive, and a bad line rolls every change back.
pub fn run() -> Result<()> {
    let cli: Cli = vethkit_core::cli::parse()?;
    let json = cli.json.json;
    let from_stdin = cli.ports.iter().any(|port| port == "-");
    let mut bridge = Bridge {
        ports: named_ports(&cli.ports)?,
        detach: unique(cli.detach.clone()),
        stp: cli.stp(),
        name: cli.bridge,
        netns: cli.netns.netns,
        addrs: cli.addrs,
        mtu: cli.mtu,
        up: !cli.no_up,
    };
    let mut executor = cli.changes.executor("br-attach")?;
    let plan = bridge.plan(&mut executor.context)?;
    let mut applied = Applied::default();
    executor.run_within(&plan, &mut applied)?;
    if from_stdin {
        stdin::attach(&mut executor, &mut bridge, applied, json)?;
    }
    if !executor.mode.dry_run {
        match bridge.mtu_warning(&mut executor.context) {
            Ok(Some(warning)) => eprintln!("br-attach: {warning}"),
            Ok(None) => {}
            Err(error) => eprintln!("br-attach: warning: {error}"),
        }
        match bridge.ipv6_addresses(&mut executor.context) {
            Ok(addresses) => {
                ready::wait_for_addresses(&mut executor.context, "br-attach", addresses.as_slice())
            }
            Err(error) => eprintln!("br-attach: {error}"),
        }
        if json {
            report(&bridge);
        }
    }
    Ok(())
}

/// The ports named in the arguments, each once; '-' (stdin) is read later.
fn named_ports(arguments: &[String]) -> Result<Vec<IfName>> {
    let ports = arguments
        .iter()
        .filter(|argument| *argument != "-")
        .map(|argument| argument.parse().map_err(Error::usage))
        .collect::<Result<Vec<IfName>>>()?;
    Ok(unique(ports))
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
