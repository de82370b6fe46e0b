//! Report benchmark (figures, not a test):
//! `cargo bench -p gocua-server --bench report_bench`.
//!
//! 1. SQLite: one commune of 6,500 households / 25,000 residents / 150,000
//!    actions pushed through the server's own push (the projection keeps
//!    the report tables as it would for devices), then every report timed.
//!    Goal: the commune dashboard < 100 ms.
//! 2. PostgreSQL (GOCUA_TEST_PG_URL; a scratch schema, dropped after): a
//!    province of 4,000,000 residents / 20,000,000 actions in 160 communes,
//!    generated in the database with generate_series straight into the
//!    records and report tables (`central::synthetic_province`), then one
//!    commune's reports timed. Goal: its dashboard < 200 ms.
//!
//! Knobs (environment): GOCUA_REPORT_BENCH_SCALE=0.1 scales both down for
//! a smoke run; GOCUA_REPORT_BENCH_RUNS (20); GOCUA_REPORT_BENCH_PG=0 skips
//! PostgreSQL; GOCUA_REPORT_BENCH_PG_COMMUNES (160) sets the province's
//! size at 25k residents and 125k actions a commune; GOCUA_REPORT_BENCH_KEEP
//! keeps what was generated (SQLite: in that folder; PostgreSQL: the schema,
//! measured again with GOCUA_REPORT_BENCH_PG_SCHEMA=its name). Exits 0 when it could
//! measure; the table marks each goal.

#[path = "report_bench/pg.rs"]
mod pg;
#[path = "report_bench/sqlite.rs"]
mod sqlite;

use anyhow::Result;
use chrono::NaiveDate;
use gocua_central::CentralDb;
use std::time::Instant;

pub struct Knobs {
    pub scale: f64,
    pub households: usize,
    pub residents: usize,
    pub actions: usize,
    pub runs: usize,
    pub pg_url: Option<String>,
    pub pg_communes: usize,
}

impl Knobs {
    fn from_env() -> Knobs {
        let var = |n: &str| std::env::var(format!("GOCUA_REPORT_BENCH_{n}")).ok();
        let scale: f64 = var("SCALE").and_then(|s| s.parse().ok()).unwrap_or(1.0);
        let scaled = |n: f64| ((n * scale) as usize).max(10);
        let pg = var("PG").is_none_or(|v| v != "0");
        Knobs {
            scale,
            households: scaled(6_500.0),
            residents: scaled(25_000.0),
            actions: scaled(150_000.0),
            runs: var("RUNS").and_then(|s| s.parse().ok()).unwrap_or(20),
            pg_url: std::env::var("GOCUA_TEST_PG_URL")
                .ok()
                .filter(|u| pg && !u.is_empty()),
            pg_communes: var("PG_COMMUNES")
                .and_then(|s| s.parse().ok())
                .unwrap_or(((160.0 * scale) as usize).max(2)),
        }
    }
}

/// xorshift64*: the same data every run.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
}

pub struct Timing {
    pub what: String,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub goal_ms: Option<f64>,
}

/// Run `f` `runs` times; p50 and p95 in milliseconds.
pub fn time(
    what: &str,
    goal_ms: Option<f64>,
    runs: usize,
    mut f: impl FnMut() -> Result<(), gocua_central::CentralError>,
) -> Result<Timing> {
    let mut ms = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        f()?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    Ok(Timing {
        what: what.to_string(),
        p50_ms: at(0.5),
        p95_ms: at(0.95),
        goal_ms,
    })
}

fn print(title: &str, rows: &[Timing]) {
    println!("\n{title}");
    println!(
        "{:<44} {:>9} {:>9}   goal (p95)",
        "measure", "p50 ms", "p95 ms"
    );
    for r in rows {
        let goal = match r.goal_ms {
            Some(g) if r.p95_ms < g => format!("< {g} ms  PASS"),
            Some(g) => format!("< {g} ms  MISS"),
            None => String::new(),
        };
        println!(
            "{:<44} {:>9.1} {:>9.1}   {goal}",
            r.what, r.p50_ms, r.p95_ms
        );
    }
}

