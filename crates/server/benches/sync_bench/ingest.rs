//! Measure 1: changes pushed through HTTP in the client's batch size, against
//! a plain rusqlite insert of the same rows (the server's `changes` and
//! `records` tables, same columns and indexes, same journal settings) in one
//! transaction.

use crate::net::Device;
use anyhow::{Context, Result, bail};
use gocua_central::CentralDb;
use gocua_core::{Change, CommuneId, EntityKind, VillageId};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};
use uuid::Uuid;

pub struct Pushed {
    pub elapsed: Duration,
    pub refused: usize,
    pub requests: usize,
}

/// Push `changes` in order, `batch` at a time, as the device client does.
/// Signed beforehand, outside the time taken: a phone signs on its own
/// CPU; the server's checking each signature is in the figure.
pub fn push_all(device: &Device, changes: &[Change], batch: usize) -> Result<Pushed> {
    let bodies = changes
        .chunks(batch)
        .map(|chunk| Ok((device.body(chunk)?, chunk.len())))
        .collect::<Result<Vec<_>>>()?;
    let t = Instant::now();
    let mut refused = 0;
    let mut requests = 0;
    for (body, n) in &bodies {
        refused += device.send(body, *n)?;
        requests += 1;
    }
    Ok(Pushed {
        elapsed: t.elapsed(),
        refused,
        requests,
    })
}

/// The report projection after an ingest: the server projects its report
/// tables from the change log after pushes commit (its background
/// projector), so the push figures alone leave work out. This is that work.
pub struct Projection {
    /// Changes still to project when the last push returned.
    pub behind: i64,
    /// From the last push returning to the report tables holding its changes.
    pub elapsed: Duration,
}

