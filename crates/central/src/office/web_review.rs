//! An officer marking a record "needs fix" from the commune office's web
//! pages. The mark must reach the devices like any other, so it is made a
//! change and taken through the push judge (`push/mod.rs`), as sent by a device
//! of the officer's own: "the office's web pages" (one per officer, with a
//! token nobody holds, so it can never sync), listed in `devices` so the
//! audit names it.

use crate::backend::sql::{Tx, vals};
use crate::lookups::member;
use crate::push::{ApplyResult, push_in};
use crate::scopes::scope_for;
use crate::{CentralDb, CentralError, DeviceAuth, random_32, registry_id, sha256_hex, stamp};
use chrono::Utc;
use gocua_core::review::{ReviewInput, ReviewMark};
use gocua_core::{
    Change, ChangeId, CommuneId, DeviceId, EntityKind, HlcClock, HouseholdId, MemberId,
};
use gocua_core::{ReviewMarkId, converge::FieldClocks};
use serde_json::{Map, Value};
use uuid::Uuid;

/// The name the office's web "device" is listed under.
pub const WEB_DEVICE_NAME: &str = "Trang web của xã";

impl CentralDb {
    /// Open a mark as `officer` (an officer or admin of the record's
    /// commune). The judge's answer comes back as it is: applied, or
    /// refused with its reason (an empty comment among them).
    pub fn open_review_on_web(
        &self,
        officer: MemberId,
        input: ReviewInput,
    ) -> Result<ApplyResult, CentralError> {
        let now = Utc::now();
        self.write(|tx| {
            let who = member(tx, officer)?.ok_or_else(|| CentralError::NotFound {
                what: "member",
                id: officer.to_string(),
            })?;
            let device = DeviceId(registry_id(
                who.commune_id,
                &format!("device/web/{officer}"),
            ));
            tx.execute(
                "INSERT INTO devices (id, member_id, commune_id, name, token_hash, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
                vals![
                    device.to_string(),
                    officer.to_string(),
                    who.commune_id.to_string(),
                    WEB_DEVICE_NAME,
                    sha256_hex(&hex::encode(random_32())),
                    stamp(now)
                ],
            )?;
            let household = target_household(tx, input.target_kind, input.target_id)?
                .unwrap_or(HouseholdId(input.target_id));
            let input = ReviewInput {
                assignee: match input.assignee {
                    Some(m) => Some(m),
                    None => recorder(tx, input.target_kind, input.target_id)?,
                },
                ..input
            };
            let mark = match ReviewMark::open(ReviewMarkId::new(), input, household, officer, now) {
                Ok(m) => m,
                Err(e) => {
                    return Ok(ApplyResult::Rejected {
                        code: e.code().into(),
                        message: e.message_vi(),
                    });
                }
            };
            let Ok(Value::Object(mut fields)) = serde_json::to_value(&mark) else {
                return Err(CentralError::Corrupt("a mark is not an object".into()));
            };
            fields.remove("id");
            let auth = DeviceAuth {
                device_id: device,
                scope: scope_for(tx, &who)?,
                member: who,
                signing_key: None,
            };
            let mut clock = HlcClock::new(device);
            let change = Change {
                id: ChangeId::new(),
                entity: EntityKind::ReviewMark,
                entity_id: mark.id.0,
                hlc: clock.tick(u64::try_from(now.timestamp_millis()).unwrap_or(0)),
                fields: Map::from_iter(fields),
                base: FieldClocks::new(),
            };
            let mut results = push_in(tx, &auth, &[change], now)?;
            results
                .pop()
                .map(|(_, r)| r)
                .ok_or_else(|| CentralError::Corrupt("no result for the mark".into()))
        })
    }

    /// The household a record of `commune` belongs to, found as `kind`
    /// says it is (None: no such record in this commune). The web's form
    /// goes back to that household's page after a mark.
    pub fn record_household(
        &self,
        commune: CommuneId,
        kind: EntityKind,
        id: Uuid,
    ) -> Result<Option<HouseholdId>, CentralError> {
        self.read(|tx| {
            let Some(household) = target_household(tx, kind, id)? else {
                return Ok(None);
            };
            let ours = tx.exists(
                "SELECT 1 FROM records
                 WHERE entity_id = $1 AND entity = 'household' AND commune_id = $2",
                vals![household.to_string(), commune.to_string()],
            )?;
            Ok(ours.then_some(household))
        })
    }
}

/// The record's parent, if the server has the record.
fn parent(tx: &mut dyn Tx, id: Uuid) -> Result<Option<Uuid>, CentralError> {
    match tx.query_opt(
        "SELECT parent_id FROM records WHERE entity_id = $1",
        vals![id.to_string()],
    )? {
        Some(r) => r.opt_parse(0),
        None => Ok(None),
    }
}

/// Who recorded the visit a visit's or action's mark is about (the first
/// member it credits): the mark is asked of them, as a device asks
/// (`gocua_device::Batch::open_review`). None for other kinds: the team.
fn recorder(tx: &mut dyn Tx, kind: EntityKind, id: Uuid) -> Result<Option<MemberId>, CentralError> {
    let visit = match kind {
        EntityKind::Visit => id,
        EntityKind::AssistedAction => match parent(tx, id)? {
            Some(v) => v,
            None => return Ok(None),
        },
        _ => return Ok(None),
    };
    let Some(row) = tx.query_opt(
        "SELECT fields FROM records WHERE entity_id = $1 AND entity = 'visit'",
        vals![visit.to_string()],
    )?
    else {
        return Ok(None);
    };
    let fields: Map<String, Value> = row.json(0)?;
    Ok(fields
        .get("members")
        .and_then(Value::as_array)
        .and_then(|m| m.first())
        .and_then(Value::as_str)
        .and_then(|m| m.parse().ok()))
}

/// The household of a record the server has (None: it has no such record;
/// the judge then refuses the mark with its reason).
fn target_household(
    tx: &mut dyn Tx,
    kind: EntityKind,
    id: Uuid,
) -> Result<Option<HouseholdId>, CentralError> {
    Ok(match kind {
        EntityKind::Household => Some(HouseholdId(id)),
        EntityKind::Resident | EntityKind::Visit => parent(tx, id)?.map(HouseholdId),
        EntityKind::AssistedAction => match parent(tx, id)? {
            Some(visit) => parent(tx, visit)?.map(HouseholdId),
            None => None,
        },
        EntityKind::ReviewMark => None,
    })
}
