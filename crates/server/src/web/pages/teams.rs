//! `GET /teams`: the teams' quarter — the deadlines (teams before the 15th,
//! the commune before the 26th of the quarter's last month), which teams
//! have synced their quarter, and per team its assists each month against
//! 50, households helped, and its members against 10 households a month.

use super::{PeriodQuery, figure_link, period_picker, today};
use crate::app::AppState;
use crate::web::auth::Officer;
use crate::web::charts::{self, Column};
use crate::web::error::PageError;
use crate::web::layout::{self, Nav};
use crate::web::links::drill;
use axum::extract::{Query, State};
use gocua_core::indicators::{
    Deadlines, Figure, MemberPeriod, Period, QuarterReport, Subject, TeamPeriod, TeamSync,
};
use maud::{Markup, html};

pub async fn show(
    State(state): State<AppState>,
    officer: Officer,
    Query(q): Query<PeriodQuery>,
) -> Result<Markup, PageError> {
    let quarter = q.quarter()?;
    let commune = officer.commune();
    let today = today();
    let r = state
        .db(move |db| db.quarter_report(commune, quarter, today))
        .await?;
    let title = format!("Các tổ — {}", quarter.label_vi());
    Ok(layout::page(&title, &officer, Nav::Teams, body(&r)))
}

fn days_left(before: chrono::NaiveDate, left: i64) -> Markup {
    html! {
        strong { "trước ngày " (layout::day(before)) }
        " — "
        @if left > 0 {
            span.badge.plain { "còn " (left) " ngày" }
        } @else if left == 0 {
            span.badge.short { "hôm nay là hạn cuối" }
        } @else {
            span.badge.short { "đã qua hạn" }
        }
    }
}

fn deadlines(r: &QuarterReport) -> Markup {
    let Deadlines {
        team_report_before,
        commune_report_before,
        team_days_left,
        commune_days_left,
        ..
    } = r.deadlines;
    let pending: Vec<&str> = r
        .sync
        .iter()
        .filter(|s| !s.synced)
        .map(|s| s.name.as_str())
        .collect();
    html! {
        section.deadlines #deadlines {
            h2 { "Hạn báo cáo " (r.quarter.label_vi()) }
            ul {
                li { "Các tổ báo cáo xã: " (days_left(team_report_before, team_days_left)) }
                li { "Xã báo cáo tỉnh: " (days_left(commune_report_before, commune_days_left)) }
            }
            @if pending.is_empty() {
                p.ok #sync-summary { "Mọi tổ đã đồng bộ số liệu của quý." }
            } @else {
                p.warn #sync-summary {
                    "Tổ chưa đồng bộ số liệu của quý (từ ngày "
                    (layout::day(r.quarter.reporting_opens())) "): " (pending.join(", "))
                }
            }
        }
    }
}

fn body(r: &QuarterReport) -> Markup {
    let period = Period::Quarter(r.quarter);
    html! {
        div.heading {
            div {
                h1 { "Các tổ trong " (r.quarter.label_vi()) }
                p.sub { "Số liệu tính đến hết ngày " (layout::day(r.dashboard.as_of)) }
            }
            (period_picker("/teams", period, true))
        }
        (deadlines(r))
        @if r.dashboard.teams.is_empty() {
            p.muted { "Xã chưa có tổ nào." }
        }
        @for t in &r.dashboard.teams {
            (team(t, r.sync.iter().find(|s| s.team_id == t.team_id), r, period))
        }
    }
}

fn sync_line(t: &TeamPeriod, s: Option<&TeamSync>, r: &QuarterReport) -> Markup {
    let name = |id| {
        t.members
            .iter()
            .find(|m| m.member_id == id)
            .map_or("—", |m| m.full_name.as_str())
    };
    html! {
        @match s {
            None => p.muted { "Chưa có thông tin đồng bộ." },
            Some(s) => p.sync {
                @if s.synced {
                    span.badge.met { "Đã đồng bộ quý" }
                } @else {
                    span.badge.short { "Chưa đồng bộ quý" }
                }
                " "
                @match s.last_sync {
                    Some(at) => { "Lần đồng bộ gần nhất: " (layout::time(at)) "." }
                    None => { "Chưa đồng bộ lần nào." }
                }
                @if s.members_with_devices == 0 {
                    " Chưa thành viên nào đăng ký thiết bị."
                } @else if !s.members_not_synced.is_empty() {
                    " Chưa đồng bộ từ " (layout::day(r.quarter.reporting_opens())) ": "
                    (s.members_not_synced.iter().map(|m| name(*m)).collect::<Vec<_>>().join(", ")) "."
                }
            },
        }
    }
}

