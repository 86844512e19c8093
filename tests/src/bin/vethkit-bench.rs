//! Measuring for `make bench`, without a shell between the clock and the
//! command:
//! - `vethkit-bench time RUNS CMD [ARG...]` runs CMD RUNS times (no stdin,
//!   output discarded) and prints the median wall time of one run in
//!   microseconds; a run that fails stops it.
//! - `vethkit-bench rss LOG CMD [ARG...]` runs CMD once with the caller's
//!   standard streams, appends "CMD PEAK_KB" to LOG (the largest resident
//!   size of CMD and anything it waited for), and exits with CMD's status.

use std::fs::OpenOptions;
use std::io::Write;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use nix::sys::resource::{getrusage, UsageWho};

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    match arguments.as_slice() {
        [mode, runs, command @ ..] if mode == "time" && !command.is_empty() => match runs.parse() {
            Ok(runs) if runs > 0 => time(runs, command),
            _ => usage(),
        },
        [mode, log, command @ ..] if mode == "rss" && !command.is_empty() => rss(log, command),
        _ => usage(),
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: vethkit-bench time RUNS CMD [ARG...] | vethkit-bench rss LOG CMD [ARG...]");
    ExitCode::from(2)
}

fn time(runs: usize, command: &[String]) -> ExitCode {
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let status = Command::new(&command[0])
            .args(&command[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status();
        samples.push(start.elapsed().as_micros());
        match status {
            Ok(status) if status.success() => {}
            Ok(status) => {
                eprintln!("vethkit-bench: {}: {status}", command.join(" "));
                return ExitCode::FAILURE;
            }
            Err(error) => {
                eprintln!("vethkit-bench: {}: {error}", command[0]);
                return ExitCode::FAILURE;
            }
        }
    }
    samples.sort_unstable();
    println!("{}", samples[samples.len() / 2]);
    ExitCode::SUCCESS
}

fn rss(log: &str, command: &[String]) -> ExitCode {
    let status = match Command::new(&command[0]).args(&command[1..]).status() {
        Ok(status) => status,
        Err(error) => {
            eprintln!("vethkit-bench: {}: {error}", command[0]);
            return ExitCode::FAILURE;
        }
    };
    let peak_kb = children_peak_kb();
    let line = format!("{} {peak_kb}\n", command[0]);
    let written = OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .and_then(|mut file| file.write_all(line.as_bytes()));
    if let Err(error) = written {
        eprintln!("vethkit-bench: {log}: {error}");
        return ExitCode::FAILURE;
    }
    ExitCode::from(status.code().unwrap_or(1) as u8)
}

/// The largest resident set size, in kilobytes, of the children waited for.
fn children_peak_kb() -> i64 {
    getrusage(UsageWho::RUSAGE_CHILDREN).map_or(0, |usage| usage.max_rss())
}
