//! Measure 5: `admin backup` taken while devices push (issue 14). The same
//! devices push the same amount of new work twice: once alone, once with a
//! backup of the whole database started with them. Figures: the backup's
//! time and size, and the devices' p99 without and with it.

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
/// `copy` picks which copy, so that two runs push different records.
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

/// The crowd alone, then the crowd with a backup started at the same time.
pub fn measure(
    place: &Place,
    devices: &[Device],
    alone: &[Vec<Vec<Change>>],
    with_backup: &[Vec<Vec<Change>>],
    cursor: i64,
) -> Result<Outcome> {
    let alone = devices::run(devices, alone, cursor);
    let file = place.scratch_file("sao-luu.db");
    let mut cmd = place.admin_command();
    cmd.args(["--json", "backup", "--to"]).arg(&file);
    let (backup, with_backup) = std::thread::scope(|s| {
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
        let crowd = devices::run(devices, with_backup, cursor);
        let backup = backup
            .join()
            .map_err(|_| anyhow::anyhow!("the backup thread panicked"))
            .and_then(|r| r);
        (backup, crowd)
    });
    Ok(Outcome {
        alone,
        with_backup,
        backup: backup?,
    })
}
