//! Schema migrations: the SQL files in `migrations/device/`, applied in
//! order, each in its own transaction, each recorded so it runs once.

use crate::StoreError;
use rusqlite::{Connection, params};

/// (version, name, SQL). Append only: a shipped migration never changes.
pub(crate) type Migration = (i64, &'static str, &'static str);

/// The device schema.
pub(crate) const MIGRATIONS: &[Migration] = &[
    (
        1,
        "0001_init",
        include_str!("../../../migrations/device/0001_init.sql"),
    ),
    (
        2,
        "0002_sync",
        include_str!("../../../migrations/device/0002_sync.sql"),
    ),
    (
        3,
        "0003_quarantine_discards",
        include_str!("../../../migrations/device/0003_quarantine_discards.sql"),
    ),
    (
        4,
        "0004_scope_history",
        include_str!("../../../migrations/device/0004_scope_history.sql"),
    ),
    (
        5,
        "0005_training",
        include_str!("../../../migrations/device/0005_training.sql"),
    ),
    (
        6,
        "0006_resident_merges",
        include_str!("../../../migrations/device/0006_resident_merges.sql"),
    ),
    (
        7,
        "0007_review_marks",
        include_str!("../../../migrations/device/0007_review_marks.sql"),
    ),
    (
        8,
        "0008_resident_history",
        include_str!("../../../migrations/device/0008_resident_history.sql"),
    ),
    (
        9,
        "0009_clock",
        include_str!("../../../migrations/device/0009_clock.sql"),
    ),
    (
        10,
        "0010_resend",
        include_str!("../../../migrations/device/0010_resend.sql"),
    ),
    (
        11,
        "0011_search_fts",
        include_str!("../../../migrations/device/0011_search_fts.sql"),
    ),
    (
        12,
        "0012_resident_phone_voids",
        include_str!("../../../migrations/device/0012_resident_phone_voids.sql"),
    ),
    (
        13,
        "0013_signing",
        include_str!("../../../migrations/device/0013_signing.sql"),
    ),
    (
        14,
        "0014_relay",
        include_str!("../../../migrations/device/0014_relay.sql"),
    ),
];

pub(crate) fn run(conn: &mut Connection, migrations: &[Migration]) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version     INTEGER PRIMARY KEY,
             name        TEXT NOT NULL,
             applied_at  TEXT NOT NULL
         );",
    )?;
    let applied: Vec<i64> = conn
        .prepare("SELECT version FROM schema_migrations ORDER BY version")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let current = applied.last().copied().unwrap_or(0);
    let known = migrations.last().map(|m| m.0).unwrap_or(0);
    if current > known {
        return Err(StoreError::SchemaTooNew {
            found: current,
            known,
        });
    }
    // Every listed version not yet applied, in order: a version numbered
    // below one already applied (two branches each given a number, merged
    // in either order) still runs.
    for (version, name, sql) in migrations.iter().filter(|m| !applied.contains(&m.0)) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            params![version, name, chrono::Utc::now().to_rfc3339()],
        )?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each folder's files, in order, are exactly the listed migrations.
    fn check_listed(folder: &str, migrations: &[Migration]) {
        let dir = format!("{}/../../migrations/{folder}", env!("CARGO_MANIFEST_DIR"));
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        let listed: Vec<String> = migrations.iter().map(|m| format!("{}.sql", m.1)).collect();
        assert_eq!(files, listed);
        // Versions rise (a number may be held for another branch: `run`
        // applies any listed version not applied yet, so a gap filled later
        // still runs). Each file is named by its own version.
        for pair in migrations.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} then {}", pair[0].1, pair[1].1);
        }
        for m in migrations {
            assert!(m.1.starts_with(&format!("{:04}_", m.0)));
        }
    }

    #[test]
    fn every_device_migration_file_is_listed_in_order() {
        check_listed("device", MIGRATIONS);
    }
}
