//! Checking a push's signatures before it waits for the commune's lock.
//! Checking one costs tens of microseconds: done by the committer, under
//! the lock, it would hold every other device's push back by as much. So
//! each push checks its own on a worker thread, beside the committer and
//! the other pushes, with the author devices' keys kept here; the
//! committer then only compares keys (`gocua_central` `push/proof.rs`).
//! Nothing here decides: a key it has wrong, or a signature it found bad,
//! is checked again under the lock.

use crate::app::AppState;
use crate::error::ApiError;
use gocua_core::{Change, DeviceId};
use gocua_signing::{Signature, VerifyingKey};
use gocua_wire::PushRequest;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Devices' keys remembered at most; past it the map starts over.
const KEYS_MAX: usize = 100_000;

/// Devices' public keys, as read from the database (a key never changes
/// under a running server: it is set once, and `admin restore` needs the
/// server stopped).
#[derive(Default)]
pub struct KnownKeys {
    keys: Mutex<HashMap<DeviceId, Arc<str>>>,
}

impl KnownKeys {
    fn get(
        &self,
        missing: &mut Vec<DeviceId>,
        authors: &[DeviceId],
    ) -> HashMap<DeviceId, Arc<str>> {
        let keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = HashMap::with_capacity(authors.len());
        for a in authors {
            match keys.get(a) {
                Some(k) => {
                    out.insert(*a, k.clone());
                }
                None => missing.push(*a),
            }
        }
        out
    }

    fn remember(&self, found: &HashMap<DeviceId, String>) {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if keys.len() + found.len() > KEYS_MAX {
            keys.clear();
        }
        for (d, k) in found {
            keys.insert(*d, Arc::from(k.as_str()));
        }
    }
}

/// `req` back, with for each change the key its signature is valid with,
/// if it is (empty when the push is unsigned).
pub async fn check_ahead(
    state: &AppState,
    req: PushRequest,
) -> Result<(PushRequest, Vec<Option<String>>), ApiError> {
    if req.signatures.is_empty() {
        return Ok((req, Vec::new()));
    }
    let mut authors: Vec<DeviceId> = req.changes.iter().map(|c| c.hlc.device).collect();
    authors.sort_unstable();
    authors.dedup();
    let mut missing = Vec::new();
    let mut keys = state.known_keys.get(&mut missing, &authors);
    if !missing.is_empty() {
        let found = state.db_read(move |db| db.signing_keys(&missing)).await?;
        state.known_keys.remember(&found);
        keys.extend(found.into_iter().map(|(d, k)| (d, Arc::from(k.as_str()))));
    }
    tokio::task::spawn_blocking(move || {
        let checked = check_all(&req, &keys);
        (req, checked)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))
}

/// Each change's check, the push split over the machine's cores: a device
/// waits for its push's answer, so a big push (a first sync, an import's
/// worth of work) would otherwise leave a core idle while it waits.
fn check_all(req: &PushRequest, keys: &HashMap<DeviceId, Arc<str>>) -> Vec<Option<String>> {
    let check = |changes: &[Change], signatures: &[String]| check_part(changes, signatures, keys);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per = req.changes.len().div_ceil(cores).max(PER_THREAD_MIN);
    if req.changes.len() <= per {
        return check(&req.changes, &req.signatures);
    }
    std::thread::scope(|scope| {
        let parts: Vec<_> = req
            .changes
            .chunks(per)
            .zip(req.signatures.chunks(per))
            .map(|(changes, signatures)| {
                let part = scope.spawn(move || check(changes, signatures));
                (changes.len(), part)
            })
            .collect();
        parts
            .into_iter()
            // A part that panicked checked nothing (one None per change,
            // so the others stay in their places): its changes are
            // checked again under the lock.
            .flat_map(|(n, p)| p.join().unwrap_or_else(|_| vec![None; n]))
            .collect()
    })
}

/// One part's checks, together (`gocua_signing::verify_many`): a change
/// whose author's key is unknown here, or whose key or signature does not
/// parse, gets None without more.
fn check_part(
    changes: &[Change],
    signatures: &[String],
    keys: &HashMap<DeviceId, Arc<str>>,
) -> Vec<Option<String>> {
    let parsed: Vec<Option<(&Arc<str>, VerifyingKey, Signature)>> = changes
        .iter()
        .zip(signatures)
        .map(|(change, signature)| {
            let key = keys.get(&change.hlc.device)?;
            Some((
                key,
                VerifyingKey::parse(key).ok()?,
                Signature::parse(signature).ok()?,
            ))
        })
        .collect();
    let items: Vec<(&VerifyingKey, &Change, &Signature)> = parsed
        .iter()
        .zip(changes)
        .filter_map(|(p, change)| p.as_ref().map(|(_, k, s)| (k, change, s)))
        .collect();
    let mut verdicts = gocua_signing::verify_many(&items).into_iter();
    parsed
        .iter()
        .map(|p| {
            let (key, _, _) = p.as_ref()?;
            verdicts.next()?.then(|| key.to_string())
        })
        .collect()
}

/// Fewer changes than this are checked on one thread (a thread costs more
/// than checking a few).
const PER_THREAD_MIN: usize = 64;
