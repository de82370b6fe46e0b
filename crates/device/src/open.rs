//! Opening the encrypted file, and the device's identity inside it.

use crate::{Store, StoreError, migrate, rows};
use gocua_core::{DeviceId, Hlc, HlcClock, validate};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::Serialize;
use std::fmt;
use std::path::Path;
use std::sync::Mutex;

/// The key that unlocks the database file.
#[derive(Clone)]
pub enum DbKey {
    /// A passphrase; SQLCipher stretches it with its own KDF (slow on purpose).
    Passphrase(String),
    /// 32 random-looking bytes already derived by the caller (the app derives
    /// them from the PIN with argon2id); used as the raw cipher key.
    Raw([u8; 32]),
}

impl fmt::Debug for DbKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DbKey(…)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceInfo {
    pub device_id: DeviceId,
    pub device_name: String,
    pub created_at: String,
}

impl Store {
    /// Open (creating if needed) the store at `path`, unlock it with `key`
    /// and bring its schema up to date.
    pub fn open(path: &Path, key: &DbKey) -> Result<Store, StoreError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        {
            // One connection at a time attaches its cipher: once, with
            // several stores opened at the same moment in one process, a
            // fresh file's `PRAGMA key` failed ("An error occurred with
            // PRAGMA key or rekey"), as SQLCipher's crypto provider set-up
            // is known to race. Attaching is cheap (the key derivation
            // happens at the first read, below, outside the lock).
            static ATTACH: Mutex<()> = Mutex::new(());
            let _turn = ATTACH
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            // A wrong key otherwise makes SQLCipher print HMAC errors on stderr.
            let _ = conn.execute_batch("PRAGMA cipher_log_level = NONE;");
            match key {
                DbKey::Passphrase(p) => conn.pragma_update(None, "key", p)?,
                DbKey::Raw(bytes) => {
                    conn.pragma_update(None, "key", format!("x'{}'", hex::encode(bytes)))?
                }
            }
        }
        // The key is only checked when the first page is read.
        match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        }) {
            Ok(_) => {}
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::NotADatabase =>
            {
                return Err(StoreError::WrongKey);
            }
            Err(e) => return Err(e.into()),
        }
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;
             PRAGMA busy_timeout = 5000;
             -- Every page read from disk is decrypted again; the default 2 MB
             -- cache makes a commune-sized file (~200 MB) re-decrypt the same
             -- pages on every query. 16 MB keeps the working set hot.
             PRAGMA cache_size = -16000;",
        )?;
        crate::search::register_functions(&conn)?;
        let mut conn = conn;
        migrate::run(&mut conn, migrate::MIGRATIONS)?;
        let clock = conn
            .query_row("SELECT last_hlc FROM device WHERE singleton = 1", [], |r| {
                rows::col::<Hlc>(r, 0)
            })
            .optional()?
            .map(HlcClock::resume);
        let skew = crate::clock::load_skew(&conn)?;
        Ok(Store {
            conn,
            clock,
            skew,
            clock_shift_ms: crate::clock::test_shift_from_env(),
        })
    }

    /// Give this store its device identity. Done once, before any write.
    pub fn init_device(&mut self, device_name: &str) -> Result<DeviceInfo, StoreError> {
        if self.clock.is_some() {
            return Err(StoreError::AlreadyInitialised);
        }
        let name = gocua_core::text::normalize_name(device_name);
        validate::required_text("device_name", &name)
            .map_err(gocua_core::ValidationErrors::from)?;
        let device_id = DeviceId::new();
        let clock = HlcClock::new(device_id);
        let created_at = chrono::Utc::now().to_rfc3339();
        self.conn.execute(
            "INSERT INTO device (singleton, device_id, device_name, created_at, last_hlc)
             VALUES (1, ?1, ?2, ?3, ?4)",
            params![
                device_id.to_string(),
                name,
                created_at,
                clock.current().to_string()
            ],
        )?;
        crate::org::seed_catalogue_if_empty(&self.conn)?;
        self.clock = Some(clock);
        Ok(DeviceInfo {
            device_id,
            device_name: name,
            created_at,
        })
    }

    pub fn device(&self) -> Result<Option<DeviceInfo>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT device_id, device_name, created_at FROM device WHERE singleton = 1",
                [],
                |r| {
                    Ok(DeviceInfo {
                        device_id: rows::col(r, 0)?,
                        device_name: r.get(1)?,
                        created_at: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }
}
