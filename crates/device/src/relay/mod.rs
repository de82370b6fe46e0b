//! The team leader's device as a relay for its team (issue 18; the HTTPS
//! side is `gocua-relay`'s), and a member device's link to its leader's
//! relay (`link.rs`). What this module keeps, all in the encrypted file:
//!
//! - the relay's TLS certificate and key, made once (`identity`);
//! - one-time pairing codes and paired members' devices, codes and tokens
//!   kept only hashed (the caller hashes; this module never sees a secret
//!   it would have to hide);
//! - members' changes held to forward (`held.rs`): someone else's work,
//!   never in the leader's outbox, records or figures, never edited (a
//!   trigger refuses it), only the server's result added;
//! - a copy of what the leader pulls from the server, for members to pull
//!   (`pulled.rs`).
//!
//! It decides nothing about who may pair or what a member may see: the
//! relay crate checks the leader's `team_devices` and signatures, and asks
//! for the villages it serves.

mod held;
mod link;
mod pulled;

pub use held::{HeldChange, RelayedResult};
pub use link::RelayLink;
pub use pulled::RelayPage;
pub(crate) use pulled::keep_pulled;

use crate::{Store, StoreError, rows};
use chrono::{DateTime, Utc};
use gocua_core::{DeviceId, MemberId};
use rusqlite::{OptionalExtension, params};

/// The relay's certificate and key (DER), made once and kept.
#[derive(Clone, PartialEq, Eq)]
pub struct RelayIdentity {
    pub cert_der: Vec<u8>,
    pub key_der: Vec<u8>,
    /// Lower-case hex SHA-256 of the certificate, as members pin it.
    pub fingerprint: String,
    /// Where the relay last served (`https://HOST:PORT`), if it has.
    pub url: Option<String>,
}

impl std::fmt::Debug for RelayIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelayIdentity")
            .field("fingerprint", &self.fingerprint)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// A member's device paired with this relay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayMember {
    pub device_id: DeviceId,
    pub member_id: MemberId,
    /// The device's public signing key (hex), as the server listed it.
    pub signing_key: String,
}

fn now() -> String {
    Utc::now().to_rfc3339()
}

impl Store {
    /// The relay's certificate, if this device has been made a relay.
    pub fn relay_identity(&self) -> Result<Option<RelayIdentity>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT cert_der, key_der, fingerprint, url FROM relay_identity
                 WHERE singleton = 1",
                [],
                |r| {
                    Ok(RelayIdentity {
                        cert_der: r.get(0)?,
                        key_der: r.get(1)?,
                        fingerprint: r.get(2)?,
                        url: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    /// Keep a newly made certificate, unless one is kept already: the
    /// kept one is returned either way (members pinned it).
    pub fn keep_relay_identity(
        &mut self,
        cert_der: &[u8],
        key_der: &[u8],
        fingerprint: &str,
    ) -> Result<RelayIdentity, StoreError> {
        self.conn.execute(
            "INSERT OR IGNORE INTO relay_identity (singleton, cert_der, key_der, fingerprint,
                                                   created_at)
             VALUES (1, ?1, ?2, ?3, ?4)",
            params![cert_der, key_der, fingerprint.to_ascii_lowercase(), now()],
        )?;
        self.relay_identity()?
            .ok_or_else(|| StoreError::Corrupt("relay identity not kept".into()))
    }

    /// Note where the relay serves, for the pairing text.
    pub fn note_relay_url(&mut self, url: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE relay_identity SET url = ?1 WHERE singleton = 1",
            params![url],
        )?;
        Ok(())
    }

    /// Keep a new pairing code (its hash) until `expires_at`; codes gone
    /// stale are dropped on the way.
    pub fn add_relay_code(
        &mut self,
        code_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "DELETE FROM relay_codes WHERE expires_at < ?1",
            params![now()],
        )?;
        tx.execute(
            "INSERT INTO relay_codes (code_hash, expires_at) VALUES (?1, ?2)",
            params![code_hash, expires_at.to_rfc3339()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Whether a pairing code (its hash) is known, unspent and not expired.
    pub fn relay_code_usable(&self, code_hash: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT 1 FROM relay_codes
                 WHERE code_hash = ?1 AND spent_at IS NULL AND expires_at >= ?2",
            )?
            .exists(params![code_hash, now()])?)
    }

    /// Spend the code and pair the device, with the hash of its new token,
    /// in one transaction. False (nothing done) when the code is not usable
    /// any more (spent meanwhile, expired, unknown).
    pub fn relay_pair(
        &mut self,
        code_hash: &str,
        member: &RelayMember,
        token_hash: &str,
    ) -> Result<bool, StoreError> {
        let tx = self.conn.transaction()?;
        let at = now();
        let spent = tx.execute(
            "UPDATE relay_codes SET spent_at = ?2
             WHERE code_hash = ?1 AND spent_at IS NULL AND expires_at >= ?2",
            params![code_hash, at],
        )?;
        if spent != 1 {
            return Ok(false);
        }
        tx.execute(
            "INSERT OR REPLACE INTO relay_members (device_id, member_id, signing_key,
                                                   token_hash, paired_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                member.device_id.to_string(),
                member.member_id.to_string(),
                member.signing_key,
                token_hash,
                at
            ],
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// The paired device whose token has this hash.
    pub fn relay_member_by_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<RelayMember>, StoreError> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT device_id, member_id, signing_key FROM relay_members
                 WHERE token_hash = ?1",
            )?
            .query_row(params![token_hash], |r| {
                Ok(RelayMember {
                    device_id: rows::col(r, 0)?,
                    member_id: rows::col(r, 1)?,
                    signing_key: r.get(2)?,
                })
            })
            .optional()?)
    }

    /// Every paired device.
    pub fn relay_members(&self) -> Result<Vec<RelayMember>, StoreError> {
        let mut stmt = self.conn().prepare(
            "SELECT device_id, member_id, signing_key FROM relay_members ORDER BY paired_at",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(RelayMember {
                device_id: rows::col(r, 0)?,
                member_id: rows::col(r, 1)?,
                signing_key: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
