//! Reporting periods: a calendar month or a quarter, and the quarter's
//! deadlines. Teams report to the commune office before the 15th of the
//! quarter's last month; the office reports to the province before the 26th
//! (Nghĩa Sơn plan, section II).

use crate::month::Month;
use crate::validate::ValidationError;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Teams hand in their quarter before this day of the quarter's last month.
pub const TEAM_REPORT_BEFORE_DAY: u32 = 15;
/// The commune office reports to the province before this day.
pub const COMMUNE_REPORT_BEFORE_DAY: u32 = 26;

/// A calendar quarter, written `2026-Q4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Quarter {
    pub year: i32,
    /// 1 to 4.
    pub quarter: u32,
}

impl Quarter {
    pub fn of(date: NaiveDate) -> Quarter {
        Quarter {
            year: date.year(),
            quarter: (date.month() - 1) / 3 + 1,
        }
    }

    pub fn months(self) -> [Month; 3] {
        let first = (self.quarter - 1) * 3 + 1;
        [0, 1, 2].map(|i| Month {
            year: self.year,
            month: first + i,
        })
    }

    pub fn last_month(self) -> Month {
        self.months()[2]
    }

    pub fn first_day(self) -> NaiveDate {
        self.months()[0].first_day()
    }

    pub fn end_exclusive(self) -> NaiveDate {
        self.last_month().end_exclusive()
    }

    fn day_of_last_month(self, day: u32) -> NaiveDate {
        let m = self.last_month();
        NaiveDate::from_ymd_opt(m.year, m.month, day).unwrap_or(m.first_day())
    }

    /// Team reports must reach the commune office before this day.
    pub fn team_report_before(self) -> NaiveDate {
        self.day_of_last_month(TEAM_REPORT_BEFORE_DAY)
    }

    /// The commune office's report must reach the province before this day.
    pub fn commune_report_before(self) -> NaiveDate {
        self.day_of_last_month(COMMUNE_REPORT_BEFORE_DAY)
    }

    /// From this day on, a team's sync carries the work its leader reports
    /// for the quarter: the first day of the quarter's last month.
    pub fn reporting_opens(self) -> NaiveDate {
        self.last_month().first_day()
    }

    /// "Quý IV/2026".
    pub fn label_vi(self) -> String {
        let roman = ["I", "II", "III", "IV"];
        let q = roman.get(self.quarter as usize - 1).copied().unwrap_or("?");
        format!("Quý {q}/{}", self.year)
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-Q{}", self.year, self.quarter)
    }
}

fn bad_period(s: &str) -> ValidationError {
    ValidationError::NotAllowed {
        field: "period",
        value: s.chars().take(40).collect(),
    }
}

impl FromStr for Quarter {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let (y, q) = t.split_once(['-']).ok_or_else(|| bad_period(s))?;
        let q = q.strip_prefix(['Q', 'q']).ok_or_else(|| bad_period(s))?;
        let year: i32 = y.parse().map_err(|_| bad_period(s))?;
        let quarter: u32 = q.parse().map_err(|_| bad_period(s))?;
        if y.len() != 4 || q.len() != 1 || !(1..=4).contains(&quarter) {
            return Err(bad_period(s));
        }
        if !(2000..=2999).contains(&year) {
            return Err(bad_period(s));
        }
        Ok(Quarter { year, quarter })
    }
}

impl From<Quarter> for String {
    fn from(q: Quarter) -> String {
        q.to_string()
    }
}

impl TryFrom<String> for Quarter {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// What a report covers: a month (`2026-11`) or a quarter (`2026-Q4`).
/// Work figures count what was done within it; stock figures (the
/// indicators) are taken at its `as_of` day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Period {
    Month(Month),
    Quarter(Quarter),
}

impl Period {
    pub fn months(self) -> Vec<Month> {
        match self {
            Period::Month(m) => vec![m],
            Period::Quarter(q) => q.months().to_vec(),
        }
    }

    pub fn first_day(self) -> NaiveDate {
        match self {
            Period::Month(m) => m.first_day(),
            Period::Quarter(q) => q.first_day(),
        }
    }

    pub fn end_exclusive(self) -> NaiveDate {
        match self {
            Period::Month(m) => m.end_exclusive(),
            Period::Quarter(q) => q.end_exclusive(),
        }
    }

    pub fn last_day(self) -> NaiveDate {
        self.end_exclusive().pred_opt().unwrap_or(NaiveDate::MIN)
    }

    pub fn contains(self, day: NaiveDate) -> bool {
        self.first_day() <= day && day < self.end_exclusive()
    }

    /// The day stock figures are taken at: the period's last day, or
    /// `today` while the period is still running.
    pub fn as_of(self, today: NaiveDate) -> NaiveDate {
        self.last_day().min(today)
    }

    /// The quarter a period lies in.
    pub fn quarter(self) -> Quarter {
        Quarter::of(self.first_day())
    }

    /// "Tháng 11/2026" or "Quý IV/2026".
    pub fn label_vi(self) -> String {
        match self {
            Period::Month(m) => format!("Tháng {}/{}", m.month, m.year),
            Period::Quarter(q) => q.label_vi(),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Month(m) => m.fmt(f),
            Period::Quarter(q) => q.fmt(f),
        }
    }
}

impl FromStr for Period {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().contains(['Q', 'q']) {
            s.parse().map(Period::Quarter)
        } else {
            s.parse().map(Period::Month).map_err(|_| bad_period(s))
        }
    }
}

impl From<Period> for String {
    fn from(p: Period) -> String {
        p.to_string()
    }
}

impl TryFrom<String> for Period {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Month> for Period {
    fn from(m: Month) -> Self {
        Period::Month(m)
    }
}

impl From<Quarter> for Period {
    fn from(q: Quarter) -> Self {
        Period::Quarter(q)
    }
}
