//! `GET /api/v1/org`: the device's member, scope, organisation and
//! catalogue, refreshed each sync.

use super::wire_scope;
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::Device;
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use gocua_wire::{OrgResponse, TeamDevice};

pub async fn org(
    State(state): State<AppState>,
    Device(auth): Device,
    headers: HeaderMap,
) -> Result<Json<OrgResponse>, ApiError> {
    // The log this device says it sent all its work to (after a restore:
    // the office sees who has not yet, `log_identity.rs`).
    let declared = headers
        .get(gocua_wire::LOG_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 64)
        .map(str::to_string);
    let device = auth.device_id;
    let (view, team_devices) = state
        .db(move |db| Ok((db.org_for(&auth)?, db.team_devices(&auth)?)))
        .await?;
    if let Some(declared) =
        declared.filter(|d| *d == view.log_id && view.resent_log_id.as_deref() != Some(d.as_str()))
    {
        state
            .db(move |db| db.note_device_resent(device, &declared))
            .await?;
    }
    Ok(Json(OrgResponse {
        member: view.member,
        scope: wire_scope(view.scope),
        org: view.org,
        catalogue: view.catalogue,
        training: Some(view.training),
        server_time_ms: Some(crate::app::server_time_ms()),
        log_id: Some(view.log_id),
        log_end: Some(view.log_end),
        team_devices: team_devices.map(|devices| {
            devices
                .into_iter()
                .map(|d| TeamDevice {
                    device_id: d.device_id,
                    member_id: d.member_id,
                    signing_key: d.signing_key,
                })
                .collect()
        }),
    }))
}
