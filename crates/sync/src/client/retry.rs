//! When to try a request again and how long to wait: a bounded number of
//! attempts, exponential backoff with a cap, and jitter so that a room full
//! of phones reconnecting together does not hammer the server in step.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, the first included (at least 1).
    pub attempts: u32,
    /// Wait after the first failure; doubled after each next one.
    pub base_delay: Duration,
    /// Longest wait between two tries.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
        }
    }
}

impl RetryPolicy {
    /// The wait after `failures` failed tries (1 = after the first), for a
    /// jitter draw in [0, 1): between half and all of the capped backoff.
    pub fn delay(&self, failures: u32, jitter: f64) -> Duration {
        let doublings = failures.saturating_sub(1).min(30);
        let backoff = self
            .base_delay
            .saturating_mul(1u32 << doublings)
            .min(self.max_delay);
        backoff.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
    }

    pub(crate) fn attempts(&self) -> u32 {
        self.attempts.max(1)
    }
}

/// A jitter draw in [0, 1) from the clock's nanoseconds: enough to spread
/// devices apart, no random source needed.
pub(crate) fn jitter() -> f64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    // Mix the bits so consecutive calls do not draw close values.
    let mixed = nanos.wrapping_mul(2_654_435_761) % 1_000_000;
    f64::from(mixed) / 1_000_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = RetryPolicy::default();
        let full = |n| p.delay(n, 1.0);
        assert_eq!(full(1), Duration::from_millis(500));
        assert_eq!(p.delay(1, 0.0), Duration::from_millis(250));
        assert_eq!(full(2), Duration::from_secs(1));
        assert_eq!(full(4), Duration::from_secs(4));
        assert_eq!(full(5), Duration::from_secs(8));
        assert_eq!(full(6), Duration::from_secs(8), "capped");
        assert_eq!(full(u32::MAX), Duration::from_secs(8), "no overflow");
    }

    #[test]
    fn jitter_stays_in_range() {
        for _ in 0..100 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j));
        }
        let p = RetryPolicy::default();
        for n in 1..10 {
            let d = p.delay(n, jitter());
            assert!(d <= p.max_delay && d >= p.base_delay / 2);
        }
    }

    #[test]
    fn at_least_one_attempt() {
        let p = RetryPolicy {
            attempts: 0,
            ..RetryPolicy::default()
        };
        assert_eq!(p.attempts(), 1);
    }
}
