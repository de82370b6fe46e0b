//! The phone's time, and what the device knows of the commune server's.
//!
//! Every server answer carries the server's time; the sync client hands it
//! to `note_server_time`, which keeps the *offset* (server minus phone) of
//! the last exchange. From then on:
//! - new work is dated by the corrected time (`Store::now`, `Store::today`),
//!   so a phone set to 2010 still counts a visit in the right month;
//! - change stamps never run past the server's time plus
//!   `gocua_core::skew::MAX_STAMP_LEAD_MS`: a clock found further ahead
//!   (the phone's clock ran fast before the device knew) restarts from the
//!   corrected time, and the unsent changes stamped ahead — in the outbox,
//!   or refused by the server as `clock_ahead` and held in the quarantine —
//!   are stamped again, in their order, and queued to be sent. Their ids do
//!   not change, so the server still takes each once. This is the one case
//!   where an unsent change is re-stamped: the server refused those stamps,
//!   so nobody else holds them.
//!
//! An offset stops holding once the phone's clock has visibly been set
//! since (moved back past the moment of the exchange, or forward by about
//! as much as it was behind): the phone's own time is then used until the
//! next exchange.
//!
//! Tests move a device's clock without touching the machine's: in debug
//! builds `GOCUA_TEST_CLOCK_OFFSET_SECS` (read when a store is opened), or
//! `Store::set_clock_shift_for_tests`. Release builds ignore the variable.

use crate::{Store, StoreError, rows};
use chrono::{DateTime, NaiveDate, Utc};
use gocua_core::skew::{MAX_STAMP_LEAD_MS, WARN_SKEW_MS};
use gocua_core::{Change, EntityKind, Hlc, HlcClock};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use uuid::Uuid;

/// Test-only: in debug builds, moves the phone's clock by this many seconds
/// (negative: back), as on a phone whose date is set wrong.
pub const TEST_CLOCK_OFFSET_ENV: &str = "GOCUA_TEST_CLOCK_OFFSET_SECS";

/// The test shift from the environment, in milliseconds (0 in release
/// builds, or when unset or unreadable).
pub(crate) fn test_shift_from_env() -> i64 {
    if !cfg!(debug_assertions) {
        return 0;
    }
    std::env::var(TEST_CLOCK_OFFSET_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .map_or(0, |secs| secs.saturating_mul(1000))
}

/// The server's code for a change stamped too far past its clock.
pub const CLOCK_AHEAD: &str = "clock_ahead";

/// The offset of the last exchange with the server, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Skew {
    /// Server time minus the phone's, in milliseconds.
    offset_ms: i64,
    /// The phone's clock at that exchange.
    checked_at_ms: i64,
}

impl Skew {
    /// The offset, if it still holds when the phone's clock reads
    /// `device_ms` (see the module comment).
    fn holds_at(self, device_ms: i64) -> Option<i64> {
        let elapsed = device_ms.saturating_sub(self.checked_at_ms);
        if elapsed < -WARN_SKEW_MS {
            // Set back past the exchange: a fast clock was corrected.
            return None;
        }
        if self.offset_ms > WARN_SKEW_MS && elapsed >= self.offset_ms - WARN_SKEW_MS {
            // Moved on by about what it was behind: a slow clock was set.
            return None;
        }
        Some(self.offset_ms)
    }
}

pub(crate) fn load_skew(conn: &Connection) -> Result<Option<Skew>, StoreError> {
    let row: Option<(Option<i64>, Option<i64>)> = conn
        .query_row(
            "SELECT clock_offset_ms, clock_checked_at_ms FROM sync_state WHERE singleton = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(match row {
        Some((Some(offset_ms), Some(checked_at_ms))) => Some(Skew {
            offset_ms,
            checked_at_ms,
        }),
        _ => None,
    })
}

/// The time a write or an apply goes by.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Now {
    pub(crate) at: DateTime<Utc>,
    /// Corrected by a known offset (else the phone's own clock).
    pub(crate) known: bool,
}

impl Now {
    pub(crate) fn ms(&self) -> u64 {
        u64::try_from(self.at.timestamp_millis()).unwrap_or(0)
    }

