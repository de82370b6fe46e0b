//! Taking changes from a device. Each change is judged on its own inside
//! one transaction, so one bad change never blocks the rest: it is refused
//! with a reason the device shows, and the others land. Judging only reads
//! and keeping only writes, so a refused change has written nothing and
//! needs no savepoint to undo; a database error fails the whole push.
//! The report tables are not written here: they follow the change log
//! (`report/catch_up.rs`). What a push reads and writes is gathered in
//! `push/batch.rs` (bulk reads ahead, bulk writes at the end); the rules
//! for each kind of record are `push/judge.rs`'s.
//!
//! Judging a change: seen before → already had; clock too far ahead, or
//! stamped by another device → refused; the record's village (through its
//! household, visit) must be in the device's scope; then it is merged with
//! `gocua_core::converge`, rebuilt as the domain record and validated. Accepted
//! changes are appended to the change log under the record's village, with
//! the household they belong to and, for a household moving between
//! villages, the village it left (see docs/sync.md on scope changes).

pub(crate) mod batch;
pub(crate) mod judge;
mod proof;
pub(crate) mod reach;
mod record_void;
mod relay;

use crate::backend::sql::{ID_CHUNK, Tx, Val, id_chunks, placeholders, vals};
use crate::push::batch::{PushBatch, Record};
use crate::{CentralDb, CentralError, DeviceAuth, Scope, stamp};
use chrono::{DateTime, NaiveDate, Utc};
use gocua_core::change::MAX_CHANGE_JSON_BYTES;
use gocua_core::converge::FieldConflict;
use gocua_core::hlc::MAX_FUTURE_DRIFT_MS;
use gocua_core::month::local_date;
use gocua_core::validate::ValidationErrors;
use gocua_core::{Change, ChangeId, CommuneId, EntityKind, MemberId, VillageId};
use serde::Serialize;
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
pub(crate) enum Refusal {
    Reject { code: &'static str, message: String },
    Db(CentralError),
}

impl From<CentralError> for Refusal {
    fn from(e: CentralError) -> Self {
        Refusal::Db(e)
    }
}

pub(crate) fn reject(code: &'static str, message: impl Into<String>) -> Refusal {
    Refusal::Reject {
        code,
        message: message.into(),
    }
}

pub(crate) fn invalid(e: impl Into<ValidationErrors>) -> Refusal {
    reject("invalid", e.into().message_vi())
}

pub(crate) fn out_of_scope() -> Refusal {
    reject(
        "out_of_scope",
        "Bản ghi thuộc thôn/xóm ngoài phạm vi được giao cho tài khoản này; máy chủ không nhận.",
    )
}

pub(crate) fn unknown_parent(what: &str) -> Refusal {
    reject(
        "unknown_parent",
        format!("{what} của bản ghi này chưa có trên máy chủ (có thể đã bị từ chối trước đó)."),
    )
}

pub(crate) fn immutable() -> Refusal {
    reject(
        "immutable",
        "Lượt thăm và nội dung hỗ trợ đã ghi thì không sửa được; hãy hủy (kèm lý do) rồi ghi lại.",
    )
}

/// Text from elsewhere inside a message, cut short: a huge value must not
/// come back in full.
pub(crate) fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max).collect();
        out.push('…');
        out
    }
}

/// The record to save, the village to log the change under, and the
/// values that lost a concurrent edit.
pub(crate) struct Accepted {
    pub(crate) record: Record,
    pub(crate) conflicts: Vec<FieldConflict>,
    /// The household the change belongs to (its history is fetched by it).
    pub(crate) household: Uuid,
    /// For a household moving to another village: the village it left.
    pub(crate) moved_from: Option<VillageId>,
}

