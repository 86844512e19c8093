//! veth-add: create veth pairs, one from the command line or many from a
//! batch file, and print the ends left in the caller's namespace.

pub mod batch;
pub mod cli;
pub mod pair;

use vethkit_core::cli::print_line;
use vethkit_core::ready;
use vethkit_core::Result;

pub use cli::Cli;
use pair::Pair;

/// Runs veth-add with the process's arguments.
pub fn run() -> Result<()> {
    let cli: Cli = vethkit_core::cli::parse()?;
    let mut executor = cli.changes.executor("veth-add")?;
    if let Some(path) = &cli.batch {
        return batch::run(path, &cli, &mut executor);
    }
    let json = cli.json.json;
    let pair = Pair::from_cli(cli)?;
    let plan = pair.plan(&mut executor.context)?;
    executor.run(&plan)?;
    if !executor.mode.dry_run {
        ready::wait_for_addresses(&mut executor.context, "veth-add", &ready::added_by(&plan));
        report(&pair, json);
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