    pub(crate) fn today(&self) -> NaiveDate {
        gocua_core::month::local_date(self.at)
    }
}

/// What the device knows of its clock, for the home screen and `status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClockStatus {
    /// Server time minus the phone's, in milliseconds, from the last
    /// exchange with the server (None: none yet, or the phone's clock was
    /// set since).
    pub offset_ms: Option<i64>,
    /// The sentence telling the member to set the clock, when it is off by
    /// more than five minutes.
    pub warning: Option<String>,
}

impl Store {
    /// The phone's own clock (with a test shift), in ms since the epoch.
    fn device_ms(&self) -> i64 {
        Utc::now()
            .timestamp_millis()
            .saturating_add(self.clock_shift_ms)
    }

    /// Test-only: read the phone's clock `shift_ms` off the machine's, as on
    /// a phone whose date is set wrong (replaces any shift from
    /// `GOCUA_TEST_CLOCK_OFFSET_SECS`). No product code calls this.
    pub fn set_clock_shift_for_tests(&mut self, shift_ms: i64) {
        self.clock_shift_ms = shift_ms;
    }

    /// Server time minus the phone's, while the last exchange's offset
    /// holds.
    pub fn clock_offset_ms(&self) -> Option<i64> {
        self.skew.and_then(|s| s.holds_at(self.device_ms()))
    }

    pub(crate) fn work_now(&self) -> Now {
        let device = self.device_ms();
        let offset = self.clock_offset_ms();
        let ms = device.saturating_add(offset.unwrap_or(0));
        Now {
            at: DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_else(Utc::now),
            known: offset.is_some(),
        }
    }

    /// Now, by the server's time where the device knows its offset, else by
    /// the phone's clock: what new work is dated by.
    pub fn now(&self) -> DateTime<Utc> {
        self.work_now().at
    }

    /// Today in Vietnam, by `now`.
    pub fn today(&self) -> NaiveDate {
        self.work_now().today()
    }

    /// The clock's offset and, when it is off by more than five minutes,
    /// what to tell the member.
    pub fn clock_status(&self) -> ClockStatus {
        let offset_ms = self.clock_offset_ms();
        ClockStatus {
            offset_ms,
            warning: offset_ms.and_then(gocua_core::skew::warning_vi),
        }
    }

    /// The server said its time was `server_ms` just now: keep the offset.
    pub fn note_server_time(&mut self, server_ms: i64) -> Result<(), StoreError> {
        let checked_at_ms = self.device_ms();
        let skew = Skew {
            offset_ms: server_ms.saturating_sub(checked_at_ms),
            checked_at_ms,
        };
        self.conn.execute(
            "UPDATE sync_state SET clock_offset_ms = ?1, clock_checked_at_ms = ?2
             WHERE singleton = 1",
            params![skew.offset_ms, skew.checked_at_ms],
        )?;
        self.skew = Some(skew);
        Ok(())
    }

    /// Bring the clock back within the server's time plus the allowed lead,
    /// re-stamping what was stamped ahead, and queue again every change the
    /// server refused as `clock_ahead` (see the module comment), in one
    /// transaction. Returns how many changes were re-stamped or queued
    /// again; nothing is done while the device does not know the server's
    /// time.
    pub fn fix_clock(&mut self) -> Result<usize, StoreError> {
        let now = self.work_now();
        if !now.known {
            return Ok(0);
        }
        let clock = self.clock.as_mut().ok_or(StoreError::NotInitialised)?;
        let mut draft = clock.clone();
        let tx = self.conn.transaction()?;
        let n = fix_in(&tx, &mut draft, now.ms())?;
        tx.execute(
            "UPDATE device SET last_hlc = ?1 WHERE singleton = 1",
            params![draft.current().to_string()],
        )?;
        tx.commit()?;
        *clock = draft;
        Ok(n)
    }
}

/// Whether `clock` runs past what the server takes, at corrected `now_ms`.
pub(crate) fn runs_ahead(clock: &HlcClock, now_ms: u64) -> bool {
    clock.current().wall_ms > now_ms.saturating_add(MAX_STAMP_LEAD_MS)
}

