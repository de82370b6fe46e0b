//! `GET /records`: the records behind a figure, a page at a time — the
//! least that tells them apart (a name, a birth year, a village, a day),
//! never an ID number or a phone, each linking to the resident's card or
//! the household's page. Only the officer's own commune: an id from
//! elsewhere is "not found".

use super::{action_name, member_name, periods_offered, today, village_name};
use crate::app::AppState;
use crate::web::auth::Officer;
use crate::web::error::PageError;
use crate::web::layout::{self, Nav};
use crate::web::links::{RecordsQuery, from, records_href};
use axum::extract::{Query, State};
use gocua_central::CentralError;
use gocua_core::CommuneId;
use gocua_core::indicators::{
    DrillPage, DrillQuery, DrillRow, Figure, Part, Period, Quarter, Subject,
};
use gocua_core::{CatalogueEntry, OrgSnapshot};
use maud::{Markup, html};

/// Rows on a page.
const PAGE: u32 = 100;

pub async fn show(
    State(state): State<AppState>,
    officer: Officer,
    Query(q): Query<RecordsQuery>,
) -> Result<Markup, PageError> {
    let commune = officer.commune();
    let q = with_defaults(q, commune);
    let query = q.to_drill().map_err(PageError::BadQuery)?;
    let after = q.after.clone().filter(|a| !a.is_empty());
    let today = today();
    let (page, org, catalogue) = {
        let query = query.clone();
        let after = after.clone();
        state
            .db(move |db| {
                let org = db.org_snapshot(commune)?;
                if !belongs(&org, query.subject) {
                    return Err(CentralError::NotFound {
                        what: "record",
                        id: String::new(),
                    });
                }
                let page = db.drill_down(&query, today, after.as_deref(), PAGE)?;
                Ok((page, org, db.catalogue(commune)?))
            })
            .await?
    };
    let title = describe(&query, &org, &catalogue);
    let body = body(&title, &query, &page, after.as_deref(), &org, &catalogue);
    Ok(layout::page(&title, &officer, Nav::Records, body))
}

/// What a part left out of the address means: the whole commune, this
/// quarter, the assists (so bare `/records` is this quarter's assists in
/// the commune, with the form to choose another figure).
fn with_defaults(mut q: RecordsQuery, commune: CommuneId) -> RecordsQuery {
    if q.who.trim().is_empty() && q.id.trim().is_empty() {
        q.who = "commune".into();
        q.id = commune.to_string();
    }
    if q.period.trim().is_empty() {
        q.period = Period::Quarter(Quarter::of(today())).to_string();
    }
    if q.figure.trim().is_empty() {
        q.figure = "assists".into();
    }
    q
}

/// Figures one can open without anything more to choose.
const CHOICES: [(&str, &str); 3] = [
    ("assists", "Lượt hỗ trợ"),
    ("households", "Hộ được hỗ trợ"),
    ("follow_ups", "Hẹn quay lại đang mở"),
];

/// A GET form: another period of the same figure, or (for the figures
/// that need nothing more) another figure. What is not chosen here rides
/// along in hidden fields, read off the page's own address.
fn chooser(q: &DrillQuery) -> Markup {
    let current = match q.figure {
        Figure::Assists { action: None } => Some("assists"),
        Figure::HouseholdsHelped => Some("households"),
        Figure::FollowUpsOpen {
            overdue_only: false,
        } => Some("follow_ups"),
        _ => None,
    };
    let href = records_href(q, None);
    let kept: Vec<(&str, &str)> = href
        .split_once('?')
        .map_or("", |(_, query)| query)
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(k, _)| *k != "period" && (current.is_none() || *k != "figure"))
        .collect();
    let mut offered = periods_offered();
    if !offered.contains(&q.period) {
        offered.insert(0, q.period);
    }
    html! {
        form.picker #records-choose method="get" action="/records" {
            @for (k, v) in &kept { input type="hidden" name=(k) value=(v); }
            @if let Some(current) = current {
                label for="figure" { "Số liệu" }
                select #figure name="figure" {
                    @for (code, label) in CHOICES {
                        option value=(code) selected[code == current] { (label) }
                    }
                }
            }
            label for="period" { "Kỳ báo cáo" }
            select #period name="period" {
                @for p in &offered {
                    option value=(p.to_string()) selected[*p == q.period] {
                        @if let Period::Month(_) = p { "\u{a0}\u{a0}" }
                        (p.label_vi())
                    }
                }
            }
            button type="submit" { "Xem" }
        }
    }
}

/// Whether the subject is in the officer's commune.
fn belongs(org: &OrgSnapshot, s: Subject) -> bool {
    match s {
        Subject::Commune(c) => c == org.commune.id,
        Subject::Village(v) => org.villages.iter().any(|x| x.id == v),
        Subject::Team(t) => org.teams.iter().any(|x| x.id == t),
        Subject::Member(m) => org.members.iter().any(|x| x.id == m),
    }
}

