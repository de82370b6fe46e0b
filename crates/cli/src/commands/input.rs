//! What every command reads besides its words: the database key, typed
//! values parsed with a message naming the argument, and today's date.

use crate::fail::CliError;
use anyhow::Result;
use chrono::NaiveDate;
use gocua_core::ValidationError;
use gocua_device::{DbKey, Store};
use std::io::IsTerminal;
use std::path::Path;
use std::str::FromStr;

pub(crate) fn key() -> Result<DbKey> {
    if let Ok(k) = std::env::var("GOCUA_DB_KEY") {
        if k.is_empty() {
            return Err(CliError::new(
                "no_key",
                "Biến GOCUA_DB_KEY đang để trống: hãy đặt mã khóa dữ liệu vào đó.",
                "GOCUA_DB_KEY is empty",
            )
            .into());
        }
        return Ok(DbKey::Passphrase(k));
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::new(
            "no_key",
            "Chưa có mã khóa dữ liệu: đặt biến GOCUA_DB_KEY, hoặc chạy lệnh trong cửa sổ \
             dòng lệnh để được hỏi mã.",
            "no database key: set GOCUA_DB_KEY or run on a terminal to be asked",
        )
        .into());
    }
    let k = rpassword::prompt_password("Mã khóa dữ liệu: ").map_err(|e| {
        CliError::new(
            "no_key",
            "Không đọc được mã khóa dữ liệu từ cửa sổ dòng lệnh.",
            format!("reading the key: {e}"),
        )
    })?;
    Ok(DbKey::Passphrase(k))
}

/// A command that only reads or adds to a device never makes one: a
/// mistyped `--db` would otherwise leave an empty database behind and
/// report on it as if it were the device.
pub(crate) fn existing(db: &Path) -> Result<()> {
    if db.exists() {
        return Ok(());
    }
    Err(CliError::new(
        "no_database",
        format!(
            "Không có tệp dữ liệu {}. Kiểm tra lại --db (hoặc GOCUA_DB); để tạo thiết bị mới: \
             gocua enroll … (đăng ký với máy chủ của xã) hoặc gocua init --device-name TÊN.",
            db.display()
        ),
        format!(
            "{}: no such database (create one with enroll or init)",
            db.display()
        ),
    )
    .into())
}

pub(crate) fn parse<T: FromStr>(what: &str, s: &str) -> Result<T>
where
    T::Err: std::error::Error + 'static,
{
    s.parse::<T>()
        .map_err(|e| CliError::bad_value(what, s, &e).into())
}

/// The date given (day first as the app takes it, or ISO), or today by the
/// store's time (the server's, where the device knows how far its clock is
/// off).
pub(crate) fn today(store: &Store, date: Option<&str>) -> Result<NaiveDate> {
    let today = store.today();
    match date {
        Some(d) => gocua_core::month::parse_day(d, today).ok_or_else(|| {
            let e = ValidationError::DayFormat {
                value: d.chars().take(40).collect(),
            };
            CliError::new(e.code(), e.message_vi(), format!("--date: {e}")).into()
        }),
        None => Ok(today),
    }
}

/// Read a whole file given on the command line, saying in Vietnamese why not.
pub(crate) fn read_file(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| file_error(path, &e).into())
}

/// Open a file given on the command line, saying in Vietnamese why not.
pub(crate) fn open_file(path: &Path) -> Result<std::fs::File> {
    std::fs::File::open(path).map_err(|e| file_error(path, &e).into())
}

fn file_error(path: &Path, e: &std::io::Error) -> CliError {
    use std::io::ErrorKind;
    let why = match e.kind() {
        ErrorKind::NotFound => "không có tệp này",
        ErrorKind::PermissionDenied => "không có quyền đọc",
        ErrorKind::IsADirectory => "đây là thư mục, không phải tệp",
        ErrorKind::InvalidData => "tệp không phải văn bản UTF-8",
        _ => "lỗi hệ thống",
    };
    CliError::new(
        "file",
        format!("Không mở được tệp {}: {why}.", path.display()),
        format!("opening {}: {e}", path.display()),
    )
}

/// The organisation, which most commands need and an unenrolled device
/// may not have yet.
pub(crate) fn org(store: &Store) -> Result<gocua_device::OrgSnapshot> {
    store.org()?.ok_or_else(|| {
        CliError::new(
            "no_org",
            "Máy chưa có danh sách thôn, tổ, thành viên của xã: hãy đăng ký với máy chủ \
             (gocua enroll …) rồi đồng bộ (gocua sync), hoặc nạp bằng gocua org import TỆP.",
            "no organisation loaded yet",
        )
        .into()
    })
}
