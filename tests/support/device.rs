//! Devices in tests against the real server: client options that retry
//! quickly (cut connections and restarts are part of the tests, waiting
//! seconds for each is not).
#![allow(dead_code)] // each test crate uses its own part

use gocua_sync::client::{ClientOptions, RetryPolicy};
use std::time::Duration;

/// Generous timeouts, six quick tries.
pub fn options() -> ClientOptions {
    ClientOptions {
        timeout: Duration::from_secs(20),
        retry: RetryPolicy {
            attempts: 6,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
        },
        ..ClientOptions::default()
    }
}
