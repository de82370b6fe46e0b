//! The commune server's database: one SQLite file in the server's data
//! folder by default, encrypted under the server key (`key.rs`) (`migrations/server/`), or PostgreSQL for a province
//! that outgrows one machine (`migrations/server-pg/`, feature `postgres`).
//! It owns the communes' organisation and catalogues, enrollment codes and
//! devices, the log of every accepted change and the records built from it,
//! the report tables, the conflict log, officers' accounts and sessions.
//! It decides scope: every device's read and write goes through a
//! `DeviceAuth` and touches only that device's villages.
//!
//! All the server's SQL lives here, written once against the `Tx` trait
//! that both backends implement. It must not speak HTTP or render pages
//! (`gocua-server` does, calling these methods), and it applies the same
//! convergence rules as the device (`gocua_core::converge`), never its own.
//! How scope changes, moved households and merged residents reach the
//! right devices: `docs/sync.md`.

mod backend;
mod error;
mod key;
mod log_identity;
mod lookups;
mod office;
mod org;
mod pull;
mod push;
mod report;
mod scopes;
mod signing_keys;

pub use backend::backup::{BackupInfo, restore};
pub use backend::inspect;
#[cfg(feature = "postgres")]
pub use backend::scratch;
pub use error::CentralError;
pub use key::{BadKeyText, ServerKey};
pub use log_identity::{LogIdentity, ResendStatus};
pub use office::accounts::{
    AccountError, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, PasswordCheck, WebAccount,
    normalize_login,
};
pub use office::audit::{ExportChannel, ExportEntry, ExportEvent, MAX_AUDIT_PAGE};
pub use office::audit_pages::{AuditFilter, AuditPage, PageAt};
pub use office::change_audit::{ChangeEntry, ReviewStep};
pub use office::conflicts::ConflictEntry;
pub use office::duplicates::{DuplicateCandidate, ResidentBrief, ResidentCard};
pub use office::household_view::HouseholdView;
pub use office::merges::{CardAction, MergeEntry, office_device};
pub use office::sessions::{NewSession, SESSION_IDLE, SESSION_MAX, WebSession, constant_time_eq};
pub use office::web_review::WEB_DEVICE_NAME;
pub use org::enroll::{DeviceEntry, Enrollment, IssuedCode, normalize_code};
pub use org::import::{
    ImportCounts, ImportError, ImportTarget, RegistryHousehold, import_device, registry_id,
};
pub use org::import_ledger::{ImportEntry, ImportSource, ImportUndone};
pub use org::import_undo::{KeptField, KeptRecord, UndoError, UndoReport};
pub use org::registry_state::{
    RegistryRecord, RegistryRefusal, RegistryState, RegistryUpdate, refusal_hash,
};
pub use org::training::{TrainingDeletion, TrainingSession};
pub use org::{OrgView, Target};
pub use pull::{PullFilter, PullPage};
pub use push::{ApplyResult, Grouped, StoredRecord, TokenPush};
pub use report::MAX_PAGE as REPORT_MAX_PAGE;
pub use report::catch_up::{REPORT_BATCH, ReportLag};
#[cfg(feature = "postgres")]
pub use report::synthetic::{SyntheticProvince, synthetic_id, synthetic_province};
pub use signing_keys::TeamDeviceKey;

use backend::sql::Tx;
use chrono::{DateTime, SecondsFormat, Utc};
use gocua_core::{CommuneId, DeviceId, Member, Role, VillageId};
use serde::Serialize;
use std::path::Path;

/// What a device may see and write: its member's commune and villages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scope {
    pub commune_id: CommuneId,
    pub role: Role,
    /// A team's villages for members and leaders; the whole commune's for
    /// officers and admins.
    pub village_ids: Vec<VillageId>,
}

impl Scope {
    pub fn covers(&self, village: VillageId) -> bool {
        self.village_ids.contains(&village)
    }

    /// Officers and admins see the whole commune.
    pub fn is_commune_wide(&self) -> bool {
        matches!(self.role, Role::CommuneOfficer | Role::Admin)
    }
}

/// An authenticated device, as every request after enrollment carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceAuth {
    pub device_id: DeviceId,
    pub member: Member,
    pub scope: Scope,
    /// The device's Ed25519 public key (hex): with one, every change it
    /// authors must carry its signature (`push/proof.rs`). None for a
    /// device enrolled by an older app that has not registered one yet, and
    /// for the server's own writers (the registry import, the web pages).
    #[serde(skip)]
    pub signing_key: Option<String>,
}

/// Connections a PostgreSQL-backed server keeps open at most.
pub const DEFAULT_PG_POOL: u32 = 16;

/// The central database. Safe to share between threads: SQLite keeps one
/// connection and takes turns on it; PostgreSQL lends each call a
/// connection from a pool.
pub struct CentralDb {
    backend: Backend,
    /// Unwraps the communes' CCCD secrets (`key.rs`).
    key: ServerKey,
}

enum Backend {
    Sqlite(backend::sqlite::SqliteDb),
    #[cfg(feature = "postgres")]
    Postgres(backend::pg::PgDb),
}

