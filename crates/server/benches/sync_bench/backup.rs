//! Measure 5: `admin backup` taken while devices push (issue 14). The same
//! devices push new work once alone, then again and again for as long as a
//! backup of the whole database started with them lasts. Figures: the
//! backup's time and size, and the devices' p99 without and with it.

use crate::data::{self, Household};
use crate::devices::{self, Crowd};
use crate::net::{Device, Place};
use anyhow::{Context, Result, ensure};
use gocua_core::{Change, MemberId, VillageId};
use std::time::{Duration, Instant};

pub struct BackupRun {
    pub took: Duration,
    pub bytes: u64,
}

pub struct Outcome {
    pub alone: Crowd,
    pub with_backup: Crowd,
    pub backup: BackupRun,
}

/// Each device's batches: households copied as new records (fresh ids),
/// moved to the device's village, `batch` changes a push, `rounds` pushes.
/// Every call makes new records, so runs never push the same twice.
pub fn work(
    households: &[Household],
    members: &[(MemberId, VillageId)],
    devices: &[Device],
    batch: usize,
    rounds: usize,
) -> Result<Vec<Vec<Vec<Change>>>> {
    ensure!(!households.is_empty(), "no households to copy");
    let need = (batch * rounds).div_ceil(20).max(1);
    devices
        .iter()
        .zip(members)
        .enumerate()
        .map(|(i, (device, (member, village)))| {
            let mut mine: Vec<Household> = (0..need)
                .map(|k| households[(i * need + k) % households.len()].clone())
                .collect();
            for h in &mut mine {
                data::move_to(h, *village)?;
            }
            let changes = data::fresh_copy(&mine, device.id, *member);
            Ok(changes
                .chunks(batch)
                .take(rounds)
                .map(<[Change]>::to_vec)
                .collect())
        })
        .collect()
}

/// Most crowd runs while the backup goes on (each a few seconds at most).
const MAX_RUNS: usize = 300;

/// The crowd alone once, then the crowd again and again (new work each
/// time, `work(run)`) for as long as a backup started with it lasts.
/// `cursor_after(c)` is the end of the log seen from `c`, so that each run
/// pulls only what came since the last.
pub fn measure(
    place: &Place,
    devices: &[Device],
    work: &dyn Fn(usize) -> Result<Vec<Vec<Vec<Change>>>>,
    cursor_after: &dyn Fn(i64) -> Result<i64>,
    cursor: i64,
) -> Result<Outcome> {
    let alone = devices::run(devices, &work(0)?, cursor);
    let mut cursor = cursor_after(cursor)?;
    let file = place.scratch_file("sao-luu.db");
    let mut cmd = place.admin_command();
    cmd.args(["--json", "backup", "--to"]).arg(&file);
    std::thread::scope(|s| {
        let backup = s.spawn(move || -> Result<BackupRun> {
            let t = Instant::now();
            let out = cmd.output().context("running admin backup")?;
            let took = t.elapsed();
            ensure!(
                out.status.success(),
                "admin backup failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let bytes = std::fs::metadata(&file)?.len();
            Ok(BackupRun { took, bytes })
        });
        let mut with_backup = Crowd::default();
        let started = Instant::now();
        for run in 1..=MAX_RUNS {
            with_backup.add(devices::run(devices, &work(run)?, cursor));
            cursor = cursor_after(cursor)?;
            if backup.is_finished() {
                break;
            }
        }
        with_backup.elapsed = started.elapsed();
        let backup = backup
            .join()
            .map_err(|_| anyhow::anyhow!("the backup thread panicked"))??;
        Ok(Outcome {
            alone,
            with_backup,
            backup,
        })
    })
}
