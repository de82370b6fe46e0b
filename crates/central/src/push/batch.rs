//! What one push — or a group of one commune's pushes committed together —
//! reads and writes, gathered: the records its changes name (and their
//! parents) are read in bulk before judging, 128 ids a statement; the
//! commune's members and catalogue are read whole, once, when the first
//! change asks (a commune has tens of each; answers hold for one commune
//! only); the records it saves and the changes it logs are written at the
//! end, 128 rows a statement. Judging a change sees what the changes before it in the
//! same push or group left (the records it saved are served from here).
//!
//! Why: a push of 500 changes read each parent once per child (a visit's
//! twenty actions loaded and parsed the visit's and its household's JSON
//! twenty times) and wrote two rows per change; on PostgreSQL every one of
//! those statements was a round trip, made inside the commune's lock that
//! all of the commune's other pushes wait for.

use crate::CentralError;
use crate::backend::sql::to_json;
use crate::backend::sql::{ID_CHUNK, Tx, Val, id_chunks, placeholders};
use crate::lookups::{commune_catalogue, commune_roster};
use chrono::NaiveDate;
use gocua_core::converge::FieldClocks;
use gocua_core::credit::Roster;
use gocua_core::month::local_date;
use gocua_core::{Change, CommuneId, EntityKind, VillageId, Visit, VisitOutcome};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// A record's current state on the server.
#[derive(Clone)]
pub(crate) struct Record {
    pub(crate) entity: EntityKind,
    pub(crate) commune_id: CommuneId,
    pub(crate) village_id: VillageId,
    /// A resident's or visit's household; an action's visit.
    pub(crate) parent_id: Option<Uuid>,
    pub(crate) fields: Map<String, Value>,
    pub(crate) clocks: FieldClocks,
}

/// The columns a parent lookup needs (no JSON).
#[derive(Clone, Copy)]
pub(crate) struct Meta {
    pub(crate) entity: EntityKind,
    pub(crate) commune_id: CommuneId,
    pub(crate) village_id: VillageId,
    pub(crate) parent_id: Option<Uuid>,
}

/// A record as read: its JSON kept as text until something needs it.
enum Body {
    Text { fields: String, clocks: String },
    Parsed(Box<(Map<String, Value>, FieldClocks)>),
}

struct Entry {
    meta: Meta,
    body: Body,
    /// The fields as JSON text, when kept by this push with the text at
    /// hand (a new record's fields are its change's, serialized once).
    json: Option<String>,
}

/// One push's or group's reads and writes (see the module's comment).
pub(crate) struct PushBatch {
    /// Records by id: `None` when the server has none.
    records: HashMap<Uuid, Option<Entry>>,
    /// A visit's outcome and Vietnam day, for its actions.
    visits: HashMap<Uuid, (VisitOutcome, NaiveDate)>,
    /// The residents of a stored visit's actions (read for voids only).
    visit_residents: HashMap<Uuid, Vec<Uuid>>,
    /// The commune's members (any status), their roles and teams' villages,
    /// once asked.
    roster: Option<(CommuneId, Roster)>,
    /// The commune's catalogue: code → active, once asked.
    catalogue: Option<(CommuneId, HashMap<String, bool>)>,
    /// Change ids on the server, or taken by this push.
    known_changes: HashSet<Uuid>,
    /// Records to write, in the order first saved, each once.
    saved: Vec<Uuid>,
    saved_set: HashSet<Uuid>,
    /// Rows of `changes` to write (`CHANGE_COLUMNS`), in the order taken.
    logged: Vec<Vec<Val>>,
    /// Conflicts to write: (SQL parameters).
    conflicts: Vec<Vec<Val>>,
}

const RECORD_COLUMNS: &str = "entity_id, entity, commune_id, village_id, parent_id, fields, clocks";

