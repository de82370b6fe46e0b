//! A backup of the SQLite database while the server serves: `VACUUM INTO`
//! on a read connection copies one consistent snapshot (WAL lets pushes
//! go on meanwhile), encrypted under the same key as the database. The
//! copy is private from its first byte, and checked before it is called
//! done: opened under the key, integrity checked, not plain. `restore` puts
//! one back in place of the database, keeping the replaced file aside.

use crate::CentralError;
use crate::backend::cipher;
use crate::backend::sqlite::SqliteDb;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::time::{Duration, Instant};

/// What a backup wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BackupInfo {
    pub bytes: u64,
    #[serde(serialize_with = "as_seconds")]
    pub took: Duration,
}

fn as_seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

impl SqliteDb {
    pub(crate) fn backup_to(&self, dest: &Path) -> Result<BackupInfo, CentralError> {
        let started = Instant::now();
        let fail = |what: &str, e: &dyn std::fmt::Display| {
            CentralError::Backup(format!("{what} ({}): {e}", dest.display()))
        };
        // Never over an existing file: a backup must not replace another.
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        opts.open(dest)
            .map_err(|e| fail("creating the backup file", &e))?;
        let written = self.with_reader(|conn| {
            conn.execute("VACUUM INTO ?1", [dest.to_string_lossy()])?;
            Ok(())
        });
        let checked = written.and_then(|()| verify(dest, self.key()));
        if let Err(e) = checked {
            let _ = std::fs::remove_file(dest);
            return Err(e);
        }
        let bytes = std::fs::metadata(dest)
            .map_err(|e| fail("reading the backup file", &e))?
            .len();
        Ok(BackupInfo {
            bytes,
            took: started.elapsed(),
        })
    }
}

/// The copy opens under the key, is sound, and is not plain SQLite.
pub(crate) fn verify(path: &Path, key: &crate::ServerKey) -> Result<(), CentralError> {
    if cipher::is_plain(path)? {
        return Err(CentralError::Backup(format!(
            "{} is not encrypted",
            path.display()
        )));
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    cipher::unlock(&conn, key)?;
    let sound: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if sound != "ok" {
        return Err(CentralError::Backup(format!(
            "{}: integrity check says {sound}",
            path.display()
        )));
    }
    Ok(())
}

/// Put the backup at `backup` in place of the database file `db`: the
/// backup checked under `key` first, copied beside `db` (private) and
/// checked again, the replaced file (with its WAL) kept aside under a
/// name with the time, then the copy renamed into place. The caller makes
/// sure no server has `db` open. Returns where the replaced file went.
pub fn restore(
    backup: &Path,
    db: &Path,
    key: &crate::ServerKey,
) -> Result<Option<std::path::PathBuf>, CentralError> {
    let fail = |what: &str, e: &dyn std::fmt::Display| {
        CentralError::Backup(format!("{what} ({}): {e}", backup.display()))
    };
    verify(backup, key)?;
    let copy = cipher::sibling(db, ".restoring");
    match std::fs::remove_file(&copy) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(fail("removing an unfinished copy", &e));
        }
        _ => {}
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut out = opts
        .open(&copy)
        .map_err(|e| fail("creating the copy", &e))?;
    let copied = std::fs::File::open(backup)
        .and_then(|mut input| std::io::copy(&mut input, &mut out))
        .and_then(|_| out.sync_all());
    drop(out);
    if let Err(e) = copied
        .map_err(|e| fail("copying", &e))
        .and_then(|()| verify(&copy, key))
    {
        let _ = std::fs::remove_file(&copy);
        return Err(e);
    }
    let aside = if db.exists() {
        let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
        let aside = cipher::sibling(db, &format!(".before-restore-{stamp}"));
        for (from, to) in [
            (db.to_path_buf(), aside.clone()),
            (cipher::sibling(db, "-wal"), cipher::sibling(&aside, "-wal")),
            (cipher::sibling(db, "-shm"), cipher::sibling(&aside, "-shm")),
        ] {
            if from.exists() {
                std::fs::rename(&from, &to).map_err(|e| fail("keeping the replaced file", &e))?;
            }
        }
        Some(aside)
    } else {
        None
    };
    std::fs::rename(&copy, db).map_err(|e| fail("putting the backup in place", &e))?;
    if let Some(Ok(d)) = db.parent().map(std::fs::File::open) {
        let _ = d.sync_all();
    }
    Ok(aside)
}

#[cfg(test)]
mod tests {
    use crate::{CentralDb, CentralError, ServerKey};

    #[test]
    fn a_backup_is_a_checked_encrypted_snapshot_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let key = ServerKey::generate();
        let db = CentralDb::open(&dir.path().join("central.db"), &key).unwrap();
        db.create_commune("Xã Trước", "Thanh Hóa").unwrap();
        let copy = dir.path().join("backup.db");
        let info = db.backup_to(&copy).unwrap();
        assert!(info.bytes > 0);
        db.create_commune("Xã Sau", "Thanh Hóa").unwrap();

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&copy).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(!crate::is_plain_sqlite(&copy).unwrap());
        assert!(matches!(
            CentralDb::open(&copy, &ServerKey::generate()),
            Err(CentralError::WrongKey)
        ));
        let restored = CentralDb::open(&copy, &key).unwrap();
        let names: Vec<String> = restored
            .communes()
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, ["Xã Trước"], "the snapshot as it was");
        assert_eq!(restored.integrity_check().unwrap(), "ok");

        let before = std::fs::read(&copy).unwrap();
        assert!(matches!(db.backup_to(&copy), Err(CentralError::Backup(_))));
        assert_eq!(
            std::fs::read(&copy).unwrap(),
            before,
            "an existing file is kept"
        );
    }
}
