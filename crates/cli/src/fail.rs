//! The command line's own errors, said as the store's are: a Vietnamese
//! sentence for the person at the keyboard, a stable code for scripts, and
//! the English detail for support (`Lỗi: …` then `error [code]: …`).

use gocua_core::ValidationError;
use std::fmt;

#[derive(Debug)]
pub struct CliError {
    pub code: &'static str,
    pub vi: String,
    pub en: String,
}

impl CliError {
    pub fn new(code: &'static str, vi: impl Into<String>, en: impl Into<String>) -> CliError {
        CliError {
            code,
            vi: vi.into(),
            en: en.into(),
        }
    }

    /// A value given to an argument that does not parse: the core's own
    /// sentence where the core judged it, else a sentence naming the
    /// argument (a record id that is no id).
    pub fn bad_value(what: &str, value: &str, err: &(dyn std::error::Error + 'static)) -> Self {
        let en = format!("{what} '{value}': {err}");
        if let Some(v) = err.downcast_ref::<ValidationError>() {
            let mut vi = v.message_vi();
            if !vi.contains(value) {
                vi.push_str(&format!(" Đã nhập: \"{value}\"."));
            }
            return CliError::new(v.code(), vi, en);
        }
        let label = label_vi(what);
        let vi = if is_id(what) {
            format!(
                "{label} \"{value}\" không phải mã hợp lệ: mã có dạng \
                 0193a5b2-7c1d-7e4f-9a2b-3c4d5e6f7a8b (xem mã bằng lệnh {}).",
                where_ids(what)
            )
        } else {
            format!("{label} \"{value}\" không hợp lệ.")
        };
        CliError::new("invalid_argument", vi, en)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en)
    }
}

impl std::error::Error for CliError {}

/// What an argument names, in Vietnamese.
fn label_vi(what: &str) -> &'static str {
    match what {
        "village" => "Mã thôn/xóm",
        "household" => "Mã hộ",
        "resident" => "Mã nhân khẩu",
        "member" => "Mã thành viên",
        "team" => "Mã tổ",
        "visit" => "Mã lượt thăm",
        "review mark" => "Mã yêu cầu sửa",
        "target" => "Mã bản ghi",
        "month" => "Tháng",
        "sex" => "Giới tính",
        "form" => "Hình thức",
        "outcome" => "Kết quả",
        "action code" => "Mã nội dung hỗ trợ",
        _ => "Giá trị",
    }
}

fn is_id(what: &str) -> bool {
    matches!(
        what,
        "village"
            | "household"
            | "resident"
            | "member"
            | "team"
            | "visit"
            | "review mark"
            | "target"
    )
}

/// The command that lists ids of this kind.
fn where_ids(what: &str) -> &'static str {
    match what {
        "village" | "member" | "team" => "gocua org show",
        "household" => "gocua household list",
        "resident" | "visit" | "target" => "gocua household show MÃ_HỘ",
        "review mark" => "gocua review list",
        _ => "gocua --help",
    }
}
