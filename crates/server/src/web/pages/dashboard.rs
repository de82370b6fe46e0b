//! `GET /`: the commune's dashboard for a period — its indicators against
//! its targets (bars with the target marked), households reached, digital
//! citizens and families, each village's indicators, and the period's work.
//! Every number opens the records behind it.

use super::{PeriodQuery, action_name, figure_link, period_picker, today, verdict};
use crate::app::AppState;
use crate::backups::BackupStatus;
use crate::web::auth::Officer;
use crate::web::charts;
use crate::web::error::PageError;
use crate::web::layout::{self, Nav};
use crate::web::links::drill;
use axum::extract::{Query, State};
use gocua_core::indicators::{
    CommuneDashboard, Figure, Indicator, IndicatorValue, Part, Period, Place, PlaceIndicators,
    Subject,
};
use gocua_core::{ActionCode, CatalogueEntry};
use maud::{Markup, html};
use std::collections::BTreeMap;

pub async fn show(
    State(state): State<AppState>,
    officer: Officer,
    Query(q): Query<PeriodQuery>,
) -> Result<Markup, PageError> {
    let period = q.period()?;
    let commune = officer.commune();
    let today = today();
    let (d, catalogue, resend) = state
        .db(move |db| {
            Ok((
                db.commune_dashboard(commune, period, today)?,
                db.catalogue(commune)?,
                db.resend_status(commune)?,
            ))
        })
        .await?;
    let title = format!("{} — {}", d.commune.name, d.period.label_vi());
    let backups = state
        .backups
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    Ok(layout::page(
        &title,
        &officer,
        Nav::Dashboard,
        html! { (backup_alert(&backups)) (resend_notice(resend.as_ref())) (body(&d, &catalogue)) },
    ))
}

/// A scheduled backup that failed, until one works again: the office must
/// not learn of it the day the disk dies.
fn backup_alert(status: &BackupStatus) -> Markup {
    html! {
        @if let Some((when, why)) = status.failing() {
            p.error role="alert" #backup-failed {
                "Sao lưu tự động bị lỗi lúc " (layout::time(*when)) ": " (why) ". "
                @match &status.last_ok {
                    Some((ok, _)) => { "Bản sao lưu gần nhất: " (layout::time(*ok)) ". " }
                    None => { "Chưa có bản sao lưu nào. " }
                }
                "Hãy báo người quản trị máy chủ."
            }
        }
    }
}

/// After a restore, until every device has sent its work again: the
/// figures may still be missing what came in after the backup.
fn resend_notice(status: Option<&gocua_central::ResendStatus>) -> Markup {
    html! {
        @if let Some(r) = status.filter(|r| !r.waiting.is_empty()) {
            p.error role="status" #resend-waiting {
                "Máy chủ đã được khôi phục từ bản sao lưu"
                @if let Some(from) = &r.restored_from { " (" (from) ")" }
                ": còn " (r.waiting.len()) " thiết bị chưa gửi lại. Số liệu có thể còn thiếu \
                 những gì gửi lên sau thời điểm sao lưu cho đến khi các máy này đồng bộ."
            }
        }
    }
}

fn value(p: &PlaceIndicators, i: Indicator) -> Option<&IndicatorValue> {
    p.values.iter().find(|v| v.indicator == i)
}

/// Where a row of indicators is taken, as a drill-down subject.
fn subject(place: Place) -> Subject {
    match place {
        Place::Village(v) => Subject::Village(v),
        Place::Team(t) => Subject::Team(t),
        Place::Commune(c) => Subject::Commune(c),
    }
}

fn indicator_link(place: Place, period: Period, i: Indicator, part: Part) -> String {
    drill(
        subject(place),
        period,
        Figure::Indicator { indicator: i, part },
    )
}

