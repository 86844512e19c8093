//! Network sysctls: keys in `sysctl(8)` spellings, checked to stay under
//! `/proc/sys/net/`, and their values read and written in the calling
//! thread's network namespace (which is the one `/proc/sys/net` shows).

use std::fmt;
use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::os::unix::fs::FileExt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{errno_words, quoted};
use crate::name::IfName;

/// Where the kernel shows its sysctls.
pub const PROC_SYS: &str = "/proc/sys";

/// A sysctl key under `net`, held as its path below `/proc/sys`
/// (`net/ipv4/conf/eth0.100/rp_filter`). Parsed as sysctl.d(5) reads keys:
/// when the first separator is `.`, dots separate components and a `/`
/// stands for a dot inside one (`net.ipv4.conf.eth0/100.rp_filter`); when it
/// is `/`, the key is a path as written. Shown in the dotted spelling.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Key {
    components: Vec<String>,
}

impl Key {
    /// The key's path below `/proc/sys`.
    pub fn relative_path(&self) -> String {
        self.components.join("/")
    }

    /// The key's file, `/proc/sys/net/...`.
    pub fn path(&self) -> String {
        format!("{PROC_SYS}/{}", self.relative_path())
    }

    /// `net.ipv6.conf.DEVICE.disable_ipv6`: IPv6 off on DEVICE (`default`:
    /// on the links made in the namespace from then on).
    pub fn disable_ipv6(device: &str) -> Key {
        let components = ["net", "ipv6", "conf", device, "disable_ipv6"];
        Key {
            components: components.map(str::to_string).to_vec(),
        }
    }

    /// The interface the key is about (`net.ipv4.conf.eth0.rp_filter` is
    /// about eth0), if it is about one: its value goes with the interface.
    pub fn interface(&self) -> Option<IfName> {
        match self.components.as_slice() {
            [net, family, kind, device, _]
                if net == "net"
                    && (family == "ipv4" || family == "ipv6")
                    && (kind == "conf" || kind == "neigh")
                    && device != "all"
                    && device != "default" =>
            {
                device.parse().ok()
            }
            _ => None,
        }
    }
}

impl FromStr for Key {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let refuse = |problem: &str| Err(format!("invalid sysctl key {}: {problem}", quoted(text)));
        if text.is_empty() {
            return refuse("it is empty");
        }
        if text.contains('\0') {
            return refuse("it contains a NUL byte");
        }
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return refuse("it contains a space or a control character");
        }
        if text.split('/').any(|c| c == "." || c == "..") {
            return refuse("it has a . or .. component");
        }
        if text.starts_with('/') {
            return refuse(
                "absolute paths are refused; give the key from net., as net.ipv4.ip_forward",
            );
        }
        let dotted = text.find(['.', '/']).map(|at| &text[at..at + 1]) == Some(".");
        let path: String = if dotted {
            text.chars()
                .map(|c| match c {
                    '.' => '/',
                    '/' => '.',
                    other => other,
                })
                .collect()
        } else {
            text.to_string()
        };
        let components: Vec<String> = path.split('/').map(str::to_string).collect();
        if components.iter().any(String::is_empty) {
            return refuse("it has an empty component");
        }
        if components.iter().any(|c| c == "." || c == "..") {
            return refuse("it has a . or .. component");
        }
        if components[0] != "net" || components.len() < 2 {
            return refuse("only keys under net. can be set");
        }
        Ok(Key { components })
    }
}

impl TryFrom<String> for Key {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        text.parse()
    }
}

impl From<Key> for String {
    fn from(key: Key) -> String {
        key.to_string()
    }
}

impl fmt::Display for Key {
    /// The dotted spelling, a dot inside a component shown as `/`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, component) in self.components.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            f.write_str(&component.replace('.', "/"))?;
        }
        Ok(())
    }
}

/// Why a sysctl could not be read or written.
#[derive(Debug, PartialEq, Eq)]
pub enum Problem {
    /// There is no such key in this namespace.
    Missing,
    /// The key is a directory of keys.
    Directory,
    /// The kernel refused, with this errno.
    Errno(i32),
}

