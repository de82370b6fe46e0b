//! Hybrid logical clock. Phones' wall clocks are wrong by minutes or days, yet
//! "which edit came last" must be decided the same way on every device and on
//! the server. An HLC stays close to wall time but never goes backwards and
//! always moves past any timestamp it has seen; ties break on the device id so
//! no two devices ever produce equal stamps.

use crate::ids::DeviceId;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;
use uuid::Uuid;

/// How far ahead of our own clock a remote stamp may be before we refuse it:
/// a phone set a year ahead must not freeze everyone's edits behind its own.
pub const MAX_FUTURE_DRIFT_MS: u64 = 24 * 60 * 60 * 1000;

/// One timestamp. Field order matters: the derived ordering compares wall
/// time, then the counter, then the device id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Hlc {
    pub wall_ms: u64,
    pub counter: u32,
    pub device: DeviceId,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum HlcError {
    #[error("malformed clock stamp: {0}")]
    Malformed(String),
    #[error("clock stamp is {ahead_ms} ms ahead of this clock (limit {MAX_FUTURE_DRIFT_MS} ms)")]
    TooFarAhead { ahead_ms: u64 },
}

impl Hlc {
    /// Lowest stamp a device can hold; every real stamp sorts after it.
    pub fn zero(device: DeviceId) -> Self {
        Hlc {
            wall_ms: 0,
            counter: 0,
            device,
        }
    }
}

impl fmt::Display for Hlc {
    /// Fixed width, so that the text form sorts exactly like the value: SQL
    /// can compare stamps as strings.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:015}-{:08x}-{}",
            self.wall_ms,
            self.counter,
            self.device.0.simple()
        )
    }
}

impl FromStr for Hlc {
    type Err = HlcError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || HlcError::Malformed(s.chars().take(64).collect());
        let mut parts = s.split('-');
        let (Some(wall), Some(counter), Some(device), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        if wall.len() != 15 || counter.len() != 8 || device.len() != 32 {
            return Err(bad());
        }
        Ok(Hlc {
            wall_ms: wall.parse().map_err(|_| bad())?,
            counter: u32::from_str_radix(counter, 16).map_err(|_| bad())?,
            device: DeviceId(Uuid::parse_str(device).map_err(|_| bad())?),
        })
    }
}

impl From<Hlc> for String {
    fn from(h: Hlc) -> String {
        h.to_string()
    }
}

impl TryFrom<String> for Hlc {
    type Error = HlcError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// The clock of one device. The caller supplies wall time so this stays pure.
#[derive(Debug, Clone)]
pub struct HlcClock {
    device: DeviceId,
    last_wall_ms: u64,
    last_counter: u32,
}

impl HlcClock {
    pub fn new(device: DeviceId) -> Self {
        HlcClock {
            device,
            last_wall_ms: 0,
            last_counter: 0,
        }
    }

    /// Resume from the last stamp this device issued (persisted by the store).
    pub fn resume(last: Hlc) -> Self {
        HlcClock {
            device: last.device,
            last_wall_ms: last.wall_ms,
            last_counter: last.counter,
        }
    }

    pub fn device(&self) -> DeviceId {
        self.device
    }

    /// A new stamp for a local event, strictly after every stamp issued or seen.
    pub fn tick(&mut self, now_ms: u64) -> Hlc {
        if now_ms > self.last_wall_ms {
            self.last_wall_ms = now_ms;
            self.last_counter = 0;
        } else {
            self.bump_counter();
        }
        self.current()
    }