pub fn load() -> String {
    std::process::Command::new("uptime")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|_| "uptime: unavailable".into())
}

fn sqlite_part(k: &Knobs, today: NaiveDate) -> Result<()> {
    let dir = tempfile::TempDir::new()?;
    // GOCUA_REPORT_BENCH_KEEP=DIR keeps the generated database there, and
    // measures the one already there without generating it again.
    let folder = std::env::var("GOCUA_REPORT_BENCH_KEEP")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| dir.path().to_path_buf());
    std::fs::create_dir_all(&folder)?;
    let file = folder.join("central.db");
    if file.exists() {
        // A kept database is measured again as it is (for profiling the
        // reports without generating the commune each time).
        let db = CentralDb::open(&file, &bench_key())?;
        let commune = db
            .communes()?
            .first()
            .map(|c| c.id)
            .ok_or_else(|| anyhow::anyhow!("{} holds no commune", file.display()))?;
        println!("SQLite: measuring the kept {}", file.display());
        let rows = sqlite::measure(&db, commune, today, k, 100.0)?;
        print("SQLite, one commune", &rows);
        return Ok(());
    }
    let db = CentralDb::open(&file, &bench_key())?;
    let (commune, secs, changes) = sqlite::generate(&db, k, today)?;
    // The report tables follow the change log: project it all now, timed.
    let t = std::time::Instant::now();
    while db.catch_up_reports(commune, gocua_central::REPORT_BATCH)? == gocua_central::REPORT_BATCH
    {
    }
    let projected = t.elapsed().as_secs_f64();
    println!(
        "SQLite: {} households, {} residents, {} actions: {changes} changes pushed in {secs:.1} s \
         ({:.0} changes/s), report tables projected from them in {projected:.1} s \
         ({:.0} changes/s; both: {:.0} changes/s)",
        k.households,
        k.residents,
        k.actions,
        changes as f64 / secs,
        changes as f64 / projected,
        changes as f64 / (secs + projected)
    );
    let size: u64 = std::fs::read_dir(&folder)?
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    println!("SQLite file with WAL: {:.0} MB", size as f64 / 1e6);
    let rows = sqlite::measure(&db, commune, today, k, 100.0)?;
    print("SQLite, one commune", &rows);
    drop(db);

    Ok(())
}

fn main() -> Result<()> {
    let k = Knobs::from_env();
    println!(
        "Gõ Cửa report benchmark{}",
        if k.scale < 1.0 {
            format!(" — scaled ×{} (not the issue's sizes)", k.scale)
        } else {
            String::new()
        }
    );
    println!("load at start: {}", load());
    // A fixed "today" late in the year, so the year's work is behind it.
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default();

    if std::env::var("GOCUA_REPORT_BENCH_SQLITE").is_ok_and(|v| v == "0") {
        println!("SQLite: skipped (GOCUA_REPORT_BENCH_SQLITE=0)");
    } else {
        sqlite_part(&k, today)?;
    }
    match &k.pg_url {
        None => println!(
            "\nPostgreSQL: GOCUA_TEST_PG_URL is not set (or GOCUA_REPORT_BENCH_PG=0): the \
             province figures were not measured."
        ),
        Some(url) => {
            let (rows, communes) = pg::run(url, &k, today)?;
            let title = format!(
                "PostgreSQL, one commune of a province of {communes} communes{}",
                if communes < 160 {
                    " (scaled down: not the issue's 160)"
                } else {
                    ""
                }
            );
            print(&title, &rows);
        }
    }
    println!("\nload at end: {}", load());
    Ok(())
}

/// The benchmark's server key: fixed, so that a kept database
/// (GOCUA_REPORT_BENCH_KEEP) opens again; encrypted as a real server's is.
fn bench_key() -> gocua_central::ServerKey {
    gocua_central::ServerKey::from_bytes([0x42; 32])
}
