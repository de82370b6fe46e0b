//! Opening a figure to its records: the same conditions as `report_sql`
//! counts with, listing ids a page at a time (in id order), with names read
//! from `records` for the page only.

use crate::CentralError;
use crate::backend::sql::{Row, Tx};
use crate::report::work::{Query, code_literal, resident_masks};
use chrono::{Datelike, NaiveDate};
use gocua_core::indicators::{
    ActionRow, AgeBrackets, DrillPage, DrillQuery, DrillRow, ELIGIBILITIES, Figure, HouseholdRow,
    Part, Period, Population, ResidentRow, Subject,
};
use gocua_core::{CatalogueEntry, CommuneId, MemberId, OrgSnapshot, VillageId};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Rows per page at most.
pub const MAX_PAGE: u32 = 1000;

pub(crate) struct Drill<'a> {
    pub(crate) commune: CommuneId,
    pub(crate) org: &'a OrgSnapshot,
    pub(crate) catalogue: &'a [CatalogueEntry],
    pub(crate) as_of: NaiveDate,
}

fn not_applicable(what: &str) -> CentralError {
    CentralError::Invalid(
        gocua_core::ValidationError::NotAllowed {
            field: "figure",
            value: what.to_string(),
        }
        .into(),
    )
}

impl Drill<'_> {
    /// The villages an indicator is taken over for this subject.
    fn villages(&self, subject: Subject) -> Result<Vec<VillageId>, CentralError> {
        let team_villages = |team| {
            self.org
                .teams
                .iter()
                .find(|t| t.id == team)
                .map(|t| t.village_ids.clone())
                .ok_or_else(|| CentralError::not_found("team", team))
        };
        match subject {
            Subject::Commune(_) => Ok(self.org.villages.iter().map(|v| v.id).collect()),
            Subject::Village(v) => Ok(vec![v]),
            Subject::Team(t) => team_villages(t),
            Subject::Member(m) => {
                let member = self
                    .org
                    .members
                    .iter()
                    .find(|x| x.id == m)
                    .ok_or_else(|| CentralError::not_found("member", m))?;
                match member.team_id {
                    Some(t) => team_villages(t),
                    None => Err(not_applicable("member without a team")),
                }
            }
        }
    }

    /// `AND <visits alias>.visit_id …` restricting visits to the subject's:
    /// the village's households, or crediting the team's or member's people.
    fn visit_filter(&self, q: &mut Query, alias: &str, subject: Subject, period: Option<Period>) {
        let c = self.commune.to_string();
        let days = |q: &mut Query, col: &str| {
            if let Some(p) = period {
                q.text(&format!(" AND {col} >= "))
                    .bind(p.first_day().to_string())
                    .text(&format!(" AND {col} < "))
                    .bind(p.end_exclusive().to_string());
            }
        };
        match subject {
            Subject::Commune(_) => {}
            Subject::Village(v) => {
                q.text(&format!(" AND {alias}.village_id = "))
                    .bind(v.to_string());
            }
            Subject::Team(t) => {
                q.text(&format!(
                    " AND {alias}.visit_id IN (SELECT vm.visit_id FROM rpt_visit_members vm
                       JOIN members tm ON tm.id = vm.member_id WHERE vm.commune_id = "
                ))
                .bind(c.as_str());
                days(q, "vm.day");
                q.text(" AND tm.team_id = ").bind(t.to_string()).text(")");
            }
            Subject::Member(m) => {
                q.text(&format!(
                    " AND {alias}.visit_id IN (SELECT vm.visit_id FROM rpt_visit_members vm
                       WHERE vm.commune_id = "
                ))
                .bind(c.as_str());
                days(q, "vm.day");
                q.text(" AND vm.member_id = ").bind(m.to_string()).text(")");
            }
        }
    }

    pub(crate) fn page(
        &self,
        tx: &mut dyn Tx,
        query: &DrillQuery,
        after: Option<&str>,
        limit: u32,
    ) -> Result<DrillPage, CentralError> {
        let limit = limit.clamp(1, MAX_PAGE);
        let after = after.unwrap_or("");
        let c = self.commune.to_string();
        let day = self.as_of.to_string();
        let p = query.period;
        let mut q = Query::new();
        let kind = match &query.figure {
            Figure::Indicator { indicator, part } => {
                let villages = self.villages(query.subject)?;
                let (achieved, missing) = (*part == Part::Achieved, *part == Part::Missing);
                // ` AND [NOT] EXISTS (` for achieved / missing; false for all.
                let open = |q: &mut Query| {
                    if achieved {
                        q.text(" AND EXISTS (");
                    } else if missing {
                        q.text(" AND NOT EXISTS (");
                    }
                    achieved || missing
                };
                match indicator.population() {
                    Population::ActionDone { action, .. } => {
                        let elig = indicator
                            .eligibility(self.catalogue)
                            .ok_or_else(|| not_applicable(indicator.code()))?;
                        let i = ELIGIBILITIES.iter().position(|e| *e == elig).unwrap_or(0);
                        let max_birth = AgeBrackets::at(self.as_of).max_birth_years()[i];
                        q.text(
                            "SELECT r.resident_id, r.household_id, r.village_id, r.birth_year
                             FROM rpt_residents r WHERE r.commune_id = ",
                        )
                        .bind(c.as_str())
                        .text(" AND r.village_id IN ")
                        .list(villages.iter().map(|v| v.to_string()))
                        .text(" AND r.birth_year <= ")
                        .bind(i64::from(max_birth));
                        if open(&mut q) {
                            q.text(
                                "SELECT 1 FROM rpt_status s WHERE s.resident_id = r.resident_id
                                 AND s.code = ",
                            )
                            .bind(action)
                            .text(" AND s.done_on <= ")
                            .bind(day.as_str())
                            .text(")");
                        }
                        q.text(" AND r.resident_id > ").bind(after);
                        q.text(" ORDER BY r.resident_id LIMIT ")
                            .bind(i64::from(limit) + 1);
                        Kind::Resident
                    }
                    Population::DigitalCitizens => {
                        let (_, citizen) = resident_masks(&mut q, &c, self.catalogue, self.as_of)?;
                        q.text(
                            " SELECT resident_id, household_id, village_id, birth_year FROM p
                              WHERE village_id IN ",
                        )
                        .list(villages.iter().map(|v| v.to_string()));
                        if achieved {
                            q.text(&format!(" AND {citizen}"));
                        } else if missing {
                            q.text(&format!(" AND NOT {citizen}"));
                        }
                        q.text(" AND resident_id > ").bind(after);
                        q.text(" ORDER BY resident_id LIMIT ")
                            .bind(i64::from(limit) + 1);
                        Kind::Resident
                    }
                    Population::DigitalFamilies => {
                        let (duty, citizen) =
                            resident_masks(&mut q, &c, self.catalogue, self.as_of)?;
                        q.text(&format!(
                            ", x AS (SELECT household_id,
                                        sum(CASE WHEN {duty} THEN 1 ELSE 0 END) AS d,
                                        sum(CASE WHEN {citizen} THEN 1 ELSE 0 END) AS n
                                     FROM p GROUP BY household_id)
                             SELECT h.household_id, h.village_id FROM rpt_households h
                             LEFT JOIN x ON x.household_id = h.household_id
                             WHERE h.voided = 0 AND h.commune_id = "
                        ))
                        .bind(c.as_str())
                        .text(" AND h.village_id IN ")
                        .list(villages.iter().map(|v| v.to_string()));
                        let family = "(coalesce(x.d, 0) > 0 AND x.d = x.n)";
                        if achieved {
                            q.text(&format!(" AND {family}"));
                        } else if missing {
                            q.text(&format!(" AND NOT {family}"));
                        }
                        q.text(" AND h.household_id > ").bind(after);
                        q.text(" ORDER BY h.household_id LIMIT ")
                            .bind(i64::from(limit) + 1);
                        Kind::Household
                    }
                    Population::HouseholdsWithPlatform | Population::HouseholdsReached => {
                        q.text(
                            "SELECT h.household_id, h.village_id FROM rpt_households h
                             WHERE h.voided = 0 AND h.commune_id = ",
                        )
                        .bind(c.as_str())
                        .text(" AND h.village_id IN ")
                        .list(villages.iter().map(|v| v.to_string()));
                        if open(&mut q) {
                            if indicator.population() == Population::HouseholdsReached {
                                let year_start = self.as_of.with_ordinal(1).unwrap_or(self.as_of);
                                q.text(
                                    "SELECT 1 FROM rpt_visits v
                                     WHERE v.household_id = h.household_id
                                       AND v.live = 1 AND v.reached = 1 AND v.day >= ",
                                )
                                .bind(year_start.to_string())
                                .text(" AND v.day <= ")
                                .bind(day.as_str());
                            } else {
                                let codes: Vec<String> = self
                                    .catalogue
                                    .iter()
                                    .filter(|e| e.essential_platform)
                                    .map(|e| code_literal(&e.code))
                                    .collect();
                                let codes = if codes.is_empty() {
                                    "''".to_string()
                                } else {
                                    codes.join(", ")
                                };
                                q.text(&format!(
                                    "SELECT 1 FROM rpt_residents r
                                     JOIN rpt_status s ON s.resident_id = r.resident_id
                                     WHERE r.household_id = h.household_id
                                       AND s.code IN ({codes}) AND s.done_on <= "
                                ))
                                .bind(day.as_str());
                            }
                            q.text(")");
                        }
                        q.text(" AND h.household_id > ").bind(after);
                        q.text(" ORDER BY h.household_id LIMIT ")
                            .bind(i64::from(limit) + 1);
                        Kind::Household
                    }
                }
            }
            Figure::Assists { .. } | Figure::Actions { .. } | Figure::FollowUpsOpen { .. } => {
                q.text(
                    "SELECT a.action_id, a.visit_id, a.day, v.household_id, a.resident_id,
                            a.code, a.status, a.due
                     FROM rpt_actions a JOIN rpt_visits v ON v.visit_id = a.visit_id
                     WHERE a.commune_id = ",
                )
                .bind(c.as_str())
                .text(" AND a.live = 1");
                match &query.figure {
                    Figure::FollowUpsOpen { overdue_only } => {
                        q.text(" AND a.status = 'follow_up' AND a.day <= ")
                            .bind(day.as_str())
                            .text(" AND (a.next_on IS NULL OR a.next_on > ")
                            .bind(day.as_str())
                            .text(") AND (a.done_on IS NULL OR a.done_on > ")
                            .bind(day.as_str())
                            .text(")");
                        if *overdue_only {
                            q.text(" AND a.due < ").bind(day.as_str());
                        }
                        self.visit_filter(&mut q, "v", query.subject, None);
                    }
                    figure => {
                        q.text(" AND a.day >= ")
                            .bind(p.first_day().to_string())
                            .text(" AND a.day < ")
                            .bind(p.end_exclusive().to_string());
                        match figure {
                            Figure::Assists { action } => {
                                q.text(" AND a.assist = 1");
                                if let Some(code) = action {
                                    q.text(" AND a.code = ").bind(code.as_str());
                                }
                            }
                            Figure::Actions { outcome } => {
                                q.text(" AND a.status = ").bind(outcome.as_str());
                            }
                            _ => {}
                        }
                        self.visit_filter(&mut q, "v", query.subject, Some(p));
                    }
                }
                q.text(" AND a.action_id > ").bind(after);
                q.text(" ORDER BY a.action_id LIMIT ")
                    .bind(i64::from(limit) + 1);
                Kind::Action
            }
            Figure::HouseholdsHelped => {
                q.text(
                    "SELECT DISTINCT v.household_id, v.village_id FROM rpt_visits v
                     WHERE v.commune_id = ",
                )
                .bind(c.as_str())
                .text(" AND v.helped = 1 AND v.day >= ")
                .bind(p.first_day().to_string())
                .text(" AND v.day < ")
                .bind(p.end_exclusive().to_string());
                self.visit_filter(&mut q, "v", query.subject, Some(p));
                q.text(" AND v.household_id > ").bind(after);
                q.text(" ORDER BY v.household_id LIMIT ")
                    .bind(i64::from(limit) + 1);
                Kind::Household
            }
        };
        let mut rows = q.run(tx)?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let rows = rows_of(tx, kind, &rows)?;
        Ok(DrillPage {
            as_of: self.as_of,
            next: if more {
                rows.last().map(DrillRow::key)
            } else {
                None
            },
            rows,
        })
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Resident,
    Household,
    Action,
}

