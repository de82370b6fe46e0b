//! `GET /records`: the records behind a figure, a page at a time — the
//! least that tells them apart (a name, a birth year, a village, a day),
//! never an ID number or a phone, each linking to the resident's card or
//! the household's page. Only the officer's own commune: an id from
//! elsewhere is "not found".

use super::{action_name, member_name, today, village_name};
use crate::app::AppState;
use crate::web::auth::Officer;
use crate::web::error::PageError;
use crate::web::layout::{self, Nav};
use crate::web::links::{RecordsQuery, records_href};
use axum::extract::{Query, State};
use gocua_central::CentralError;
use gocua_core::indicators::{DrillPage, DrillQuery, DrillRow, Figure, Part, Subject};
use gocua_core::{CatalogueEntry, OrgSnapshot};
use maud::{Markup, html};

/// Rows on a page.
const PAGE: u32 = 100;

pub async fn show(
    State(state): State<AppState>,
    officer: Officer,
    Query(q): Query<RecordsQuery>,
) -> Result<Markup, PageError> {
    let query = q.to_drill().map_err(PageError::BadQuery)?;
    let commune = officer.commune();
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
    let body = body(&title, &query, &page, after.is_some(), &org, &catalogue);
    Ok(layout::page(&title, &officer, Nav::Records, body))
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
    continued: bool,
    org: &OrgSnapshot,
    catalogue: &[CatalogueEntry],
) -> Markup {
    html! {
        h1 { (title) }
        p.sub {
            "Tính đến hết ngày " (layout::day(page.as_of)) ". "
            @if continued { a href=(records_href(q, None)) { "Về đầu danh sách" } }
        }
        @match page.rows.first() {
            None => p.muted #no-records { "Không có bản ghi nào." },
            Some(DrillRow::Resident(_)) => (residents(page, org)),
            Some(DrillRow::Household(_)) => (households(page, org)),
            Some(DrillRow::Action(_)) => (actions(page, org, catalogue)),
        }
        @if let Some(next) = &page.next {
            p { a.button href=(records_href(q, Some(next))) { "Trang sau" } }
        }
    }
}

fn residents(page: &DrillPage, org: &OrgSnapshot) -> Markup {
    html! {
        table #records {
            thead { tr { th scope="col" { "Họ tên" } th scope="col" { "Năm sinh" } th scope="col" { "Thôn, xóm" } } }
            tbody {
                @for row in &page.rows {
                    @if let DrillRow::Resident(r) = row {
                        tr {
                            th scope="row" { a href={ "/resident?id=" (r.resident_id) } { (r.full_name) } }
                            td.num { (r.birth_year) }
                            td { (village_name(org, r.village_id)) }
                        }
                    }
                }
            }
        }
    }
}

fn households(page: &DrillPage, org: &OrgSnapshot) -> Markup {
    html! {
        table #records {
            thead { tr { th scope="col" { "Chủ hộ" } th scope="col" { "Thôn, xóm" } } }
            tbody {
                @for row in &page.rows {
                    @if let DrillRow::Household(h) = row {
                        tr {
                            th scope="row" { a href={ "/household?id=" (h.household_id) } { (h.head_name) } }
                            td { (village_name(org, h.village_id)) }
                        }
                    }
                }
            }
        }
    }
}

fn actions(page: &DrillPage, org: &OrgSnapshot, catalogue: &[CatalogueEntry]) -> Markup {
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
                            th scope="row" { a href={ "/resident?id=" (a.resident_id) } { (a.resident_name) } }
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
