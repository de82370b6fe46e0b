//! One data row read into what it says about a person and their household,
//! with every problem of its cells. Nothing here decides which household a
//! row belongs to (`group.rs` does).

use super::cells;
use super::columns::{Column, Field, Layout, fold};
use super::report::Problem;
use super::sheet::{Cell, SheetRow};
use chrono::{Datelike, NaiveDate};
use gocua_core::citizen_id::{CitizenIdHash, CommuneSecret, hash_citizen_id};
use gocua_core::text::normalize_name;
use gocua_core::{Sex, Village, VillageId};

/// Everything the import needs to read a row.
pub struct Context<'a> {
    pub layout: &'a Layout,
    pub villages: &'a [Village],
    /// `--village`: every row's village, unless its own cell disagrees.
    pub village: Option<VillageId>,
    pub secret: &'a CommuneSecret,
    pub today: NaiveDate,
    /// The file lists people (a name column), not only households.
    pub persons: bool,
}

/// A CCCD read from a row: its keyed hash, and how the report may show it.
#[derive(Debug, Clone)]
pub struct CitizenId {
    pub hash: CitizenIdHash,
    pub masked: String,
}

#[derive(Debug, Clone, Default)]
pub struct RowData {
    pub number: usize,
    /// The person's name (NFC); for a list of households, the head's.
    pub name: String,
    /// A name in the head column (not a mark).
    pub head_name: Option<String>,
    /// This row is the household's head (by relation, mark or name).
    pub is_head: bool,
    pub code: Option<String>,
    pub village: Option<VillageId>,
    pub birth_year: Option<i32>,
    pub sex: Option<Sex>,
    pub address: String,
    pub phone: Option<String>,
    pub citizen_id: Option<CitizenId>,
    pub consent_on: Option<NaiveDate>,
    pub poor: bool,
    pub near_poor: bool,
    pub minority: bool,
    pub elderly_only: bool,
    pub no_smartphone: bool,
    pub has_smartphone: bool,
    pub errors: Vec<Problem>,
}

/// The head of household, as the relation column writes it.
fn is_head_relation(text: &str) -> bool {
    matches!(
        fold(text).as_str(),
        "chuho" | "ch" | "chuhogiadinh" | "lachuho"
    )
}

impl Context<'_> {
    fn cell<'r>(&self, row: &'r SheetRow, field: Field) -> Option<(&'r Cell, &Column)> {
        self.layout
            .first(field)
            .map(|col| (row.get(col.index), col))
    }

    /// Read one row.
    pub fn read(&self, row: &SheetRow) -> RowData {
        let mut d = RowData {
            number: row.number,
            ..RowData::default()
        };
        let mut errors = Vec::new();
        let mut err = |col: &Column, value: String, message: String| {
            errors.push(Problem::error(row.number, col.label(), message).with_value(value));
        };
        let mut name = self
            .cell(row, Field::FullName)
            .map(|(c, _)| normalize_name(&c.text()))
            .unwrap_or_default();
        if let Some((c, _)) = self.cell(row, Field::HeadName)
            && !c.is_empty()
            && !cells::is_mark(c)
        {
            d.head_name = Some(normalize_name(&c.text()));
        }
        let head_mark = self
            .cell(row, Field::HeadName)
            .is_some_and(|(c, _)| cells::is_mark(c));
        let relation_head = self
            .cell(row, Field::Relation)
            .is_some_and(|(c, _)| is_head_relation(&c.text()));
        if !self.persons {
            // A list of households: the head column names the person.
            name = d.head_name.clone().unwrap_or_default();
        }
        d.is_head = !self.persons
            || relation_head
            || head_mark
            || d.head_name
                .as_deref()
                .is_some_and(|h| !name.is_empty() && h.to_lowercase() == name.to_lowercase());
        d.name = name;
        d.code = self
            .cell(row, Field::HouseholdCode)
            .map(|(c, _)| normalize_name(&c.text()))
            .filter(|c| !c.is_empty());

        // Village: the row's own cell, which must agree with --village.
        if let Some((c, col)) = self.cell(row, Field::Village)
            && !c.is_empty()
        {
            match find_village(self.villages, &c.text()) {
                None => err(
                    col,
                    c.text(),
                    format!(
                        "Không có thôn/xóm \"{}\" trong xã (các thôn/xóm: {}).",
                        cells::short(&c.text()),
                        village_list(self.villages)
                    ),
                ),
                Some(v) if self.village.is_some_and(|chosen| chosen != v.id) => err(
                    col,
                    c.text(),
                    "Thôn/xóm của dòng này khác với thôn/xóm đã chọn khi nhập (--village).".into(),
                ),
                Some(v) => d.village = Some(v.id),
            }
        }
        if d.village.is_none() {
            d.village = self.village;
        }

        // Birth year and sex: their own columns, or the year under Nam / Nữ.
        if let Some((c, col)) = self.cell(row, Field::Birth) {
            match cells::birth_year(c, self.today.year()) {
                Ok(y) => d.birth_year = y,
                Err(m) => err(col, c.text(), m),
            }
        }
        if let Some((c, col)) = self.cell(row, Field::Sex) {
            match cells::sex(c) {
                Ok(s) => d.sex = s,
                Err(m) => err(col, c.text(), m),
            }
        }
        let male = self.cell(row, Field::BirthMale);
        let female = self.cell(row, Field::BirthFemale);
        if let (Some((m, mcol)), Some((f, _))) = (male, female) {
            let (cell, col, sex) = match (m.is_empty(), f.is_empty()) {
                (false, false) => {
                    err(
                        mcol,
                        format!("{} | {}", m.text(), f.text()),
                        "Năm sinh ghi ở cả cột Nam và cột Nữ: chỉ ghi ở một cột.".into(),
                    );
                    (None, mcol, None)
                }
                (false, true) => (Some(m), mcol, Some(Sex::Male)),
                (true, false) => (Some(f), female.map_or(mcol, |x| x.1), Some(Sex::Female)),
                (true, true) => (None, mcol, None),
            };
            if let Some(cell) = cell {
                match cells::birth_year(cell, self.today.year()) {
                    Ok(y) => d.birth_year = d.birth_year.or(y),
                    Err(m) => err(col, cell.text(), m),
                }
                d.sex = d.sex.or(sex);
            }
        }

        // The address: every address column, joined.
        d.address = self
            .layout
            .all(Field::Address)
            .map(|col| row.get(col.index).text())
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(", ");

        if let Some((c, col)) = self.cell(row, Field::Phone) {
            match cells::phone(c) {
                Ok(p) => d.phone = p,
                Err(m) => err(col, c.text(), m),
            }
        }
        if let Some((c, col)) = self.cell(row, Field::CitizenId)
            && let Some(raw) = cells::citizen_id_text(c)
        {
            // The number itself goes no further than this line: the hash
            // and a mask are all that is kept, in memory, in the report.
            let masked = cells::mask(&raw);
            match hash_citizen_id(self.secret, &raw) {
                Ok(hash) => d.citizen_id = Some(CitizenId { hash, masked }),
                Err(e) => err(col, masked, e.message_vi()),
            }
        }
        if let Some((c, col)) = self.cell(row, Field::Consent) {
            match cells::consent(c, self.today) {
                Ok(day) => d.consent_on = day,
                Err(m) => err(col, c.text(), m),
            }
        }
        if let Some((c, col)) = self.cell(row, Field::PovertyClass) {
            match cells::poverty(c) {
                Ok((p, n)) => (d.poor, d.near_poor) = (p, n),
                Err(m) => err(col, c.text(), m),
            }
        }
        for (field, slot) in [
            (Field::Poor, &mut d.poor),
            (Field::NearPoor, &mut d.near_poor),
            (Field::EthnicMinority, &mut d.minority),
            (Field::ElderlyOnly, &mut d.elderly_only),
            (Field::NoSmartphone, &mut d.no_smartphone),
            (Field::HasSmartphone, &mut d.has_smartphone),
        ] {
            if let Some((c, col)) = self.cell(row, field) {
                match cells::mark(c) {
                    Ok(yes) => *slot = *slot || yes,
                    Err(m) => err(col, c.text(), m),
                }
            }
        }
        if let Some((c, _)) = self.cell(row, Field::Ethnicity) {
            d.minority = d.minority || cells::minority(c);
        }
        d.errors = errors;
        d
    }
}

