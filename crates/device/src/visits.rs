//! Visits and assisted actions: immutable facts, written once with their
//! changes, afterwards only voided.

use crate::converge::to_fields;
use crate::{Batch, Store, StoreError, rows};
use gocua_core::credit;
use gocua_core::month::local_date;
use gocua_core::text::normalize_note;
use gocua_core::validate::ValidationError;
use gocua_core::views::{VisitActionSummary, VisitSummary};
use gocua_core::{
    ActionId, ActionOutcome, AssistedAction, EntityKind, HouseholdId, MemberId, Month, VillageId,
    Visit, VisitId, VisitInput, Void,
};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value};

impl Batch<'_> {
    /// Save a visit and its actions: all of it, or nothing.
    pub fn log_visit(
        &mut self,
        mut input: VisitInput,
    ) -> Result<(Visit, Vec<AssistedAction>), StoreError> {
        // Kept in NFC whatever the keyboard typed: the server refuses any
        // other form (`validate::clean_text`).
        input.note = input
            .note
            .map(|n| normalize_note(&n))
            .filter(|n| !n.is_empty());
        for a in &mut input.actions {
            if let ActionOutcome::NotPossible { note: Some(n), .. } = &mut a.outcome {
                *n = normalize_note(n);
            }
        }
        input.check(self.now.at)?;
        let village = self.household_village(input.household_id)?;
        self.check_credits(&input.members, village)?;
        for a in &input.actions {
            self.check_action(input.household_id, a.resident_id, a.action.as_str())?;
        }
        let visit = Visit {
            id: VisitId::new(),
            household_id: input.household_id,
            members: input.members,
            at: input.at,
            form: input.form,
            outcome: input.outcome,
            note: input.note,
            voided: None,
        };
        insert_visit(self.tx, &visit)?;
        self.record_change(EntityKind::Visit, visit.id.0, to_fields(&visit)?)?;
        let mut actions = Vec::with_capacity(input.actions.len());
        for a in input.actions {
            let action = AssistedAction {
                id: ActionId::new(),
                visit_id: visit.id,
                resident_id: a.resident_id,
                action: a.action,
                outcome: a.outcome,
                voided: None,
            };
            insert_action(self.tx, &action)?;
            self.record_change(EntityKind::AssistedAction, action.id.0, to_fields(&action)?)?;
            actions.push(action);
        }
        Ok((visit, actions))
    }

    fn check_action(
        &self,
        household: HouseholdId,
        resident: gocua_core::ResidentId,
        code: &str,
    ) -> Result<(), StoreError> {
        let active: Option<bool> = self
            .tx
            .prepare_cached("SELECT active FROM action_catalogue WHERE code = ?1")?
            .query_row(params![code], |r| r.get(0))
            .optional()?;
        match active {
            None => Err(ValidationError::UnknownAction { code: code.into() }.into_store()),
            Some(false) => Err(ValidationError::RetiredAction { code: code.into() }.into_store()),
            Some(true) => {
                let home: Option<String> = self
                    .tx
                    .prepare_cached("SELECT household_id FROM residents WHERE id = ?1")?
                    .query_row(params![resident.to_string()], |r| r.get(0))
                    .optional()?;
                match home {
                    None => Err(StoreError::not_found("resident", resident)),
                    Some(h) if h == household.to_string() => Ok(()),
                    Some(_) => Err(ValidationError::ResidentNotInHousehold.into_store()),
                }
            }
        }
    }

    /// Withdraw a visit (and with it, its actions) with a reason.
    pub fn void_visit(
        &mut self,
        id: VisitId,
        reason: &str,
        by: MemberId,
    ) -> Result<(), StoreError> {
        let void = self.make_void(reason, by)?;
        if !set_void(self.tx, "visits", id.0, &void)? {
            return Err(StoreError::not_found("visit", id));
        }
        self.record_change(EntityKind::Visit, id.0, void_fields(&void)?)?;
        Ok(())
    }

    /// Withdraw one action with a reason.
    pub fn void_action(
        &mut self,
        id: ActionId,
        reason: &str,
        by: MemberId,
    ) -> Result<(), StoreError> {
        let void = self.make_void(reason, by)?;
        if !set_void(self.tx, "assisted_actions", id.0, &void)? {
            return Err(StoreError::not_found("action", id));
        }
        self.record_change(EntityKind::AssistedAction, id.0, void_fields(&void)?)?;
        Ok(())
    }

    /// A void as the server will judge it (`Void::check`), signed by the
    /// enrolled member when the device is enrolled (`credit::check_signer`).
    fn make_void(&self, reason: &str, by: MemberId) -> Result<Void, StoreError> {
        if let Some((me, _)) = crate::org::enrolled_member(self.tx)? {
            credit::check_signer(me, by).map_err(ValidationError::into_store)?;
        }
        let void = Void {
            reason: gocua_core::text::normalize_name(reason),
            by,
            at: self.now.at,
        };
        void.check(self.now.at)?;
        Ok(void)
    }

    /// The village of a household this device holds.
    fn household_village(&self, id: HouseholdId) -> Result<VillageId, StoreError> {
        self.tx
            .prepare_cached("SELECT village_id FROM households WHERE id = ?1")?
            .query_row(params![id.to_string()], |r| rows::col(r, 0))
            .optional()?
            .ok_or_else(|| StoreError::not_found("household", id))
    }

    /// Whom a visit may credit (`gocua_core::credit`, as the server judges
    /// it): the enrolled member records it; a store not enrolled (a
    /// demo, the command line on its own) records as its first member.
    fn check_credits(&self, members: &[MemberId], village: VillageId) -> Result<(), StoreError> {
        let roster = crate::org::roster(self.tx)?;
        let recorder = match crate::org::enrolled_member(self.tx)? {
            Some(me) => Some(me),
            None => match members.first() {
                Some(m) => crate::org::member_role(self.tx, *m)?.map(|role| (*m, role)),
                None => None,
            },
        };
        let Some((me, role)) = recorder else {
            return Err(match members.first() {
                None => ValidationError::NoMember.into_store(),
                Some(m) => StoreError::not_found("member", m),
            });
        };
        credit::check_credits(&roster, me, role, members, village)
            .map_err(ValidationError::into_store)
    }
}

