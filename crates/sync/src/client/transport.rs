//! One HTTP exchange with the server, tried again when that is safe.
//!
//! Retried (bounded, with backoff): connection failures, timeouts, a
//! connection cut mid-request or mid-response, and 5xx answers — but only
//! for requests that are safe to repeat (pull, org, push: the server takes a
//! change once by its id). Never retried: any 4xx, a certificate that does
//! not match the pin, and a complete answer that does not parse. A request
//! that is not safe to repeat (enrollment spends a one-time code) is retried
//! only when it never reached the server.
//!
//! Every answer is read with a size cap given by the caller (a pull page's
//! follows from its limit: `wire::max_pull_response_bytes`): a declared
//! length over the cap is refused before reading, and a body without one
//! (or compressed) is cut one byte past it, so a broken or hostile server
//! cannot make the device hold more than the protocol allows.

use super::error::SyncError;
use super::retry::{RetryPolicy, jitter};
use crate::tls::{Pin, SeenFingerprint, pinned_http_client};
use gocua_device::DeviceToken;
use gocua_wire::ErrorBody;
use reqwest::Method;
use reqwest::StatusCode;
use reqwest::blocking::{Client, Response};
use serde::de::DeserializeOwned;
use std::cell::{Cell, RefCell};
use std::io::Read;
use std::time::{Duration, Instant};

/// Whether repeating a request can do harm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Repeat {
    Safe,
    OnlyIfNotSent,
}

/// Reported before each wait between two tries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RetryNotice {
    /// The try that failed (1 = the first).
    pub failed: u32,
    pub attempts: u32,
    pub wait: Duration,
    /// What went wrong, in technical words.
    pub reason: String,
}

pub(crate) struct Transport {
    http: Client,
    base: String,
    pin: Pin,
    seen: SeenFingerprint,
    token: Option<DeviceToken>,
    retry: RetryPolicy,
    /// The server's clock in its last answer (`wire::SERVER_TIME_HEADER`),
    /// and when that answer came.
    server_time: Cell<Option<(i64, Instant)>>,
    /// The change log identity in the server's last answer
    /// (`wire::LOG_ID_HEADER`).
    server_log: RefCell<Option<String>>,
    /// The identity this device says it has sent all its work to, sent in
    /// the same header with each request.
    declared_log: RefCell<Option<String>>,
}

/// One request, as tried (perhaps several times).
struct Request<'a> {
    method: Method,
    path: &'a str,
    body: Option<&'a [u8]>,
    repeat: Repeat,
    /// The largest answer read.
    max_bytes: usize,
}

/// The body, or None when it is longer than `max` bytes (by its declared
/// length, or by what arrives: at most `max` + 1 bytes are read).
fn read_capped(resp: Response, max: usize) -> std::io::Result<Option<Vec<u8>>> {
    let max = u64::try_from(max).unwrap_or(u64::MAX);
    if resp.content_length().is_some_and(|n| n > max) {
        return Ok(None);
    }
    let mut body = Vec::new();
    resp.take(max.saturating_add(1)).read_to_end(&mut body)?;
    Ok((body.len() as u64 <= max).then_some(body))
}

/// The result of one try.
enum Try<T> {
    Done(T),
    Again(SyncError),
}

impl Transport {
    pub(crate) fn new(
        base: &str,
        pin: Pin,
        token: Option<DeviceToken>,
        timeout: Duration,
        retry: RetryPolicy,
    ) -> Result<Transport, SyncError> {
        let (http, seen) = pinned_http_client(pin.clone(), timeout)?;
        Ok(Transport {
            http,
            base: base.trim_end_matches('/').to_string(),
            pin,
            seen,
            token,
            retry,
            server_time: Cell::new(None),
            server_log: RefCell::new(None),
            declared_log: RefCell::new(None),
        })
    }

    /// The server's clock now, as its last answer told (None: no answer
    /// said yet).
    pub(crate) fn server_time_ms(&self) -> Option<i64> {
        let (at, when) = self.server_time.get()?;
        let since = i64::try_from(when.elapsed().as_millis()).unwrap_or(i64::MAX);
        Some(at.saturating_add(since))
    }

    /// The change log identity the server's last answer carried.
    pub(crate) fn server_log_id(&self) -> Option<String> {
        self.server_log.borrow().clone()
    }

    /// Say with each request from now on that this device has sent all
    /// its work to the log `log_id`.
    pub(crate) fn declare_log_id(&self, log_id: Option<String>) {
        *self.declared_log.borrow_mut() = log_id;
    }

    /// The fingerprint of the last server certificate seen, lower-case.
    pub(crate) fn seen_fingerprint(&self) -> Option<String> {
        self.seen
            .lock()
            .ok()
            .and_then(|s| s.clone())
            .map(|s| s.to_ascii_lowercase())
    }

