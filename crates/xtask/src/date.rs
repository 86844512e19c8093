//! The date printed in the man pages: `SOURCE_DATE_EPOCH`'s day when it is
//! set (reproducible builds), else the day this version was released, so
//! that generating twice gives the same bytes.

/// The release date of this version of vethkit; move it with the version.
pub const RELEASED: &str = "2026-11-24";

/// The man pages' date, as YYYY-MM-DD.
pub fn from_environment() -> Result<String, String> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Err(_) => Ok(RELEASED.to_string()),
        Ok(text) => text
            .trim()
            .parse::<i64>()
            .map(day_of)
            .map_err(|_| format!("SOURCE_DATE_EPOCH={text:?} is not a number of seconds")),
    }
}

/// The UTC day holding `seconds` since 1970-01-01, as YYYY-MM-DD
/// (the proleptic Gregorian calendar; Howard Hinnant's `civil_from_days`).
fn day_of(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::day_of;

    #[test]
    fn days_match_the_calendar() {
        assert_eq!(day_of(0), "1970-01-01");
        assert_eq!(day_of(86_399), "1970-01-01");
        assert_eq!(day_of(951_782_400), "2000-02-29");
        assert_eq!(day_of(1_700_000_000), "2023-11-14");
        assert_eq!(day_of(4_107_542_400), "2100-03-01");
        assert_eq!(day_of(-1), "1969-12-31");
    }
}
