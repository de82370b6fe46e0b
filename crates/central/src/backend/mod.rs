//! Where the rows live: the `Tx` trait every query is written against
//! (`sql`), its two implementations (SQLite, encrypted by `cipher`;
//! PostgreSQL), the schema's
//! migrations, and throw-away PostgreSQL schemas for tests and benchmarks.

pub mod backup;
pub(crate) mod cipher;
pub mod inspect;
pub(crate) mod migrate;
#[cfg(feature = "postgres")]
pub(crate) mod pg;
#[cfg(feature = "postgres")]
pub(crate) mod pg_tls;
#[cfg(feature = "postgres")]
pub mod scratch;
pub(crate) mod sql;
pub(crate) mod sqlite;
