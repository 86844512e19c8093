//! Times, percentages and rates as `tc` spells them (`20ms`, `1%`,
//! `10mbit`), turned into numbers by the arithmetic `tc` uses, so that a
//! value given to link-shape and the same word given to `tc` end as the
//! same bytes. Each keeps the text it was given: that is how it prints,
//! in dry-run lines and in the journal.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::quoted;

/// Microseconds a psched tick lasts: the kernel has reported ticks of 64 ns
/// (`/proc/net/psched`: 1000 ns a microsecond, 64 ns a tick) since 2.6.
pub(crate) const TICKS_PER_USEC: f64 = 1000.0 / 64.0;

/// A time: `20ms`, `1.5s`, `250us` (the units `tc` takes: `s`, `sec`,
/// `secs`, `ms`, `msec`, `msecs`, `us`, `usec`, `usecs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Time {
    text: String,
    usec: u32,
}

/// A percentage, `0` to `100%` (`1%`, `0.5%`; a bare number is percent too,
/// as for `tc`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Percent {
    text: String,
    scaled: u32,
}

/// A rate: `10mbit`, `1gbit`, `500kbit` (and the other units `tc` takes,
/// bits or bytes a second, decimal or binary prefixes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rate {
    text: String,
    bytes_per_second: u64,
}

/// `tc`'s rate units (`lib/utils_math.c`), matched without regard to
/// case, and bits a second each is.
const RATE_UNITS: [(&str, f64); 18] = [
    ("bit", 1.),
    ("kibit", 1024.),
    ("kbit", 1000.),
    ("mibit", 1024. * 1024.),
    ("mbit", 1_000_000.),
    ("gibit", 1024. * 1024. * 1024.),
    ("gbit", 1_000_000_000.),
    ("tibit", 1024. * 1024. * 1024. * 1024.),
    ("tbit", 1_000_000_000_000.),
    ("bps", 8.),
    ("kibps", 8. * 1024.),
    ("kbps", 8000.),
    ("mibps", 8. * 1024. * 1024.),
    ("mbps", 8_000_000.),
    ("gibps", 8. * 1024. * 1024. * 1024.),
    ("gbps", 8_000_000_000.),
    ("tibps", 8. * 1024. * 1024. * 1024. * 1024.),
    ("tbps", 8_000_000_000_000.),
];

/// The number a value starts with and the unit after it. Only plain
/// decimals are taken: no sign, exponent, or hexadecimal, which `tc`'s
/// `strtod` would also read.
fn split_number<'a>(text: &'a str, what: &str) -> Result<(f64, &'a str), String> {
    let end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(end);
    if text.starts_with('-') {
        return Err(format!("{what} {} is negative", quoted(text)));
    }
    let valid = !number.is_empty()
        && number.matches('.').count() <= 1
        && number.chars().any(|c| c.is_ascii_digit());
    match number.parse::<f64>() {
        Ok(value) if valid => Ok((value, unit)),
        _ => Err(format!("{what} {} is not a number", quoted(text))),
    }
}

impl Time {
    /// psched ticks, as `tc` turns microseconds into them.
    pub fn ticks(&self) -> u32 {
        (f64::from(self.usec) * TICKS_PER_USEC) as u32
    }

    /// Nanoseconds, as the kernel turns the ticks back.
    pub fn nanoseconds(&self) -> u64 {
        u64::from(self.ticks()) << 6
    }
}

impl std::str::FromStr for Time {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (number, unit) = split_number(text, "the time")?;
        let scale = match unit.to_ascii_lowercase().as_str() {
            "s" | "sec" | "secs" => 1e6,
            "ms" | "msec" | "msecs" => 1e3,
            "us" | "usec" | "usecs" => 1.,
            "" => {
                return Err(format!(
                    "the time {} has no unit: give ms, us or s, as in 20ms",
                    quoted(text)
                ))
            }
            _ => {
                return Err(format!(
                    "the time {} has an unknown unit: give ms, us or s, as in 20ms",
                    quoted(text)
                ))
            }
        };
        let usec = (number * scale).trunc();
        // The kernel's 32-bit tick count: about 274 seconds.
        if usec * TICKS_PER_USEC >= 4_294_967_296.0 {
            return Err(format!(
                "the time {} is too long: netem takes at most 274s",
                quoted(text)
            ));
        }
        Ok(Time {
            text: text.to_string(),
            usec: usec as u32,
        })
    }
}

impl Percent {
    /// The share of `u32::MAX` the kernel takes for it, rounded as `tc`
    /// rounds it (to the nearest, ties to even).
    pub fn scaled(&self) -> u32 {
        self.scaled
    }
}

impl std::str::FromStr for Percent {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (number, unit) = split_number(text, "the percentage")?;
        if !unit.is_empty() && unit != "%" {
            return Err(format!(
                "the percentage {} has an unknown unit: give a number and %, as in 1%",
                quoted(text)
            ));
        }
        if number > 100.0 {
            return Err(format!("the percentage {} is over 100%", quoted(text)));
        }
        Ok(Percent {
            text: text.to_string(),
            scaled: (number / 100.0 * f64::from(u32::MAX)).round_ties_even() as u32,
        })
    }
}

impl Rate {
    /// Bytes a second, as `tc` counts them (the fraction of one dropped).
    pub fn bytes_per_second(&self) -> u64 {
        self.bytes_per_second
    }
}

