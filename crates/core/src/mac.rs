//! Ethernet (MAC) addresses as users write them: `02:00:00:00:00:01`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::quoted;

/// A 6-byte Ethernet address, unicast.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Mac(pub [u8; 6]);

impl FromStr for Mac {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let invalid = || {
            format!(
                "invalid MAC address {}: expected six hex bytes like 02:00:00:00:00:01",
                quoted(text)
            )
        };
        let mut bytes = [0u8; 6];
        let mut parts = text.split(':');
        for byte in bytes.iter_mut() {
            let part = parts.next().ok_or_else(invalid)?;
            if part.is_empty() || part.len() > 2 {
                return Err(invalid());
            }
            *byte = u8::from_str_radix(part, 16).map_err(|_| invalid())?;
        }
        if parts.next().is_some() {
            return Err(invalid());
        }
        if bytes[0] & 1 == 1 {
            return Err(format!(
                "invalid MAC address {}: it is a multicast address",
                quoted(text)
            ));
        }
        Ok(Mac(bytes))
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

impl TryFrom<String> for Mac {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        text.parse()
    }
}

impl From<Mac> for String {
    fn from(mac: Mac) -> String {
        mac.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_in_lower_case() {
        let mac: Mac = "02:AB:0:00:00:01".parse().unwrap();
        assert_eq!(mac.to_string(), "02:ab:00:00:00:01");
    }

    #[test]
    fn refuses_bad_and_multicast_addresses() {
        for bad in [
            "",
            "02:00:00:00:00",
            "02:00:00:00:00:00:00",
            "zz:00:00:00:00:00",
            "01:00:5e:00:00:01",
        ] {
            assert!(bad.parse::<Mac>().is_err(), "{bad}");
        }
    }
}
