//! One module per page. Each handler extracts, calls the store's report API
//! (or `crate::report`'s generators), and renders; none counts anything.

pub mod audit;
pub mod audit_changes;
pub mod audit_query;
pub mod dashboard;
pub mod download;
pub mod duplicates;
pub mod household;
pub mod import;
pub mod merge;
pub mod recognition;
pub mod records;
pub mod review;
pub mod sign_in;
pub mod targets;
pub mod teams;
pub mod training;
pub mod training_delete;

use super::error::PageError;
use super::layout;
use chrono::Utc;
use gocua_core::indicators::{Period, Quarter};
use gocua_core::month::local_date;
use gocua_core::{CatalogueEntry, OrgSnapshot};
use maud::{Markup, html};
use serde::Deserialize;

/// Today in Vietnam: figures are taken as of it.
pub fn today() -> chrono::NaiveDate {
    local_date(Utc::now())
}

/// `?period=2026-Q4` or `?period=2026-11` (default: this quarter).
#[derive(Debug, Default, Deserialize)]
pub struct PeriodQuery {
    pub period: Option<String>,
}

impl PeriodQuery {
    pub fn period(&self) -> Result<Period, PageError> {
        match self
            .period
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            None => Ok(Period::Quarter(Quarter::of(today()))),
            Some(p) => p.parse().map_err(|_| {
                PageError::BadQuery("kỳ báo cáo phải viết như 2026-Q4 hoặc 2026-11.".into())
            }),
        }
    }

    /// A quarter: the given one, the quarter a given month is in, or this one.
    pub fn quarter(&self) -> Result<Quarter, PageError> {
        Ok(self.period()?.quarter())
    }
}

/// The periods offered in the picker: this quarter and its months so far,
/// then the four quarters before it with their months.
fn periods_offered() -> Vec<Period> {
    let today = today();
    let mut q = Quarter::of(today);
    let mut out = Vec::new();
    for _ in 0..5 {
        out.push(Period::Quarter(q));
        for m in q.months() {
            if m.first_day() <= today {
                out.push(Period::Month(m));
            }
        }
        q = if q.quarter == 1 {
            Quarter {
                year: q.year - 1,
                quarter: 4,
            }
        } else {
            Quarter {
                year: q.year,
                quarter: q.quarter - 1,
            }
        };
    }
    out
}

/// A GET form choosing the period of the page at `action`.
pub fn period_picker(action: &str, current: Period, quarters_only: bool) -> Markup {
    let mut offered = periods_offered();
    if !offered.contains(&current) {
        offered.insert(0, current);
    }
    html! {
        form.picker method="get" action=(action) {
            label for="period" { "Kỳ báo cáo" }
            select #period name="period" {
                @for p in offered.iter().filter(|p| !quarters_only || matches!(p, Period::Quarter(_))) {
                    option value=(p.to_string()) selected[*p == current] {
                        @if let Period::Month(_) = p { "\u{a0}\u{a0}" }
                        (p.label_vi())
                    }
                }
            }
            button type="submit" { "Xem" }
        }
    }
}

/// The Vietnamese name of an action code, from the commune's catalogue.
pub fn action_name<'a>(catalogue: &'a [CatalogueEntry], code: &'a str) -> &'a str {
    catalogue
        .iter()
        .find(|e| e.code.as_str() == code)
        .map_or(code, |e| e.name_vi.as_str())
}

/// A member's name in the commune (or "—").
pub fn member_name(org: &OrgSnapshot, id: gocua_core::MemberId) -> &str {
    org.members
        .iter()
        .find(|m| m.id == id)
        .map_or("—", |m| m.full_name.as_str())
}

pub fn village_name(org: &OrgSnapshot, id: gocua_core::VillageId) -> &str {
    org.villages
        .iter()
        .find(|v| v.id == id)
        .map_or("—", |v| v.name.as_str())
}

/// "Đạt" / "Chưa đạt" / nothing, for a figure against its target.
pub fn verdict(met: Option<bool>) -> Markup {
    html! {
        @match met {
            Some(true) => span.badge.met { "Đạt" },
            Some(false) => span.badge.short { "Chưa đạt" },
            None => span.muted { "—" },
        }
    }
}

/// A number that opens the records behind it.
pub fn figure_link(value: u64, href: &str) -> Markup {
    html! { a.figure href=(href) { (layout::int(value)) } }
}
