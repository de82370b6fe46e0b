//! The commune office merging duplicate residents (issue 6; rules in
//! `gocua_core::same_person`). A merge is written as the officer's own
//! change — `merged_into` on the duplicate — through the same judge as a
//! device's push (`push::push_in`), stamped by a device id of the
//! officer's web session, so it enters the change log and every device in
//! scope pulls it. Each merge (and each undoing, "tách") leaves a row in
//! `merge_audit` in the same transaction: who, which two, when.

use crate::backend::sql::{Row, Tx, vals};
use crate::push::{load_record, push_in};
use crate::scopes::commune_villages;
use crate::{ApplyResult, CentralDb, CentralError, DeviceAuth, Scope, stamp};
use chrono::{DateTime, Utc};
use gocua_core::converge::FieldClocks;
use gocua_core::same_person::Roots;
use gocua_core::validate::ValidationError;
use gocua_core::{
    ActionId, Change, ChangeId, CommuneId, DeviceId, EntityKind, HlcClock, MemberId, ResidentId,
    Role,
};
use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

/// One recorded merge or separation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MergeEntry {
    pub id: i64,
    pub member_id: Option<MemberId>,
    pub actor: String,
    pub duplicate_id: ResidentId,
    pub duplicate_name: String,
    /// None: the merge was undone.
    pub into_id: Option<ResidentId>,
    pub into_name: String,
    pub change_id: String,
    /// RFC 3339 UTC.
    pub at: String,
}

/// An action counted for a resident, as their card lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CardAction {
    pub action_id: ActionId,
    pub day: String,
    pub code: String,
    pub status: String,
    pub live: bool,
    /// The record it was logged for (this resident, or one merged into it).
    pub recorded_for: ResidentId,
}

/// The device id an officer's merges are stamped with: stable per officer,
/// never an enrolled device's.
pub fn office_device(commune: CommuneId, member: MemberId) -> DeviceId {
    DeviceId(crate::registry_id(
        commune,
        &format!("device/office/{member}"),
    ))
}

fn refused(message: impl Into<String>) -> CentralError {
    CentralError::MergeRefused(message.into())
}

impl CentralDb {
    /// Merge `duplicate` into `into` (into `into`'s root, when it was itself
    /// merged), or undo `duplicate`'s merge when `into` is None, as
    /// `officer`'s change. Returns the change's id.
    pub fn merge_residents(
        &self,
        commune: CommuneId,
        officer: MemberId,
        actor: &str,
        duplicate: ResidentId,
        into: Option<ResidentId>,
        now: DateTime<Utc>,
    ) -> Result<ChangeId, CentralError> {
        self.write(|tx| {
            let member = crate::lookups::member(tx, officer)?
                .filter(|m| m.commune_id == commune)
                .ok_or_else(|| CentralError::not_found("member", officer))?;
            if !matches!(member.role, Role::CommuneOfficer | Role::Admin) {
                return Err(refused("Chỉ cán bộ xã mới được gộp hoặc tách nhân khẩu."));
            }
            tx.lock_commune(commune)?;
            let dup = load_record(tx, duplicate.0)?
                .filter(|r| r.entity == EntityKind::Resident && r.commune_id == commune)
                .ok_or_else(|| CentralError::not_found("resident", duplicate))?;
            let target = match into {
                None => None,
                Some(into) => {
                    let roots = commune_roots(tx, commune)?;
                    let root = roots.of(into);
                    if root == duplicate || into == duplicate {
                        return Err(CentralError::Invalid(
                            ValidationError::MergedIntoItself.into(),
                        ));
                    }
                    if load_record(tx, root.0)?.is_none_or(|r| r.commune_id != commune) {
                        return Err(CentralError::not_found("resident", into));
                    }
                    Some(root)
                }
            };
            let current = dup
                .fields
                .get("merged_into")
                .cloned()
                .unwrap_or(Value::Null);
            let wanted = serde_json::to_value(target)
                .map_err(|e| CentralError::Corrupt(format!("merge value: {e}")))?;
            if current == wanted {
                return Err(refused(match target {
                    Some(_) => "Hai bản ghi này đã được gộp.",
                    None => "Bản ghi này không được gộp vào ai.",
                }));
            }
            let device = office_device(commune, officer);
            let now_ms = u64::try_from(now.timestamp_millis()).unwrap_or(0);
            let mut clock = HlcClock::new(device);
            // The change must win over every stamp the record has now.
            for h in dup.clocks.values() {
                clock
                    .observe(*h, now_ms)
                    .map_err(|e| CentralError::Corrupt(format!("record stamp: {e}")))?;
            }
            let mut fields = Map::new();
            fields.insert("merged_into".into(), wanted);
            let base: FieldClocks = dup
                .clocks
                .get("merged_into")
                .map(|h| ("merged_into".to_string(), *h))
                .into_iter()
                .collect();
            let change = Change {
                id: ChangeId::new(),
                entity: EntityKind::Resident,
                entity_id: duplicate.0,
                hlc: clock.tick(now_ms),
                fields,
                base,
            };
            let auth = office_auth(tx, commune, member)?;
            let result = push_in(tx, &auth, std::slice::from_ref(&change), now)?;
            if let Some((_, ApplyResult::Rejected { message, .. })) = result.first() {
                return Err(refused(message.clone()));
            }
            tx.execute(
                "INSERT INTO merge_audit (commune_id, member_id, actor, duplicate_id, into_id,
                     change_id, at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                vals![
                    commune.to_string(),
                    officer.to_string(),
                    actor,
                    duplicate.to_string(),
                    target.map(|t| t.to_string()),
                    change.id.to_string(),
                    stamp(now)
                ],
            )?;
            Ok(change.id)
        })
    }

