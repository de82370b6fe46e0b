//! What the device remembers about sync: its enrollment with the commune
//! server (address, bearer token, pinned certificate, member, scope), the
//! pull cursor, how the last sync went, and the quarantine of changes that
//! could not go through. The sync client (`gocua-sync`) speaks HTTP and
//! calls these; every step that must not be half done is one transaction
//! here.
//!
//! Device identity at enrollment. `init_device` mints a device id locally,
//! but the server assigns its own at enrollment and accepts a pushed change
//! only if its clock stamp names that id. A change's stamp is part of what
//! the change is (merge order, conflict detection, "is this my own change
//! coming back?"), so unsent changes are never re-stamped. Instead:
//! - enrolling a store whose outbox holds no change stamped by another id
//!   (a fresh store, or one whose every change the server already took)
//!   switches the device row and the clock to the server's id, keeping the
//!   clock's time so stamps never go backwards;
//! - enrolling a store that still has unsent changes stamped by another id
//!   is refused (`StoreError::UnsentFromOtherDevice`), and they stay put.
//!
//! A store holds one commune: enrolling it with another commune's server is
//! refused (`StoreError::OtherCommune`).

use crate::org::{seed_catalogue_if_empty, write_catalogue, write_org};
use crate::{ApplyOutcome, Store, StoreError, rows};
use gocua_core::{CatalogueEntry, Change, ChangeId, DeviceId, Hlc, HlcClock, MemberId, validate};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde_json::Value;
use std::fmt;

/// The device's bearer token. It is kept only inside the encrypted file and
/// never shown: `Debug` hides it, and it has no `Display` nor `Serialize`.
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceToken(String);

impl DeviceToken {
    pub fn new(token: impl Into<String>) -> Self {
        DeviceToken(token.into())
    }

    /// The secret itself, for the `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DeviceToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeviceToken(…)")
    }
}

/// What the server handed out at enrollment, to keep.
#[derive(Debug, Clone)]
pub struct NewEnrollment {
    pub server_url: String,
    pub token: DeviceToken,
    /// SHA-256 (hex) of the server certificate to pin from now on.
    pub server_fingerprint: String,
    /// The id the server assigned to this device.
    pub device_id: DeviceId,
    pub device_name: String,
    pub member_id: MemberId,
    /// The scope as the server sent it (kept as JSON: the wire owns its shape).
    pub scope: Value,
    pub org: gocua_core::OrgSnapshot,
    pub catalogue: Vec<CatalogueEntry>,
}

/// The device's enrollment, as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnrollmentRecord {
    pub server_url: String,
    #[serde(skip)]
    pub token: DeviceToken,
    pub server_fingerprint: String,
    pub member_id: MemberId,
    pub scope: Value,
    pub enrolled_at: String,
}

/// Progress and health of sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncState {
    /// The server's sequence number of the last change pulled.
    pub pull_cursor: i64,
    pub last_success_at: Option<String>,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
}

/// The server's final "no" to one pushed change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushRejection {
    pub change_id: ChangeId,
    pub code: String,
    pub message: String,
}

/// Code recorded for a pulled change the device could not apply.
pub const PULL_APPLY_FAILED: &str = "apply_failed";

fn now() -> String {
    chrono::Utc::now().to_rfc3339()
}