/// A change refused as `clock_ahead`, held in the quarantine.
struct Held {
    id: i64,
    change: Change,
}

/// `Store::fix_clock` inside the caller's transaction, with `now_ms` the
/// corrected time. The clock is left past every stamp it issues here.
pub(crate) fn fix_in(
    tx: &Connection,
    clock: &mut HlcClock,
    now_ms: u64,
) -> Result<usize, StoreError> {
    let bound = now_ms.saturating_add(MAX_STAMP_LEAD_MS);
    // A stamp's text starts with its wall time, fixed width: it sorts after
    // this exactly when its wall time is past the bound.
    let past = format!("{:015}", bound.saturating_add(1));
    let mut ahead: Vec<(Hlc, EntityKind, Uuid)> = Vec::new();
    {
        let mut stmt =
            tx.prepare("SELECT hlc, entity, entity_id FROM outbox WHERE hlc >= ?1 ORDER BY hlc")?;
        let rows = stmt.query_map(params![past], |r| {
            Ok((
                rows::col::<Hlc>(r, 0)?,
                r.get::<_, String>(1)?,
                rows::col::<Uuid>(r, 2)?,
            ))
        })?;
        for row in rows {
            let (hlc, entity, id) = row?;
            let entity = EntityKind::parse(&entity)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown entity {entity}")))?;
            ahead.push((hlc, entity, id));
        }
    }
    let held = held_for_clock(tx)?;
    if ahead.is_empty() && held.is_empty() && clock.current().wall_ms <= bound {
        return Ok(0);
    }
    ahead.extend(
        held.iter()
            .filter(|h| h.change.hlc.wall_ms > bound)
            .map(|h| (h.change.hlc, h.change.entity, h.change.entity_id)),
    );
    ahead.sort_by_key(|(hlc, _, _)| *hlc);
    if clock.current().wall_ms > bound {
        // Start again from now, yet after every unsent stamp kept as it is.
        let kept_outbox: Option<Hlc> = tx
            .query_row(
                "SELECT max(hlc) FROM outbox WHERE hlc < ?1",
                params![past],
                |r| rows::opt_col::<Hlc>(r, 0),
            )
            .optional()?
            .flatten();
        let kept_held = held
            .iter()
            .map(|h| h.change.hlc)
            .filter(|h| h.wall_ms <= bound)
            .max();
        clock.restart(now_ms);
        if let Some(kept) = kept_outbox.max(kept_held)
            && kept > clock.current()
        {
            *clock = HlcClock::resume(Hlc {
                device: clock.device(),
                ..kept
            });
        }
    }
    for (old, entity, entity_id) in &ahead {
        let new = clock.tick(now_ms);
        restamp(tx, *old, new, *entity, *entity_id)?;
    }
    let requeued = requeue_held(tx, &held)?;
    Ok(ahead.len() + requeued)
}

