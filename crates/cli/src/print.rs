//! Output: plain Vietnamese text for people, JSON for scripts, errors on
//! stderr in plain words.

use gocua_core::{ValidationError, ValidationErrors};
use gocua_store::StoreError;
use serde::Serialize;

/// Print a value as pretty JSON.
pub fn json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Report an error: the Vietnamese sentence where we have one, the
/// technical chain after it, and a stable code for scripts.
pub fn error(e: &anyhow::Error) {
    if let Some(s) = e.downcast_ref::<StoreError>() {
        eprintln!("Lỗi: {}\nerror [{}]: {s}", s.message_vi(), s.code());
    } else if let Some(v) = e.downcast_ref::<ValidationErrors>() {
        eprintln!("Lỗi: {}\nerror [invalid]: {v}", v.message_vi());
    } else if let Some(v) = e.downcast_ref::<ValidationError>() {
        eprintln!("Lỗi: {}\nerror [{}]: {v}", v.message_vi(), v.code());
    } else {
        eprintln!("Lỗi: {e:#}");
    }
}

pub fn yes_no(b: bool) -> &'static str {
    if b { "đạt" } else { "chưa đạt" }
}