trait IntoStore {
    fn into_store(self) -> StoreError;
}

impl IntoStore for ValidationError {
    fn into_store(self) -> StoreError {
        StoreError::Invalid(self.into())
    }
}

pub(crate) fn void_fields(void: &Void) -> Result<Map<String, Value>, StoreError> {
    let mut m = Map::new();
    m.insert(
        "voided".into(),
        serde_json::to_value(void).map_err(|e| StoreError::Corrupt(e.to_string()))?,
    );
    Ok(m)
}

/// Set the void columns unless already voided (the first void stands).
/// Returns whether the row exists.
pub(crate) fn set_void(
    conn: &Connection,
    table: &str,
    id: uuid::Uuid,
    void: &Void,
) -> Result<bool, StoreError> {
    // `table` is one of two literals from this module, never input.
    let sql = format!(
        "UPDATE {table} SET voided_reason = coalesce(voided_reason, ?2),
             voided_by = coalesce(voided_by, ?3), voided_at = coalesce(voided_at, ?4)
         WHERE id = ?1"
    );
    let n = conn.prepare_cached(&sql)?.execute(params![
        id.to_string(),
        void.reason,
        void.by.to_string(),
        void.at.to_rfc3339(),
    ])?;
    Ok(n == 1)
}

pub(crate) fn insert_visit(conn: &Connection, visit: &Visit) -> Result<(), StoreError> {
    let day = local_date(visit.at);
    let month = Month::of(day).to_string();
    conn.prepare_cached(
        "INSERT INTO visits (id, household_id, at, day, month, form, outcome, note,
                             voided_reason, voided_by, voided_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        visit.id.to_string(),
        visit.household_id.to_string(),
        visit.at.to_rfc3339(),
        day.to_string(),
        month,
        visit.form.as_str(),
        visit.outcome.as_str(),
        visit.note,
        visit.voided.as_ref().map(|v| v.reason.clone()),
        visit.voided.as_ref().map(|v| v.by.to_string()),
        visit.voided.as_ref().map(|v| v.at.to_rfc3339()),
    ])?;
    // `month` is the visit's, copied for the month figures (see the schema).
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO visit_members (visit_id, member_id, position, month)
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (i, m) in visit.members.iter().enumerate() {
        stmt.execute(params![
            visit.id.to_string(),
            m.to_string(),
            i as i64,
            month
        ])?;
    }
    Ok(())
}

