//! The workspace's binaries for tests outside their own package, where
//! cargo's `CARGO_BIN_EXE_<name>` does not exist: found next to the running
//! test executable (`target/<profile>/deps/<test>-<hash>` runs, binaries
//! live in `target/<profile>/`), and built once with `cargo build` when
//! missing, so that a lone `cargo test -p gocua-tests` works too.
//!
//! A binary that is there is used as it is: `cargo test --workspace` (or
//! the package's own tests) keeps it fresh. The build when it is missing
//! takes minutes the first time: `-p gocua-server` alone unifies its
//! dependencies' features apart from the workspace's, so some are built
//! again (kept for the next time).

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// The folder the running test executable's binaries live in:
/// `target/<profile>/` for `target/<profile>/deps/<test>-<hash>`.
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable's path");
    let dir = exe.parent().expect("the test executable's folder");
    match dir.file_name() {
        Some(name) if name == "deps" => dir.parent().unwrap_or(dir).to_path_buf(),
        _ => dir.to_path_buf(),
    }
}

/// The path of binary `name` of workspace package `package`, built (once
/// per test process, whatever the number of threads asking) if it is not
/// in `bin_dir()` yet.
pub fn binary(package: &str, name: &str) -> PathBuf {
    static FOUND: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    // Held while building: the other tests wait for the one build.
    let mut found = FOUND
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(path) = found.get(name) {
        return path.clone();
    }
    let dir = bin_dir();
    let path = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if !path.exists() {
        build(&dir, package, name);
        assert!(
            path.exists(),
            "`cargo build -p {package} --bin {name}` did not make {}",
            path.display()
        );
    }
    found.insert(name.to_string(), path.clone());
    path
}

/// `cargo build -p PACKAGE --bin NAME` into the target folder and profile
/// that `dir` (`target/<profile>`) belongs to; the cargo running the tests
/// (`CARGO`) if it said, else `cargo` on the PATH.
fn build(dir: &Path, package: &str, name: &str) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let mut cmd = Command::new(cargo);
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["build", "-p", package, "--bin", name]);
    if let (Some(target), Some(profile)) = (dir.parent(), dir.file_name()) {
        cmd.arg("--target-dir").arg(target);
        match profile.to_str() {
            Some("debug") => {}
            Some("release") => {
                cmd.arg("--release");
            }
            Some(other) => {
                cmd.args(["--profile", other]);
            }
            None => {}
        }
    }
    eprintln!("{name} is not built yet: {cmd:?}");
    let status = cmd.status().expect("run cargo");
    assert!(status.success(), "{cmd:?} failed: {status}");
}
