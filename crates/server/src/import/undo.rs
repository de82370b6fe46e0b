//! `gocua-server admin import undo ID`: undo a registry import
//! (`gocua_central` `import_undo.rs` decides and writes; this prints what it
//! did, in Vietnamese, for the officer).

use anyhow::{Result, anyhow};
use gocua_central::{CentralDb, ImportUndone, UndoReport};

pub(super) fn run(db: &CentralDb, id: i64, commune: Option<&str>, json: bool) -> Result<()> {
    let commune = super::commune_of(db, commune)?;
    let report = db
        .undo_registry_import(commune, id, &super::actor(), chrono::Utc::now())
        .map_err(|e| anyhow!("{}\nerror: {e}", e.message_vi()))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for line in lines(&report) {
            println!("{line}");
        }
    }
    Ok(())
}

/// The undo's summary, then what it kept and why.
pub(crate) fn lines(r: &UndoReport) -> Vec<String> {
    let mut out = vec![format!(
        "Đã hủy lần nhập số {}: bỏ {} hộ, {} nhân khẩu; trả lại giá trị cũ cho {} trường đã sửa.",
        r.import_id, r.households_voided, r.residents_voided, r.fields_restored
    )];
    if !r.households_kept.is_empty() {
        out.push(format!(
            "Giữ lại {} hộ vì tổ viên đã ghi nhận công việc (lượt thăm, nhân khẩu, sửa đổi):",
            r.households_kept.len()
        ));
        out.extend(r.households_kept.iter().map(|k| format!("  - {}", k.name)));
    }
    if !r.residents_kept.is_empty() {
        out.push(format!(
            "Giữ lại {} nhân khẩu vì tổ viên đã ghi nhận công việc:",
            r.residents_kept.len()
        ));
        out.extend(r.residents_kept.iter().map(|k| format!("  - {}", k.name)));
    }
    if !r.fields_kept.is_empty() {
        out.push(format!(
            "Không trả lại {} trường vì đã được sửa sau lần nhập:",
            r.fields_kept.len()
        ));
        out.extend(
            r.fields_kept
                .iter()
                .map(|k| format!("  - {}: {}", k.name, k.field)),
        );
    }
    out
}

/// One line for `admin import list` and Nhật ký.
pub(crate) fn undone_line(u: &ImportUndone) -> String {
    let r = &u.report;
    let mut line = format!(
        "Đã hủy lúc {} ({}): bỏ {} hộ, {} nhân khẩu; trả lại {} trường.",
        u.at, u.by, r.households_voided, r.residents_voided, r.fields_restored
    );
    let kept = r.households_kept.len() + r.residents_kept.len();
    if kept > 0 {
        line.push_str(&format!(
            " Giữ lại {} hộ, {} nhân khẩu có công việc của tổ viên.",
            r.households_kept.len(),
            r.residents_kept.len()
        ));
    }
    if !r.fields_kept.is_empty() {
        line.push_str(&format!(
            " {} trường đã sửa sau đó được giữ.",
            r.fields_kept.len()
        ));
    }
    line
}