pub(crate) fn insert_action(conn: &Connection, a: &AssistedAction) -> Result<(), StoreError> {
    let (due, reason, note) = match &a.outcome {
        ActionOutcome::Done => (None, None, None),
        ActionOutcome::FollowUp { due } => (Some(due.to_string()), None, None),
        ActionOutcome::NotPossible { reason, note } => (None, Some(reason.as_str()), note.clone()),
    };
    conn.prepare_cached(
        "INSERT INTO assisted_actions (id, visit_id, resident_id, action_code, status,
             follow_up_due, reason, reason_note, day, voided_reason, voided_by, voided_at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, v.day, ?9, ?10, ?11 FROM visits v WHERE v.id = ?2",
    )?
    .execute(params![
        a.id.to_string(),
        a.visit_id.to_string(),
        a.resident_id.to_string(),
        a.action.as_str(),
        a.outcome.status_code(),
        due,
        reason,
        note,
        a.voided.as_ref().map(|v| v.reason.clone()),
        a.voided.as_ref().map(|v| v.by.to_string()),
        a.voided.as_ref().map(|v| v.at.to_rfc3339()),
    ])
    .map_err(StoreError::from)
    .and_then(|n| {
        if n == 1 {
            Ok(())
        } else {
            Err(StoreError::not_found("visit", a.visit_id))
        }
    })
}

/// Rebuild an outcome from (status, follow_up_due, reason, reason_note)
/// starting at column `idx`.
pub(crate) fn outcome_from_row(
    r: &rusqlite::Row<'_>,
    idx: usize,
) -> rusqlite::Result<ActionOutcome> {
    let status: String = r.get(idx)?;
    Ok(match status.as_str() {
        "done" => ActionOutcome::Done,
        "follow_up" => ActionOutcome::FollowUp {
            due: rows::col(r, idx + 1)?,
        },
        _ => ActionOutcome::NotPossible {
            reason: rows::col(r, idx + 2)?,
            note: r.get(idx + 3)?,
        },
    })
}

impl Store {
    /// The household's visits, newest first, with who came and what was done.
    pub(crate) fn visit_summaries(&self, id: HouseholdId) -> Result<Vec<VisitSummary>, StoreError> {
        let conn = self.conn();
        let mut visits: Vec<VisitSummary> = conn
            .prepare_cached(
                "SELECT id, day, form, outcome, note, voided_reason FROM visits
                 WHERE household_id = ?1 ORDER BY at DESC",
            )?
            .query_map(params![id.to_string()], |r| {
                Ok(VisitSummary {
                    id: rows::col(r, 0)?,
                    day: rows::col(r, 1)?,
                    form: rows::col(r, 2)?,
                    outcome: rows::col(r, 3)?,
                    note: r.get(4)?,
                    voided_reason: r.get(5)?,
                    members: Vec::new(),
                    actions: Vec::new(),
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut members = conn.prepare_cached(
            "SELECT coalesce(m.full_name, vm.member_id) FROM visit_members vm
             LEFT JOIN members m ON m.id = vm.member_id
             WHERE vm.visit_id = ?1 ORDER BY vm.position",
        )?;
        let mut actions = conn.prepare_cached(
            "SELECT r.full_name, a.action_code, coalesce(c.name_vi, a.action_code),
                    a.status, a.follow_up_due, a.reason, a.reason_note, a.voided_at IS NOT NULL
             FROM assisted_actions a
             JOIN residents r ON r.id = a.resident_id
             LEFT JOIN action_catalogue c ON c.code = a.action_code
             WHERE a.visit_id = ?1 ORDER BY a.id",
        )?;
        for v in &mut visits {
            v.members = members
                .query_map(params![v.id.to_string()], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            v.actions = actions
                .query_map(params![v.id.to_string()], |r| {
                    Ok(VisitActionSummary {
                        resident_name: r.get(0)?,
                        action_code: r.get(1)?,
                        action_name: r.get(2)?,
                        outcome: outcome_from_row(r, 3)?,
                        voided: r.get(7)?,
                    })
                })?
                .collect::<Result<_, _>>()?;
        }
        Ok(visits)
    }
}
