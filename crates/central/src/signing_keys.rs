//! Devices' signing keys (proof of origin, `gocua_signing`): kept with
//! each device at enrollment or registered once by a device enrolled
//! before, and handed to a team leader's device for its team, so its relay
//! can check who pairs with it and what they hand in. Checking a pushed
//! change's signature is `push/proof.rs`'s.

use crate::backend::sql::vals;
use crate::{CentralDb, CentralError, DeviceAuth};
use gocua_core::{DeviceId, MemberId, Role};
use gocua_signing::VerifyingKey;

/// A team member's device and its public key (hex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamDeviceKey {
    pub device_id: DeviceId,
    pub member_id: MemberId,
    pub signing_key: String,
}

/// `text` as a well-formed public key, in its one written form.
pub(crate) fn checked_key(text: &str) -> Result<String, CentralError> {
    VerifyingKey::parse(text)
        .map(|k| k.to_string())
        .map_err(|_| CentralError::BadSigningKey)
}

impl CentralDb {
    /// Keep `key` as the device's public key. Registering the key it has
    /// already is fine (a retried request); another is refused: a key is
    /// replaced only by enrolling again.
    pub fn register_signing_key(&self, auth: &DeviceAuth, key: &str) -> Result<(), CentralError> {
        let key = checked_key(key)?;
        let device = auth.device_id.to_string();
        self.write(|tx| {
            tx.execute(
                "UPDATE devices SET signing_key = $1 WHERE id = $2 AND signing_key IS NULL",
                vals![key.as_str(), device.as_str()],
            )?;
            let held = tx
                .query_opt(
                    "SELECT signing_key FROM devices WHERE id = $1",
                    vals![device.as_str()],
                )?
                .map(|r| r.opt_string(0))
                .transpose()?
                .flatten();
            if held.as_deref() == Some(key.as_str()) {
                Ok(())
            } else {
                Err(CentralError::SigningKeyConflict)
            }
        })
    }

    /// For a team leader's device: the active devices of its team's
    /// active members that have a key (its own included). None for every
    /// other role.
    pub fn team_devices(
        &self,
        auth: &DeviceAuth,
    ) -> Result<Option<Vec<TeamDeviceKey>>, CentralError> {
        let (Role::TeamLeader, Some(team)) = (auth.member.role, auth.member.team_id) else {
            return Ok(None);
        };
        let rows = self.read(|tx| {
            tx.query(
                "SELECT d.id, d.member_id, d.signing_key
                 FROM devices d JOIN members m ON m.id = d.member_id
                 WHERE m.team_id = $1 AND m.active = 1 AND d.revoked_at IS NULL
                   AND d.signing_key IS NOT NULL
                 ORDER BY d.member_id, d.id",
                vals![team.to_string()],
            )
        })?;
        rows.iter()
            .map(|r| {
                Ok(TeamDeviceKey {
                    device_id: r.parse(0)?,
                    member_id: r.parse(1)?,
                    signing_key: r.string(2)?,
                })
            })
            .collect::<Result<Vec<_>, CentralError>>()
            .map(Some)
    }
}
