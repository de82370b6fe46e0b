//! Healing after the commune server is restored from a backup (issue 14).
//!
//! A change the server took leaves the outbox for `sent_changes` instead of
//! being forgotten. The server's change log has an identity that a restore
//! renews; every answer carries it. When a device meets an identity other
//! than the one it knew, or a log that ends before its pull cursor, the
//! server may have lost what it took after the backup, so the device
//! (`check_server_log`, one transaction):
//! - queues again every change it authored (stamped with its own id), in
//!   the order the server first took them and ahead of what was waiting:
//!   the server takes what it lacks by change id and answers "already had"
//!   for the rest;
//! - pulls again from the start (applying a change twice is a no-op).
//!
//! Once a round has sent and pulled everything (`finish_resend`) the new
//! identity is the device's, and its requests say so (the office sees which
//! devices have not re-sent yet). Changes stamped with an id this device
//! had before an earlier enrollment stay in the archive: the server takes
//! a change only from the device that stamped it.

use crate::{Store, StoreError};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

/// How long the home screen and `gocua status` keep saying that the
/// server was restored and what this device sent again.
const NOTICE_DAYS: i64 = 7;

/// What the device knows of the server's change log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LogState {
    /// The identity of the log holding everything this device sent.
    pub log_id: Option<String>,
    /// Sending again to this new identity, after a restore: not done yet.
    pub resend_log_id: Option<String>,
    /// How many changes the last restore made this device send again.
    pub resend_count: Option<i64>,
    /// When the last sending again finished.
    pub resent_at: Option<String>,
}

/// Move the changes the server took from the outbox to the archive, in
/// the caller's transaction (the caller deletes them from the outbox).
pub(crate) fn archive_sent(
    tx: &Connection,
    ids: &[gocua_core::ChangeId],
) -> Result<(), StoreError> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO sent_changes (change_id, entity, entity_id, hlc, fields, base, sent_at)
         SELECT change_id, entity, entity_id, hlc, fields, base, ?2 FROM outbox
         WHERE change_id = ?1
         ON CONFLICT (change_id) DO NOTHING",
    )?;
    let at = chrono::Utc::now().to_rfc3339();
    for id in ids {
        stmt.execute(params![id.to_string(), at])?;
    }
    Ok(())
}

/// Codes the server refuses a change with when what it builds on is not
/// there yet: after a restore, another device has not sent it again.
/// Such refusals are tried again by themselves (`requeue_waiting`).
pub const WAITING_FOR_OTHERS: [&str; 2] = ["unknown_parent", "unknown_record"];

