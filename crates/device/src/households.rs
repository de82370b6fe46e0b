//! Households and residents: writes, the household page and lists (search:
//! `search.rs`).

use crate::converge::{RESIDENT_COLUMNS, household_from_row, resident_from_row};
use crate::{Batch, Store, StoreError, rows};
use gocua_core::rules::{self, ActionRecord, ChecklistItem};
use gocua_core::text::vietnamese_name_cmp;
use gocua_core::views::{HouseholdDetail, ResidentDetail};
use gocua_core::{
    Household, HouseholdId, HouseholdInput, Resident, ResidentId, ResidentInput, VillageId,
};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

impl Batch<'_> {
    pub fn add_household(&mut self, input: HouseholdInput) -> Result<Household, StoreError> {
        let household = Household::create(HouseholdId::new(), input)?;
        self.require_village(household.village_id)?;
        self.create_record(&household)?;
        Ok(household)
    }

    /// Save an edited household; returns it as stored.
    pub fn update_household(
        &mut self,
        id: HouseholdId,
        input: HouseholdInput,
    ) -> Result<Household, StoreError> {
        let mut household = Household::create(id, input)?;
        self.require_village(household.village_id)?;
        // The form has no void: keep whatever this device holds.
        if let Some((current, _)) =
            <Household as crate::converge::ConvergingRecord>::load(self.tx, id.0)?
        {
            household.voided = current.voided;
        }
        self.update_record(&household)?;
        Ok(household)
    }

    pub fn add_resident(&mut self, input: ResidentInput) -> Result<Resident, StoreError> {
        let resident = Resident::create(ResidentId::new(), input, self.today())?;
        self.require_household(resident.household_id)?;
        self.create_record(&resident)?;
        Ok(resident)
    }

    pub fn update_resident(
        &mut self,
        id: ResidentId,
        input: ResidentInput,
    ) -> Result<Resident, StoreError> {
        let mut resident = Resident::create(id, input, self.today())?;
        self.require_household(resident.household_id)?;
        // An edit of the form never touches a merge, the person's own phone
        // or a void (the form has no such field): keep whatever this device
        // holds.
        if let Some((current, _)) =
            <Resident as crate::converge::ConvergingRecord>::load(self.tx, id.0)?
        {
            resident.merged_into = current.merged_into;
            resident.phone = current.phone;
            resident.voided = current.voided;
        }
        self.update_record(&resident)?;
        Ok(resident)
    }

    fn require_village(&self, id: VillageId) -> Result<(), StoreError> {
        exists(self.tx, "SELECT 1 FROM villages WHERE id = ?1", id).and_then(|found| {
            found
                .then_some(())
                .ok_or(StoreError::not_found("village", id))
        })
    }

    pub(crate) fn require_household(&self, id: HouseholdId) -> Result<(), StoreError> {
        exists(self.tx, "SELECT 1 FROM households WHERE id = ?1", id).and_then(|found| {
            found
                .then_some(())
                .ok_or(StoreError::not_found("household", id))
        })
    }
}

fn exists(conn: &rusqlite::Connection, sql: &str, id: impl ToString) -> Result<bool, StoreError> {
    Ok(conn.prepare_cached(sql)?.exists(params![id.to_string()])?)
}

/// Whose record a change touched, as a leader reads a log line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordSubject {
    pub household_id: HouseholdId,
    /// The resident's name for a resident, else the household head's.
    pub name: String,
}

