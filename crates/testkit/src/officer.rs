//! The commune officer's web account in tests: the login and password
//! `http_client` signs in with, set the way an admin sets them
//! (`admin member set-password`, the password typed on standard input).

use crate::server::admin_command;
use std::ffi::OsString;
use std::io::Write;
use std::path::Path;
use std::process::Stdio;

/// The officer's web login.
pub const LOGIN: &str = "lan";
/// The officer's password.
pub const PASSWORD: &str = "mật khẩu của Lan 2026";

/// Give `member` the web login `LOGIN` with `PASSWORD` (the server of
/// `db_args`); what the command printed, for the caller to check.
pub fn set_password(bin: &Path, db_args: &[OsString], member: &str) -> String {
    let mut child = admin_command(bin, db_args)
        .args(["member", "set-password", "--member", member])
        .args(["--login", LOGIN])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run set-password");
    writeln!(child.stdin.take().expect("stdin"), "{PASSWORD}").expect("type the password");
    let out = child.wait_with_output().expect("set-password ends");
    assert!(
        out.status.success(),
        "set-password: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
