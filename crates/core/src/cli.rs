//! What every command's `main` shares: argument parsing with one-line
//! errors, `PROG: message` on stderr, exit statuses 0/1/2, and a quiet end
//! on a broken pipe.

use std::io::Write;
use std::process::ExitCode;

use std::net::IpAddr;

use clap::Parser;
use ipnet::IpNet;

use crate::error::{Error, Result};

/// Parses the command line; errors become one-line usage errors, while
/// `--help` and `--version` print and exit as usual.
pub fn parse<C: Parser>() -> Result<C> {
    C::try_parse().map_err(|error| {
        use clap::error::ErrorKind;
        match error.kind() {
            ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                let _ = error.print();
                std::process::exit(
                    if error.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                        2
                    } else {
                        0
                    },
                );
            }
            _ => Error::usage(format!("{} (see --help)", one_line(&error))),
        }
    })
}

/// A clap error as one line: its first line, with the indented lines that
/// follow it (the missing arguments, say) joined on.
pub fn one_line(error: &clap::Error) -> String {
    let text = error.render().to_string();
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default();
    let mut line = first.strip_prefix("error: ").unwrap_or(first).to_string();
    for detail in lines.take_while(|l| l.starts_with(' ')) {
        line.push(' ');
        line.push_str(detail.trim());
    }
    line
}

/// A CIDR, or a bare address meaning a host address (/32 or /128), as `ip` takes it.
pub fn parse_cidr(text: &str) -> Result<IpNet, String> {
    if text.contains('/') {
        text.parse::<IpNet>().map_err(|_| {
            format!("{text:?} is not an address with a prefix length (like 10.1.1.1/24)")
        })
    } else {
        let ip: IpAddr = text
            .parse()
            .map_err(|_| format!("{text:?} is not an IP address"))?;
        Ok(IpNet::from(ip))
    }
}

/// Runs a command's body and turns its result into the exit status,
/// printing an error as `PROG: message`.
pub fn main(program: &str, body: impl FnOnce() -> Result<()>) -> ExitCode {
    restore_sigpipe();
    match body() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "{program}: {error}");
            ExitCode::from(error.exit_status())
        }
    }
}

/// Gives SIGPIPE back its default action, so that a command whose reader
/// went away ends quietly, as Unix tools do, and commands it execs inherit
/// the usual disposition rather than Rust's "ignore".
fn restore_sigpipe() {
    use nix::sys::signal::{signal, SigHandler, Signal};
    // SAFETY: installing SIG_DFL runs no code of ours in signal context, and
    // nothing else in the process depends on SIGPIPE being ignored: writes
    // to a closed pipe end the process, which is the behaviour wanted.
    let _ = unsafe { signal(Signal::SIGPIPE, SigHandler::SigDfl) };
}

/// Writes a line of data to stdout and flushes it, so that a pipeline's
/// next command can act on it at once.
pub fn print_line(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs_are_checked() {
        assert_eq!(
            parse_cidr("10.1.1.1/24").unwrap().to_string(),
            "10.1.1.1/24"
        );
        assert_eq!(
            parse_cidr("2001:db8::1").unwrap().to_string(),
            "2001:db8::1/128"
        );
        assert!(parse_cidr("10.1.1.0/33").is_err());
        assert!(parse_cidr("banana").is_err());
    }
}
