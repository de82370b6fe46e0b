//! Reading the SQLite file directly, under the server key: for tests that
//! check what is stored (never a token, never a citizen-ID number), and
//! for an operator investigating a file by hand. The server itself never
//! goes around `CentralDb`.

use crate::CentralError;
use crate::backend::cipher;
use crate::key::ServerKey;
use rusqlite::Connection;
use std::path::Path;

/// A connection to the SQLite file at `path`, unlocked with `key`.
pub fn open_sqlite(path: &Path, key: &ServerKey) -> Result<Connection, CentralError> {
    let conn = Connection::open(path)?;
    cipher::unlock(&conn, key)?;
    Ok(conn)
}

/// Every text value of every table of the file at `path`, one a line.
pub fn sqlite_all_text(path: &Path, key: &ServerKey) -> Result<String, CentralError> {
    let conn = open_sqlite(path, key)?;
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut text = String::new();
    for table in tables {
        let quoted = table.replace('"', "\"\"");
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{quoted}\""))?;
        let width = stmt.column_count();
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            for i in 0..width {
                if let rusqlite::types::ValueRef::Text(t) = row.get_ref(i)? {
                    text.push_str(&String::from_utf8_lossy(t));
                    text.push('\n');
                }
            }
        }
    }
    Ok(text)
}
