//! Enrollment: trade a one-time code for this device's identity on the
//! commune server, and keep it (with the organisation) in the store.
//!
//! The certificate: when the code comes as a scanned `EnrollmentPayload`
//! carrying the fingerprint, only that certificate is accepted from the first
//! byte. With just an address and a code, the first certificate seen is
//! trusted (trust on first use) and pinned from then on; the server's answer
//! must name that same certificate.

use super::ClientOptions;
use super::error::SyncError;
use super::transport::{Repeat, Transport};
use crate::tls::Pin;
use gocua_core::{DeviceId, Member};
use gocua_device::{DeviceToken, NewEnrollment, Store, StoreError};
use gocua_wire::{self as wire, EnrollRequest, EnrollResponse, EnrollmentPayload};
use serde::Serialize;

/// What enrollment established.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnrollOutcome {
    pub device_id: DeviceId,
    pub member: Member,
    pub server_url: String,
    pub server_fingerprint: String,
    /// True when the fingerprint came with the enrollment code (no trust on
    /// first use was needed).
    pub pinned_from_payload: bool,
}

/// Read what the member typed or scanned: a `gocua-enroll:v1?…` payload
/// (the code inside it; `code`, if also given, must be the same), or the
/// server's `https://` address with the code beside it.
pub fn parse_target(
    url_or_payload: &str,
    code: Option<&str>,
) -> Result<EnrollmentPayload, SyncError> {
    let text = url_or_payload.trim();
    let code = code.map(str::trim).filter(|c| !c.is_empty());
    let mut target = if text.starts_with("gocua-enroll:") {
        let p = EnrollmentPayload::parse(text)
            .ok_or_else(|| SyncError::InvalidTarget("malformed enrollment payload".into()))?;
        if let Some(c) = code
            && !c.eq_ignore_ascii_case(&p.code)
        {
            return Err(SyncError::InvalidTarget(
                "the code given differs from the one in the payload".into(),
            ));
        }
        p
    } else {
        let code = code.ok_or_else(|| {
            SyncError::InvalidTarget("an enrollment code is needed with a server address".into())
        })?;
        EnrollmentPayload {
            url: text.to_string(),
            code: code.to_string(),
            fingerprint: None,
        }
    };
    target.url = normalize_url(&target.url)?;
    if target.code.trim().is_empty() {
        return Err(SyncError::InvalidTarget("empty enrollment code".into()));
    }
    if let Some(fp) = &target.fingerprint {
        target.fingerprint = Some(normalize_fingerprint(fp)?);
    }
    Ok(target)
}

/// `https://host[:port][/prefix]`, without a trailing slash. TLS always.
fn normalize_url(url: &str) -> Result<String, SyncError> {
    let parsed = reqwest::Url::parse(url.trim())
        .map_err(|e| SyncError::InvalidTarget(format!("server address: {e}")))?;
    if parsed.scheme() != "https" {
        return Err(SyncError::InvalidTarget(
            "the server address must start with https://".into(),
        ));
    }
    if parsed.host_str().is_none() || parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(SyncError::InvalidTarget(
            "the server address must be just https://host:port".into(),
        ));
    }
    Ok(parsed.as_str().trim_end_matches('/').to_string())
}

/// 64 lower-case hex digits; `AB:CD:…` as some tools print it is accepted.
fn normalize_fingerprint(fp: &str) -> Result<String, SyncError> {
    let hex: String = fp.chars().filter(|c| *c != ':').collect();
    if hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(hex.to_ascii_lowercase())
    } else {
        Err(SyncError::InvalidTarget(
            "the certificate fingerprint must be 64 hex digits".into(),
        ))
    }
}

/// Enroll this device: parse the target (see `parse_target`), then
/// `enroll_with`.
pub fn enroll(
    store: &mut Store,
    url_or_payload: &str,
    code: Option<&str>,
    device_name: &str,
    options: &ClientOptions,
) -> Result<EnrollOutcome, SyncError> {
    let target = parse_target(url_or_payload, code)?;
    enroll_with(store, &target, device_name, options)
}

