//! `GET /api/v1/org`: the device's member, scope, organisation and
//! catalogue, refreshed each sync.

use super::wire_scope;
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::Device;
use axum::Json;
use axum::extract::State;
use gocua_wire::OrgResponse;

pub async fn org(
    State(state): State<AppState>,
    Device(auth): Device,
) -> Result<Json<OrgResponse>, ApiError> {
    let view = state.db(move |db| db.org_for(&auth)).await?;
    Ok(Json(OrgResponse {
        member: view.member,
        scope: wire_scope(view.scope),
        org: view.org,
        catalogue: view.catalogue,
        training: Some(view.training),
        server_time_ms: Some(crate::app::server_time_ms()),
    }))
}
