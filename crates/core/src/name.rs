//! Validated names: interface names as the kernel's `dev_valid_name` accepts
//! them (less `%`, which the kernel would turn into a number), and namespace
//! names as `ip netns` can keep them under `/run/netns`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::quoted;

/// The longest interface name the kernel accepts (`IFNAMSIZ` - 1).
pub const IFNAME_MAX: usize = 15;
/// The longest namespace name: the longest file name (`NAME_MAX`).
pub const NSNAME_MAX: usize = 255;

/// An interface name: 1-15 bytes, not `.` or `..`, no `/`, `:`, `%`,
/// whitespace or control characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IfName(String);

/// A network namespace name: 1-255 bytes, not `.` or `..`, no `/` or
/// control characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NsName(String);

impl IfName {
    /// The name as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl NsName {
    /// The name as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for IfName {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, String> {
        let problem = if name.is_empty() {
            Some("is empty".to_string())
        } else if name.len() > IFNAME_MAX {
            Some(format!(
                "is {} bytes long, the kernel allows at most {IFNAME_MAX}",
                name.len()
            ))
        } else if name == "." || name == ".." {
            Some("is reserved".to_string())
        } else if name.contains('%') {
            Some(
                "may not contain '%' (the kernel would number the interface: eth%d becomes eth0)"
                    .to_string(),
            )
        } else {
            name.chars()
                .find(|c| *c == '/' || *c == ':' || c.is_whitespace() || c.is_control())
                .map(|c| format!("may not contain {c:?}"))
        };
        match problem {
            Some(problem) => Err(format!(
                "invalid interface name {}: it {problem}",
                quoted(name)
            )),
            None => Ok(IfName(name.to_string())),
        }
    }
}

impl FromStr for NsName {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, String> {
        let problem = if name.is_empty() {
            Some("is empty".to_string())
        } else if name.len() > NSNAME_MAX {
            Some(format!(
                "is {} bytes long, a file name has at most {NSNAME_MAX}",
                name.len()
            ))
        } else if name == "." || name == ".." {
            Some("is reserved".to_string())
        } else {
            name.chars()
                .find(|c| *c == '/' || c.is_control())
                .map(|c| format!("may not contain {c:?}"))
        };
        match problem {
            Some(problem) => Err(format!(
                "invalid namespace name {}: it {problem}",
                quoted(name)
            )),
            None => Ok(NsName(name.to_string())),
        }
    }
}

macro_rules! string_conversions {
    ($name:ident) => {
        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(name: String) -> Result<Self, String> {
                name.parse()
            }
        }

        impl From<$name> for String {
            fn from(name: $name) -> String {
                name.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_conversions!(IfName);
string_conversions!(NsName);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interface_names_follow_dev_valid_name() {
        for good in ["veth1", "br-veth3", "a", "123456789012345", "eth0.100"] {
            assert!(good.parse::<IfName>().is_ok(), "{good}");
        }
        for bad in [
            "",
            ".",
            "..",
            "1234567890123456",
            "a/b",
            "a:b",
            "a b",
            "a\tb",
            "a\0",
            "v%d",
            "a\u{7f}",
        ] {
            assert!(bad.parse::<IfName>().is_err(), "{bad:?}");
        }
        let err = "abcdefghijklmnop".parse::<IfName>().unwrap_err();
        assert!(err.contains("16 bytes"), "{err}");
    }

    #[test]
    fn namespace_names_cannot_escape_run_netns() {
        for good in ["ns1", "lab-001", "a b", "x.y"] {
            assert!(good.parse::<NsName>().is_ok(), "{good}");
        }
        for bad in [
            "",
            ".",
            "..",
            "../x",
            "a/b",
            "a\0",
            "a\nb",
            &"n".repeat(256),
        ] {
            assert!(bad.parse::<NsName>().is_err(), "{bad:?}");
        }
        assert!("n".repeat(255).parse::<NsName>().is_ok());
    }

    #[test]
    fn names_round_trip_through_json_and_are_checked_on_the_way_in() {
        let name: IfName = serde_json::from_str("\"veth1\"").unwrap();
        assert_eq!(serde_json::to_string(&name).unwrap(), "\"veth1\"");
        assert!(serde_json::from_str::<NsName>("\"../x\"").is_err());
    }
}
