//! `POST /api/v1/push` and `GET /api/v1/pull`: changes in, one result each;
//! changes out from a cursor, a page at a time, within the device's scope.

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, Device};
use axum::Json;
use axum::extract::State;
use gocua_store::central::ApplyResult;
use gocua_sync::wire::{
    MAX_PULL_LIMIT, MAX_PUSH_CHANGES, PullQuery, PullResponse, PulledChange, PushOutcome,
    PushRequest, PushResponse, PushResult,
};

pub async fn push(
    State(state): State<AppState>,
    Device(auth): Device,
    ApiJson(req): ApiJson<PushRequest>,
) -> Result<Json<PushResponse>, ApiError> {
    let n = req.changes.len();
    if n > MAX_PUSH_CHANGES {
        return Err(ApiError::TooManyChanges(n));
    }
    let device = auth.device_id;
    let results = state.db(move |db| db.push(&auth, &req.changes)).await?;
    let rejected = results
        .iter()
        .filter(|(_, r)| matches!(r, ApplyResult::Rejected { .. }))
        .count();
    tracing::info!(%device, changes = n, rejected, "push");
    Ok(Json(PushResponse {
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
    }))
}

pub async fn pull(
    State(state): State<AppState>,
    Device(auth): Device,
    ApiQuery(q): ApiQuery<PullQuery>,
) -> Result<Json<PullResponse>, ApiError> {
    let limit = q.limit.clamp(1, MAX_PULL_LIMIT);
    let after = q.after.max(0);
    let page = state.db(move |db| db.pull(&auth, after, limit)).await?;
    Ok(Json(PullResponse {
        changes: page
            .changes
            .into_iter()
            .map(|(seq, change)| PulledChange { seq, change })
            .collect(),
        cursor: page.cursor,
        more: page.more,
    }))
}
