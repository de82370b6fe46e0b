//! A member device's side: the leader's relay it joined (address, pinned
//! certificate, bearer token) and its relay pull cursor. Applying what it
//! pulls from the relay is `Store::apply_relay_pulled` (history module):
//! the server's cursor never moves for it.

use crate::{DeviceToken, Store, StoreError};
use rusqlite::{OptionalExtension, params};

/// The relay this device joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayLink {
    pub url: String,
    /// Lower-case hex SHA-256 of the relay's certificate.
    pub fingerprint: String,
    pub token: DeviceToken,
    /// The relay's order of the last change pulled from it.
    pub pull_cursor: i64,
}

impl Store {
    /// The relay this device joined, if any.
    pub fn relay_link(&self) -> Result<Option<RelayLink>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT url, fingerprint, token, pull_cursor FROM relay_link WHERE singleton = 1",
                [],
                |r| {
                    Ok(RelayLink {
                        url: r.get(0)?,
                        fingerprint: r.get(1)?,
                        token: DeviceToken::new(r.get::<_, String>(2)?),
                        pull_cursor: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    /// Keep the relay just joined (replacing any other), pulling from its
    /// start.
    pub fn set_relay_link(
        &mut self,
        url: &str,
        fingerprint: &str,
        token: &DeviceToken,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO relay_link (singleton, url, fingerprint, token, pull_cursor,
                                                joined_at)
             VALUES (1, ?1, ?2, ?3, 0, ?4)",
            params![
                url,
                fingerprint.to_ascii_lowercase(),
                token.expose(),
                chrono::Utc::now().to_rfc3339()
            ],
        )?;
        Ok(())
    }

    /// Forget the joined relay (the app's "Quên trạm này"): its address,
    /// pinned certificate, token and pull cursor. What was pulled through
    /// it stays applied; the outbox is untouched. True when there was one.
    pub fn forget_relay_link(&mut self) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .execute("DELETE FROM relay_link WHERE singleton = 1", [])?
            > 0)
    }
}