/// Words villages are named with, left out when names are compared:
/// "Thôn Đông", "thôn Đông" and "Đông" are one village.
const VILLAGE_WORDS: &[&str] = &[
    "to dan pho",
    "khu dan cu",
    "khu pho",
    "thon",
    "xom",
    "ban",
    "ap",
    "tdp",
    "khu",
    "to",
    "lang",
];

/// A village name as compared: folded, without the kind of place, numbers
/// without leading zeros ("Thôn 01" is "Thôn 1").
pub fn village_key(name: &str) -> String {
    let mut key = gocua_core::text::search_key(name);
    for w in VILLAGE_WORDS {
        if let Some(rest) = key.strip_prefix(w)
            && (rest.is_empty() || rest.starts_with(' '))
            && !rest.trim().is_empty()
        {
            key = rest.trim().to_string();
            break;
        }
    }
    key.split(' ')
        .map(|w| {
            if w.bytes().all(|b| b.is_ascii_digit()) && w.len() > 1 {
                let t = w.trim_start_matches('0');
                if t.is_empty() { "0" } else { t }
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The village a name means: by id, or by name compared loosely.
pub fn find_village<'v>(villages: &'v [Village], text: &str) -> Option<&'v Village> {
    if let Ok(id) = text.trim().parse::<VillageId>() {
        return villages.iter().find(|v| v.id == id);
    }
    let key = village_key(text);
    let mut found = villages.iter().filter(|v| village_key(&v.name) == key);
    match (found.next(), found.next()) {
        (Some(v), None) => Some(v),
        _ => None,
    }
}

fn village_list(villages: &[Village]) -> String {
    let names: Vec<&str> = villages.iter().map(|v| v.name.as_str()).collect();
    cells::short(&names.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use gocua_core::CommuneId;

    #[test]
    fn village_names_compare_loosely() {
        assert_eq!(village_key("Thôn Đông"), "dong");
        assert_eq!(village_key("thon dong"), "dong");
        assert_eq!(village_key("Đông"), "dong");
        assert_eq!(village_key("Thôn 01"), "1");
        assert_eq!(village_key("Tổ dân phố 3"), "3");
        let villages = vec![
            Village {
                id: VillageId::new(),
                commune_id: CommuneId::new(),
                name: "Thôn Đông".into(),
            },
            Village {
                id: VillageId::new(),
                commune_id: CommuneId::new(),
                name: "Thôn Tây".into(),
            },
        ];
        assert_eq!(
            find_village(&villages, "xóm đông").map(|v| v.id),
            Some(villages[0].id)
        );
        assert!(find_village(&villages, "Thôn Bắc").is_none());
    }
}