    /// GET `path`, reading at most `max_bytes` of the answer.
    pub(crate) fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        max_bytes: usize,
        on_retry: &mut dyn FnMut(RetryNotice),
    ) -> Result<T, SyncError> {
        let req = Request {
            method: Method::GET,
            path,
            body: None,
            repeat: Repeat::Safe,
            max_bytes,
        };
        self.call(&req, on_retry)
    }

    /// POST `body` to `path`, reading at most `max_bytes` of the answer.
    pub(crate) fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &[u8],
        repeat: Repeat,
        max_bytes: usize,
        on_retry: &mut dyn FnMut(RetryNotice),
    ) -> Result<T, SyncError> {
        let req = Request {
            method: Method::POST,
            path,
            body: Some(body),
            repeat,
            max_bytes,
        };
        self.call(&req, on_retry)
    }

    fn call<T: DeserializeOwned>(
        &self,
        req: &Request<'_>,
        on_retry: &mut dyn FnMut(RetryNotice),
    ) -> Result<T, SyncError> {
        let url = format!("{}{}", self.base, req.path);
        let attempts = self.retry.attempts();
        let mut failed = 0;
        loop {
            let err = match self.try_once(req, &url, failed + 1) {
                Ok(Try::Done(v)) => return Ok(v),
                Ok(Try::Again(e)) => e,
                Err(e) => return Err(e),
            };
            failed += 1;
            if failed >= attempts {
                return Err(err);
            }
            let wait = self.retry.delay(failed, jitter());
            on_retry(RetryNotice {
                failed,
                attempts,
                wait,
                reason: err.to_string(),
            });
            std::thread::sleep(wait);
        }
    }

    /// One try: `Ok(Again)` when it may be tried again, `Err` when not.
    fn try_once<T: DeserializeOwned>(
        &self,
        r: &Request<'_>,
        url: &str,
        attempt: u32,
    ) -> Result<Try<T>, SyncError> {
        let repeat = r.repeat;
        let mut req = self.http.request(r.method.clone(), url);
        if let Some(token) = &self.token {
            req = req.bearer_auth(token.expose());
        }
        if let Some(log) = self.declared_log.borrow().as_deref() {
            req = req.header(gocua_wire::LOG_ID_HEADER, log);
        }
        if let Some(body) = r.body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.to_vec());
        }
        let unreachable =
            |source: Box<dyn std::error::Error + Send + Sync>| SyncError::Unreachable {
                attempts: attempt,
                source,
            };
        let resp = match req.send() {
            Ok(r) => r,
            Err(e) => {
                if let Some(mismatch) = self.pin_mismatch() {
                    return Err(mismatch);
                }
                let retryable = !e.is_builder()
                    && !e.is_redirect()
                    && (repeat == Repeat::Safe || e.is_connect());
                let err = unreachable(Box::new(e));
                return if retryable {
                    Ok(Try::Again(err))
                } else {
                    Err(err)
                };
            }
        };
        let status = resp.status();
        let server_time = resp
            .headers()
            .get(gocua_wire::SERVER_TIME_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<i64>().ok());
        if let Some(ms) = server_time {
            self.server_time.set(Some((ms, Instant::now())));
        }
        let log = resp
            .headers()
            .get(gocua_wire::LOG_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty() && v.len() <= 64);
        if let Some(log) = log {
            *self.server_log.borrow_mut() = Some(log.to_string());
        }
        // Read the whole body first: a connection cut mid-response fails
        // here. The request was sent, so only a safe one is tried again.
        let bytes = match read_capped(resp, r.max_bytes) {
            Ok(Some(b)) => b,
            Ok(None) => {
                return Err(SyncError::ResponseTooLarge {
                    path: r.path.to_string(),
                    limit: r.max_bytes,
                });
            }
            Err(e) if repeat == Repeat::Safe => return Ok(Try::Again(unreachable(Box::new(e)))),
            Err(e) => return Err(unreachable(Box::new(e))),
        };
        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .map(Try::Done)
                .map_err(|e| SyncError::BadResponse(format!("{url}: {e}")));
        }
        let body: Option<ErrorBody> = serde_json::from_slice(&bytes).ok();
        let (code, message) = body.map(|b| (b.code, b.message)).unwrap_or_default();
        if status == StatusCode::UNAUTHORIZED {
            return Err(SyncError::Unauthorized);
        }
        if status.is_server_error() {
            let err = SyncError::ServerFailed {
                status: status.as_u16(),
                attempts: attempt,
                code,
                message,
            };
            return if repeat == Repeat::Safe {
                Ok(Try::Again(err))
            } else {
                Err(err)
            };
        }
        if status.is_client_error() {
            return Err(SyncError::Refused {
                status: status.as_u16(),
                code,
                message,
            });
        }
        Err(SyncError::BadResponse(format!(
            "{url}: unexpected HTTP status {status}"
        )))
    }

    /// The handshake failed because the certificate is not the pinned one.
    fn pin_mismatch(&self) -> Option<SyncError> {
        let Pin::Fingerprint(expected) = &self.pin else {
            return None;
        };
        let seen = self.seen_fingerprint()?;
        (!seen.eq_ignore_ascii_case(expected)).then(|| SyncError::PinMismatch {
            expected: expected.to_ascii_lowercase(),
            seen,
        })
    }
}
