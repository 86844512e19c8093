//! A published port, `[HOSTIP:]HOSTPORT:ADDR:PORT[/tcp|/udp]` as Docker's
//! `-p` spells it (IPv6 addresses in brackets): read, checked, and written
//! back in the one form rule comments carry.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use vethkit_core::cli::{is_link_local, parse_host_ip};
use vethkit_core::error::quoted;
use vethkit_core::nft::{Family, Protocol};

/// Connections to HOSTPORT (on HOSTIP, or on every address of the host)
/// sent on to a lab host's ADDR:PORT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Publish {
    /// The host's address it is published on; `None`: all of them.
    pub host_ip: Option<IpAddr>,
    /// The port connections arrive at.
    pub host_port: u16,
    /// Where they are sent on to.
    pub to: SocketAddr,
    /// TCP or UDP.
    pub protocol: Protocol,
}

const SPELLING: &str = "give [HOSTIP:]HOSTPORT:ADDR:PORT[/tcp|/udp], like 8080:10.1.1.3:80";

impl Publish {
    /// The nf_tables family its rules go in.
    pub fn family(&self) -> Family {
        match self.to {
            SocketAddr::V4(_) => Family::Ip,
            SocketAddr::V6(_) => Family::Ip6,
        }
    }

    /// Whether connections could be meant for both: the same protocol and
    /// port, on the same address or where either takes every address.
    pub fn overlaps(&self, other: &Publish) -> bool {
        self.protocol == other.protocol
            && self.host_port == other.host_port
            && self.family() == other.family()
            && match (self.host_ip, other.host_ip) {
                (Some(mine), Some(theirs)) => mine == theirs,
                _ => true,
            }
    }

    /// The host's side, as it is spelled: `[HOSTIP:]HOSTPORT/PROTOCOL`.
    pub fn host_side(&self) -> String {
        match self.host_ip {
            Some(ip) => format!("{}:{}/{}", bracketed(ip), self.host_port, self.protocol),
            None => format!("{}/{}", self.host_port, self.protocol),
        }
    }
}

/// An address as it is written before a port: IPv6 in brackets.
fn bracketed(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

impl fmt::Display for Publish {
    /// `[HOSTIP:]HOSTPORT:ADDR:PORT/PROTOCOL`, the protocol always said.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(ip) = self.host_ip {
            write!(f, "{}:", bracketed(ip))?;
        }
        write!(f, "{}:{}/{}", self.host_port, self.to, self.protocol)
    }
}

/// Reads a `--publish` value.
pub fn parse(text: &str) -> Result<Publish, String> {
    let (spec, protocol) = match text.rsplit_once('/') {
        Some((spec, "tcp")) => (spec, Protocol::Tcp),
        Some((spec, "udp")) => (spec, Protocol::Udp),
        Some((_, other)) => {
            return Err(format!(
                "{}: unknown protocol {}: tcp or udp",
                quoted(text),
                quoted(other)
            ))
        }
        None => (text, Protocol::Tcp),
    };
    let fields = fields(spec)
        .ok_or_else(|| format!("{} is not a port to publish: {SPELLING}", quoted(text)))?;
    let (host_ip, host_port, addr, port) = match fields.as_slice() {
        [host_port, addr, port] => (None, host_port, addr, port),
        [host_ip, host_port, addr, port] => (Some(host_ip), host_port, addr, port),
        _ => {
            return Err(format!(
                "{} is not a port to publish: {SPELLING}",
                quoted(text)
            ))
        }
    };
    let host_ip = match host_ip {
        // Docker's spelling of every address.
        Some(&"0.0.0.0") | Some(&"[::]") | None => None,
        Some(field) => Some(address(field, Role::Host)?),
    };
    let addr = address(addr, Role::Lab)?;
    if let Some(host_ip) = host_ip {
        if host_ip.is_ipv4() != addr.is_ipv4() {
            return Err(format!(
                "{}: {host_ip} and {addr} are of different families: a port is published from IPv4 to IPv4 or from IPv6 to IPv6",
                quoted(text)
            ));
        }
    }
    Ok(Publish {
        host_ip,
        host_port: port_number(host_port)?,
        to: SocketAddr::new(addr, port_number(port)?),
        protocol,
    })
}

/// The fields between colons, an IPv6 address in brackets counting as one
/// (its brackets kept); `None` when a bracket is left open or misplaced.
fn fields(spec: &str) -> Option<Vec<&str>> {
    let mut fields = Vec::new();
    let mut rest = spec;
    loop {
        let end = if rest.starts_with('[') {
            rest.find(']')? + 1
        } else {
            rest.find(':').unwrap_or(rest.len())
        };
        fields.push(&rest[..end]);
        rest = &rest[end..];
        match rest.strip_prefix(':') {
            Some(after) => rest = after,
            None if rest.is_empty() => return Some(fields),
            None => return None,
        }
    }
}

/// Which address of a published port a field is.
#[derive(Clone, Copy)]
enum Role {
    /// HOSTIP: the host's, connections arrive at.
    Host,
    /// ADDR: the lab host's, they are sent on to.
    Lab,
}

