//! `POST /api/v1/signing-key`: a device enrolled before changes were
//! signed gives its public key, once (`gocua_central` `signing_keys.rs`).

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, Device};
use axum::Json;
use axum::extract::State;
use gocua_wire::RegisterKeyRequest;

pub async fn register(
    State(state): State<AppState>,
    Device(auth): Device,
    ApiJson(req): ApiJson<RegisterKeyRequest>,
) -> Result<Json<RegisterKeyRequest>, ApiError> {
    let device = auth.device_id;
    let key = req.signing_key.clone();
    state
        .db(move |db| db.register_signing_key(&auth, &key))
        .await?;
    tracing::info!(%device, "signing key registered");
    Ok(Json(req))
}
