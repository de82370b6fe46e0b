//! Brute-force protection for enrollment codes and web passwords: a client
//! address (or a login) that gives too many wrong ones in a window is
//! refused for the rest of it. In memory:
//! a restart forgets, which only costs an attacker a restart they cannot
//! cause.

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

impl<K: Eq + Hash + Clone> FailureLimiter<K> {
    pub fn new(max_failures: usize, window: Duration) -> Self {
        FailureLimiter {
            window,
            max_failures,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Whether this address (or key) may try again now.
    pub fn allows(&self, ip: K) -> bool {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        match map.get_mut(&ip) {
            None => true,
            Some(times) => {
                self.expire(times, now);
                times.len() < self.max_failures
            }
        }
    }

    pub fn record_failure(&self, ip: K) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_TRACKED && !map.contains_key(&ip) {
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
                    .map(|(ip, _)| ip.clone());
                if let Some(old) = stalest {
                    map.remove(&old);
                }
            }
        }
        let times = map.entry(ip).or_default();
        self.expire(times, now);
        times.push_back(now);
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

    #[test]
    fn too_many_failures_block_that_address_only_until_the_window_passes() {
        let l = FailureLimiter::new(3, Duration::from_millis(200));
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        for _ in 0..3 {
            assert!(l.allows(a));
            l.record_failure(a);
        }
        assert!(!l.allows(a));
        assert!(l.allows(b));
        std::thread::sleep(Duration::from_millis(250));
        assert!(l.allows(a));
    }
}