/// Everything judging one change needs.
pub(crate) struct Judge<'a> {
    pub(crate) tx: &'a mut dyn Tx,
    pub(crate) batch: &'a mut PushBatch,
    pub(crate) scope: &'a Scope,
    /// The device's member: who takes a review step.
    pub(crate) member: MemberId,
    pub(crate) today: NaiveDate,
    /// The server's clock when the push came: dates are judged against it
    /// (a visit at most a day ahead), whatever the phone's clock said.
    pub(crate) now: DateTime<Utc>,
    pub(crate) change: &'a Change,
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

    /// `push` with the author's signature over each change (hex, same
    /// order; see `push/proof.rs`).
    pub fn push_signed(
        &self,
        auth: &DeviceAuth,
        changes: &[Change],
        signatures: &[String],
    ) -> Result<Vec<(ChangeId, ApplyResult)>, CentralError> {
        let now = Utc::now();
        let push = DevicePush {
            auth,
            changes,
            signatures,
        };
        let mut results = self.write(|tx| push_many_in(tx, std::slice::from_ref(&push), now))?;
        results
            .pop()
            .ok_or_else(|| CentralError::Backend("a push without a result".into()))
    }

    /// Several devices' pushes, each `(token, changes)`, authenticated and
    /// judged one after the other as if pushed in turn, but in one
    /// transaction: one commit (one fsync, one turn at the commune's lock)
    /// for all of them; the server groups the pushes waiting their turn. A
    /// token refused fails its own push alone; a database error fails them
    /// all, and then none is kept. On PostgreSQL one transaction holds one
    /// commune's lock only (holding several could deadlock another): pushes
    /// of several communes are then taken one transaction each.
    pub fn push_group(&self, pushes: &[TokenPush]) -> Result<Vec<Grouped>, CentralError> {
        let now = Utc::now();
        let sqlite = self.backend_name() == "sqlite";
        let grouped = self.write(|tx| {
            let tokens: Vec<&str> = pushes.iter().map(|p| p.token.as_str()).collect();
            let auths = crate::org::enroll::authenticate_many_in(tx, &tokens)?;
            let mut communes = auths.iter().flatten().map(|a| a.scope.commune_id);
            let first = communes.next();
            if !sqlite && communes.any(|c| Some(c) != first) {
                return Ok(None);
            }
            let taken: Vec<DevicePush> = pushes
                .iter()
                .zip(&auths)
                .filter_map(|(p, auth)| {
                    Some(DevicePush {
                        auth: auth.as_ref()?,
                        changes: &p.changes,
                        signatures: &p.signatures,
                    })
                })
                .collect();
            let mut results = push_many_in(tx, &taken, now)?.into_iter();
            let mut out = Vec::with_capacity(pushes.len());
            for auth in auths {
                out.push(match auth {
                    None => Err(CentralError::Unauthorized),
                    Some(auth) => {
                        let results = results.next().ok_or_else(|| {
                            CentralError::Backend("a push without a result".into())
                        })?;
                        Ok((auth, results))
                    }
                });
            }
            Ok(Some(out))
        })?;
        match grouped {
            Some(out) => Ok(out),
            None => pushes
                .iter()
                .map(|p| {
                    self.push_group(std::slice::from_ref(p))?
                        .pop()
                        .ok_or_else(|| CentralError::Backend("a push without a result".into()))
                })
                .collect(),
        }
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

/// What became of one push of a group: its device and results, or its token
/// refused.
pub type Grouped = Result<(DeviceAuth, Vec<(ChangeId, ApplyResult)>), CentralError>;

/// One device's push as it came: its token, its changes and their
/// signatures (one each, same order; empty from a device without a key).
#[derive(Debug, Clone)]
pub struct TokenPush {
    pub token: String,
    pub changes: Vec<Change>,
    pub signatures: Vec<String>,
}

/// One device's push, authenticated.
pub(crate) struct DevicePush<'a> {
    pub(crate) auth: &'a DeviceAuth,
    pub(crate) changes: &'a [Change],
    /// Empty, or one per change.
    pub(crate) signatures: &'a [String],
}

/// A push inside the caller's transaction: the registry import sends its
/// changes through here, so they are judged and kept like a device's, yet
/// all in one transaction it can roll back.
pub(crate) fn push_in(
    tx: &mut dyn Tx,
    auth: &DeviceAuth,
    changes: &[Change],
    now: DateTime<Utc>,
) -> Result<Vec<(ChangeId, ApplyResult)>, CentralError> {
    let push = DevicePush {
        auth,
        changes,
        signatures: &[],
    };
    let mut results = push_many_in(tx, std::slice::from_ref(&push), now)?;
    results
        .pop()
        .ok_or_else(|| CentralError::Backend("a push without a result".into()))
}

