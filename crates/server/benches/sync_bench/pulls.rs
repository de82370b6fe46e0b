//! Measures 2 and 3: a village's first pull (time, bytes on the wire), and
//! the incremental pull of a few new changes on a small and a big server.

use crate::data::{Household, fresh_copy};
use crate::net::{CountingRelay, Device, Place};
use anyhow::{Result, ensure};
use gocua_central::{ApplyResult, CentralDb, DeviceAuth};
use std::path::Path;
use std::time::{Duration, Instant};
use uuid::Uuid;

pub struct FirstPull {
    pub elapsed: Duration,
    pub changes: usize,
    pub pages: usize,
    /// Response bodies as the client read them (decompressed).
    pub body_bytes: usize,
    /// Server → client bytes on the wire (TLS records: headers, bodies,
    /// handshake).
    pub wire_down: u64,
    pub wire_up: u64,
}

/// Pull everything from cursor 0, `limit` a page, through `relay`.
pub fn first_pull(device: &Device, relay: &CountingRelay, limit: u32) -> Result<FirstPull> {
    relay.take();
    let t = Instant::now();
    let (mut after, mut changes, mut pages, mut body_bytes) = (0, 0, 0, 0);
    loop {
        let (page, bytes) = device.pull(after, limit)?;
        changes += page.changes.len();
        pages += 1;
        body_bytes += bytes;
        after = page.cursor;
        if !page.more {
            break;
        }
    }
    let elapsed = t.elapsed();
    let (wire_down, wire_up) = relay.take();
    Ok(FirstPull {
        elapsed,
        changes,
        pages,
        body_bytes,
        wire_down,
        wire_up,
    })
}

/// Rows pushed for real before the rest are copied: the push path takes
/// 0.3 ms (SQLite) to 4 ms (PostgreSQL) of a busy core per change here, so
/// 1M would take hours.
const PUSHED: usize = 10_000;

/// Fill a server's database with `rows` accepted changes: the first
/// `PUSHED` in process through `CentralDb::push` (the server's own write
/// path, without HTTP; copies of `households` with fresh ids, 500 a
/// transaction), the rest copies of those `changes` rows with new change
/// and record ids (pull reads only `changes`). On PostgreSQL the table is
/// then analysed (small and big alike), as autovacuum keeps it on a server
/// in steady use.
pub fn fill(
    db: &CentralDb,
    auth: &DeviceAuth,
    households: &[Household],
    rows: usize,
    place: &Place,
) -> Result<()> {
    let pushed = rows.min(PUSHED);
    push_copies(db, auth, households, pushed)?;
    if let Some(url) = place.pg_url() {
        let config: postgres::Config = url.parse()?;
        let mut client = config.connect(postgres::NoTls)?;
        if rows > pushed {
            copy_rows_pg(&mut client, pushed, rows - pushed)?;
        }
        client.batch_execute("ANALYZE changes")?;
    } else if rows > pushed {
        copy_rows_sqlite(&place.sqlite_file(), place.key(), pushed, rows - pushed)?;
    }
    Ok(())
}

/// As `copy_rows_pg`, on the SQLite file (ids made here: SQLite has no
/// UUID function), 50,000 rows a transaction so the WAL stays small.
fn copy_rows_sqlite(
    path: &Path,
    key: &gocua_central::ServerKey,
    base: usize,
    extra: usize,
) -> Result<()> {
    let mut conn = rusqlite::Connection::open(path)?;
    conn.pragma_update(None, "key", key.sqlcipher_pragma())?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    let rows: Vec<Vec<String>> = conn
        .prepare(
            "SELECT commune_id, village_id, entity, hlc, fields, base, device_id, received_at
             FROM changes WHERE seq <= ?1 ORDER BY seq",
        )?
        .query_map([base as i64], |r| (0..8).map(|i| r.get(i)).collect())?
        .collect::<Result<_, _>>()?;
    ensure!(!rows.is_empty(), "nothing to copy");
    let mut copies = rows.iter().cycle().take(extra).peekable();
    while copies.peek().is_some() {
        let tx = conn.transaction()?;
        {
            let mut insert = tx.prepare(
                "INSERT INTO changes (change_id, commune_id, village_id, entity, entity_id, hlc,
                                      fields, base, device_id, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?;
            for r in copies.by_ref().take(50_000) {
                let ids = (Uuid::now_v7().to_string(), Uuid::now_v7().to_string());
                insert.execute(rusqlite::params![
                    ids.0, r[0], r[1], r[2], ids.1, r[3], r[4], r[5], r[6], r[7]
                ])?;
            }
        }
        tx.commit()?;
    }
    Ok(())
}

/// Append `extra` copies of the first `base` change rows, round after
/// round in seq order, with new change and record ids.
fn copy_rows_pg(client: &mut postgres::Client, base: usize, extra: usize) -> Result<()> {
    let rounds = extra.div_ceil(base) as i32;
    let n = client.execute(
        "INSERT INTO changes (change_id, commune_id, village_id, entity, entity_id, hlc,
                              fields, base, device_id, received_at)
         SELECT gen_random_uuid()::TEXT, c.commune_id, c.village_id, c.entity,
                gen_random_uuid()::TEXT, c.hlc, c.fields, c.base, c.device_id, c.received_at
         FROM generate_series(1, $1) g CROSS JOIN changes c
         WHERE c.seq <= $2
         ORDER BY g, c.seq
         LIMIT $3",
        &[&rounds, &(base as i64), &(extra as i64)],
    )?;
    ensure!(n as usize == extra, "copied {n} of {extra} rows");
    Ok(())
}

fn push_copies(
    db: &CentralDb,
    auth: &DeviceAuth,
    households: &[Household],
    rows: usize,
) -> Result<()> {
    let mut done = 0;
    while done < rows {
        let copy = fresh_copy(households, auth.device_id, auth.member.id);
        for chunk in copy.chunks(500) {
            let chunk = &chunk[..chunk.len().min(rows - done)];
            if chunk.is_empty() {
                break;
            }
            let results = db.push(auth, chunk)?;
            let refused = results
                .iter()
                .filter(|(_, r)| !matches!(r, ApplyResult::Applied))
                .count();
            ensure!(refused == 0, "filling: {refused} changes not applied");
            done += chunk.len();
        }
    }
    Ok(())
}

/// Median milliseconds of `n` pulls after `after` on each server in turn
/// (alternating, so a busy moment on the machine hits both alike); each
/// pull must return `expect` changes.
pub fn incremental(pullers: &[(&Device, i64)], n: usize, expect: usize) -> Result<Vec<f64>> {
    let mut ms: Vec<Vec<f64>> = vec![Vec::with_capacity(n); pullers.len()];
    for i in 0..n + 5 {
        for (k, (device, after)) in pullers.iter().enumerate() {
            let t = Instant::now();
            let (page, _) = device.pull(*after, 1000)?;
            let took = t.elapsed().as_secs_f64() * 1e3;
            ensure!(
                page.changes.len() == expect && !page.more,
                "incremental pull returned {} changes",
                page.changes.len()
            );
            // The first few warm the connection and caches.
            if i >= 5 {
                ms[k].push(took);
            }
        }
    }
    Ok(ms.iter_mut().map(|v| percentile(v, 0.5)).collect())
}

/// The `q` quantile (nearest rank) of `v`, sorted in place.
pub fn percentile(v: &mut [f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let rank = ((v.len() as f64 * q).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}
