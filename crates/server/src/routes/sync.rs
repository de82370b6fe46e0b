//! `POST /api/v1/push` and `GET /api/v1/pull`: changes in, one result each;
//! changes out from a cursor, a page at a time, within the device's scope
//! (or one village's or household's history, when the scope changed).

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, DeviceToken};
use axum::Json;
use axum::extract::State;
use gocua_central::{ApplyResult, PullFilter, TokenPush};
use gocua_core::ChangeId;
use gocua_wire::{
    MAX_PULL_LIMIT, MAX_PUSH_CHANGES, PullQuery, PullResponse, PulledChange, PushOutcome,
    PushRequest, PushResponse, PushResult,
};

pub async fn push(
    State(state): State<AppState>,
    DeviceToken(token): DeviceToken,
    ApiJson(req): ApiJson<PushRequest>,
) -> Result<Json<PushResponse>, ApiError> {
    let n = req.changes.len();
    check_push(&req)?;
    let (req, checked_with) = crate::proof::check_ahead(&state, req).await?;
    // One database call: authenticated and pushed in one turn (on SQLite
    // with the other pushes waiting, committed together).
    let queue = match &state.push_queue {
        Some(queue) => queue.clone(),
        // PostgreSQL: the commune's committer, known from the token.
        None => state.commune_queue(state.token_commune(&token).await?),
    };
    let (auth, results) = queue
        .push(TokenPush {
            token,
            changes: req.changes,
            signatures: req.signatures,
            checked_with,
        })
        .await??;
    let (device, commune) = (auth.device_id, auth.scope.commune_id);
    let rejected = results
        .iter()
        .filter(|(_, r)| matches!(r, ApplyResult::Rejected { .. }))
        .count();
    if results.iter().any(|(_, r)| *r == ApplyResult::Applied) {
        // The report tables follow the change log, after the commit.
        crate::projector::pushed(&state, commune);
    }
    tracing::info!(%device, changes = n, rejected, "push");
    Ok(Json(push_response(results)))
}

/// At most `MAX_PUSH_CHANGES`, and no signatures or one per change.
pub(crate) fn check_push(req: &PushRequest) -> Result<(), ApiError> {
    let n = req.changes.len();
    if n > MAX_PUSH_CHANGES {
        return Err(ApiError::TooManyChanges(n));
    }
    if !req.signatures.is_empty() && req.signatures.len() != n {
        return Err(ApiError::SignatureCount {
            changes: n,
            signatures: req.signatures.len(),
        });
    }
    Ok(())
}

/// The wire answer to a push: one result per change, in order.
pub(crate) fn push_response(results: Vec<(ChangeId, ApplyResult)>) -> PushResponse {
    PushResponse {
        results: results
            .into_iter()
            .map(|(change_id, r)| PushResult {
                change_id,
                outcome: match r {
                    ApplyResult::Applied => PushOutcome::Applied,
                    ApplyResult::AlreadyHad => PushOutcome::AlreadyHad,
                    ApplyResult::Rejected { code, message } => {
                        PushOutcome::Rejected { code, message }
                    }
                },
            })
            .collect(),
        server_time_ms: Some(crate::app::server_time_ms()),
    }
}

pub async fn pull(
    State(state): State<AppState>,
    DeviceToken(token): DeviceToken,
    ApiQuery(q): ApiQuery<PullQuery>,
) -> Result<Json<PullResponse>, ApiError> {
    let limit = q.limit.clamp(1, MAX_PULL_LIMIT);
    let after = q.after.max(0);
    let until = q.until.unwrap_or(i64::MAX);
    let filter = match (q.village, q.household, q.resident) {
        (None, None, None) => PullFilter::Scope,
        (Some(v), None, None) => PullFilter::Village(v),
        (None, Some(h), None) => PullFilter::Household(h),
        (None, None, Some(r)) => PullFilter::Resident(r),
        _ => return Err(ApiError::OneFilter),
    };
    let page = state
        .db_read(move |db| {
            let auth = db.authenticate(&token)?;
            db.pull_filtered(&auth, filter, after, until, limit)
        })
        .await?;
    let (moved_from, villages) = (page.moved_from, page.villages);
    Ok(Json(PullResponse {
        changes: page
            .changes
            .into_iter()
            .map(|(seq, change)| PulledChange {
                seq,
                change,
                moved_from: moved_from.get(&seq).copied(),
                village: villages.get(&seq).copied(),
            })
            .collect(),
        cursor: page.cursor,
        more: page.more,
        server_time_ms: Some(crate::app::server_time_ms()),
    }))
}
