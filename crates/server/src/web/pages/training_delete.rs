//! Deleting a training session recorded by mistake (the wrong member
//! ticked, the wrong day): `POST /training/delete` with the session's id
//! shows the session and asks again; the same form with `confirm=1`
//! deletes it (`CentralDb::delete_training`, audited: who, which session,
//! when — listed on `/audit`) and goes back to `/training?deleted=1`, where
//! each team's share is counted without it. The corrected session is then
//! recorded again with the page's form.

use super::training::attendees;
use crate::app::AppState;
use crate::web::auth::{Officer, Posted};
use crate::web::error::PageError;
use crate::web::layout::{self, Nav};
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use gocua_central::TrainingSession;
use gocua_core::OrgSnapshot;
use maud::{Markup, html};

/// `POST /training/delete`.
pub async fn delete(State(state): State<AppState>, posted: Posted) -> Result<Response, PageError> {
    let Posted { officer, fields } = posted;
    let id = fields
        .get("session")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| PageError::BadField("chưa chọn buổi tập huấn cần xóa.".into()))?;
    let commune = officer.commune();
    if fields.get("confirm").map(String::as_str) != Some("1") {
        let (sessions, org) = state
            .db(move |db| Ok((db.training_sessions(commune)?, db.org_snapshot(commune)?)))
            .await?;
        // Another commune's session is not found, like none at all.
        let session = sessions
            .into_iter()
            .find(|s| s.id == id)
            .ok_or(PageError::NotFound)?;
        let body = confirm_body(&officer, &session, &org);
        return Ok(
            layout::page("Xóa buổi tập huấn", &officer, Nav::Training, body).into_response(),
        );
    }
    let by = officer.session.member.id;
    let actor = officer.session.member.full_name.clone();
    let gone = state
        .db(move |db| db.delete_training(commune, &id, Some(by), &actor))
        .await?;
    tracing::info!(member = %by, session = %gone.id, "training session deleted");
    Ok(Redirect::to("/training?deleted=1").into_response())
}

fn confirm_body(officer: &Officer, s: &TrainingSession, org: &OrgSnapshot) -> Markup {
    html! {
        h1 { "Xóa buổi tập huấn ghi nhầm?" }
        dl.figures #delete-session {
            dt { "Nội dung" } dd { (s.topic) }
            dt { "Ngày" } dd { (layout::day(s.day)) }
            dt { "Thành viên đã ghi" } dd { (attendees(org, s)) }
        }
        p.warn {
            "Buổi này sẽ không còn được tính cho " (s.member_ids.len()) " thành viên trên. "
            "Việc xóa được ghi vào Nhật ký. Nếu chỉ ghi sai người hoặc sai ngày, hãy ghi lại "
            "buổi đúng sau khi xóa."
        }
        form method="post" action="/training/delete" #confirm-delete {
            (officer.csrf_field())
            input type="hidden" name="session" value=(s.id);
            input type="hidden" name="confirm" value="1";
            button.danger type="submit" { "Xóa buổi tập huấn này" }
            " "
            a href="/training" { "Không xóa, quay lại" }
        }
    }
}
