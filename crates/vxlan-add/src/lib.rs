//! vxlan-add: create a VXLAN link on an uplink, with its remotes, and
//! print its name.

pub mod cli;
pub mod tunnel;

use vethkit_core::cli::print_line;
use vethkit_core::Result;

pub use cli::Cli;
use tunnel::Tunnel;

/// Runs vxlan-add with the process's arguments.
pub fn run() -> Result<()> {
    let cli: Cli = vethkit_core::cli::parse()?;
    let json = cli.json.json;
    let mut executor = cli.changes.executor("vxlan-add")?;
    let tunnel = Tunnel::from_cli(cli)?;
    let plan = tunnel.plan(&mut executor.context)?;
    executor.run(&plan)?;
    if !executor.mode.dry_run {
        report(&tunnel, json);
    }
    Ok(())
}

/// Prints the link's name, or the link and its settings as JSON.
fn report(tunnel: &Tunnel, json: bool) {
    if !json {
        print_line(tunnel.name.as_str());
        return;
    }
    let strings =
        |ips: &[std::net::IpAddr]| -> Vec<String> { ips.iter().map(|ip| ip.to_string()).collect() };
    print_line(
        &serde_json::json!({
            "ifname": tunnel.name.as_str(),
            "netns": tunnel.netns.as_ref().map(|n| n.as_str()),
            "id": tunnel.id,
            "remotes": strings(&tunnel.remotes),
            "group": tunnel.group.map(|group| group.to_string()),
            "local": tunnel.local.map(|local| local.to_string()),
            "dev": tunnel.dev.as_str(),
            "port": tunnel.port,
        })
        .to_string(),
    );
}