impl Store {
    /// Put the changes the server refused only for lack of what they build
    /// on (`WAITING_FOR_OTHERS`) back at the end of the outbox, unchanged;
    /// a sync round does this once, after pulling. Returns how many.
    pub fn requeue_waiting(&mut self) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        let moved = tx.execute(
            "INSERT INTO outbox (change_id, entity, entity_id, hlc, fields, base)
             SELECT change_id, entity, entity_id, json_extract(change, '$.hlc'),
                    json(json_extract(change, '$.fields')), json(json_extract(change, '$.base'))
             FROM quarantine
             WHERE direction = 'pushed' AND code IN (?1, ?2)
             ORDER BY id
             ON CONFLICT (change_id) DO NOTHING",
            params![WAITING_FOR_OTHERS[0], WAITING_FOR_OTHERS[1]],
        )?;
        tx.execute(
            "DELETE FROM quarantine WHERE direction = 'pushed' AND code IN (?1, ?2)",
            params![WAITING_FOR_OTHERS[0], WAITING_FOR_OTHERS[1]],
        )?;
        tx.commit()?;
        Ok(moved)
    }

    pub fn log_state(&self) -> Result<LogState, StoreError> {
        Ok(self.conn().query_row(
            "SELECT log_id, resend_log_id, resend_count, resent_at
             FROM sync_state WHERE singleton = 1",
            [],
            |r| {
                Ok(LogState {
                    log_id: r.get(0)?,
                    resend_log_id: r.get(1)?,
                    resend_count: r.get(2)?,
                    resent_at: r.get(3)?,
                })
            },
        )?)
    }

    /// The identity to tell the server this device has sent everything to.
    pub fn known_log_id(&self) -> Result<Option<String>, StoreError> {
        Ok(self.log_state()?.log_id)
    }

    /// Take the server's log identity (`log_id`) and the last sequence
    /// number of the commune's log (`log_end`, when told): see the module
    /// comment. Returns how many changes were queued again (0 when nothing
    /// was restored, or when this sending again had already begun).
    pub fn check_server_log(
        &mut self,
        log_id: &str,
        log_end: Option<i64>,
    ) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        let (cursor, known, resending): (i64, Option<String>, Option<String>) = tx.query_row(
            "SELECT pull_cursor, log_id, resend_log_id FROM sync_state WHERE singleton = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let behind = log_end.is_some_and(|end| end < cursor);
        if resending.as_deref() == Some(log_id) && !behind {
            return Ok(0);
        }
        match known {
            // The first identity this device meets: nothing to heal.
            None if !behind => {
                tx.execute(
                    "UPDATE sync_state SET log_id = ?1 WHERE singleton = 1",
                    params![log_id],
                )?;
                tx.commit()?;
                return Ok(0);
            }
            Some(k) if k == log_id && !behind => return Ok(0),
            _ => {}
        }
        let queued = requeue_own_changes(&tx)?;
        tx.execute(
            "UPDATE sync_state SET pull_cursor = 0, resend_log_id = ?1, resend_count = ?2
             WHERE singleton = 1",
            params![log_id, queued as i64],
        )?;
        tx.execute("DELETE FROM pull_history", [])?;
        tx.commit()?;
        Ok(queued)
    }

    /// A round that sent and pulled everything: a sending again in
    /// progress is done, and its identity becomes the device's. Returns
    /// how many changes it sent again, if one was in progress.
    pub fn finish_resend(&mut self) -> Result<Option<i64>, StoreError> {
        let tx = self.conn.transaction()?;
        let row: Option<(String, Option<i64>)> = tx
            .query_row(
                "SELECT resend_log_id, resend_count FROM sync_state
                 WHERE singleton = 1 AND resend_log_id IS NOT NULL",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((log_id, count)) = row else {
            return Ok(None);
        };
        tx.execute(
            "UPDATE sync_state SET log_id = ?1, resend_log_id = NULL, resent_at = ?2
             WHERE singleton = 1",
            params![log_id, chrono::Utc::now().to_rfc3339()],
        )?;
        tx.commit()?;
        Ok(Some(count.unwrap_or(0)))
    }

    /// For the home screen and `gocua status`, in Vietnamese: the server
    /// was restored and this device is sending, or has sent, its work
    /// again (for a week after).
    pub fn restore_notice(&self) -> Result<Option<String>, StoreError> {
        let s = self.log_state()?;
        let count = s.resend_count.unwrap_or(0);
        if s.resend_log_id.is_some() {
            return Ok(Some(format!(
                "Máy chủ xã vừa được khôi phục từ bản sao lưu; máy này đang gửi lại {count} \
                 thay đổi. Hãy đồng bộ đến khi xong."
            )));
        }
        let recent = s
            .resent_at
            .as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .is_some_and(|t| {
                chrono::Utc::now().signed_duration_since(t) < chrono::Duration::days(NOTICE_DAYS)
            });
        Ok(recent.then(|| {
            format!(
                "Máy chủ xã vừa được khôi phục từ bản sao lưu; máy này đã gửi lại {count} \
                 thay đổi."
            )
        }))
    }
}

/// Put every archived change stamped with this device's id back in the
/// outbox, in the order the server took them, ahead of what was waiting.
fn requeue_own_changes(tx: &Connection) -> Result<usize, StoreError> {
    let own: Option<String> = tx
        .query_row(
            "SELECT device_id FROM device WHERE singleton = 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let Some(own) = own else {
        return Ok(0);
    };
    // A stamp's text form ends with the device id's 32 hex digits.
    let own = own.replace('-', "").to_ascii_lowercase();
    tx.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS waiting_outbox AS SELECT * FROM outbox WHERE 0;
         DELETE FROM temp.waiting_outbox;
         INSERT INTO temp.waiting_outbox SELECT * FROM outbox ORDER BY seq;
         DELETE FROM outbox;",
    )?;
    let queued = tx.execute(
        "INSERT INTO outbox (change_id, entity, entity_id, hlc, fields, base)
         SELECT change_id, entity, entity_id, hlc, fields, base FROM sent_changes
         WHERE substr(hlc, -32) = ?1 ORDER BY id",
        params![own],
    )?;
    tx.execute(
        "DELETE FROM sent_changes WHERE substr(hlc, -32) = ?1",
        params![own],
    )?;
    tx.execute_batch(
        "INSERT INTO outbox (change_id, entity, entity_id, hlc, fields, base)
         SELECT change_id, entity, entity_id, hlc, fields, base FROM temp.waiting_outbox
         ORDER BY seq;
         DELETE FROM temp.waiting_outbox;",
    )?;
    Ok(queued)
}