impl Store {
    /// Keep a new enrollment, adopting the server's device id, and load the
    /// organisation and catalogue it came with: all in one transaction.
    /// Initialises the device if it was not yet. See the module comment for
    /// when this is refused.
    pub fn enroll(&mut self, e: &NewEnrollment) -> Result<EnrollmentRecord, StoreError> {
        let name = gocua_core::text::normalize_name(&e.device_name);
        validate::required_text("device_name", &name)
            .map_err(gocua_core::ValidationErrors::from)?;
        let tx = self.conn.transaction()?;
        let last: Option<Hlc> = tx
            .query_row("SELECT last_hlc FROM device WHERE singleton = 1", [], |r| {
                rows::col::<Hlc>(r, 0)
            })
            .optional()?;
        let other_commune = tx
            .prepare("SELECT 1 FROM communes WHERE id != ?1")?
            .exists(params![e.org.commune.id.to_string()])?;
        if other_commune {
            return Err(StoreError::OtherCommune);
        }
        // A stamp's text form ends with the device id's 32 hex digits.
        let foreign_unsent: i64 = tx.query_row(
            "SELECT count(*) FROM outbox WHERE substr(hlc, -32) != ?1",
            params![e.device_id.0.simple().to_string()],
            |r| r.get(0),
        )?;
        if foreign_unsent > 0 {
            return Err(StoreError::UnsentFromOtherDevice {
                count: foreign_unsent,
            });
        }
        let clock = match last {
            Some(last) => HlcClock::resume(Hlc {
                device: e.device_id,
                ..last
            }),
            None => HlcClock::new(e.device_id),
        };
        let stamp = clock.current().to_string();
        if last.is_some() {
            tx.execute(
                "UPDATE device SET device_id = ?1, device_name = ?2, last_hlc = ?3
                 WHERE singleton = 1",
                params![e.device_id.to_string(), name, stamp],
            )?;
        } else {
            tx.execute(
                "INSERT INTO device (singleton, device_id, device_name, created_at, last_hlc)
                 VALUES (1, ?1, ?2, ?3, ?4)",
                params![e.device_id.to_string(), name, now(), stamp],
            )?;
            seed_catalogue_if_empty(&tx)?;
        }
        let record = EnrollmentRecord {
            server_url: e.server_url.clone(),
            token: e.token.clone(),
            server_fingerprint: e.server_fingerprint.to_ascii_lowercase(),
            member_id: e.member_id,
            scope: e.scope.clone(),
            enrolled_at: now(),
        };
        tx.execute(
            "INSERT OR REPLACE INTO enrollment (singleton, server_url, device_token,
                 server_fingerprint, member_id, scope, enrolled_at)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                record.server_url,
                record.token.expose(),
                record.server_fingerprint,
                record.member_id.to_string(),
                record.scope.to_string(),
                record.enrolled_at,
            ],
        )?;
        // A new enrollment pulls from the start: applying is idempotent. So
        // the cursor will bring every village's history (`history.rs`).
        tx.execute(
            "UPDATE sync_state SET pull_cursor = 0, last_error = NULL, last_error_at = NULL
             WHERE singleton = 1",
            [],
        )?;
        tx.execute_batch("DELETE FROM pull_villages; DELETE FROM pull_history;")?;
        write_org(&tx, &e.org)?;
        write_catalogue(&tx, &e.catalogue)?;
        tx.commit()?;
        self.clock = Some(clock);
        Ok(record)
    }

    /// The enrollment, if this device has one.
    pub fn enrollment(&self) -> Result<Option<EnrollmentRecord>, StoreError> {
        let row = self
            .conn()
            .query_row(
                "SELECT server_url, device_token, server_fingerprint, member_id, scope,
                        enrolled_at
                 FROM enrollment WHERE singleton = 1",
                [],
                |r| {
                    Ok(EnrollmentRecord {
                        server_url: r.get(0)?,
                        token: DeviceToken(r.get(1)?),
                        server_fingerprint: r.get(2)?,
                        member_id: rows::col(r, 3)?,
                        scope: rows::json_col(r, 4)?,
                        enrolled_at: r.get(5)?,
                    })
                },
            )
            .optional()?;
        Ok(row)
    }

    /// Take the organisation, catalogue, member and scope the server sent
    /// on this sync, in one transaction; with `training`, the members'
    /// training records replace those held (None: the server sent none,
    /// keep them).
    pub fn refresh_org(
        &mut self,
        member_id: MemberId,
        scope: &Value,
        org: &gocua_core::OrgSnapshot,
        catalogue: &[CatalogueEntry],
        training: Option<&[gocua_core::training::TrainingRecord]>,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let other_commune = tx
            .prepare("SELECT 1 FROM communes WHERE id != ?1")?
            .exists(params![org.commune.id.to_string()])?;
        if other_commune {
            return Err(StoreError::OtherCommune);
        }
        let n = tx.execute(
            "UPDATE enrollment SET member_id = ?1, scope = ?2 WHERE singleton = 1",
            params![member_id.to_string(), scope.to_string()],
        )?;
        if n == 0 {
            return Err(StoreError::NotEnrolled);
        }
        write_org(&tx, org)?;
        write_catalogue(&tx, catalogue)?;
        if let Some(records) = training {
            crate::training::write_training(&tx, records)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Settle one push in one transaction: changes the server took (applied
    /// or already had) leave the outbox; changes it refused leave the outbox
    /// into the quarantine, whole, with the server's reason.
    pub fn settle_push(
        &mut self,
        accepted: &[ChangeId],
        rejected: &[PushRejection],
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut quarantine = tx.prepare_cached(
                "INSERT INTO quarantine (direction, change_id, entity, entity_id, change, code,
                                         message, quarantined_at)
                 SELECT 'pushed', change_id, entity, entity_id,
                        json_object('id', change_id, 'entity', entity, 'entity_id', entity_id,
                                    'hlc', hlc, 'fields', json(fields), 'base', json(base)),
                        ?2, ?3, ?4
                 FROM outbox WHERE change_id = ?1
                 ON CONFLICT (direction, change_id) DO UPDATE SET code = excluded.code,
                     message = excluded.message, quarantined_at = excluded.quarantined_at",
            )?;
            let at = now();
            for r in rejected {
                quarantine.execute(params![r.change_id.to_string(), r.code, r.message, at])?;
            }
            // Kept, to send again should the server be restored from a
            // backup (`resend.rs`).
            crate::resend::archive_sent(&tx, accepted)?;
            let mut delete = tx.prepare_cached("DELETE FROM outbox WHERE change_id = ?1")?;
            for id in accepted.iter().chain(rejected.iter().map(|r| &r.change_id)) {
                delete.execute(params![id.to_string()])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Apply one page pulled from the server and move the pull cursor to
    /// `cursor`, in one transaction. Changes this device cannot apply are
    /// quarantined (and retried by `retry_pulled_quarantine`), never lost.
    pub fn apply_pull_page(
        &mut self,
        changes: &[Change],
        cursor: i64,
    ) -> Result<Vec<ApplyOutcome>, StoreError> {
        let (outcomes, ()) = self.apply_then(changes, |tx, outcomes| {
            record_pulled_outcomes(tx, changes, outcomes)?;
            tx.execute(
                "UPDATE sync_state SET pull_cursor = ?1 WHERE singleton = 1",
                params![cursor],
            )?;
            Ok(())
        })?;
        Ok(outcomes)
    }

    pub fn sync_state(&self) -> Result<SyncState, StoreError> {
        Ok(self.conn().query_row(
            "SELECT pull_cursor, last_success_at, last_error, last_error_at
             FROM sync_state WHERE singleton = 1",
            [],
            |r| {
                Ok(SyncState {
                    pull_cursor: r.get(0)?,
                    last_success_at: r.get(1)?,
                    last_error: r.get(2)?,
                    last_error_at: r.get(3)?,
                })
            },
        )?)
    }

    /// A sync ran to the end: remember when, and forget the last error.
    pub fn record_sync_success(&mut self) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE sync_state SET last_success_at = ?1, last_error = NULL, last_error_at = NULL
             WHERE singleton = 1",
            params![now()],
        )?;
        Ok(())
    }

    /// A sync stopped early: remember why (a sentence for the user; never a
    /// secret).
    pub fn record_sync_error(&mut self, message: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE sync_state SET last_error = ?1, last_error_at = ?2 WHERE singleton = 1",
            params![message, now()],
        )?;
        Ok(())
    }
}

