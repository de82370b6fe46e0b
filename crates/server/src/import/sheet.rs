//! Reading the registry file into plain rows of cells: `.xlsx` through
//! calamine (merged cells spread to every cell they cover, as a person
//! reading the sheet sees them), `.csv` through the csv crate (UTF-8 with or
//! without a BOM; comma, semicolon — what Excel writes on a Vietnamese
//! system — or tab). Text is NFC, trimmed, with single spaces from here on.

use anyhow::{Context, Result, anyhow, bail};
use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;
use gocua_core::text::normalize_name;
use std::path::Path;

/// One cell, keeping what kind of value Excel held: a CCCD or phone number
/// typed as a number has lost its leading zero, which only a number can
/// tell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Bool(bool),
    /// A formula error such as #N/A.
    Error(String),
}

impl Cell {
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as a person reads it.
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) => t.clone(),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Cell::Number(n) => n.to_string(),
            Cell::Date(d) => d.format("%d/%m/%Y").to_string(),
            Cell::Bool(true) => "x".into(),
            Cell::Bool(false) => String::new(),
            Cell::Error(e) => e.clone(),
        }
    }
}

/// A row as in the file: `number` is what Excel shows at the left (for
/// CSV, the line the record starts on).
#[derive(Debug, Clone)]
pub struct SheetRow {
    pub number: usize,
    pub cells: Vec<Cell>,
}

impl SheetRow {
    pub fn get(&self, col: usize) -> &Cell {
        self.cells.get(col).unwrap_or(&Cell::Empty)
    }

    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(Cell::is_empty)
    }
}

/// One worksheet (a CSV file is one sheet).
#[derive(Debug, Clone)]
pub struct Sheet {
    pub name: String,
    pub rows: Vec<SheetRow>,
}

/// The worksheets of a file read into memory (from disk or an upload),
/// in order (one for CSV); `path` names it (its extension says the kind).
pub fn read_bytes(path: &Path, bytes: Vec<u8>) -> Result<Vec<Sheet>> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "xlsx" | "xlsm" => read_xlsx(path, bytes),
        "csv" | "txt" => Ok(vec![read_csv(path, &bytes)?]),
        "xls" => bail!(
            "Tệp .xls (Excel 97–2003) chưa được hỗ trợ: hãy mở bằng Excel và lưu lại thành .xlsx \
             (save it as .xlsx)."
        ),
        _ => bail!("Chỉ nhận tệp .xlsx hoặc .csv (only .xlsx and .csv files are read)."),
    }
}

/// NFC, trimmed, inner white space (line breaks in a header cell too)
/// folded to one space.
fn nfc(s: &str) -> String {
    normalize_name(s)
}

fn read_xlsx(path: &Path, bytes: Vec<u8>) -> Result<Vec<Sheet>> {
    let mut book = Xlsx::new(std::io::Cursor::new(bytes))
        .with_context(|| format!("không mở được tệp Excel {}", path.display()))?;
    let mut sheets = Vec::new();
    for name in book.sheet_names() {
        let range = book
            .worksheet_range(&name)
            .with_context(|| format!("không đọc được trang tính {name}"))?;
        let merged = book
            .merge_cells_by_sheet_name(&name)
            .with_context(|| format!("không đọc được các ô gộp của trang tính {name}"))?;
        // The grid from A1, so positions are the sheet's own.
        let Some((end_row, end_col)) = range.end() else {
            continue;
        };
        let (start_row, start_col) = range.start().unwrap_or((0, 0));
        let width = end_col as usize + 1;
        let mut grid: Vec<Vec<Cell>> = vec![vec![Cell::Empty; width]; end_row as usize + 1];
        for (r, row) in range.rows().enumerate() {
            for (c, value) in row.iter().enumerate() {
                let (r, c) = (r + start_row as usize, c + start_col as usize);
                if let Some(slot) = grid.get_mut(r).and_then(|g| g.get_mut(c)) {
                    *slot = cell(value);
                }
            }
        }
        for m in merged {
            let (r0, c0) = (m.start.0 as usize, m.start.1 as usize);
            let Some(value) = grid.get(r0).and_then(|g| g.get(c0)).cloned() else {
                continue;
            };
            for r in r0..=(m.end.0 as usize) {
                for c in c0..=(m.end.1 as usize) {
                    if let Some(slot) = grid.get_mut(r).and_then(|g| g.get_mut(c)) {
                        *slot = value.clone();
                    }
                }
            }
        }
        let rows = grid
            .into_iter()
            .enumerate()
            .map(|(i, cells)| SheetRow {
                number: i + 1,
                cells,
            })
            .collect();
        sheets.push(Sheet { name, rows });
    }
    Ok(sheets)
}

fn cell(value: &Data) -> Cell {
    use calamine::DataType;
    match value {
        Data::Empty => Cell::Empty,
        Data::String(s) => {
            let s = nfc(s);
            if s.is_empty() {
                Cell::Empty
            } else {
                Cell::Text(s)
            }
        }
        Data::Int(n) => Cell::Number(*n as f64),
        Data::Float(x) => Cell::Number(*x),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(_) | Data::DateTimeIso(_) => match value.as_date() {
            Some(d) => Cell::Date(d),
            None => Cell::Text(value.to_string()),
        },
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Error(format!("#{e:?}")),
    }
}

fn read_csv(path: &Path, bytes: &[u8]) -> Result<Sheet> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        anyhow!(
            "Tệp CSV không phải UTF-8 (byte lạ ở vị trí {}): trong Excel hãy chọn Lưu thành \
             \"CSV UTF-8\" (the CSV file must be UTF-8).",
            e.valid_up_to()
        )
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter(text))
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let more = reader
            .read_record(&mut record)
            .with_context(|| format!("tệp CSV hỏng gần dòng {}", rows.len() + 1))?;
        if !more {
            break;
        }
        let number = record
            .position()
            .map_or(rows.len() + 1, |p| p.line() as usize);
        let cells = record
            .iter()
            .map(|s| {
                let s = nfc(s);
                if s.is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(s)
                }
            })
            .collect();
        rows.push(SheetRow { number, cells });
    }
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(Sheet { name, rows })
}

/// The separator the header line uses most, outside quotes.
fn delimiter(text: &str) -> u8 {
    let line = text
        .lines()
        .find(|l| l.contains([',', ';', '\t']))
        .unwrap_or("");
    let mut counts = [(b',', 0), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for b in line.bytes() {
        if b == b'"' {
            quoted = !quoted;
        }
        if !quoted && let Some(c) = counts.iter_mut().find(|(d, _)| *d == b) {
            c.1 += 1;
        }
    }
    counts
        .iter()
        .max_by_key(|(_, n)| *n)
        .map_or(b',', |(d, _)| *d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_separator_excel_used() {
        assert_eq!(delimiter("Họ và tên;Năm sinh;Giới tính\n"), b';');
        assert_eq!(delimiter("\"Nguyễn, Văn A\";1950\n"), b';');
        assert_eq!(delimiter("a,b,c\n"), b',');
        assert_eq!(delimiter("a\tb\tc\n"), b'\t');
    }

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(Cell::Number(1985.0).text(), "1985");
        assert_eq!(Cell::Number(38090001234.0).text(), "38090001234");
        assert_eq!(Cell::Bool(true).text(), "x");
    }
}
