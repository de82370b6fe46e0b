//! The phone budget (issue 17): the bench's measures again, on the parent's
//! file, in a child process (this same executable) held to 0.25 of a core
//! by a cgroup CPU quota: cgroup v2's `cpu.max` "25000 100000" where the
//! unified hierarchy has the cpu controller, else cgroup v1's CFS quota
//! (hybrid hosts). Needs root; where no cgroup can be made it says so and
//! why, and the run is skipped.

use std::path::{Path, PathBuf};
use std::process::Command;

const QUOTA_US: u64 = 25_000;
const PERIOD_US: u64 = 100_000;
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

/// A cgroup made for the run; removed (once empty) when dropped.
struct Cgroup {
    dir: PathBuf,
    how: String,
}

impl Drop for Cgroup {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir(&self.dir) {
            println!("  (could not remove {}: {e})", self.dir.display());
        }
    }
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("writing {text:?} to {}: {e}", path.display()))
}

fn make_dir(dir: &Path) -> Result<(), String> {
    std::fs::create_dir(dir).map_err(|e| format!("creating {}: {e}", dir.display()))
}

/// cgroup v2: a child of the unified root with the cpu controller.
fn try_v2(root: &Path, name: &str) -> Result<Cgroup, String> {
    let controllers = std::fs::read_to_string(root.join("cgroup.controllers"))
        .map_err(|e| format!("{}/cgroup.controllers: {e}", root.display()))?;
    if !controllers.split_whitespace().any(|c| c == "cpu") {
        return Err(format!("no cpu controller in {}", root.display()));
    }
    let subtree = root.join("cgroup.subtree_control");
    let enabled = std::fs::read_to_string(&subtree).unwrap_or_default();
    if !enabled.split_whitespace().any(|c| c == "cpu") {
        write(&subtree, "+cpu")?;
    }
    let dir = root.join(name);
    make_dir(&dir)?;
    let cgroup = Cgroup {
        how: format!(
            "cgroup v2 {}/cpu.max \"{QUOTA_US} {PERIOD_US}\"",
            dir.display()
        ),
        dir,
    };
    write(
        &cgroup.dir.join("cpu.max"),
        &format!("{QUOTA_US} {PERIOD_US}"),
    )?;
    Ok(cgroup)
}

/// cgroup v1: a child of the cpu hierarchy with a CFS quota.
fn try_v1(root: &Path, name: &str) -> Result<Cgroup, String> {
    if !root.join("cpu.cfs_quota_us").exists() {
        return Err(format!("no cpu hierarchy at {}", root.display()));
    }
    let dir = root.join(name);
    make_dir(&dir)?;
    let cgroup = Cgroup {
        how: format!(
            "cgroup v1 {}: cpu.cfs_quota_us {QUOTA_US} per cpu.cfs_period_us {PERIOD_US}",
            dir.display()
        ),
        dir,
    };
    write(
        &cgroup.dir.join("cpu.cfs_period_us"),
        &PERIOD_US.to_string(),
    )?;
    write(&cgroup.dir.join("cpu.cfs_quota_us"), &QUOTA_US.to_string())?;
    Ok(cgroup)
}

fn make_cgroup() -> Result<Cgroup, String> {
    let name = format!("gocua-store-bench-{}", std::process::id());
    let v2 = try_v2(Path::new("/sys/fs/cgroup"), &name);
    let v2_err = match v2 {
        Ok(c) => return Ok(c),
        Err(e) => e,
    };
    try_v1(Path::new("/sys/fs/cgroup/cpu"), &name)
        .map_err(|v1_err| format!("cgroup v2: {v2_err}; cgroup v1: {v1_err}"))
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
    let cgroup = match make_cgroup() {
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