/// Wait (polling, at most `limit`) until the server's background projector
/// has caught `commune`'s report tables up with its change log.
pub fn wait_projected(db: &CentralDb, commune: CommuneId, limit: Duration) -> Result<Projection> {
    let t = Instant::now();
    let first = db.report_lag(commune)?;
    let behind = first.head - first.projected;
    loop {
        let lag = db.report_lag(commune)?;
        if lag.projected >= lag.head {
            return Ok(Projection {
                behind,
                elapsed: t.elapsed(),
            });
        }
        if t.elapsed() > limit {
            bail!(
                "the report projection is still {} changes behind",
                lag.head - lag.projected
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The two rows the server keeps for a change, as text.
struct Rows {
    change: [Option<String>; 12],
    record: [Option<String>; 7],
}

/// The server's rows for these changes (new records, as the dataset has):
/// each record filed under its household's village, with its parent.
fn rows(changes: &[Change], commune: CommuneId) -> Result<Vec<Rows>> {
    let mut village: HashMap<Uuid, VillageId> = HashMap::new();
    // Every change names its household; a resident's and an action's, the
    // resident (the columns pulls of a moved household or a merged
    // resident's history walk).
    let mut household: HashMap<Uuid, Uuid> = HashMap::new();
    let received_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let id_field = |c: &Change, name: &str| -> Result<Uuid> {
        let v = c.fields.get(name).context("parent field")?;
        Ok(serde_json::from_value(v.clone())?)
    };
    let mut out = Vec::with_capacity(changes.len());
    for c in changes {
        let (v, parent, merged) = match c.entity {
            EntityKind::Household => (id_field(c, "village_id")?, None, true),
            EntityKind::Resident => (id_field(c, "household_id")?, Some("household_id"), true),
            EntityKind::Visit => (id_field(c, "household_id")?, Some("household_id"), false),
            EntityKind::AssistedAction => (id_field(c, "visit_id")?, Some("visit_id"), false),
            EntityKind::ReviewMark => bail!("the bench makes no review marks"),
        };
        let (v, parent) = match parent {
            None => (VillageId(v), None),
            Some(_) => (*village.get(&v).context("parent first")?, Some(v)),
        };
        village.insert(c.entity_id, v);
        let home = match (c.entity, parent) {
            (EntityKind::Household, _) => c.entity_id,
            (_, Some(p)) => household.get(&p).copied().unwrap_or(p),
            (_, None) => bail!("a record without a household"),
        };
        household.insert(c.entity_id, home);
        let resident = match c.entity {
            EntityKind::Resident => Some(c.entity_id),
            EntityKind::AssistedAction => Some(id_field(c, "resident_id")?),
            _ => None,
        };
        let clocks: Map<String, Value> = if merged {
            let hlc = Value::String(c.hlc.to_string());
            c.fields.keys().map(|k| (k.clone(), hlc.clone())).collect()
        } else {
            Map::new()
        };
        let fields = serde_json::to_string(&c.fields)?;
        let s = |x: String| Some(x);
        out.push(Rows {
            change: [
                s(c.id.to_string()),
                s(commune.to_string()),
                s(v.to_string()),
                s(c.entity.as_str().into()),
                s(c.entity_id.to_string()),
                s(c.hlc.to_string()),
                s(fields.clone()),
                s(serde_json::to_string(&c.base)?),
                s(c.hlc.device.to_string()),
                s(received_at.clone()),
                s(home.to_string()),
                resident.map(|r| r.to_string()),
            ],
            record: [
                s(c.entity_id.to_string()),
                s(c.entity.as_str().into()),
                s(commune.to_string()),
                s(v.to_string()),
                parent.map(|p| p.to_string()),
                s(fields),
                s(serde_json::to_string(&clocks)?),
            ],
        });
    }
    Ok(out)
}

/// The two tables as `migrations/server/` leaves them (0001, with the
/// columns and indexes 0003 and 0014 add: the same rows the server writes),
/// without the foreign keys, which plain SQLite does not check.
const SCHEMA: &str = "
CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, change_id TEXT NOT NULL UNIQUE,
    commune_id TEXT NOT NULL, village_id TEXT NOT NULL, entity TEXT NOT NULL,
    entity_id TEXT NOT NULL, hlc TEXT NOT NULL, fields TEXT NOT NULL,
    base TEXT NOT NULL DEFAULT '{}', device_id TEXT NOT NULL, received_at TEXT NOT NULL,
    household_id TEXT, moved_from TEXT, resident_id TEXT, also_village_id TEXT);
CREATE INDEX changes_village_seq ON changes(village_id, seq);
CREATE INDEX changes_commune_seq ON changes(commune_id, seq);
CREATE INDEX changes_household_seq ON changes(household_id, seq) WHERE household_id IS NOT NULL;
CREATE INDEX changes_moved_from_seq ON changes(moved_from, seq) WHERE moved_from IS NOT NULL;
CREATE INDEX changes_resident_seq ON changes(resident_id, seq) WHERE resident_id IS NOT NULL;
CREATE INDEX changes_also_village_seq ON changes(also_village_id, seq)
    WHERE also_village_id IS NOT NULL;
CREATE TABLE records (
    entity_id TEXT PRIMARY KEY, entity TEXT NOT NULL, commune_id TEXT NOT NULL,
    village_id TEXT NOT NULL, parent_id TEXT, fields TEXT NOT NULL,
    clocks TEXT NOT NULL DEFAULT '{}', merged_into TEXT);
CREATE INDEX records_village ON records(village_id, entity);
CREATE INDEX records_parent ON records(parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX records_merged_into ON records(merged_into) WHERE merged_into IS NOT NULL;";

/// Insert the rows for `changes` into a fresh plain SQLite file in one
/// transaction (WAL, synchronous=FULL, as the server), three times; the
/// median time the insert and commit took (the machine is shared: one run
/// alone swings by half).
pub fn plain_insert(dir: &Path, changes: &[Change], commune: CommuneId) -> Result<Duration> {
    let rows = rows(changes, commune)?;
    let mut took = Vec::new();
    for run in 0..3 {
        let path = dir.join(format!("plain-{run}.db"));
        took.push(insert_once(&path, &rows)?);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
    took.sort();
    Ok(took[1])
}

fn insert_once(path: &Path, rows: &[Rows]) -> Result<Duration> {
    let mut conn = rusqlite::Connection::open(path)?;
    // Encrypted as the server's own file is, so the ratio measures the
    // server's work, not SQLCipher's.
    conn.pragma_update(
        None,
        "key",
        gocua_central::ServerKey::generate().sqlcipher_pragma(),
    )?;
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")?;
    conn.execute_batch(SCHEMA)?;
    let t = Instant::now();
    let tx = conn.transaction()?;
    {
        let mut change = tx.prepare(
            "INSERT INTO changes (change_id, commune_id, village_id, entity, entity_id, hlc,
                                  fields, base, device_id, received_at, household_id,
                                  resident_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        let mut record = tx.prepare(
            "INSERT INTO records (entity_id, entity, commune_id, village_id, parent_id, fields,
                                  clocks)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for r in rows {
            record.execute(rusqlite::params_from_iter(&r.record))?;
            change.execute(rusqlite::params_from_iter(&r.change))?;
        }
    }
    tx.commit()?;
    Ok(t.elapsed())
}
