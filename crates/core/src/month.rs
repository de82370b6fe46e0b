//! Calendar months and local dates. Quotas are per calendar month in Vietnam
//! (UTC+7, no daylight saving), whatever time zone a device is set to.

use crate::validate::ValidationError;
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Offset, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Vietnam's offset from UTC, in seconds.
pub const VIETNAM_OFFSET_SECS: i32 = 7 * 3600;

pub fn vietnam() -> FixedOffset {
    // 7 hours is inside FixedOffset's ±24 h range; the fallback is unreachable.
    FixedOffset::east_opt(VIETNAM_OFFSET_SECS).unwrap_or(Utc.fix())
}

/// The day in Vietnam at a given instant.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&vietnam()).date_naive()
}

/// A day as people in Vietnam write it, day first: "30/11/2026",
/// "30-11-2026", "30.11.2026", "30/11/26", "30/11" (this year, or next year
/// when that day has passed `today`), or the ISO form "2026-11-30". `None`
/// when it is no real date ("11/30/2026" is none: the day comes first).
/// The one parser for typed dates: the app's forms and the CLI use it.
pub fn parse_day(input: &str, today: NaiveDate) -> Option<NaiveDate> {
    let s = input.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(d);
    }
    let parts: Vec<&str> = s
        .split(['/', '-', '.', ' '])
        .filter(|p| !p.is_empty())
        .collect();
    let num = |p: &str| -> Option<u32> {
        (p.len() <= 4 && p.chars().all(|c| c.is_ascii_digit())).then(|| p.parse().ok())?
    };
    match parts.as_slice() {
        [d, m, y] => {
            let (d, m, y) = (num(d)?, num(m)?, num(y)?);
            // "30/11/26" means 2026: nobody plans a follow-up a century away.
            let y = if y < 100 { 2000 + y } else { y };
            NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
        }
        [d, m] => {
            let (d, m) = (num(d)?, num(m)?);
            let this_year = NaiveDate::from_ymd_opt(today.year(), m, d)?;
            if this_year >= today {
                Some(this_year)
            } else {
                NaiveDate::from_ymd_opt(today.year() + 1, m, d)
            }
        }
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    pub fn of(date: NaiveDate) -> Month {
        Month {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// First day after the month, for half-open ranges.
    pub fn end_exclusive(self) -> NaiveDate {
        self.next().first_day()
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        Month::of(date) == self
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Month {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (y, m) = s.trim().split_once('-').ok_or(ValidationError::Month)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(ValidationError::Month);
        }
        let year: i32 = y.parse().map_err(|_| ValidationError::Month)?;
        let month: u32 = m.parse().map_err(|_| ValidationError::Month)?;
        if !(1..=12).contains(&month) || !(2000..=2999).contains(&year) {
            return Err(ValidationError::Month);
        }
        Ok(Month { year, month })
    }
}

impl From<Month> for String {
    fn from(m: Month) -> String {
        m.to_string()
    }
}

impl TryFrom<String> for Month {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn late_evening_utc_is_already_tomorrow_in_vietnam() {
        let at = Utc.with_ymd_and_hms(2026, 11, 30, 18, 30, 0).unwrap();
        assert_eq!(
            local_date(at),
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
        );
    }

    #[test]
    fn typed_days_read_day_first() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(parse_day("30/12/2026", today), d(2026, 12, 30));
        assert_eq!(parse_day("3/1/2027", today), d(2027, 1, 3));
        assert_eq!(parse_day(" 3-12-2026 ", today), d(2026, 12, 3));
        assert_eq!(parse_day("3.12.26", today), d(2026, 12, 3));
        assert_eq!(parse_day("2026-12-03", today), d(2026, 12, 3));
        assert_eq!(parse_day("30/11", today), d(2026, 11, 30));
        assert_eq!(parse_day("5/1", today), d(2027, 1, 5));
        for bad in [
            "11/30/2026",
            "31/11/2026",
            "",
            "ngày mai",
            "1/1/99999",
            "+30",
        ] {
            assert_eq!(parse_day(bad, today), None, "{bad}");
        }
    }

    #[test]
    fn months_parse_and_roll_over() {
        let m: Month = "2026-12".parse().unwrap();
        assert_eq!(m.next().to_string(), "2027-01");
        assert_eq!(
            m.end_exclusive(),
            NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
        );
        for bad in ["2026-13", "2026-1", "26-01", "2026/01", ""] {
            assert!(bad.parse::<Month>().is_err(), "{bad}");
        }
    }
}
