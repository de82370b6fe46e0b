//! A cgroup holding its processes to 0.25 of a core (a phone-class CPU
//! share): cgroup v2's `cpu.max` "25000 100000" where the unified hierarchy
//! has the cpu controller, else cgroup v1's CFS quota (hybrid hosts). Needs
//! root. Shared by the benches that measure at the phone budget
//! (`store_bench`'s `budget.rs`, `gocua-relay`'s `relay_bench`).

use std::path::{Path, PathBuf};

pub const QUOTA_US: u64 = 25_000;
pub const PERIOD_US: u64 = 100_000;

/// A cgroup made for the run; removed (once empty) when dropped.
pub struct Cgroup {
    pub dir: PathBuf,
    /// How the quota is set, for the report.
    pub how: String,
}

impl Drop for Cgroup {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir(&self.dir) {
            println!("  (could not remove {}: {e})", self.dir.display());
        }
    }
}

pub fn write(path: &Path, text: &str) -> Result<(), String> {
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

/// A new cgroup named `PREFIX-PID` holding its members to 0.25 core.
pub fn make_cgroup(prefix: &str) -> Result<Cgroup, String> {
    let name = format!("{prefix}-{}", std::process::id());
    let v2 = try_v2(Path::new("/sys/fs/cgroup"), &name);
    let v2_err = match v2 {
        Ok(c) => return Ok(c),
        Err(e) => e,
    };
    try_v1(Path::new("/sys/fs/cgroup/cpu"), &name)
        .map_err(|v1_err| format!("cgroup v2: {v2_err}; cgroup v1: {v1_err}"))
}

/// Move process `pid` (all its threads) into the cgroup.
#[allow(dead_code)]
pub fn join(cgroup: &Cgroup, pid: u32) -> Result<(), String> {
    write(&cgroup.dir.join("cgroup.procs"), &pid.to_string())
}
