//! The report projector: after a commune's pushes commit, its report tables
//! catch up in the background (`CentralDb::catch_up_reports`), so a push
//! only judges and keeps its changes, and the first report after a burst
//! finds little left to do. Reports never depend on it for being right:
//! each catches up to the end of the log first (gocua_device's
//! `report_catch_up.rs`); this only takes that work off their path and off
//! the pushes'.
//!
//! When: once the commune's pushes have paused for `QUIET` (a burst is then
//! projected in a few big batches, which share the recomputations of a
//! household's or a visit's many changes, rather than in one small batch
//! per push), and under steady load one batch at least every `MAX_LAG`.
//! Each batch is one `REPORT_BATCH`-change transaction. On SQLite it takes
//! its turn at the one writing connection like any request, so a push
//! never waits long behind it; on PostgreSQL it holds only the commune's
//! report lock, not the one pushes take, and runs beside them.

use crate::app::AppState;
use gocua_central::REPORT_BATCH;
use gocua_core::CommuneId;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long a commune's pushes must pause before its projection catches up.
const QUIET: Duration = Duration::from_millis(300);
/// How long a commune's projection may wait under steady load. Long
/// enough that a burst (a whole team syncing at the office at once) is
/// answered first: on the same cores the projection slows every push of
/// the burst (with 3 s, 200 devices' p99 on PostgreSQL went from 0.75 s to
/// 0.8–1.0 s). Reports do not wait for it: each catches up first.
const MAX_LAG: Duration = Duration::from_secs(10);

/// Communes with changes not yet projected (each has one task catching it
/// up).
#[derive(Default)]
pub struct Projector {
    pending: Mutex<HashMap<CommuneId, Pending>>,
}

struct Pending {
    last_push: Instant,
    /// Since when changes have been waiting.
    since: Instant,
}

impl Projector {
    fn lock(&self) -> MutexGuard<'_, HashMap<CommuneId, Pending>> {
        // The map is sound after a panic elsewhere: every update is one
        // insert, remove or field store.
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A push of `commune` committed new changes: make sure a catch-up follows.
pub fn pushed(state: &AppState, commune: CommuneId) {
    let now = Instant::now();
    let mut pending = state.projector.lock();
    match pending.get_mut(&commune) {
        Some(p) => p.last_push = now,
        None => {
            pending.insert(
                commune,
                Pending {
                    last_push: now,
                    since: now,
                },
            );
            tokio::spawn(catch_up(state.clone(), commune));
        }
    }
}

/// Catch `commune` up, batch by batch, until no push came during the last
/// batch; then forget it (the next push starts another task).
async fn catch_up(state: AppState, commune: CommuneId) {
    loop {
        let due = {
            let pending = state.projector.lock();
            let Some(p) = pending.get(&commune) else {
                return;
            };
            (p.last_push + QUIET).min(p.since + MAX_LAG)
        };
        if due > Instant::now() {
            tokio::time::sleep_until(due.into()).await;
            continue;
        }
        let started = Instant::now();
        let result = state
            .db(move |db| db.catch_up_reports(commune, REPORT_BATCH))
            .await;
        let mut pending = state.projector.lock();
        let Some(p) = pending.get_mut(&commune) else {
            return;
        };
        match result {
            // Caught up with every push that committed before this batch.
            Ok(n) if n < REPORT_BATCH && p.last_push < started => {
                pending.remove(&commune);
                return;
            }
            Ok(_) => p.since = started,
            Err(e) => {
                // Reports catch up for themselves; the next push retries.
                tracing::warn!(%commune, error = ?e, "report projection");
                pending.remove(&commune);
                return;
            }
        }
    }
}
