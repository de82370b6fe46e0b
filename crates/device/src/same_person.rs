//! Converged residents on the device (issue 6; rules in
//! `gocua_core::same_person`). A merge is the duplicate's `merged_into`
//! field, written like any edit (an outbox change, last writer wins), so a
//! commune officer's device can merge and every device converges on pull.
//! The household page hides merged residents and shows, under the one they
//! were merged into, what was recorded for them; the device's figures count
//! them once (`indicator_counts`).

use crate::converge::{ConvergingRecord, RESIDENT_COLUMNS, household_from_row, resident_from_row};
use crate::{Batch, Store, StoreError, rows};
use gocua_core::indicators::{Counts, Records, indicator_counts};
use gocua_core::same_person::Roots;
use gocua_core::validate::ValidationError;
use gocua_core::views::{MergedAction, MergedRecord};
use gocua_core::{
    ActionId, AssistedAction, Household, Resident, ResidentId, VillageId, Visit, Void,
};
use rusqlite::params;
use std::collections::{BTreeMap, HashMap};

impl Batch<'_> {
    /// Merge `duplicate` into `into`: one person, counted as `into` from now
    /// on, everything recorded for either kept. Both must be on this device.
    pub fn merge_resident(
        &mut self,
        duplicate: ResidentId,
        into: ResidentId,
    ) -> Result<Resident, StoreError> {
        if duplicate == into {
            return Err(StoreError::Invalid(
                ValidationError::MergedIntoItself.into(),
            ));
        }
        if Resident::load(self.tx, into.0)?.is_none() {
            return Err(StoreError::not_found("resident", into));
        }
        self.set_merged_into(duplicate, Some(into))
    }

    /// Undo a merge ("tách"): the record counts as a person of its own again.
    pub fn unmerge_resident(&mut self, id: ResidentId) -> Result<Resident, StoreError> {
        self.set_merged_into(id, None)
    }

    fn set_merged_into(
        &mut self,
        id: ResidentId,
        into: Option<ResidentId>,
    ) -> Result<Resident, StoreError> {
        let (mut r, _) =
            Resident::load(self.tx, id.0)?.ok_or_else(|| StoreError::not_found("resident", id))?;
        r.merged_into = into;
        r.check(self.today())?;
        self.update_record(&r)?;
        Ok(r)
    }
}

