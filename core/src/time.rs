//! Timestamps: seconds since the Unix epoch, written as RFC 3339 UTC
//! (`2026-11-28T12:00:00Z`). The core never reads a clock; callers pass
//! the time in.

use core::fmt;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time, whole seconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// From seconds since the Unix epoch.
    pub const fn from_unix(seconds: i64) -> Self {
        Self(seconds)
    }

    /// From seconds since the Unix epoch, if the instant falls in the years
    /// 0000 to 9999 that RFC 3339 can write (times from outside, e.g. a
    /// JavaScript caller, go through this).
    pub fn from_unix_checked(seconds: i64) -> Option<Self> {
        // 0000-01-01T00:00:00Z ..= 9999-12-31T23:59:59Z
        (-62_167_219_200..=253_402_300_799)
            .contains(&seconds)
            .then_some(Self(seconds))
    }

    /// Seconds since the Unix epoch.
    pub const fn unix(self) -> i64 {
        self.0
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction]Z` (RFC 3339, UTC only; a
    /// fraction is accepted and dropped).
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        if b.len() < 20
            || b[4] != b'-'
            || b[7] != b'-'
            || b[10] != b'T'
            || b[13] != b':'
            || b[16] != b':'
        {
            return None;
        }
        let num = |range: core::ops::Range<usize>| -> Option<i64> {
            let s = text.get(range)?;
            if !s.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            s.parse().ok()
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        let rest = &b[19..];
        let rest = match rest.first() {
            Some(b'.') => {
                let digits = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                if digits == 0 {
                    return None;
                }
                &rest[1 + digits..]
            }
            _ => rest,
        };
        if rest != b"Z" && rest != b"z" {
            return None;
        }
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        if hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        let days = days_from_civil(year, month, day);
        Some(Self(
            days * 86_400 + hour * 3_600 + minute * 60 + second.min(59),
        ))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            secs / 3_600,
            secs % 3_600 / 60,
            secs % 60
        )
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse_rfc3339(&text).ok_or_else(|| {
            serde::de::Error::custom("a timestamp is not RFC 3339 UTC (YYYY-MM-DDTHH:MM:SSZ)")
        })
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's algorithms for the proleptic Gregorian calendar.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(Timestamp::from_unix(0).to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(
            Timestamp::from_unix(1_795_867_200).to_string(),
            "2026-11-28T12:00:00Z"
        );
        assert_eq!(
            Timestamp::from_unix(951_782_400).to_string(),
            "2000-02-29T00:00:00Z"
        );
        assert_eq!(Timestamp::from_unix(-1).to_string(), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn parses_what_it_formats() {
        for t in [
            0,
            1,
            59,
            86_399,
            951_782_400,
            1_795_867_200,
            4_102_444_800,
            -86_400,
        ] {
            let ts = Timestamp::from_unix(t);
            assert_eq!(Timestamp::parse_rfc3339(&ts.to_string()), Some(ts));
        }
        assert_eq!(
            Timestamp::parse_rfc3339("2026-11-28T12:00:00.123456Z"),
            Some(Timestamp::from_unix(1_795_867_200))
        );
        assert_eq!(Timestamp::from_unix(5).unix(), 5);
        assert_eq!(
            Timestamp::from_unix_checked(5),
            Some(Timestamp::from_unix(5))
        );
        assert_eq!(
            Timestamp::from_unix_checked(253_402_300_799)
                .map(|t| t.to_string())
                .as_deref(),
            Some("9999-12-31T23:59:59Z")
        );
        assert_eq!(Timestamp::from_unix_checked(253_402_300_800), None);
        assert_eq!(Timestamp::from_unix_checked(i64::MIN), None);
    }

    #[test]
    fn refuses_malformed_text() {
        for bad in [
            "",
            "2026-11-28",
            "2026-11-28T12:00:00",
            "2026-11-28T12:00:00+01:00",
            "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-11-28T24:00:00Z",
            "2026-11-28T12:60:00Z",
            "2026-11-28T12:00:61Z",
            "2026-11-28T12:00:00.Z",
            "2026/11/28T12:00:00Z",
            "+026-11-28T12:00:00Z",
            "2026-11-00T12:00:00Z",
        ] {
            assert_eq!(Timestamp::parse_rfc3339(bad), None, "{bad}");
        }
        assert!(Timestamp::parse_rfc3339("2024-02-29T00:00:00Z").is_some());
    }

    #[test]
    fn serde_round_trip() {
        let ts = Timestamp::from_unix(1_795_867_200);
        let json = serde_json::to_string(&ts).expect("serialize");
        assert_eq!(json, "\"2026-11-28T12:00:00Z\"");
        assert_eq!(serde_json::from_str::<Timestamp>(&json).expect("parse"), ts);
        assert!(serde_json::from_str::<Timestamp>("\"yesterday\"").is_err());
    }
}
