//! The server's schema: the SQL files in `migrations/server/` (SQLite) and
//! `migrations/server-pg/` (PostgreSQL, the same steps in its dialect),
//! applied in order, each in its own transaction, each recorded so it runs
//! once. The PostgreSQL runner is the backend's (`pg.rs`): it takes an
//! advisory lock first.

use crate::CentralError;
use rusqlite::{Connection, params};

/// (version, name, SQL). Append only: a shipped migration never changes.
pub(crate) type Migration = (i64, &'static str, &'static str);

/// The central server's schema.
pub(crate) const SERVER_MIGRATIONS: &[Migration] = &[
    (
        1,
        "0001_init",
        include_str!("../../../../migrations/server/0001_init.sql"),
    ),
    (
        2,
        "0002_reports",
        include_str!("../../../../migrations/server/0002_reports.sql"),
    ),
    (
        3,
        "0003_scope_history",
        include_str!("../../../../migrations/server/0003_scope_history.sql"),
    ),
    (
        4,
        "0004_web_sessions",
        include_str!("../../../../migrations/server/0004_web_sessions.sql"),
    ),
    (
        5,
        "0005_report_summary",
        include_str!("../../../../migrations/server/0005_report_summary.sql"),
    ),
    (
        6,
        "0006_report_period",
        include_str!("../../../../migrations/server/0006_report_period.sql"),
    ),
    (
        7,
        "0007_report_follow_ups",
        include_str!("../../../../migrations/server/0007_report_follow_ups.sql"),
    ),
    (
        8,
        "0008_report_cursor",
        include_str!("../../../../migrations/server/0008_report_cursor.sql"),
    ),
    (
        9,
        "0009_training",
        include_str!("../../../../migrations/server/0009_training.sql"),
    ),
    (
        10,
        "0010_export_audit",
        include_str!("../../../../migrations/server/0010_export_audit.sql"),
    ),
    (
        11,
        "0011_resident_merges",
        include_str!("../../../../migrations/server/0011_resident_merges.sql"),
    ),
    (
        12,
        "0012_review_audit",
        include_str!("../../../../migrations/server/0012_review_audit.sql"),
    ),
    (
        13,
        "0013_training_deletions",
        include_str!("../../../../migrations/server/0013_training_deletions.sql"),
    ),
    (
        14,
        "0014_cross_village_merges",
        include_str!("../../../../migrations/server/0014_cross_village_merges.sql"),
    ),
    (
        15,
        "0015_log_without_row_checks",
        include_str!("../../../../migrations/server/0015_log_without_row_checks.sql"),
    ),
    (
        16,
        "0016_server_key",
        include_str!("../../../../migrations/server/0016_server_key.sql"),
    ),
    (
        17,
        "0017_device_replaced_by",
        include_str!("../../../../migrations/server/0017_device_replaced_by.sql"),
    ),
    (
        18,
        "0018_change_log_identity",
        include_str!("../../../../migrations/server/0018_change_log_identity.sql"),
    ),
    (
        19,
        "0019_registry_imports",
        include_str!("../../../../migrations/server/0019_registry_imports.sql"),
    ),
    (
        20,
        "0020_import_undo",
        include_str!("../../../../migrations/server/0020_import_undo.sql"),
    ),
    (
        21,
        "0021_signing_keys",
        include_str!("../../../../migrations/server/0021_signing_keys.sql"),
    ),
];

