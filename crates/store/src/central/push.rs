//! Taking changes from a device. Each change is judged on its own inside
//! one transaction, so one bad change never blocks the rest: it is refused
//! with a reason the device shows, and the others land. Judging only reads
//! and keeping only writes, so a refused change has written nothing and
//! needs no savepoint to undo; a database error fails the whole push.
//! The report tables are not written here: they follow the change log
//! (`report_catch_up.rs`).
//!
//! Judging a change: seen before → already had; clock too far ahead, or
//! stamped by another device → refused; the record's village (through its
//! household, visit) must be in the device's scope; then it is merged with
//! `gocua_core::merge`, rebuilt as the domain record and validated. Accepted
//! changes are appended to the change log under the record's village, with
//! the household they belong to and, for a household moving between
//! villages, the village it left (see `mod.rs` on scope changes).

use super::org::{catalogue_active, member_in_commune};
use super::sql::{Tx, vals};
use super::{CentralDb, CentralError, DeviceAuth, Scope, stamp};
use crate::merge::{from_fields, to_fields};
use chrono::{DateTime, NaiveDate, Utc};
use gocua_core::change::MAX_CHANGE_JSON_BYTES;
use gocua_core::hlc::MAX_FUTURE_DRIFT_MS;
use gocua_core::merge::{FactEffect, FieldClocks, FieldConflict, fact_effect, merge_fields};
use gocua_core::month::local_date;
use gocua_core::validate::{self, ValidationError, ValidationErrors};
use gocua_core::{
    ActionOutcome, AssistedAction, Change, ChangeId, CommuneId, EntityKind, Household, HouseholdId,
    Resident, VillageId, Visit, VisitId, VisitOutcome, Void,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use uuid::Uuid;

/// What became of one pushed change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum ApplyResult {
    /// Taken and durably stored now.
    Applied,
    /// Taken before (a retried push).
    AlreadyHad,
    /// Refused for good, with a stable code and a Vietnamese sentence.
    Rejected { code: String, message: String },
}

/// Why a change was refused, or the database failing while judging it.
enum Refusal {
    Reject { code: &'static str, message: String },
    Db(CentralError),
}

impl From<CentralError> for Refusal {
    fn from(e: CentralError) -> Self {
        Refusal::Db(e)
    }
}

fn reject(code: &'static str, message: impl Into<String>) -> Refusal {
    Refusal::Reject {
        code,
        message: message.into(),
    }
}

fn invalid(e: impl Into<ValidationErrors>) -> Refusal {
    reject("invalid", e.into().message_vi())
}

fn out_of_scope() -> Refusal {
    reject(
        "out_of_scope",
        "Bản ghi thuộc thôn/xóm ngoài phạm vi được giao cho tài khoản này; máy chủ không nhận.",
    )
}

fn unknown_parent(what: &str) -> Refusal {
    reject(
        "unknown_parent",
        format!("{what} của bản ghi này chưa có trên máy chủ (có thể đã bị từ chối trước đó)."),
    )
}

fn immutable() -> Refusal {
    reject(
        "immutable",
        "Lượt thăm và nội dung hỗ trợ đã ghi thì không sửa được; hãy hủy (kèm lý do) rồi ghi lại.",
    )
}

/// Text from elsewhere inside a message, cut short: a huge value must not
/// come back in full.
fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max).collect();
        out.push('…');
        out
    }
}

/// A record's current state on the server.
struct Record {
    entity: EntityKind,
    commune_id: CommuneId,
    village_id: VillageId,
    /// A resident's or visit's household; an action's visit.
    parent_id: Option<Uuid>,
    fields: Map<String, Value>,
    clocks: FieldClocks,
}

/// The record to save, the village to log the change under, and the
/// values that lost a concurrent edit.
struct Accepted {
    record: Record,
    conflicts: Vec<FieldConflict>,
    /// The household the change belongs to (its history is fetched by it).
    household: Uuid,
    /// For a household moving to another village: the village it left.
    moved_from: Option<VillageId>,
}

