//! Members' changes the relay holds to forward, and the server's result for
//! each once known. Held rows are never edited (a trigger in the schema
//! refuses it): only the result is added.

use crate::{Store, StoreError, rows};
use gocua_core::{Change, ChangeId, DeviceId};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

/// A member's change with its author's signature (hex).
#[derive(Debug, Clone, PartialEq)]
pub struct HeldChange {
    pub change: Change,
    pub signature: String,
}

/// The server's answer for one relayed change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum RelayedResult {
    Applied,
    AlreadyHad,
    Rejected { code: String, message: String },
}

impl Store {
    /// Hold changes `device` sent (checked by the caller: its own, signed),
    /// in one transaction; a change held before is kept as it was. Returns,
    /// per change in order, the server's result if known (None: held, not
    /// forwarded yet).
    pub fn relay_hold(
        &mut self,
        device: DeviceId,
        changes: &[HeldChange],
    ) -> Result<Vec<Option<RelayedResult>>, StoreError> {
        let tx = self.conn.transaction()?;
        let at = chrono::Utc::now().to_rfc3339();
        let mut out = Vec::with_capacity(changes.len());
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO relay_held (change_id, device_id, change, signature,
                                                   received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            let mut result = tx.prepare_cached(
                "SELECT outcome, code, message FROM relay_held WHERE change_id = ?1",
            )?;
            for h in changes {
                let json = serde_json::to_string(&h.change)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let id = h.change.id.to_string();
                insert.execute(params![id, device.to_string(), json, h.signature, at])?;
                let row: Option<(Option<String>, Option<String>, Option<String>)> = result
                    .query_row(params![id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .optional()?;
                out.push(row.and_then(|(o, c, m)| result_of(o, c, m)));
            }
        }
        tx.commit()?;
        Ok(out)
    }

    /// The oldest `limit` held changes the server has not answered for.
    pub fn relay_unforwarded(&self, limit: usize) -> Result<Vec<HeldChange>, StoreError> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT change, signature FROM relay_held WHERE outcome IS NULL
             ORDER BY id LIMIT ?1",
        )?;
        let rows = stmt.query_map(params![limit as i64], |r| {
            Ok(HeldChange {
                change: rows::json_col(r, 0)?,
                signature: r.get(1)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Keep the server's results for forwarded changes, in one transaction.
    pub fn relay_settle(
        &mut self,
        results: &[(ChangeId, RelayedResult)],
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE relay_held SET outcome = ?2, code = ?3, message = ?4, settled_at = ?5
                 WHERE change_id = ?1",
            )?;
            let at = chrono::Utc::now().to_rfc3339();
            for (id, r) in results {
                let (outcome, code, message) = match r {
                    RelayedResult::Applied => ("applied", None, None),
                    RelayedResult::AlreadyHad => ("already_had", None, None),
                    RelayedResult::Rejected { code, message } => {
                        ("rejected", Some(code.as_str()), Some(message.as_str()))
                    }
                };
                stmt.execute(params![id.to_string(), outcome, code, message, at])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Held changes: (waiting to be forwarded, answered by the server).
    pub fn relay_held_counts(&self) -> Result<(i64, i64), StoreError> {
        Ok(self.conn().query_row(
            "SELECT count(*) FILTER (WHERE outcome IS NULL),
                    count(*) FILTER (WHERE outcome IS NOT NULL)
             FROM relay_held",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    }
}

fn result_of(
    outcome: Option<String>,
    code: Option<String>,
    message: Option<String>,
) -> Option<RelayedResult> {
    match outcome.as_deref()? {
        "applied" => Some(RelayedResult::Applied),
        "already_had" => Some(RelayedResult::AlreadyHad),
        _ => Some(RelayedResult::Rejected {
            code: code.unwrap_or_default(),
            message: message.unwrap_or_default(),
        }),
    }
}
