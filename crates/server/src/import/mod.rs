//! `gocua-server admin import FILE`: the commune's household and resident
//! lists (Excel `.xlsx` or `.csv`) into the server, for the village teams'
//! devices to pull.
//!
//! The file is read (`sheet`), its columns recognised (`columns`: one or
//! two header rows), the table's end found (`table_end`: the date and
//! signature block under any column), each row read (`rows`, `cells`) and
//! grouped into households (`group`, which also states the decisions on
//! errors, duplicates and consent); the households are matched to what
//! earlier imports wrote (`reconcile`: a corrected file updates, never
//! duplicates) and written by `gocua_central` in one transaction, recorded
//! for `admin import list` and Nhật ký; a report of every problem is
//! written beside the input (`report`). `pipeline` runs it all, for this
//! command and the web page `/import`. CCCD numbers are hashed with the
//! commune's secret as the row is read and are never printed, logged or
//! stored: the report shows them masked.

mod cells;
mod columns;
mod corrections;
mod group;
mod people;
pub(crate) mod pipeline;
pub(crate) mod reconcile;
#[cfg(test)]
mod reimport_props;
pub(crate) mod report;
mod rows;
mod sheet;
mod table_end;
mod undo;

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use columns::{Field, Layout};
use gocua_central::{CentralDb, ImportError};
use gocua_core::CommuneId;
use indicatif::{ProgressBar, ProgressStyle};
pub use pipeline::{Input, Summary};
use report::{Level, Problem};
use sheet::{Sheet, SheetRow};
use std::io::IsTerminal;
use std::path::PathBuf;
pub(crate) use undo::undone_line as undo_line;

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub action: Option<ImportAction>,
    /// The registry file: .xlsx, or .csv in UTF-8 (with or without BOM;
    /// comma, semicolon or tab).
    #[arg(required = true)]
    pub file: Option<PathBuf>,
    /// The village of every row (name or id). Without it, each row's
    /// Thôn/Xóm column says (a whole commune in one file).
    #[arg(long)]
    pub village: Option<String>,
    /// The commune (id); needed only when the server holds several and
    /// no --village id says which.
    #[arg(long)]
    pub commune: Option<String>,
    /// The worksheet to read (default: the first with a header row).
    #[arg(long)]
    pub sheet: Option<String>,
    /// Check the file and write the report, but import nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(clap::Subcommand)]
pub enum ImportAction {
    /// The imports made so far, newest first: who, which file, when, and
    /// what each added and corrected.
    List {
        /// The commune (id); needed only when the server holds several.
        #[arg(long)]
        commune: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Undo an import (its number in `list`): withdraw the households and
    /// residents it added that no member has worked on since, and put the
    /// fields it corrected back unless changed since. What members
    /// recorded is never touched: the households they worked on are kept
    /// and listed.
    Undo {
        id: i64,
        /// The commune (id); needed only when the server holds several.
        #[arg(long)]
        commune: Option<String>,
    },
}

pub fn run(db: &CentralDb, args: ImportArgs, json: bool) -> Result<()> {
    match &args.action {
        Some(ImportAction::List { commune, limit }) => {
            return list(db, commune.as_deref(), *limit, json);
        }
        Some(ImportAction::Undo { id, commune }) => {
            return undo::run(db, *id, commune.as_deref(), json);
        }
        None => {}
    }
    let Some(file) = args.file.clone() else {
        bail!("Thiếu tệp danh sách cần nhập (the registry file).");
    };
    let commune = args
        .commune
        .as_deref()
        .map(|c| {
            c.parse::<CommuneId>()
                .map_err(|e| anyhow!("--commune '{c}': {e}"))
        })
        .transpose()?;
    let bytes =
        std::fs::read(&file).with_context(|| format!("không đọc được tệp {}", file.display()))?;
    let done = pipeline::execute(
        db,
        Input {
            name: file.clone(),
            bytes,
            village: args.village.clone(),
            commune,
            sheet: args.sheet.clone(),
            dry_run: args.dry_run,
            actor: actor(),
        },
    )?;
    let report_path = report::path_for(&file);
    report::write(&report_path, &done.problems)?;
    if let Some(e) = done.refused {
        return Err(import_error(e));
    }
    let mut summary = done.summary;
    summary.report = report_path;
    if json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print_summary(&summary);
    }
    Ok(())
}

/// "xã Thượng Ninh" from a commune named "Thượng Ninh" or already
/// "Xã Thượng Ninh" (never "xã Xã Thượng Ninh").
pub(crate) fn commune_phrase(name: &str) -> String {
    let name = name.trim();
    let folded = gocua_core::text::search_key(name);
    for kind in ["xa ", "phuong ", "thi tran ", "dac khu "] {
        if folded.starts_with(kind) {
            let mut chars = name.chars();
            let first: String = chars
                .next()
                .map(|c| c.to_lowercase().collect())
                .unwrap_or_default();
            return format!("{first}{}", chars.as_str());
        }
    }
    format!("xã {name}")
}

