//! `household import`: households from JSON lines, each saved in its own
//! transaction and reported (`ok ID`) only once it is on disk. A bad line
//! does not stop the import: it is reported with its number and why, the
//! good lines are saved, and the command fails at the end if any line was
//! bad, so a script notices and can send again just those lines.

use crate::commands::input;
use crate::fail::CliError;
use anyhow::Result;
use gocua_core::{HouseholdFlags, HouseholdInput, VillageId};
use gocua_device::{Store, StoreError};
use serde::Deserialize;
use std::io::BufRead;
use std::path::Path;

/// One line as documented (`household import --help`): the flags may be
/// given in part (`{"poor":true}`), the address left out, as on `household
/// add`; a misspelt field is refused rather than silently dropped.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    village_id: Option<VillageId>,
    #[serde(default)]
    address: String,
    head_name: String,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    flags: Flags,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct Flags {
    poor: bool,
    near_poor: bool,
    ethnic_minority: bool,
    elderly_only: bool,
    no_smartphone: bool,
}

impl From<Line> for HouseholdInput {
    fn from(l: Line) -> HouseholdInput {
        HouseholdInput {
            village_id: l.village_id,
            address: l.address,
            head_name: l.head_name,
            phone: l.phone,
            flags: HouseholdFlags {
                poor: l.flags.poor,
                near_poor: l.flags.near_poor,
                ethnic_minority: l.flags.ethnic_minority,
                elderly_only: l.flags.elderly_only,
                no_smartphone: l.flags.no_smartphone,
            },
        }
    }
}

/// Why one line was not imported.
struct LineError {
    code: &'static str,
    vi: String,
    en: String,
}

pub(crate) fn households(store: &mut Store, file: &Path, json: bool) -> Result<()> {
    let mut reader: Box<dyn BufRead> = if file.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::io::BufReader::new(input::open_file(file)?))
    };
    let (mut saved, mut bad) = (0usize, Vec::new());
    let mut raw = Vec::new();
    for n in 1.. {
        raw.clear();
        let read = reader.read_until(b'\n', &mut raw).map_err(|e| {
            CliError::new(
                "file",
                format!("Không đọc tiếp được dữ liệu vào ở dòng {n}."),
                format!("reading line {n}: {e}"),
            )
        })?;
        if read == 0 {
            break;
        }
        let outcome = match std::str::from_utf8(&raw) {
            Err(_) => Err(LineError {
                code: "invalid_utf8",
                vi: "dòng không phải văn bản UTF-8.".into(),
                en: "not UTF-8".into(),
            }),
            Ok(line) if line.trim().is_empty() => continue,
            Ok(line) => one(store, line),
        };
        match outcome {
            Ok(id) => {
                saved += 1;
                // Printed only after the commit returned: what is reported is on disk.
                if json {
                    outln!("{}", serde_json::json!({ "line": n, "id": id }));
                } else {
                    outln!("ok {id}");
                }
            }
            Err(e) => {
                if json {
                    outln!(
                        "{}",
                        serde_json::json!({
                            "line": n, "code": e.code, "message": e.vi, "detail": e.en,
                        })
                    );
                } else {
                    eprintln!("Dòng {n}: {} [{}: {}]", e.vi, e.code, e.en);
                }
                bad.push(n);
            }
        }
    }
    if bad.is_empty() {
        return Ok(());
    }
    let lines = bad
        .iter()
        .take(20)
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let more = if bad.len() > 20 { ", …" } else { "" };
    Err(CliError::new(
        "import_lines_failed",
        format!(
            "Đã nhập {saved} hộ; {} dòng không nhập được (dòng {lines}{more}). \
             Sửa các dòng đó rồi nhập lại riêng chúng.",
            bad.len()
        ),
        format!("{saved} imported, {} lines failed", bad.len()),
    )
    .into())
}

fn one(store: &mut Store, line: &str) -> Result<gocua_core::HouseholdId, LineError> {
    let input: Line = serde_json::from_str(line).map_err(|e| {
        let vi = if e.is_data() {
            "thiếu hoặc sai trường thông tin của hộ (xem định dạng: \
             gocua household import --help)."
                .to_string()
        } else {
            format!(
                "không phải một dòng JSON hợp lệ (lỗi ở cột {}).",
                e.column()
            )
        };
        LineError {
            code: "not_a_household",
            vi,
            en: e.to_string(),
        }
    })?;
    match store.write(|b| b.add_household(input.into())) {
        Ok(h) => Ok(h.id),
        Err(e) => Err(store_error(&e)),
    }
}

fn store_error(e: &StoreError) -> LineError {
    LineError {
        code: e.code(),
        vi: e.message_vi(),
        en: e.to_string(),
    }
}