impl Store {
    /// The household (and resident) a household or resident id names, if
    /// this device holds it. Visits and actions name no one here.
    pub fn record_subject(
        &self,
        entity: &str,
        id: &str,
    ) -> Result<Option<RecordSubject>, StoreError> {
        let sql = match entity {
            "household" => "SELECT id, head_name FROM households WHERE id = ?1",
            "resident" => "SELECT household_id, full_name FROM residents WHERE id = ?1",
            _ => return Ok(None),
        };
        let row = self
            .conn()
            .prepare_cached(sql)?
            .query_row(params![id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .optional()?;
        Ok(row.and_then(|(household, name)| {
            Some(RecordSubject {
                household_id: household.parse().ok()?,
                name,
            })
        }))
    }

    pub fn household(&self, id: HouseholdId) -> Result<HouseholdDetail, StoreError> {
        let conn = self.conn();
        let (household, village_name) = conn
            .prepare_cached(
                "SELECT h.id, h.village_id, h.address, h.head_name, h.phone, h.poor, h.near_poor,
                        h.ethnic_minority, h.elderly_only, h.no_smartphone, v.name, h.voided
                 FROM households h JOIN villages v ON v.id = h.village_id WHERE h.id = ?1",
            )?
            .query_row(params![id.to_string()], |r| {
                // A withdrawn household still opens (from a review mark or
                // the log), saying so: `household.voided`.
                let mut h = household_from_row(r)?;
                h.voided = rows::opt_json_col(r, 11)?;
                Ok((h, r.get::<_, String>(10)?))
            })
            .map_err(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => StoreError::not_found("household", id),
                e => e.into(),
            })?;
        let mut residents: Vec<Resident> = conn
            .prepare_cached(&format!(
                "SELECT {RESIDENT_COLUMNS} FROM residents
                 WHERE household_id = ?1 AND voided IS NULL"
            ))?
            .query_map(params![id.to_string()], resident_from_row)?
            .collect::<Result<_, _>>()?;
        // A merged resident is shown under the one they were merged into.
        let roots = self.resident_roots()?;
        residents.retain(|r| !roots.is_merged(r.id));
        let ids: Vec<ResidentId> = residents.iter().map(|r| r.id).collect();
        let mut merged = self.merged_records(&roots, &ids)?;
        residents.sort_by(|a, b| {
            a.birth_year
                .cmp(&b.birth_year)
                .then(vietnamese_name_cmp(&a.full_name, &b.full_name))
        });

        let mut records = self.action_records(id)?;
        for m in merged.values().flatten() {
            records.extend(self.resident_action_records(m.resident_id)?);
        }
        for a in &mut records {
            a.resident_id = roots.of(a.resident_id);
        }
        // The checklist takes the later of equal days: keep (day, id) order.
        records.sort_by_key(|a| a.day);
        let catalogue = self.catalogue()?;
        let today = self.today();
        let residents: Vec<ResidentDetail> = residents
            .into_iter()
            .map(|resident| {
                let mine: Vec<ActionRecord> = records
                    .iter()
                    .filter(|a| a.resident_id == resident.id)
                    .cloned()
                    .collect();
                let checklist =
                    rules::resident_checklist(resident.birth_year, &catalogue, &mine, today);
                ResidentDetail {
                    merged_from: merged.remove(&resident.id).unwrap_or_default(),
                    age: rules::age_in_year(resident.birth_year, today),
                    digital_citizen: rules::is_digital_citizen(&checklist),
                    checklist,
                    resident,
                }
            })
            .collect();
        let lists: Vec<Vec<ChecklistItem>> =
            residents.iter().map(|r| r.checklist.clone()).collect();
        Ok(HouseholdDetail {
            digital_family: rules::is_digital_family(&lists),
            visits: self.visit_summaries(id)?,
            household,
            village_name,
            residents,
        })
    }

    /// Every action recorded for the household's residents (voided included,
    /// flagged: the rules decide what counts), oldest first: on equal days the
    /// checklist takes the later record, and UUIDv7 ids order by creation.
    fn action_records(&self, id: HouseholdId) -> Result<Vec<ActionRecord>, StoreError> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {ACTION_RECORD_COLUMNS}
             FROM assisted_actions a
             JOIN residents r ON r.id = a.resident_id
             JOIN visits v ON v.id = a.visit_id
             WHERE r.household_id = ?1
             ORDER BY a.day, a.id"
        ))?;
        let rows = stmt.query_map(params![id.to_string()], action_record)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every action recorded for one resident, as `action_records`.
    fn resident_action_records(&self, id: ResidentId) -> Result<Vec<ActionRecord>, StoreError> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {ACTION_RECORD_COLUMNS}
             FROM assisted_actions a
             JOIN visits v ON v.id = a.visit_id
             WHERE a.resident_id = ?1
             ORDER BY a.day, a.id"
        ))?;
        let rows = stmt.query_map(params![id.to_string()], action_record)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Households of some villages (all when `villages` is empty), in
    /// Vietnamese order of the head's name.
    pub fn list_households(&self, villages: &[VillageId]) -> Result<Vec<Household>, StoreError> {
        let mut sql = String::from(
            "SELECT id, village_id, address, head_name, phone, poor, near_poor,
                    ethnic_minority, elderly_only, no_smartphone
             FROM households WHERE voided IS NULL",
        );
        if !villages.is_empty() {
            sql.push_str(&format!(
                " AND village_id IN ({})",
                rows::placeholders(1, villages.len())
            ));
        }
        let ids: Vec<String> = villages.iter().map(|v| v.to_string()).collect();
        let mut list: Vec<Household> = self
            .conn()
            .prepare(&sql)?
            .query_map(rusqlite::params_from_iter(ids), household_from_row)?
            .collect::<Result<_, _>>()?;
        list.sort_by(|a, b| vietnamese_name_cmp(&a.head_name, &b.head_name));
        Ok(list)
    }
}

/// What `action_record` reads, from `assisted_actions a` joined to its
/// `visits v` (a voided visit voids its actions).
const ACTION_RECORD_COLUMNS: &str = "a.resident_id, a.action_code, a.status, a.follow_up_due, \
    a.reason, a.reason_note, a.day, (a.voided_at IS NOT NULL OR v.voided_at IS NOT NULL)";

fn action_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<ActionRecord> {
    Ok(ActionRecord {
        resident_id: rows::col(r, 0)?,
        action: rows::col(r, 1)?,
        outcome: crate::visits::outcome_from_row(r, 2)?,
        day: rows::col(r, 6)?,
        voided: r.get(7)?,
    })
}
