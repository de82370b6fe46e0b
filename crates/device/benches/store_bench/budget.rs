//! The phone budget (issue 17): the bench's measures again, on the parent's
//! file, in a child process (this same executable) held to 0.25 of a core
//! by a cgroup CPU quota: cgroup v2's `cpu.max` "25000 100000" where the
//! unified hierarchy has the cpu controller, else cgroup v1's CFS quota
//! (hybrid hosts). Needs root; where no cgroup can be made it says so and
//! why, and the run is skipped.

use crate::cgroup::{PERIOD_US, QUOTA_US, make_cgroup, write};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Set on the child: the database to measure, and the cgroup to join.
const DB_ENV: &str = "GOCUA_BENCH_BUDGET_DB";
const CGROUP_ENV: &str = "GOCUA_BENCH_BUDGET_CGROUP";

/// What the parent hands the child.
pub struct Child {
    db: PathBuf,
    cgroup: PathBuf,
}

/// `Some` when this process is the budget child.
pub fn child_args() -> Option<Child> {
    Some(Child {
        db: std::env::var_os(DB_ENV)?.into(),
        cgroup: std::env::var_os(CGROUP_ENV)?.into(),
    })
}

/// Run the measures again at 0.25 core, on `db` (which no one else has
/// open), and print the child's table; or say why it was skipped.
pub fn run(db: &Path) {
    println!(
        "\nPhone budget: the same measures at 0.25 core (CPU quota {QUOTA_US} µs per \
         {PERIOD_US} µs)"
    );
    if std::env::var("GOCUA_BENCH_BUDGET").as_deref() == Ok("0") {
        println!("  SKIPPED: GOCUA_BENCH_BUDGET=0");
        return;
    }
    let cgroup = match make_cgroup("gocua-store-bench") {
        Ok(c) => c,
        Err(why) => {
            println!("  SKIPPED: no cgroup with a CPU quota could be made here ({why})");
            return;
        }
    };
    println!("  {}", cgroup.how);
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            println!("  SKIPPED: cannot find this benchmark's executable: {e}");
            return;
        }
    };
    let status = Command::new(exe)
        .env(DB_ENV, db)
        .env(CGROUP_ENV, &cgroup.dir)
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => println!("  the 0.25-core run FAILED: {s}"),
        Err(e) => println!("  the 0.25-core run could not start: {e}"),
    }
    // Proof the quota held the child: how often it was throttled.
    if let Ok(stat) = std::fs::read_to_string(cgroup.dir.join("cpu.stat")) {
        let line: Vec<&str> = stat
            .lines()
            .filter(|l| l.contains("throttled") || l.starts_with("usage_usec"))
            .collect();
        println!("  cgroup cpu.stat: {}", line.join(", "));
    }
}

/// The child: join the cgroup, then measure.
pub fn run_child(child: Child) {
    let me = std::process::id().to_string();
    if let Err(e) = write(&child.cgroup.join("cgroup.procs"), &me) {
        println!("  SKIPPED: could not join the cgroup: {e}");
        return;
    }
    let name = child
        .cgroup
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    let mine = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    if !name.is_some_and(|n| mine.contains(&n)) {
        println!("  SKIPPED: joined the cgroup, yet /proc/self/cgroup does not show it: {mine}");
        return;
    }
    let mut store = super::reopen_store(&child.db);
    let res = super::measure_all(&mut store, super::PHONE_BUDGET);
    println!(
        "\nSummary at 0.25 core (phone budget; goal: p95 below the figure; this process \
         in the cgroup)"
    );
    super::print_table(&res);
}
