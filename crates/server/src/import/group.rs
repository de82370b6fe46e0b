//! Rows into households, and households into the domain's records.
//!
//! Which household a row belongs to, in order of what the file offers:
//! a household code column (Mã hộ / Số hộ khẩu); else the head's name on
//! each row (Họ tên chủ hộ; a blank cell continues the household above, as
//! merged cells read); else the head's row starting each household (Quan
//! hệ với chủ hộ = "Chủ hộ", or a mark in a Chủ hộ column) with the rows
//! below joining it; else every row is a household of its own.
//!
//! Decisions:
//! - A household goes in whole or not at all: when any of its rows has an
//!   error, none of them is imported, and each of its sound rows is listed
//!   as held back. A team shown half a household would count its people
//!   wrongly; after the fix a re-import brings the whole household.
//! - The same person twice in a household (same name and birth year): an
//!   identical row is skipped with a notice; one that says otherwise is an
//!   error (which of the two is right is for the officer to say).
//! - One CCCD on two different people is an error on the later row.
//! - A CCCD is kept (hashed) only for a resident whose consent the file
//!   records (a date or a mark in the Đồng ý column): the domain keeps no
//!   citizen-ID hash without consent. Without it the number is checked and
//!   dropped, and the report says how many were.

use super::columns::{Field, Layout, column_label, name_column};
use super::people::People;
use super::report::{Level, Problem, Stats};
use super::rows::{Context, RowData};
use gocua_central::{RegistryHousehold, registry_id};
use gocua_core::{
    CommuneId, Household, HouseholdFlags, HouseholdId, HouseholdInput, Resident, ValidationError,
    VillageId,
};
use std::collections::{BTreeSet, HashMap};

pub struct Plan {
    pub households: Vec<RegistryHousehold>,
    pub problems: Vec<Problem>,
    pub stats: Stats,
}

/// How households are told apart in this file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Code,
    HeadNames,
    HeadRows,
    OnePerRow,
}

/// Rows of one household as the file groups them.
struct Group {
    rows: Vec<usize>,
}

/// A household put together from its rows.
struct Built {
    id: HouseholdId,
    head_row: usize,
    rows: Vec<usize>,
}

pub fn plan(ctx: &Context, commune: CommuneId, rows: Vec<RowData>) -> Plan {
    let layout = ctx.layout;
    let mut problems: Vec<Problem> = rows.iter().flat_map(|r| r.errors.clone()).collect();
    let mode = if layout.has(Field::HouseholdCode) {
        Mode::Code
    } else if rows.iter().any(|r| r.head_name.is_some()) && ctx.persons {
        Mode::HeadNames
    } else if layout.has(Field::Relation) || layout.has(Field::HeadName) {
        Mode::HeadRows
    } else {
        Mode::OnePerRow
    };
    if mode == Mode::OnePerRow && ctx.persons {
        problems.push(Problem {
            row: None,
            column: String::new(),
            level: Level::Notice,
            value: String::new(),
            message: "Tệp không có cột Mã hộ, Chủ hộ hay Quan hệ với chủ hộ: mỗi dòng được \
                      coi là một hộ."
                .into(),
        });
    }
    let mut bad: BTreeSet<usize> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.errors.is_empty())
        .map(|(i, _)| i)
        .collect();
    let groups = group(mode, &rows, layout, &mut problems, &mut bad);

    // Households by id, in file order: a block repeated further down
    // joins the first.
    let mut built: Vec<Built> = Vec::new();
    let mut by_id: HashMap<HouseholdId, usize> = HashMap::new();
    let mut records: HashMap<HouseholdId, Household> = HashMap::new();
    for g in groups {
        let Some(b) = build(
            ctx,
            commune,
            mode,
            &rows,
            g,
            &mut problems,
            &mut bad,
            &mut records,
        ) else {
            continue;
        };
        match by_id.get(&b.id) {
            Some(&i) => built[i].rows.extend(b.rows),
            None => {
                by_id.insert(b.id, built.len());
                built.push(b);
            }
        }
    }

    let mut stats = Stats {
        rows: rows.len(),
        households_in_file: built.len(),
        ..Stats::default()
    };
    let make_residents = ctx.persons || layout.has(Field::Birth);
    let mut people = People::new(ctx, commune, &rows);
    let mut planned: Vec<(Built, Vec<(usize, Resident)>)> = Vec::new();
    for b in built {
        let phone = records.get(&b.id).and_then(|h| h.phone.clone());
        let residents = if make_residents {
            people.of_household(
                b.id,
                phone.as_deref(),
                &b.rows,
                &mut problems,
                &mut bad,
                &mut stats,
            )
        } else {
            Vec::new()
        };
        stats.residents_in_file += residents.len();
        planned.push((b, residents));
    }

    // Whole households only.
    let with_id: BTreeSet<usize> = rows
        .iter()
        .filter(|r| r.citizen_id.is_some())
        .map(|r| r.number)
        .collect();
    let mut households = Vec::new();
    for (b, residents) in planned {
        let errors: Vec<usize> = b.rows.iter().copied().filter(|i| bad.contains(i)).collect();
        if errors.is_empty() {
            let Some(household) = records.remove(&b.id) else {
                continue;
            };
            stats.households_ready += 1;
            // Numbers checked but not kept, in households that go in.
            stats.citizen_ids_without_consent += residents
                .iter()
                .filter(|(row, r)| r.citizen_id_hash.is_none() && with_id.contains(row))
                .count();
            households.push(RegistryHousehold {
                tag: rows[b.head_row].number,
                household,
                residents,
            });
            continue;
        }
        stats.households_held_back += 1;
        let listed: Vec<String> = errors.iter().map(|&i| rows[i].number.to_string()).collect();
        for &i in &b.rows {
            if !bad.contains(&i) {
                stats.rows_held_back += 1;
                problems.push(Problem::new(
                    rows[i].number,
                    "",
                    Level::HeldBack,
                    format!(
                        "Hộ của dòng này chưa được nhập vì có dòng lỗi ({}); sửa rồi nhập lại \
                         tệp.",
                        listed.join(", ")
                    ),
                ));
            }
        }
    }
    stats.rows_with_errors = bad.len();
    if stats.citizen_ids_without_consent > 0 {
        problems.push(Problem {
            row: None,
            column: column_label(layout, Field::CitizenId),
            level: Level::Notice,
            value: String::new(),
            message: format!(
                "{} số CCCD không được lưu vì tệp không ghi sự đồng ý của người dân (cột Đồng \
                 ý lưu thông tin); các nhân khẩu đó vẫn được nhập.",
                stats.citizen_ids_without_consent
            ),
        });
    }
    Plan {
        households,
        problems,
        stats,
    }
}