/// Quarantine the pulled changes that were refused; release the ones that
/// went in (they may have been held from an earlier pull).
pub(crate) fn record_pulled_outcomes(
    conn: &Connection,
    changes: &[Change],
    outcomes: &[ApplyOutcome],
) -> Result<(), StoreError> {
    let at = now();
    for (change, outcome) in changes.iter().zip(outcomes) {
        match outcome {
            ApplyOutcome::Rejected { reason } => {
                let json = serde_json::to_string(change)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                conn.prepare_cached(
                    "INSERT INTO quarantine (direction, change_id, entity, entity_id, change,
                                             code, message, quarantined_at)
                     VALUES ('pulled', ?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT (direction, change_id) DO UPDATE SET
                         message = excluded.message, quarantined_at = excluded.quarantined_at",
                )?
                .execute(params![
                    change.id.to_string(),
                    change.entity.as_str(),
                    change.entity_id.to_string(),
                    json,
                    PULL_APPLY_FAILED,
                    reason,
                    at
                ])?;
            }
            ApplyOutcome::Applied | ApplyOutcome::AlreadyHad => {
                conn.prepare_cached(
                    "DELETE FROM quarantine WHERE direction = 'pulled' AND change_id = ?1",
                )?
                .execute(params![change.id.to_string()])?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_never_shows_in_debug_output() {
        let t = DeviceToken::new("s3cr3t-token");
        assert!(!format!("{t:?}").contains("s3cr3t"));
        let e = NewEnrollment {
            server_url: "https://192.0.2.1:8443".into(),
            token: t,
            server_fingerprint: "ab".into(),
            device_id: DeviceId::new(),
            device_name: "x".into(),
            member_id: MemberId::new(),
            scope: Value::Null,
            org: gocua_core::OrgSnapshot {
                commune: gocua_core::Commune {
                    id: gocua_core::CommuneId::new(),
                    name: "x".into(),
                    province: "y".into(),
                },
                villages: vec![],
                teams: vec![],
                members: vec![],
            },
            catalogue: vec![],
        };
        assert!(!format!("{e:?}").contains("s3cr3t"));
    }
}
