//! Which column holds what. Registry files come from many hands: the same
//! column is headed "Họ và tên", "HỌ TÊN", "Ho ten" or "Họ và tên (1)".
//! Headers are matched after folding case, diacritics, spaces and
//! punctuation, first exactly against the usual names, then by the words
//! they contain. The header row is found among the first rows (titles such
//! as "DANH SÁCH HỘ GIA ĐÌNH" sit above it); a second header row "Nam | Nữ"
//! under a merged "Năm sinh" (the classic form: the year written under the
//! person's sex) and a row of column numbers "(1) (2) (3)" are understood.

use super::sheet::{Cell, Sheet};
use gocua_core::text::search_key;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// Row numbers (STT): known, not needed.
    Skip,
    FullName,
    /// The head's name, or a mark on the head's row.
    HeadName,
    Relation,
    HouseholdCode,
    /// Year or full date of birth.
    Birth,
    /// The birth year, written under "Nam" (male).
    BirthMale,
    /// The birth year, written under "Nữ" (female).
    BirthFemale,
    Sex,
    /// House number, alley, street: several columns are joined.
    Address,
    Village,
    Phone,
    CitizenId,
    Poor,
    NearPoor,
    /// One column saying "nghèo" or "cận nghèo".
    PovertyClass,
    /// The ethnic group ("Kinh", "Mường", …).
    Ethnicity,
    EthnicMinority,
    ElderlyOnly,
    NoSmartphone,
    HasSmartphone,
    Consent,
}

/// Folded header text: lower case, no diacritics, letters and digits only.
pub fn fold(s: &str) -> String {
    search_key(s)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
}

/// Exact folded names.
const EXACT: &[(&str, Field)] = &[
    ("stt", Field::Skip),
    ("tt", Field::Skip),
    ("sott", Field::Skip),
    ("ten", Field::FullName),
    ("hoten", Field::FullName),
    ("hovaten", Field::FullName),
    ("chuho", Field::HeadName),
    ("ch", Field::HeadName),
    ("maho", Field::HouseholdCode),
    ("soho", Field::HouseholdCode),
    ("hoso", Field::HouseholdCode),
    ("mahogiadinh", Field::HouseholdCode),
    ("sohokhau", Field::HouseholdCode),
    ("sosohokhau", Field::HouseholdCode),
    ("ns", Field::Birth),
    ("gt", Field::Sex),
    ("nam", Field::BirthMale),
    ("nu", Field::BirthFemale),
    ("sonha", Field::Address),
    ("ngo", Field::Address),
    ("ngach", Field::Address),
    ("duong", Field::Address),
    ("thon", Field::Village),
    ("xom", Field::Village),
    ("thonxom", Field::Village),
    ("xomthon", Field::Village),
    ("ban", Field::Village),
    ("ap", Field::Village),
    ("khupho", Field::Village),
    ("todanpho", Field::Village),
    ("tdp", Field::Village),
    ("thontdp", Field::Village),
    ("thontodanpho", Field::Village),
    ("khudancu", Field::Village),
    ("sdt", Field::Phone),
    ("dt", Field::Phone),
    ("didong", Field::Phone),
    ("dtdd", Field::Phone),
    ("sodtdd", Field::Phone),
    ("dtts", Field::EthnicMinority),
    ("hodtts", Field::EthnicMinority),
];

/// The field a header names, if any.
pub fn field_of(header: &str) -> Option<Field> {
    // "Năm sinh (dd/mm/yyyy)": the note in brackets is not the name.
    let bare = match header.split_once('(') {
        Some((before, _)) if !before.trim().is_empty() => before,
        _ => header,
    };
    let f = fold(bare);
    if f.is_empty() {
        return None;
    }
    if let Some((_, field)) = EXACT.iter().find(|(name, _)| *name == f) {
        return Some(*field);
    }
    let has = |w: &str| f.contains(w);
    let field = if has("cccd") || has("dinhdanh") || has("cancuoc") || has("cmnd") {
        Field::CitizenId
    } else if has("quanhe") {
        Field::Relation
    } else if has("dongy") {
        Field::Consent
    } else if has("thongminh") || has("smartphone") {
        if has("khong") {
            Field::NoSmartphone
        } else {
            Field::HasSmartphone
        }
    } else if has("dienthoai") || has("sdt") || has("sodt") {
        Field::Phone
    } else if has("ngaysinh") || has("namsinh") {
        Field::Birth
    } else if has("gioitinh") {
        Field::Sex
    } else if f.matches("ngheo").count() >= 2 || has("phanloaiho") || has("dienho") {
        Field::PovertyClass
    } else if has("canngheo") {
        Field::NearPoor
    } else if has("ngheo") {
        Field::Poor
    } else if has("dantocthieuso") {
        Field::EthnicMinority
    } else if has("dantoc") {
        Field::Ethnicity
    } else if has("caotuoi") {
        Field::ElderlyOnly
    } else if has("maho") || has("sohokhau") {
        Field::HouseholdCode
    } else if has("chuho") {
        Field::HeadName
    } else if has("hoten") || has("hovaten") {
        Field::FullName
    } else if has("diachi") || has("sonha") || has("noio") || has("cutru") || has("thuongtru") {
        Field::Address
    } else if has("thonxom") || has("todanpho") {
        Field::Village
    } else {
        return None;
    };
    Some(field)
}

