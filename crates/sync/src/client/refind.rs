//! A round's first contact with the server, and finding it again when it
//! moved. The stored address is tried first (with the usual retries). When
//! nothing answers there at all (connection refused, timed out, no route:
//! not a certificate that does not match, not an HTTP error), the client
//! browses the LAN for a few seconds (`ClientOptions::rediscover_wait`) for
//! a server announcing the pinned fingerprint, and tries its addresses.
//!
//! Discovery only finds addresses: every try there is pinned to the same
//! certificate as ever, so a false announcement costs a failed try and
//! nothing else. An address that answers with the pinned certificate is
//! kept in the store for the next rounds (`Store::note_server_moved`).

use super::ClientOptions;
use super::error::SyncError;
use super::retry::RetryPolicy;
use super::transport::{RetryNotice, Transport};
use crate::discover::browse_until;
use crate::tls::Pin;
use gocua_device::Store;
use gocua_wire::{self as wire, OrgResponse};

/// Tries per found address: it just announced itself, so one retry is
/// plenty.
const FOUND_ATTEMPTS: u32 = 2;

/// Connected: the transport, the organisation's first answer, and the new
/// address when the server was found again elsewhere.
pub(super) struct FirstContact {
    pub transport: Transport,
    pub org: OrgResponse,
    pub moved_to: Option<String>,
}

/// `GET org` at the stored address, or at the address the server is found
/// at again (see the module comment).
pub(super) fn first_contact(
    store: &mut Store,
    options: &ClientOptions,
    on_retry: &mut dyn FnMut(RetryNotice),
) -> Result<FirstContact, SyncError> {
    let enrollment = store.enrollment()?.ok_or(SyncError::NotEnrolled)?;
    let pinned = enrollment.server_fingerprint.to_ascii_lowercase();
    let known_log = store.known_log_id()?;
    let connect = |url: &str, retry: RetryPolicy, on_retry: &mut dyn FnMut(RetryNotice)| {
        let transport = Transport::new(
            url,
            Pin::Fingerprint(pinned.clone()),
            Some(enrollment.token.clone()),
            options.timeout,
            retry,
        )?;
        transport.declare_log_id(known_log.clone());
        let org: OrgResponse = transport.get(wire::ORG, wire::MAX_RESPONSE_BYTES, on_retry)?;
        Ok::<_, SyncError>((transport, org))
    };
    let first_error = match connect(&enrollment.server_url, options.retry.clone(), on_retry) {
        Ok((transport, org)) => {
            return Ok(FirstContact {
                transport,
                org,
                moved_to: None,
            });
        }
        Err(e) if nothing_answered(&e) && !options.rediscover_wait.is_zero() => e,
        Err(e) => return Err(e),
    };
    // Discovery unavailable (no network at all): the first error stands.
    let Ok(found) = browse_until(options.rediscover_wait, |s| s.fingerprint == pinned) else {
        return Err(first_error);
    };
    let retry = RetryPolicy {
        attempts: FOUND_ATTEMPTS,
        ..options.retry.clone()
    };
    for url in found
        .iter()
        .filter(|s| s.fingerprint == pinned)
        .flat_map(|s| s.urls())
        .filter(|u| *u != enrollment.server_url)
    {
        // A wrong certificate or a dead address here is just not it.
        if let Ok((transport, org)) = connect(&url, retry.clone(), on_retry) {
            store.note_server_moved(&url, &pinned)?;
            return Ok(FirstContact {
                transport,
                org,
                moved_to: Some(url),
            });
        }
    }
    Err(first_error)
}

/// Nothing answered at the address: refused, timed out, no route. Not a
/// certificate mismatch (something answered, and it is not ours), not an
/// HTTP error, not a connection cut mid-answer.
fn nothing_answered(e: &SyncError) -> bool {
    let SyncError::Unreachable { source, .. } = e else {
        return false;
    };
    source
        .downcast_ref::<reqwest::Error>()
        .is_some_and(|r| r.is_connect() || (r.is_timeout() && r.status().is_none()))
}