impl CentralDb {
    /// Open (creating if needed) the SQLite database at `path` and bring
    /// its schema up to date. Writes are WAL with synchronous=FULL: a push
    /// the device was told was applied survives a power cut.
    /// The file is encrypted under `key` (a plain file from before keys is
    /// encrypted first); another key is refused (`CentralError::WrongKey`).
    pub fn open(path: &Path, key: &ServerKey) -> Result<CentralDb, CentralError> {
        CentralDb {
            backend: Backend::Sqlite(backend::sqlite::SqliteDb::open(path, key)?),
            key: key.clone(),
        }
        .bound()
    }

    /// Connect to PostgreSQL (`postgres://user:password@host:port/db`;
    /// `?options=-csearch_path%3Dname` picks a schema) and bring its schema
    /// up to date, with a pool of at most `pool_size` connections. Only with
    /// the `postgres` feature (the server's; devices do without).
    #[cfg(feature = "postgres")]
    /// `key` wraps the communes' CCCD secrets; the first key to connect is
    /// recorded and another refused (`CentralError::WrongKey`).
    pub fn connect(url: &str, pool_size: u32, key: &ServerKey) -> Result<CentralDb, CentralError> {
        CentralDb {
            backend: Backend::Postgres(backend::pg::PgDb::connect(url, pool_size.max(1))?),
            key: key.clone(),
        }
        .bound()
    }

    /// Check the key against the database and wrap secrets kept plain.
    fn bound(self) -> Result<CentralDb, CentralError> {
        self.write(|tx| {
            key::bind(tx, &self.key)?;
            log_identity::ensure(tx)
        })?;
        Ok(self)
    }

    pub(crate) fn key(&self) -> &ServerKey {
        &self.key
    }

    /// `sqlite` or `postgres`.
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            #[cfg(feature = "postgres")]
            Backend::Postgres(_) => "postgres",
        }
    }

    /// "ok" when the database is sound (SQLite's integrity check; on
    /// PostgreSQL, that it answers and has the schema).
    pub fn integrity_check(&self) -> Result<String, CentralError> {
        match &self.backend {
            Backend::Sqlite(db) => db.integrity_check(),
            #[cfg(feature = "postgres")]
            Backend::Postgres(_) => self.read(|tx| {
                tx.query("SELECT count(*) FROM schema_migrations", &[])?;
                Ok("ok".to_string())
            }),
        }
    }

    /// A consistent copy of the SQLite database at `dest` (a new file,
    /// 0600), taken while the server serves, encrypted as the database is
    /// and checked before this returns. PostgreSQL keeps its own backups
    /// (`pg_dump`): refused here.
    pub fn backup_to(&self, dest: &Path) -> Result<BackupInfo, CentralError> {
        match &self.backend {
            Backend::Sqlite(db) => db.backup_to(dest),
            #[cfg(feature = "postgres")]
            Backend::Postgres(_) => Err(CentralError::Backup(
                "on PostgreSQL, back up with pg_dump (see docs/operating.md)".into(),
            )),
        }
    }

    /// Whether the link to the database is encrypted: None for SQLite (no
    /// link), else whether PostgreSQL says this connection uses TLS.
    pub fn link_encrypted(&self) -> Result<Option<bool>, CentralError> {
        match &self.backend {
            Backend::Sqlite(_) => Ok(None),
            #[cfg(feature = "postgres")]
            Backend::Postgres(_) => self.read(|tx| {
                let row = tx.query_opt(
                    "SELECT CASE WHEN ssl THEN 1 ELSE 0 END FROM pg_stat_ssl
                     WHERE pid = pg_backend_pid()",
                    &[],
                )?;
                Ok(Some(match row {
                    Some(r) => r.int(0)? == 1,
                    None => false,
                }))
            }),
        }
    }

    /// Run `f` in a transaction that only reads.
    pub(crate) fn read<T>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, CentralError>,
    ) -> Result<T, CentralError> {
        match &self.backend {
            Backend::Sqlite(db) => db.transaction(false, f),
            #[cfg(feature = "postgres")]
            Backend::Postgres(db) => db.transaction(f),
        }
    }

    /// Run `f` in a transaction that writes: committed when it returns Ok,
    /// rolled back when it fails.
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, CentralError>,
    ) -> Result<T, CentralError> {
        match &self.backend {
            Backend::Sqlite(db) => db.transaction(true, f),
            #[cfg(feature = "postgres")]
            Backend::Postgres(db) => db.transaction(f),
        }
    }
}

/// Whether the SQLite file at `path` is a plain database from before
/// keys (the next `CentralDb::open` encrypts it); false for an encrypted,
/// empty or missing file.
pub fn is_plain_sqlite(path: &Path) -> Result<bool, CentralError> {
    backend::cipher::is_plain(path)
}

/// A time as stored: RFC 3339 UTC with milliseconds, so text order is time
/// order.
pub(crate) fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parse a stored time.
pub(crate) fn parse_stamp(s: &str) -> Result<DateTime<Utc>, CentralError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| CentralError::Corrupt(format!("bad time {s}: {e}")))
}

/// Lower-case hex SHA-256 of a secret's text: what is kept instead of it.
pub(crate) fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// 32 bytes from the operating system's generator (via the thread RNG, a
/// CSPRNG seeded from it).
pub(crate) fn random_32() -> [u8; 32] {
    use rand::Rng;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}
