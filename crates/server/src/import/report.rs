//! The error report written next to the input: one line per problem (row,
//! column, level, the value as found — a CCCD masked — and what is wrong,
//! in Vietnamese). CSV in UTF-8 with a BOM and CRLF line ends, which Excel
//! opens with the diacritics intact. Written whenever the import runs, so
//! a report never describes an older run.

use anyhow::{Context, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// The row is wrong and was not imported.
    Error,
    /// The row is fine, but its household has an error elsewhere: held back.
    HeldBack,
    /// Imported (or skipped harmlessly); worth knowing.
    Notice,
}

impl Level {
    pub fn label_vi(self) -> &'static str {
        match self {
            Level::Error => "Lỗi",
            Level::HeldBack => "Chưa nhập",
            Level::Notice => "Lưu ý",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The row in the file; None for the file as a whole.
    pub row: Option<usize>,
    /// The column's header and letter; empty for the row as a whole.
    pub column: String,
    pub level: Level,
    /// The value as found (CCCD numbers masked).
    pub value: String,
    pub message: String,
}

impl Problem {
    pub fn new(row: usize, column: impl Into<String>, level: Level, message: String) -> Self {
        Problem {
            row: Some(row),
            column: column.into(),
            level,
            value: String::new(),
            message,
        }
    }

    pub fn error(row: usize, column: impl Into<String>, message: String) -> Self {
        Problem::new(row, column, Level::Error, message)
    }

    pub fn with_value(mut self, value: impl Into<String>) -> Self {
        self.value = super::cells::short(&value.into());
        self
    }
}

/// What the file holds, and what will go in.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    pub rows: usize,
    pub households_in_file: usize,
    pub residents_in_file: usize,
    pub households_ready: usize,
    pub households_held_back: usize,
    pub rows_with_errors: usize,
    pub rows_held_back: usize,
    pub duplicate_rows: usize,
    pub citizen_ids_without_consent: usize,
}

/// `danh-sach.xlsx` → `danh-sach.loi-nhap.csv`, beside it.
pub fn path_for(input: &Path) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "nhap".into());
    input.with_file_name(format!("{stem}.loi-nhap.csv"))
}

pub const HEADER: [&str; 5] = ["Dòng", "Cột", "Mức", "Giá trị", "Nội dung"];

/// Write the report, problems in row order (file-wide ones first).
pub fn write(path: &Path, problems: &[Problem]) -> Result<()> {
    let mut sorted: Vec<&Problem> = problems.iter().collect();
    sorted.sort_by_key(|p| (p.row, p.level));
    let mut out: Vec<u8> = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        w.write_record(HEADER)?;
        for p in sorted {
            let row = p.row.map(|r| r.to_string()).unwrap_or_default();
            w.write_record([
                row.as_str(),
                p.column.as_str(),
                p.level.label_vi(),
                p.value.as_str(),
                p.message.as_str(),
            ])?;
        }
        w.flush()?;
    }
    // Whole or not at all: a half-written report would mislead.
    let tmp = path.with_extension("csv.tmp");
    std::fs::write(&tmp, &out)
        .with_context(|| format!("không ghi được báo cáo lỗi {}", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("không ghi được báo cáo lỗi {}", path.display()))?;
    Ok(())
}
