//! The residents of one household: each row read into the domain's
//! resident, with the same person twice in a household and one CCCD on
//! two people caught (see `group.rs` for what each becomes).

use super::columns::{Field, column_label, name_column};
use super::report::{Level, Problem, Stats};
use super::rows::{Context, RowData};
use gocua_central::registry_id;
use gocua_core::citizen_id::CitizenIdHash;
use gocua_core::{
    CommuneId, HouseholdId, Resident, ResidentId, ResidentInput, ValidationError, ValidationErrors,
};
use std::collections::{BTreeSet, HashMap};

pub struct People<'a> {
    ctx: &'a Context<'a>,
    commune: CommuneId,
    rows: &'a [RowData],
    /// Each CCCD hash seen: its row and resident.
    ids_seen: HashMap<CitizenIdHash, (usize, ResidentId)>,
}

impl<'a> People<'a> {
    pub fn new(ctx: &'a Context<'a>, commune: CommuneId, rows: &'a [RowData]) -> Self {
        People {
            ctx,
            commune,
            rows,
            ids_seen: HashMap::new(),
        }
    }

    /// The residents of `rows` (indices), in file order, duplicates left out.
    pub fn of_household(
        &mut self,
        household: HouseholdId,
        household_phone: Option<&str>,
        rows: &[usize],
        problems: &mut Vec<Problem>,
        bad: &mut BTreeSet<usize>,
        stats: &mut Stats,
    ) -> Vec<(usize, Resident)> {
        let mut residents: Vec<(usize, Resident)> = Vec::new();
        let mut by_resident: HashMap<ResidentId, usize> = HashMap::new();
        for &i in rows {
            let r = &self.rows[i];
            let Some(mut resident) = self.resident(household, r, problems, bad, i) else {
                continue;
            };
            // The person's own number, unless it is the household's on the
            // head's row (kept once, on the household).
            if let Some(p) = &r.phone
                && !(r.is_head && household_phone == Some(p.as_str()))
            {
                resident.phone = Some(p.clone());
            }
            if let Some(&first) = by_resident.get(&resident.id) {
                let earlier = &residents[first];
                if earlier.1 == resident {
                    stats.duplicate_rows += 1;
                    problems.push(Problem::new(
                        r.number,
                        "",
                        Level::Notice,
                        format!(
                            "Trùng với dòng {} (cùng hộ, họ tên, năm sinh): bỏ qua dòng này.",
                            earlier.0
                        ),
                    ));
                } else {
                    bad.insert(i);
                    problems.push(Problem::error(
                        r.number,
                        "",
                        format!(
                            "Trùng người với dòng {} (cùng hộ, họ tên, năm sinh) nhưng khác \
                             thông tin: hãy giữ một dòng đúng.",
                            earlier.0
                        ),
                    ));
                }
                continue;
            }
            if let Some(cid) = &r.citizen_id {
                match self.ids_seen.get(&cid.hash) {
                    Some((row, other)) if *other != resident.id => {
                        bad.insert(i);
                        let column = column_label(self.ctx.layout, Field::CitizenId);
                        problems.push(
                            Problem::error(
                                r.number,
                                column,
                                format!("Số CCCD trùng với người ở dòng {row}."),
                            )
                            .with_value(cid.masked.clone()),
                        );
                        continue;
                    }
                    _ => {
                        self.ids_seen
                            .insert(cid.hash.clone(), (r.number, resident.id));
                    }
                }
            }
            by_resident.insert(resident.id, residents.len());
            residents.push((r.number, resident));
        }
        residents
    }

    /// The resident a row describes, or None (with the row's errors noted).
    fn resident(
        &self,
        household: HouseholdId,
        r: &RowData,
        problems: &mut Vec<Problem>,
        bad: &mut BTreeSet<usize>,
        i: usize,
    ) -> Option<Resident> {
        let ctx = self.ctx;
        let layout = ctx.layout;
        let mut missing = Vec::new();
        if r.name.is_empty() {
            missing.push((
                name_column(layout),
                ValidationError::Empty { field: "full_name" }.message_vi(),
            ));
        }
        let birth_col = layout
            .first(Field::Birth)
            .or_else(|| layout.first(Field::BirthMale))
            .map(|c| c.label())
            .unwrap_or_default();
        // A cell already reported as wrong is not reported again as empty.
        let reported = |fields: &[Field]| {
            r.errors.iter().any(|p| {
                fields
                    .iter()
                    .any(|f| layout.all(*f).any(|c| c.label() == p.column))
            })
        };
        let pair = [Field::BirthMale, Field::BirthFemale];
        if r.birth_year.is_none() && !reported(&[Field::Birth, pair[0], pair[1]]) {
            missing.push((birth_col, "Năm sinh không được để trống.".into()));
        }
        let sex_col = layout
            .first(Field::Sex)
            .or_else(|| layout.first(Field::BirthMale))
            .map(|c| c.label())
            .unwrap_or_default();
        if r.sex.is_none() && !reported(&[Field::Sex, pair[0], pair[1]]) {
            missing.push((sex_col, "Giới tính không được để trống.".into()));
        }
        if !missing.is_empty() {
            bad.insert(i);
            for (column, message) in missing {
                problems.push(Problem::error(r.number, column, message));
            }
            return None;
        }
        let (Some(birth_year), Some(sex)) = (r.birth_year, r.sex) else {
            return None;
        };
        let key = format!(
            "resident/{household}/{}/{birth_year}",
            r.name.to_lowercase()
        );
        let id = ResidentId(registry_id(self.commune, &key));
        let input = ResidentInput {
            household_id: household,
            full_name: r.name.clone(),
            birth_year,
            sex,
            has_smartphone: r.has_smartphone,
            consent_on: r.consent_on,
            // No consent, no hash: the number was only checked.
            citizen_id_hash: r
                .citizen_id
                .as_ref()
                .filter(|_| r.consent_on.is_some())
                .map(|c| c.hash.clone()),
        };
        match Resident::create(id, input, ctx.today) {
            Ok(res) => Some(res),
            Err(ValidationErrors(errors)) => {
                bad.insert(i);
                for e in errors {
                    problems.push(Problem::error(
                        r.number,
                        name_column(layout),
                        e.message_vi(),
                    ));
                }
                None
            }
        }
    }
}
