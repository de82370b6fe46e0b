//! A member's device and its team leader's relay (issue 18): joining with
//! the pairing text, then syncing through the relay where the commune
//! server is out of reach.
//!
//! - `join_relay`: `POST /relay/v1/join` with the code, the device's id,
//!   member and public signing key, and its signature over the code (so a
//!   stolen code alone pairs nothing); keeps the relay's address, pinned
//!   fingerprint and token in the store.
//! - `sync_via_relay`: pushes the whole outbox, signed as for the server,
//!   in batches; per change the relay says `held` (it stays in the outbox
//!   and goes to the server directly on the next direct sync too: the
//!   server takes it once by id), or gives the server's result, settled
//!   exactly as a server push's (`Store::settle_push`), or refuses it
//!   itself (reported, never quarantined: the relay is not the server).
//!   Then pulls what the relay holds for this member's team, on the relay
//!   cursor (`Store::apply_relay_pulled`; the server cursor stays).

use super::ClientOptions;
use super::error::SyncError;
use super::transport::{Repeat, Transport};
use crate::tls::Pin;
use gocua_core::{Change, ChangeId, MemberId};
use gocua_device::{ApplyOutcome, DeviceToken, Pulled, PushRejection, Store};
use gocua_wire::relay::{
    JoinRequest, JoinResponse, RELAY_JOIN, RELAY_PULL, RELAY_PUSH, RelayOutcome, RelayPairing,
    RelayPushResponse, join_proof_bytes,
};
use gocua_wire::{self as wire, PullResponse};
use serde::Serialize;
use std::collections::HashSet;

/// A relay joined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JoinOutcome {
    pub url: String,
    pub fingerprint: String,
    /// The team leader whose device the relay is.
    pub leader: MemberId,
}

/// A change the relay itself would not take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RelayRefusal {
    pub change_id: ChangeId,
    pub code: String,
    pub message: String,
}

/// The totals of a sync through the relay.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RelayReport {
    /// Changes sent to the relay.
    pub pushed: usize,
    /// Of those, kept by the relay for the server (still in the outbox).
    pub held: usize,
    /// The server's results the relay brought back: taken now, already
    /// had, refused (now in the quarantine with the server's reason).
    pub applied: usize,
    pub already_had: usize,
    pub rejected: usize,
    /// Refused by the relay itself: stay in the outbox.
    pub refused: Vec<RelayRefusal>,
    pub pulled_applied: usize,
    pub pulled_already_had: usize,
    pub pulled_rejected: usize,
    pub unsent: i64,
    pub quarantined: i64,
    pub relay_cursor: i64,
}

/// Join the relay named by `text` (`gocua-relay:v1?…`).
pub fn join_relay(
    store: &mut Store,
    text: &str,
    options: &ClientOptions,
) -> Result<JoinOutcome, SyncError> {
    let pairing = RelayPairing::parse(text).ok_or_else(|| {
        SyncError::InvalidTarget("not a relay pairing text (gocua-relay:v1?…)".into())
    })?;
    let enrollment = store.enrollment()?.ok_or(SyncError::NotEnrolled)?;
    let device = store.device()?.ok_or(SyncError::NotEnrolled)?;
    let key = store.signing_key()?;
    let proof = key.sign_bytes(&join_proof_bytes(&pairing.code, device.device_id));
    let body = serde_json::to_vec(&JoinRequest {
        code: pairing.code.clone(),
        device_id: device.device_id,
        member_id: enrollment.member_id,
        signing_key: key.public().to_string(),
        proof: proof.to_string(),
    })
    .map_err(|e| SyncError::BadResponse(e.to_string()))?;
    let transport = Transport::new(
        &pairing.url,
        Pin::Fingerprint(pairing.fingerprint.clone()),
        None,
        options.timeout,
        options.retry.clone(),
    )?;
    // The code is spent by the answer: tried again only if never sent.
    let answer: JoinResponse = transport
        .post(
            RELAY_JOIN,
            &body,
            Repeat::OnlyIfNotSent,
            wire::MAX_RESPONSE_BYTES,
            &mut |_| {},
        )
        .map_err(relay_error)?;
    store.set_relay_link(
        &pairing.url,
        &pairing.fingerprint,
        &DeviceToken::new(answer.token),
    )?;
    Ok(JoinOutcome {
        url: pairing.url,
        fingerprint: pairing.fingerprint,
        leader: answer.leader,
    })
}

/// Most outbox changes one relay sync sends (the rest next time).
const MAX_RELAY_OUTBOX: usize = 100_000;

