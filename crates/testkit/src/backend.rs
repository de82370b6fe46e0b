//! Running a scenario on each database the central server supports: SQLite
//! always, and PostgreSQL when GOCUA_TEST_PG_URL names a database, each test
//! in a schema of its own that is dropped afterwards.
//!
//! A test module lists its scenarios with
//! `gocua_testkit::on_each_backend!(name, …)`.

use gocua_central::scratch::ScratchSchema;
use gocua_central::{CentralDb, ServerKey};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// The database a scenario runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded SQLite database, always.
    Sqlite,
    /// PostgreSQL, when GOCUA_TEST_PG_URL names a database.
    Postgres,
}

/// `sqlite::NAME` and `postgres::NAME` tests for each scenario
/// `fn NAME(backend: Backend)`; without GOCUA_TEST_PG_URL the PostgreSQL
/// ones say so and pass.
#[macro_export]
macro_rules! on_each_backend {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test]
            fn $name() {
                super::$name($crate::backend::Backend::Sqlite)
            })*
        }
        mod postgres {
            $(#[test]
            fn $name() {
                if $crate::backend::pg_url().is_some() {
                    super::$name($crate::backend::Backend::Postgres)
                }
            })*
        }
    };
}

/// The PostgreSQL database to test on, if any.
pub fn pg_url() -> Option<String> {
    let url = std::env::var("GOCUA_TEST_PG_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if url.is_none() {
        eprintln!("GOCUA_TEST_PG_URL is not set: this PostgreSQL test did nothing");
    }
    url
}

/// Where a test's central database lives: a fresh folder, and with
/// PostgreSQL a fresh schema, dropped when this goes (after the server or
/// database that uses it: declare the `Place` first).
pub struct Place {
    /// The test's folder (the server's data folder is `data` in it).
    pub dir: TempDir,
    /// The scratch schema, on PostgreSQL.
    pub schema: Option<ScratchSchema>,
}

impl Place {
    /// A fresh folder, and on PostgreSQL a fresh schema.
    pub fn new(backend: Backend) -> Place {
        let schema = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => {
                let url = pg_url().expect("GOCUA_TEST_PG_URL");
                Some(ScratchSchema::create(&url).expect("a scratch schema"))
            }
        };
        let place = Place {
            dir: TempDir::new().expect("temporary folder"),
            schema,
        };
        // Made before any server starts, so that the databases this place
        // opens itself (`central`, fixtures on PostgreSQL) share its key.
        crate::server::write_key_file(
            &crate::server::key_file(&place.data()),
            &ServerKey::generate(),
        );
        place
    }

    /// The server key of this place (`--key-file` of `server_args`).
    pub fn key(&self) -> ServerKey {
        crate::server::read_key_file(&crate::server::key_file(&self.data()))
    }

    /// The test's folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The server's data folder (the server makes it on first start).
    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A central database of its own for this place (not the server's:
    /// that one lives under `data()`): its schema on PostgreSQL, a file in
    /// its folder on SQLite.
    pub fn central(&self) -> CentralDb {
        match self.pg() {
            Some(url) => CentralDb::connect(url, 4, &self.key()).expect("PostgreSQL"),
            None => CentralDb::open(&self.path().join("central.db"), &self.key()).expect("SQLite"),
        }
    }

    /// The database the server of `server_args()` uses (open it once the
    /// server has stopped, on SQLite): its schema on PostgreSQL, the file
    /// in its data folder on SQLite.
    pub fn server_db(&self) -> CentralDb {
        match self.pg() {
            Some(url) => CentralDb::connect(url, 4, &self.key()).expect("PostgreSQL"),
            None => CentralDb::open(&self.data().join("central.db"), &self.key()).expect("SQLite"),
        }
    }

    /// The PostgreSQL URL inside this place's schema.
    pub fn pg(&self) -> Option<&str> {
        self.schema.as_ref().map(|s| s.url())
    }

    /// What `gocua-server serve` and `admin` take to use this database:
    /// `--data DATA --key-file DATA.key` and, on PostgreSQL,
    /// `--database-url URL`.
    pub fn server_args(&self) -> Vec<OsString> {
        let mut args = crate::server::data_args(&self.data());
        if let Some(url) = self.pg() {
            args.extend(["--database-url".into(), url.into()]);
        }
        args
    }
}
