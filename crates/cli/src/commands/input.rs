//! What every command reads besides its words: the database key, typed
//! values parsed with a message naming the argument, and today's date.

use anyhow::{Context, Result, anyhow, bail};
use chrono::NaiveDate;
use gocua_device::{DbKey, Store};
use std::io::IsTerminal;
use std::str::FromStr;

pub(crate) fn key() -> Result<DbKey> {
    if let Ok(k) = std::env::var("GOCUA_DB_KEY") {
        if k.is_empty() {
            bail!("GOCUA_DB_KEY is empty");
        }
        return Ok(DbKey::Passphrase(k));
    }
    if !std::io::stdin().is_terminal() {
        bail!("no database key: set GOCUA_DB_KEY or run on a terminal to be asked");
    }
    let k = rpassword::prompt_password("Mã khóa dữ liệu: ")?;
    Ok(DbKey::Passphrase(k))
}

pub(crate) fn parse<T: FromStr>(what: &str, s: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    s.parse::<T>().map_err(|e| anyhow!("{what} '{s}': {e}"))
}

/// The date given, or today by the store's time (the server's, where the
/// device knows how far its clock is off).
pub(crate) fn today(store: &Store, date: Option<&str>) -> Result<NaiveDate> {
    match date {
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .with_context(|| format!("date '{d}' must be YYYY-MM-DD")),
        None => Ok(store.today()),
    }
}