/// Who runs the command: `admin:USER`.
pub(crate) fn actor() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "?".into());
    format!("admin:{user}")
}

/// The commune named by `--commune`, else the only one.
pub(crate) fn commune_of(db: &CentralDb, commune: Option<&str>) -> Result<CommuneId> {
    let commune = commune
        .map(|c| {
            c.parse::<CommuneId>()
                .map_err(|e| anyhow!("--commune '{c}': {e}"))
        })
        .transpose()?;
    Ok(db
        .import_target(commune, None)
        .map_err(import_error)?
        .commune
        .id)
}

/// `admin import list`: the imports recorded, newest first.
fn list(db: &CentralDb, commune: Option<&str>, limit: u32, json: bool) -> Result<()> {
    let commune = commune_of(db, commune)?;
    let entries = db.registry_imports(commune, limit)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&entries)?);
        return Ok(());
    }
    if entries.is_empty() {
        println!("Chưa có lần nhập danh sách nào.");
    }
    for e in entries {
        let c = &e.counts;
        println!(
            "#{} {} {} \"{}\" (trang \"{}\"): mới {} hộ, {} nhân khẩu; sửa {} hộ, {} nhân khẩu.",
            e.id,
            e.at,
            e.actor,
            e.file_name,
            e.sheet,
            c.households_added,
            c.residents_added,
            c.households_updated,
            c.residents_updated
        );
        if let Some(u) = &e.undone {
            println!("    {}", undo::undone_line(u));
        }
    }
    Ok(())
}

fn import_error(e: ImportError) -> anyhow::Error {
    anyhow!("{}\nerror: {e}", e.message_vi())
}

/// The sheet asked for, or the first with a header row.
fn pick(sheets: Vec<Sheet>, wanted: Option<&str>) -> Result<(Sheet, Layout)> {
    let names: Vec<String> = sheets.iter().map(|s| s.name.clone()).collect();
    for s in sheets {
        if wanted.is_some_and(|w| w != s.name) {
            continue;
        }
        if let Some(layout) = columns::layout(&s) {
            return Ok((s, layout));
        }
    }
    match wanted {
        Some(w) if !names.iter().any(|n| n == w) => bail!(
            "Không có trang tính \"{w}\" (các trang: {}).",
            names.join(", ")
        ),
        _ => bail!(
            "Không tìm thấy dòng tiêu đề: cần ít nhất cột \"Họ và tên\" (hoặc \"Chủ hộ\") và \
             một cột khác như \"Năm sinh\" (no header row found)."
        ),
    }
}

/// Notices about columns: those not used, those repeating another.
fn column_notices(layout: &Layout) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut seen: Vec<(Field, String)> = Vec::new();
    for c in &layout.columns {
        match c.field {
            None if !c.header.is_empty() => out.push(Problem::new(
                layout.header_row,
                c.label(),
                Level::Notice,
                "Cột không dùng đến: bỏ qua (chỉ nhập những thông tin công việc cần).".into(),
            )),
            Some(f) if f != Field::Address && f != Field::Skip => {
                if let Some((_, first)) = seen.iter().find(|(s, _)| *s == f) {
                    out.push(Problem::new(
                        layout.header_row,
                        c.label(),
                        Level::Notice,
                        format!("Cột trùng ý nghĩa với cột {first}: bỏ qua."),
                    ));
                } else {
                    seen.push((f, c.label()));
                }
            }
            _ => {}
        }
    }
    out
}

/// The rows holding data: blank rows, rows with nothing to import, and the
/// block under the table (signatures, totals) are left out; the last two
/// with a notice.
///
/// The closing block's first and last row numbers, if the file has one.
type Closing = Option<(usize, usize)>;