/// The columns of a logged change, in the order `keep` is given them.
pub(crate) const CHANGE_COLUMNS: &str = "change_id, commune_id, village_id, entity, entity_id, \
    hlc, fields, base, device_id, received_at, household_id, moved_from, resident_id, \
    also_village_id";

impl PushBatch {
    /// Read ahead what judging `changes` will ask for: which of them the
    /// server has, their records and the records they name, and those
    /// records' parents.
    pub(crate) fn prefetch(tx: &mut dyn Tx, changes: &[&Change]) -> Result<Self, CentralError> {
        let mut batch = PushBatch {
            records: HashMap::new(),
            visits: HashMap::new(),
            visit_residents: HashMap::new(),
            roster: None,
            catalogue: None,
            known_changes: HashSet::new(),
            saved: Vec::new(),
            saved_set: HashSet::new(),
            logged: Vec::new(),
            conflicts: Vec::new(),
        };
        let ids: Vec<String> = changes.iter().map(|c| c.id.to_string()).collect();
        let sql = format!(
            "SELECT change_id FROM changes WHERE change_id IN ({})",
            placeholders(1, ID_CHUNK)
        );
        for params in id_chunks(&ids) {
            for r in tx.query(&sql, &params)? {
                batch.known_changes.insert(r.parse(0)?);
            }
        }
        let mut wanted: Vec<Uuid> = Vec::new();
        for c in changes {
            wanted.push(c.entity_id);
            for name in ["household_id", "visit_id", "resident_id", "target_id"] {
                if let Some(id) = c
                    .fields
                    .get(name)
                    .and_then(Value::as_str)
                    .and_then(|s| Uuid::parse_str(s).ok())
                {
                    wanted.push(id);
                }
            }
        }
        batch.load(tx, wanted)?;
        // Their parents: a visit's household, an action's visit (and its
        // household next round), a resident's old household.
        for _ in 0..2 {
            let parents: Vec<Uuid> = batch
                .records
                .values()
                .flatten()
                .filter_map(|e| e.meta.parent_id)
                .collect();
            batch.load(tx, parents)?;
        }
        // A visit voided: whose actions it takes back.
        let voided: Vec<Uuid> = changes
            .iter()
            .filter(|c| c.entity == EntityKind::Visit)
            .filter(|c| matches!(batch.records.get(&c.entity_id), Some(Some(_))))
            .map(|c| c.entity_id)
            .collect();
        let residents = batch.read_visit_residents(tx, &voided)?;
        batch.load(tx, residents)?;
        // Whom merged residents were merged into (and so on, a chain
        // deep): where their changes also go (`push/reach.rs`).
        for _ in 0..2 {
            let targets: Vec<Uuid> = batch
                .records
                .keys()
                .copied()
                .collect::<Vec<_>>()
                .into_iter()
                .filter_map(|id| batch.merged_into_now(id).ok().flatten())
                .collect();
            batch.load(tx, targets)?;
        }
        Ok(batch)
    }

    /// The `merged_into` of a resident already read (None for anyone else,
    /// or when not merged). Most residents are not merged: their JSON is
    /// looked at, not parsed.
    fn merged_into_now(&self, id: Uuid) -> Result<Option<Uuid>, CentralError> {
        let Some(Some(entry)) = self.records.get(&id) else {
            return Ok(None);
        };
        if entry.meta.entity != EntityKind::Resident {
            return Ok(None);
        }
        let value = match &entry.body {
            Body::Parsed(body) => body.0.get("merged_into").cloned(),
            Body::Text { fields, .. } => {
                if !fields.contains("\"merged_into\":\"") {
                    return Ok(None);
                }
                let f: Map<String, Value> = serde_json::from_str(fields)
                    .map_err(|e| CentralError::Corrupt(format!("record {id}: bad JSON: {e}")))?;
                f.get("merged_into").cloned()
            }
        };
        Ok(value
            .as_ref()
            .and_then(Value::as_str)
            .and_then(|s| Uuid::parse_str(s).ok()))
    }

