//! netns-reset: move a namespace's links back to the caller's namespace and
//! delete it, or undo everything vethkit recorded.

pub mod all;
pub mod cli;
pub mod move_back;

use vethkit_core::cli::print_line;
use vethkit_core::Result;

pub use cli::Cli;

/// Runs netns-reset with the process's arguments.
pub fn run() -> Result<()> {
    let cli: Cli = vethkit_core::cli::parse()?;
    let mut executor = cli.changes.executor("netns-reset")?;
    if cli.all {
        return all::run(&mut executor);
    }
    let reset = move_back::plan(
        &mut executor.context,
        &cli.namespaces,
        &cli.renames,
        cli.keep_netns,
        cli.missing_ok,
    )?;
    move_back::apply(&mut executor, &reset)?;
    for staying in &reset.staying {
        eprintln!("netns-reset: {staying}");
    }
    if !executor.mode.dry_run {
        for back in &reset.returns {
            print_line(back.arrival.as_str());
        }
    }
    Ok(())
}
