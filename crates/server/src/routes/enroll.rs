//! `POST /api/v1/enroll`: a one-time code and a device name in; a device
//! id, its token (shown once), the member, scope, organisation and the
//! certificate fingerprint out. Wrong codes count against the client's
//! address.

use super::wire_scope;
use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::ApiJson;
use axum::Json;
use axum::extract::{ConnectInfo, State};
use gocua_central::CentralError;
use gocua_wire::{EnrollRequest, EnrollResponse};
use std::net::SocketAddr;

pub async fn enroll(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(req): ApiJson<EnrollRequest>,
) -> Result<Json<EnrollResponse>, ApiError> {
    let ip = peer.ip();
    let replaces = req.replaces;
    // The slot is taken before the code is looked up: parallel guesses
    // cannot all pass a limit they would each find not yet reached.
    let Some(slot) = state.enroll_failures.try_take(ip) else {
        // One line per period at most (a refused try costs nothing).
        crate::conn::warn(crate::conn::Bite::EnrollLimited, Some(ip), "");
        return Err(ApiError::TooManyAttempts);
    };
    let result = state
        .db(move |db| {
            let e = db.redeem_code_replacing(
                &req.code,
                &req.device_name,
                req.replaces,
                req.keep_id,
                req.signing_key.as_deref(),
            )?;
            let view = db.org_for(&e.auth)?;
            Ok((e, view))
        })
        .await;
    let (enrollment, view) = match result {
        Ok(v) => {
            state.enroll_failures.give_back(slot);
            v
        }
        Err(ApiError::Central(
            e @ (CentralError::CodeUnknown | CentralError::CodeUsed | CentralError::CodeExpired),
        )) => {
            // The slot stays taken: that is the wrong code counted.
            let _ = slot;
            tracing::info!(%ip, code = e.code(), "enrollment refused");
            return Err(e.into());
        }
        // Not a wrong code (a bad device name, the server failing): only
        // wrong codes count.
        Err(e) => {
            state.enroll_failures.give_back(slot);
            return Err(e);
        }
    };
    tracing::info!(
        device = %enrollment.auth.device_id,
        member = %enrollment.auth.member.id,
        replaces = ?replaces,
        "device enrolled"
    );
    Ok(Json(EnrollResponse {
        device_id: enrollment.auth.device_id,
        token: enrollment.token,
        member: view.member,
        scope: wire_scope(view.scope),
        org: view.org,
        catalogue: view.catalogue,
        server_fingerprint: state.fingerprint.to_string(),
        server_time_ms: Some(crate::app::server_time_ms()),
        log_id: Some(view.log_id),
    }))
}
