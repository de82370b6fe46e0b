//! Handing changes to a device: those after its cursor, in its scope, in
//! server order, a page at a time; or, when its scope changed, one village's
//! or one household's or one resident's history up to a given seq (see
//! docs/sync.md). Each query seeks an index on (village, seq), (moved_from,
//! seq), (also_village, seq), (commune, seq), (household, seq) or
//! (resident, seq) and stops at the page size, so the cost follows what is
//! returned, not how much the server holds (a resident's history walks
//! their household's range too, for the household and visits their
//! actions need: one household's changes).

pub(crate) mod query;
pub(crate) mod resident;

use crate::backend::sql::vals;
use crate::pull::query::{
    BY_ALSO_VILLAGE, BY_COMMUNE, BY_HOUSEHOLD, BY_MOVED_FROM, BY_VILLAGE, query,
};
use crate::{CentralDb, CentralError, DeviceAuth};
use gocua_core::{Change, HouseholdId, ResidentId, VillageId};
use std::collections::BTreeMap;

/// One page of changes.
#[derive(Debug, Clone, PartialEq)]
pub struct PullPage {
    /// (seq, change), in seq order.
    pub changes: Vec<(i64, Change)>,
    /// For the changes that moved a household to another village: seq →
    /// the village it left.
    pub moved_from: BTreeMap<i64, VillageId>,
    /// seq → the village each change was logged under (a relay hands a
    /// member only its team's villages).
    pub villages: BTreeMap<i64, VillageId>,
    /// The device's next `after`.
    pub cursor: i64,
    /// More changes wait after this page.
    pub more: bool,
}

/// Which changes a pull walks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PullFilter {
    /// Everything in the device's scope: the device's cursor.
    Scope,
    /// One village of the scope: its history, for a device that gained it.
    Village(VillageId),
    /// One household now in the scope: its history (wherever it lived), for
    /// a device of the village it moved to.
    Household(HouseholdId),
    /// One resident merged into one whose village is in the scope (issue
    /// 6): the resident's changes and their actions', with the household
    /// and the visits those need — none of the housemates'.
    Resident(ResidentId),
}

impl CentralDb {
    /// Changes with seq > `after` in the device's scope (commune-wide for
    /// officers and admins), the device's own included, at most `limit`.
    pub fn pull(
        &self,
        auth: &DeviceAuth,
        after: i64,
        limit: u32,
    ) -> Result<PullPage, CentralError> {
        self.pull_filtered(auth, PullFilter::Scope, after, i64::MAX, limit)
    }

