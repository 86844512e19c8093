//! The words the steps print themselves with: shell quoting, and the
//! beginnings of `ip`, `bridge`, `tc` and `sysctl` command lines.

use std::net::IpAddr;

use crate::context::Netns;
use crate::sysctl::Key;

/// Quotes a word for a POSIX shell when it needs quoting.
pub fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.,:/@%+=".contains(&b));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// A name quoted for the shell.
pub fn quote(name: &dyn std::fmt::Display) -> String {
    shell_word(&name.to_string())
}

/// `ip` or `ip -n NS`.
pub fn ip(netns: &Netns) -> String {
    match netns {
        Some(name) => format!("ip -n {}", shell_word(name.as_str())),
        None => "ip".to_string(),
    }
}

/// `bridge` or `bridge -n NS`.
pub fn bridge(netns: &Netns) -> String {
    match netns {
        Some(name) => format!("bridge -n {}", shell_word(name.as_str())),
        None => "bridge".to_string(),
    }
}

/// `tc` or `tc -n NS`.
pub fn tc(netns: &Netns) -> String {
    match netns {
        Some(name) => format!("tc -n {}", shell_word(name.as_str())),
        None => "tc".to_string(),
    }
}

/// `ip` with `-6` when the address is IPv6 (iproute2 needs it for `default`).
pub fn ip_for(netns: &Netns, address: &IpAddr) -> String {
    match address {
        IpAddr::V4(_) => ip(netns),
        IpAddr::V6(_) => format!("{} -6", ip(netns)),
    }
}

/// `sysctl -w KEY=VALUE...`, run inside `netns` by `ip netns exec`.
pub fn sysctl_w<'a>(
    netns: &Netns,
    assignments: impl IntoIterator<Item = (&'a Key, &'a str)>,
) -> String {
    let assignment = assignments
        .into_iter()
        .map(|(key, value)| shell_word(&format!("{key}={value}")))
        .collect::<Vec<_>>()
        .join(" ");
    match netns {
        Some(name) => format!(
            "ip netns exec {} sysctl -w {assignment}",
            shell_word(name.as_str())
        ),
        None => format!("sysctl -w {assignment}"),
    }
}