impl Store {
    /// Open follow-ups as one person's (the worklist's, found per record):
    /// a follow-up closed by another record of the same person (done, or a
    /// later attempt) goes, and one of a merged record is shown as the
    /// person it was merged into, in their household. Nothing to do when
    /// nobody is merged, the usual case.
    pub(crate) fn follow_ups_per_person(
        &self,
        items: Vec<crate::FollowUpItem>,
    ) -> Result<Vec<crate::FollowUpItem>, StoreError> {
        let roots = self.resident_roots()?;
        if roots.merged().next().is_none() {
            return Ok(items);
        }
        let conn = self.conn();
        let mut day_of = conn.prepare_cached("SELECT day FROM assisted_actions WHERE id = ?1")?;
        let mut closing = conn.prepare_cached(
            "SELECT 1 FROM assisted_actions b
             WHERE b.resident_id = ?1 AND b.action_code = ?2 AND b.voided_at IS NULL
               AND (b.status = 'done' OR b.day > ?3 OR (b.day = ?3 AND b.id > ?4))
               AND NOT EXISTS (SELECT 1 FROM visits vb
                               WHERE vb.id = b.visit_id AND vb.voided_at IS NOT NULL)",
        )?;
        let mut person = conn.prepare_cached(
            "SELECT r.full_name, h.id, h.head_name, h.address FROM residents r
             JOIN households h ON h.id = r.household_id WHERE r.id = ?1",
        )?;
        let mut out = Vec::with_capacity(items.len());
        for mut item in items {
            let root = roots.of(item.resident_id);
            let group = roots.counted_as(root);
            if group.len() < 2 {
                out.push(item);
                continue;
            }
            let day: String =
                day_of.query_row(params![item.action_id.to_string()], |r| r.get(0))?;
            let mut closed = false;
            for other in group.iter().filter(|g| **g != item.resident_id) {
                closed |= closing.exists(params![
                    other.to_string(),
                    item.action.as_str(),
                    day,
                    item.action_id.to_string()
                ])?;
            }
            if closed {
                continue;
            }
            if root != item.resident_id {
                let found = person
                    .query_map(params![root.to_string()], |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            rows::col(r, 1)?,
                            r.get(2)?,
                            r.get(3)?,
                        ))
                    })?
                    .next()
                    .transpose()?;
                // A root this device does not hold: shown as recorded.
                if let Some((name, household, head, address)) = found {
                    item.resident_id = root;
                    item.resident_name = name;
                    item.household_id = household;
                    item.head_name = head;
                    item.address = address;
                }
            }
            out.push(item);
        }
        Ok(out)
    }

    /// Who each merged resident this device holds counts as.
    pub fn resident_roots(&self) -> Result<Roots, StoreError> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT id, merged_into FROM residents WHERE merged_into IS NOT NULL",
        )?;
        let edges = stmt
            .query_map([], |r| Ok((rows::col(r, 0)?, rows::col(r, 1)?)))?
            .collect::<Result<Vec<(ResidentId, ResidentId)>, _>>()?;
        Ok(Roots::resolve(edges))
    }

    /// The records merged into each of `survivors`, with their actions.
    pub(crate) fn merged_records(
        &self,
        roots: &Roots,
        survivors: &[ResidentId],
    ) -> Result<HashMap<ResidentId, Vec<MergedRecord>>, StoreError> {
        let mut out: HashMap<ResidentId, Vec<MergedRecord>> = HashMap::new();
        let conn = self.conn();
        let mut who = conn.prepare_cached(&format!(
            "SELECT {RESIDENT_COLUMNS} FROM residents WHERE id = ?1"
        ))?;
        let mut acts = conn.prepare_cached(
            "SELECT a.day, a.action_code, coalesce(c.name_vi, a.action_code),
                    a.status, a.follow_up_due, a.reason, a.reason_note,
                    (a.voided_at IS NOT NULL OR v.voided_at IS NOT NULL)
             FROM assisted_actions a
             JOIN visits v ON v.id = a.visit_id
             LEFT JOIN action_catalogue c ON c.code = a.action_code
             WHERE a.resident_id = ?1 ORDER BY a.day, a.id",
        )?;
        for (dup, root) in roots.merged() {
            if !survivors.contains(&root) {
                continue;
            }
            let Some(r) = who
                .query_map(params![dup.to_string()], resident_from_row)?
                .next()
                .transpose()?
            else {
                continue;
            };
            let actions = acts
                .query_map(params![dup.to_string()], |row| {
                    Ok(MergedAction {
                        day: rows::col(row, 0)?,
                        action_code: row.get(1)?,
                        action_name: row.get(2)?,
                        outcome: crate::visits::outcome_from_row(row, 3)?,
                        voided: row.get(7)?,
                    })
                })?
                .collect::<Result<_, _>>()?;
            out.entry(root).or_default().push(MergedRecord {
                resident_id: dup,
                full_name: r.full_name,
                household_id: r.household_id,
                actions,
            });
        }
        for list in out.values_mut() {
            list.sort_by_key(|m| m.resident_id);
        }
        Ok(out)
    }

    /// The indicators of every village this device holds, at `as_of`,
    /// counted from its own records by the same rules as the server
    /// (`gocua_core::indicators::indicator_counts`): a merged resident once.
    pub fn indicator_counts(
        &self,
        as_of: chrono::NaiveDate,
    ) -> Result<BTreeMap<VillageId, Counts>, StoreError> {
        let conn = self.conn();
        let households: Vec<Household> = conn
            .prepare(
                "SELECT id, village_id, address, head_name, phone, poor, near_poor,
                        ethnic_minority, elderly_only, no_smartphone, voided FROM households",
            )?
            .query_map([], |r| {
                // The figures leave withdrawn households out (core's rule).
                let mut h = household_from_row(r)?;
                h.voided = rows::opt_json_col(r, 10)?;
                Ok(h)
            })?
            .collect::<Result<_, _>>()?;
        let residents: Vec<Resident> = conn
            .prepare(&format!("SELECT {RESIDENT_COLUMNS} FROM residents"))?
            .query_map([], resident_from_row)?
            .collect::<Result<_, _>>()?;
        let mut members: HashMap<String, Vec<gocua_core::MemberId>> = HashMap::new();
        for row in conn
            .prepare("SELECT visit_id, member_id FROM visit_members ORDER BY visit_id, position")?
            .query_map([], |r| Ok((r.get::<_, String>(0)?, rows::col(r, 1)?)))?
        {
            let (v, m) = row?;
            members.entry(v).or_default().push(m);
        }
        let void = |reason: Option<String>, by: Option<String>, at: Option<String>| {
            let (reason, by, at) = (reason?, by?, at?);
            Some(Void {
                reason,
                by: by.parse().ok()?,
                at: chrono::DateTime::parse_from_rfc3339(&at).ok()?.to_utc(),
            })
        };
        let visits: Vec<Visit> = conn
            .prepare(
                "SELECT id, household_id, at, form, outcome, note, voided_reason, voided_by,
                        voided_at FROM visits",
            )?
            .query_map([], |r| {
                let id: String = r.get(0)?;
                let at: String = r.get(2)?;
                Ok(Visit {
                    id: rows::col(r, 0)?,
                    household_id: rows::col(r, 1)?,
                    members: members.get(&id).cloned().unwrap_or_default(),
                    at: chrono::DateTime::parse_from_rfc3339(&at)
                        .map(|t| t.to_utc())
                        .map_err(|e| {
                            rusqlite::Error::FromSqlConversionFailure(
                                2,
                                rusqlite::types::Type::Text,
                                Box::new(e),
                            )
                        })?,
                    form: rows::col(r, 3)?,
                    outcome: rows::col(r, 4)?,
                    note: r.get(5)?,
                    voided: void(r.get(6)?, r.get(7)?, r.get(8)?),
                })
            })?
            .collect::<Result<_, _>>()?;
        let actions: Vec<AssistedAction> = conn
            .prepare(
                "SELECT id, visit_id, resident_id, action_code, status, follow_up_due, reason,
                        reason_note, voided_reason, voided_by, voided_at FROM assisted_actions",
            )?
            .query_map([], |r| {
                Ok(AssistedAction {
                    id: rows::col::<ActionId>(r, 0)?,
                    visit_id: rows::col(r, 1)?,
                    resident_id: rows::col(r, 2)?,
                    action: rows::col(r, 3)?,
                    outcome: crate::visits::outcome_from_row(r, 4)?,
                    voided: void(r.get(8)?, r.get(9)?, r.get(10)?),
                })
            })?
            .collect::<Result<_, _>>()?;
        let catalogue = self.catalogue()?;
        let records = Records {
            households: &households,
            residents: &residents,
            visits: &visits,
            actions: &actions,
        };
        Ok(indicator_counts(&catalogue, &records, as_of))
    }
}
