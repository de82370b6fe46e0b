//! Handing changes to a device: those after its cursor, in its scope, in
//! server order, a page at a time. Each query seeks an index on
//! (village, seq) or (commune, seq) and stops at the page size, so the cost
//! follows what is returned, not how much the server holds.

use super::sql::{Tx, vals};
use super::{CentralDb, CentralError, DeviceAuth};
use gocua_core::{Change, ChangeId, EntityKind, Hlc};
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
    FROM changes WHERE commune_id = $1 AND seq > $2 ORDER BY seq LIMIT $3";
const BY_VILLAGE: &str = "SELECT seq, change_id, entity, entity_id, hlc, fields, base
    FROM changes WHERE village_id = $1 AND seq > $2 ORDER BY seq LIMIT $3";

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
        let mut found = self.read(|tx| {
            if auth.scope.is_commune_wide() {
                query(
                    tx,
                    BY_COMMUNE,
                    &auth.scope.commune_id.to_string(),
                    after,
                    probe,
                )
            } else {
                // One index range per village, merged by seq.
                let mut all = Vec::new();
                for v in &auth.scope.village_ids {
                    all.extend(query(tx, BY_VILLAGE, &v.to_string(), after, probe)?);
                }
                all.sort_by_key(|(seq, _)| *seq);
                Ok(all)
            }
        })?;
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
    tx: &mut dyn Tx,
    sql: &str,
    key: &str,
    after: i64,
    limit: i64,
) -> Result<Vec<(i64, Change)>, CentralError> {
    tx.query(sql, vals![key, after, limit])?
        .iter()
        .map(|r| {
            let entity = r.text(2)?;
            let entity = EntityKind::parse(entity)
                .ok_or_else(|| CentralError::Corrupt(format!("unknown entity {entity}")))?;
            Ok((
                r.int(0)?,
                Change {
                    id: r.parse::<ChangeId>(1)?,
                    entity,
                    entity_id: r.parse::<uuid::Uuid>(3)?,
                    hlc: r.parse::<Hlc>(4)?,
                    fields: r.json::<Map<String, Value>>(5)?,
                    base: r.json::<BTreeMap<String, Hlc>>(6)?,
                },
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::central::scratch::ScratchSchema;

    #[test]
    fn pull_seeks_an_index_in_seq_order_without_sorting() {
        let dir = tempfile::TempDir::new().unwrap();
        let db = CentralDb::open(&dir.path().join("central.db")).unwrap();
        for (sql, index) in [
            (BY_VILLAGE, "changes_village_seq"),
            (BY_COMMUNE, "changes_commune_seq"),
        ] {
            let plan = db
                .read(|tx| tx.explain(sql, vals!["x", 0i64, 10i64]))
                .unwrap();
            assert!(plan.contains(index), "{plan}");
            assert!(!plan.contains("TEMP B-TREE"), "{plan}");
        }
    }

    /// On an analysed table of 40,000 changes over two communes of 20
    /// villages each, PostgreSQL seeks (village, seq) or (commune, seq)
    /// from the cursor, whether the cursor is far behind or at the end.
    #[test]
    fn pull_seeks_an_index_on_postgres_too() {
        let Ok(url) = std::env::var("GOCUA_TEST_PG_URL") else {
            eprintln!("GOCUA_TEST_PG_URL is not set: PostgreSQL not tested");
            return;
        };
        let schema = ScratchSchema::create(&url).unwrap();
        let db = CentralDb::connect(schema.url(), 2).unwrap();
        db.write(|tx| {
            tx.execute(
                "INSERT INTO communes (id, name, province, secret_hex, created_at)
                 SELECT 'c' || i, 'x', 'y', repeat('a', 64), 't' FROM generate_series(1, 2) i",
                &[],
            )?;
            tx.execute(
                "INSERT INTO villages (id, commune_id, name)
                 SELECT 'v' || i, 'c' || (i / 20 + 1), 'n' FROM generate_series(0, 39) i",
                &[],
            )?;
            tx.execute(
                "INSERT INTO changes (change_id, commune_id, village_id, entity, entity_id, hlc,
                                      fields, device_id, received_at)
                 SELECT 'ch' || i, 'c' || (i % 40 / 20 + 1), 'v' || (i % 40), 'household',
                        'e' || i, 'h', '{}', 'd', 't'
                 FROM generate_series(1, 40000) i",
                &[],
            )?;
            tx.execute("ANALYZE changes", &[])
        })
        .unwrap();
        for (sql, key, after, index) in [
            (BY_VILLAGE, "v3", 0i64, "changes_village_seq"),
            (BY_VILLAGE, "v3", 39_990, "changes_village_seq"),
            (BY_COMMUNE, "c1", 0, "changes_commune_seq"),
            (BY_COMMUNE, "c2", 39_000, "changes_commune_seq"),
        ] {
            let plan = db
                .read(|tx| tx.explain(sql, vals![key, after, 501i64]))
                .unwrap();
            assert!(plan.contains(index), "{plan}");
            assert!(!plan.contains("Seq Scan"), "{plan}");
        }
        drop(db);
    }
}
