//! What the central database's logic needs from a backend: a connection
//! inside a transaction that runs SQL and hands back rows of plain values.
//! SQLite (`sqlite.rs`) and PostgreSQL (`pg.rs`) implement it; push, pull,
//! scope and the organisation are written once, against `Tx`.
//!
//! SQL is written once, in the dialect both accept: `$1, $2…` placeholders
//! numbered in order of first appearance (SQLite binds `$N` by position
//! then, which `sqlite.rs` checks), `ON CONFLICT … DO NOTHING/UPDATE`,
//! integers for flags, JSON and times as text. Only the schema differs.

use crate::CentralError;
use gocua_core::CommuneId;
use serde::de::DeserializeOwned;
use std::str::FromStr;

/// A parameter or a column value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

impl From<&str> for Val {
    fn from(s: &str) -> Self {
        Val::Text(s.to_string())
    }
}

impl From<String> for Val {
    fn from(s: String) -> Self {
        Val::Text(s)
    }
}

impl From<&String> for Val {
    fn from(s: &String) -> Self {
        Val::Text(s.clone())
    }
}

impl From<i64> for Val {
    fn from(n: i64) -> Self {
        Val::Int(n)
    }
}

impl From<u32> for Val {
    fn from(n: u32) -> Self {
        Val::Int(i64::from(n))
    }
}

impl From<f64> for Val {
    fn from(x: f64) -> Self {
        Val::Real(x)
    }
}

impl From<bool> for Val {
    fn from(b: bool) -> Self {
        Val::Int(i64::from(b))
    }
}

impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(v: Option<T>) -> Self {
        v.map_or(Val::Null, Into::into)
    }
}

/// `vals![a, b]`: parameters for `$1, $2`.
macro_rules! vals {
    ($($v:expr),* $(,)?) => {
        &[$($crate::backend::sql::Val::from($v)),*][..]
    };
}
pub(crate) use vals;

/// Ids a bulk lookup sends in one statement (`… IN ($1, …, $128)`): always
/// this many, so each lookup is one prepared statement; a short last chunk
/// is padded with the empty string, which no id is. 128: a group of pushes
/// names a few thousand ids, and on PostgreSQL each statement is a round
/// trip made while the commune's other pushes wait.
pub(crate) const ID_CHUNK: usize = 128;

/// `$from, $from+1, …`: `n` placeholders.
pub(crate) fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `ids` as parameter lists of `ID_CHUNK` each (see there).
pub(crate) fn id_chunks<S: AsRef<str>>(ids: &[S]) -> Vec<Vec<Val>> {
    ids.chunks(ID_CHUNK)
        .map(|chunk| {
            let mut vals: Vec<Val> = chunk.iter().map(|s| Val::from(s.as_ref())).collect();
            vals.resize(ID_CHUNK, Val::Text(String::new()));
            vals
        })
        .collect()
}

/// One result row.
#[derive(Debug, Clone)]
pub(crate) struct Row(pub(crate) Vec<Val>);

fn bad(idx: usize, what: &str, v: &Val) -> CentralError {
    CentralError::Corrupt(format!("column {idx}: expected {what}, found {v:?}"))
}

impl Row {
    /// A row of `width` NULLs, to be refilled by `set_*`.
    pub(crate) fn empty(width: usize) -> Row {
        Row(vec![Val::Null; width])
    }

    /// Column `idx` becomes `text`, reusing the room its last text took.
    pub(crate) fn set_text(&mut self, idx: usize, text: &str) {
        if let Some(slot) = self.0.get_mut(idx) {
            match slot {
                Val::Text(s) => {
                    s.clear();
                    s.push_str(text);
                }
                _ => *slot = Val::Text(text.to_string()),
            }
        }
    }

    /// Column `idx` becomes `v` (not text: see `set_text`).
    pub(crate) fn set(&mut self, idx: usize, v: Val) {
        if let Some(slot) = self.0.get_mut(idx) {
            *slot = v;
        }
    }

    fn val(&self, idx: usize) -> Result<&Val, CentralError> {
        self.0
            .get(idx)
            .ok_or_else(|| CentralError::Corrupt(format!("no column {idx}")))
    }

    pub(crate) fn opt_text(&self, idx: usize) -> Result<Option<&str>, CentralError> {
        match self.val(idx)? {
            Val::Text(s) => Ok(Some(s)),
            Val::Null => Ok(None),
            v => Err(bad(idx, "text", v)),
        }
    }

    pub(crate) fn text(&self, idx: usize) -> Result<&str, CentralError> {
        self.opt_text(idx)?
            .ok_or_else(|| bad(idx, "text", &Val::Null))
    }

    pub(crate) fn string(&self, idx: usize) -> Result<String, CentralError> {
        self.text(idx).map(str::to_string)
    }

    pub(crate) fn opt_string(&self, idx: usize) -> Result<Option<String>, CentralError> {
        Ok(self.opt_text(idx)?.map(str::to_string))
    }

    pub(crate) fn int(&self, idx: usize) -> Result<i64, CentralError> {
        match self.val(idx)? {
            Val::Int(n) => Ok(*n),
            v => Err(bad(idx, "an integer", v)),
        }
    }

