//! What every command reads besides its words: the database key, typed
//! values parsed with a message naming the argument, and today's date.

use anyhow::{Context, Result, anyhow, bail};
use chrono::{NaiveDate, Utc};
use gocua_core::month::local_date;
use gocua_device::DbKey;
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

pub(crate) fn today(date: Option<&str>) -> Result<NaiveDate> {
    match date {
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .with_context(|| format!("date '{d}' must be YYYY-MM-DD")),
        None => Ok(local_date(Utc::now())),
    }
}
