//! Measuring for `make bench`, without a shell between the clock and the
//! command:
//! - `vethkit-bench time RUNS CMD [ARG...]` runs CMD RUNS times (no stdin,
//!   output discarded) and prints the median wall time of one run in
//!   microseconds; a run that fails stops it.
//! - `vethkit-bench rss LOG CMD [ARG...]` runs CMD once with the caller's
//!   standard streams, appends "CMD PEAK_KB" to LOG (the largest resident
//!   size of CMD and anything it waited for), and exits with CMD's status.
//! - `vethkit-bench now` prints "MS USER SYSTEM": the time (milliseconds
//!   since the epoch) and the CPU time all CPUs have spent so far in user
//!   and in kernel mode (interrupts included), in milliseconds.
//! - `vethkit-bench quiet` waits until the CPUs are quiet (under 10% busy
//!   for half a second) and prints `now`'s line for the moment the quiet
//!   began; it fails after two minutes.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::process::{Command, ExitCode, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nix::sys::resource::{getrusage, UsageWho};

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    match arguments.as_slice() {
        [mode, runs, command @ ..] if mode == "time" && !command.is_empty() => match runs.parse() {
            Ok(runs) if runs > 0 => time(runs, command),
            _ => usage(),
        },
        [mode, log, command @ ..] if mode == "rss" && !command.is_empty() => rss(log, command),
        [mode] if mode == "now" => print_now(),
        [mode] if mode == "quiet" => quiet(),
        _ => usage(),
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: vethkit-bench time RUNS CMD [ARG...] | rss LOG CMD [ARG...] | now | quiet");
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

/// A moment: the wall clock and the CPU time spent so far, all CPUs.
#[derive(Clone, Copy)]
struct Moment {
    epoch_ms: u128,
    /// Ticks in user mode (nice included).
    user: u64,
    /// Ticks in kernel mode, interrupts and soft interrupts included (time
    /// stolen by the hypervisor left out).
    system: u64,
    /// Ticks idle (waiting for I/O included).
    idle: u64,
}

/// The kernel counts CPU time in ticks of 1/100 s (`USER_HZ`), in `/proc/stat`.
const MS_A_TICK: u64 = 10;

fn moment() -> Result<Moment, String> {
    let stat = fs::read_to_string("/proc/stat").map_err(|error| format!("/proc/stat: {error}"))?;
    let ticks: Vec<u64> = stat
        .lines()
        .next()
        .filter(|line| line.starts_with("cpu "))
        .ok_or("/proc/stat: no cpu line")?
        .split_whitespace()
        .skip(1)
        .map(|word| word.parse().unwrap_or(0))
        .collect();
    let tick = |index: usize| ticks.get(index).copied().unwrap_or(0);
    // user nice system idle iowait irq softirq steal
    Ok(Moment {
        epoch_ms: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_millis()),
        user: tick(0) + tick(1),
        system: tick(2) + tick(5) + tick(6),
        idle: tick(3) + tick(4),
    })
}

fn print_moment(moment: &Moment) {
    println!(
        "{} {} {}",
        moment.epoch_ms,
        moment.user * MS_A_TICK,
        moment.system * MS_A_TICK
    );
}

fn print_now() -> ExitCode {
    match moment() {
        Ok(now) => {
            print_moment(&now);
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("vethkit-bench: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Looks at the CPUs every tenth of a second; quiet is five looks in a row
/// under 10% busy.
fn quiet() -> ExitCode {
    const LOOK: Duration = Duration::from_millis(100);
    const LOOKS: usize = 5;
    const PATIENCE: Duration = Duration::from_secs(120);
    let started = Instant::now();
    let mut looks: Vec<Moment> = Vec::new();
    while started.elapsed() < PATIENCE {
        match moment() {
            Ok(now) => looks.push(now),
            Err(error) => {
                eprintln!("vethkit-bench: {error}");
                return ExitCode::FAILURE;
            }
        }
        if let Some(window) = looks.windows(2).last() {
            let (before, after) = (window[0], window[1]);
            let busy = (after.user + after.system).saturating_sub(before.user + before.system);
            let idle = after.idle.saturating_sub(before.idle);
            if busy * 10 >= busy + idle {
                looks.drain(..looks.len() - 1);
            }
        }
        if looks.len() > LOOKS {
            print_moment(&looks[0]);
            return ExitCode::SUCCESS;
        }
        sleep(LOOK);
    }
    eprintln!(
        "vethkit-bench: the CPUs were not quiet in {} s",
        PATIENCE.as_secs()
    );
    ExitCode::FAILURE
}
