//! `GET /recognition`: the quarter's recognition — teams and members
//! ranked ("Tổ mẫu": the team quota every month; "Tổ viên tiêu biểu": 10
//! households every month), digital families per village, and villages
//! reaching every target ("Khu dân cư điện tử").

use super::{PeriodQuery, figure_link, period_picker, today};
use crate::app::AppState;
use crate::web::auth::Officer;
use crate::web::error::PageError;
use crate::web::layout::{self, Nav};
use crate::web::links::drill;
use axum::extract::{Query, State};
use gocua_core::indicators::{Figure, Indicator, Part, Period, QuarterReport, Subject};
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
    let title = format!("Khen thưởng — {}", quarter.label_vi());
    Ok(layout::page(&title, &officer, Nav::Recognition, body(&r)))
}

fn body(r: &QuarterReport) -> Markup {
    let period = Period::Quarter(r.quarter);
    let rec = &r.recognition;
    let team_name = |id| {
        r.dashboard
            .teams
            .iter()
            .find(|t| Some(t.team_id) == id)
            .map_or("—", |t| t.name.as_str())
    };
    html! {
        div.heading {
            div {
                h1 { "Khen thưởng " (r.quarter.label_vi()) }
                p.sub { "Số liệu tính đến hết ngày " (layout::day(r.dashboard.as_of)) }
            }
            (period_picker("/recognition", period, true))
        }
        section {
            h2 { "Xếp hạng các tổ" }
            p.muted { "Theo số tháng đạt định mức, rồi lượt hỗ trợ, rồi số hộ được hỗ trợ." }
            table #team-ranking {
                thead { tr {
                    th scope="col" { "Hạng" } th scope="col" { "Tổ" }
                    th scope="col" { "Tháng đạt định mức" } th scope="col" { "Lượt hỗ trợ" }
                    th scope="col" { "Hộ được hỗ trợ" } th scope="col" { "Danh hiệu" }
                } }
                tbody {
                    @for t in &rec.teams {
                        @let s = Subject::Team(t.team_id);
                        tr {
                            td.num { (t.rank) }
                            th scope="row" { (t.name) }
                            td.num { (t.months_meeting_quota) }
                            td.num { (figure_link(t.assists, &drill(s, period, Figure::Assists { action: None }))) }
                            td.num { (figure_link(t.households_helped, &drill(s, period, Figure::HouseholdsHelped))) }
                            td { @if t.model_team { span.badge.met { "Tổ mẫu" } } }
                        }
                    }
                }
            }
        }
        section {
            h2 { "Xếp hạng thành viên" }
            p.muted { "Theo số tháng đạt ≥ 10 hộ, rồi số hộ, rồi lượt hỗ trợ." }
            table #member-ranking {
                thead { tr {
                    th scope="col" { "Hạng" } th scope="col" { "Thành viên" } th scope="col" { "Tổ" }
                    th scope="col" { "Tháng đạt định mức" } th scope="col" { "Hộ được hỗ trợ" }
                    th scope="col" { "Lượt hỗ trợ" } th scope="col" { "Danh hiệu" }
                } }
                tbody {
                    @for m in &rec.members {
                        @let s = Subject::Member(m.member_id);
                        tr {
                            td.num { (m.rank) }
                            th scope="row" { (m.full_name) }
                            td { (team_name(m.team_id)) }
                            td.num { (m.months_meeting_quota) }
                            td.num { (figure_link(m.households_helped, &drill(s, period, Figure::HouseholdsHelped))) }
                            td.num { (figure_link(m.assists, &drill(s, period, Figure::Assists { action: None }))) }
                            td { @if m.pioneer { span.badge.met { "Tổ viên tiêu biểu" } } }
                        }
                    }
                }
            }
        }
        section {
            h2 { "Gia đình số theo thôn, xóm" }
            table #digital-families {
                thead { tr { th scope="col" { "Thôn, xóm" } th scope="col" { "Gia đình số" } th scope="col" { "Tổng số hộ" } } }
                tbody {
                    @for v in &rec.digital_families {
                        @let s = Subject::Village(v.village_id);
                        tr {
                            th scope="row" { (v.name) }
                            td.num { (figure_link(v.digital_families, &drill(s, period, Figure::Indicator { indicator: Indicator::DigitalFamilies, part: Part::Achieved }))) }
                            td.num { (layout::int(v.households)) }
                        }
                    }
                }
            }
        }
        section {
            h2 { "Khu dân cư điện tử" }
            p.muted { "Thôn, xóm đạt mọi chỉ tiêu của xã." }
            @if rec.villages_reaching_every_target.is_empty() {
                p #every-target { "Chưa có thôn, xóm nào đạt mọi chỉ tiêu." }
            } @else {
                ul #every-target {
                    @for v in &rec.villages_reaching_every_target { li { (v.name) } }
                }
            }
        }
    }
}
