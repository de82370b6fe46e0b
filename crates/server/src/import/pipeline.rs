//! One import from start to end, for the command line (`admin import`)
//! and the office's web page alike: the file read and checked, its
//! households matched to the server's, and (unless a dry run) written.

use super::columns::Field;
use super::report::{Level, Problem};
use super::{
    column_notices, commune_phrase, data_rows, group, import_error, pick, progress, reconcile,
    report, rows, sheet,
};
use anyhow::{Result, anyhow, bail};
use chrono::Utc;
use gocua_central::{CentralDb, ImportCounts, ImportError, ImportSource};
use gocua_core::CommuneId;
use gocua_core::month::local_date;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Instant;

/// What to import.
pub struct Input {
    /// The file's name (its extension says the kind; the report and the
    /// record name it).
    pub name: PathBuf,
    pub bytes: Vec<u8>,
    pub village: Option<String>,
    pub commune: Option<CommuneId>,
    pub sheet: Option<String>,
    pub dry_run: bool,
    /// Who imports: `admin:USER`, or the officer on the web.
    pub actor: String,
}

/// What came of it.
pub struct Done {
    pub summary: Summary,
    pub problems: Vec<Problem>,
    /// The server refused a record: nothing was written.
    pub refused: Option<ImportError>,
}

#[derive(Serialize)]
pub struct Summary {
    pub file: PathBuf,
    pub sheet: String,
    pub header_row: usize,
    pub report: PathBuf,
    pub dry_run: bool,
    #[serde(flatten)]
    pub stats: report::Stats,
    /// Against the server: new, corrected, unchanged, conflicts.
    pub outcome: reconcile::Outcome,
    /// What was written (None for a dry run).
    pub imported: Option<ImportCounts>,
    pub unknown_columns: Vec<String>,
    /// Each column used: "header (letter)" and what it was read as.
    pub used_columns: Vec<(String, String)>,
    /// The closing block skipped (first and last row), if any.
    pub closing_rows: Option<(usize, usize)>,
    pub problems: usize,
    pub elapsed_ms: u128,
}

/// Read, check, match and (unless a dry run) write one file. Errors that
/// stop the import before anything is decided (no header, an unknown
/// village) are `Err`; a refusal by the server comes back in `Done` with
/// the problems, for the report to say it.
pub fn execute(db: &CentralDb, mut input: Input) -> Result<Done> {
    let started = Instant::now();
    let bytes = std::mem::take(&mut input.bytes);
    let args = &input;
    let file = input.name.clone();
    let commune = input.commune;
    let village_id = args.village.as_deref().and_then(|v| v.parse().ok());
    let target = db
        .import_target(commune, village_id)
        .map_err(import_error)?;
    let village = match &args.village {
        None => None,
        Some(v) => Some(
            rows::find_village(&target.villages, v)
                .ok_or_else(|| {
                    anyhow!(
                        "Không có thôn/xóm \"{v}\" trong {} (no such village).",
                        commune_phrase(&target.commune.name)
                    )
                })?
                .id,
        ),
    };

    let sheets = sheet::read_bytes(&file, bytes)?;
    let (sheet, layout) = pick(sheets, args.sheet.as_deref())?;
    let persons = layout.has(Field::FullName);
    let pair = layout.has(Field::BirthMale) && layout.has(Field::BirthFemale);
    if village.is_none() && !layout.has(Field::Village) {
        bail!(
            "Tệp không có cột Thôn/Xóm: hãy chọn thôn/xóm bằng --village (the file has no \
             village column: pass --village)."
        );
    }
    if persons && !(layout.has(Field::Birth) || pair) {
        bail!("Tệp thiếu cột Năm sinh (no birth year column).");
    }
    if persons && !(layout.has(Field::Sex) || pair) {
        bail!("Tệp thiếu cột Giới tính (no sex column).");
    }

    let mut problems = column_notices(&layout);
    let (data, skipped, closing) = data_rows(&sheet, &layout);
    problems.extend(skipped);
    let ctx = rows::Context {
        layout: &layout,
        villages: &target.villages,
        village,
        secret: &target.secret,
        today: local_date(Utc::now()),
        persons,
    };
    let bar = progress(data.len(), "Đọc tệp");
    let read: Vec<rows::RowData> = data
        .iter()
        .map(|r| {
            bar.inc(1);
            ctx.read(r)
        })
        .collect();
    bar.finish_and_clear();
    let plan = group::plan(&ctx, target.commune.id, read);
    problems.extend(plan.problems);
    // Against what earlier imports wrote: corrections update, only the
    // really new is created.
    let state = db
        .registry_state(target.commune.id)
        .map_err(|e| import_error(e.into()))?;
    let matched = reconcile::reconcile(
        plan.households,
        &state,
        &reconcile::Provided::from_layout(&layout),
        gocua_central::import_device(target.commune.id),
    );
    drop(state);
    problems.extend(matched.problems);

    let mut refused = None;
    let imported = if args.dry_run {
        None
    } else {
        let bar = progress(matched.households.len(), "Ghi vào máy chủ");
        let source = ImportSource {
            actor: args.actor.clone(),
            file_name: file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            sheet: sheet.name.clone(),
        };
        let result = db.import_registry(
            target.commune.id,
            &matched.households,
            &matched.updates,
            &matched.refusals,
            &source,
            Utc::now(),
            &mut |n| bar.set_position(n as u64),
        );
        bar.finish_and_clear();
        match result {
            Ok(counts) => Some(counts),
            Err(e) => {
                // Nothing was written: say so in the report too.
                problems.push(Problem {
                    row: match &e {
                        ImportError::Refused { tag, .. } => Some(*tag),
                        _ => None,
                    },
                    column: String::new(),
                    level: Level::Error,
                    value: String::new(),
                    message: e.message_vi(),
                });
                refused = Some(e);
                None
            }
        }
    };

    let summary = Summary {
        file: file.clone(),
        sheet: sheet.name.clone(),
        header_row: layout.header_row,
        report: PathBuf::new(),
        dry_run: args.dry_run,
        stats: plan.stats,
        outcome: matched.outcome,
        imported,
        unknown_columns: layout
            .columns
            .iter()
            .filter(|c| c.field.is_none() && !c.header.is_empty())
            .map(|c| c.header.clone())
            .collect(),
        used_columns: layout
            .columns
            .iter()
            .filter_map(|c| match c.field {
                Some(f) if f != Field::Skip => Some((c.label(), format!("{f:?}"))),
                _ => None,
            })
            .collect(),
        closing_rows: closing,
        problems: problems.len(),
        elapsed_ms: started.elapsed().as_millis(),
    };
    Ok(Done {
        summary,
        problems,
        refused,
    })
}
