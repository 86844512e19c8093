//! What every command's command line and `main` share: the options
//! declared once ([`Changes`], [`Json`], [`InNetns`]), the parsers of
//! addresses ([`parse_cidr`], [`parse_gateway`]), argument parsing with
//! one-line errors, `PROG: message` on stderr, exit statuses 0/1/2, and a
//! quiet end on a broken pipe.

use std::io::Write;
use std::net::IpAddr;
use std::process::ExitCode;

use clap::Parser;
use ipnet::IpNet;

use crate::error::{quoted, Error, Result};
use crate::name::NsName;
use crate::plan::{Executor, Mode};

/// The options of every command that changes the network, declared once:
/// `--dry-run` and `-v/--verbose`.
#[derive(clap::Args, Clone, Copy, Debug, Default)]
pub struct Changes {
    /// Print the equivalent commands (ip, nft, sysctl) and change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Print each change on stderr, as its command, as it is made
    #[arg(short, long)]
    pub verbose: bool,
}

impl Changes {
    /// The executor of an invocation of `program` with these options.
    pub fn executor(&self, program: &'static str) -> Result<Executor> {
        Executor::new(
            program,
            Mode {
                dry_run: self.dry_run,
                verbose: self.verbose,
            },
        )
    }
}

/// `-j/--json`, declared once: what is made printed as JSON on stdout (a
/// command says what, with `mut_arg`).
#[derive(clap::Args, Clone, Copy, Debug, Default)]
pub struct Json {
    /// Print the result as JSON
    #[arg(short, long)]
    pub json: bool,
}

/// `-n/--netns NS`, declared once: work inside the named namespace, as
/// `ip -n` does.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct InNetns {
    /// Work inside network namespace NS
    #[arg(short = 'n', long, value_name = "NS")]
    pub netns: Option<NsName>,
}

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
/// follow it (the missing arguments, say) joined on, and the user's input
/// it echoes quoted and cut short.
pub fn one_line(error: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue};
    let mut text = error.render().to_string();
    let mut echoed = vec![ContextKind::InvalidValue];
    if error.kind() == clap::error::ErrorKind::UnknownArgument {
        echoed.push(ContextKind::InvalidArg);
    }
    for kind in echoed {
        if let Some(ContextValue::String(input)) = error.get(kind) {
            text = text.replace(&format!("'{input}'"), &quoted(input));
        }
    }
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default();
    let mut line = first.strip_prefix("error: ").unwrap_or(first).to_string();
    for detail in lines.take_while(|l| l.starts_with(' ')) {
        line.push(' ');
        line.push_str(detail.trim());
    }
    crate::error::one_line(&line)
}

/// Why no host can have `ip` as its own address or use it as a gateway:
/// multicast, unspecified, the limited broadcast, and IPv4-mapped IPv6.
fn not_a_host_address(ip: &IpAddr) -> Option<String> {
    if let IpAddr::V6(v6) = ip {
        if let Some(v4) = v6.to_ipv4_mapped() {
            return Some(format!(
                "an IPv4-mapped IPv6 address, which no interface carries; give {v4} itself"
            ));
        }
    }
    let why = if ip.is_multicast() {
        "a multicast address"
    } else if ip.is_unspecified() {
        "the unspecified address"
    } else if matches!(ip, IpAddr::V4(v4) if v4.is_broadcast()) {
        "the broadcast address"
    } else {
        return None;
    };
    Some(why.to_string())
}

/// An interface address: a CIDR, or a bare address meaning a host address
/// (/32 or /128), as `ip` takes it. Addresses no host can have are refused.
pub fn parse_cidr(text: &str) -> Result<IpNet, String> {
    let net = if text.contains('/') {
        text.parse::<IpNet>().map_err(|_| {
            format!(
                "{} is not an address with a prefix length (like 10.1.1.1/24)",
                quoted(text)
            )
        })?
    } else {
        IpNet::from(parse_ip(text)?)
    };
    match not_a_host_address(&net.addr()) {
        Some(why) => Err(format!(
            "{net} cannot be an interface's address: it is {why}"
        )),
        None => Ok(net),
    }
}

/// A gateway: an address a host can have.
pub fn parse_gateway(text: &str) -> Result<IpAddr, String> {
    parse_host_ip(text, "a gateway")
}

/// An address a host can have, to be used as `role` ("a gateway"): the
/// error says why another cannot be.
pub fn parse_host_ip(text: &str, role: &str) -> Result<IpAddr, String> {
    let ip = parse_ip(text)?;
    match not_a_host_address(&ip) {
        Some(why) => Err(format!("{ip} cannot be {role}: it is {why}")),
        None => Ok(ip),
    }
}

/// Whether `ip` is an IPv6 link-local address (fe80::/10), which no router
/// forwards.
pub fn is_link_local(ip: &IpAddr) -> bool {
    matches!(ip, IpAddr::V6(v6) if v6.segments()[0] & 0xffc0 == 0xfe80)
}

/// An IP address, IPv4 or IPv6.
pub fn parse_ip(text: &str) -> Result<IpAddr, String> {
    text.parse()
        .map_err(|_| format!("{} is not an IP address", quoted(text)))
}

/// Runs a command's body and turns its result into the exit status,
/// printing an error as `PROG: message`.
pub fn main(program: &str, body: impl FnOnce() -> Result<()>) -> ExitCode {
    restore_sigpipe();
    match body() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let message = crate::error::one_line(&error.to_string());
            let _ = writeln!(std::io::stderr(), "{program}: {message}");
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
        for (bad, why) in [
            ("224.0.0.1/24", "multicast"),
            ("ff02::1/64", "multicast"),
            ("0.0.0.0/0", "unspecified"),
            ("::/0", "unspecified"),
            ("255.255.255.255", "broadcast"),
            ("::ffff:10.0.0.1/96", "give 10.0.0.1 itself"),
        ] {
            let error = parse_cidr(bad).unwrap_err();
            assert!(error.contains(why), "{bad}: {error}");
        }
        assert!(parse_gateway("10.1.1.1").is_ok());
        assert!(parse_gateway("0.0.0.0")
            .unwrap_err()
            .contains("unspecified"));
    }
}