/// Everything judging one change needs.
struct Judge<'a> {
    tx: &'a mut dyn Tx,
    scope: &'a Scope,
    today: NaiveDate,
    change: &'a Change,
}

impl CentralDb {
    /// Take a batch of changes from an authenticated device, one result per
    /// change in the same order. Errors only when the database fails, and
    /// then nothing of the batch is kept.
    pub fn push(
        &self,
        auth: &DeviceAuth,
        changes: &[Change],
    ) -> Result<Vec<(ChangeId, ApplyResult)>, CentralError> {
        self.push_at(auth, changes, Utc::now())
    }

    pub(crate) fn push_at(
        &self,
        auth: &DeviceAuth,
        changes: &[Change],
        now: DateTime<Utc>,
    ) -> Result<Vec<(ChangeId, ApplyResult)>, CentralError> {
        self.write(|tx| push_in(tx, auth, changes, now))
    }
}

/// A push inside the caller's transaction: the registry import sends its
/// changes through here, so they are judged and kept like a device's, yet
/// all in one transaction it can roll back.
pub(super) fn push_in(
    tx: &mut dyn Tx,
    auth: &DeviceAuth,
    changes: &[Change],
    now: DateTime<Utc>,
) -> Result<Vec<(ChangeId, ApplyResult)>, CentralError> {
    let now_ms = u64::try_from(now.timestamp_millis()).unwrap_or(0);
    let received_at = stamp(now);
    let today = local_date(now);
    tx.lock_commune(auth.scope.commune_id)?;
    let mut results = Vec::with_capacity(changes.len());
    for change in changes {
        let known = tx.exists(
            "SELECT 1 FROM changes WHERE change_id = $1",
            vals![change.id.to_string()],
        )?;
        if known {
            results.push((change.id, ApplyResult::AlreadyHad));
            continue;
        }
        let judged = match precheck(auth, change, now_ms) {
            Err(r) => Err(r),
            Ok(()) => {
                let mut judge = Judge {
                    tx: &mut *tx,
                    scope: &auth.scope,
                    today,
                    change,
                };
                // Refusals come from `judge`, before anything is written.
                judge
                    .judge()
                    .and_then(|accepted| judge.keep(accepted, auth, &received_at))
            }
        };
        match judged {
            Ok(()) => results.push((change.id, ApplyResult::Applied)),
            Err(Refusal::Reject { code, message }) => results.push((
                change.id,
                ApplyResult::Rejected {
                    code: code.to_string(),
                    message,
                },
            )),
            Err(Refusal::Db(e)) => return Err(e),
        }
    }
    tx.execute(
        "UPDATE devices SET last_seen_at = $1 WHERE id = $2",
        vals![received_at.as_str(), auth.device_id.to_string()],
    )?;
    Ok(results)
}

/// A record as the server holds it now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredRecord {
    pub entity: EntityKind,
    pub village_id: VillageId,
    /// Merged from every change taken (facts: as created, plus any void).
    pub fields: Map<String, Value>,
}

impl CentralDb {
    /// A record's current state, if the server has it.
    pub fn record(&self, id: Uuid) -> Result<Option<StoredRecord>, CentralError> {
        let record = self.read(|tx| load_record(tx, id))?;
        Ok(record.map(|r| StoredRecord {
            entity: r.entity,
            village_id: r.village_id,
            fields: r.fields,
        }))
    }
}