/// Several devices' pushes inside the caller's transaction, judged in the
/// order given as if pushed one after the other, with one read-ahead and
/// one write-back per commune: a group of pushes then costs about the round
/// trips of one (on PostgreSQL, each made while the commune's other pushes
/// wait for its lock). Communes' locks are taken in one order, so two
/// transactions holding several never wait for each other crosswise. The
/// results, a list per push, in the order given.
pub(crate) fn push_many_in(
    tx: &mut dyn Tx,
    pushes: &[DevicePush],
    now: DateTime<Utc>,
) -> Result<Vec<Vec<(ChangeId, ApplyResult)>>, CentralError> {
    let received_at = stamp(now);
    // What a push reads ahead is one commune's (its member and catalogue
    // answers are the commune's own): a batch per commune.
    let mut by_commune: std::collections::BTreeMap<CommuneId, Vec<usize>> = Default::default();
    for (i, push) in pushes.iter().enumerate() {
        by_commune
            .entry(push.auth.scope.commune_id)
            .or_default()
            .push(i);
    }
    for commune in by_commune.keys() {
        tx.lock_commune(*commune)?;
    }
    let mut out: Vec<Vec<(ChangeId, ApplyResult)>> = vec![Vec::new(); pushes.len()];
    for members in by_commune.values() {
        let all: Vec<&Change> = members
            .iter()
            .flat_map(|i| pushes[*i].changes.iter())
            .collect();
        let mut batch = PushBatch::prefetch(tx, &all)?;
        for i in members {
            let push = &pushes[*i];
            let mut results = Vec::with_capacity(push.changes.len());
            for (n, change) in push.changes.iter().enumerate() {
                let signature = push.signatures.get(n).map(String::as_str);
                results.push((
                    change.id,
                    judge_one(
                        tx,
                        &mut batch,
                        (push.auth, signature),
                        change,
                        now,
                        &received_at,
                    )?,
                ));
            }
            out[*i] = results;
        }
        batch.flush(tx)?;
    }
    let mut devices: Vec<String> = pushes
        .iter()
        .map(|p| p.auth.device_id.to_string())
        .collect();
    devices.sort();
    devices.dedup();
    let sql = format!(
        "UPDATE devices SET last_seen_at = $1 WHERE id IN ({})",
        placeholders(2, ID_CHUNK)
    );
    for ids in id_chunks(&devices) {
        let mut params = vec![Val::from(received_at.as_str())];
        params.extend(ids);
        tx.execute(&sql, &params)?;
    }
    Ok(out)
}

/// What becomes of one change (a database failure is the error).
fn judge_one(
    tx: &mut dyn Tx,
    batch: &mut PushBatch,
    (auth, signature): (&DeviceAuth, Option<&str>),
    change: &Change,
    now: DateTime<Utc>,
    received_at: &str,
) -> Result<ApplyResult, CentralError> {
    let now_ms = u64::try_from(now.timestamp_millis()).unwrap_or(0);
    // Taken before: whatever this copy says, the one kept stands.
    if batch.known_change(change) {
        return Ok(ApplyResult::AlreadyHad);
    }
    let judged = precheck(auth, change, now_ms)
        .and_then(|()| proof::check(auth, change, signature))
        .and_then(|()| {
            let mut judge = Judge {
                tx,
                batch,
                scope: &auth.scope,
                member: auth.member.id,
                today: local_date(now),
                now,
                change,
            };
            // Refusals come from `judge`, before anything is kept.
            judge
                .judge()
                .and_then(|accepted| judge.keep(accepted, auth, received_at))
        });
    match judged {
        Ok(()) => Ok(ApplyResult::Applied),
        Err(Refusal::Reject { code, message }) => Ok(ApplyResult::Rejected {
            code: code.to_string(),
            message,
        }),
        Err(Refusal::Db(e)) => Err(e),
    }
}

/// A record as the server holds it now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredRecord {
    pub entity: EntityKind,
    pub village_id: VillageId,
    /// Converged from every change taken (facts: as created, plus any void).
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
    // Bounds every pulled page's size, which devices rely on. Counted, not
    // kept: only the length is needed.
    let size = json_len(change);
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

/// How many bytes `value` takes as JSON (usize::MAX if it cannot be
/// written).
fn json_len<T: Serialize>(value: &T) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    match serde_json::to_writer(&mut count, value) {
        Ok(()) => count.0,
        Err(_) => usize::MAX,
    }
}

pub(crate) fn bad_shape(e: &serde_json::Error) -> String {
    format!(
        "Bản ghi thiếu thông tin hoặc sai định dạng ({}).",
        short(&e.to_string(), 160)
    )
}

/// One record, read on its own (`CentralDb::record`; a push reads through
/// its `PushBatch`).
pub(crate) fn load_record(tx: &mut dyn Tx, id: Uuid) -> Result<Option<Record>, CentralError> {
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
        clocks: row.json(5)?,
    }))
}
