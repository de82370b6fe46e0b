//! `GET /report.xlsx` and `/report.csv`: the quarterly report and a
//! period's figures as files, made by `crate::report` (the same files
//! `admin report` writes). Not cached: they name members. Each download is
//! recorded in the export audit first (who, what, which period): one that
//! cannot be recorded is not served.

use super::{PeriodQuery, today};
use crate::app::AppState;
use crate::error::ApiError;
use crate::web::auth::Officer;
use crate::web::error::PageError;
use axum::extract::{Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use gocua_central::{ExportChannel, ExportEvent};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn failed(e: impl std::fmt::Display) -> PageError {
    PageError::Api(ApiError::Internal(e.to_string()))
}

/// Record that `officer` takes `what` of `period`.
async fn audit(
    state: &AppState,
    officer: &Officer,
    what: &'static str,
    period: String,
) -> Result<(), PageError> {
    let commune = officer.commune();
    let member = officer.session.member.clone();
    state
        .db(move |db| {
            db.record_export(&ExportEvent {
                commune,
                member: Some(member.id),
                actor: &member.full_name,
                channel: ExportChannel::Web,
                what,
                period: &period,
            })
        })
        .await?;
    Ok(())
}

fn attachment(content_type: &'static str, name: String, bytes: Vec<u8>) -> Response {
    (
        [
            (CONTENT_TYPE, content_type.to_string()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The quarter's report as an Excel workbook.
pub async fn xlsx(
    State(state): State<AppState>,
    officer: Officer,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let quarter = q.quarter()?;
    let commune = officer.commune();
    let today = today();
    let report = state
        .db(move |db| db.quarter_report(commune, quarter, today))
        .await?;
    let bytes = tokio::task::spawn_blocking(move || crate::report::xlsx::quarter_workbook(&report))
        .await
        .map_err(failed)?
        .map_err(failed)?;
    audit(&state, &officer, "xlsx", quarter.to_string()).await?;
    Ok(attachment(XLSX, format!("bao-cao-{quarter}.xlsx"), bytes))
}

/// A period's figures as CSV.
pub async fn csv(
    State(state): State<AppState>,
    officer: Officer,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let period = q.period()?;
    let commune = officer.commune();
    let today = today();
    let dashboard = state
        .db(move |db| db.commune_dashboard(commune, period, today))
        .await?;
    let bytes = crate::report::csv::dashboard_csv(&dashboard).map_err(failed)?;
    audit(&state, &officer, "csv", period.to_string()).await?;
    Ok(attachment(
        "text/csv; charset=utf-8",
        format!("so-lieu-{period}.csv"),
        bytes,
    ))
}