    /// Read which residents the actions of `visits` are for; returns them.
    fn read_visit_residents(
        &mut self,
        tx: &mut dyn Tx,
        visits: &[Uuid],
    ) -> Result<Vec<Uuid>, CentralError> {
        let mut todo: Vec<String> = visits
            .iter()
            .filter(|v| !self.visit_residents.contains_key(v))
            .map(Uuid::to_string)
            .collect();
        todo.sort_unstable();
        todo.dedup();
        let sql = format!(
            "SELECT parent_id, fields FROM records
             WHERE entity = 'assisted_action' AND parent_id IN ({})",
            placeholders(1, ID_CHUNK)
        );
        let mut all = Vec::new();
        for params in id_chunks(&todo) {
            for row in tx.query(&sql, &params)? {
                let visit: Uuid = row.parse(0)?;
                let fields: Map<String, Value> = row.json(1)?;
                if let Some(r) = fields
                    .get("resident_id")
                    .and_then(Value::as_str)
                    .and_then(|s| Uuid::parse_str(s).ok())
                {
                    self.visit_residents.entry(visit).or_default().push(r);
                    all.push(r);
                }
            }
        }
        for v in todo {
            if let Ok(v) = Uuid::parse_str(&v) {
                self.visit_residents.entry(v).or_default();
            }
        }
        Ok(all)
    }

    /// The residents of a stored visit's actions.
    pub(crate) fn visit_residents(
        &mut self,
        tx: &mut dyn Tx,
        visit: Uuid,
    ) -> Result<Vec<Uuid>, CentralError> {
        if !self.visit_residents.contains_key(&visit) {
            self.read_visit_residents(tx, &[visit])?;
        }
        Ok(self
            .visit_residents
            .get(&visit)
            .cloned()
            .unwrap_or_default())
    }

    /// A resident's `merged_into` and village, read if not yet (None when
    /// the server has no such resident).
    pub(crate) fn merge_link(
        &mut self,
        tx: &mut dyn Tx,
        id: Uuid,
    ) -> Result<Option<(Option<Uuid>, VillageId)>, CentralError> {
        let Some(meta) = self.meta(tx, id)? else {
            return Ok(None);
        };
        if meta.entity != EntityKind::Resident {
            return Ok(None);
        }
        Ok(Some((self.merged_into_now(id)?, meta.village_id)))
    }

