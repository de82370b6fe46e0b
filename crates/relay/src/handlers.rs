//! The three requests. Each reads its body with a cap, then does its work
//! on a blocking thread holding the store (one at a time: a phone-sized
//! relay serves a team, not a commune).

use crate::auth::{in_team, paired};
use crate::server::Shared;
use crate::{RelayError, hash_secret, leader_team};
use axum::Json;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use gocua_device::{HeldChange, RelayMember, RelayedResult, Store};
use gocua_signing::{Signature, VerifyingKey};
use gocua_wire::relay::{
    JoinRequest, JoinResponse, MAX_JOIN_BYTES, RelayOutcome, RelayPushResponse, RelayResult,
    join_proof_bytes,
};
use gocua_wire::{
    MAX_BODY_BYTES, MAX_PULL_LIMIT, MAX_PUSH_CHANGES, PullResponse, PulledChange, PushRequest,
};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// Read and parse a JSON body of at most `max` bytes.
async fn body<T: DeserializeOwned>(body: Body, max: usize) -> Result<T, RelayError> {
    let bytes = axum::body::to_bytes(body, max).await.map_err(|_| {
        RelayError::http(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "Dữ liệu gửi lên trạm chuyển tiếp quá lớn (tối đa {} KB).",
                max / 1024
            ),
        )
    })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        RelayError::http(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("Yêu cầu gửi trạm chuyển tiếp không đúng định dạng ({e})."),
        )
    })
}

/// Run `f` with the store on a blocking thread.
async fn with_store<T: Send + 'static>(
    shared: &Shared,
    f: impl FnOnce(&mut Store) -> Result<T, RelayError> + Send + 'static,
) -> Result<T, RelayError> {
    let store = shared.store.clone();
    tokio::task::spawn_blocking(move || {
        let mut store = store.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut store)
    })
    .await
    .map_err(|e| RelayError::Io(std::io::Error::other(e.to_string())))?
}

pub(crate) async fn join(
    State(shared): State<Shared>,
    raw: Body,
) -> Result<Json<JoinResponse>, RelayError> {
    let req: JoinRequest = body(raw, MAX_JOIN_BYTES).await?;
    let answer = with_store(&shared, move |store| join_in(store, &req)).await?;
    Ok(Json(answer))
}

fn join_in(store: &mut Store, req: &JoinRequest) -> Result<JoinResponse, RelayError> {
    let (leader, team) = leader_team(store)?;
    let code_hash = hash_secret(&req.code.to_ascii_uppercase());
    if !store.relay_code_usable(&code_hash)? {
        return Err(bad_code());
    }
    let member = RelayMember {
        device_id: req.device_id,
        member_id: req.member_id,
        signing_key: req.signing_key.trim().to_ascii_lowercase(),
    };
    // Another team's member is told so, whatever else is wrong.
    in_team(store, &member, team)?;
    let listed = store.team_devices()?.iter().any(|d| {
        d.device_id == member.device_id
            && d.member_id == member.member_id
            && d.signing_key.eq_ignore_ascii_case(&member.signing_key)
    });
    if !listed {
        return Err(RelayError::http(
            StatusCode::FORBIDDEN,
            "unknown_device",
            "Máy của tổ trưởng chưa biết thiết bị này (hoặc khóa ký của nó): hãy đồng bộ thiết \
             bị này với máy chủ của xã một lần, rồi tổ trưởng đồng bộ, rồi ghép nối lại.",
        ));
    }
    let key = VerifyingKey::parse(&member.signing_key).map_err(|_| bad_proof())?;
    let proof = Signature::parse(&req.proof).map_err(|_| bad_proof())?;
    key.verify_bytes(&join_proof_bytes(&req.code, req.device_id), &proof)
        .map_err(|_| bad_proof())?;
    let token = new_token();
    if !store.relay_pair(&code_hash, &member, &hash_secret(&token))? {
        return Err(bad_code());
    }
    tracing::info!(device = %member.device_id, member = %member.member_id, "paired");
    Ok(JoinResponse { token, leader })
}

fn bad_code() -> RelayError {
    RelayError::http(
        StatusCode::FORBIDDEN,
        "pairing_code_invalid",
        "Mã ghép nối không đúng, đã dùng rồi hoặc đã quá 15 phút: hãy xin tổ trưởng mã mới.",
    )
}

fn bad_proof() -> RelayError {
    RelayError::http(
        StatusCode::FORBIDDEN,
        "bad_proof",
        "Thiết bị không chứng minh được khóa ký đã đăng ký với máy chủ của xã.",
    )
}

