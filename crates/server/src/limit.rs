//! Brute-force protection for enrollment codes and web passwords: a client
//! address (or a login) that gives too many wrong ones in a window is
//! refused for the rest of it. In memory:
//! a restart forgets, which only costs an attacker a restart they cannot
//! cause.
//!
//! A try takes its slot *before* the code or password is checked
//! (`try_take`), and counts as a failure unless it is given back
//! (`give_back`, after a success). Checking first and counting after the
//! slow check let 60 parallel wrong passwords all be checked against a
//! limit of 10: each saw the count before any other had added to it.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Addresses tracked at most; beyond it, the stalest are forgotten first.
const MAX_TRACKED: usize = 10_000;

pub struct FailureLimiter<K = IpAddr> {
    window: Duration,
    max_failures: usize,
    failures: Mutex<HashMap<K, VecDeque<Instant>>>,
}

/// A try in progress: counted as a failure from the moment it was taken
/// until it is given back. Dropping it keeps it counted (the safe side).
#[must_use = "a slot is a failure unless given back"]
#[derive(Debug)]
pub struct Slot<K> {
    key: K,
    at: Instant,
}

impl<K: Eq + Hash + Clone> FailureLimiter<K> {
    pub fn new(max_failures: usize, window: Duration) -> Self {
        FailureLimiter {
            window,
            max_failures,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Take a slot for one try by this address (or key), or None when its
    /// tries in the window (the failed ones and those still being checked)
    /// are at the limit already. Checking and counting are one step under
    /// the lock, so parallel tries cannot all slip under the limit.
    pub fn try_take(&self, key: K) -> Option<Slot<K>> {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_TRACKED && !map.contains_key(&key) {
            self.make_room(&mut map, now);
        }
        let times = map.entry(key.clone()).or_default();
        self.expire(times, now);
        if times.len() >= self.max_failures {
            return None;
        }
        times.push_back(now);
        Some(Slot { key, at: now })
    }

    /// The try succeeded (or never reached the check): it no longer counts.
    pub fn give_back(&self, slot: Slot<K>) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(times) = map.get_mut(&slot.key)
            && let Some(i) = times.iter().rposition(|t| *t == slot.at)
        {
            times.remove(i);
            if times.is_empty() {
                map.remove(&slot.key);
            }
        }
    }

    fn make_room(&self, map: &mut HashMap<K, VecDeque<Instant>>, now: Instant) {
        map.retain(|_, times| {
            times
                .back()
                .is_some_and(|t| now.duration_since(*t) < self.window)
        });
        if map.len() >= MAX_TRACKED {
            // Still full of live entries: drop the one idle longest.
            let stalest = map
                .iter()
                .min_by_key(|(_, times)| times.back().copied())
                .map(|(k, _)| k.clone());
            if let Some(old) = stalest {
                map.remove(&old);
            }
        }
    }

    fn expire(&self, times: &mut VecDeque<Instant>, now: Instant) {
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            times.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn too_many_failures_block_that_address_only_until_the_window_passes() {
        let l = FailureLimiter::new(3, Duration::from_millis(200));
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        for _ in 0..3 {
            let _kept = l.try_take(a).expect("under the limit");
        }
        assert!(l.try_take(a).is_none());
        assert!(l.try_take(b).is_some());
        std::thread::sleep(Duration::from_millis(250));
        assert!(l.try_take(a).is_some());
    }

    #[test]
    fn a_slot_is_taken_before_the_check_and_a_success_gives_it_back() {
        let l = FailureLimiter::new(3, Duration::from_secs(60));
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        // Three tries still being checked fill the limit: a fourth waits.
        let slots: Vec<_> = (0..3).map(|_| l.try_take(a).unwrap()).collect();
        assert!(l.try_take(a).is_none());
        // One of them turns out right: its slot frees one try.
        let mut slots = slots.into_iter();
        l.give_back(slots.next().unwrap());
        let again = l.try_take(a).expect("the success gave its slot back");
        assert!(l.try_take(a).is_none());
        l.give_back(again);
        // Giving back is exact: the other two still count.
        assert!(l.try_take(a).is_some());
        assert!(l.try_take(a).is_none());
    }

    #[test]
    fn of_many_parallel_tries_at_most_the_limit_get_a_slot() {
        let l = Arc::new(FailureLimiter::new(10, Duration::from_secs(60)));
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let taken: usize = std::thread::scope(|s| {
            let handles: Vec<_> = (0..100)
                .map(|_| {
                    let l = l.clone();
                    s.spawn(move || {
                        let slot = l.try_take(a);
                        // The slow check happens while the slot is held.
                        std::thread::sleep(Duration::from_millis(20));
                        slot.is_some()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap())
                .filter(|t| *t)
                .count()
        });
        assert_eq!(taken, 10);
    }
}