    /// Read the records of `ids` not read yet.
    fn load(&mut self, tx: &mut dyn Tx, ids: Vec<Uuid>) -> Result<(), CentralError> {
        let mut todo: Vec<Uuid> = ids
            .into_iter()
            .filter(|id| !self.records.contains_key(id))
            .collect();
        todo.sort_unstable();
        todo.dedup();
        if todo.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM records WHERE entity_id IN ({})",
            placeholders(1, ID_CHUNK)
        );
        let text: Vec<String> = todo.iter().map(Uuid::to_string).collect();
        for params in id_chunks(&text) {
            for row in tx.query(&sql, &params)? {
                let entity = row.text(1)?;
                let entity = EntityKind::parse(entity)
                    .ok_or_else(|| CentralError::Corrupt(format!("unknown entity {entity}")))?;
                let entry = Entry {
                    meta: Meta {
                        entity,
                        commune_id: row.parse(2)?,
                        village_id: row.parse(3)?,
                        parent_id: row.opt_parse(4)?,
                    },
                    body: Body::Text {
                        fields: row.string(5)?,
                        clocks: row.string(6)?,
                    },
                    json: None,
                };
                self.records.insert(row.parse(0)?, Some(entry));
            }
        }
        for id in todo {
            self.records.entry(id).or_insert(None);
        }
        Ok(())
    }

    fn entry(&mut self, tx: &mut dyn Tx, id: Uuid) -> Result<Option<&mut Entry>, CentralError> {
        if !self.records.contains_key(&id) {
            self.load(tx, vec![id])?;
        }
        Ok(self.records.get_mut(&id).and_then(Option::as_mut))
    }

    /// The columns of a record, if the server (or this push) has it.
    pub(crate) fn meta(&mut self, tx: &mut dyn Tx, id: Uuid) -> Result<Option<Meta>, CentralError> {
        Ok(self.entry(tx, id)?.map(|e| e.meta))
    }

    /// A record in full (its JSON parsed once).
    pub(crate) fn record(
        &mut self,
        tx: &mut dyn Tx,
        id: Uuid,
    ) -> Result<Option<Record>, CentralError> {
        let Some(entry) = self.entry(tx, id)? else {
            return Ok(None);
        };
        let (fields, clocks) = match &entry.body {
            Body::Parsed(body) => (body.0.clone(), body.1.clone()),
            Body::Text { fields, clocks } => {
                let bad = |what: &str, e: serde_json::Error| {
                    CentralError::Corrupt(format!("record {id}: bad {what} JSON: {e}"))
                };
                let f: Map<String, Value> =
                    serde_json::from_str(fields).map_err(|e| bad("fields", e))?;
                let c: FieldClocks = serde_json::from_str(clocks).map_err(|e| bad("clocks", e))?;
                entry.body = Body::Parsed(Box::new((f.clone(), c.clone())));
                (f, c)
            }
        };
        Ok(Some(Record {
            entity: entry.meta.entity,
            commune_id: entry.meta.commune_id,
            village_id: entry.meta.village_id,
            parent_id: entry.meta.parent_id,
            fields,
            clocks,
        }))
    }

    /// A visit's outcome and Vietnam-local day, read once per push.
    pub(crate) fn visit_facts(
        &mut self,
        tx: &mut dyn Tx,
        id: Uuid,
    ) -> Result<Option<(VisitOutcome, NaiveDate)>, CentralError> {
        if let Some(f) = self.visits.get(&id) {
            return Ok(Some(*f));
        }
        let Some(rec) = self.record(tx, id)? else {
            return Ok(None);
        };
        let visit: Visit = gocua_core::converge::from_fields(id, rec.fields)
            .map_err(|e| CentralError::Corrupt(format!("stored visit: {e}")))?;
        let facts = (visit.outcome, local_date(visit.at));
        self.visits.insert(id, facts);
        Ok(Some(facts))
    }

    /// Who the commune's members are, as the credit rule needs them.
    pub(crate) fn roster(
        &mut self,
        tx: &mut dyn Tx,
        commune: CommuneId,
    ) -> Result<&Roster, CentralError> {
        if !matches!(&self.roster, Some((c, _)) if *c == commune) {
            self.roster = Some((commune, commune_roster(tx, commune)?));
        }
        match &self.roster {
            Some((_, r)) => Ok(r),
            None => Err(CentralError::Backend("a roster not kept".into())),
        }
    }

    pub(crate) fn catalogue_active(
        &mut self,
        tx: &mut dyn Tx,
        commune: CommuneId,
        code: &str,
    ) -> Result<Option<bool>, CentralError> {
        match &self.catalogue {
            Some((c, codes)) if *c == commune => Ok(codes.get(code).copied()),
            _ => {
                let codes = commune_catalogue(tx, commune)?;
                let active = codes.get(code).copied();
                self.catalogue = Some((commune, codes));
                Ok(active)
            }
        }
    }

    /// Whether the server (or this push) already took this change.
    pub(crate) fn known_change(&self, change: &Change) -> bool {
        self.known_changes.contains(&change.id.0)
    }

    /// Keep a record as judged, and the change that made it (its row of
    /// `changes`, `CHANGE_COLUMNS`); `json`: the record's fields as JSON
    /// text, if already made.
    pub(crate) fn keep(
        &mut self,
        change: &Change,
        record: Record,
        logged: Vec<Val>,
        json: Option<String>,
    ) {
        let id = change.entity_id;
        if self.saved_set.insert(id) {
            self.saved.push(id);
        }
        self.visits.remove(&id);
        self.known_changes.insert(change.id.0);
        self.records.insert(
            id,
            Some(Entry {
                meta: Meta {
                    entity: record.entity,
                    commune_id: record.commune_id,
                    village_id: record.village_id,
                    parent_id: record.parent_id,
                },
                body: Body::Parsed(Box::new((record.fields, record.clocks))),
                json,
            }),
        );
        self.logged.push(logged);
    }

    pub(crate) fn conflict(&mut self, params: Vec<Val>) {
        self.conflicts.push(params);
    }

    /// Write everything kept: records, then changes in the order taken
    /// (their `seq` follows it), then conflicts.
    pub(crate) fn flush(self, tx: &mut dyn Tx) -> Result<(), CentralError> {
        let mut rows = Vec::with_capacity(self.saved.len());
        for id in &self.saved {
            let Some(Some(entry)) = self.records.get(id) else {
                return Err(CentralError::Corrupt(format!("kept record {id} is gone")));
            };
            let Body::Parsed(body) = &entry.body else {
                return Err(CentralError::Corrupt(format!("kept record {id} unparsed")));
            };
            let m = &entry.meta;
            let merged_into = body
                .0
                .get("merged_into")
                .and_then(Value::as_str)
                .filter(|_| m.entity == EntityKind::Resident)
                .map(str::to_string);
            rows.push(vec![
                Val::from(id.to_string()),
                Val::from(m.entity.as_str()),
                Val::from(m.commune_id.to_string()),
                Val::from(m.village_id.to_string()),
                Val::from(m.parent_id.map(|p| p.to_string())),
                Val::from(match &entry.json {
                    Some(json) => json.clone(),
                    None => to_json(&body.0)?,
                }),
                Val::from(to_json(&body.1)?),
                Val::from(merged_into),
            ]);
        }
        insert_rows(
            tx,
            &format!("INSERT INTO records ({RECORD_COLUMNS}, merged_into)"),
            " ON CONFLICT (entity_id) DO UPDATE SET
                 village_id = excluded.village_id, parent_id = excluded.parent_id,
                 fields = excluded.fields, clocks = excluded.clocks,
                 merged_into = excluded.merged_into",
            rows,
        )?;
        insert_rows(
            tx,
            &format!("INSERT INTO changes ({CHANGE_COLUMNS})"),
            "",
            self.logged,
        )?;
        for params in self.conflicts {
            tx.execute(
                "INSERT INTO conflicts (commune_id, village_id, entity, entity_id, field,
                     kept_value, kept_hlc, lost_value, lost_hlc, change_id, at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                &params,
            )?;
        }
        Ok(())
    }
}

/// Insert `rows` (each as wide as the first) with multi-row statements of
/// 128, 64, …, 1 rows: few statements, and few shapes of them to prepare.
fn insert_rows(
    tx: &mut dyn Tx,
    head: &str,
    tail: &str,
    rows: Vec<Vec<Val>>,
) -> Result<(), CentralError> {
    let Some(width) = rows.first().map(Vec::len) else {
        return Ok(());
    };
    let mut rest = rows.as_slice();
    while !rest.is_empty() {
        let n = [128, 64, 32, 16, 8, 4, 2, 1]
            .into_iter()
            .find(|n| *n <= rest.len())
            .unwrap_or(1);
        let (now, later) = rest.split_at(n);
        let values: Vec<String> = (0..n)
            .map(|i| format!("({})", placeholders(i * width + 1, width)))
            .collect();
        let sql = format!("{head} VALUES {}{tail}", values.join(", "));
        let params: Vec<Val> = now.iter().flatten().cloned().collect();
        tx.execute(&sql, &params)?;
        rest = later;
    }
    Ok(())
}