    /// Changes with `after` < seq <= `until` that `filter` selects, at most
    /// `limit`. A village outside the device's scope, or a household not
    /// in it now, gives an empty page: nothing is said about either.
    pub fn pull_filtered(
        &self,
        auth: &DeviceAuth,
        filter: PullFilter,
        after: i64,
        until: i64,
        limit: u32,
    ) -> Result<PullPage, CentralError> {
        let limit = limit.max(1) as usize;
        // One more than asked tells whether another page waits.
        let probe = limit as i64 + 1;
        let scope = &auth.scope;
        let mut found = self.read(|tx| {
            let range = (after, until, probe);
            match filter {
                PullFilter::Scope if scope.is_commune_wide() => {
                    query(tx, BY_COMMUNE, &scope.commune_id.to_string(), range)
                }
                PullFilter::Scope => {
                    // Index ranges per village, merged by seq.
                    let mut all = Vec::new();
                    for v in &scope.village_ids {
                        for key in [BY_VILLAGE, BY_MOVED_FROM, BY_ALSO_VILLAGE] {
                            all.extend(query(tx, key, &v.to_string(), range)?);
                        }
                    }
                    Ok(all)
                }
                PullFilter::Village(v) if scope.covers(v) => {
                    let mut all = Vec::new();
                    for key in [BY_VILLAGE, BY_MOVED_FROM, BY_ALSO_VILLAGE] {
                        all.extend(query(tx, key, &v.to_string(), range)?);
                    }
                    Ok(all)
                }
                PullFilter::Resident(r) => crate::pull::resident::history(tx, scope, r, range),
                PullFilter::Household(h) => {
                    let home = tx.query_opt(
                        "SELECT village_id FROM records
                         WHERE entity_id = $1 AND entity = 'household' AND commune_id = $2",
                        vals![h.to_string(), scope.commune_id.to_string()],
                    )?;
                    let visible = match home {
                        Some(row) => scope.covers(row.parse::<VillageId>(0)?),
                        None => false,
                    };
                    if visible {
                        query(tx, BY_HOUSEHOLD, &h.to_string(), range)
                    } else {
                        Ok(Vec::new())
                    }
                }
                PullFilter::Village(_) => Ok(Vec::new()),
            }
        })?;
        // A move between two villages of the scope is found twice.
        found.sort_by_key(|f| f.seq);
        found.dedup_by_key(|f| f.seq);
        let more = found.len() > limit;
        found.truncate(limit);
        let cursor = found.last().map_or(after, |f| f.seq);
        let moved_from = found
            .iter()
            .filter_map(|f| f.moved_from.map(|v| (f.seq, v)))
            .collect();
        let villages = found.iter().map(|f| (f.seq, f.village)).collect();
        Ok(PullPage {
            changes: found.into_iter().map(|f| (f.seq, f.change)).collect(),
            moved_from,
            villages,
            cursor,
            more,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pull::query::*;

    #[test]
    fn pull_seeks_an_index_in_seq_order_without_sorting() {
        let dir = tempfile::TempDir::new().unwrap();
        let db = CentralDb::open(
            &dir.path().join("central.db"),
            &crate::ServerKey::generate(),
        )
        .unwrap();
        for (key, index) in [
            (BY_VILLAGE, "changes_village_seq"),
            (BY_COMMUNE, "changes_commune_seq"),
            (BY_MOVED_FROM, "changes_moved_from_seq"),
            (BY_HOUSEHOLD, "changes_household_seq"),
            (BY_ALSO_VILLAGE, "changes_also_village_seq"),
            (BY_RESIDENT, "changes_resident_seq"),
            (HOUSEHOLD_RECORD, "changes_household_seq"),
        ] {
            let plan = db
                .read(|tx| tx.explain(&sql(key), vals!["x", 0i64, i64::MAX, 10i64]))
                .unwrap();
            assert!(plan.contains(index), "{plan}");
            assert!(!plan.contains("TEMP B-TREE"), "{plan}");
        }
        // Who was merged into a resident (`pull/resident.rs`).
        let plan = db
            .read(|tx| {
                tx.explain(
                    "SELECT entity_id, parent_id FROM records
                     WHERE merged_into = $1 AND entity = 'resident'",
                    vals!["x"],
                )
            })
            .unwrap();
        assert!(plan.contains("records_merged_into"), "{plan}");
    }

    /// On an analysed table of 40,000 changes over two communes of 20
    /// villages each, PostgreSQL seeks (village, seq), (commune, seq),
    /// (moved_from, seq), (also_village, seq), (household, seq) or
    /// (resident, seq) from the cursor, whether the cursor is far behind or
    /// at the end.
    #[cfg(feature = "postgres")]
    #[test]
    fn pull_seeks_an_index_on_postgres_too() {
        use crate::backend::scratch::ScratchSchema;
        let Ok(url) = std::env::var("GOCUA_TEST_PG_URL") else {
            eprintln!("GOCUA_TEST_PG_URL is not set: PostgreSQL not tested");
            return;
        };
        let schema = ScratchSchema::create(&url).unwrap();
        let db = CentralDb::connect(schema.url(), 2, &crate::ServerKey::generate()).unwrap();
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
                                      fields, device_id, received_at, household_id, moved_from,
                                      resident_id, also_village_id)
                 SELECT 'ch' || i, 'c' || (i % 40 / 20 + 1), 'v' || (i % 40), 'household',
                        'e' || i, 'h', '{}', 'd', 't', 'h' || (i / 8),
                        CASE WHEN i % 100 = 0 THEN 'v' || ((i + 1) % 40) END,
                        'r' || (i / 3),
                        CASE WHEN i % 100 = 1 THEN 'v' || ((i + 2) % 40) END
                 FROM generate_series(1, 40000) i",
                &[],
            )?;
            tx.execute("ANALYZE changes", &[])
        })
        .unwrap();
        for (key, id, after, index) in [
            (BY_VILLAGE, "v3", 0i64, "changes_village_seq"),
            (BY_VILLAGE, "v3", 39_990, "changes_village_seq"),
            (BY_COMMUNE, "c1", 0, "changes_commune_seq"),
            (BY_COMMUNE, "c2", 39_000, "changes_commune_seq"),
            (BY_MOVED_FROM, "v3", 0, "changes_moved_from_seq"),
            (BY_MOVED_FROM, "v3", 39_000, "changes_moved_from_seq"),
            (BY_HOUSEHOLD, "h77", 0, "changes_household_seq"),
            (HOUSEHOLD_RECORD, "h77", 0, "changes_household_seq"),
            (BY_ALSO_VILLAGE, "v3", 0, "changes_also_village_seq"),
            (BY_ALSO_VILLAGE, "v3", 39_000, "changes_also_village_seq"),
            (BY_RESIDENT, "r500", 0, "changes_resident_seq"),
        ] {
            let plan = db
                .read(|tx| tx.explain(&sql(key), vals![id, after, i64::MAX, 501i64]))
                .unwrap();
            assert!(plan.contains(index), "{plan}");
            assert!(!plan.contains("Seq Scan"), "{plan}");
        }
        drop(db);
    }
}