impl Problem {
    /// The problem in words, naming the key; `writing` is the value being
    /// written, `None` for a read.
    pub fn describe(&self, key: &Key, writing: Option<&str>) -> String {
        match (self, writing) {
            (Problem::Missing, _) => format!("no sysctl {key} (see sysctl -a)"),
            (Problem::Directory, _) => format!("{key} is a directory of keys, not a key"),
            (Problem::Errno(libc::EINVAL), Some(value)) => {
                format!(
                    "the kernel refuses {} for {key}: invalid value",
                    quoted(value)
                )
            }
            (Problem::Errno(errno), Some(_)) => {
                format!("cannot write {key}: {}", errno_words(*errno))
            }
            (Problem::Errno(errno), None) => format!("cannot read {key}: {}", errno_words(*errno)),
        }
    }
}

fn problem_of(error: std::io::Error) -> Problem {
    match error.raw_os_error() {
        Some(libc::ENOENT) | Some(libc::ENOTDIR) => Problem::Missing,
        Some(libc::EISDIR) => Problem::Directory,
        Some(errno) => Problem::Errno(errno),
        None => Problem::Errno(libc::EIO),
    }
}

/// The value of `key` in the calling thread's network namespace, without
/// its trailing newline.
pub fn read(key: &Key) -> Result<String, Problem> {
    let mut file = OpenOptions::new()
        .read(true)
        .open(key.path())
        .map_err(problem_of)?;
    if file.metadata().map_err(problem_of)?.is_dir() {
        return Err(Problem::Directory);
    }
    let mut value = String::new();
    file.read_to_string(&mut value).map_err(problem_of)?;
    Ok(value.trim_end_matches('\n').to_string())
}

/// Writes `value` to `key` in the calling thread's network namespace, in
/// one `write`, as `sysctl -w` does.
pub fn write(key: &Key, value: &str) -> Result<(), Problem> {
    let mut file = OpenOptions::new()
        .write(true)
        .open(key.path())
        .map_err(problem_of)?;
    file.write_all(value.as_bytes()).map_err(problem_of)
}

/// Writes `value` to `key` as [`write`] does, and returns what the kernel
/// keeps then, read back through the same open file (a lookup in
/// `/proc/sys` costs more the more namespaces there are).
pub fn write_and_read(key: &Key, value: &str) -> Result<String, Problem> {
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(key.path())
        .map_err(problem_of)?;
    file.write_all(value.as_bytes()).map_err(problem_of)?;
    let mut kept = Vec::new();
    let mut chunk = [0; 256];
    loop {
        let read = file
            .read_at(&mut chunk, kept.len() as u64)
            .map_err(problem_of)?;
        if read == 0 {
            break;
        }
        kept.extend_from_slice(&chunk[..read]);
    }
    let kept = String::from_utf8_lossy(&kept);
    Ok(kept.trim_end_matches('\n').to_string())
}

/// The keys a change of `key` changes too, in the calling thread's network
/// namespace: a new `net.ipv4.ip_forward` (or `net.ipv4.conf.all.forwarding`)
/// is copied by the kernel to the forwarding of `default` and of every
/// interface, and `net.ipv6.conf.all.forwarding` likewise for IPv6; putting
/// the old value back does not bring back those that differed from it.
pub fn knock_on(key: &Key) -> Vec<Key> {
    let family = match key.relative_path().as_str() {
        "net/ipv4/ip_forward" | "net/ipv4/conf/all/forwarding" => "ipv4",
        "net/ipv6/conf/all/forwarding" => "ipv6",
        _ => return Vec::new(),
    };
    let directory = format!("{PROC_SYS}/net/{family}/conf");
    let Ok(entries) = std::fs::read_dir(&directory) else {
        return Vec::new();
    };
    let mut keys: Vec<Key> = entries
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            format!("net/{family}/conf/{name}/forwarding").parse().ok()
        })
        .collect();
    if family == "ipv4" {
        keys.extend("net/ipv4/ip_forward".parse::<Key>());
    }
    keys.retain(|other| other != key);
    keys.sort();
    keys
}

