//! Who changed what, and who reviewed what, and when: read from the change
//! log, which already keeps every accepted change with the device that sent
//! it and the time it was taken (and a device belongs to one member). No
//! second log is written, so the audit cannot disagree with the data: a
//! change is in the audit exactly when it is in the records. Review marks'
//! steps (opened, resolved, reopened) are changes of `review_mark` records,
//! told apart by the fields they set (`ReviewStep`).

use crate::backend::sql::{Row, Tx, vals};
use crate::{CentralDb, CentralError, MAX_AUDIT_PAGE};
use gocua_core::review::ReviewState;
use gocua_core::{CommuneId, EntityKind, MemberId};
use serde::Serialize;
use serde_json::{Map, Value};

/// What a change of a review mark did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStep {
    Opened,
    Resolved,
    Reopened,
    Edited,
}

impl ReviewStep {
    /// Opening sets every field (the target among them); resolving and
    /// reopening set the state.
    pub fn of(fields: &Map<String, Value>) -> ReviewStep {
        let state = fields
            .get("state")
            .and_then(Value::as_str)
            .and_then(ReviewState::parse);
        match (fields.contains_key("target_id"), state) {
            (true, _) => ReviewStep::Opened,
            (false, Some(ReviewState::Resolved)) => ReviewStep::Resolved,
            (false, Some(ReviewState::Open)) => ReviewStep::Reopened,
            (false, None) => ReviewStep::Edited,
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            ReviewStep::Opened => "Đánh dấu cần sửa",
            ReviewStep::Resolved => "Báo đã sửa",
            ReviewStep::Reopened => "Mở lại yêu cầu sửa",
            ReviewStep::Edited => "Sửa yêu cầu",
        }
    }
}

/// One accepted change, as the audit shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeEntry {
    pub seq: i64,
    /// When the server took it (RFC 3339 UTC).
    pub received_at: String,
    /// The member whose device sent it; None for the registry import.
    pub member_id: Option<MemberId>,
    pub member_name: Option<String>,
    pub device_name: Option<String>,
    pub entity: EntityKind,
    pub entity_id: String,
    /// The household it belongs to, by its head's name (if the server has it).
    pub household_head: Option<String>,
    /// The fields it set, by name.
    pub fields: Vec<String>,
    /// For a review mark: what the change did, and its comment or reply.
    pub review: Option<(ReviewStep, Option<String>)>,
}

impl CentralDb {
    /// The commune's latest changes, newest first; with `only`, of that
    /// kind of record alone (`ReviewMark`: the review steps).
    pub fn change_audit(
        &self,
        commune: CommuneId,
        only: Option<EntityKind>,
        limit: u32,
    ) -> Result<Vec<ChangeEntry>, CentralError> {
        self.read(|tx| entries(tx, commune, only, limit.clamp(1, MAX_AUDIT_PAGE)))
    }
}

/// The columns `change_entry` reads, from the change log and what it
/// joins (`c` the change, `d` its device, `m` the device's member, `h`
/// the household's record).
pub(crate) const CHANGE_COLUMNS: &str = "c.seq, c.received_at, d.member_id, m.full_name, d.name, c.entity, c.entity_id, h.fields, \
     c.fields";
pub(crate) const CHANGE_FROM: &str = "changes c
     LEFT JOIN devices d ON d.id = c.device_id
     LEFT JOIN members m ON m.id = d.member_id
     LEFT JOIN records h ON h.entity_id = c.household_id";

fn entries(
    tx: &mut dyn Tx,
    commune: CommuneId,
    only: Option<EntityKind>,
    limit: u32,
) -> Result<Vec<ChangeEntry>, CentralError> {
    let head = format!("SELECT {CHANGE_COLUMNS} FROM {CHANGE_FROM}");
    let c = commune.to_string();
    let rows = match only {
        Some(kind) => tx.query(
            &format!(
                "{head} WHERE c.commune_id = $1 AND c.entity = $2 ORDER BY c.seq DESC LIMIT $3"
            ),
            vals![c.as_str(), kind.as_str(), limit],
        )?,
        None => tx.query(
            &format!("{head} WHERE c.commune_id = $1 ORDER BY c.seq DESC LIMIT $2"),
            vals![c.as_str(), limit],
        )?,
    };
    rows.iter().map(change_entry).collect()
}

/// One row of `CHANGE_COLUMNS`.
pub(crate) fn change_entry(r: &Row) -> Result<ChangeEntry, CentralError> {
    let entity = r.text(5)?;
    let entity = EntityKind::parse(entity)
        .ok_or_else(|| CentralError::Corrupt(format!("unknown entity {entity}")))?;
    let household: Option<Map<String, Value>> = match r.opt_string(7)? {
        Some(text) => serde_json::from_str(&text).ok(),
        None => None,
    };
    let fields: Map<String, Value> = r.json(8)?;
    let review = (entity == EntityKind::ReviewMark).then(|| {
        let step = ReviewStep::of(&fields);
        let text = match step {
            ReviewStep::Resolved => fields.get("reply"),
            _ => fields.get("comment"),
        };
        (step, text.and_then(Value::as_str).map(str::to_string))
    });
    Ok(ChangeEntry {
        seq: r.int(0)?,
        received_at: r.string(1)?,
        member_id: r.opt_parse(2)?,
        member_name: r.opt_string(3)?,
        device_name: r.opt_string(4)?,
        entity,
        entity_id: r.string(6)?,
        household_head: household
            .as_ref()
            .and_then(|h| h.get("head_name"))
            .and_then(Value::as_str)
            .map(str::to_string),
        fields: fields.keys().cloned().collect(),
        review,
    })
}
