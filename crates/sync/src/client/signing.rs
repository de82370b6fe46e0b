//! Signing what this device sends (`gocua_signing`): every change it
//! pushes, to the server or to its team leader's relay, carries its
//! signature; a device enrolled before changes were signed registers its
//! key on its next round, before it pushes.

use super::error::SyncError;
use super::transport::{Repeat, RetryNotice, Transport};
use gocua_core::Change;
use gocua_device::Store;
use gocua_wire::{self as wire, PushRequest, PushResponse, RegisterKeyRequest};

/// The push body for `changes`, each signed by this device's key.
pub fn signed_push(store: &mut Store, changes: Vec<Change>) -> Result<PushRequest, SyncError> {
    let key = store.signing_key()?;
    let signatures = changes.iter().map(|c| key.sign(c).to_string()).collect();
    Ok(PushRequest {
        changes,
        signatures,
    })
}

/// Whether a round signs what it pushes: a server from before signing
/// refuses a push body with signatures as a whole, so it gets none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signing {
    On,
    ServerPredatesIt,
}

/// The push body for `changes` as `signing` says.
pub(crate) fn push_body(
    store: &mut Store,
    changes: Vec<Change>,
    signing: Signing,
) -> Result<PushRequest, SyncError> {
    match signing {
        Signing::On => signed_push(store, changes),
        Signing::ServerPredatesIt => Ok(PushRequest {
            changes,
            signatures: Vec::new(),
        }),
    }
}

/// Give the server this device's public key if it does not have it yet.
/// A server holding another key for this device refuses (409): the round
/// stops there, since it would refuse every change this device signs. A
/// server without the way to register one (404) predates signing.
pub(crate) fn register_key(
    store: &mut Store,
    transport: &Transport,
    retrying: &mut dyn FnMut(RetryNotice),
) -> Result<Signing, SyncError> {
    if store.signing_key_registered()? {
        return Ok(Signing::On);
    }
    let body = serde_json::to_vec(&RegisterKeyRequest {
        signing_key: store.signing_key()?.public().to_string(),
    })
    .map_err(|e| SyncError::BadResponse(e.to_string()))?;
    let answer: Result<serde::de::IgnoredAny, SyncError> = transport.post(
        wire::SIGNING_KEY,
        &body,
        Repeat::Safe,
        wire::MAX_RESPONSE_BYTES,
        retrying,
    );
    match answer {
        Ok(_) => {
            store.note_signing_key_registered()?;
            Ok(Signing::On)
        }
        Err(SyncError::Refused { status: 404, .. }) => Ok(Signing::ServerPredatesIt),
        Err(e) => Err(e),
    }
}

/// POST a push body to `path` (a push, or a relay's hand-on): refused
/// here as `too_large` (413) when the server would not read it. A caller
/// meeting 400, 413 or 422 splits its batch until the change at fault
/// stands alone.
pub(crate) fn post_push(
    transport: &Transport,
    path: &str,
    req: &PushRequest,
    retrying: &mut dyn FnMut(RetryNotice),
) -> Result<PushResponse, SyncError> {
    let body = serde_json::to_vec(req).map_err(|e| SyncError::BadResponse(e.to_string()))?;
    if body.len() > wire::MAX_BODY_BYTES {
        return Err(SyncError::Refused {
            status: 413,
            code: "too_large".into(),
            message: format!(
                "Thay đổi quá lớn để gửi (hơn {} MB).",
                wire::MAX_BODY_BYTES / (1024 * 1024)
            ),
        });
    }
    transport.post(
        path,
        &body,
        Repeat::Safe,
        wire::MAX_RESPONSE_BYTES,
        retrying,
    )
}
