//! `gocua-server admin backup` and `admin restore`: a checked backup of
//! the database (SQLite's encrypted snapshot, or `pg_dump`), and putting
//! one back, never under a running server, with a new change log identity
//! so that every device sends its work again (`gocua_central` log_identity).

use crate::args::{AdminArgs, DbArgs};
use crate::serve::open_db;
use anyhow::{Result, bail};
use gocua_central::CentralDb;
use std::path::Path;

/// `admin backup --to FILE`: SQLite's encrypted snapshot, or `pg_dump` on
/// PostgreSQL (`pg_backup.rs`); checked before it is called done.
pub fn backup(db: &CentralDb, db_args: &DbArgs, to: &Path, json: bool) -> Result<()> {
    let (info, checked) = match db_args.database_url.as_deref() {
        Some(url) => (
            crate::pg_backup::dump(url, to)?,
            "pg_restore đọc được toàn bộ). Giữ tệp này cẩn thận như chính cơ sở dữ liệu.",
        ),
        None => (
            db.backup_to(to)?,
            "mở được bằng khóa của máy chủ, toàn vẹn). Tệp sao lưu chỉ đọc được cùng \
             tệp khóa.",
        ),
    };
    if json {
        return crate::admin::print_json(&serde_json::json!({
            "path": to,
            "bytes": info.bytes,
            "seconds": info.took.as_secs_f64(),
        }));
    }
    println!(
        "Đã sao lưu vào {}: {:.1} MB trong {:.1} giây (đã kiểm tra: {checked}",
        to.display(),
        info.bytes as f64 / 1_000_000.0,
        info.took.as_secs_f64()
    );
    Ok(())
}

/// After a restore: how many devices have not sent their work again.
pub fn resend_line(r: &gocua_central::ResendStatus) -> String {
    let when = crate::admin::local(&r.restored_at);
    match r.waiting.len() {
        0 => format!("Khôi phục từ bản sao lưu lúc {when}: mọi thiết bị đã gửi lại."),
        n => format!(
            "Khôi phục từ bản sao lưu lúc {when}: còn {n} thiết bị chưa gửi lại \
             (chúng tự gửi lại ở lần đồng bộ tới)."
        ),
    }
}

/// `admin restore --from FILE`: never under a running server, never with
/// a backup the key does not open; the replaced database kept aside.
pub fn restore(args: &AdminArgs, from: &Path) -> Result<()> {
    crate::data_dir::secure(&args.data)?;
    let Some(_lock) = crate::data_dir::try_lock(&args.data)? else {
        bail!(
            "Máy chủ đang chạy trên thư mục dữ liệu {}; hãy dừng máy chủ rồi khôi phục. \
             (a server is running on this data folder)",
            args.data.display()
        );
    };
    let key = crate::key_file::load(&args.db.key_file, &args.data, false)?.key;
    let name = from.file_name().map_or_else(
        || from.display().to_string(),
        |n| n.to_string_lossy().into(),
    );
    // A new identity for the change log: every device, on its next sync,
    // sends again what it authored and pulls again from the start.
    let (aside, identity) = match args.db.database_url.as_deref() {
        Some(url) => {
            crate::pg_backup::restore(url, from)?;
            (
                None,
                open_db(&args.data, &args.db, 1)?.renew_log_identity(&name)?,
            )
        }
        None => {
            let db_path = args.data.join(crate::serve::DB_FILE);
            let aside = gocua_central::restore(from, &db_path, &key)?;
            let identity = CentralDb::open(&db_path, &key)?.renew_log_identity(&name)?;
            (aside, identity)
        }
    };
    if args.json {
        return crate::admin::print_json(&serde_json::json!({
            "restored_from": from,
            "replaced_kept_at": aside,
            "log_id": identity.log_id,
        }));
    }
    println!("Đã khôi phục cơ sở dữ liệu từ {}.", from.display());
    if let Some(aside) = aside {
        println!("Cơ sở dữ liệu cũ được giữ lại ở {}.", aside.display());
    }
    println!(
        "Những gì các máy gửi lên sau thời điểm sao lưu không có trong bản này: ở lần đồng bộ \
         tới, mỗi máy sẽ tự gửi lại mọi thay đổi của mình. Máy đăng ký sau thời điểm sao lưu \
         cần mã đăng ký mới. Xem máy nào chưa gửi lại: gocua-server admin devices."
    );
    Ok(())
}
