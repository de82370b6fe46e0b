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
