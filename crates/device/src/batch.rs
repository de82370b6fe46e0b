//! A write transaction in progress, with the device clock that stamps it.
//! Every local write goes through here so its change lands in the outbox.

use crate::StoreError;
use crate::clock::Now;
use crate::converge::{self, ConvergingRecord, FieldClocks};
use gocua_core::{Change, ChangeId, EntityKind, HlcClock};
use rusqlite::{Transaction, params};
use serde_json::{Map, Value};
use uuid::Uuid;

pub struct Batch<'a> {
    pub(crate) tx: &'a Transaction<'a>,
    pub(crate) clock: &'a mut HlcClock,
    /// What the work is dated and stamped by (`clock.rs`).
    pub(crate) now: Now,
}

impl<'a> Batch<'a> {
    pub(crate) fn new(tx: &'a Transaction<'a>, clock: &'a mut HlcClock, now: Now) -> Self {
        Batch { tx, clock, now }
    }

    /// Now, by the server's time where the device knows it: what new work
    /// is dated by.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.now.at
    }

    /// Today in Vietnam, by `now`.
    pub fn today(&self) -> chrono::NaiveDate {
        self.now.today()
    }

    pub(crate) fn save_clock(&mut self) -> Result<(), StoreError> {
        self.tx.execute(
            "UPDATE device SET last_hlc = ?1 WHERE singleton = 1",
            params![self.clock.current().to_string()],
        )?;
        Ok(())
    }

    /// Stamp a change and queue it for the server.
    pub(crate) fn record_change(
        &mut self,
        entity: EntityKind,
        entity_id: Uuid,
        fields: Map<String, Value>,
    ) -> Result<Change, StoreError> {
        self.record_edit(entity, entity_id, fields, FieldClocks::new())
    }

    /// Like `record_change`, with the stamps the edited fields had before.
    fn record_edit(
        &mut self,
        entity: EntityKind,
        entity_id: Uuid,
        fields: Map<String, Value>,
        base: FieldClocks,
    ) -> Result<Change, StoreError> {
        let change = Change {
            id: ChangeId::new(),
            entity,
            entity_id,
            hlc: self.clock.tick(self.now.ms()),
            fields,
            base,
        };
        let base_json =
            serde_json::to_string(&change.base).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.tx
            .prepare_cached(
                "INSERT INTO outbox (change_id, entity, entity_id, hlc, fields, base)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                change.id.to_string(),
                entity.as_str(),
                entity_id.to_string(),
                change.hlc.to_string(),
                Value::Object(change.fields.clone()).to_string(),
                base_json,
            ])?;
        Ok(change)
    }

    /// Create a household or resident: every field is set by one change.
    pub(crate) fn create_record<R: ConvergingRecord>(
        &mut self,
        record: &R,
    ) -> Result<(), StoreError> {
        let fields = converge::to_fields(record)?;
        let change = self.record_change(R::KIND, record.uuid(), fields.clone())?;
        let clocks: FieldClocks = fields.keys().map(|k| (k.clone(), change.hlc)).collect();
        record.save(self.tx, &clocks)
    }

    /// Replace a household or resident with an edited version: only the
    /// fields that really changed go into the change, and only they get a
    /// new stamp, so concurrent edits of other fields on other devices survive.
    pub(crate) fn update_record<R: ConvergingRecord>(
        &mut self,
        edited: &R,
    ) -> Result<bool, StoreError> {
        let (current, mut clocks) = R::load(self.tx, edited.uuid())?
            .ok_or_else(|| StoreError::not_found(R::KIND.as_str(), edited.uuid()))?;
        // Withdrawing or restoring a record is the office's, as the server
        // judges it (`credit::check_record_void`).
        if let Some((me, role)) = crate::org::enrolled_member(self.tx)? {
            gocua_core::credit::check_record_void(me, role, current.voided(), edited.voided())
                .map_err(gocua_core::ValidationErrors::from)?;
        }
        let before = converge::to_fields(&current)?;
        let after = converge::to_fields(edited)?;
        let changed: Map<String, Value> = after
            .into_iter()
            .filter(|(k, v)| before.get(k) != Some(v))
            .collect();
        if changed.is_empty() {
            return Ok(false);
        }
        let base: FieldClocks = changed
            .keys()
            .filter_map(|k| clocks.get(k).map(|h| (k.clone(), *h)))
            .collect();
        let change = self.record_edit(R::KIND, edited.uuid(), changed.clone(), base)?;
        for k in changed.keys() {
            clocks.insert(k.clone(), change.hlc);
        }
        edited.save(self.tx, &clocks)?;
        Ok(true)
    }
}
