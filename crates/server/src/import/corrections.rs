//! How a re-import tells what it did to a record the server already had:
//! each field corrected ("Sửa Hà Thanh Lam: họ và tên "Hà Thanh Lan" →
//! "Hà Thanh Lam"; năm sinh 1936 → 1937."), or kept because a member
//! changed it on a phone since (a conflict, listed). Never a CCCD hash.

use super::reconcile::Reconciled;
use super::report::{Level, Problem};
use serde_json::Value;

/// One field compared: corrected, or kept as a phone changed it.
pub enum Note {
    Corrected {
        field: String,
        old: Value,
        new: Value,
    },
    Kept {
        field: String,
        kept: Value,
        file: Value,
    },
}

impl Reconciled {
    /// `id`: the record the notes are about (a conflict is remembered by
    /// it, `Reconciled::refusals`).
    pub(super) fn note(&mut self, row: usize, id: uuid::Uuid, who: &str, notes: Vec<Note>) {
        let mut corrected = Vec::new();
        for n in notes {
            match n {
                Note::Corrected { field, old, new } => {
                    corrected.push(format!(
                        "{} {} → {}",
                        label(&field),
                        show(&field, &old),
                        show(&field, &new)
                    ));
                }
                Note::Kept { field, kept, file } => {
                    self.outcome.conflicts += 1;
                    self.refusals.push(gocua_central::RegistryRefusal {
                        entity_id: id,
                        field: field.clone(),
                        value: file.clone(),
                    });
                    self.problems.push(Problem::new(
                        row,
                        "",
                        Level::Notice,
                        format!(
                            "Xung đột: {} của {who} đã được sửa trên điện thoại ({}) sau lần \
                             nhập trước; giữ giá trị đó, không ghi đè bằng giá trị trong tệp \
                             ({}).",
                            label(&field),
                            show(&field, &kept),
                            show(&field, &file)
                        ),
                    ));
                }
            }
        }
        if !corrected.is_empty() {
            self.problems.push(Problem::new(
                row,
                "",
                Level::Notice,
                format!("Sửa {who}: {}.", corrected.join("; ")),
            ));
        }
    }
}

/// A field's name as the report says it.
fn label(field: &str) -> &str {
    match field {
        "full_name" => "họ và tên",
        "birth_year" => "năm sinh",
        "sex" => "giới tính",
        "phone" => "số điện thoại",
        "consent_on" => "ngày đồng ý",
        "citizen_id_hash" => "số CCCD",
        "has_smartphone" => "có điện thoại thông minh",
        "head_name" => "tên chủ hộ",
        "village_id" => "thôn/xóm",
        "address" => "địa chỉ",
        "poor" => "hộ nghèo",
        "near_poor" => "hộ cận nghèo",
        "ethnic_minority" => "dân tộc thiểu số",
        "elderly_only" => "chỉ người cao tuổi",
        "no_smartphone" => "không có điện thoại thông minh",
        other => other,
    }
}

/// A value as the report shows it: never a CCCD hash, phones as they are
/// (the officer's own file holds them).
fn show(field: &str, v: &Value) -> String {
    match (field, v) {
        ("citizen_id_hash", Value::Null) => "(không có)".into(),
        ("citizen_id_hash", _) => "(đã đổi)".into(),
        (_, Value::Null) => "(trống)".into(),
        (_, Value::String(s)) => format!("\"{s}\""),
        (_, Value::Bool(true)) => "có".into(),
        (_, Value::Bool(false)) => "không".into(),
        (_, other) => other.to_string(),
    }
}
