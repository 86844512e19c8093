//! netem: delay (with jitter), loss, duplication, corruption, reordering
//! and a rate. Its `TCA_OPTIONS` is unlike other qdiscs': a `struct
//! tc_netem_qopt` first, then attributes, all inside the one attribute,
//! in the order `tc` (iproute2 6.1) writes them. (iproute2 6.9 and later
//! send the delay and jitter as `TCA_NETEM_LATENCY64`/`JITTER64` in
//! nanoseconds instead of ticks in the struct; the kernel reads both.)

use serde::{Deserialize, Serialize};

use super::units::{percent_words, rate_words, time_words, Percent, Rate, Time};
use super::{attribute, attributes, u32_at, u64_at};

/// `TCA_NETEM_CORR`: correlations of delay, loss and duplication.
const CORR: u16 = 1;
/// `TCA_NETEM_REORDER`: the probability a packet is sent at once.
const REORDER: u16 = 3;
/// `TCA_NETEM_CORRUPT`: the probability of a flipped bit.
const CORRUPT: u16 = 4;
/// `TCA_NETEM_LOSS`: a loss model (Gilbert-Elliott, 4-state).
const LOSS: u16 = 5;
/// `TCA_NETEM_RATE`: `struct tc_netem_rate`.
const RATE: u16 = 6;
/// `TCA_NETEM_ECN`: mark instead of drop.
const ECN: u16 = 7;
/// `TCA_NETEM_RATE64`: a rate of 2^32 bytes a second or more.
const RATE64: u16 = 8;
/// `TCA_NETEM_LATENCY64`, `TCA_NETEM_JITTER64`: in nanoseconds.
const LATENCY64: u16 = 10;
const JITTER64: u16 = 11;
/// `TCA_NETEM_SLOT`: slotted sending.
const SLOT: u16 = 12;

/// The packets netem queues, as `tc` sets it when not told otherwise.
pub const LIMIT: u32 = 1000;
/// The size of `struct tc_netem_qopt`.
const QOPT_SIZE: usize = 24;

/// What netem is asked to do to the packets leaving a link.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Netem {
    /// `delay TIME`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<Time>,
    /// `delay TIME JITTER`: the delay varies by up to this much.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jitter: Option<Time>,
    /// `loss PERCENT`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss: Option<Percent>,
    /// `duplicate PERCENT`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate: Option<Percent>,
    /// `corrupt PERCENT`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrupt: Option<Percent>,
    /// `reorder PERCENT`: that share goes at once, the rest after the delay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reorder: Option<Percent>,
    /// `rate RATE`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<Rate>,
}

/// What the kernel keeps of a netem qdisc, as its dump reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetemSettings {
    /// The delay, in nanoseconds.
    pub latency: u64,
    /// The jitter, in nanoseconds.
    pub jitter: u64,
    /// The packets it queues.
    pub limit: u32,
    /// Loss, as a share of `u32::MAX` (as the three below).
    pub loss: u32,
    /// Duplication.
    pub duplicate: u32,
    /// Corruption.
    pub corrupt: u32,
    /// Reordering.
    pub reorder: u32,
    /// Packets between reorderings (1 when reordering is asked).
    pub gap: u32,
    /// The rate, in bytes a second (0: none).
    pub rate: u64,
    /// Settings link-shape does not make (correlations, loss models, ECN,
    /// slots, rate overheads): such a netem is never taken as one asked for.
    pub others: bool,
}

fn scaled(percent: &Option<Percent>) -> u32 {
    percent.as_ref().map_or(0, Percent::scaled)
}

