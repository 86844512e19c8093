//! tbf: a token bucket, for a link that only needs a rate. The burst and
//! the queue follow from the rate (ten full Ethernet frames or 10 ms of
//! traffic, whichever is more, and 50 ms of queue), and are written as
//! `tc` words so that the dry-run line makes the same qdisc.

use serde::{Deserialize, Serialize};

use super::units::{rate_words, Rate, TICKS_PER_USEC};
use super::{attribute, attributes, u32_at, u64_at};

/// `TCA_TBF_PARMS`: `struct tc_tbf_qopt`.
const PARMS: u16 = 1;
/// `TCA_TBF_RATE64`: a rate of 2^32 bytes a second or more.
const RATE64: u16 = 4;
/// `TCA_TBF_PRATE64`: a peak rate as large.
const PRATE64: u16 = 5;
/// `TCA_TBF_BURST`: the bucket, in bytes.
const BURST: u16 = 6;
/// `TC_LINKLAYER_ETHERNET`: sizes are taken as they are. Set, it also
/// tells the kernel not to look for a rate table.
const LINKLAYER_ETHERNET: u8 = 1;

/// The least bucket: ten full-size Ethernet frames.
const LEAST_BURST: u64 = 10 * 1514;
/// How long a packet may wait in the queue, in microseconds (`latency 50ms`).
const LATENCY_USEC: u32 = 50_000;

/// A token bucket of a rate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tbf {
    /// `rate RATE`
    pub rate: Rate,
}

/// What the kernel keeps of a tbf qdisc, as its dump reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TbfSettings {
    /// Bytes a second.
    pub rate: u64,
    /// The bytes its queue holds.
    pub limit: u32,
    /// The bucket, in psched ticks at the rate.
    pub buffer: u32,
    /// A peak rate (which link-shape never sets).
    pub peak: bool,
}

/// Whether a rate is one tbf can queue 50 ms of, in its 32-bit limit.
pub fn rate_fits(rate: &Rate) -> bool {
    let tbf = Tbf { rate: rate.clone() };
    tbf.limit_bytes() <= f64::from(u32::MAX) && tbf.burst() <= u64::from(u32::MAX)
}

impl Tbf {
    /// `burst BYTES`: ten full frames, or 10 ms at the rate if more.
    pub fn burst(&self) -> u64 {
        (self.rate.bytes_per_second() / 100)
            .max(LEAST_BURST)
            .min(u64::from(u32::MAX))
    }

    /// `tc`'s limit for `latency 50ms`: the bytes sent in that time, and
    /// the bucket.
    fn limit_bytes(&self) -> f64 {
        self.rate.bytes_per_second() as f64 * f64::from(LATENCY_USEC) / 1e6 + self.burst() as f64
    }

    fn short_rate(&self) -> u32 {
        u32::try_from(self.rate.bytes_per_second()).unwrap_or(u32::MAX)
    }

    /// The payload of `TCA_OPTIONS`, as `tc qdisc replace ... tbf` with the
    /// same words sends it, less the rate table (the kernel reads it only
    /// when the link layer is not given).
    pub fn options(&self) -> Vec<u8> {
        let burst = self.burst() as u32;
        let short_rate = self.short_rate();
        // tc_calc_xmittime: whole microseconds, then ticks.
        let usec = (1e6 * (f64::from(burst) / f64::from(short_rate))) as u32;
        let buffer = (f64::from(usec) * TICKS_PER_USEC) as u32;
        let mut parms = Vec::with_capacity(36);
        // struct tc_ratespec: cell_log, linklayer, overhead, cell_align, mpu, rate
        parms.extend([3, LINKLAYER_ETHERNET]);
        parms.extend(0u16.to_ne_bytes());
        parms.extend((-1i16).to_ne_bytes());
        parms.extend(0u16.to_ne_bytes());
        parms.extend(short_rate.to_ne_bytes());
        parms.extend([0; 12]);
        for value in [self.limit_bytes() as u32, buffer, 0] {
            parms.extend(value.to_ne_bytes());
        }
        let mut bytes = attribute(PARMS, &parms);
        bytes.extend(attribute(BURST, &burst.to_ne_bytes()));
        if self.rate.bytes_per_second() > u64::from(u32::MAX) {
            bytes.extend(attribute(
                RATE64,
                &self.rate.bytes_per_second().to_ne_bytes(),
            ));
        }
        bytes
    }

