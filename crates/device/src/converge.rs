//! Households and residents as mergeable records: each is a map of fields,
//! each field carrying the stamp of the change that last set it.

use crate::{StoreError, rows};
use gocua_core::text::search_key;
use gocua_core::{EntityKind, Household, HouseholdFlags, Resident};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use uuid::Uuid;

pub(crate) use gocua_core::converge::FieldClocks;

pub(crate) trait ConvergingRecord: Serialize + DeserializeOwned + Sized {
    const KIND: EntityKind;
    fn uuid(&self) -> Uuid;
    fn load(conn: &Connection, id: Uuid) -> Result<Option<(Self, FieldClocks)>, StoreError>;
    /// The domain checks every stored record passes, on `today`.
    fn check(&self, today: chrono::NaiveDate) -> Result<(), gocua_core::ValidationErrors>;
    /// Insert or update the row with its field clocks.
    fn save(&self, conn: &Connection, clocks: &FieldClocks) -> Result<(), StoreError>;
    /// Whether the commune office withdrew it (issue 16); review marks
    /// are never withdrawn.
    fn voided(&self) -> Option<&gocua_core::Void> {
        None
    }
}

/// The record's fields as a map, without its id (the change carries that).
pub(crate) fn to_fields<R: Serialize>(record: &R) -> Result<Map<String, Value>, StoreError> {
    gocua_core::converge::to_fields(record).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(crate) use gocua_core::converge::from_fields;

pub(crate) fn clocks_json(clocks: &FieldClocks) -> Result<String, StoreError> {
    serde_json::to_string(clocks).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl ConvergingRecord for Household {
    const KIND: EntityKind = EntityKind::Household;

    fn check(&self, _today: chrono::NaiveDate) -> Result<(), gocua_core::ValidationErrors> {
        self.validate()
    }

    fn uuid(&self) -> Uuid {
        self.id.0
    }

    fn voided(&self) -> Option<&gocua_core::Void> {
        self.voided.as_ref()
    }

    fn load(conn: &Connection, id: Uuid) -> Result<Option<(Self, FieldClocks)>, StoreError> {
        Ok(conn
            .prepare_cached(
                "SELECT id, village_id, address, head_name, phone, poor, near_poor,
                        ethnic_minority, elderly_only, no_smartphone, field_hlcs, voided
                 FROM households WHERE id = ?1",
            )?
            .query_row(params![id.to_string()], |r| {
                let mut h = household_from_row(r)?;
                h.voided = rows::opt_json_col(r, 11)?;
                Ok((h, rows::json_col(r, 10)?))
            })
            .optional()?)
    }

    fn save(&self, conn: &Connection, clocks: &FieldClocks) -> Result<(), StoreError> {
        let f = &self.flags;
        conn.prepare_cached(
            "INSERT INTO households (id, village_id, address, head_name, head_name_key, phone,
                 poor, near_poor, ethnic_minority, elderly_only, no_smartphone, priority, field_hlcs,
                 address_key, voided)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
             ON CONFLICT (id) DO UPDATE SET
                 village_id = excluded.village_id, address = excluded.address,
                 address_key = excluded.address_key,
                 head_name = excluded.head_name, head_name_key = excluded.head_name_key,
                 phone = excluded.phone, poor = excluded.poor, near_poor = excluded.near_poor,
                 ethnic_minority = excluded.ethnic_minority, elderly_only = excluded.elderly_only,
                 no_smartphone = excluded.no_smartphone, priority = excluded.priority,
                 field_hlcs = excluded.field_hlcs, voided = excluded.voided",
        )?
        .execute(params![
            self.id.to_string(),
            self.village_id.to_string(),
            self.address,
            self.head_name,
            search_key(&self.head_name),
            self.phone,
            f.poor,
            f.near_poor,
            f.ethnic_minority,
            f.elderly_only,
            f.no_smartphone,
            f.priority(),
            clocks_json(clocks)?,
            // The keys feed the search index (triggers of migration 0011).
            search_key(&self.address),
            void_json(self.voided.as_ref())?,
        ])?;
        Ok(())
    }
}

/// A household's or resident's void as its column holds it (JSON, or NULL).
fn void_json(v: Option<&gocua_core::Void>) -> Result<Option<String>, StoreError> {
    v.map(serde_json::to_string)
        .transpose()
        .map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Columns: id, village_id, address, head_name, phone, then the five flags.
/// The void is not among them (lists hold live households only): a caller
/// that shows one withdrawn reads it itself.
pub(crate) fn household_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Household> {
    Ok(Household {
        id: rows::col(r, 0)?,
        village_id: rows::col(r, 1)?,
        address: r.get(2)?,
        head_name: r.get(3)?,
        phone: r.get(4)?,
        flags: HouseholdFlags {
            poor: r.get(5)?,
            near_poor: r.get(6)?,
            ethnic_minority: r.get(7)?,
            elderly_only: r.get(8)?,
            no_smartphone: r.get(9)?,
        },
        voided: None,
    })
}

impl ConvergingRecord for Resident {
    const KIND: EntityKind = EntityKind::Resident;

    fn check(&self, today: chrono::NaiveDate) -> Result<(), gocua_core::ValidationErrors> {
        self.validate(today)
    }

    fn uuid(&self) -> Uuid {
        self.id.0
    }

    fn voided(&self) -> Option<&gocua_core::Void> {
        self.voided.as_ref()
    }

    fn load(conn: &Connection, id: Uuid) -> Result<Option<(Self, FieldClocks)>, StoreError> {
        Ok(conn
            .prepare_cached(
                "SELECT id, household_id, full_name, birth_year, sex, has_smartphone,
                        consent_on, citizen_id_hash, merged_into, phone, voided, field_hlcs
                 FROM residents WHERE id = ?1",
            )?
            .query_row(params![id.to_string()], |r| {
                Ok((resident_from_row(r)?, rows::json_col(r, 11)?))
            })
            .optional()?)
    }

    fn save(&self, conn: &Connection, clocks: &FieldClocks) -> Result<(), StoreError> {
        conn.prepare_cached(
            "INSERT INTO residents (id, household_id, full_name, name_key, birth_year, sex,
                 has_smartphone, consent_on, citizen_id_hash, merged_into, field_hlcs, phone,
                 voided)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
             ON CONFLICT (id) DO UPDATE SET
                 household_id = excluded.household_id, full_name = excluded.full_name,
                 name_key = excluded.name_key, birth_year = excluded.birth_year,
                 sex = excluded.sex, has_smartphone = excluded.has_smartphone,
                 consent_on = excluded.consent_on, citizen_id_hash = excluded.citizen_id_hash,
                 merged_into = excluded.merged_into, field_hlcs = excluded.field_hlcs,
                 phone = excluded.phone, voided = excluded.voided",
        )?
        .execute(params![
            self.id.to_string(),
            self.household_id.to_string(),
            self.full_name,
            search_key(&self.full_name),
            self.birth_year,
            self.sex.as_str(),
            self.has_smartphone,
            self.consent_on.map(|d| d.to_string()),
            self.citizen_id_hash.as_ref().map(|h| h.0.clone()),
            self.merged_into.map(|m| m.to_string()),
            clocks_json(clocks)?,
            self.phone,
            void_json(self.voided.as_ref())?,
        ])?;
        Ok(())
    }
}

/// The resident columns `resident_from_row` reads.
pub(crate) const RESIDENT_COLUMNS: &str = "id, household_id, full_name, birth_year, sex, \
    has_smartphone, consent_on, citizen_id_hash, merged_into, phone, voided";

/// Columns: id, household_id, full_name, birth_year, sex, has_smartphone,
/// consent_on, citizen_id_hash, merged_into, phone, voided
/// (`RESIDENT_COLUMNS`).
pub(crate) fn resident_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Resident> {
    Ok(Resident {
        id: rows::col(r, 0)?,
        household_id: rows::col(r, 1)?,
        full_name: r.get(2)?,
        birth_year: r.get(3)?,
        sex: rows::col(r, 4)?,
        has_smartphone: r.get(5)?,
        consent_on: rows::opt_col(r, 6)?,
        citizen_id_hash: r
            .get::<_, Option<String>>(7)?
            .map(gocua_core::citizen_id::CitizenIdHash),
        merged_into: rows::opt_col(r, 8)?,
        phone: r.get(9)?,
        voided: rows::opt_json_col(r, 10)?,
    })
}
