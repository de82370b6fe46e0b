//! The rules for each kind of record a push brings (see `push/mod.rs`): scope
//! through the record's household, parents known, merged or immutable,
//! rebuilt as the domain record and validated. Judging only reads (through
//! the push's `PushBatch`); `keep` hands what was accepted back to it.

use crate::backend::sql::{to_json, vals};
use crate::push::batch::Record;
use crate::push::{
    Accepted, Judge, Refusal, bad_shape, immutable, invalid, out_of_scope, reject, short,
    unknown_parent,
};
use crate::{CentralError, DeviceAuth};
use gocua_core::converge::{FactEffect, FieldClocks, converge_fields, fact_effect};
use gocua_core::converge::{from_fields, to_fields};
use gocua_core::credit::{check_credits, check_signer};
use gocua_core::review::{ReviewError, ReviewMark, check_step};
use gocua_core::validate::ValidationError;
use gocua_core::{
    AssistedAction, EntityKind, Household, HouseholdId, Resident, VillageId, Visit, VisitId,
    VisitOutcome, Void,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use uuid::Uuid;

/// A refusal with the rule's own code (`not_credited`, `not_signer`…) and
/// its Vietnamese sentence.
fn refused(e: ValidationError) -> Refusal {
    reject(e.code(), e.message_vi())
}

/// The code of an edit to a record the server does not have.
const UNKNOWN_RECORD: &str = "unknown_record";

impl Judge<'_> {
    pub(crate) fn judge(&mut self) -> Result<Accepted, Refusal> {
        let existing = self.batch.record(self.tx, self.change.entity_id)?;
        // An edit (it names the stamps it overwrote) of a record the server
        // lacks: after a restore from a backup, the record's author has not
        // sent it again yet. Its own code, so the device retries it by
        // itself once that author has (`gocua_device` `resend.rs`).
        if existing.is_none() && !self.change.base.is_empty() {
            return Err(reject(
                UNKNOWN_RECORD,
                "Bản ghi được sửa chưa có trên máy chủ (máy đã tạo ra nó chưa gửi lại sau khi \
                 máy chủ được khôi phục); máy sẽ tự gửi lại thay đổi này ở lần đồng bộ sau.",
            ));
        }
        if let Some(r) = &existing {
            if r.entity != self.change.entity {
                return Err(reject(
                    "invalid",
                    "Mã bản ghi này đã được dùng cho một loại dữ liệu khác.",
                ));
            }
            if r.commune_id != self.scope.commune_id {
                return Err(out_of_scope());
            }
        }
        match self.change.entity {
            EntityKind::Household => self.household(existing),
            EntityKind::Resident => self.resident(existing),
            EntityKind::Visit => self.visit(existing),
            EntityKind::AssistedAction => self.action(existing),
            EntityKind::ReviewMark => self.review_mark(existing),
        }
    }

    /// Keep the record, the change and its conflicts (written when the push
    /// ends, `PushBatch::flush`).
    pub(crate) fn keep(
        &mut self,
        a: Accepted,
        auth: &DeviceAuth,
        received_at: &str,
    ) -> Result<(), Refusal> {
        let c = self.change;
        let r = &a.record;
        let fields = to_json(&c.fields)?;
        // A new record's fields are its change's: the same text.
        let json = (r.fields == c.fields).then(|| fields.clone());
        let reach = self.reach(r)?;
        let logged = vals![
            c.id.to_string(),
            r.commune_id.to_string(),
            r.village_id.to_string(),
            c.entity.as_str(),
            c.entity_id.to_string(),
            c.hlc.to_string(),
            fields,
            to_json(&c.base)?,
            auth.device_id.to_string(),
            received_at,
            a.household.to_string(),
            a.moved_from.or(reach.left_village).map(|v| v.to_string()),
            reach.resident.map(|id| id.to_string()),
            reach.also_village.map(|v| v.to_string()),
        ]
        .to_vec();
        for f in &a.conflicts {
            self.batch.conflict(
                vals![
                    r.commune_id.to_string(),
                    r.village_id.to_string(),
                    c.entity.as_str(),
                    c.entity_id.to_string(),
                    f.field.as_str(),
                    f.kept_value.to_string(),
                    f.kept_hlc.to_string(),
                    f.lost_value.to_string(),
                    f.lost_hlc.to_string(),
                    c.id.to_string(),
                    received_at,
                ]
                .to_vec(),
            );
        }
        self.batch.keep(c, a.record, logged, json);
        Ok(())
    }

    fn in_scope(&self, village: VillageId) -> Result<(), Refusal> {
        if self.scope.covers(village) {
            Ok(())
        } else {
            Err(out_of_scope())
        }
    }

    /// An id named in the change's fields: None when absent, refused when
    /// present but not an id.
    fn field_id<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, Refusal> {
        match self.change.fields.get(name) {
            None => Ok(None),
            Some(v) => serde_json::from_value(v.clone()).map(Some).map_err(|_| {
                reject(
                    "invalid",
                    format!("Trường \"{name}\" phải là một mã định danh hợp lệ."),
                )
            }),
        }
    }

    /// The village a household lives in now; refused when the server does
    /// not have the household.
    fn household_village(&mut self, id: HouseholdId) -> Result<VillageId, Refusal> {
        match self.batch.meta(self.tx, id.0)? {
            Some(r) if r.entity == EntityKind::Household => {
                if r.commune_id != self.scope.commune_id {
                    return Err(out_of_scope());
                }
                Ok(r.village_id)
            }
            _ => Err(unknown_parent("Hộ gia đình")),
        }
    }

    fn household(&mut self, existing: Option<Record>) -> Result<Accepted, Refusal> {
        let old_village = existing.as_ref().map(|r| r.village_id);
        let new_village: Option<VillageId> = self.field_id("village_id")?;
        if new_village.or(old_village).is_none() {
            return Err(invalid(ValidationError::Empty { field: "village" }));
        }
        // A household moving between villages must be in scope on both sides.
        for v in [old_village, new_village].into_iter().flatten() {
            self.in_scope(v)?;
        }
        let (fields, clocks) = existing.map(|r| (r.fields, r.clocks)).unwrap_or_default();
        let void_before = super::record_void::stored_void(&fields);
        let merged = converge_fields(fields, clocks, self.change);
        let household: Household = self.rebuild(&merged.fields)?;
        household.validate().map_err(invalid)?;
        self.only_known_fields(&household)?;
        self.record_void(void_before)?;
        self.in_scope(household.village_id)?;
        Ok(Accepted {
            record: Record {
                entity: EntityKind::Household,
                commune_id: self.scope.commune_id,
                village_id: household.village_id,
                parent_id: None,
                fields: merged.fields,
                clocks: merged.clocks,
            },
            conflicts: merged.conflicts,
            household: household.id.0,
            moved_from: old_village.filter(|v| *v != household.village_id),
        })
    }

    fn resident(&mut self, existing: Option<Record>) -> Result<Accepted, Refusal> {
        let old_home = existing.as_ref().and_then(|r| r.parent_id).map(HouseholdId);
        let new_home: Option<HouseholdId> = self.field_id("household_id")?;
        if new_home.or(old_home).is_none() {
            return Err(unknown_parent("Hộ gia đình"));
        }
        // Moving to another household: both must be in scope.
        for h in [old_home, new_home].into_iter().flatten() {
            let v = self.household_village(h)?;
            self.in_scope(v)?;
        }
        let (fields, clocks) = existing.map(|r| (r.fields, r.clocks)).unwrap_or_default();
        let merged_before = fields.get("merged_into").cloned().unwrap_or(Value::Null);
        let void_before = super::record_void::stored_void(&fields);
        let merged = converge_fields(fields, clocks, self.change);
        let resident: Resident = self.rebuild(&merged.fields)?;
        resident.validate(self.today).map_err(invalid)?;
        self.record_void(void_before)?;
        if let Some(wanted) = self.change.fields.get("merged_into")
            && *wanted != merged_before
        {
            self.merge_allowed(resident.merged_into)?;
        }
        if let Some(h) = &resident.citizen_id_hash {
            let ok = h.0.len() == 64 && h.0.bytes().all(|b| b.is_ascii_hexdigit());
            if !ok {
                return Err(reject("invalid", "Mã băm số CCCD không hợp lệ."));
            }
        }
        self.only_known_fields(&resident)?;
        let village = self.household_village(resident.household_id)?;
        Ok(Accepted {
            record: Record {
                entity: EntityKind::Resident,
                commune_id: self.scope.commune_id,
                village_id: village,
                parent_id: Some(resident.household_id.0),
                fields: merged.fields,
                clocks: merged.clocks,
            },
            conflicts: merged.conflicts,
            household: resident.household_id.0,
            moved_from: None,
        })
    }

    /// Merging residents (or undoing it) is the commune office's decision
    /// (issue 6), and only into a resident of the same commune. Cycles are
    /// not refused: two offline merges may make one, and every holder
    /// resolves it alike (`gocua_core::same_person`).
    fn merge_allowed(&mut self, into: Option<gocua_core::ResidentId>) -> Result<(), Refusal> {
        if !self.scope.is_commune_wide() {
            return Err(reject(
                "merge_not_allowed",
                "Chỉ cán bộ xã mới được gộp hoặc tách nhân khẩu trùng.",
            ));
        }
        let Some(into) = into else { return Ok(()) };
        match self.batch.meta(self.tx, into.0)? {
            Some(r)
                if r.entity == EntityKind::Resident && r.commune_id == self.scope.commune_id =>
            {
                Ok(())
            }
            _ => Err(reject(
                "unknown_parent",
                "Người dân được gộp vào không có trên máy chủ của xã.",
            )),
        }
    }

    fn visit(&mut self, existing: Option<Record>) -> Result<Accepted, Refusal> {
        if let Some(rec) = existing {
            let home = rec.parent_id.map(HouseholdId).ok_or_else(|| {
                Refusal::Db(CentralError::Corrupt("visit without household".into()))
            })?;
            let v = self.household_village(home)?;
            self.in_scope(v)?;
            return self.void(rec, v, home);
        }
        let home: HouseholdId = self
            .field_id("household_id")?
            .ok_or_else(|| unknown_parent("Hộ gia đình"))?;
        let village = self.household_village(home)?;
        self.in_scope(village)?;
        let visit: Visit = self.rebuild(&self.change.fields)?;
        self.only_known_fields(&visit)?;
        visit.check(self.now).map_err(invalid)?;
        // Whom it credits: what the phone checks before saving
        // (`gocua_core::credit`), with the pushing device's member as the
        // one who recorded it.
        let roster = self.batch.roster(self.tx, self.scope.commune_id)?;
        check_credits(
            roster,
            self.member,
            self.scope.role,
            &visit.members,
            village,
        )
        .map_err(refused)?;
        if let Some(v) = &visit.voided {
            self.check_void(v)?;
        }
        Ok(self.new_fact(village, home.0, home))
    }

    fn action(&mut self, existing: Option<Record>) -> Result<Accepted, Refusal> {
        let visit_id: VisitId = match &existing {
            Some(rec) => rec
                .parent_id
                .map(VisitId)
                .ok_or_else(|| Refusal::Db(CentralError::Corrupt("action without visit".into())))?,
            None => self
                .field_id("visit_id")?
                .ok_or_else(|| unknown_parent("Lượt thăm"))?,
        };
        let visit_rec = match self.batch.meta(self.tx, visit_id.0)? {
            Some(r) if r.entity == EntityKind::Visit => r,
            _ => return Err(unknown_parent("Lượt thăm")),
        };
        let home = visit_rec
            .parent_id
            .map(HouseholdId)
            .ok_or_else(|| Refusal::Db(CentralError::Corrupt("visit without household".into())))?;
        let village = self.household_village(home)?;
        self.in_scope(village)?;
        if let Some(rec) = existing {
            return self.void(rec, village, home);
        }
        let action: AssistedAction = self.rebuild(&self.change.fields)?;
        self.only_known_fields(&action)?;
        let code = action.action.as_str();
        // Retired entries stay valid: the work may have been recorded
        // offline before the retirement reached the phone.
        if self
            .batch
            .catalogue_active(self.tx, self.scope.commune_id, code)?
            .is_none()
        {
            return Err(invalid(ValidationError::UnknownAction {
                code: code.into(),
            }));
        }
        match self.batch.meta(self.tx, action.resident_id.0)? {
            Some(r) if r.entity == EntityKind::Resident => {
                if r.parent_id != Some(home.0) {
                    return Err(invalid(ValidationError::ResidentNotInHousehold));
                }
            }
            _ => return Err(unknown_parent("Người dân")),
        }
        let (outcome, visit_day) = self
            .batch
            .visit_facts(self.tx, visit_id.0)?
            .ok_or_else(|| Refusal::Db(CentralError::Corrupt("visit without record".into())))?;
        if outcome != VisitOutcome::Met {
            return Err(invalid(ValidationError::ActionsWithoutMeeting));
        }
        action.check(visit_day, self.now).map_err(invalid)?;
        if let Some(v) = &action.voided {
            self.check_void(v)?;
        }
        Ok(self.new_fact(village, visit_id.0, home))
    }

    /// A "needs fix" mark: its record must be here, in scope, and of the
    /// household the mark names; the step must be the device member's to
    /// take (`gocua_core::review::check_step`: members only resolve).
    fn review_mark(&mut self, existing: Option<Record>) -> Result<Accepted, Refusal> {
        let before: Option<ReviewMark> = match &existing {
            Some(r) => Some(self.rebuild(&r.fields)?),
            None => None,
        };
        let (fields, clocks) = existing.map(|r| (r.fields, r.clocks)).unwrap_or_default();
        let merged = converge_fields(fields, clocks, self.change);
        let mark: ReviewMark = self.rebuild(&merged.fields)?;
        self.only_known_fields(&mark)?;
        let step = |judge: &Self| {
            check_step(
                judge.member,
                judge.scope.role,
                before.as_ref(),
                &judge.change.fields,
                &mark,
            )
            .map_err(|e| reject(e.code(), e.message_vi()))
        };
        // A later step is judged first: rewriting what a mark points at is
        // refused as such, not as pointing at the wrong household.
        if before.is_some() {
            step(self)?;
        }
        let home = self.target_household(mark.target_kind, mark.target_id)?;
        if home != mark.household_id {
            return Err(reject(
                "invalid",
                "Yêu cầu sửa ghi sai hộ gia đình của bản ghi được đánh dấu.",
            ));
        }
        let village = self.household_village(home)?;
        self.in_scope(village)?;
        if before.is_none() {
            step(self)?;
        }
        Ok(Accepted {
            record: Record {
                entity: EntityKind::ReviewMark,
                commune_id: self.scope.commune_id,
                village_id: village,
                parent_id: Some(mark.target_id),
                fields: merged.fields,
                clocks: merged.clocks,
            },
            conflicts: merged.conflicts,
            household: home.0,
            moved_from: None,
        })
    }

    /// The household a marked record belongs to (refused when the server
    /// does not have the record, or it is of another kind).
    fn target_household(&mut self, kind: EntityKind, id: Uuid) -> Result<HouseholdId, Refusal> {
        let missing = || unknown_parent("Bản ghi được đánh dấu");
        let meta = match self.batch.meta(self.tx, id)? {
            Some(m) if m.entity == kind => m,
            _ => return Err(missing()),
        };
        if meta.commune_id != self.scope.commune_id {
            return Err(out_of_scope());
        }
        let parent = || meta.parent_id.ok_or_else(missing);
        Ok(match kind {
            EntityKind::Household => HouseholdId(id),
            EntityKind::Resident | EntityKind::Visit => HouseholdId(parent()?),
            EntityKind::AssistedAction => match self.batch.meta(self.tx, parent()?)? {
                Some(v) => HouseholdId(v.parent_id.ok_or_else(missing)?),
                None => return Err(missing()),
            },
            EntityKind::ReviewMark => {
                return Err(reject("invalid", ReviewError::BadTarget.message_vi()));
            }
        })
    }

    fn new_fact(&self, village: VillageId, parent: Uuid, household: HouseholdId) -> Accepted {
        Accepted {
            record: Record {
                entity: self.change.entity,
                commune_id: self.scope.commune_id,
                village_id: village,
                parent_id: Some(parent),
                fields: self.change.fields.clone(),
                clocks: FieldClocks::new(),
            },
            conflicts: Vec::new(),
            household: household.0,
            moved_from: None,
        }
    }

    /// A later change to a fact: only a void is taken, and the first stands.
    fn void(
        &mut self,
        mut rec: Record,
        village: VillageId,
        household: HouseholdId,
    ) -> Result<Accepted, Refusal> {
        let FactEffect::Void(value) = fact_effect(true, self.change) else {
            return Err(immutable());
        };
        if self.change.fields.keys().any(|k| k != "voided") {
            return Err(immutable());
        }
        let void: Void =
            serde_json::from_value(value.clone()).map_err(|e| reject("invalid", bad_shape(&e)))?;
        self.check_void(&void)?;
        if rec.fields.get("voided").is_none_or(Value::is_null) {
            rec.fields.insert("voided".into(), value);
        }
        rec.village_id = village;
        Ok(Accepted {
            record: rec,
            conflicts: Vec::new(),
            household: household.0,
            moved_from: None,
        })
    }

    /// A void's reason and time, as the phone checks them; its signer must
    /// be the device's member, whoever the void names.
    fn check_void(&mut self, void: &Void) -> Result<(), Refusal> {
        void.check(self.now).map_err(invalid)?;
        check_signer(self.member, void.by).map_err(refused)
    }

    /// The domain record from the (merged) fields and the change's id.
    fn rebuild<R: DeserializeOwned>(&self, fields: &Map<String, Value>) -> Result<R, Refusal> {
        from_fields(self.change.entity_id, fields.clone())
            .map_err(|e| reject("invalid", bad_shape(&e)))
    }

    /// Refuse fields the record does not have: they would be stored and
    /// handed to every device otherwise.
    fn only_known_fields<R: Serialize>(&self, record: &R) -> Result<(), Refusal> {
        let known = to_fields(record).map_err(|e| CentralError::Corrupt(e.to_string()))?;
        match self.change.fields.keys().find(|k| !known.contains_key(*k)) {
            None => Ok(()),
            Some(k) => Err(reject(
                "invalid",
                format!("Trường thông tin \"{}\" không được hỗ trợ.", short(k, 40)),
            )),
        }
    }
}
