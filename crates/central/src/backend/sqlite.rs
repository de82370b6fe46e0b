//! The embedded backend: one SQLite file (SQLCipher, `cipher.rs`), one writing connection behind a
//! mutex (SQLite has one writer anyway), and read-only connections for
//! transactions that only read: WAL gives each its own snapshot while the
//! writer goes on, so a pull does not wait for a push's commit (its fsync
//! included), nor a push for a pull. Write transactions start IMMEDIATE so
//! a writer waits its turn (busy timeout) instead of failing half-way.

use crate::CentralError;
use crate::backend::sql::{Row, Tx, Val};
use crate::backend::{cipher, migrate};
use crate::key::ServerKey;
use gocua_core::CommuneId;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{CachedStatement, Connection, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Idle read connections kept for the next reads (more are opened when
/// more read at once, and closed after).
const IDLE_READERS: usize = 8;

pub(crate) struct SqliteDb {
    conn: Mutex<Connection>,
    path: PathBuf,
    key: ServerKey,
    readers: Mutex<Vec<Connection>>,
}

/// A push and its report projection use more distinct statements than
/// rusqlite's default cache of 16 holds; re-preparing them was half the push
/// CPU in the sync bench.
const STATEMENT_CACHE: usize = 256;

impl SqliteDb {
    /// Open (creating if needed) the file at `path`, encrypted under
    /// `key`; a plain file from before keys is encrypted first.
    pub(crate) fn open(path: &Path, key: &ServerKey) -> Result<SqliteDb, CentralError> {
        if cipher::is_plain(path)? {
            cipher::encrypt_plain(path, key)?;
        }
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        cipher::unlock(&conn, key)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;
             PRAGMA busy_timeout = 5000;
             PRAGMA cache_size = -32000;",
        )?;
        migrate::run_sqlite(&mut conn, migrate::SERVER_MIGRATIONS)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(SqliteDb {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
            key: key.clone(),
            readers: Mutex::new(Vec::new()),
        })
    }

    fn open_reader(&self) -> Result<Connection, CentralError> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        cipher::unlock(&conn, &self.key)?;
        conn.execute_batch("PRAGMA busy_timeout = 5000; PRAGMA cache_size = -32000;")?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(conn)
    }

    /// The server key the file is encrypted under.
    pub(crate) fn key(&self) -> &ServerKey {
        &self.key
    }

    /// Run `f` on a read-only connection: an idle one, or a new one when
    /// all are busy (kept for the next reads, up to `IDLE_READERS`).
    pub(crate) fn with_reader<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, CentralError>,
    ) -> Result<T, CentralError> {
        // Each update of the list is one push or pop: sound after a panic.
        let idle = self.readers.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut conn = match idle {
            Some(c) => c,
            None => self.open_reader()?,
        };
        let out = f(&mut conn)?;
        let mut idle = self.readers.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < IDLE_READERS {
            idle.push(conn);
        }
        Ok(out)
    }

    /// Run `f` in a read transaction on a read-only connection.
    fn read<T>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, CentralError>,
    ) -> Result<T, CentralError> {
        self.with_reader(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
            let out = f(&mut SqliteTx { conn: &tx })?;
            tx.commit()?;
            Ok(out)
        })
    }

    /// Run `f` in a transaction on the one connection.
    pub(crate) fn transaction<T>(
        &self,
        write: bool,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, CentralError>,
    ) -> Result<T, CentralError> {
        if !write {
            return self.read(f);
        }
        // A panic mid-transaction rolls it back as it unwinds, so the
        // connection is still sound after a poisoned lock.
        let mut conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&mut SqliteTx { conn: &tx })?;
        tx.commit()?;
        Ok(out)
    }

    pub(crate) fn integrity_check(&self) -> Result<String, CentralError> {
        let conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        Ok(conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }
}

struct SqliteTx<'a> {
    conn: &'a Connection,
}

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Val::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Val::Int(n) => ToSqlOutput::Borrowed(ValueRef::Integer(*n)),
            Val::Real(x) => ToSqlOutput::Borrowed(ValueRef::Real(*x)),
            Val::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        })
    }
}

impl SqliteTx<'_> {
    /// The cached statement, its `$N` placeholders checked: SQLite binds
    /// them by position in order of first appearance, so `$1…$n` must
    /// first appear in that order.
    /// Read off the text, not asked of SQLite: its
    /// `sqlite3_bind_parameter_name` walks a list, so asking it of each of a
    /// bulk statement's thousand placeholders was a third of a push's CPU.
    fn prepare(&self, sql: &str) -> Result<CachedStatement<'_>, CentralError> {
        let stmt = self.conn.prepare_cached(sql)?;
        let first_seen = first_appearance(sql);
        let in_order = first_seen.len() == stmt.parameter_count()
            && first_seen.iter().enumerate().all(|(i, n)| *n == i + 1);
        if !in_order {
            return Err(CentralError::Backend(format!(
                "the placeholders of {sql:?} are not $1…$n in order of first appearance"
            )));
        }
        Ok(stmt)
    }
}