impl std::str::FromStr for Rate {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (number, unit) = split_number(text, "the rate")?;
        if unit.is_empty() {
            return Err(format!(
                "the rate {} has no unit: give kbit, mbit or gbit, as in 10mbit",
                quoted(text)
            ));
        }
        let Some((_, bits)) = RATE_UNITS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(unit))
        else {
            return Err(format!(
                "the rate {} has an unknown unit: give kbit, mbit or gbit, as in 10mbit",
                quoted(text)
            ));
        };
        let bytes_per_second = number * bits / 8.0;
        if bytes_per_second < 1.0 {
            return Err(format!(
                "the rate {} is less than a byte a second",
                quoted(text)
            ));
        }
        if bytes_per_second >= u64::MAX as f64 {
            return Err(format!("the rate {} is too high", quoted(text)));
        }
        Ok(Rate {
            text: text.to_string(),
            bytes_per_second: bytes_per_second as u64,
        })
    }
}

/// Writes a rate in bytes a second in the largest of `tc`'s decimal bit
/// units that shows it whole (`10mbit`), for rates read from the kernel.
pub fn rate_words(bytes_per_second: u64) -> String {
    let bits = u128::from(bytes_per_second) * 8;
    for (unit, scale) in [("gbit", 1_000_000_000), ("mbit", 1_000_000), ("kbit", 1000)] {
        if bits >= scale && bits % scale == 0 {
            return format!("{}{unit}", bits / scale);
        }
    }
    format!("{bits}bit")
}

/// Writes a time in nanoseconds in milliseconds or microseconds, to three
/// decimals at most (`20ms`, `1.5ms`, `960ns` shown as `0.96us`).
pub fn time_words(nanoseconds: u64) -> String {
    let (value, unit) = if nanoseconds >= 1_000_000 {
        (nanoseconds as f64 / 1e6, "ms")
    } else {
        (nanoseconds as f64 / 1e3, "us")
    };
    let text = format!("{value:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}{unit}")
}

/// Writes a share of `u32::MAX` as a percentage (`1%`), as `tc` shows it.
pub fn percent_words(scaled: u32) -> String {
    let percent = 100.0 * f64::from(scaled) / f64::from(u32::MAX);
    let text = format!("{percent:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}%")
}

macro_rules! text_serde {
    ($($kind:ty),*) => {$(
        impl fmt::Display for $kind {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.text)
            }
        }

        impl Serialize for $kind {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.text)
            }
        }

        impl<'de> Deserialize<'de> for $kind {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    )*};
}

text_serde!(Time, Percent, Rate);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_count_as_tc_counts_them() {
        let time = |text: &str| text.parse::<Time>().unwrap();
        assert_eq!(time("20ms").usec, 20_000);
        assert_eq!(time("20ms").ticks(), 312_500);
        assert_eq!(time("20ms").nanoseconds(), 20_000_000);
        assert_eq!(time("1.5s").usec, 1_500_000);
        assert_eq!(time("1us").ticks(), 15);
        assert_eq!(time("250USEC").usec, 250);
        assert_eq!(time("20ms").to_string(), "20ms");
    }

    #[test]
    fn bad_times_say_what_is_wrong() {
        let error = |text: &str| text.parse::<Time>().unwrap_err();
        assert_eq!(
            error("20"),
            "the time \"20\" has no unit: give ms, us or s, as in 20ms"
        );
        assert_eq!(error("-5ms"), "the time \"-5ms\" is negative");
        assert!(
            error("20 ms").contains("unknown unit"),
            "{}",
            error("20 ms")
        );
        assert!(error("20m").contains("unknown unit"));
        assert!(error("ms").contains("not a number"));
        assert!(error("1.2.3ms").contains("not a number"));
        assert!(error("300s").contains("too long"));
    }

    #[test]
    fn percentages_scale_as_tc_scales_them() {
        let percent = |text: &str| text.parse::<Percent>().unwrap().scaled();
        assert_eq!(percent("100%"), u32::MAX);
        assert_eq!(percent("0%"), 0);
        assert_eq!(percent("1%"), 42_949_673);
        assert_eq!(percent("1"), 42_949_673);
        assert_eq!(percent("0.5%"), 21_474_836);
        let error = |text: &str| text.parse::<Percent>().unwrap_err();
        assert_eq!(error("101%"), "the percentage \"101%\" is over 100%");
        assert_eq!(error("-1%"), "the percentage \"-1%\" is negative");
        assert!(error("1pc").contains("unknown unit"));
    }

    #[test]
    fn rates_count_bytes_a_second() {
        let rate = |text: &str| text.parse::<Rate>().unwrap().bytes_per_second();
        assert_eq!(rate("10mbit"), 1_250_000);
        assert_eq!(rate("10Mbit"), 1_250_000);
        assert_eq!(rate("1gbit"), 125_000_000);
        assert_eq!(rate("1kibit"), 128);
        assert_eq!(rate("1mbps"), 1_000_000);
        assert_eq!(rate("100tbit"), 12_500_000_000_000);
        let error = |text: &str| text.parse::<Rate>().unwrap_err();
        assert!(error("10").contains("no unit"));
        assert!(error("10mb").contains("unknown unit"));
        assert!(error("0mbit").contains("less than a byte"));
    }

    #[test]
    fn values_read_back_print_in_tc_units() {
        assert_eq!(rate_words(1_250_000), "10mbit");
        assert_eq!(rate_words(125_000_000), "1gbit");
        assert_eq!(rate_words(128), "1024bit");
        assert_eq!(time_words(20_000_000), "20ms");
        assert_eq!(time_words(1_500_000), "1.5ms");
        assert_eq!(time_words(960), "0.96us");
        assert_eq!(percent_words(42_949_673), "1%");
        assert_eq!(percent_words(u32::MAX), "100%");
    }
}
