//! `/targets`: the commune's targets, one per indicator, and the form that
//! changes them (the store's `set_target`, as `admin target set` does).
//! A blank field leaves that target as it is; a value that cannot be read
//! shows the form again with the sentence beside the field, nothing saved.

use super::today;
use crate::app::AppState;
use crate::web::auth::{Officer, Posted};
use crate::web::error::PageError;
use crate::web::layout::{self, Nav};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use gocua_core::indicators::{Indicator, Targets};
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<u32>,
}

const BAD_PERCENT: &str = "Chỉ tiêu phải là số phần trăm từ 0 đến 100 (ví dụ 93 hoặc 40,5).";

/// A percentage as typed: "93", "40,5", "40.5", "93 %".
pub fn parse_percent(s: &str) -> Result<Option<f64>, &'static str> {
    let t = s.trim().trim_end_matches('%').trim();
    if t.is_empty() {
        return Ok(None);
    }
    // One decimal mark, comma or dot; no thousands separators here.
    if t.matches([',', '.']).count() > 1 {
        return Err(BAD_PERCENT);
    }
    match t.replace(',', ".").parse::<f64>() {
        Ok(p) if p.is_finite() && (0.0..=100.0).contains(&p) => Ok(Some(p)),
        _ => Err(BAD_PERCENT),
    }
}

/// A target as the field shows it ("93", "40,5"; blank when none).
fn shown(t: Option<f64>) -> String {
    layout::target(t).trim_end_matches('%').replace('—', "")
}

fn form(
    officer: &Officer,
    targets: &Targets,
    typed: &BTreeMap<String, String>,
    errors: &BTreeMap<Indicator, &str>,
    saved: Option<u32>,
) -> Markup {
    html! {
        h1 { "Chỉ tiêu của xã" }
        p.sub {
            "Tỷ lệ phần trăm xã đặt ra cho năm " (chrono::Datelike::year(&today()))
            ". Bảng tổng quan và báo cáo quý so sánh số liệu với các chỉ tiêu này."
        }
        @if let Some(n) = saved {
            p.notice role="status" #saved { "Đã lưu " (n) " chỉ tiêu." }
        }
        @if !errors.is_empty() {
            p.error role="alert" { "Chưa lưu: có ô chưa đúng, xem bên dưới." }
        }
        form method="post" action="/targets" #targets-form {
            (officer.csrf_field())
            table.targets {
                thead { tr {
                    th scope="col" { "Chỉ tiêu" } th scope="col" { "Tính trên" }
                    th scope="col" { "Chỉ tiêu của xã (%)" } th scope="col" { "Theo kế hoạch" }
                } }
                tbody {
                    @for i in Indicator::ALL {
                        @let value = typed.get(i.code()).cloned().unwrap_or_else(|| shown(targets.get(i)));
                        tr {
                            th scope="row" { label for={ "t-" (i.code()) } { (i.label_vi()) } }
                            td.muted { (i.denominator_vi()) }
                            td {
                                input id={ "t-" (i.code()) } name=(i.code()) type="text" inputmode="decimal"
                                    value=(value) size="6" placeholder="không đặt"
                                    aria-invalid=[errors.get(&i).map(|_| "true")];
                                @if let Some(e) = errors.get(&i) { p.error.small { (e) } }
                            }
                            td.muted.num { (layout::target(i.default_target())) }
                        }
                    }
                }
            }
            p.muted.small { "Để trống một ô: giữ nguyên chỉ tiêu đó." }
            button type="submit" { "Lưu chỉ tiêu" }
        }
    }
}

/// `GET /targets`.
pub async fn form_page(
    State(state): State<AppState>,
    officer: Officer,
    Query(q): Query<SavedQuery>,
) -> Result<Markup, PageError> {
    let commune = officer.commune();
    let targets = state.db(move |db| db.report_targets(commune)).await?;
    let body = form(
        &officer,
        &targets,
        &BTreeMap::new(),
        &BTreeMap::new(),
        q.saved,
    );
    Ok(layout::page("Chỉ tiêu", &officer, Nav::Targets, body))
}

/// `POST /targets`.
pub async fn save(State(state): State<AppState>, posted: Posted) -> Result<Response, PageError> {
    let Posted { officer, fields } = posted;
    let mut values = Vec::new();
    let mut errors = BTreeMap::new();
    for i in Indicator::ALL {
        match parse_percent(fields.get(i.code()).map_or("", String::as_str)) {
            Ok(Some(p)) => values.push((i, p)),
            Ok(None) => {}
            Err(e) => {
                errors.insert(i, e);
            }
        }
    }
    let commune = officer.commune();
    if !errors.is_empty() {
        let targets = state.db(move |db| db.report_targets(commune)).await?;
        let body = form(&officer, &targets, &fields, &errors, None);
        let page = layout::page("Chỉ tiêu", &officer, Nav::Targets, body);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let member = officer.session.member.id;
    let changed = state
        .db(move |db| {
            let current = db.report_targets(commune)?;
            let mut changed = 0u32;
            for (i, p) in values {
                if current.get(i) != Some(p) {
                    db.set_target(commune, i.code(), p)?;
                    changed += 1;
                }
            }
            Ok(changed)
        })
        .await?;
    tracing::info!(%member, changed, "targets saved");
    Ok(Redirect::to(&format!("/targets?saved={changed}")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_are_read_as_officers_type_them() {
        assert_eq!(parse_percent(""), Ok(None));
        assert_eq!(parse_percent("  "), Ok(None));
        assert_eq!(parse_percent("93"), Ok(Some(93.0)));
        assert_eq!(parse_percent("40,5"), Ok(Some(40.5)));
        assert_eq!(parse_percent("40.5"), Ok(Some(40.5)));
        assert_eq!(parse_percent(" 93 % "), Ok(Some(93.0)));
        assert_eq!(parse_percent("0"), Ok(Some(0.0)));
        assert_eq!(parse_percent("100"), Ok(Some(100.0)));
        for bad in ["101", "-1", "abc", "1.000,5", "NaN", "inf", "9e9"] {
            assert_eq!(parse_percent(bad), Err(BAD_PERCENT), "{bad}");
        }
        assert_eq!(shown(Some(93.0)), "93");
        assert_eq!(shown(Some(40.5)), "40,5");
        assert_eq!(shown(None), "");
    }
}
