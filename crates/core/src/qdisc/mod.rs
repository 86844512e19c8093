//! Queueing disciplines on a link's egress: the shapes link-shape sets
//! (netem, or tbf for a rate alone), each encoded as `tc` encodes it and
//! written as its `tc` words; what the kernel reports of a root qdisc;
//! and the qdisc a shape replaced, kept so that it can be put back.

pub mod netem;
pub mod tbf;
pub mod units;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use netem::{Netem, NetemSettings};
pub use tbf::{Tbf, TbfSettings};

/// A shape for a link's egress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Shape {
    /// Delay, loss, duplication, corruption, reordering, and maybe a rate.
    Netem(Netem),
    /// A rate alone.
    Tbf(Tbf),
}

impl Shape {
    /// The qdisc's kind (`TCA_KIND`).
    pub fn kind(&self) -> &'static str {
        match self {
            Shape::Netem(_) => "netem",
            Shape::Tbf(_) => "tbf",
        }
    }

    /// The payload of `TCA_OPTIONS` that makes it.
    pub fn options(&self) -> Vec<u8> {
        match self {
            Shape::Netem(netem) => netem.options(),
            Shape::Tbf(tbf) => tbf.options(),
        }
    }

    /// What the kernel keeps of it.
    pub fn settings(&self) -> Settings {
        match self {
            Shape::Netem(netem) => Settings::Netem(netem.settings()),
            Shape::Tbf(tbf) => Settings::Tbf(tbf.settings()),
        }
    }
}

impl fmt::Display for Shape {
    /// The kind and its words: `netem delay 20ms`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shape::Netem(netem) => write!(f, "netem {}", netem.words()),
            Shape::Tbf(tbf) => write!(f, "tbf {}", tbf.words()),
        }
    }
}

/// A link's root qdisc, as the kernel reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Qdisc {
    /// `TCA_KIND`: "noqueue", "tbf", "netem", ...
    pub kind: String,
    /// Its handle: 0 for the one the kernel gives a link by default.
    pub handle: u32,
    /// The payload of `TCA_OPTIONS`, in hexadecimal in the journal.
    #[serde(default, with = "hex", skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<u8>,
}

/// What the kernel keeps of a root qdisc, for the kinds link-shape makes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Settings {
    /// A netem's.
    Netem(NetemSettings),
    /// A tbf's.
    Tbf(TbfSettings),
    /// Another kind (or options that cannot be read).
    Other,
}

impl Qdisc {
    /// Whether it is the one the kernel gives a link by default (noqueue
    /// for a veth), which deleting the root qdisc brings back.
    pub fn is_default(&self) -> bool {
        self.handle == 0
    }

    /// Its settings, when it is of a kind link-shape makes.
    pub fn settings(&self) -> Settings {
        let settings = match self.kind.as_str() {
            "netem" => NetemSettings::decode(&self.options).map(Settings::Netem),
            "tbf" => TbfSettings::decode(&self.options).map(Settings::Tbf),
            _ => None,
        };
        settings.unwrap_or(Settings::Other)
    }

    /// Whether it is `shape`, as the kernel keeps it.
    pub fn is(&self, shape: &Shape) -> bool {
        self.kind == shape.kind() && self.settings() == shape.settings()
    }

    /// Its handle as `tc` writes it (`8001:`).
    pub fn handle_words(&self) -> String {
        format!("{:x}:", self.handle >> 16)
    }

    /// Its kind and, for the kinds link-shape makes, their words.
    pub fn words(&self) -> String {
        match self.settings() {
            Settings::Netem(netem) => format!("netem {}", netem.words()),
            Settings::Tbf(tbf) => format!("tbf {}", tbf.words()),
            Settings::Other => self.kind.clone(),
        }
    }

    /// Whether [`Qdisc::words`] say all of its settings (they do not for
    /// other kinds, nor for a netem with settings link-shape never makes).
    pub fn words_say_all(&self) -> bool {
        match self.settings() {
            Settings::Netem(netem) => !netem.others,
            Settings::Tbf(tbf) => !tbf.peak,
            Settings::Other => self.options.is_empty(),
        }
    }

    /// Its kind, handle and settings as JSON, named as `tc -j` names them.
    pub fn json(&self) -> serde_json::Value {
        let options = match self.settings() {
            Settings::Netem(netem) => netem.json(),
            Settings::Tbf(tbf) => tbf.json(),
            Settings::Other => serde_json::json!({}),
        };
        serde_json::json!({
            "kind": self.kind,
            "handle": self.handle_words(),
            "options": options,
        })
    }
}

/// One netlink attribute: its header, the value, and padding to 4 bytes.
pub(crate) fn attribute(kind: u16, value: &[u8]) -> Vec<u8> {
    let length = 4 + value.len();
    let mut bytes = Vec::with_capacity((length + 3) & !3);
    bytes.extend((length as u16).to_ne_bytes());
    bytes.extend(kind.to_ne_bytes());
    bytes.extend(value);
    bytes.resize((length + 3) & !3, 0);
    bytes
}

/// The attributes in `bytes`, as kind (flags cleared) and value, up to the
/// first malformed one.
pub(crate) fn attributes(mut bytes: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        let length = usize::from(u16::from_ne_bytes(bytes.get(..2)?.try_into().ok()?));
        if length < 4 {
            return None;
        }
        let kind = u16::from_ne_bytes(bytes.get(2..4)?.try_into().ok()?) & 0x3fff;
        let value = bytes.get(4..length)?;
        bytes = bytes.get((length + 3) & !3..).unwrap_or_default();
        Some((kind, value))
    })
}

/// The native-endian `u32` at `offset` of `bytes`, if they reach that far.
pub(crate) fn u32_at(bytes: &[u8], offset: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(
        bytes.get(offset..offset + 4)?.try_into().ok()?,
    ))
}

/// The native-endian `u64` at `offset` of `bytes`, if they reach that far.
pub(crate) fn u64_at(bytes: &[u8], offset: usize) -> Option<u64> {
    Some(u64::from_ne_bytes(
        bytes.get(offset..offset + 8)?.try_into().ok()?,
    ))
}

/// Bytes as a hexadecimal string, for the journal.
mod hex {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        let text: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
        serializer.serialize_str(&text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        (0..text.len())
            .step_by(2)
            .map(|at| {
                text.get(at..at + 2)
                    .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                    .ok_or_else(|| serde::de::Error::custom("options are not hexadecimal"))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_qdisc_keeps_its_options_in_hexadecimal() {
        let qdisc = Qdisc {
            kind: "tbf".into(),
            handle: 0x8001_0000,
            options: vec![0x0c, 0x00, 0xff],
        };
        let json = serde_json::to_string(&qdisc).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"tbf","handle":2147549184,"options":"0c00ff"}"#
        );
        assert_eq!(serde_json::from_str::<Qdisc>(&json).unwrap(), qdisc);
        assert_eq!(qdisc.handle_words(), "8001:");
    }

    #[test]
    fn attributes_read_back_as_written() {
        let mut bytes = attribute(1, b"netem\0");
        bytes.extend(attribute(6, &7u32.to_ne_bytes()));
        let read: Vec<(u16, &[u8])> = attributes(&bytes).collect();
        assert_eq!(read, [(1, &b"netem\0"[..]), (6, &7u32.to_ne_bytes()[..])]);
        let malformed = [0u8, 0, 1, 0, 8, 0, 2, 0];
        assert_eq!(
            attributes(&malformed).count(),
            0,
            "a zero length ends the walk"
        );
    }
}
