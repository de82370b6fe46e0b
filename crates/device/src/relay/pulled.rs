//! The relay's copy of what its leader pulled from the server, served to
//! members by village. Kept in the same transaction as the leader's own
//! pull page, only once the device has been made a relay.

use crate::history::Pulled;
use crate::{Store, StoreError, rows};
use gocua_core::VillageId;
use rusqlite::{Connection, params};

/// One page for a member: changes after its relay cursor in the villages
/// asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct RelayPage {
    pub changes: Vec<Pulled>,
    /// The member's next relay cursor (the relay's own order, not the
    /// server's seq).
    pub cursor: i64,
    pub more: bool,
}

/// Keep a copy of a pulled page if this device is a relay.
pub(crate) fn keep_pulled(conn: &Connection, page: &[Pulled]) -> Result<(), StoreError> {
    if page.is_empty()
        || !conn
            .prepare_cached("SELECT 1 FROM relay_identity")?
            .exists([])?
    {
        return Ok(());
    }
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO relay_pulled (change_id, seq, village_id, moved_from, change)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for p in page {
        let json =
            serde_json::to_string(&p.change).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        stmt.execute(params![
            p.change.id.to_string(),
            p.seq,
            p.village.map(|v| v.to_string()),
            p.moved_from.map(|v| v.to_string()),
            json
        ])?;
    }
    Ok(())
}

impl Store {
    /// Up to `limit` kept changes after `after` whose village is one of
    /// `villages` (a change the server logged under no village is never
    /// served).
    pub fn relay_pulled_page(
        &self,
        after: i64,
        villages: &[VillageId],
        limit: usize,
    ) -> Result<RelayPage, StoreError> {
        let wanted =
            serde_json::to_string(&villages.iter().map(|v| v.to_string()).collect::<Vec<_>>())
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, seq, village_id, moved_from, change FROM relay_pulled
             WHERE id > ?1 AND village_id IN (SELECT value FROM json_each(?2))
             ORDER BY id LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![after, wanted, limit as i64 + 1], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                Pulled {
                    seq: r.get(1)?,
                    village: rows::opt_col(r, 2)?,
                    moved_from: rows::opt_col(r, 3)?,
                    change: rows::json_col(r, 4)?,
                },
            ))
        })?;
        let mut found: Vec<(i64, Pulled)> = rows.collect::<Result<_, _>>()?;
        let more = found.len() > limit;
        found.truncate(limit);
        let cursor = if more {
            found.last().map(|(id, _)| *id).unwrap_or(after)
        } else {
            // Nothing more for this member: past everything kept, so the
            // next pull does not walk other villages' rows again.
            let end: i64 = self.conn().query_row(
                "SELECT coalesce(max(id), 0) FROM relay_pulled",
                [],
                |r| r.get(0),
            )?;
            end.max(after)
        };
        Ok(RelayPage {
            changes: found.into_iter().map(|(_, p)| p).collect(),
            cursor,
            more,
        })
    }
}
