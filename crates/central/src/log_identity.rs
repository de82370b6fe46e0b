//! The change log's identity (issue 14). A device remembers the identity of
//! the log that holds everything it sent; `admin restore` gives the log a
//! new one. A device that meets a new identity (or a log ending before its
//! cursor) knows the server may have lost what it sent after the backup:
//! it sends every change it authored again (taken once by change id) and
//! pulls again from the start. Each device says which identity it has
//! re-sent to, so the office sees who has not yet.
//!
//! The identity is random text, made when the database is first opened; a
//! backup copies it, so only a restore can change it.

use crate::backend::sql::{Tx, vals};
use crate::{CentralDb, CentralError, random_32, stamp};
use chrono::Utc;
use gocua_core::{CommuneId, DeviceId};
use serde::Serialize;

/// The change log's identity, and whether it came from a restore.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogIdentity {
    pub log_id: String,
    pub started_at: String,
    /// When `admin restore` put a backup in place, and its file name.
    pub restored_at: Option<String>,
    pub restored_from: Option<String>,
}

/// After a restore: the devices of a commune that have not yet said they
/// sent their work again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResendStatus {
    pub restored_at: String,
    pub restored_from: Option<String>,
    /// Devices in use that were enrolled before the restore and have not
    /// re-sent since.
    pub waiting: Vec<DeviceId>,
}

/// Make the identity if the database has none yet (a new database, or one
/// from before identities).
pub(crate) fn ensure(tx: &mut dyn Tx) -> Result<(), CentralError> {
    if tx
        .query_opt(
            "SELECT log_id FROM change_log_identity WHERE singleton = 1",
            &[],
        )?
        .is_none()
    {
        tx.execute(
            "INSERT INTO change_log_identity (singleton, log_id, started_at) VALUES (1, $1, $2)",
            vals![new_log_id(), stamp(Utc::now())],
        )?;
    }
    Ok(())
}

fn new_log_id() -> String {
    hex::encode(&random_32()[..16])
}

fn read_identity(tx: &mut dyn Tx) -> Result<LogIdentity, CentralError> {
    let row = tx
        .query_opt(
            "SELECT log_id, started_at, restored_at, restored_from
             FROM change_log_identity WHERE singleton = 1",
            &[],
        )?
        .ok_or_else(|| CentralError::not_found("change_log_identity", "1"))?;
    Ok(LogIdentity {
        log_id: row.string(0)?,
        started_at: row.string(1)?,
        restored_at: row.opt_string(2)?,
        restored_from: row.opt_string(3)?,
    })
}

/// The log's identity text.
pub(crate) fn current(tx: &mut dyn Tx) -> Result<String, CentralError> {
    Ok(read_identity(tx)?.log_id)
}

/// The highest sequence number of the commune's change log (0 when empty).
pub(crate) fn log_end(tx: &mut dyn Tx, commune: CommuneId) -> Result<i64, CentralError> {
    let row = tx.query_opt(
        "SELECT coalesce(max(seq), 0) FROM changes WHERE commune_id = $1",
        vals![commune.to_string()],
    )?;
    row.map_or(Ok(0), |r| r.int(0))
}

impl CentralDb {
    /// The change log's identity now.
    pub fn log_identity(&self) -> Result<LogIdentity, CentralError> {
        self.read(read_identity)
    }

    /// Give the log a new identity: done once a backup (`from`, its file
    /// name) is in place of the database, so every device sends its work
    /// again. Devices of the old log are all "not re-sent" from now.
    pub fn renew_log_identity(&self, from: &str) -> Result<LogIdentity, CentralError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE change_log_identity SET log_id = $1, restored_at = $2,
                     restored_from = $3
                 WHERE singleton = 1",
                vals![new_log_id(), stamp(Utc::now()), from],
            )?;
            read_identity(tx)
        })
    }

    /// The device says it has sent all its work to the log `log_id`: kept
    /// when that is the log's identity now (a device still on the old one
    /// has not). Writes only when something changes.
    pub fn note_device_resent(&self, device: DeviceId, log_id: &str) -> Result<(), CentralError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE devices SET resent_log_id = $1
                 WHERE id = $2
                   AND $1 = (SELECT log_id FROM change_log_identity WHERE singleton = 1)
                   AND (resent_log_id IS NULL OR resent_log_id <> $1)",
                vals![log_id, device.to_string()],
            )?;
            Ok(())
        })
    }

    /// After a restore, which of the commune's devices still have to send
    /// their work again; None when the database was never restored.
    pub fn resend_status(&self, commune: CommuneId) -> Result<Option<ResendStatus>, CentralError> {
        self.read(|tx| {
            let identity = read_identity(tx)?;
            let Some(restored_at) = identity.restored_at else {
                return Ok(None);
            };
            let waiting = tx
                .query(
                    "SELECT id FROM devices
                     WHERE commune_id = $1 AND revoked_at IS NULL AND created_at < $2
                       AND (resent_log_id IS NULL OR resent_log_id <> $3)
                     ORDER BY created_at, id",
                    vals![commune.to_string(), restored_at.as_str(), identity.log_id],
                )?
                .iter()
                .map(|r| r.parse(0))
                .collect::<Result<Vec<DeviceId>, _>>()?;
            Ok(Some(ResendStatus {
                restored_at,
                restored_from: identity.restored_from,
                waiting,
            }))
        })
    }
}
