//! Sync benchmark (figures, not a test):
//! `cargo bench -p gocua-server --bench sync_bench`.
//!
//! Everything real: the `gocua-server` binary on 127.0.0.1 over TLS, the
//! project's pinned HTTP client, SQLite files, and PostgreSQL when
//! GOCUA_TEST_PG_URL names a database (a scratch schema each; without it
//! the PostgreSQL figures are skipped with a note). The data is a demo
//! commune written through a real device store (Vietnamese names and
//! addresses; households, residents, visits and actions in the plans'
//! proportions) and taken from its outbox.
//!
//! 1. Ingest: ~100k changes pushed over HTTP in the client's batch size,
//!    against a plain rusqlite insert of the same `changes` + `records` rows
//!    in one transaction. Goal: ratio ≥ 0.25.
//! 2. First pull of a 1,000-household village (~4k residents, ~20k
//!    actions, ~9k visits) in the client's page size: time, and the bytes
//!    that cross the wire (counted by a TCP relay). Goal: < 2 s, < 2 MB.
//! 3. Incremental pull of 10 new changes with 10k and with 1M rows on the
//!    server (10k pushed in process through the server's own push, the
//!    rest copies of those rows): median over many pulls, alternating
//!    between the two servers. Goal: ≤ 1.2×.
//! 4. 200 enrolled devices syncing at once (each: a few rounds of a small
//!    push then pulls): p50/p99 per request, errors. Goal: p99 < 1 s, no
//!    errors; on SQLite and on PostgreSQL.
//!
//! 5. A backup (`admin backup`) started while 50 devices push: its time
//!    and size, and the devices' p99 without and with it (issue 14; run
//!    with GOCUA_BENCH_HOUSEHOLDS=6500 for a 25,000-resident commune).
//!
//! Knobs (environment): GOCUA_BENCH_QUICK=1 scales everything down for a
//! smoke run; GOCUA_BENCH_HOUSEHOLDS, _DEVICES, _BACKUP_DEVICES, _ROUNDS, _BATCH,
//! _BIG_ROWS, _SMALL_ROWS, _PULLS set one figure; GOCUA_BENCH_ONLY=1,3
//! runs only those measures; GOCUA_BENCH_PG=0 skips PostgreSQL.
//! Always exits 0 when it could measure; the table marks each goal.

#[path = "sync_bench/backup.rs"]
mod backup;
#[path = "sync_bench/data.rs"]
mod data;
#[path = "sync_bench/devices.rs"]
mod devices;
#[path = "sync_bench/ingest.rs"]
mod ingest;
#[path = "sync_bench/net.rs"]
mod net;
#[path = "sync_bench/pulls.rs"]
mod pulls;
#[path = "sync_bench/run.rs"]
mod run;
#[path = "sync_bench/table.rs"]
mod table;

use anyhow::Result;

/// What to run and how big.
pub struct Knobs {
    pub quick: bool,
    /// Households pushed in measure 1, spread over `VILLAGES` villages.
    pub households: usize,
    pub devices: usize,
    /// Devices pushing during measure 5's backup.
    pub backup_devices: usize,
    pub rounds: usize,
    /// Changes per device push in measure 4.
    pub batch: usize,
    pub small_rows: usize,
    pub big_rows: usize,
    pub pulls: usize,
    pub pg_url: Option<String>,
    only: Option<Vec<u32>>,
}

impl Knobs {
    fn from_env() -> Knobs {
        let quick = std::env::var("GOCUA_BENCH_QUICK").is_ok_and(|v| v != "0");
        let num = |name: &str, full: usize, small: usize| {
            std::env::var(format!("GOCUA_BENCH_{name}"))
                .ok()
                .and_then(|v| v.replace('_', "").parse().ok())
                .unwrap_or(if quick { small } else { full })
        };
        let pg = std::env::var("GOCUA_BENCH_PG").map_or(true, |v| v != "0");
        Knobs {
            quick,
            households: num("HOUSEHOLDS", 3000, 450),
            devices: num("DEVICES", 200, 20),
            backup_devices: num("BACKUP_DEVICES", 50, 10),
            rounds: num("ROUNDS", 5, 2),
            batch: num("BATCH", 20, 20),
            small_rows: num("SMALL_ROWS", 10_000, 10_000),
            big_rows: num("BIG_ROWS", 1_000_000, 60_000),
            pulls: num("PULLS", 300, 40),
            pg_url: std::env::var("GOCUA_TEST_PG_URL")
                .ok()
                .filter(|u| pg && !u.is_empty()),
            only: std::env::var("GOCUA_BENCH_ONLY")
                .ok()
                .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect()),
        }
    }

    pub fn runs(&self, measure: u32) -> bool {
        self.only.as_ref().is_none_or(|o| o.contains(&measure))
    }
}

/// The machine's load, as `uptime` prints it.
pub fn load() -> String {
    std::process::Command::new("uptime")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|_| "uptime: unavailable".into())
}

fn main() -> Result<()> {
    let knobs = Knobs::from_env();
    println!(
        "Gõ Cửa sync benchmark{}",
        if knobs.quick {
            " — QUICK (scaled down: not the issue's figures)"
        } else {
            ""
        }
    );
    println!("load at start: {}", load());
    let table = run::all(&knobs)?;
    println!("\nload at end: {}", load());
    println!();
    table.print();
    Ok(())
}