impl Netem {
    /// The payload of `TCA_OPTIONS`, byte for byte as `tc qdisc replace
    /// ... netem` with the same words sends it.
    pub fn options(&self) -> Vec<u8> {
        let ticks = |time: &Option<Time>| time.as_ref().map_or(0, Time::ticks);
        let reorder = scaled(&self.reorder);
        let qopt = [
            ticks(&self.delay),
            LIMIT,
            scaled(&self.loss),
            u32::from(reorder != 0),
            scaled(&self.duplicate),
            ticks(&self.jitter),
        ];
        let mut bytes: Vec<u8> = qopt.iter().flat_map(|value| value.to_ne_bytes()).collect();
        if self.reorder.is_some() {
            bytes.extend(attribute(REORDER, &pair(reorder)));
        }
        if self.corrupt.is_some() {
            bytes.extend(attribute(CORRUPT, &pair(scaled(&self.corrupt))));
        }
        if let Some(rate) = &self.rate {
            let rate = rate.bytes_per_second();
            let short = match u32::try_from(rate) {
                Ok(rate) => rate,
                Err(_) => {
                    bytes.extend(attribute(RATE64, &rate.to_ne_bytes()));
                    u32::MAX
                }
            };
            let mut value = short.to_ne_bytes().to_vec();
            value.extend([0; 12]);
            bytes.extend(attribute(RATE, &value));
        }
        bytes
    }

    /// What the kernel keeps once it has taken [`Netem::options`] (a
    /// jitter of at most `i32::MAX` nanoseconds, about 2.1 s).
    pub fn settings(&self) -> NetemSettings {
        let nanoseconds = |time: &Option<Time>| time.as_ref().map_or(0, Time::nanoseconds);
        let most_jitter = i32::MAX as u64;
        let reorder = scaled(&self.reorder);
        NetemSettings {
            latency: nanoseconds(&self.delay),
            jitter: nanoseconds(&self.jitter).min(most_jitter),
            limit: LIMIT,
            loss: scaled(&self.loss),
            duplicate: scaled(&self.duplicate),
            corrupt: scaled(&self.corrupt),
            reorder,
            gap: u32::from(reorder != 0),
            rate: self.rate.as_ref().map_or(0, Rate::bytes_per_second),
            others: false,
        }
    }

    /// The words after `netem` in `tc qdisc replace`, in the order `tc`
    /// documents them.
    pub fn words(&self) -> String {
        let mut words = Vec::new();
        if let Some(delay) = &self.delay {
            words.push(format!("delay {delay}"));
            if let Some(jitter) = &self.jitter {
                words.push(jitter.to_string());
            }
        }
        let mut add = |name: &str, value: &Option<Percent>| {
            if let Some(value) = value {
                words.push(format!("{name} {value}"));
            }
        };
        add("loss", &self.loss);
        add("duplicate", &self.duplicate);
        add("corrupt", &self.corrupt);
        add("reorder", &self.reorder);
        if let Some(rate) = &self.rate {
            words.push(format!("rate {rate}"));
        }
        words.join(" ")
    }
}

/// A probability and a correlation of 0.
fn pair(probability: u32) -> [u8; 8] {
    let mut bytes = [0; 8];
    bytes[..4].copy_from_slice(&probability.to_ne_bytes());
    bytes
}

impl NetemSettings {
    /// Reads the payload of a netem's `TCA_OPTIONS` from a dump.
    pub fn decode(options: &[u8]) -> Option<Self> {
        let qopt = options.get(..QOPT_SIZE)?;
        let field = |index: usize| u32_at(qopt, index * 4).unwrap_or(0);
        let mut settings = NetemSettings {
            latency: u64::from(field(0)) << 6,
            limit: field(1),
            loss: field(2),
            gap: field(3),
            duplicate: field(4),
            jitter: u64::from(field(5)) << 6,
            ..NetemSettings::default()
        };
        let mut rate64 = 0;
        for (kind, value) in attributes(&options[QOPT_SIZE..]) {
            let nonzero = value.iter().any(|byte| *byte != 0);
            match kind {
                LATENCY64 => settings.latency = u64_at(value, 0)?,
                JITTER64 => settings.jitter = u64_at(value, 0)?,
                REORDER | CORRUPT => {
                    let probability = u32_at(value, 0)?;
                    settings.others |= u32_at(value, 4)? != 0;
                    if kind == REORDER {
                        settings.reorder = probability;
                    } else {
                        settings.corrupt = probability;
                    }
                }
                RATE => {
                    settings.rate = u64::from(u32_at(value, 0)?);
                    settings.others |= value
                        .get(4..)
                        .is_some_and(|rest| rest.iter().any(|b| *b != 0));
                }
                RATE64 => rate64 = u64_at(value, 0)?,
                CORR | ECN | SLOT | LOSS => settings.others |= nonzero,
                _ => {}
            }
        }
        settings.rate = settings.rate.max(rate64);
        Some(settings)
    }