/// The pushed changes held for `clock_ahead`, oldest stamp first.
fn held_for_clock(tx: &Connection) -> Result<Vec<Held>, StoreError> {
    let mut stmt = tx.prepare(
        "SELECT id, change FROM quarantine
         WHERE direction = 'pushed' AND code = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map(params![CLOCK_AHEAD], |r| {
        Ok(Held {
            id: r.get(0)?,
            change: rows::json_col(r, 1)?,
        })
    })?;
    let mut held: Vec<Held> = rows.collect::<Result<_, _>>()?;
    held.sort_by_key(|h| h.change.hlc);
    Ok(held)
}

/// Give the change stamped `old` the stamp `new` wherever the device holds
/// it: its outbox row or quarantined copy, the bases of later edits of the
/// same record, the record's field stamps, and the conflict log. A stamp's
/// text is unique (it ends with the device id) and quoted in JSON.
fn restamp(
    tx: &Connection,
    old: Hlc,
    new: Hlc,
    entity: EntityKind,
    entity_id: Uuid,
) -> Result<(), StoreError> {
    let (old, new) = (old.to_string(), new.to_string());
    let (old_q, new_q) = (format!("\"{old}\""), format!("\"{new}\""));
    let id = entity_id.to_string();
    tx.execute(
        "UPDATE outbox SET hlc = ?2 WHERE hlc = ?1",
        params![old, new],
    )?;
    tx.execute(
        "UPDATE outbox SET base = replace(base, ?2, ?3)
         WHERE entity_id = ?1 AND instr(base, ?2) > 0",
        params![id, old_q, new_q],
    )?;
    tx.execute(
        "UPDATE quarantine SET change = replace(change, ?2, ?3)
         WHERE entity_id = ?1 AND instr(change, ?2) > 0",
        params![id, old_q, new_q],
    )?;
    let table = match entity {
        EntityKind::Household => Some("households"),
        EntityKind::Resident => Some("residents"),
        EntityKind::ReviewMark => Some("review_marks"),
        // Facts keep no field stamps.
        EntityKind::Visit | EntityKind::AssistedAction => None,
    };
    if let Some(table) = table {
        tx.execute(
            &format!(
                "UPDATE {table} SET field_hlcs = replace(field_hlcs, ?2, ?3)
                 WHERE id = ?1 AND instr(field_hlcs, ?2) > 0"
            ),
            params![id, old_q, new_q],
        )?;
    }
    tx.execute(
        "UPDATE conflicts SET kept_hlc = ?2 WHERE kept_hlc = ?1",
        params![old, new],
    )?;
    tx.execute(
        "UPDATE conflicts SET lost_hlc = ?2 WHERE lost_hlc = ?1",
        params![old, new],
    )?;
    Ok(())
}

/// Move the held changes (as re-stamped) back to the outbox, ahead of what
/// waits there: they were written before it, and later changes may need
/// them (a resident needs its household). Returns how many moved.
fn requeue_held(tx: &Connection, held: &[Held]) -> Result<usize, StoreError> {
    if held.is_empty() {
        return Ok(0);
    }
    let first: Option<i64> = tx.query_row("SELECT min(seq) FROM outbox", [], |r| r.get(0))?;
    let n = i64::try_from(held.len()).unwrap_or(i64::MAX);
    for (i, h) in held.iter().enumerate() {
        // Read again: `restamp` may have rewritten it.
        let change: Change = tx.query_row(
            "SELECT change FROM quarantine WHERE id = ?1",
            params![h.id],
            |r| rows::json_col(r, 0),
        )?;
        let seq = first.map(|f| f - n + i64::try_from(i).unwrap_or(0));
        let fields = serde_json::to_string(&change.fields)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let base =
            serde_json::to_string(&change.base).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        tx.execute(
            "INSERT INTO outbox (seq, change_id, entity, entity_id, hlc, fields, base)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (change_id) DO NOTHING",
            params![
                seq,
                change.id.to_string(),
                change.entity.as_str(),
                change.entity_id.to_string(),
                change.hlc.to_string(),
                fields,
                base
            ],
        )?;
        tx.execute("DELETE FROM quarantine WHERE id = ?1", params![h.id])?;
    }
    Ok(held.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 24 * 3600 * 1000;

    #[test]
    fn an_offset_holds_until_the_phones_clock_is_set() {
        // Two days fast: holds as time goes on, not once set back.
        let fast = Skew {
            offset_ms: -2 * DAY,
            checked_at_ms: 1_000 * DAY,
        };
        assert_eq!(fast.holds_at(1_000 * DAY + 3_600_000), Some(-2 * DAY));
        assert_eq!(fast.holds_at(998 * DAY + 3_600_000), None);
        // Sixteen years slow: holds for hours, not once set forward.
        let slow = Skew {
            offset_ms: 16 * 365 * DAY,
            checked_at_ms: 100 * DAY,
        };
        assert_eq!(slow.holds_at(100 * DAY + 3_600_000), Some(16 * 365 * DAY));
        assert_eq!(slow.holds_at(100 * DAY + 16 * 365 * DAY + 60_000), None);
        // A small offset never expires by the clock moving on.
        let right = Skew {
            offset_ms: 2_000,
            checked_at_ms: 0,
        };
        assert_eq!(right.holds_at(400 * DAY), Some(2_000));
    }
}
