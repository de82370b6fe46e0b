//! This device's signing key and, on a team leader's device, its team's
//! public keys (`gocua_signing`; why changes are signed: docs/security.md).
//! The key is made the first time it is asked for, so a file from before
//! signing gets one on its next sync; `registered` says whether the server
//! has its public half.

use crate::{Store, StoreError};
use gocua_core::{DeviceId, MemberId};
use gocua_signing::SigningKey;
use rusqlite::{OptionalExtension, params};

/// A team member's device and its public key (hex), as the server sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamDeviceKey {
    pub device_id: DeviceId,
    pub member_id: MemberId,
    pub signing_key: String,
}

impl Store {
    /// This device's signing key; made and kept now if it has none.
    pub fn signing_key(&mut self) -> Result<SigningKey, StoreError> {
        let tx = self.conn.transaction()?;
        let seed: Option<Vec<u8>> = tx
            .query_row(
                "SELECT seed FROM signing_key WHERE singleton = 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let key = match seed {
            Some(seed) => {
                let seed: [u8; 32] = seed
                    .try_into()
                    .map_err(|_| StoreError::Corrupt("signing key".into()))?;
                SigningKey::from_seed(seed).map_err(|e| StoreError::Corrupt(e.to_string()))?
            }
            None => {
                let key = SigningKey::generate().map_err(|e| StoreError::Corrupt(e.to_string()))?;
                tx.execute(
                    "INSERT INTO signing_key (singleton, seed) VALUES (1, ?1)",
                    params![key.seed().as_slice()],
                )?;
                key
            }
        };
        tx.commit()?;
        Ok(key)
    }

    /// Whether the server has this device's public key.
    pub fn signing_key_registered(&self) -> Result<bool, StoreError> {
        let registered: Option<bool> = self
            .conn()
            .query_row(
                "SELECT registered FROM signing_key WHERE singleton = 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        Ok(registered.unwrap_or(false))
    }

    /// The server took this device's public key (at enrollment, or when
    /// registered on a sync).
    pub fn note_signing_key_registered(&mut self) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE signing_key SET registered = 1 WHERE singleton = 1",
            [],
        )?;
        Ok(())
    }

    /// Replace the team's device keys with those the server sent.
    pub fn set_team_devices(&mut self, devices: &[TeamDeviceKey]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM team_devices", [])?;
        {
            let mut insert = tx.prepare(
                "INSERT OR REPLACE INTO team_devices (device_id, member_id, signing_key)
                 VALUES (?1, ?2, ?3)",
            )?;
            for d in devices {
                insert.execute(params![
                    d.device_id.to_string(),
                    d.member_id.to_string(),
                    d.signing_key
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The team's device keys from the last sync (a leader's device only).
    pub fn team_devices(&self) -> Result<Vec<TeamDeviceKey>, StoreError> {
        let mut stmt = self.conn().prepare(
            "SELECT device_id, member_id, signing_key FROM team_devices ORDER BY device_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(TeamDeviceKey {
                device_id: crate::rows::col(r, 0)?,
                member_id: crate::rows::col(r, 1)?,
                signing_key: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