fn data_rows<'s>(sheet: &'s Sheet, layout: &Layout) -> (Vec<&'s SheetRow>, Vec<Problem>, Closing) {
    let used = |row: &SheetRow, pred: &dyn Fn(Field) -> bool| {
        layout
            .columns
            .iter()
            .filter(|c| c.field.is_some_and(pred))
            .filter(|c| !row.get(c.index).is_empty())
            .count()
    };
    let mut notices = Vec::new();
    let mut rows: Vec<&SheetRow> = Vec::new();
    let filled: Vec<&SheetRow> = sheet
        .rows
        .iter()
        .skip(layout.first_data)
        .filter(|r| !r.is_blank())
        .collect();
    // The closing block (date, signatures, notes, totals): from its first
    // line on, under any column.
    let at = table_end::closing_start(&filled, layout).unwrap_or(filled.len());
    let mut closing: Vec<&SheetRow> = filled[at..].to_vec();
    for &row in &filled[..at] {
        if used(row, &|f| f != Field::Skip) == 0 {
            // Numbered but empty lines of a form: nothing to say.
            let other = row.cells.iter().enumerate().any(|(i, c)| {
                !c.is_empty()
                    && layout
                        .columns
                        .get(i)
                        .is_none_or(|col| col.field != Some(Field::Skip))
            });
            if other {
                notices.push(Problem::new(
                    row.number,
                    "",
                    Level::Notice,
                    "Dòng không có thông tin nào cần nhập: bỏ qua.".into(),
                ));
            }
            continue;
        }
        rows.push(row);
    }
    // Then any run of rows at the end with at most one value, or none in
    // the columns only real rows fill.
    let data_field = |f: Field| {
        matches!(
            f,
            Field::Birth
                | Field::BirthMale
                | Field::BirthFemale
                | Field::Sex
                | Field::Village
                | Field::Phone
                | Field::CitizenId
                | Field::Relation
                | Field::HouseholdCode
        )
    };
    let footer = |row: &SheetRow| {
        row.cells.iter().filter(|c| !c.is_empty()).count() <= 1 || used(row, &data_field) == 0
    };
    let tail = rows.iter().rev().take_while(|r| footer(r)).count();
    if tail > 0 && tail < rows.len() {
        let mut end: Vec<&SheetRow> = rows.drain(rows.len() - tail..).collect();
        end.append(&mut closing);
        closing = end;
    }
    if let (Some(first), Some(last)) = (closing.first(), closing.last()) {
        notices.push(Problem::new(
            first.number,
            "",
            Level::Notice,
            format!(
                "Bỏ qua phần ký tên ở dòng {} (cuối bảng: ngày tháng, chữ ký, ghi chú, tổng \
                 cộng — không phải dữ liệu).",
                table_end::span(first.number, last.number)
            ),
        ));
    }
    let closing = closing
        .first()
        .zip(closing.last())
        .map(|(a, b)| (a.number, b.number));
    (rows, notices, closing)
}

/// A progress bar on the terminal, for large files; nothing when stderr
/// is not a terminal (scripts, logs, tests).
fn progress(len: usize, what: &'static str) -> ProgressBar {
    if len < 200 || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{msg:16} [{bar:40}] {human_pos}/{human_len} ({eta})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what);
    bar
}

fn print_summary(s: &Summary) {
    let st = &s.stats;
    println!(
        "Tệp {} (trang tính \"{}\", dòng tiêu đề {}).",
        s.file.display(),
        s.sheet,
        s.header_row
    );
    println!(
        "Đọc {} dòng: {} hộ, {} nhân khẩu.",
        st.rows, st.households_in_file, st.residents_in_file
    );
    match &s.imported {
        None => println!(
            "Chạy thử: chưa ghi gì. Sẵn sàng nhập {} hộ.",
            st.households_ready
        ),
        Some(c) => println!(
            "Đã nhập mới {} hộ, {} nhân khẩu; đã có từ trước {} hộ, {} nhân khẩu.",
            c.households_added, c.residents_added, c.households_existing, c.residents_existing
        ),
    }
    let o = &s.outcome;
    println!(
        "{}: thêm mới {} hộ, {} nhân khẩu; sửa {} hộ, {} nhân khẩu; không đổi {} hộ, {} nhân \
         khẩu.",
        if s.dry_run { "Sẽ" } else { "Kết quả" },
        o.households_new,
        o.residents_new,
        o.households_updated,
        o.residents_updated,
        o.households_unchanged,
        o.residents_unchanged
    );
    if !o.fields_updated.is_empty() {
        let fields: Vec<String> = o
            .fields_updated
            .iter()
            .map(|(f, n)| format!("{f} ({n})"))
            .collect();
        println!("Trường được sửa: {}.", fields.join(", "));
    }
    if o.conflicts > 0 {
        println!(
            "{} giá trị đã được sửa trên điện thoại sau lần nhập trước: giữ nguyên, xem báo cáo.",
            o.conflicts
        );
    }
    if st.households_held_back > 0 || st.rows_with_errors > 0 {
        println!(
            "Chưa nhập {} hộ: {} dòng lỗi, {} dòng thuộc hộ có lỗi.",
            st.households_held_back, st.rows_with_errors, st.rows_held_back
        );
    }
    if st.duplicate_rows > 0 {
        println!("Bỏ qua {} dòng trùng.", st.duplicate_rows);
    }
    if st.citizen_ids_without_consent > 0 {
        println!(
            "{} số CCCD không được lưu vì chưa có sự đồng ý.",
            st.citizen_ids_without_consent
        );
    }
    if !s.unknown_columns.is_empty() {
        println!("Cột không dùng đến: {}.", s.unknown_columns.join(", "));
    }
    if let Some((first, last)) = s.closing_rows {
        println!(
            "Bỏ qua phần ký tên ở dòng {}.",
            table_end::span(first, last)
        );
    }
    println!("Báo cáo ({} mục): {}", s.problems, s.report.display());
    println!("Thời gian: {:.1} giây.", s.elapsed_ms as f64 / 1000.0);
}