    /// The commune's merges, newest first.
    pub fn merge_audit(
        &self,
        commune: CommuneId,
        limit: u32,
    ) -> Result<Vec<MergeEntry>, CentralError> {
        self.read(|tx| {
            tx.query(
                &format!(
                    "SELECT {MERGE_COLUMNS} FROM {MERGE_FROM}
                     WHERE m.commune_id = $1 ORDER BY m.id DESC LIMIT $2"
                ),
                vals![commune.to_string(), limit.clamp(1, crate::MAX_AUDIT_PAGE)],
            )?
            .iter()
            .map(merge_entry)
            .collect()
        })
    }

    /// Who each merged resident of the commune counts as.
    pub fn resident_roots(&self, commune: CommuneId) -> Result<Roots, CentralError> {
        self.read(|tx| commune_roots(tx, commune))
    }

    /// Every action counted for `resident` (theirs and those of records
    /// merged into them), oldest first, from the report tables.
    pub fn resident_actions(
        &self,
        commune: CommuneId,
        resident: ResidentId,
    ) -> Result<Vec<CardAction>, CentralError> {
        self.reports_ready(commune)?;
        self.read(|tx| {
            tx.query(
                "SELECT day, code, status, live, recorded_for, action_id FROM rpt_actions
                 WHERE commune_id = $1 AND resident_id = $2 ORDER BY day, action_id",
                vals![commune.to_string(), resident.to_string()],
            )?
            .iter()
            .map(|r| {
                Ok(CardAction {
                    action_id: r.parse(5)?,
                    day: r.string(0)?,
                    code: r.string(1)?,
                    status: r.string(2)?,
                    live: r.bool(3)?,
                    recorded_for: r.parse(4)?,
                })
            })
            .collect()
        })
    }
}

/// The commune's merge edges, from `records` (the truth, not the report
/// tables, so a merge just pushed is seen at once). The LIKE is a cheap
/// prefilter both backends answer without a JSON function (fields are
/// compact JSON); the JSON itself decides.
fn commune_roots(tx: &mut dyn Tx, commune: CommuneId) -> Result<Roots, CentralError> {
    let rows = tx.query(
        "SELECT entity_id, fields FROM records
         WHERE commune_id = $1 AND entity = 'resident' AND fields LIKE '%\"merged_into\":\"%'",
        vals![commune.to_string()],
    )?;
    let mut edges = Vec::new();
    for r in rows {
        let id: ResidentId = r.parse(0)?;
        let fields: Map<String, Value> = r.json(1)?;
        if let Some(into) = fields
            .get("merged_into")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<Uuid>().ok())
        {
            edges.push((id, ResidentId(into)));
        }
    }
    Ok(Roots::resolve(edges))
}

/// The officer acting through the web pages: commune-wide, with their own
/// device id (see `office_device`).
fn office_auth(
    tx: &mut dyn Tx,
    commune: CommuneId,
    member: gocua_core::Member,
) -> Result<DeviceAuth, CentralError> {
    let village_ids = commune_villages(tx, commune)?;
    Ok(DeviceAuth {
        device_id: office_device(commune, member.id),
        scope: Scope {
            commune_id: commune,
            role: member.role,
            village_ids,
        },
        member,
        signing_key: None,
    })
}

/// The columns `merge_entry` reads, from `MERGE_FROM` (`m` the merge, `d`
/// and `i` the two residents' records).
pub(crate) const MERGE_COLUMNS: &str =
    "m.id, m.member_id, m.actor, m.duplicate_id, m.into_id, m.change_id, m.at, d.fields, i.fields";
pub(crate) const MERGE_FROM: &str = "merge_audit m
     LEFT JOIN records d ON d.entity_id = m.duplicate_id
     LEFT JOIN records i ON i.entity_id = m.into_id";

/// One row of `MERGE_COLUMNS`.
pub(crate) fn merge_entry(r: &Row) -> Result<MergeEntry, CentralError> {
    let name = |i: usize| -> Result<String, CentralError> {
        Ok(match r.opt_string(i)? {
            None => String::new(),
            Some(text) => serde_json::from_str::<Map<String, Value>>(&text)
                .ok()
                .and_then(|f| f.get("full_name")?.as_str().map(str::to_string))
                .unwrap_or_default(),
        })
    };
    Ok(MergeEntry {
        id: r.int(0)?,
        member_id: r.opt_parse(1)?,
        actor: r.string(2)?,
        duplicate_id: r.parse(3)?,
        duplicate_name: name(7)?,
        into_id: r.opt_parse(4)?,
        into_name: name(8)?,
        change_id: r.string(5)?,
        at: r.string(6)?,
    })
}