/// Rows into households as the file groups them. Rows that cannot be
/// placed are errors.
fn group(
    mode: Mode,
    rows: &[RowData],
    layout: &Layout,
    problems: &mut Vec<Problem>,
    bad: &mut BTreeSet<usize>,
) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    let mut by_code: HashMap<(Option<VillageId>, String), usize> = HashMap::new();
    // (group, its head's name key, whether it has its head row yet)
    let mut current: Option<(usize, String, bool)> = None;
    for (i, r) in rows.iter().enumerate() {
        let key = |s: &str| s.to_lowercase();
        let target = match mode {
            Mode::OnePerRow => None,
            Mode::Code => match &r.code {
                Some(code) => {
                    let k = (r.village, key(code));
                    match by_code.get(&k) {
                        Some(&g) => Some(g),
                        None => {
                            by_code.insert(k, groups.len());
                            None
                        }
                    }
                }
                None => match current {
                    Some((g, ..)) => Some(g),
                    None => {
                        orphan(
                            r,
                            i,
                            layout,
                            Field::HouseholdCode,
                            "Thiếu mã hộ.",
                            problems,
                            bad,
                        );
                        continue;
                    }
                },
            },
            Mode::HeadNames => match (&r.head_name, &current) {
                (Some(h), Some((g, k, has_head))) if *k == key(h) && !(r.is_head && *has_head) => {
                    Some(*g)
                }
                (Some(_), _) => None,
                (None, Some((g, _, has_head))) if !(r.is_head && *has_head) => Some(*g),
                (None, _) if r.is_head => None,
                (None, _) => {
                    let m = "Không rõ dòng này thuộc hộ nào: cột chủ hộ để trống.";
                    orphan(r, i, layout, Field::HeadName, m, problems, bad);
                    continue;
                }
            },
            Mode::HeadRows => match current {
                _ if r.is_head => None,
                Some((g, ..)) => Some(g),
                None => {
                    let m = "Không rõ dòng này thuộc hộ nào: phía trên chưa có dòng Chủ hộ.";
                    orphan(r, i, layout, Field::Relation, m, problems, bad);
                    continue;
                }
            },
        };
        let g = match target {
            Some(g) => {
                groups[g].rows.push(i);
                g
            }
            None => {
                groups.push(Group { rows: vec![i] });
                groups.len() - 1
            }
        };
        let head_key = r
            .head_name
            .as_deref()
            .map(key)
            .or_else(|| current.as_ref().filter(|c| c.0 == g).map(|c| c.1.clone()))
            .unwrap_or_else(|| {
                if r.is_head {
                    key(&r.name)
                } else {
                    String::new()
                }
            });
        let had_head = current.as_ref().is_some_and(|c| c.0 == g && c.2);
        current = Some((g, head_key, had_head || r.is_head));
    }
    groups
}