/// Checks that need only the change and who sent it.
fn precheck(auth: &DeviceAuth, change: &Change, now_ms: u64) -> Result<(), Refusal> {
    if change.hlc.wall_ms > now_ms.saturating_add(MAX_FUTURE_DRIFT_MS) {
        return Err(reject(
            "clock_ahead",
            "Ngày giờ trên thiết bị nhanh hơn máy chủ quá một ngày; hãy chỉnh lại ngày giờ \
             của điện thoại. Thay đổi này không được nhận.",
        ));
    }
    // Bounds every pulled page's size, which devices rely on.
    let size = serde_json::to_vec(change).map_or(usize::MAX, |v| v.len());
    if size > MAX_CHANGE_JSON_BYTES {
        return Err(reject(
            "too_large",
            format!(
                "Thay đổi quá lớn ({} KB, tối đa {} KB); máy chủ không nhận.",
                size.div_ceil(1024),
                MAX_CHANGE_JSON_BYTES / 1024
            ),
        ));
    }
    if change.hlc.device != auth.device_id {
        return Err(reject(
            "not_own_change",
            "Thiết bị chỉ được gửi những thay đổi do chính nó tạo ra.",
        ));
    }
    if let Some(name) = change.base.keys().find(|k| !change.fields.contains_key(*k)) {
        return Err(reject(
            "invalid",
            format!(
                "Thay đổi ghi dấu thời gian cho trường \"{}\" mà không đổi trường đó.",
                short(name, 40)
            ),
        ));
    }
    Ok(())
}