fn team(t: &TeamPeriod, s: Option<&TeamSync>, r: &QuarterReport, period: Period) -> Markup {
    let subject = Subject::Team(t.team_id);
    let cols: Vec<Column> = t
        .months
        .iter()
        .map(|m| Column {
            label: format!("T{}", m.month.month),
            value: m.assists,
            met: m.meets_quota,
        })
        .collect();
    html! {
        section.team id={ "team-" (t.team_id) } {
            h2 { (t.name) }
            (sync_line(t, s, r))
            div.team-figures {
                div.chart-box {
                    (charts::columns(&cols, t.quota, &format!("Lượt hỗ trợ mỗi tháng của {}", t.name)))
                    p.muted.small { "Lượt hỗ trợ mỗi tháng; vạch ngang: định mức " (t.quota) " lượt/tháng." }
                }
                dl.figures {
                    dt { "Lượt hỗ trợ trong quý" }
                    dd.assists { (figure_link(t.assists, &drill(subject, period, Figure::Assists { action: None }))) }
                    dt { "Hộ được hỗ trợ" }
                    dd.households { (figure_link(t.households_helped, &drill(subject, period, Figure::HouseholdsHelped))) }
                    dt { "Tháng đạt định mức" }
                    dd.months-met { (t.months_meeting_quota) "/" (t.months.len()) }
                    dt { "Thành viên chưa đạt ≥ 10 hộ/tháng" }
                    dd.below { (t.members_below_quota.len()) }
                }
            }
            (members(t, period))
        }
    }
}

fn members(t: &TeamPeriod, period: Period) -> Markup {
    html! {
        table.members {
            caption { "Thành viên: hộ được hỗ trợ mỗi tháng (định mức " (t.members.first().map_or(10, |m| m.quota)) " hộ)" }
            thead {
                tr {
                    th scope="col" { "Thành viên" }
                    @for m in &t.months { th scope="col" { "Tháng " (m.month.month) } }
                    th scope="col" { "Hộ trong quý" }
                    th scope="col" { "Lượt hỗ trợ" }
                    th scope="col" { "Hẹn quay lại (quá hạn)" }
                    th scope="col" { "Đánh giá" }
                }
            }
            tbody {
                @for m in &t.members {
                    (member_row(m, t, period))
                }
            }
        }
    }
}

fn member_row(m: &MemberPeriod, t: &TeamPeriod, period: Period) -> Markup {
    let subject = Subject::Member(m.member_id);
    let below = t.members_below_quota.contains(&m.member_id);
    html! {
        tr.below[below] id={ "member-" (m.member_id) } {
            th scope="row" { (m.full_name) }
            @for line in &m.months {
                td class={ "num " (if line.meets_quota == Some(true) { "met" } else { "short" }) } {
                    @let month = Period::Month(line.month);
                    (figure_link(line.households_helped, &drill(subject, month, Figure::HouseholdsHelped)))
                }
            }
            td.num { (figure_link(m.households_helped, &drill(subject, period, Figure::HouseholdsHelped))) }
            td.num { (figure_link(m.assists, &drill(subject, period, Figure::Assists { action: None }))) }
            td.num {
                (figure_link(m.follow_ups.open, &drill(subject, period, Figure::FollowUpsOpen { overdue_only: false })))
                " ("
                (figure_link(m.follow_ups.overdue, &drill(subject, period, Figure::FollowUpsOpen { overdue_only: true })))
                ")"
            }
            td {
                @if below { span.badge.short { "Chưa đạt định mức" } }
                @else { span.badge.met { "Đạt định mức" } }
            }
        }
    }
}