fn orphan(
    r: &RowData,
    i: usize,
    layout: &Layout,
    field: Field,
    message: &str,
    problems: &mut Vec<Problem>,
    bad: &mut BTreeSet<usize>,
) {
    bad.insert(i);
    problems.push(Problem::error(
        r.number,
        column_label(layout, field),
        message.into(),
    ));
}

/// Put a household together from its rows: head, village, address, phone,
/// flags; its id from the village and a stable key.
#[allow(clippy::too_many_arguments)]
fn build(
    ctx: &Context,
    commune: CommuneId,
    mode: Mode,
    rows: &[RowData],
    g: Group,
    problems: &mut Vec<Problem>,
    bad: &mut BTreeSet<usize>,
    records: &mut HashMap<HouseholdId, Household>,
) -> Option<Built> {
    let layout = ctx.layout;
    let heads: Vec<usize> = g
        .rows
        .iter()
        .copied()
        .filter(|&i| rows[i].is_head)
        .collect();
    for &extra in heads.iter().skip(1) {
        bad.insert(extra);
        problems.push(Problem::error(
            rows[extra].number,
            column_label(layout, Field::Relation),
            format!(
                "Hộ có hai chủ hộ (dòng {} và dòng {}).",
                rows[heads[0]].number, rows[extra].number
            ),
        ));
    }
    let head_row = heads.first().copied().unwrap_or(g.rows[0]);
    let head = &rows[head_row];
    let head_name = if head.is_head || mode != Mode::HeadNames {
        head.name.clone()
    } else {
        head.head_name.clone().unwrap_or_default()
    };
    let first_filled = |f: &dyn Fn(&RowData) -> Option<String>| {
        f(head).or_else(|| g.rows.iter().find_map(|&i| f(&rows[i])))
    };
    let village = head
        .village
        .or_else(|| g.rows.iter().find_map(|&i| rows[i].village));
    let Some(village) = village else {
        if !bad.contains(&head_row) {
            bad.insert(head_row);
            problems.push(Problem::error(
                head.number,
                column_label(layout, Field::Village),
                "Thôn/xóm không được để trống (hoặc chọn --village khi nhập).".into(),
            ));
        }
        return None;
    };
    for &i in &g.rows {
        if rows[i].village.is_some_and(|v| v != village) {
            bad.insert(i);
            problems.push(Problem::error(
                rows[i].number,
                column_label(layout, Field::Village),
                format!(
                    "Thôn/xóm khác với dòng chủ hộ (dòng {}) của cùng hộ.",
                    head.number
                ),
            ));
        }
    }
    let address = first_filled(&|r| Some(r.address.clone()).filter(|a| !a.is_empty()));
    let phone = first_filled(&|r| r.phone.clone());
    let any = |f: fn(&RowData) -> bool| g.rows.iter().any(|&i| f(&rows[i]));
    let flags = HouseholdFlags {
        poor: any(|r| r.poor),
        near_poor: any(|r| r.near_poor),
        ethnic_minority: any(|r| r.minority),
        elderly_only: any(|r| r.elderly_only),
        no_smartphone: any(|r| r.no_smartphone),
    };
    let address = address.unwrap_or_default();
    let key = match (mode, &head.code) {
        (Mode::Code, Some(code)) => format!("household/{village}/code/{}", code.to_lowercase()),
        _ => format!(
            "household/{village}/head/{}/{}/{}",
            head_name.to_lowercase(),
            if head.is_head {
                head.birth_year.map_or("-".into(), |y| y.to_string())
            } else {
                "-".into()
            },
            address.to_lowercase()
        ),
    };
    let id = HouseholdId(registry_id(commune, &key));
    let input = HouseholdInput {
        village_id: Some(village),
        address,
        head_name,
        phone,
        flags,
    };
    match Household::create(id, input) {
        Ok(h) => {
            records.entry(id).or_insert(h);
        }
        Err(errors) => {
            bad.insert(head_row);
            for e in errors.0 {
                let column = match &e {
                    ValidationError::Empty { .. } => name_column(layout),
                    ValidationError::TooLong {
                        field: "address", ..
                    } => column_label(layout, Field::Address),
                    ValidationError::Phone => column_label(layout, Field::Phone),
                    _ => String::new(),
                };
                let message = match e {
                    ValidationError::Empty { field: "head_name" } => {
                        "Tên chủ hộ không được để trống.".to_string()
                    }
                    e => e.message_vi(),
                };
                problems.push(Problem::error(head.number, column, message));
            }
        }
    }
    Some(Built {
        id,
        head_row,
        rows: g.rows,
    })
}
