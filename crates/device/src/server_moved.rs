//! The enrolled server's address, changed when the sync client found the
//! server again on the LAN at another address (a new DHCP lease) and it
//! answered there with the pinned certificate (`gocua_sync::client`).
//! The pin itself never changes here.

use crate::{Store, StoreError};
use rusqlite::params;

impl Store {
    /// Keep `url` as the server's address, if this device is enrolled with
    /// the server whose certificate is `fingerprint`. Returns whether the
    /// address changed.
    pub fn note_server_moved(&mut self, url: &str, fingerprint: &str) -> Result<bool, StoreError> {
        let Some(enrollment) = self.enrollment()? else {
            return Err(StoreError::NotEnrolled);
        };
        if !enrollment
            .server_fingerprint
            .eq_ignore_ascii_case(fingerprint)
            || enrollment.server_url == url
        {
            return Ok(false);
        }
        let n = self.conn.execute(
            "UPDATE enrollment SET server_url = ?1
             WHERE singleton = 1 AND lower(server_fingerprint) = lower(?2)",
            params![url, fingerprint],
        )?;
        Ok(n == 1)
    }
}
