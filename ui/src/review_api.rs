//! The review loop's commands as typed calls (`gocua-app`'s
//! `commands::reviews`): the marks a screen lists, opening, resolving and
//! reopening them, and voiding a visit to correct it. A mark is the core
//! type itself (`gocua_core::review::ReviewMark`); what the commands take and
//! return is `gocua-app-api`'s.

use crate::api::ApiResult;
use crate::ipc::invoke;
use gocua_app_api::{EntityKind, HouseholdId, ReviewItem, ReviewMark, ReviewMarkId, VisitId};
use serde_json::json;
use uuid::Uuid;

/// The open marks asked of this member or their team (`mine`), or a
/// household's, or every mark on the device.
pub async fn review_marks(
    household_id: Option<HouseholdId>,
    mine: bool,
) -> ApiResult<Vec<ReviewItem>> {
    invoke(
        "review_marks",
        &json!({ "household_id": household_id, "mine": mine }),
    )
    .await
}

pub async fn open_review(
    target_kind: EntityKind,
    target_id: Uuid,
    comment: &str,
) -> ApiResult<ReviewMark> {
    invoke(
        "open_review",
        &json!({ "target_kind": target_kind, "target_id": target_id, "comment": comment }),
    )
    .await
}

pub async fn resolve_review(id: ReviewMarkId, reply: Option<String>) -> ApiResult<ReviewMark> {
    invoke("resolve_review", &json!({ "id": id, "reply": reply })).await
}

pub async fn reopen_review(id: ReviewMarkId, comment: Option<String>) -> ApiResult<ReviewMark> {
    invoke("reopen_review", &json!({ "id": id, "comment": comment })).await
}

pub async fn void_visit(id: VisitId, reason: &str) -> ApiResult<()> {
    invoke("void_visit", &json!({ "id": id, "reason": reason })).await
}