/// The `$N` placeholders of `sql`, each once, in order of first appearance
/// (the project's SQL holds no `$` inside string literals).
fn first_appearance(sql: &str) -> Vec<usize> {
    let bytes = sql.as_bytes();
    // Placeholders are small dense numbers: seen as flags, not hashed.
    let mut seen: Vec<bool> = Vec::new();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' {
            let start = i + 1;
            let mut end = start;
            while end < bytes.len() && bytes[end].is_ascii_digit() {
                end += 1;
            }
            if let Ok(n) = sql[start..end].parse::<usize>() {
                if seen.len() <= n {
                    seen.resize(n + 1, false);
                }
                if !seen[n] {
                    seen[n] = true;
                    out.push(n);
                }
            }
            i = end.max(start);
        } else {
            i += 1;
        }
    }
    out
}

fn value(v: ValueRef<'_>) -> Result<Val, CentralError> {
    Ok(match v {
        ValueRef::Null => Val::Null,
        ValueRef::Integer(n) => Val::Int(n),
        ValueRef::Real(x) => Val::Real(x),
        ValueRef::Text(t) => Val::Text(
            String::from_utf8(t.to_vec())
                .map_err(|_| CentralError::Corrupt("text that is not UTF-8".into()))?,
        ),
        ValueRef::Blob(_) => return Err(CentralError::Corrupt("unexpected blob".into())),
    })
}

impl Tx for SqliteTx<'_> {
    fn execute(&mut self, sql: &str, params: &[Val]) -> Result<u64, CentralError> {
        let n = self
            .prepare(sql)?
            .execute(rusqlite::params_from_iter(params))?;
        Ok(n as u64)
    }

    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>, CentralError> {
        let mut stmt = self.prepare(sql)?;
        let width = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut vals = Vec::with_capacity(width);
            for i in 0..width {
                vals.push(value(r.get_ref(i)?)?);
            }
            out.push(Row(vals));
        }
        Ok(out)
    }

    fn each(
        &mut self,
        sql: &str,
        params: &[Val],
        f: &mut dyn FnMut(&Row) -> Result<(), CentralError>,
    ) -> Result<(), CentralError> {
        let mut stmt = self.prepare(sql)?;
        let width = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
        let mut row = Row::empty(width);
        while let Some(r) = rows.next()? {
            for i in 0..width {
                match r.get_ref(i)? {
                    ValueRef::Text(t) => row.set_text(
                        i,
                        std::str::from_utf8(t)
                            .map_err(|_| CentralError::Corrupt("text that is not UTF-8".into()))?,
                    ),
                    v => row.set(i, value(v)?),
                }
            }
            f(&row)?;
        }
        Ok(())
    }

    /// Writers already take turns: one connection, IMMEDIATE transactions.
    fn lock_commune(&mut self, _commune: CommuneId) -> Result<(), CentralError> {
        Ok(())
    }

    fn lock_reports(&mut self, _commune: CommuneId) -> Result<(), CentralError> {
        Ok(())
    }

    #[cfg(test)]
    fn explain(&mut self, sql: &str, params: &[Val]) -> Result<String, CentralError> {
        let rows = self.query(&format!("EXPLAIN QUERY PLAN {sql}"), params)?;
        let details = rows
            .iter()
            .map(|r| r.string(3))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(details.join(" | "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::sql::vals;

    #[test]
    fn dollar_placeholders_bind_by_position_and_out_of_order_ones_are_refused() {
        let conn = Connection::open_in_memory().unwrap();
        let mut tx = SqliteTx { conn: &conn };
        tx.execute("CREATE TABLE t (a INTEGER, b TEXT, c REAL)", &[])
            .unwrap();
        tx.execute(
            "INSERT INTO t (a, b, c) VALUES ($1, $2, $3)",
            vals![7i64, "bảy", 7.5],
        )
        .unwrap();
        // A repeated placeholder reuses its first position.
        let rows = tx
            .query(
                "SELECT a, b, c FROM t WHERE a = $1 AND b = $2 AND a >= $1",
                vals![7i64, "bảy"],
            )
            .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].int(0).unwrap(), 7);
        assert_eq!(rows[0].text(1).unwrap(), "bảy");
        assert_eq!(rows[0].real(2).unwrap(), 7.5);
        let err = tx
            .query(
                "SELECT a FROM t WHERE b = $2 AND a = $1",
                vals![7i64, "bảy"],
            )
            .unwrap_err();
        assert!(matches!(err, CentralError::Backend(_)), "{err}");
        assert!(
            tx.query("SELECT a FROM t WHERE a = ?1", vals![7i64])
                .is_err()
        );
        assert_eq!(
            first_appearance("VALUES ($1, $2, $10, $3) WHERE x = $1 AND y = $"),
            vec![1, 2, 10, 3]
        );
        let many: Vec<String> = (1..=12).map(|i| format!("${i}")).collect();
        let sql = format!("SELECT {}", many.join(", "));
        let params: Vec<Val> = (1..=12).map(Val::Int).collect();
        assert_eq!(tx.query(&sql, &params).unwrap()[0].int(11).unwrap(), 12);
    }
}