/// Whether two values say the same thing: the same words once runs of
/// blanks are one space, numbers compared as numbers (`01`, `0x1` and `1`).
pub fn same_value(a: &str, b: &str) -> bool {
    let (a, b): (Vec<&str>, Vec<&str>) = (
        a.split_whitespace().collect(),
        b.split_whitespace().collect(),
    );
    a.len() == b.len()
        && a.iter().zip(&b).all(|(x, y)| match (number(x), number(y)) {
            (Some(x), Some(y)) => x == y,
            _ => x == y,
        })
}

/// A word read as the kernel reads integers (base 10, or 16 after `0x`, or
/// 8 after a leading `0`).
fn number(word: &str) -> Option<i128> {
    let (negative, digits) = match word.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, word.strip_prefix('+').unwrap_or(word)),
    };
    let magnitude = if let Some(hex) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        i128::from_str_radix(hex, 16).ok()?
    } else if digits.len() > 1 && digits.starts_with('0') {
        i128::from_str_radix(&digits[1..], 8).ok()?
    } else {
        digits.parse::<i128>().ok()?
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// A value in the form it is shown and compared: runs of blanks made one space.
pub fn normalize(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> Key {
        text.parse().unwrap()
    }

    #[test]
    fn keys_of_an_interface_name_it() {
        let interface = |text: &str| key(text).interface().map(|name| name.to_string());
        assert_eq!(
            interface("net.ipv4.conf.eth0/100.rp_filter").as_deref(),
            Some("eth0.100")
        );
        assert_eq!(
            interface("net.ipv6.neigh.veth1.base_reachable_time_ms").as_deref(),
            Some("veth1")
        );
        assert_eq!(interface("net.ipv6.conf.default.disable_ipv6"), None);
        assert_eq!(interface("net.ipv4.conf.all.forwarding"), None);
        assert_eq!(interface("net.ipv4.ip_forward"), None);
        assert_eq!(
            Key::disable_ipv6("veth1"),
            key("net.ipv6.conf.veth1.disable_ipv6")
        );
        assert_eq!(
            Key::disable_ipv6("a.b").to_string(),
            "net.ipv6.conf.a/b.disable_ipv6"
        );
    }

    #[test]
    fn dotted_and_slashed_spellings_name_the_same_file() {
        assert_eq!(
            key("net.ipv4.conf.eth0/100.rp_filter").path(),
            "/proc/sys/net/ipv4/conf/eth0.100/rp_filter"
        );
        assert_eq!(
            key("net/ipv4/conf/eth0.100/rp_filter"),
            key("net.ipv4.conf.eth0/100.rp_filter")
        );
        assert_eq!(
            key("net/ipv4/conf/eth0.100/rp_filter").to_string(),
            "net.ipv4.conf.eth0/100.rp_filter"
        );
        assert_eq!(
            key("net.ipv4.ip_forward").to_string(),
            "net.ipv4.ip_forward"
        );
    }

    #[test]
    fn keys_outside_net_and_path_tricks_are_refused() {
        for (text, problem) in [
            ("kernel.hostname", "only keys under net."),
            ("net", "only keys under net."),
            ("/proc/sys/net/ipv4/ip_forward", "absolute"),
            ("net/../kernel/hostname", ". or .."),
            ("../x", ". or .."),
            ("net/./ipv4/ip_forward", ". or .."),
            ("net.ipv4.conf.//.rp_filter", ". or .."),
            ("net..ipv4", "empty component"),
            ("net.ipv4.", "empty component"),
            ("net.ipv4\0x", "NUL"),
            ("net.ipv4 .x", "space"),
            ("", "empty"),
        ] {
            let error = text.parse::<Key>().unwrap_err();
            assert!(error.contains(problem), "{text:?}: {error}");
        }
    }

    #[test]
    fn values_compare_as_the_kernel_reads_them() {
        assert!(same_value("4096\t131072\t6291456", "4096 131072  6291456"));
        assert!(same_value("0x1", "1"));
        assert!(same_value("01", "1"));
        assert!(!same_value("1", "2"));
        assert!(!same_value("cubic", "reno"));
        assert_eq!(normalize(" 0\t2147483647 "), "0 2147483647");
    }
}
