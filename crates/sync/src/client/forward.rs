//! The team leader's forwarding, at the end of its own server sync round:
//! its relay's held member changes without a result go to the server's
//! `POST /api/v1/relay/push` in batches, with their authors' signatures,
//! and each result is kept for the member's next relay push. A device that
//! is no relay (no certificate made) does nothing here.
//!
//! A batch the server refuses whole (too big, unreadable) is split in
//! halves until the change at fault stands alone, which keeps that refusal
//! as its result: one bad change never holds back the others.

use super::error::SyncError;
use super::transport::Transport;
use gocua_device::{HeldChange, RelayedResult, Store};
use gocua_wire::{self as wire, PushOutcome, PushRequest};
use serde::Serialize;

/// What the leader's round forwarded for its relay.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ForwardReport {
    /// Members' changes sent to the server.
    pub forwarded: usize,
    pub applied: usize,
    pub already_had: usize,
    pub rejected: usize,
}

/// Forward every held change without a result (see the module comment).
pub(crate) fn forward_relayed(
    store: &mut Store,
    transport: &Transport,
) -> Result<ForwardReport, SyncError> {
    let mut report = ForwardReport::default();
    if store.relay_identity()?.is_none() {
        return Ok(report);
    }
    loop {
        let batch = store.relay_unforwarded(wire::MAX_PUSH_CHANGES)?;
        if batch.is_empty() {
            return Ok(report);
        }
        if forward_batch(store, transport, &batch, &mut report)? == 0 {
            return Err(SyncError::BadResponse(
                "the server answered for none of the relayed changes".into(),
            ));
        }
    }
}

/// Forward `batch` and keep the results; returns how many got one.
fn forward_batch(
    store: &mut Store,
    transport: &Transport,
    batch: &[HeldChange],
    report: &mut ForwardReport,
) -> Result<usize, SyncError> {
    let req = PushRequest {
        changes: batch.iter().map(|h| h.change.clone()).collect(),
        signatures: batch.iter().map(|h| h.signature.clone()).collect(),
    };
    let answer = super::signing::post_push(transport, wire::RELAY_PUSH, &req, &mut |_| {});
    let response = match answer {
        Ok(r) => r,
        Err(SyncError::Refused {
            status: 400 | 413 | 422,
            code,
            message,
        }) => {
            if batch.len() > 1 {
                let (a, b) = batch.split_at(batch.len() / 2);
                return Ok(forward_batch(store, transport, a, report)?
                    + forward_batch(store, transport, b, report)?);
            }
            let code = if code.is_empty() {
                "refused".into()
            } else {
                code
            };
            store.relay_settle(&[(
                batch[0].change.id,
                RelayedResult::Rejected { code, message },
            )])?;
            report.forwarded += 1;
            report.rejected += 1;
            return Ok(1);
        }
        Err(e) => return Err(e),
    };
    let sent: std::collections::HashSet<_> = batch.iter().map(|h| h.change.id).collect();
    let mut results = Vec::new();
    for r in response.results {
        if !sent.contains(&r.change_id) {
            continue;
        }
        let result = match r.outcome {
            PushOutcome::Applied => {
                report.applied += 1;
                RelayedResult::Applied
            }
            PushOutcome::AlreadyHad => {
                report.already_had += 1;
                RelayedResult::AlreadyHad
            }
            PushOutcome::Rejected { code, message } => {
                report.rejected += 1;
                RelayedResult::Rejected { code, message }
            }
        };
        results.push((r.change_id, result));
    }
    report.forwarded += results.len();
    store.relay_settle(&results)?;
    Ok(results.len())
}