fn status_vi(status: &str) -> &'static str {
    match status {
        "done" => "Đã xong",
        "follow_up" => "Hẹn quay lại",
        "not_possible" => "Không thực hiện được",
        _ => "—",
    }
}

/// "VNeID mức độ 2 — còn thiếu — Thôn A — Quý IV/2026".
fn describe(q: &DrillQuery, org: &OrgSnapshot, catalogue: &[CatalogueEntry]) -> String {
    let whose = match q.subject {
        Subject::Commune(_) => format!("toàn {}", org.commune.name),
        Subject::Village(v) => village_name(org, v).to_string(),
        Subject::Team(t) => org
            .teams
            .iter()
            .find(|x| x.id == t)
            .map_or("—".into(), |x| x.name.clone()),
        Subject::Member(m) => member_name(org, m).to_string(),
    };
    let what = match &q.figure {
        Figure::Indicator { indicator, part } => format!(
            "{} — {}",
            indicator.label_vi(),
            match part {
                Part::Achieved => "đã đạt",
                Part::Missing => "còn thiếu",
                Part::All => "tổng số",
            }
        ),
        Figure::Assists { action: None } => "Lượt hỗ trợ".into(),
        Figure::Assists { action: Some(a) } => {
            format!("Lượt hỗ trợ: {}", action_name(catalogue, a.as_str()))
        }
        Figure::Actions { outcome } => format!("Việc đã ghi: {}", status_vi(outcome)),
        Figure::HouseholdsHelped => "Hộ được hỗ trợ".into(),
        Figure::FollowUpsOpen {
            overdue_only: false,
        } => "Hẹn quay lại đang mở".into(),
        Figure::FollowUpsOpen { overdue_only: true } => "Hẹn quay lại đã quá hạn".into(),
    };
    format!("{what} — {whose} — {}", q.period.label_vi())
}

fn body(
    title: &str,
    q: &DrillQuery,
    page: &DrillPage,
    after: Option<&str>,
    org: &OrgSnapshot,
    catalogue: &[CatalogueEntry],
) -> Markup {
    // This very page, for the household's and resident's way back.
    let here = from(&records_href(q, after));
    html! {
        h1 #records-title { (title) }
        (chooser(q))
        p.sub {
            "Tính đến hết ngày " (layout::day(page.as_of)) ". "
            @if after.is_some() { a href=(records_href(q, None)) { "Về đầu danh sách" } }
        }
        @match page.rows.first() {
            None => p.muted #no-records { "Không có bản ghi nào." },
            Some(DrillRow::Resident(_)) => (residents(page, org, &here)),
            Some(DrillRow::Household(_)) => (households(page, org, &here)),
            Some(DrillRow::Action(_)) => (actions(page, org, catalogue, &here)),
        }
        @if let Some(next) = &page.next {
            p { a.button href=(records_href(q, Some(next))) { "Trang sau" } }
        }
    }
}

fn residents(page: &DrillPage, org: &OrgSnapshot, here: &str) -> Markup {
    html! {
        table #records {
            thead { tr { th scope="col" { "Họ tên" } th scope="col" { "Năm sinh" } th scope="col" { "Thôn, xóm" } } }
            tbody {
                @for row in &page.rows {
                    @if let DrillRow::Resident(r) = row {
                        tr {
                            th scope="row" { a href={ "/resident?id=" (r.resident_id) (here) } { (r.full_name) } }
                            td.num { (r.birth_year) }
                            td { (village_name(org, r.village_id)) }
                        }
                    }
                }
            }
        }
    }
}

fn households(page: &DrillPage, org: &OrgSnapshot, here: &str) -> Markup {
    html! {
        table #records {
            thead { tr { th scope="col" { "Chủ hộ" } th scope="col" { "Thôn, xóm" } } }
            tbody {
                @for row in &page.rows {
                    @if let DrillRow::Household(h) = row {
                        tr {
                            th scope="row" { a href={ "/household?id=" (h.household_id) (here) } { (h.head_name) } }
                            td { (village_name(org, h.village_id)) }
                        }
                    }
                }
            }
        }
    }
}

fn actions(
    page: &DrillPage,
    org: &OrgSnapshot,
    catalogue: &[CatalogueEntry],
    here: &str,
) -> Markup {
    html! {
        table #records {
            thead { tr {
                th scope="col" { "Ngày" } th scope="col" { "Người dân" } th scope="col" { "Việc" }
                th scope="col" { "Kết quả" } th scope="col" { "Hẹn" } th scope="col" { "Thành viên" }
            } }
            tbody {
                @for row in &page.rows {
                    @if let DrillRow::Action(a) = row {
                        tr {
                            td { (layout::day(a.day)) }
                            th scope="row" { a href={ "/resident?id=" (a.resident_id) (here) } { (a.resident_name) } }
                            td { (action_name(catalogue, a.action.as_str())) }
                            td { (status_vi(&a.status)) }
                            td { @if let Some(d) = a.due { (layout::day(d)) } }
                            td { (a.members.iter().map(|m| member_name(org, *m)).collect::<Vec<_>>().join(", ")) }
                        }
                    }
                }
            }
        }
    }
}