    /// The settings in `tc`'s words (`delay 20ms loss 1%`).
    pub fn words(&self) -> String {
        let mut words = Vec::new();
        if self.latency != 0 {
            words.push(format!("delay {}", time_words(self.latency)));
            if self.jitter != 0 {
                words.push(time_words(self.jitter));
            }
        }
        for (name, value) in [
            ("loss", self.loss),
            ("duplicate", self.duplicate),
            ("corrupt", self.corrupt),
            ("reorder", self.reorder),
        ] {
            if value != 0 {
                words.push(format!("{name} {}", percent_words(value)));
            }
        }
        if self.rate != 0 {
            words.push(format!("rate {}", rate_words(self.rate)));
        }
        if self.limit != LIMIT {
            words.push(format!("limit {}", self.limit));
        }
        words.join(" ")
    }

    /// The settings as JSON in `tc -j`'s units: times in seconds, shares
    /// as fractions, the rate in bytes a second.
    pub fn json(&self) -> serde_json::Value {
        let fraction = |scaled: u32| f64::from(scaled) / f64::from(u32::MAX);
        serde_json::json!({
            "limit": self.limit,
            "delay": self.latency as f64 / 1e9,
            "jitter": self.jitter as f64 / 1e9,
            "loss": fraction(self.loss),
            "duplicate": fraction(self.duplicate),
            "corrupt": fraction(self.corrupt),
            "reorder": fraction(self.reorder),
            "gap": self.gap,
            "rate": self.rate,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn netem(delay: &str, loss: &str) -> Netem {
        Netem {
            delay: Some(delay.parse().unwrap()),
            loss: Some(loss.parse().unwrap()),
            ..Netem::default()
        }
    }

    #[test]
    fn options_are_the_qopt_then_the_attributes() {
        let bytes = netem("20ms", "1%").options();
        let words: Vec<u32> = bytes
            .chunks(4)
            .map(|chunk| u32::from_ne_bytes(chunk.try_into().unwrap()))
            .collect();
        assert_eq!(words, [312_500, 1000, 42_949_673, 0, 0, 0]);
        let reordered = Netem {
            reorder: Some("25%".parse().unwrap()),
            ..netem("10ms", "0%")
        };
        let bytes = reordered.options();
        assert_eq!(bytes.len(), 24 + 12);
        assert_eq!(u32_at(&bytes, 12), Some(1), "gap 1 with reordering");
        assert_eq!(&bytes[24..28], &[12, 0, 3, 0]);
    }

    #[test]
    fn what_is_sent_reads_back_as_the_settings_asked() {
        let shapes = [
            netem("20ms", "1%"),
            Netem {
                jitter: Some("5ms".parse().unwrap()),
                corrupt: Some("0.1%".parse().unwrap()),
                reorder: Some("10%".parse().unwrap()),
                rate: Some("100gbit".parse().unwrap()),
                ..netem("1s", "100%")
            },
        ];
        for shape in shapes {
            let decoded = NetemSettings::decode(&shape.options()).unwrap();
            assert_eq!(decoded, shape.settings(), "{}", shape.words());
        }
    }

    #[test]
    fn words_follow_tc() {
        let shape = Netem {
            jitter: Some("5ms".parse().unwrap()),
            rate: Some("10mbit".parse().unwrap()),
            ..netem("20ms", "1%")
        };
        assert_eq!(shape.words(), "delay 20ms 5ms loss 1% rate 10mbit");
        assert_eq!(
            shape.settings().words(),
            "delay 20ms 5ms loss 1% rate 10mbit"
        );
    }
}