/// Where the data is and what each column holds.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Index into the sheet's rows of the first data row.
    pub first_data: usize,
    /// One entry per column: its header text and field (None: unknown).
    pub columns: Vec<Column>,
    /// The header row's number in the file (for notices about columns).
    pub header_row: usize,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub index: usize,
    pub header: String,
    pub field: Option<Field>,
}

impl Column {
    /// How the report names the column: its header and Excel letter.
    pub fn label(&self) -> String {
        format!("{} ({})", self.header, letter(self.index))
    }
}

/// Excel's column letters: 0 → A, 25 → Z, 26 → AA.
pub fn letter(mut index: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

impl Layout {
    /// Columns holding `field`, in sheet order.
    pub fn all(&self, field: Field) -> impl Iterator<Item = &Column> {
        self.columns.iter().filter(move |c| c.field == Some(field))
    }

    pub fn first(&self, field: Field) -> Option<&Column> {
        self.all(field).next()
    }

    pub fn has(&self, field: Field) -> bool {
        self.first(field).is_some()
    }
}

/// How far down a header row may sit.
const HEADER_SEARCH_ROWS: usize = 30;

/// Find the header row: the first with at least two known columns, one of
/// them a name.
pub fn layout(sheet: &Sheet) -> Option<Layout> {
    let (h, row) = sheet
        .rows
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .enumerate()
        .find(|(_, row)| {
            let fields: Vec<Field> = row
                .cells
                .iter()
                .filter_map(|c| field_of(&c.text()))
                .collect();
            fields.len() >= 2
                && fields
                    .iter()
                    .any(|f| matches!(f, Field::FullName | Field::HeadName))
        })?;
    let mut columns: Vec<Column> = row
        .cells
        .iter()
        .enumerate()
        .map(|(index, c)| {
            let header = c.text();
            Column {
                index,
                field: field_of(&header),
                header,
            }
        })
        .collect();
    let mut first_data = h + 1;
    // A second header row: "Nam | Nữ" under a (merged) "Năm sinh", the
    // real labels "Số CCCD | Số điện thoại" under a group heading
    // ("Thông tin giấy tờ, liên lạc"), or the lower half of a tall merged
    // header (every cell a copy of the one above).
    if let Some(sub) = sheet.rows.get(h + 1)
        && is_header_continuation(&row.cells, &sub.cells)
    {
        for col in &mut columns {
            let below = sub.get(col.index).text();
            if below.is_empty() || below == col.header {
                continue;
            }
            match (fold(&below).as_str(), field_of(&below)) {
                ("nam", _) => {
                    col.field = Some(Field::BirthMale);
                    col.header = format!("{} – Nam", col.header);
                }
                ("nu", _) => {
                    col.field = Some(Field::BirthFemale);
                    col.header = format!("{} – Nữ", col.header);
                }
                // The real label under a group heading.
                (_, Some(f)) => {
                    col.field = Some(f);
                    col.header = below;
                }
                // A note under a label ("(dd/mm/yyyy)") keeps the label; a
                // label of its own under a group is named whole.
                (_, None) if col.field.is_none() => {
                    col.header = if col.header.is_empty() {
                        below
                    } else {
                        format!("{} – {below}", col.header)
                    };
                }
                (_, None) => {}
            }
        }
        first_data += 1;
    }
    // Lone "Nam"/"Nữ" headers mean the same only in pairs.
    let pair = columns.iter().any(|c| c.field == Some(Field::BirthMale))
        && columns.iter().any(|c| c.field == Some(Field::BirthFemale));
    if !pair {
        for col in &mut columns {
            if matches!(col.field, Some(Field::BirthMale | Field::BirthFemale)) {
                col.field = None;
            }
        }
    }
    // A row of column numbers: "(1)", "2", … under every header.
    if let Some(numbers) = sheet.rows.get(first_data) {
        let filled: Vec<&Cell> = numbers.cells.iter().filter(|c| !c.is_empty()).collect();
        let all_numbers = filled.iter().all(|c| {
            let t = c.text();
            let t = t.trim_matches(|ch| ch == '(' || ch == ')');
            !t.is_empty() && t.len() <= 2 && t.bytes().all(|b| b.is_ascii_digit())
        });
        if filled.len() >= 3 && all_numbers {
            first_data += 1;
        }
    }
    Some(Layout {
        first_data,
        columns,
        header_row: row.number,
    })
}

/// Whether `below` is more header, not the first data row: each of its
/// cells repeats the cell above (a merged header spread down), is a known
/// label, sits under a group heading spread over several columns, or is a
/// note in brackets. A data row always holds something else: a name, a
/// year, a number.
fn is_header_continuation(above: &[Cell], below: &[Cell]) -> bool {
    let text = |cells: &[Cell], i: usize| cells.get(i).map(Cell::text).unwrap_or_default();
    let mut any = false;
    for (i, c) in below.iter().enumerate() {
        if c.is_empty() {
            continue;
        }
        any = true;
        let t = c.text();
        let top = text(above, i);
        let grouped =
            !top.is_empty() && ((i > 0 && text(above, i - 1) == top) || text(above, i + 1) == top);
        let is_text = matches!(c, Cell::Text(_));
        let known = field_of(&t).is_some() || matches!(fold(&t).as_str(), "nam" | "nu");
        let note = t.len() >= 2
            && t.starts_with('(')
            && t.ends_with(')')
            && !t[1..t.len() - 1]
                .trim()
                .chars()
                .all(|ch| ch.is_ascii_digit());
        if !(t == top || (is_text && (known || grouped || note))) {
            return false;
        }
    }
    any
}

/// The label of the first column holding `field` (empty when none does).
pub fn column_label(layout: &Layout, field: Field) -> String {
    layout.first(field).map(|c| c.label()).unwrap_or_default()
}

/// The column that names people (for a message about a name).
pub fn name_column(layout: &Layout) -> String {
    let c = column_label(layout, Field::FullName);
    if c.is_empty() {
        column_label(layout, Field::HeadName)
    } else {
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usual_vietnamese_headers() {
        for (h, f) in [
            ("Họ và tên", Field::FullName),
            ("HỌ VÀ TÊN", Field::FullName),
            ("Ho va ten", Field::FullName),
            ("Họ tên chủ hộ", Field::HeadName),
            ("Chủ hộ", Field::HeadName),
            ("Quan hệ với chủ hộ", Field::Relation),
            ("Năm sinh", Field::Birth),
            ("Ngày, tháng, năm sinh", Field::Birth),
            ("Ngày sinh (dd/mm/yyyy)", Field::Birth),
            ("Giới tính", Field::Sex),
            ("Số nhà", Field::Address),
            ("Địa chỉ", Field::Address),
            ("Thôn/Xóm", Field::Village),
            ("Thôn, xóm", Field::Village),
            ("Tổ dân phố", Field::Village),
            ("Số điện thoại", Field::Phone),
            ("SĐT", Field::Phone),
            ("ĐTDĐ", Field::Phone),
            ("CCCD", Field::CitizenId),
            ("Số CCCD/CMND", Field::CitizenId),
            ("Số định danh cá nhân", Field::CitizenId),
            ("Hộ nghèo", Field::Poor),
            ("Hộ cận nghèo", Field::NearPoor),
            ("Hộ nghèo/cận nghèo", Field::PovertyClass),
            ("Dân tộc", Field::Ethnicity),
            ("Có điện thoại thông minh", Field::HasSmartphone),
            ("Không có điện thoại thông minh", Field::NoSmartphone),
            ("Đồng ý lưu thông tin", Field::Consent),
            ("Mã hộ", Field::HouseholdCode),
            ("STT", Field::Skip),
        ] {
            assert_eq!(field_of(h), Some(f), "{h}");
        }
        assert_eq!(field_of("Nghề nghiệp"), None);
        assert_eq!(field_of("DANH SÁCH HỘ GIA ĐÌNH"), None);
    }

    #[test]
    fn column_letters() {
        assert_eq!(letter(0), "A");
        assert_eq!(letter(25), "Z");
        assert_eq!(letter(26), "AA");
        assert_eq!(letter(27), "AB");
    }
}