    /// Take in a stamp from elsewhere so our next stamps sort after it.
    /// Stamps too far ahead of our wall clock are refused, not adopted.
    pub fn observe(&mut self, remote: Hlc, now_ms: u64) -> Result<(), HlcError> {
        if remote.wall_ms > now_ms.saturating_add(MAX_FUTURE_DRIFT_MS) {
            return Err(HlcError::TooFarAhead {
                ahead_ms: remote.wall_ms - now_ms,
            });
        }
        let wall = self.last_wall_ms.max(remote.wall_ms).max(now_ms);
        if wall == self.last_wall_ms && wall == remote.wall_ms {
            self.last_counter = self.last_counter.max(remote.counter);
            self.bump_counter();
        } else if wall == self.last_wall_ms {
            self.bump_counter();
        } else if wall == remote.wall_ms {
            self.last_wall_ms = wall;
            self.last_counter = remote.counter;
            self.bump_counter();
        } else {
            self.last_wall_ms = wall;
            self.last_counter = 0;
        }
        Ok(())
    }

    /// Start again from `now_ms`, below stamps already issued. Only for a
    /// clock found running far past the server's time (`crate::skew`): the
    /// caller re-stamps the unsent changes stamped ahead, after this, so
    /// that nothing it still holds sorts after its new stamps wrongly.
    pub fn restart(&mut self, now_ms: u64) {
        self.last_wall_ms = now_ms;
        self.last_counter = 0;
    }

    /// The last stamp issued (what the store persists).
    pub fn current(&self) -> Hlc {
        Hlc {
            wall_ms: self.last_wall_ms,
            counter: self.last_counter,
            device: self.device,
        }
    }

    fn bump_counter(&mut self) {
        // The counter only overflows after 4 billion events in one millisecond;
        // moving wall time on by one keeps the order strict even then.
        match self.last_counter.checked_add(1) {
            Some(c) => self.last_counter = c,
            None => {
                self.last_wall_ms += 1;
                self.last_counter = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dev(n: u128) -> DeviceId {
        DeviceId(Uuid::from_u128(n))
    }

    #[test]
    fn text_form_round_trips_and_sorts_like_the_value() {
        let a = Hlc {
            wall_ms: 9,
            counter: 255,
            device: dev(1),
        };
        let b = Hlc {
            wall_ms: 10,
            counter: 0,
            device: dev(0),
        };
        assert!(a < b);
        assert!(a.to_string() < b.to_string());
        assert_eq!(a.to_string().parse::<Hlc>(), Ok(a));
    }

    #[test]
    fn malformed_stamps_are_refused() {
        for s in ["", "1-2-3", "000000000000001-00000000-zz", "x-y-z-w"] {
            assert!(s.parse::<Hlc>().is_err(), "{s}");
        }
    }

    #[test]
    fn clock_never_goes_backwards_when_wall_time_does() {
        let mut c = HlcClock::new(dev(1));
        let a = c.tick(1000);
        let b = c.tick(500);
        assert!(b > a);
        assert_eq!(b.wall_ms, 1000);
    }

    #[test]
    fn stamps_far_in_the_future_are_refused() {
        let mut c = HlcClock::new(dev(1));
        let remote = Hlc {
            wall_ms: 10 + MAX_FUTURE_DRIFT_MS + 1,
            counter: 0,
            device: dev(2),
        };
        assert!(matches!(
            c.observe(remote, 10),
            Err(HlcError::TooFarAhead { .. })
        ));
        assert_eq!(c.current().wall_ms, 0, "a refused stamp is not adopted");
    }

    proptest! {
        #[test]
        fn every_stamp_is_after_everything_seen(events in proptest::collection::vec((any::<bool>(), 0u64..5000, 0u64..5000, 0u32..4), 1..60)) {
            let mut c = HlcClock::new(dev(7));
            let mut highest: Option<Hlc> = None;
            for (local, now, remote_wall, remote_counter) in events {
                if local {
                    let s = c.tick(now);
                    if let Some(h) = highest { prop_assert!(s > h); }
                    highest = Some(s);
                } else {
                    let r = Hlc { wall_ms: remote_wall, counter: remote_counter, device: dev(3) };
                    c.observe(r, now).unwrap();
                    let s = c.tick(now);
                    prop_assert!(s > r);
                    if let Some(h) = highest { prop_assert!(s > h); }
                    highest = Some(s);
                }
            }
        }
    }
}