/// One sync through the joined relay (see the module comment).
pub fn sync_via_relay(
    store: &mut Store,
    options: &ClientOptions,
) -> Result<RelayReport, SyncError> {
    let link = store.relay_link()?.ok_or_else(|| SyncError::Refused {
        status: 0,
        code: "no_relay".into(),
        message: "Thiết bị chưa ghép nối với trạm chuyển tiếp nào: hãy quét mã ghép nối trên \
                  máy của tổ trưởng (gocua relay join MÃ)."
            .into(),
    })?;
    let transport = Transport::new(
        &link.url,
        Pin::Fingerprint(link.fingerprint.clone()),
        Some(link.token.clone()),
        options.timeout,
        options.retry.clone(),
    )?;
    let mut report = RelayReport::default();
    sync_with(store, &transport, options, &mut report).map_err(relay_error)?;
    report.unsent = store.unsent_count()?;
    report.quarantined = store.quarantine_count()?;
    report.relay_cursor = store.relay_link()?.map(|l| l.pull_cursor).unwrap_or(0);
    Ok(report)
}

/// A 401 from the relay is the relay's word, not the server's.
fn relay_error(e: SyncError) -> SyncError {
    match e {
        SyncError::Unauthorized => SyncError::Refused {
            status: 401,
            code: "relay_unauthorized".into(),
            message: "Trạm chuyển tiếp không nhận thiết bị này (chưa ghép nối, hoặc đã ghép \
                      nối lại từ máy khác): hãy quét mã ghép nối mới trên máy của tổ trưởng. \
                      Dữ liệu chưa gửi vẫn được giữ nguyên trên máy."
                .into(),
        },
        e => e,
    }
}

fn sync_with(
    store: &mut Store,
    transport: &Transport,
    options: &ClientOptions,
    report: &mut RelayReport,
) -> Result<(), SyncError> {
    let outbox: Vec<Change> = store
        .outbox_pending(MAX_RELAY_OUTBOX)?
        .into_iter()
        .map(|e| e.change)
        .collect();
    let size = options.push_batch.clamp(1, wire::MAX_PUSH_CHANGES);
    for batch in outbox.chunks(size) {
        push_batch(store, transport, batch, report)?;
    }
    pull(store, transport, options, report)
}

fn push_batch(
    store: &mut Store,
    transport: &Transport,
    batch: &[Change],
    report: &mut RelayReport,
) -> Result<(), SyncError> {
    let body = serde_json::to_vec(&super::signed_push(store, batch.to_vec())?)
        .map_err(|e| SyncError::BadResponse(e.to_string()))?;
    let answer: RelayPushResponse = transport.post(
        RELAY_PUSH,
        &body,
        Repeat::Safe,
        wire::MAX_RESPONSE_BYTES,
        &mut |_| {},
    )?;
    report.pushed += batch.len();
    let pushed: HashSet<ChangeId> = batch.iter().map(|c| c.id).collect();
    let (mut accepted, mut rejected) = (Vec::new(), Vec::new());
    for r in answer.results {
        if !pushed.contains(&r.change_id) {
            continue;
        }
        match r.outcome {
            RelayOutcome::Held => report.held += 1,
            RelayOutcome::Applied => {
                report.applied += 1;
                accepted.push(r.change_id);
            }
            RelayOutcome::AlreadyHad => {
                report.already_had += 1;
                accepted.push(r.change_id);
            }
            RelayOutcome::Rejected { code, message } => {
                report.rejected += 1;
                rejected.push(PushRejection {
                    change_id: r.change_id,
                    code,
                    message,
                });
            }
            RelayOutcome::Refused { code, message } => report.refused.push(RelayRefusal {
                change_id: r.change_id,
                code,
                message,
            }),
        }
    }
    // The server's word, carried by the relay: settled as a direct push's.
    store.settle_push(&accepted, &rejected)?;
    Ok(())
}

fn pull(
    store: &mut Store,
    transport: &Transport,
    options: &ClientOptions,
    report: &mut RelayReport,
) -> Result<(), SyncError> {
    let limit = options.pull_limit.clamp(1, wire::MAX_PULL_LIMIT);
    let mut cursor = store.relay_link()?.map(|l| l.pull_cursor).unwrap_or(0);
    // Each page moves the cursor on or ends: bounded by what the relay
    // holds.
    loop {
        let path = format!("{RELAY_PULL}?after={cursor}&limit={limit}");
        let page: PullResponse =
            transport.get(&path, wire::max_pull_response_bytes(limit), &mut |_| {})?;
        let pulled: Vec<Pulled> = page
            .changes
            .into_iter()
            .map(|p| Pulled {
                seq: p.seq,
                change: p.change,
                moved_from: p.moved_from,
                village: p.village,
            })
            .collect();
        if page.more && page.cursor <= cursor {
            return Err(SyncError::BadResponse(
                "the relay announced more changes but did not move on".into(),
            ));
        }
        let outcomes = store.apply_relay_pulled(&pulled, page.cursor)?;
        for o in &outcomes {
            match o {
                ApplyOutcome::Applied => report.pulled_applied += 1,
                ApplyOutcome::AlreadyHad => report.pulled_already_had += 1,
                ApplyOutcome::Rejected { .. } => report.pulled_rejected += 1,
            }
        }
        if !page.more {
            return Ok(());
        }
        cursor = page.cursor;
    }
}