fn body(d: &CommuneDashboard, catalogue: &[CatalogueEntry]) -> Markup {
    let total = &d.indicators.total;
    let commune = Subject::Commune(d.commune.id);
    let quarter = d.period.quarter();
    html! {
        div.heading {
            div {
                h1 { (d.commune.name) }
                p.sub { (d.period.label_vi()) " — số liệu tính đến hết ngày " (layout::day(d.as_of)) }
            }
            (period_picker("/", d.period, false))
        }
        div.downloads {
            a.button href={ "/report.xlsx?period=" (quarter) } download {
                "Tải báo cáo " (quarter.label_vi()) " (.xlsx)"
            }
            a.button.secondary href={ "/report.csv?period=" (d.period) } download {
                "Tải số liệu " (d.period.label_vi()) " (.csv)"
            }
        }
        section.cards aria-label="Số liệu chính" {
            @for i in [Indicator::HouseholdsReached, Indicator::DigitalCitizens, Indicator::DigitalFamilies] {
                @if let Some(v) = value(total, i) {
                    div.card id={ "card-" (i.code()) } {
                        h2 { (i.label_vi()) }
                        p.big {
                            (figure_link(v.achieved, &indicator_link(total.place, d.period, i, Part::Achieved)))
                            span.of { " / " (layout::int(v.denominator)) }
                        }
                        p { (layout::pct(v.percent)) " " span.muted { (i.denominator_vi()) } }
                    }
                }
            }
            div.card id="card-assists" {
                h2 { "Lượt hỗ trợ trong kỳ" }
                p.big { (figure_link(d.work.assists, &drill(commune, d.period, Figure::Assists { action: None }))) }
                p.muted { "toàn xã, mỗi việc tính một lần" }
            }
            div.card id="card-households-helped" {
                h2 { "Hộ được hỗ trợ trong kỳ" }
                p.big { (figure_link(d.work.households_helped, &drill(commune, d.period, Figure::HouseholdsHelped))) }
                p.muted { "hộ khác nhau" }
            }
        }
        section {
            h2 { "Chỉ tiêu của xã" }
            p.muted {
                "Vạch đứng là chỉ tiêu của xã. Bấm vào số để xem danh sách; "
                "“còn thiếu” là những người (hộ) chưa đạt."
            }
            (indicator_table(total, d.period))
        }
        section {
            h2 { "Theo thôn, xóm" }
            (villages_table(d))
        }
        section {
            h2 { "Công việc trong kỳ" }
            (work(d, catalogue))
        }
    }
}

fn indicator_table(p: &PlaceIndicators, period: Period) -> Markup {
    html! {
        table.indicators #indicators {
            thead {
                tr {
                    th scope="col" { "Chỉ tiêu" }
                    th scope="col" { "Đạt / tổng số" }
                    th scope="col" { "Tỷ lệ" }
                    th scope="col" class="chart" { "Biểu đồ" }
                    th scope="col" { "Chỉ tiêu của xã" }
                    th scope="col" { "Đánh giá" }
                    th scope="col" { "Còn thiếu" }
                }
            }
            tbody {
                @for v in &p.values {
                    tr id={ "ind-" (v.indicator.code()) } {
                        th scope="row" {
                            (v.indicator.label_vi())
                            br; span.muted.small { "trên " (v.indicator.denominator_vi()) }
                        }
                        td.num.achieved {
                            (figure_link(v.achieved, &indicator_link(p.place, period, v.indicator, Part::Achieved)))
                            " / "
                            (figure_link(v.denominator, &indicator_link(p.place, period, v.indicator, Part::All)))
                        }
                        td.num.percent { (layout::pct(v.percent)) }
                        td.chart {
                            (charts::progress(v.percent, v.target, v.meets_target,
                                &format!("{}: {}", v.indicator.label_vi(), layout::pct(v.percent))))
                        }
                        td.num.target { (layout::target(v.target)) }
                        td { (verdict(v.meets_target)) }
                        td.num {
                            (figure_link(v.denominator.saturating_sub(v.achieved),
                                &indicator_link(p.place, period, v.indicator, Part::Missing)))
                        }
                    }
                }
            }
        }
    }
}