/// The same schema on PostgreSQL (applied by `pg.rs`). Keep the two
/// lists in step: a migration here for each one there.
#[cfg(feature = "postgres")]
pub(crate) const SERVER_PG_MIGRATIONS: &[Migration] = &[
    (
        1,
        "0001_init",
        include_str!("../../../../migrations/server-pg/0001_init.sql"),
    ),
    (
        2,
        "0002_reports",
        include_str!("../../../../migrations/server-pg/0002_reports.sql"),
    ),
    (
        3,
        "0003_scope_history",
        include_str!("../../../../migrations/server-pg/0003_scope_history.sql"),
    ),
    (
        4,
        "0004_web_sessions",
        include_str!("../../../../migrations/server-pg/0004_web_sessions.sql"),
    ),
    (
        5,
        "0005_report_summary",
        include_str!("../../../../migrations/server-pg/0005_report_summary.sql"),
    ),
    (
        6,
        "0006_report_period",
        include_str!("../../../../migrations/server-pg/0006_report_period.sql"),
    ),
    (
        7,
        "0007_report_follow_ups",
        include_str!("../../../../migrations/server-pg/0007_report_follow_ups.sql"),
    ),
    (
        8,
        "0008_report_cursor",
        include_str!("../../../../migrations/server-pg/0008_report_cursor.sql"),
    ),
    (
        9,
        "0009_training",
        include_str!("../../../../migrations/server-pg/0009_training.sql"),
    ),
    (
        10,
        "0010_export_audit",
        include_str!("../../../../migrations/server-pg/0010_export_audit.sql"),
    ),
    (
        11,
        "0011_resident_merges",
        include_str!("../../../../migrations/server-pg/0011_resident_merges.sql"),
    ),
    (
        12,
        "0012_review_audit",
        include_str!("../../../../migrations/server-pg/0012_review_audit.sql"),
    ),
    (
        13,
        "0013_training_deletions",
        include_str!("../../../../migrations/server-pg/0013_training_deletions.sql"),
    ),
    (
        14,
        "0014_cross_village_merges",
        include_str!("../../../../migrations/server-pg/0014_cross_village_merges.sql"),
    ),
    (
        15,
        "0015_log_without_row_checks",
        include_str!("../../../../migrations/server-pg/0015_log_without_row_checks.sql"),
    ),
    (
        16,
        "0016_server_key",
        include_str!("../../../../migrations/server-pg/0016_server_key.sql"),
    ),
    (
        17,
        "0017_device_replaced_by",
        include_str!("../../../../migrations/server-pg/0017_device_replaced_by.sql"),
    ),
    (
        18,
        "0018_change_log_identity",
        include_str!("../../../../migrations/server-pg/0018_change_log_identity.sql"),
    ),
    (
        19,
        "0019_registry_imports",
        include_str!("../../../../migrations/server-pg/0019_registry_imports.sql"),
    ),
    (
        20,
        "0020_import_undo",
        include_str!("../../../../migrations/server-pg/0020_import_undo.sql"),
    ),
    (
        21,
        "0021_signing_keys",
        include_str!("../../../../migrations/server-pg/0021_signing_keys.sql"),
    ),
];

pub(crate) fn run_sqlite(
    conn: &mut Connection,
    migrations: &[Migration],
) -> Result<(), CentralError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version     INTEGER PRIMARY KEY,
             name        TEXT NOT NULL,
             applied_at  TEXT NOT NULL
         );",
    )?;
    let current: i64 = conn.query_row(
        "SELECT coalesce(max(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?;
    let known = migrations.last().map(|m| m.0).unwrap_or(0);
    if current > known {
        return Err(CentralError::SchemaTooNew {
            found: current,
            known,
        });
    }
    for (version, name, sql) in migrations.iter().filter(|m| m.0 > current) {
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
        // Versions are consecutive: `run` applies only versions above the
        // database's, so a gap filled later would never be applied.
        // Each file is named by its own version.
        for (i, m) in migrations.iter().enumerate() {
            assert_eq!(m.0, i as i64 + 1);
            assert!(m.1.starts_with(&format!("{:04}_", m.0)));
        }
    }

    #[test]
    fn every_server_migration_file_is_listed_in_order() {
        check_listed("server", SERVER_MIGRATIONS);
    }

    #[test]
    fn every_server_pg_migration_file_is_listed_in_order() {
        check_listed("server-pg", SERVER_PG_MIGRATIONS);
        let names = |m: &[Migration]| m.iter().map(|m| m.1).collect::<Vec<_>>();
        assert_eq!(names(SERVER_PG_MIGRATIONS), names(SERVER_MIGRATIONS));
    }

    #[test]
    fn the_server_schema_applies_to_a_fresh_file_and_again_is_a_no_op() {
        let mut conn = Connection::open_in_memory().unwrap();
        run_sqlite(&mut conn, SERVER_MIGRATIONS).unwrap();
        run_sqlite(&mut conn, SERVER_MIGRATIONS).unwrap();
        let n: i64 = conn
            .query_row("SELECT count(*) FROM schema_migrations", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, SERVER_MIGRATIONS.len() as i64);
    }
}
