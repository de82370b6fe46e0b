//! Handing changes to a device: those after its cursor, in its scope, in
//! server order, a page at a time. Each query seeks an index on
//! (village, seq) or (commune, seq) and stops at the page size, so the cost
//! follows what is returned, not how much the server holds.

use super::{CentralDb, CentralError, DeviceAuth};
use crate::rows;
use gocua_core::{Change, ChangeId, EntityKind, Hlc};
use rusqlite::{Connection, params};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// One page of changes.
#[derive(Debug, Clone, PartialEq)]
pub struct PullPage {
    /// (seq, change), in seq order.
    pub changes: Vec<(i64, Change)>,
    /// The device's next `after`.
    pub cursor: i64,
    /// More changes wait after this page.
    pub more: bool,
}

const BY_COMMUNE: &str = "SELECT seq, change_id, entity, entity_id, hlc, fields, base
    FROM changes WHERE commune_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3";
const BY_VILLAGE: &str = "SELECT seq, change_id, entity, entity_id, hlc, fields, base
    FROM changes WHERE village_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3";

impl CentralDb {
    /// Changes with seq > `after` in the device's scope (commune-wide for
    /// officers and admins), the device's own included, at most `limit`.
    pub fn pull(
        &self,
        auth: &DeviceAuth,
        after: i64,
        limit: u32,
    ) -> Result<PullPage, CentralError> {
        let limit = limit.max(1) as usize;
        // One more than asked tells whether another page waits.
        let probe = limit as i64 + 1;
        let mut found = if auth.scope.is_commune_wide() {
            query(
                &self.conn,
                BY_COMMUNE,
                &auth.scope.commune_id.to_string(),
                after,
                probe,
            )?
        } else {
            // One index range per village, merged by seq.
            let mut all = Vec::new();
            for v in &auth.scope.village_ids {
                all.extend(query(&self.conn, BY_VILLAGE, &v.to_string(), after, probe)?);
            }
            all.sort_by_key(|(seq, _)| *seq);
            all
        };
        let more = found.len() > limit;
        found.truncate(limit);
        let cursor = found.last().map_or(after, |(seq, _)| *seq);
        Ok(PullPage {
            changes: found,
            cursor,
            more,
        })
    }
}

fn query(
    conn: &Connection,
    sql: &str,
    key: &str,
    after: i64,
    limit: i64,
) -> Result<Vec<(i64, Change)>, CentralError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![key, after, limit], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            rows::col::<ChangeId>(r, 1)?,
            r.get::<_, String>(2)?,
            rows::col::<uuid::Uuid>(r, 3)?,
            rows::col::<Hlc>(r, 4)?,
            rows::json_col::<Map<String, Value>>(r, 5)?,
            rows::json_col::<BTreeMap<String, Hlc>>(r, 6)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, id, entity, entity_id, hlc, fields, base) = row?;
        let entity = EntityKind::parse(&entity)
            .ok_or_else(|| CentralError::Corrupt(format!("unknown entity {entity}")))?;
        out.push((
            seq,
            Change {
                id,
                entity,
                entity_id,
                hlc,
                fields,
                base,
            },
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_seeks_an_index_in_seq_order_without_sorting() {
        let dir = tempfile::TempDir::new().unwrap();
        let db = CentralDb::open(&dir.path().join("central.db")).unwrap();
        for (sql, index) in [
            (BY_VILLAGE, "changes_village_seq"),
            (BY_COMMUNE, "changes_commune_seq"),
        ] {
            let plan: Vec<String> = db
                .conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap()
                .query_map(params!["x", 0, 10], |r| r.get(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let plan = plan.join(" | ");
            assert!(plan.contains(index), "{plan}");
            assert!(!plan.contains("TEMP B-TREE"), "{plan}");
        }
    }
}
