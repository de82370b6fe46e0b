//! The device's sync client: enrollment with the commune server, then sync
//! rounds that refresh the organisation, push the store's outbox and pull
//! what changed in the device's scope. Blocking (one round at a time, run on
//! a worker thread by the app), over TLS pinned to the certificate learnt at
//! enrollment.
//!
//! - `enroll`: a one-time code (typed with the server's address, or scanned
//!   as an `EnrollmentPayload`) → the device's id, token, member, scope and
//!   the organisation, kept by `Store::enroll`.
//! - `sync`: one round; see `round` for its steps and guarantees.
//! - `transport`: HTTP requests with bounded retries and backoff.
//! - `relay_client`: a member's device and its team leader's relay (join,
//!   sync through it); `forward`: the leader's round forwarding its
//!   relay's held changes to the server.
//! - `refind`: a round's first contact; a server that moved (a new DHCP
//!   lease) is found again on the LAN by its pinned certificate.
//!
//! All state lives in the store; this module owns no SQL.

mod enroll;
mod error;
mod forward;
mod refind;
mod relay_client;
mod retry;
mod round;
mod signing;
mod transport;

pub use enroll::{EnrollOutcome, enroll, enroll_with, parse_target};
pub use error::SyncError;
pub use forward::ForwardReport;
pub use relay_client::{JoinOutcome, RelayRefusal, RelayReport, join_relay, sync_via_relay};
pub use retry::RetryPolicy;
pub use round::{Progress, SyncReport, sync};
pub use signing::signed_push;

use std::time::Duration;

/// How the client talks to the server. `Default` suits phones on Wi-Fi.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Longest a single request may take, body included.
    pub timeout: Duration,
    pub retry: RetryPolicy,
    /// Changes per pushed batch (at most `wire::MAX_PUSH_CHANGES`).
    pub push_batch: usize,
    /// Changes per pulled page (at most `wire::MAX_PULL_LIMIT`).
    pub pull_limit: u32,
    /// When the server does not answer at its stored address, how long to
    /// look for it on the LAN by its pinned certificate (`refind`); zero:
    /// not at all.
    pub rediscover_wait: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            push_batch: gocua_wire::MAX_PUSH_CHANGES,
            pull_limit: 1000,
            rediscover_wait: Duration::from_secs(4),
        }
    }
}
