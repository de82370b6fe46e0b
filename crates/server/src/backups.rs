//! `serve --backup-dir DIR --backup-every 6h --backup-keep 14`: backups
//! taken by the server itself (`CentralDb::backup_to`, a checked encrypted
//! snapshot), the first at start, named by their time so that names sort
//! as times, the oldest removed beyond `keep`. A failed backup is logged
//! and kept in `BackupStatus`, which the office's dashboard shows.

use crate::app::AppState;
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Where, how often, how many.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub dir: PathBuf,
    pub every: Duration,
    pub keep: usize,
}

/// The last backup that worked and the last that failed, for the office.
#[derive(Debug, Clone, Default)]
pub struct BackupStatus {
    pub last_ok: Option<(DateTime<Utc>, PathBuf)>,
    pub last_failure: Option<(DateTime<Utc>, String)>,
}

impl BackupStatus {
    /// The failure, when it came after the last backup that worked.
    pub fn failing(&self) -> Option<&(DateTime<Utc>, String)> {
        match (&self.last_failure, &self.last_ok) {
            (Some(f), Some(ok)) if ok.0 > f.0 => None,
            (f, _) => f.as_ref(),
        }
    }
}

pub type SharedStatus = Arc<Mutex<BackupStatus>>;

/// `6h`, `30m`, `1d`, `45s`: a number and its unit.
pub fn parse_every(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text:?}: a number then s, m, h or d (e.g. 6h)"))?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(format!("{text:?}: a number then s, m, h or d (e.g. 6h)")),
    };
    if secs == 0 {
        return Err("the interval must be more than zero".into());
    }
    Ok(Duration::from_secs(secs))
}

/// Take backups on `schedule` for as long as the server runs.
pub fn spawn(state: AppState, schedule: Schedule, status: SharedStatus) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(schedule.every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            take_one(&state, &schedule, &status).await;
        }
    });
}

async fn take_one(state: &AppState, schedule: &Schedule, status: &SharedStatus) {
    let now = Utc::now();
    let file = schedule
        .dir
        .join(format!("central-{}.db", now.format("%Y%m%d-%H%M%S")));
    let target = file.clone();
    let taken = state.db_read(move |db| db.backup_to(&target)).await;
    let mut s = status.lock().unwrap_or_else(|e| e.into_inner());
    match taken {
        Ok(info) => {
            tracing::info!(file = %file.display(), bytes = info.bytes, seconds = info.took.as_secs_f64(), "backup taken");
            s.last_ok = Some((now, file));
            drop(s);
            if let Err(e) = rotate(&schedule.dir, schedule.keep) {
                tracing::error!(dir = %schedule.dir.display(), "removing old backups: {e}");
            }
        }
        Err(e) => {
            let (_, code, message) = e.parts();
            tracing::error!(file = %file.display(), code, "backup failed: {e:?}");
            s.last_failure = Some((now, message));
        }
    }
}

/// Keep the `keep` newest backups (by name, which is by time).
fn rotate(dir: &Path, keep: usize) -> std::io::Result<()> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("central-") && n.ends_with(".db"))
        })
        .collect();
    names.sort();
    let extra = names.len().saturating_sub(keep);
    for old in &names[..extra] {
        std::fs::remove_file(old)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_read_as_operators_write_them() {
        assert_eq!(parse_every("6h").unwrap(), Duration::from_secs(21_600));
        assert_eq!(parse_every("30m").unwrap(), Duration::from_secs(1_800));
        assert_eq!(parse_every("1d").unwrap(), Duration::from_secs(86_400));
        assert_eq!(parse_every("2s").unwrap(), Duration::from_secs(2));
        for bad in ["", "6", "h", "0h", "6 giờ", "-1h"] {
            assert!(parse_every(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_failure_shows_until_a_later_backup_works() {
        let t = |s| DateTime::from_timestamp(s, 0).unwrap();
        let mut s = BackupStatus {
            last_failure: Some((t(10), "đĩa đầy".into())),
            ..Default::default()
        };
        assert!(s.failing().is_some());
        s.last_ok = Some((t(5), PathBuf::new()));
        assert!(s.failing().is_some());
        s.last_ok = Some((t(20), PathBuf::new()));
        assert!(s.failing().is_none());
    }
}
