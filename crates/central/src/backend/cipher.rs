//! The SQLite file is encrypted with SQLCipher under a key derived from the
//! server key (`key.rs`), as the phones' files are under theirs. A file
//! from before keys is plain: it is encrypted when a key first opens it,
//! into a new file that replaces the plain one only once it is verified.

use crate::CentralError;
use crate::key::ServerKey;
use rusqlite::{Connection, OpenFlags};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Attach `key` to a new connection and prove it opens the file: SQLCipher
/// only checks a key when the first page is read.
pub(crate) fn unlock(conn: &Connection, key: &ServerKey) -> Result<(), CentralError> {
    {
        // One connection at a time: SQLCipher's crypto provider set-up is
        // known to race when several connections attach a key at the same
        // moment (seen on the phones' store, `gocua-device` open.rs).
        static ATTACH: Mutex<()> = Mutex::new(());
        let _turn = ATTACH.lock().unwrap_or_else(|p| p.into_inner());
        // A wrong key otherwise makes SQLCipher print HMAC errors on stderr.
        let _ = conn.execute_batch("PRAGMA cipher_log_level = NONE;");
        conn.pragma_update(None, "key", key.sqlcipher_pragma())?;
    }
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::NotADatabase =>
        {
            Err(CentralError::WrongKey)
        }
        Err(e) => Err(e.into()),
    }
}

/// Whether `path` is a plain (unencrypted) SQLite database: its first
/// bytes are SQLite's header, which SQLCipher's files never show.
pub(crate) fn is_plain(path: &Path) -> Result<bool, CentralError> {
    let mut head = [0u8; 16];
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(CentralError::Encrypting(format!("{}: {e}", path.display()))),
    };
    let mut read = 0;
    while read < head.len() {
        match file.read(&mut head[read..]) {
            Ok(0) => return Ok(false),
            Ok(n) => read += n,
            Err(e) => return Err(CentralError::Encrypting(format!("{}: {e}", path.display()))),
        }
    }
    Ok(&head == b"SQLite format 3\0")
}

/// Encrypt the plain database at `path` under `key`, in place: exported to
/// a new private file beside it, checked (integrity, and every table's row
/// count equal to the plain one's), then renamed over the plain file. A
/// failure at any step leaves the plain file as it was.
pub(crate) fn encrypt_plain(path: &Path, key: &ServerKey) -> Result<(), CentralError> {
    let fail = |what: &str, e: &dyn std::fmt::Display| {
        CentralError::Encrypting(format!("{what} ({}): {e}", path.display()))
    };
    let new = sibling(path, ".encrypting");
    remove_if_there(&new).map_err(|e| fail("removing an unfinished copy", &e))?;
    create_private(&new).map_err(|e| fail("creating the encrypted copy", &e))?;

    let plain = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    // Everything into the main file first: the copy reads the main file.
    plain.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    let sound: String = plain.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if sound != "ok" {
        let _ = std::fs::remove_file(&new);
        return Err(fail("the plain database is damaged", &sound));
    }
    let counts = table_counts(&plain)?;
    let exported = plain
        .execute(
            "ATTACH DATABASE ?1 AS encrypted KEY ?2",
            rusqlite::params![new.to_string_lossy(), key.sqlcipher_pragma()],
        )
        .and_then(|_| plain.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(())))
        .and_then(|_| plain.execute_batch("DETACH DATABASE encrypted;"));
    if let Err(e) = exported {
        let _ = std::fs::remove_file(&new);
        return Err(fail("exporting", &e));
    }

    let verified = (|| -> Result<(), CentralError> {
        let copy = Connection::open_with_flags(&new, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        unlock(&copy, key)?;
        let sound: String = copy.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if sound != "ok" {
            return Err(fail("the encrypted copy is damaged", &sound));
        }
        if table_counts(&copy)? != counts {
            return Err(fail("checking the copy", &"row counts differ"));
        }
        Ok(())
    })();
    if let Err(e) = verified {
        let _ = std::fs::remove_file(&new);
        return Err(e);
    }
    // Closing the last connection removes the plain file's -wal and -shm.
    // One still holding frames means another process has the file open:
    // its frames would be replayed into the encrypted file.
    drop(plain);
    let wal = sibling(path, "-wal");
    if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
        let _ = std::fs::remove_file(&new);
        return Err(fail(
            "another process has the database open",
            &"stop it first",
        ));
    }
    for leftover in [wal, sibling(path, "-shm")] {
        remove_if_there(&leftover).map_err(|e| fail("removing the plain file's WAL", &e))?;
    }
    std::fs::rename(&new, path).map_err(|e| fail("replacing the plain file", &e))?;
    sync_parent(path);
    Ok(())
}