/// The named fields of records, by id.
fn fields_of(
    tx: &mut dyn Tx,
    ids: impl IntoIterator<Item = String>,
) -> Result<HashMap<String, Map<String, Value>>, CentralError> {
    let mut ids: Vec<String> = ids.into_iter().collect();
    ids.sort();
    ids.dedup();
    let mut out = HashMap::new();
    for chunk in ids.chunks(200) {
        let mut q = Query::new();
        q.text("SELECT entity_id, fields FROM records WHERE entity_id IN ")
            .list(chunk.iter().map(String::as_str));
        for r in q.run(tx)? {
            out.insert(r.string(0)?, r.json(1)?);
        }
    }
    Ok(out)
}

fn text_field(fields: &HashMap<String, Map<String, Value>>, id: &str, name: &str) -> String {
    fields
        .get(id)
        .and_then(|f| f.get(name))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

fn rows_of(tx: &mut dyn Tx, kind: Kind, rows: &[Row]) -> Result<Vec<DrillRow>, CentralError> {
    match kind {
        Kind::Resident => {
            let names = fields_of(
                tx,
                rows.iter().filter_map(|r| r.opt_string(0).ok().flatten()),
            )?;
            rows.iter()
                .map(|r| {
                    let id = r.string(0)?;
                    Ok(DrillRow::Resident(ResidentRow {
                        full_name: text_field(&names, &id, "full_name"),
                        resident_id: r.parse(0)?,
                        household_id: r.parse(1)?,
                        village_id: r.parse(2)?,
                        birth_year: i32::try_from(r.int(3)?)
                            .map_err(|_| CentralError::Corrupt("birth year".into()))?,
                    }))
                })
                .collect()
        }
        Kind::Household => {
            let names = fields_of(
                tx,
                rows.iter().filter_map(|r| r.opt_string(0).ok().flatten()),
            )?;
            rows.iter()
                .map(|r| {
                    let id = r.string(0)?;
                    Ok(DrillRow::Household(HouseholdRow {
                        head_name: text_field(&names, &id, "head_name"),
                        household_id: r.parse(0)?,
                        village_id: r.parse(1)?,
                    }))
                })
                .collect()
        }
        Kind::Action => {
            let mut ids = Vec::new();
            for r in rows {
                ids.push(r.string(1)?);
                ids.push(r.string(4)?);
            }
            let fields = fields_of(tx, ids)?;
            rows.iter()
                .map(|r| {
                    let visit = r.string(1)?;
                    let resident = r.string(4)?;
                    let members: Vec<MemberId> = fields
                        .get(&visit)
                        .and_then(|f| f.get("members"))
                        .and_then(|m| serde_json::from_value(m.clone()).ok())
                        .unwrap_or_default();
                    Ok(DrillRow::Action(ActionRow {
                        action_id: r.parse(0)?,
                        visit_id: r.parse(1)?,
                        day: r.parse(2)?,
                        household_id: r.parse(3)?,
                        resident_id: r.parse(4)?,
                        resident_name: text_field(&fields, &resident, "full_name"),
                        action: r.parse(5)?,
                        status: r.string(6)?,
                        due: r.opt_parse(7)?,
                        members,
                    }))
                })
                .collect()
        }
    }
}