/// An address field: IPv4 as it is, IPv6 in brackets; never loopback or
/// link-local, whose packets the kernel does not forward.
fn address(field: &str, role: Role) -> Result<IpAddr, String> {
    let what = match role {
        Role::Host => "the host address a port is published on",
        Role::Lab => "the lab address a port is published to",
    };
    let ip = match field
        .strip_prefix('[')
        .and_then(|inner| inner.strip_suffix(']'))
    {
        Some(inner) => match parse_host_ip(inner, what)? {
            IpAddr::V6(v6) => IpAddr::V6(v6),
            IpAddr::V4(v4) => {
                return Err(format!("{v4} is IPv4: only IPv6 addresses go in brackets"))
            }
        },
        None => match parse_host_ip(field, what)? {
            IpAddr::V4(v4) => IpAddr::V4(v4),
            IpAddr::V6(v6) => return Err(format!("[{v6}]: an IPv6 address goes in brackets")),
        },
    };
    let advice = match role {
        Role::Host => "publish on an address of an interface, or on every address (no HOSTIP)",
        Role::Lab => "give the address of a host on the bridge",
    };
    if ip.is_loopback() {
        let why = match (ip, role) {
            (IpAddr::V4(_), Role::Host) => "connections to it are not forwarded into a lab without net.ipv4.conf.all.route_localnet=1, which lets the network reach 127.0.0.0/8",
            _ => "the kernel never forwards loopback traffic",
        };
        return Err(format!(
            "{ip} cannot be {what}: it is a loopback address ({why}); {advice}"
        ));
    }
    if is_link_local(&ip) {
        return Err(format!(
            "{ip} cannot be {what}: it is link-local, and the kernel never forwards link-local traffic; {advice}"
        ));
    }
    Ok(ip)
}

/// A port number, 1 to 65535, in decimal digits.
fn port_number(field: &str) -> Result<u16, String> {
    if field.is_empty() || !field.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(format!(
            "{} is not a port number (1 to 65535)",
            quoted(field)
        ));
    }
    match field.trim_start_matches('0').parse::<u16>() {
        Ok(port @ 1..) => Ok(port),
        _ => Err(format!(
            "port {field} is out of range: a port is 1 to 65535"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publishes_read_as_docker_spells_them_and_print_back() {
        let read = |text: &str| parse(text).map(|publish| publish.to_string());
        assert_eq!(read("8080:10.1.1.3:80").unwrap(), "8080:10.1.1.3:80/tcp");
        assert_eq!(
            read("203.0.113.2:53:10.1.1.3:53/udp").unwrap(),
            "203.0.113.2:53:10.1.1.3:53/udp"
        );
        assert_eq!(
            read("[2001:db8::2]:8080:[fd00:1::3]:80/tcp").unwrap(),
            "[2001:db8::2]:8080:[fd00:1::3]:80/tcp"
        );
        assert_eq!(
            read("8080:[fd00:1::3]:80").unwrap(),
            "8080:[fd00:1::3]:80/tcp"
        );
        let publish = parse("8080:[fd00:1::3]:80").unwrap();
        assert_eq!(publish.family(), Family::Ip6);
        assert_eq!(publish.host_side(), "8080/tcp");
    }

    #[test]
    fn bad_publishes_say_what_is_wrong() {
        let refused = |text: &str| parse(text).unwrap_err();
        assert!(refused("0:10.1.1.3:80").contains("port 0 is out of range"));
        assert!(refused("8080:10.1.1.3:65536").contains("port 65536 is out of range"));
        assert!(refused("8080:10.1.1.3:80/sctp").contains("unknown protocol \"sctp\""));
        assert!(refused("8080:10.1.1.3").contains("is not a port to publish"));
        assert!(refused("8080:[fd00::3:80").contains("is not a port to publish"));
        assert!(refused("a:10.1.1.3:80").contains("\"a\" is not a port number"));
        assert!(refused("+80:10.1.1.3:80").contains("\"+80\" is not a port number"));
        assert!(refused("99999999999:10.1.1.3:80").contains("port 99999999999 is out of range"));
        assert!(refused("8080:[fe80::3]:80").contains("link-local"));
        assert!(refused("8080:127.0.0.1:80").contains("give the address of a host on the bridge"));
        assert!(refused("127.0.0.1:8080:10.1.1.3:80").contains("route_localnet"));
        assert!(refused("[::1]:8080:[fd00::3]:80").contains("loopback"));
        assert!(refused("203.0.113.2:8080:[fd00::3]:80").contains("different families"));
        assert!(refused("8080:[10.1.1.3]:80").contains("only IPv6 addresses go in brackets"));
    }

    #[test]
    fn publishes_overlap_on_the_same_port_where_their_addresses_meet() {
        let publish = |text: &str| parse(text).unwrap();
        let any = publish("8080:10.1.1.3:80");
        assert!(any.overlaps(&publish("203.0.113.2:8080:10.1.1.4:80")));
        assert!(!any.overlaps(&publish("8080:10.1.1.3:80/udp")));
        assert!(!any.overlaps(&publish("8081:10.1.1.3:80")));
        assert!(!any.overlaps(&publish("8080:[fd00::3]:80")));
        assert!(!publish("203.0.113.2:8080:10.1.1.3:80")
            .overlaps(&publish("198.51.100.2:8080:10.1.1.3:80")));
    }
}
