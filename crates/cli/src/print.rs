//! Output: plain Vietnamese text for people, JSON for scripts, errors on
//! stderr in plain words.

use crate::fail::CliError;
use gocua_core::{EntityKind, ValidationError, ValidationErrors};
use gocua_device::StoreError;
use gocua_sync::client::SyncError;
use serde::Serialize;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// `println!` for our output: see `out_line`.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::print::out_line(format_args!($($arg)*))
    };
}

/// Set once stdout is found closed: nothing more is written to it.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
/// Set when writing to stdout failed otherwise (a full disk): the command
/// then ends with a failing exit.
static STDOUT_FAILED: AtomicBool = AtomicBool::new(false);

/// Whether some output could not be written (other than to a closed pipe).
pub fn stdout_failed() -> bool {
    STDOUT_FAILED.load(Ordering::Relaxed)
}

/// Write one line to stdout. A reader that went away (`gocua … | head -1`)
/// is no error, as for other Unix tools: the rest of the output is dropped
/// and the command goes on to its end (a sync still finishes and records
/// how it went). `println!` would panic there instead. Any other failure
/// to write is reported on stderr, once, and fails the command's exit.
pub fn out_line(args: std::fmt::Arguments<'_>) {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    let written = out.write_fmt(args).and_then(|()| out.write_all(b"\n"));
    if let Err(e) = written.and_then(|()| out.flush()) {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            STDOUT_FAILED.store(true, Ordering::Relaxed);
            eprintln!("Lỗi: không ghi được kết quả ra stdout: {e}");
        }
    }
}

/// Print a value as pretty JSON.
pub fn json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    outln!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Report an error: the Vietnamese sentence where we have one, the
/// technical chain after it, and a stable code for scripts.
pub fn error(e: &anyhow::Error) {
    if let Some(c) = e.downcast_ref::<CliError>() {
        eprintln!("Lỗi: {}\nerror [{}]: {c}", c.vi, c.code);
    } else if let Some(s) = e.downcast_ref::<SyncError>() {
        eprintln!("Lỗi: {}\nerror [{}]: {s}", s.message_vi(), s.code());
    } else if let Some(s) = e.downcast_ref::<gocua_relay::RelayError>() {
        eprintln!("Lỗi: {}\nerror [{}]: {s}", s.message_vi(), s.code());
    } else if let Some(s) = e.downcast_ref::<StoreError>() {
        eprintln!("Lỗi: {}\nerror [{}]: {s}", s.message_vi(), s.code());
    } else if let Some(v) = e.downcast_ref::<ValidationErrors>() {
        eprintln!("Lỗi: {}\nerror [invalid]: {v}", v.message_vi());
    } else if let Some(v) = e.downcast_ref::<ValidationError>() {
        eprintln!("Lỗi: {}\nerror [{}]: {v}", v.message_vi(), v.code());
    } else {
        // Not one of ours (a file that cannot be read midway, a full
        // disk): the system's words, in English, after our sentence.
        eprintln!("Lỗi: Không thực hiện được lệnh; chi tiết bên dưới.\nerror [failed]: {e:#}");
    }
}

pub fn yes_no(b: bool) -> &'static str {
    if b { "đạt" } else { "chưa đạt" }
}

/// What kind of record a change is about, in words.
pub fn entity_vi(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Household => "hộ gia đình",
        EntityKind::Resident => "nhân khẩu",
        EntityKind::Visit => "lượt thăm",
        EntityKind::AssistedAction => "nội dung hỗ trợ",
        EntityKind::ReviewMark => "yêu cầu sửa",
    }
}

/// An RFC 3339 time as Vietnam's local time (`dd/mm/yyyy hh:mm`); the text
/// unchanged if it does not parse.
pub fn local_time(rfc3339: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => t
            .with_timezone(&gocua_core::month::vietnam())
            .format("%d/%m/%Y %H:%M")
            .to_string(),
        Err(_) => rfc3339.to_string(),
    }
}