    pub(crate) fn real(&self, idx: usize) -> Result<f64, CentralError> {
        match self.val(idx)? {
            Val::Real(x) => Ok(*x),
            Val::Int(n) => Ok(*n as f64),
            v => Err(bad(idx, "a number", v)),
        }
    }

    pub(crate) fn bool(&self, idx: usize) -> Result<bool, CentralError> {
        Ok(self.int(idx)? != 0)
    }

    /// A text column parsed into a domain value.
    pub(crate) fn parse<T>(&self, idx: usize) -> Result<T, CentralError>
    where
        T: FromStr,
        T::Err: std::fmt::Display,
    {
        let s = self.text(idx)?;
        s.parse()
            .map_err(|e| CentralError::Corrupt(format!("column {idx}: bad value {s}: {e}")))
    }

    pub(crate) fn opt_parse<T>(&self, idx: usize) -> Result<Option<T>, CentralError>
    where
        T: FromStr,
        T::Err: std::fmt::Display,
    {
        match self.opt_text(idx)? {
            None => Ok(None),
            Some(_) => self.parse(idx).map(Some),
        }
    }

    /// A JSON text column.
    pub(crate) fn json<T: DeserializeOwned>(&self, idx: usize) -> Result<T, CentralError> {
        serde_json::from_str(self.text(idx)?)
            .map_err(|e| CentralError::Corrupt(format!("column {idx}: bad JSON: {e}")))
    }
}

/// A connection inside a transaction. Statements are prepared once per
/// connection and reused.
pub(crate) trait Tx {
    /// Run a statement; how many rows it changed.
    fn execute(&mut self, sql: &str, params: &[Val]) -> Result<u64, CentralError>;

    /// Run a query; all its rows.
    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>, CentralError>;

    /// Run a query and hand each row to `f` as it comes, in one `Row` that
    /// is refilled in place: no allocation per row or value, for reports
    /// that read tens of thousands of rows and keep a few counters.
    fn each(
        &mut self,
        sql: &str,
        params: &[Val],
        f: &mut dyn FnMut(&Row) -> Result<(), CentralError>,
    ) -> Result<(), CentralError>;

    /// Hold off every other writer of this commune until the transaction
    /// ends. Pushes take it first: a commune's changes then get their `seq`
    /// in commit order, so a pull cursor never skips one committed late,
    /// and each merge reads the state the previous one left.
    fn lock_commune(&mut self, commune: CommuneId) -> Result<(), CentralError>;

    /// Hold off every other projection of this commune's report tables
    /// until the transaction ends (`report/catch_up.rs`). Apart from the
    /// commune's lock, so on PostgreSQL the background projection runs
    /// beside the commune's pushes instead of in their way. Taken after
    /// `lock_commune` by whoever takes both.
    fn lock_reports(&mut self, commune: CommuneId) -> Result<(), CentralError>;

    /// The query plan for `sql`, as one line of text (for tests that pull
    /// stays on its index).
    #[cfg(test)]
    fn explain(&mut self, sql: &str, params: &[Val]) -> Result<String, CentralError>;

    /// The first row, if any.
    fn query_opt(&mut self, sql: &str, params: &[Val]) -> Result<Option<Row>, CentralError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// Whether the query returns a row.
    fn exists(&mut self, sql: &str, params: &[Val]) -> Result<bool, CentralError> {
        Ok(self.query_opt(sql, params)?.is_some())
    }
}

/// A value as JSON text, for the columns that keep JSON.
pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<String, CentralError> {
    serde_json::to_string(v).map_err(|e| CentralError::Corrupt(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_convert_or_say_what_is_wrong() {
        let row = Row(vec![
            Val::Text("7".into()),
            Val::Null,
            Val::Int(1),
            Val::Real(2.5),
            Val::Text("{\"a\":1}".into()),
        ]);
        assert_eq!(row.parse::<i64>(0).unwrap(), 7);
        assert_eq!(row.opt_text(1).unwrap(), None);
        assert!(row.text(1).is_err());
        assert!(row.bool(2).unwrap());
        assert_eq!(row.real(2).unwrap(), 1.0);
        assert_eq!(row.real(3).unwrap(), 2.5);
        assert!(row.int(3).is_err());
        let v: serde_json::Value = row.json(4).unwrap();
        assert_eq!(v["a"], 1);
        assert!(row.int(9).is_err());
        assert_eq!(vals![1i64, "x", None::<String>, true].len(), 4);
    }

    #[test]
    fn a_refilled_row_holds_only_its_latest_values() {
        let mut row = Row::empty(2);
        assert_eq!(row.opt_text(0).unwrap(), None);
        row.set_text(0, "a long first value");
        row.set(1, Val::Int(3));
        row.set_text(0, "b");
        row.set(1, Val::Null);
        assert_eq!(row.text(0).unwrap(), "b");
        assert_eq!(row.opt_text(1).unwrap(), None);
        row.set(0, Val::Int(1));
        row.set_text(0, "c");
        assert_eq!(row.text(0).unwrap(), "c");
        row.set_text(5, "past the end: ignored");
        assert!(row.text(5).is_err());
    }
}
