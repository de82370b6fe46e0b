//! `POST /review`: an officer marks a record "needs fix" from the office's
//! pages (for now the resident card: a likely duplicate, a wrong birth
//! year). The mark is judged and kept like a device's
//! (`CentralDb::open_review_on_web`) and reaches the team's phones on their
//! next sync, where the member corrects the record and reports it fixed.

use crate::app::AppState;
use crate::web::auth::{Officer, Posted};
use crate::web::error::PageError;
use crate::web::layout::{self, Nav};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use gocua_core::EntityKind;
use gocua_core::review::ReviewInput;
use gocua_store::central::ApplyResult;
use maud::{Markup, html};
use uuid::Uuid;

/// Where the form goes back to after the mark: the record's own page.
fn back(kind: EntityKind, id: Uuid) -> Option<String> {
    match kind {
        EntityKind::Resident => Some(format!("/resident?id={id}")),
        _ => None,
    }
}

/// The form under a record; `done`: the mark was just taken; `refused`:
/// why it was not.
pub fn mark_form(
    officer: &Officer,
    kind: EntityKind,
    id: Uuid,
    done: bool,
    refused: Option<&str>,
) -> Markup {
    html! {
        h2 { "Yêu cầu sửa" }
        @if done {
            p.ok #review-sent { "Đã gửi yêu cầu sửa: tổ sẽ nhận được ở lần đồng bộ tới." }
        }
        @if let Some(m) = refused {
            p.error role="alert" #review-refused { "Chưa gửi: " (m) }
        }
        form method="post" action="/review" #review-form {
            (officer.csrf_field())
            input type="hidden" name="target_kind" value=(kind.as_str());
            input type="hidden" name="target_id" value=(id);
            label for="comment" { "Cần sửa gì? Tổ của thôn sẽ thấy trên điện thoại." }
            textarea id="comment" name="comment" rows="3" maxlength="1000" {}
            button type="submit" { "Đánh dấu cần sửa" }
        }
    }
}

pub async fn open(State(state): State<AppState>, posted: Posted) -> Result<Response, PageError> {
    let Posted { officer, fields } = posted;
    let kind = fields
        .get("target_kind")
        .and_then(|k| EntityKind::parse(k))
        .ok_or(PageError::BadForm)?;
    let target: Uuid = fields
        .get("target_id")
        .and_then(|t| t.parse().ok())
        .ok_or(PageError::BadForm)?;
    let back = back(kind, target).ok_or(PageError::BadForm)?;
    let input = ReviewInput {
        target_kind: kind,
        target_id: target,
        comment: fields.get("comment").cloned().unwrap_or_default(),
        assignee: None,
    };
    let by = officer.session.member.id;
    let result = state.db(move |db| db.open_review_on_web(by, input)).await?;
    match result {
        ApplyResult::Applied | ApplyResult::AlreadyHad => {
            tracing::info!(member = %by, target = %target, "review mark opened on the web");
            Ok(Redirect::to(&format!("{back}&marked=1")).into_response())
        }
        ApplyResult::Rejected { message, .. } => {
            let body = html! {
                h1 { "Yêu cầu sửa" }
                p.sub { a href=(back) { "Quay lại bản ghi" } }
                (mark_form(&officer, kind, target, false, Some(&message)))
            };
            let page = layout::page("Yêu cầu sửa", &officer, Nav::Records, body);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
