//! vethkit's generator: writes `man/<command>.8` and the bash, zsh and fish
//! completions under `completions/` from each command's own clap
//! definition. `make docs` runs it; the output is committed, and a test
//! fails when it is stale.
//!
//! Usage: `cargo run -p xtask -- docs [DIR]` (DIR: the workspace, by default).

mod commands;
mod completions;
mod date;
mod docs;
mod man;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some("docs"), out, None) = (args.next().as_deref(), args.next(), args.next()) else {
        eprintln!("usage: xtask docs [DIR]");
        return ExitCode::from(2);
    };
    let out = out.map_or_else(docs::workspace, PathBuf::from);
    let date = match date::from_environment() {
        Ok(date) => date,
        Err(message) => {
            eprintln!("xtask: {message}");
            return ExitCode::from(2);
        }
    };
    match docs::write(&out, &docs::generate(&date)) {
        Ok(count) => {
            eprintln!("xtask: {count} files written under {}", out.display());
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}
