//! Slowing down wrong PINs. The count of failures in a row and the time
//! before which no PIN is tried are kept in a small file in the app's data
//! folder, so restarting the app does not reset them. From the third wrong
//! PIN on, each one makes the next wait longer, up to 15 minutes.

use crate::error::ApiError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Attempts {
    failures: u32,
    /// Milliseconds since the epoch before which no PIN is tried.
    wait_until_ms: i64,
}

/// Wrong PINs allowed without any wait.
const FREE_TRIES: u32 = 2;
const MAX_WAIT_SECS: i64 = 15 * 60;

/// The wait after `failures` wrong PINs in a row: 0, 0, 30 s, 60 s, 2 min …
pub fn wait_after(failures: u32) -> i64 {
    if failures <= FREE_TRIES {
        return 0;
    }
    let doublings = (failures - FREE_TRIES - 1).min(10);
    (30i64 << doublings).min(MAX_WAIT_SECS)
}

pub struct PinGuard {
    path: PathBuf,
}

impl PinGuard {
    pub fn new(path: &Path) -> Self {
        PinGuard {
            path: path.to_path_buf(),
        }
    }

    fn load(&self) -> Attempts {
        std::fs::read(&self.path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    fn save(&self, a: Attempts) -> Result<(), ApiError> {
        let tmp = self.path.with_extension("tmp");
        let body = serde_json::to_vec(&a).map_err(ApiError::internal)?;
        std::fs::write(&tmp, body).map_err(ApiError::io)?;
        std::fs::rename(&tmp, &self.path).map_err(ApiError::io)
    }

    /// Seconds to wait before a PIN may be tried (0: now).
    pub fn wait_seconds(&self, now_ms: i64) -> u64 {
        let left = self.load().wait_until_ms - now_ms;
        if left <= 0 {
            0
        } else {
            (left as u64).div_ceil(1000)
        }
    }

    /// Refuse a try while a wait is running.
    pub fn check(&self, now_ms: i64) -> Result<(), ApiError> {
        match self.wait_seconds(now_ms) {
            0 => Ok(()),
            s => Err(wait_error(s)),
        }
    }

    /// A wrong PIN: count it, and say how long to wait now.
    pub fn failed(&self, now_ms: i64) -> Result<ApiError, ApiError> {
        let mut a = self.load();
        a.failures = a.failures.saturating_add(1);
        let wait = wait_after(a.failures);
        a.wait_until_ms = now_ms + wait * 1000;
        self.save(a)?;
        Ok(if wait == 0 {
            ApiError::new(
                "wrong_pin",
                format!(
                    "Sai mã PIN (lần {}). Sau {} lần sai, mỗi lần thử phải chờ lâu hơn.",
                    a.failures, FREE_TRIES
                ),
            )
        } else {
            wait_error(wait as u64)
        })
    }

    /// The right PIN: start counting afresh.
    pub fn succeeded(&self) -> Result<(), ApiError> {
        if self.load() != Attempts::default() {
            self.save(Attempts::default())?;
        }
        Ok(())
    }
}

fn wait_error(seconds: u64) -> ApiError {
    let when = if seconds >= 120 {
        format!("{} phút", seconds.div_ceil(60))
    } else {
        format!("{seconds} giây")
    };
    ApiError::new(
        "pin_wait",
        format!("Sai mã PIN nhiều lần. Hãy chờ {when} rồi thử lại."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_and_are_capped() {
        assert_eq!(wait_after(1), 0);
        assert_eq!(wait_after(2), 0);
        assert_eq!(wait_after(3), 30);
        assert_eq!(wait_after(4), 60);
        assert_eq!(wait_after(5), 120);
        assert_eq!(wait_after(50), MAX_WAIT_SECS);
    }

    #[test]
    fn failures_survive_a_restart_and_a_success_clears_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pin_attempts.json");
        let t0 = 1_000_000;
        let g = PinGuard::new(&path);
        assert_eq!(g.failed(t0).unwrap().code, "wrong_pin");
        assert_eq!(g.failed(t0).unwrap().code, "wrong_pin");
        let e = g.failed(t0).unwrap();
        assert_eq!(e.code, "pin_wait");
        assert!(e.message.contains("30 giây"), "{}", e.message);
        // A new guard on the same file (the app restarted) still waits.
        let g = PinGuard::new(&path);
        assert_eq!(g.check(t0 + 10_000).unwrap_err().code, "pin_wait");
        assert_eq!(g.wait_seconds(t0 + 10_000), 20);
        assert!(g.check(t0 + 30_000).is_ok());
        g.succeeded().unwrap();
        assert_eq!(g.failed(t0).unwrap().code, "wrong_pin");
    }
}