/// 32 random bytes, hex: the device's relay token.
fn new_token() -> String {
    use rand::Rng;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub(crate) async fn push(
    State(shared): State<Shared>,
    headers: HeaderMap,
    raw: Body,
) -> Result<Json<RelayPushResponse>, RelayError> {
    let req: PushRequest = body(raw, MAX_BODY_BYTES).await?;
    if req.changes.len() > MAX_PUSH_CHANGES {
        return Err(RelayError::http(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_changes",
            format!("Mỗi lần gửi tối đa {MAX_PUSH_CHANGES} thay đổi."),
        ));
    }
    if req.signatures.len() != req.changes.len() {
        return Err(RelayError::http(
            StatusCode::BAD_REQUEST,
            "signature_missing",
            "Trạm chuyển tiếp chỉ nhận thay đổi có chữ ký của thiết bị tạo ra nó.",
        ));
    }
    let answer = with_store(&shared, move |store| {
        let (member, _) = paired(store, &headers)?;
        push_in(store, &member, req)
    })
    .await?;
    Ok(Json(answer))
}

/// Whether each change's signature is the member's device's: a push's
/// changes checked together (`gocua_signing::verify_many`, as the server
/// does), which matters on a phone-class CPU.
fn signatures_hold(member: &RelayMember, req: &PushRequest) -> Vec<bool> {
    let Ok(key) = VerifyingKey::parse(&member.signing_key) else {
        return vec![false; req.changes.len()];
    };
    let parsed: Vec<Option<Signature>> = req
        .signatures
        .iter()
        .map(|s| Signature::parse(s).ok())
        .collect();
    let items: Vec<_> = req
        .changes
        .iter()
        .zip(&parsed)
        .filter_map(|(c, s)| Some((&key, c, s.as_ref()?)))
        .collect();
    let mut verdicts = gocua_signing::verify_many(&items).into_iter();
    parsed
        .iter()
        .map(|s| s.is_some() && verdicts.next().unwrap_or(false))
        .collect()
}

fn push_in(
    store: &mut Store,
    member: &RelayMember,
    req: PushRequest,
) -> Result<RelayPushResponse, RelayError> {
    let good = signatures_hold(member, &req);
    let mut results: Vec<Option<RelayResult>> = Vec::with_capacity(req.changes.len());
    let mut hold = Vec::new();
    for ((change, signature), good) in req.changes.into_iter().zip(req.signatures).zip(good) {
        let refused = |code: &str, message: &str| RelayResult {
            change_id: change.id,
            outcome: RelayOutcome::Refused {
                code: code.into(),
                message: message.into(),
            },
        };
        if change.hlc.device != member.device_id {
            results.push(Some(refused(
                "not_your_change",
                "Trạm chuyển tiếp chỉ nhận thay đổi do chính thiết bị đã ghép nối tạo ra.",
            )));
            continue;
        }
        if !good {
            results.push(Some(refused(
                "bad_signature",
                "Chữ ký của thay đổi không khớp với khóa ký của thiết bị.",
            )));
            continue;
        }
        results.push(None);
        hold.push(HeldChange { change, signature });
    }
    let known = store.relay_hold(member.device_id, &hold)?;
    let mut held = hold.iter().zip(known);
    let results = results
        .into_iter()
        .map(|r| match r {
            Some(r) => Ok(r),
            None => {
                let (h, known) = held.next().ok_or_else(|| {
                    RelayError::Io(std::io::Error::other("held results out of step"))
                })?;
                Ok(RelayResult {
                    change_id: h.change.id,
                    outcome: match known {
                        None => RelayOutcome::Held,
                        Some(RelayedResult::Applied) => RelayOutcome::Applied,
                        Some(RelayedResult::AlreadyHad) => RelayOutcome::AlreadyHad,
                        Some(RelayedResult::Rejected { code, message }) => {
                            RelayOutcome::Rejected { code, message }
                        }
                    },
                })
            }
        })
        .collect::<Result<Vec<_>, RelayError>>()?;
    Ok(RelayPushResponse { results })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PullParams {
    #[serde(default)]
    after: i64,
    #[serde(default = "default_limit")]
    limit: u32,
}

fn default_limit() -> u32 {
    500
}

pub(crate) async fn pull(
    State(shared): State<Shared>,
    headers: HeaderMap,
    query: Result<Query<PullParams>, QueryRejection>,
) -> Result<Json<PullResponse>, RelayError> {
    let Query(q) = query.map_err(|e| {
        RelayError::http(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("Yêu cầu gửi trạm chuyển tiếp không đúng định dạng ({e})."),
        )
    })?;
    let limit = q.limit.clamp(1, MAX_PULL_LIMIT) as usize;
    let answer = with_store(&shared, move |store| {
        let (_, team) = paired(store, &headers)?;
        let villages = store.team_villages(team)?;
        let page = store.relay_pulled_page(q.after, &villages, limit)?;
        Ok(PullResponse {
            changes: page
                .changes
                .into_iter()
                .map(|p| PulledChange {
                    seq: p.seq,
                    change: p.change,
                    moved_from: p.moved_from,
                    village: p.village,
                })
                .collect(),
            cursor: page.cursor,
            more: page.more,
            server_time_ms: None,
        })
    })
    .await?;
    Ok(Json(answer))
}
