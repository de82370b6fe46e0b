//! `POST /api/v1/relay/push`: a team leader's device hands on the signed
//! changes its team's members gave its relay. Each is judged as its
//! author's device (`gocua_central` `push/relay.rs`).

use super::sync::{check_push, push_response};
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, DeviceToken};
use axum::Json;
use axum::extract::State;
use gocua_central::ApplyResult;
use gocua_wire::{PushRequest, PushResponse};

pub async fn push(
    State(state): State<AppState>,
    DeviceToken(token): DeviceToken,
    ApiJson(req): ApiJson<PushRequest>,
) -> Result<Json<PushResponse>, ApiError> {
    check_push(&req)?;
    let n = req.changes.len();
    let (relay, results) = state
        .db(move |db| db.push_relayed(&token, &req.changes, &req.signatures))
        .await?;
    let rejected = results
        .iter()
        .filter(|(_, r)| matches!(r, ApplyResult::Rejected { .. }))
        .count();
    if results.iter().any(|(_, r)| *r == ApplyResult::Applied) {
        crate::projector::pushed(&state, relay.scope.commune_id);
    }
    tracing::info!(relay = %relay.device_id, changes = n, rejected, "relayed push");
    Ok(Json(push_response(results)))
}