    /// What the kernel keeps once it has taken [`Tbf::options`]: the
    /// bucket it works out from the burst (`psched_l2t_ns`), in ticks.
    pub fn settings(&self) -> TbfSettings {
        let rate = self.rate.bytes_per_second();
        let (mult, shift) = psched_precompute(rate);
        let nanoseconds = (self.burst() * u64::from(mult)) >> shift;
        TbfSettings {
            rate,
            limit: self.limit_bytes() as u32,
            buffer: (nanoseconds >> 6) as u32,
            peak: false,
        }
    }

    /// The words after `tbf` in `tc qdisc replace`.
    pub fn words(&self) -> String {
        format!(
            "rate {} burst {} latency {}ms",
            self.rate,
            self.burst(),
            LATENCY_USEC / 1000
        )
    }
}

/// The kernel's `psched_ratecfg_precompute`: a multiplier and a shift that
/// turn bytes into nanoseconds at `rate` bytes a second.
fn psched_precompute(rate: u64) -> (u32, u32) {
    let mut factor: u64 = 1_000_000_000;
    let (mut mult, mut shift) = (1u32, 0);
    if rate == 0 {
        return (mult, shift);
    }
    loop {
        mult = (factor / rate) as u32;
        if mult & (1 << 31) != 0 || factor & (1 << 63) != 0 {
            return (mult, shift);
        }
        factor <<= 1;
        shift += 1;
    }
}

impl TbfSettings {
    /// Reads the payload of a tbf's `TCA_OPTIONS` from a dump.
    pub fn decode(options: &[u8]) -> Option<Self> {
        let mut settings = None;
        let (mut rate64, mut peak64) = (0, 0);
        for (kind, value) in attributes(options) {
            match kind {
                PARMS => {
                    settings = Some(TbfSettings {
                        rate: u64::from(u32_at(value, 8)?),
                        limit: u32_at(value, 24)?,
                        buffer: u32_at(value, 28)?,
                        peak: u32_at(value, 20)? != 0 || u32_at(value, 32)? != 0,
                    })
                }
                RATE64 => rate64 = u64_at(value, 0)?,
                PRATE64 => peak64 = u64_at(value, 0)?,
                _ => {}
            }
        }
        let mut settings = settings?;
        settings.rate = settings.rate.max(rate64);
        settings.peak |= peak64 != 0;
        Some(settings)
    }

    /// The bucket in bytes, as `tc` works it out from the ticks
    /// (`tc_calc_xmitsize`), and shows it.
    pub fn burst(&self) -> u32 {
        let usec = (f64::from(self.buffer) / TICKS_PER_USEC) as u32;
        (self.rate as f64 * f64::from(usec) / 1e6) as u32
    }

    /// The settings in `tc`'s words.
    pub fn words(&self) -> String {
        format!(
            "rate {} burst {} limit {}",
            rate_words(self.rate),
            self.burst(),
            self.limit
        )
    }

    /// The settings as `tc -j` names them (bytes a second, bytes).
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({ "rate": self.rate, "burst": self.burst(), "limit": self.limit })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tbf(rate: &str) -> Tbf {
        Tbf {
            rate: rate.parse().unwrap(),
        }
    }

    #[test]
    fn the_bucket_and_queue_follow_from_the_rate() {
        assert_eq!(tbf("10mbit").burst(), 15_140);
        assert_eq!(tbf("10mbit").settings().limit, 77_640);
        assert_eq!(tbf("1gbit").burst(), 1_250_000);
        assert_eq!(
            tbf("10mbit").words(),
            "rate 10mbit burst 15140 latency 50ms"
        );
        assert!(rate_fits(&"100gbit".parse().unwrap()));
        assert!(!rate_fits(&"1tbit".parse().unwrap()));
    }

    #[test]
    fn what_is_sent_decodes_to_its_rate_and_limit() {
        for rate in ["1mbit", "10mbit", "40gbit"] {
            let shape = tbf(rate);
            let sent = TbfSettings::decode(&shape.options()).unwrap();
            assert_eq!(sent.rate, shape.rate.bytes_per_second(), "{rate}");
            assert_eq!(sent.limit, shape.settings().limit, "{rate}");
        }
    }

    #[test]
    fn the_kernel_keeps_the_burst_as_ticks_at_the_rate() {
        // What the kernel reported for `tbf rate 10mbit burst 15140`.
        let settings = tbf("10mbit").settings();
        assert_eq!(settings.buffer, 189_250);
        assert_eq!(settings.burst(), 15_140);
    }
}
