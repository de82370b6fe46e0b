//! The central server's database: one plain SQLite file in the server's data
//! folder (schema in `migrations/server/`). It owns the communes'
//! organisation and catalogues, enrollment codes and devices, the log of
//! every accepted change with the current state built from it, and the
//! conflict log. It decides scope: every read and write goes through a
//! `DeviceAuth` and touches only that device's villages.
//!
//! All SQL of the server lives here; the HTTP layer (`gocua-server`) only
//! calls these methods. Merge rules are `gocua_core::merge`'s, the same
//! functions the device store applies, so both reach the same state.

mod conflicts;
mod enroll;
mod error;
mod org;
mod pull;
mod push;

pub use conflicts::ConflictEntry;
pub use enroll::{DeviceEntry, Enrollment, IssuedCode, normalize_code};
pub use error::CentralError;
pub use org::{OrgView, Target};
pub use pull::PullPage;
pub use push::{ApplyResult, StoredRecord};

use crate::migrate;
use chrono::{DateTime, SecondsFormat, Utc};
use gocua_core::{CommuneId, DeviceId, Member, Role, VillageId};
use rusqlite::{Connection, OpenFlags};
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
}

/// The central database. One connection; the server serialises access.
pub struct CentralDb {
    conn: Connection,
}

impl CentralDb {
    /// Open (creating if needed) the database at `path` and bring its schema
    /// up to date. Writes are WAL with synchronous=FULL: a push the device
    /// was told was applied survives a power cut.
    pub fn open(path: &Path) -> Result<CentralDb, CentralError> {
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;
             PRAGMA busy_timeout = 5000;
             PRAGMA cache_size = -32000;",
        )?;
        migrate::run(&mut conn, migrate::SERVER_MIGRATIONS)?;
        Ok(CentralDb { conn })
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    pub fn integrity_check(&self) -> Result<String, CentralError> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }
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
