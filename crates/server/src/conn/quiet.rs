//! Log lines an attacker cannot flood: each kind of refusal or timeout
//! logs at most one line per period, saying how many like it went
//! unlogged since the last.

use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One line per kind per this long at most.
const PERIOD: Duration = Duration::from_secs(10);

/// What bit: the kinds of line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bite {
    /// The connections open from one address were at their cap.
    AddressCap,
    /// The connections open in all were at their cap.
    TotalCap,
    HandshakeTimeout,
    HeaderTimeout,
    IdleTimeout,
    RequestTimeout,
    /// The listener could not accept (out of file descriptors, mostly).
    AcceptFailed,
    /// A sign-in refused: too many wrong passwords (`crate::limit`).
    SignInLimited,
    /// An enrollment refused: too many wrong codes (`crate::limit`).
    EnrollLimited,
}

const KINDS: usize = 9;

impl Bite {
    fn index(self) -> usize {
        self as usize
    }

    pub fn code(self) -> &'static str {
        match self {
            Bite::AddressCap => "address_cap",
            Bite::TotalCap => "total_cap",
            Bite::HandshakeTimeout => "handshake_timeout",
            Bite::HeaderTimeout => "header_timeout",
            Bite::IdleTimeout => "idle_timeout",
            Bite::RequestTimeout => "request_timeout",
            Bite::AcceptFailed => "accept_failed",
            Bite::SignInLimited => "sign_in_limited",
            Bite::EnrollLimited => "enroll_limited",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Bite::AddressCap => "connection refused: too many open from this address",
            Bite::TotalCap => "connection refused: too many open in all",
            Bite::HandshakeTimeout => "connection closed: TLS handshake too slow",
            Bite::HeaderTimeout => "connection closed: request header too slow",
            Bite::IdleTimeout => "connection closed: silent too long",
            Bite::RequestTimeout => "request stopped: took too long",
            Bite::AcceptFailed => "could not accept a connection",
            Bite::SignInLimited => "sign-in refused: too many wrong passwords",
            Bite::EnrollLimited => "enrollment refused: too many wrong codes",
        }
    }
}

struct Kind {
    last: Option<Instant>,
    held: u64,
}

/// The last line's time and the lines held back since, per kind.
pub struct Quiet {
    kinds: Mutex<[Kind; KINDS]>,
}

/// The server's: one for the whole process, so that lines are limited
/// whichever part logs them.
static QUIET: Quiet = Quiet::new();

/// A warning for `bite`, unless one was logged in the last period.
pub fn warn(bite: Bite, peer: Option<IpAddr>, detail: &str) {
    QUIET.warn(bite, peer, detail);
}

impl Quiet {
    const fn new() -> Quiet {
        Quiet {
            kinds: Mutex::new(
                [const {
                    Kind {
                        last: None,
                        held: 0,
                    }
                }; KINDS],
            ),
        }
    }

    /// Whether to log now; if so, how many went unlogged since the last.
    fn pass(&self, bite: Bite) -> Option<u64> {
        let now = Instant::now();
        // Each update is a few plain assignments: sound after a panic.
        let mut kinds = self.kinds.lock().unwrap_or_else(|e| e.into_inner());
        let k = &mut kinds[bite.index()];
        match k.last {
            Some(t) if now.duration_since(t) < PERIOD => {
                k.held += 1;
                None
            }
            _ => {
                k.last = Some(now);
                Some(std::mem::take(&mut k.held))
            }
        }
    }

    /// A warning for `bite`, unless one was logged in the last period.
    fn warn(&self, bite: Bite, peer: Option<IpAddr>, detail: &str) {
        let Some(unlogged) = self.pass(bite) else {
            return;
        };
        let peer = peer.map_or_else(|| "-".to_string(), |ip| ip.to_string());
        tracing::warn!(
            kind = bite.code(),
            %peer,
            unlogged,
            detail,
            "{} (at most one such line per {} s; `unlogged` like it since the last)",
            bite.what(),
            PERIOD.as_secs()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_kind_per_period_and_the_rest_counted() {
        let q = Quiet::new();
        assert_eq!(q.pass(Bite::HeaderTimeout), Some(0));
        for _ in 0..1000 {
            assert_eq!(q.pass(Bite::HeaderTimeout), None);
        }
        // Another kind has its own line.
        assert_eq!(q.pass(Bite::TotalCap), Some(0));
        // After the period, the next line says how many were held back.
        {
            let mut kinds = q.kinds.lock().unwrap();
            kinds[Bite::HeaderTimeout.index()].last = Instant::now().checked_sub(PERIOD);
        }
        assert_eq!(q.pass(Bite::HeaderTimeout), Some(1000));
    }
}
