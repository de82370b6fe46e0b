//! The central server's database: one plain SQLite file in the server's
//! data folder by default (schema in `migrations/server/`), or PostgreSQL
//! for a province that outgrows one machine (`migrations/server-pg/`; the
//! `postgres` feature, which only `gocua-server` turns on, so devices never
//! build the PostgreSQL client). It
//! owns the communes' organisation and catalogues, enrollment codes and
//! devices, the log of every accepted change with the current state built
//! from it, and the conflict log. It decides scope: every read and write
//! goes through a `DeviceAuth` and touches only that device's villages.
//!
//! All SQL of the server lives here, written once against the `Tx` trait
//! (`sql.rs`) that both backends implement; the HTTP layer
//! (`gocua-server`) only calls these methods. Merge rules are
//! `gocua_core::merge`'s, the same functions the device store applies, so
//! both reach the same state.
//!
//! Scope changes. A device pulls its scope with one cursor over the change
//! log (`seq`), each change logged under the village its record is in. Two
//! things move records relative to that cursor, and both are handled
//! without ever reading more than what is returned:
//! - A household moving to another village is logged under the new village
//!   with `moved_from` naming the old one, and a pull of a village walks
//!   (village_id, seq) and (moved_from, seq): the old village's devices get
//!   the move (the household leaves their lists; no later change of it
//!   reaches them) and the new village's get it marked as a move. Every
//!   change also names its `household_id`, so a device that does not hold
//!   the old village fetches that household's history, up to the move, by
//!   (household_id, seq): residents, visits and actions, wherever they were
//!   logged. The server hands a household's history only to devices whose
//!   scope holds it now.
//! - A device's scope growing (its team gains a village, its member changes
//!   team or role): the device compares the scope sent on each sync with
//!   the villages it holds and fetches, once, each new village's changes up
//!   to its cursor, by (village_id, seq) with an upper bound (`until`);
//!   what comes after is the cursor's. A village lost is forgotten, so
//!   gaining it again fetches it again. The device keeps track of this
//!   (`gocua_store`'s `history.rs`), each page applied with its progress in
//!   one transaction; the wire is
//!   `pull?village=…|household=…|resident=…&until=…`.
//! - A resident merged into one of another village (issue 6) counts where
//!   the kept one (the root, after chains) lives, so that village's devices
//!   must count its actions too. Each change names the resident it is about
//!   (`resident_id`: a resident's own, an action's), and one of a resident
//!   whose root lives elsewhere is also logged for the root's village
//!   (`also_village_id`, walked by the scope pull like `moved_from`): the
//!   merge itself, the duplicate's later edits, its actions and their
//!   voids, a void of a visit holding one. A merge that takes the root out
//!   of a village (undone, or into another) names that village as
//!   `moved_from`. A device pulling the merge of a resident it does not
//!   hold fetches that resident's history once, by (resident_id, seq): the
//!   resident, everyone merged into it before, their actions, and the
//!   household record and visits those need on the device — not the
//!   housemates nor their actions (`pull_resident.rs`); the server hands it
//!   only to devices whose scope holds the root's village.
//!
//! Not covered: a resident moving to a household of another village
//! carries no history (its earlier changes stay keyed to its old
//! household); a device that held a village keeps its copies of that
//! village's records after losing it (out of its lists and search, no
//! longer updated), and a device of a village a merged person no longer
//! counts in keeps the duplicate's copies likewise; merges across villages
//! made before migration 0014 reach the kept village only with their later
//! changes (re-merge to send them); an older device of the kept village
//! holds those changes in its quarantine until it is updated.

mod accounts;
mod audit;
mod change_audit;
mod conflicts;
mod duplicates;
mod enroll;
mod error;
mod household_view;
mod import;
mod merges;
mod org;
#[cfg(feature = "postgres")]
mod pg;
mod pull;
mod pull_resident;
mod push;
mod push_batch;
mod push_judge;
mod push_reach;
mod report;
mod report_catch_up;
mod report_derived;
mod report_drill;
#[cfg(feature = "postgres")]
mod report_gen;
mod report_merges;
mod report_project;
mod report_sql;
mod report_stock;
mod scopes;
#[cfg(feature = "postgres")]
pub mod scratch;
mod sessions;
mod sql;
mod sqlite;
mod training;
mod web_review;

pub use accounts::{
    AccountError, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, PasswordCheck, WebAccount,
    normalize_login,
};
pub use audit::{ExportChannel, ExportEntry, ExportEvent, MAX_AUDIT_PAGE};
pub use change_audit::{ChangeEntry, ReviewStep};
pub use conflicts::ConflictEntry;
pub use duplicates::{DuplicateCandidate, ResidentBrief, ResidentCard};
pub use enroll::{DeviceEntry, Enrollment, IssuedCode, normalize_code};
pub use error::CentralError;
pub use household_view::HouseholdView;
pub use import::{
    ImportCounts, ImportError, ImportTarget, RegistryHousehold, import_device, registry_id,
};
pub use merges::{CardAction, MergeEntry, office_device};
pub use org::{OrgView, Target};
pub use pull::{PullFilter, PullPage};
pub use push::{ApplyResult, Grouped, StoredRecord};
pub use report::MAX_PAGE as REPORT_MAX_PAGE;
pub use report_catch_up::{REPORT_BATCH, ReportLag};
#[cfg(feature = "postgres")]
pub use report_gen::{SyntheticProvince, synthetic_id, synthetic_province};
pub use sessions::{NewSession, SESSION_IDLE, SESSION_MAX, WebSession, constant_time_eq};
pub use training::{TrainingDeletion, TrainingSession};
pub use web_review::WEB_DEVICE_NAME;

use chrono::{DateTime, SecondsFormat, Utc};
use gocua_core::{CommuneId, DeviceId, Member, Role, VillageId};
use serde::Serialize;
use sql::Tx;
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

/// Connections a PostgreSQL-backed server keeps open at most.
pub const DEFAULT_PG_POOL: u32 = 16;

/// The central database. Safe to share between threads: SQLite keeps one
/// connection and takes turns on it; PostgreSQL lends each call a
/// connection from a pool.
pub struct CentralDb {
    backend: Backend,
}

enum Backend {
    Sqlite(sqlite::SqliteDb),
    #[cfg(feature = "postgres")]
    Postgres(pg::PgDb),
}

impl CentralDb {
    /// Open (creating if needed) the SQLite database at `path` and bring
    /// its schema up to date. Writes are WAL with synchronous=FULL: a push
    /// the device was told was applied survives a power cut.
    pub fn open(path: &Path) -> Result<CentralDb, CentralError> {
        Ok(CentralDb {
            backend: Backend::Sqlite(sqlite::SqliteDb::open(path)?),
        })
    }

    /// Connect to PostgreSQL (`postgres://user:password@host:port/db`;
    /// `?options=-csearch_path%3Dname` picks a schema) and bring its schema
    /// up to date, with a pool of at most `pool_size` connections. Only with
    /// the `postgres` feature (the server's; devices do without).
    #[cfg(feature = "postgres")]
    pub fn connect(url: &str, pool_size: u32) -> Result<CentralDb, CentralError> {
        Ok(CentralDb {
            backend: Backend::Postgres(pg::PgDb::connect(url, pool_size.max(1))?),
        })
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