fn villages_table(d: &CommuneDashboard) -> Markup {
    html! {
        div.scroll {
            table.villages #villages {
                thead {
                    tr {
                        th scope="col" { "Thôn, xóm" }
                        @for i in Indicator::ALL {
                            th scope="col" title=(i.label_vi()) { (i.label_vi()) }
                        }
                        th scope="col" { "Đạt mọi chỉ tiêu" }
                    }
                }
                tbody {
                    @for p in d.indicators.villages.iter().chain(std::iter::once(&d.indicators.total)) {
                        tr.total[matches!(p.place, Place::Commune(_))] {
                            th scope="row" { (p.name) }
                            @for v in &p.values {
                                td class={ "num " (match v.meets_target { Some(true) => "met", Some(false) => "short", None => "" }) } {
                                    a href=(indicator_link(p.place, d.period, v.indicator, Part::Achieved)) {
                                        (layout::pct(v.percent))
                                    }
                                    br; span.muted.small { (layout::int(v.achieved)) "/" (layout::int(v.denominator)) }
                                }
                            }
                            td { @if p.meets_every_target { span.badge.met { "Đạt" } } @else { span.muted { "—" } } }
                        }
                    }
                }
            }
        }
    }
}

/// Counts by action in the catalogue's order (the order members see on
/// their phones); codes the catalogue lacks last.
fn in_catalogue_order<'a>(
    by_action: &'a BTreeMap<ActionCode, u64>,
    catalogue: &[CatalogueEntry],
) -> Vec<(&'a ActionCode, &'a u64)> {
    let mut rows: Vec<(&ActionCode, &u64)> = by_action.iter().collect();
    rows.sort_by_key(|(code, _)| {
        catalogue
            .iter()
            .find(|e| &e.code == *code)
            .map_or(i32::MAX, |e| e.sort_order)
    });
    rows
}

fn work(d: &CommuneDashboard, catalogue: &[CatalogueEntry]) -> Markup {
    let commune = Subject::Commune(d.commune.id);
    let largest = d
        .work
        .assists_by_action
        .values()
        .copied()
        .max()
        .unwrap_or(0);
    html! {
        @if d.work.assists_by_action.is_empty() {
            p.muted { "Chưa có lượt hỗ trợ nào trong kỳ." }
        } @else {
            table.work #assists-by-action {
                caption { "Lượt hỗ trợ theo việc" }
                tbody {
                    @for (code, n) in in_catalogue_order(&d.work.assists_by_action, catalogue) {
                        @let name = action_name(catalogue, code.as_str());
                        tr {
                            th scope="row" { (name) }
                            td.num { (figure_link(*n, &drill(commune, d.period, Figure::Assists { action: Some(code.clone()) }))) }
                            td.chart { (charts::count_bar(*n, largest, &format!("{name}: {n}"))) }
                        }
                    }
                }
            }
        }
        table.work #by-outcome {
            caption { "Mọi việc đã ghi, theo kết quả" }
            tbody {
                @for (outcome, label) in [("done", "Đã xong"), ("follow_up", "Hẹn quay lại"), ("not_possible", "Không thực hiện được")] {
                    tr {
                        th scope="row" { (label) }
                        td.num {
                            (figure_link(d.work.actions_by_outcome.get(outcome).copied().unwrap_or(0),
                                &drill(commune, d.period, Figure::Actions { outcome: outcome.into() })))
                        }
                    }
                }
            }
        }
        h3 { "Theo thôn, xóm" }
        table.work #village-work {
            thead { tr { th scope="col" { "Thôn, xóm" } th scope="col" { "Lượt hỗ trợ" } th scope="col" { "Hộ được hỗ trợ" } } }
            tbody {
                @for v in &d.villages {
                    @let s = Subject::Village(v.village_id);
                    tr {
                        th scope="row" { (v.name) }
                        td.num { (figure_link(v.work.assists, &drill(s, d.period, Figure::Assists { action: None }))) }
                        td.num { (figure_link(v.work.households_helped, &drill(s, d.period, Figure::HouseholdsHelped))) }
                    }
                }
            }
        }
    }
}
