//! The leader's review loop (`gocua_core::review`): the marks a screen
//! lists — the member's open ones for the home screen, a household's, the
//! team's — and opening, resolving and reopening them, as the device's
//! member; plus voiding a visit, the way a marked visit is corrected
//! (void it with a reason, log it again).

use super::session::me;
use crate::error::ApiResult;
use crate::state::{AppState, blocking};
use gocua_app_api::{EntityKind, HouseholdId, ReviewItem, ReviewMark, ReviewMarkId, VisitId};
use gocua_core::review::ReviewInput;
use gocua_device::ReviewQuery;
use tauri::State;
use uuid::Uuid;

/// Marks shown at most on one screen.
const LIST_LIMIT: usize = 200;

/// `mine`: the open marks asked of this member or of their team (the home
/// screen); else a household's (with `household_id`) or every mark held.
#[tauri::command(rename_all = "snake_case")]
pub async fn review_marks(
    state: State<'_, AppState>,
    household_id: Option<HouseholdId>,
    mine: bool,
) -> ApiResult<Vec<ReviewItem>> {
    blocking(&state, move |inner| {
        inner.with_store(true, |s| {
            let open_for = if mine { Some(me(s)?.id) } else { None };
            Ok(s.review_marks(ReviewQuery {
                household: household_id,
                open_for,
                limit: LIST_LIMIT,
            })?)
        })
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn open_review(
    state: State<'_, AppState>,
    target_kind: EntityKind,
    target_id: Uuid,
    comment: String,
) -> ApiResult<ReviewMark> {
    blocking(&state, move |inner| {
        inner.with_store(true, |s| {
            let author = me(s)?.id;
            let input = ReviewInput {
                target_kind,
                target_id,
                comment,
                assignee: None,
            };
            Ok(s.write(|b| b.open_review(author, input))?)
        })
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn resolve_review(
    state: State<'_, AppState>,
    id: ReviewMarkId,
    reply: Option<String>,
) -> ApiResult<ReviewMark> {
    blocking(&state, move |inner| {
        inner.with_store(true, |s| {
            let by = me(s)?.id;
            Ok(s.write(|b| b.resolve_review(id, by, reply.as_deref()))?)
        })
    })
    .await
}

#[tauri::command(rename_all = "snake_case")]
pub async fn reopen_review(
    state: State<'_, AppState>,
    id: ReviewMarkId,
    comment: Option<String>,
) -> ApiResult<ReviewMark> {
    blocking(&state, move |inner| {
        inner.with_store(true, |s| {
            let by = me(s)?.id;
            Ok(s.write(|b| b.reopen_review(id, by, comment.as_deref()))?)
        })
    })
    .await
}

/// Withdraw a visit (and its actions) with a reason, as this member.
#[tauri::command(rename_all = "snake_case")]
pub async fn void_visit(state: State<'_, AppState>, id: VisitId, reason: String) -> ApiResult<()> {
    blocking(&state, move |inner| {
        inner.with_store(true, |s| {
            let by = me(s)?.id;
            Ok(s.write(|b| b.void_visit(id, &reason, by))?)
        })
    })
    .await
}