/// Enroll this device with the server and code in `target`. Everything that
/// would make the store refuse the enrollment is checked before the
/// one-time code is spent.
pub fn enroll_with(
    store: &mut Store,
    target: &EnrollmentPayload,
    device_name: &str,
    options: &ClientOptions,
) -> Result<EnrollOutcome, SyncError> {
    let name = gocua_core::text::normalize_name(device_name);
    gocua_core::validate::required_text("device_name", &name)
        .map_err(|e| StoreError::Invalid(e.into()))?;
    // The server assigns a new device id, unless it has never seen this
    // one (it was restored from a backup older than this device): then it
    // gives it back. Unsent changes stamped with the current id need it
    // back, so they ask the server to refuse rather than give another id
    // (see `gocua_device::sync_state`).
    let unsent = store.unsent_count()?;
    let own = store.device()?.map(|d| d.device_id);
    if unsent > 0 && own.is_none() {
        return Err(StoreError::UnsentFromOtherDevice { count: unsent }.into());
    }
    let pin = match &target.fingerprint {
        Some(fp) => Pin::Fingerprint(fp.clone()),
        None => Pin::FirstUse,
    };
    let transport = Transport::new(
        &target.url,
        pin,
        None,
        options.timeout,
        options.retry.clone(),
    )?;
    // Enrolled before: the server retires that device in the same step,
    // so a copy of this file taken before stops syncing.
    let keep_id = unsent > 0;
    let replaces = if keep_id || store.enrollment()?.is_some() {
        own
    } else {
        None
    };
    // Its signing key goes with the enrollment: from now on the server
    // takes a change from this device only signed by it.
    let signing_key = store.signing_key()?.public().to_string();
    let body = serde_json::to_vec(&EnrollRequest {
        code: target.code.trim().to_string(),
        device_name: name.clone(),
        replaces,
        keep_id,
        signing_key: Some(signing_key),
    })
    .map_err(|e| SyncError::BadResponse(e.to_string()))?;
    let resp: EnrollResponse = transport.post(
        wire::ENROLL,
        &body,
        Repeat::OnlyIfNotSent,
        wire::MAX_RESPONSE_BYTES,
        &mut |_| {},
    )?;
    let seen = transport
        .seen_fingerprint()
        .ok_or_else(|| SyncError::BadResponse("no server certificate was seen".into()))?;
    let announced = resp.server_fingerprint.to_ascii_lowercase();
    if announced != seen {
        return Err(SyncError::PinMismatch {
            expected: announced,
            seen,
        });
    }
    let scope =
        serde_json::to_value(&resp.scope).map_err(|e| SyncError::BadResponse(e.to_string()))?;
    store.enroll(&NewEnrollment {
        server_url: target.url.clone(),
        token: DeviceToken::new(resp.token),
        server_fingerprint: seen.clone(),
        device_id: resp.device_id,
        device_name: name,
        member_id: resp.member.id,
        scope,
        org: resp.org,
        catalogue: resp.catalogue,
    })?;
    store.note_signing_key_registered()?;
    // The log it starts with, if it knew none (one it knew and the
    // server has lost: it sends its work again on the first sync).
    let log_id = resp.log_id.clone().or_else(|| transport.server_log_id());
    if let Some(log_id) = log_id
        && store.known_log_id()?.is_none()
    {
        store.check_server_log(&log_id, None)?;
    }
    // From its first answer on, the device knows how far its clock is off.
    if let Some(ms) = transport.server_time_ms().or(resp.server_time_ms) {
        store.note_server_time(ms)?;
    }
    Ok(EnrollOutcome {
        device_id: resp.device_id,
        member: resp.member,
        server_url: target.url.clone(),
        server_fingerprint: seen,
        pinned_from_payload: target.fingerprint.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pasted_payload_carries_address_code_and_fingerprint() {
        let fp = "AB:".repeat(31) + "AB";
        let text = format!("gocua-enroll:v1?url=https://192.0.2.1:8443/&code=K7M2-PQ9X&fp={fp}");
        let t = parse_target(&text, None).unwrap();
        assert_eq!(t.url, "https://192.0.2.1:8443");
        assert_eq!(t.code, "K7M2-PQ9X");
        assert_eq!(t.fingerprint, Some("ab".repeat(32)));
        assert!(parse_target(&text, Some("k7m2-pq9x")).is_ok());
        assert!(parse_target(&text, Some("OTHER")).is_err());
    }

    #[test]
    fn an_address_needs_a_code_and_https() {
        let t = parse_target(" https://gocua.local:8443 ", Some("ABCD")).unwrap();
        assert_eq!(t.url, "https://gocua.local:8443");
        assert_eq!(t.fingerprint, None);
        for (url, code) in [
            ("https://gocua.local:8443", None),
            ("http://gocua.local:8443", Some("ABCD")),
            ("gocua.local:8443", Some("ABCD")),
            ("https://gocua.local:8443", Some("  ")),
            ("gocua-enroll:v1?url=https://x&fp=zz&code=1", None),
        ] {
            let err = parse_target(url, code).unwrap_err();
            assert!(matches!(err, SyncError::InvalidTarget(_)), "{url}: {err}");
        }
    }
}