impl Judge<'_> {
    fn judge(&mut self) -> Result<Accepted, Refusal> {
        let existing = load_record(self.tx, self.change.entity_id)?;
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
        }
    }

    /// Save the record, log the change and its conflicts.
    fn keep(&mut self, a: Accepted, auth: &DeviceAuth, received_at: &str) -> Result<(), Refusal> {
        let c = self.change;
        let r = &a.record;
        save_record(self.tx, c.entity_id, r)?;
        self.tx.execute(
            "INSERT INTO changes (change_id, commune_id, village_id, entity, entity_id, hlc,
                                  fields, base, device_id, received_at, household_id, moved_from)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            vals![
                c.id.to_string(),
                r.commune_id.to_string(),
                r.village_id.to_string(),
                c.entity.as_str(),
                c.entity_id.to_string(),
                c.hlc.to_string(),
                to_json(&c.fields)?,
                to_json(&c.base)?,
                auth.device_id.to_string(),
                received_at,
                a.household.to_string(),
                a.moved_from.map(|v| v.to_string()),
            ],
        )?;
        for f in &a.conflicts {
            self.tx.execute(
                "INSERT INTO conflicts (commune_id, village_id, entity, entity_id, field,
                     kept_value, kept_hlc, lost_value, lost_hlc, change_id, at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
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
                ],
            )?;
        }
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
        match load_record(self.tx, id.0)? {
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
        let merged = merge_fields(fields, clocks, self.change);
        let household: Household = self.rebuild(&merged.fields)?;
        household.validate().map_err(invalid)?;
        self.only_known_fields(&household)?;
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
        let merged = merge_fields(fields, clocks, self.change);
        let resident: Resident = self.rebuild(&merged.fields)?;
        resident.validate(self.today).map_err(invalid)?;
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
        let mut errors = ValidationErrors::default();
        if visit.members.is_empty() {
            errors.push(ValidationError::NoMember);
        }
        if let Some(note) = &visit.note {
            errors.check(validate::max_len("note", note, validate::MAX_NOTE_CHARS));
        }
        errors.into_result().map_err(invalid)?;
        for m in &visit.members {
            if !member_in_commune(self.tx, *m, self.scope.commune_id)? {
                return Err(reject(
                    "unknown_member",
                    "Người được ghi nhận trong lượt thăm không phải thành viên của xã.",
                ));
            }
        }
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
        let visit_rec = match load_record(self.tx, visit_id.0)? {
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
        if catalogue_active(self.tx, self.scope.commune_id, code)?.is_none() {
            return Err(invalid(ValidationError::UnknownAction {
                code: code.into(),
            }));
        }
        match load_record(self.tx, action.resident_id.0)? {
            Some(r) if r.entity == EntityKind::Resident => {
                if r.parent_id != Some(home.0) {
                    return Err(invalid(ValidationError::ResidentNotInHousehold));
                }
            }
            _ => return Err(unknown_parent("Người dân")),
        }
        let visit: Visit = from_fields(visit_id.0, visit_rec.fields)
            .map_err(|e| Refusal::Db(CentralError::Corrupt(format!("stored visit: {e}"))))?;
        if visit.outcome != VisitOutcome::Met {
            return Err(invalid(ValidationError::ActionsWithoutMeeting));
        }
        match &action.outcome {
            ActionOutcome::FollowUp { due } if *due < local_date(visit.at) => {
                return Err(invalid(ValidationError::FollowUpDue));
            }
            ActionOutcome::NotPossible { note: Some(n), .. } => {
                validate::max_len("note", n, validate::MAX_NOTE_CHARS).map_err(invalid)?;
            }
            _ => {}
        }
        if let Some(v) = &action.voided {
            self.check_void(v)?;
        }
        Ok(self.new_fact(village, visit_id.0, home))
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

    fn check_void(&mut self, void: &Void) -> Result<(), Refusal> {
        validate::required_text("reason", &void.reason).map_err(invalid)?;
        if !member_in_commune(self.tx, void.by, self.scope.commune_id)? {
            return Err(reject(
                "unknown_member",
                "Người hủy bản ghi không phải thành viên của xã.",
            ));
        }
        Ok(())
    }

    /// The domain record from the (merged) fields and the change's id.
    fn rebuild<R: DeserializeOwned>(&self, fields: &Map<String, Value>) -> Result<R, Refusal> {
        from_fields(self.change.entity_id, fields.clone())
            .map_err(|e| reject("invalid", bad_shape(&e)))
    }

    /// Refuse fields the record does not have: they would be stored and
    /// handed to every device otherwise.
    fn only_known_fields<R: Serialize>(&self, record: &R) -> Result<(), Refusal> {
        let known = to_fields(record)?;
        match self.change.fields.keys().find(|k| !known.contains_key(*k)) {
            None => Ok(()),
            Some(k) => Err(reject(
                "invalid",
                format!("Trường thông tin \"{}\" không được hỗ trợ.", short(k, 40)),
            )),
        }
    }
}

fn bad_shape(e: &serde_json::Error) -> String {
    format!(
        "Bản ghi thiếu thông tin hoặc sai định dạng ({}).",
        short(&e.to_string(), 160)
    )
}

impl From<crate::StoreError> for Refusal {
    fn from(e: crate::StoreError) -> Self {
        Refusal::Db(e.into())
    }
}

fn load_record(tx: &mut dyn Tx, id: Uuid) -> Result<Option<Record>, CentralError> {
    let Some(row) = tx.query_opt(
        "SELECT entity, commune_id, village_id, parent_id, fields, clocks
         FROM records WHERE entity_id = $1",
        vals![id.to_string()],
    )?
    else {
        return Ok(None);
    };
    let entity = row.text(0)?;
    let entity = EntityKind::parse(entity)
        .ok_or_else(|| CentralError::Corrupt(format!("unknown entity {entity}")))?;
    Ok(Some(Record {
        entity,
        commune_id: row.parse::<CommuneId>(1)?,
        village_id: row.parse::<VillageId>(2)?,
        parent_id: row.opt_parse::<Uuid>(3)?,
        fields: row.json::<Map<String, Value>>(4)?,
        clocks: row.json::<FieldClocks>(5)?,
    }))
}

fn save_record(tx: &mut dyn Tx, id: Uuid, r: &Record) -> Result<(), CentralError> {
    tx.execute(
        "INSERT INTO records (entity_id, entity, commune_id, village_id, parent_id, fields, clocks)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (entity_id) DO UPDATE SET
             village_id = excluded.village_id, parent_id = excluded.parent_id,
             fields = excluded.fields, clocks = excluded.clocks",
        vals![
            id.to_string(),
            r.entity.as_str(),
            r.commune_id.to_string(),
            r.village_id.to_string(),
            r.parent_id.map(|p| p.to_string()),
            to_json(&r.fields)?,
            to_json(&r.clocks)?,
        ],
    )?;
    Ok(())
}

pub(crate) fn to_json<T: Serialize>(v: &T) -> Result<String, CentralError> {
    serde_json::to_string(v).map_err(|e| CentralError::Corrupt(e.to_string()))
}