/// Every table's name and row count, in name order.
fn table_counts(conn: &Connection) -> Result<Vec<(String, i64)>, CentralError> {
    let names: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table'
               AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let quoted = name.replace('"', "\"\"");
        let n: i64 = conn.query_row(&format!("SELECT count(*) FROM \"{quoted}\""), [], |r| {
            r.get(0)
        })?;
        out.push((name, n));
    }
    Ok(out)
}

/// `path` with `suffix` added to its file name.
pub(crate) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

fn remove_if_there(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// An empty file only the owner may read, so that the copy is private
/// from its first byte.
fn create_private(path: &Path) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path).map(drop)
}

/// Make a rename durable (best effort: not every file system allows
/// opening a folder).
fn sync_parent(path: &Path) {
    if let Some(Ok(d)) = path.parent().map(std::fs::File::open) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CentralDb;
    use crate::backend::migrate::{SERVER_MIGRATIONS, run_sqlite};
    use gocua_core::CommuneId;
    use gocua_core::citizen_id::CommuneSecret;

    /// A data folder's database as the server kept it before keys: plain
    /// SQLite, schema up to migration 15, a commune's secret in clear.
    fn plain_from_before(path: &Path, commune: CommuneId, secret: &CommuneSecret) {
        let mut conn = Connection::open(path).unwrap();
        conn.execute_batch("PRAGMA journal_mode = WAL;").unwrap();
        let before_keys: Vec<_> = SERVER_MIGRATIONS
            .iter()
            .copied()
            .filter(|m| m.0 <= 15)
            .collect();
        run_sqlite(&mut conn, &before_keys).unwrap();
        conn.execute(
            "INSERT INTO communes (id, name, province, secret_hex, created_at)
             VALUES (?1, 'Xã Cũ', 'Thanh Hóa', ?2, '2026-01-01T00:00:00.000Z')",
            rusqlite::params![commune.to_string(), secret.to_hex()],
        )
        .unwrap();
        drop(conn);
    }

    #[test]
    fn a_plain_file_from_before_is_encrypted_in_place_keeping_everything() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("central.db");
        let commune = CommuneId::new();
        let secret = CommuneSecret::from_bytes([5; 32]);
        plain_from_before(&path, commune, &secret);
        assert!(is_plain(&path).unwrap());

        let key = ServerKey::generate();
        let db = CentralDb::open(&path, &key).unwrap();
        assert!(!is_plain(&path).unwrap(), "encrypted in place");
        let communes = db.communes().unwrap();
        assert_eq!(communes.len(), 1);
        assert_eq!(communes[0].name, "Xã Cũ");
        // The CCCD secret is the same one (hashes made before still match),
        // now kept wrapped.
        let target = db.import_target(Some(commune), None).unwrap();
        assert_eq!(target.secret, secret);
        drop(db);
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            !names.iter().any(|n| n.contains("encrypting")),
            "no copy left behind: {names:?}"
        );
        let reopened = CentralDb::open(&path, &key).unwrap();
        assert_eq!(
            reopened.import_target(Some(commune), None).unwrap().secret,
            secret
        );
    }

    #[test]
    fn a_failed_conversion_leaves_the_plain_file_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("central.db");
        plain_from_before(&path, CommuneId::new(), &CommuneSecret::from_bytes([5; 32]));
        // The copy cannot be made where a folder stands in its way.
        std::fs::create_dir(sibling(&path, ".encrypting")).unwrap();
        let before = std::fs::read(&path).unwrap();
        assert!(matches!(
            CentralDb::open(&path, &ServerKey::generate()),
            Err(CentralError::Encrypting(_))
        ));
        assert!(is_plain(&path).unwrap());
        assert_eq!(std::fs::read(&path).unwrap().len(), before.len());
    }
}
