//! Members in tests: the demo commune's (`admin demo`, `gocua_device::demo`)
//! by place, and a member's phone (a real encrypted store) enrolled to the
//! running server with a code of its own.

use crate::device::options;
use crate::server::{RunningServer, admin_with, server_bin};
use gocua_core::{MemberId, OrgSnapshot, Role};
use gocua_device::{DbKey, Store};
use gocua_sync::client;
use gocua_wire::EnrollmentPayload;
use std::ffi::OsString;
use std::path::Path;

/// The i-th member of team `team` in the demo's order (0 is the leader).
pub fn member(org: &OrgSnapshot, team: usize, i: usize) -> MemberId {
    let t = org.teams[team].id;
    org.members
        .iter()
        .filter(|m| m.team_id == Some(t))
        .nth(i)
        .expect("the demo has that member")
        .id
}

/// The commune's officer.
pub fn officer(org: &OrgSnapshot) -> MemberId {
    org.members
        .iter()
        .find(|m| m.role == Role::CommuneOfficer)
        .expect("the demo has an officer")
        .id
}

/// A new store at `path` for `member`, enrolled to `server` (whose
/// database `db_args` names) with a one-time code issued by `admin`.
pub fn enrolled_phone(
    server: &RunningServer,
    db_args: &[OsString],
    member: MemberId,
    path: &Path,
    name: &str,
) -> Store {
    let mut store = Store::open(path, &DbKey::Raw([9; 32])).expect("a device store");
    let code = admin_with(
        &server_bin(),
        db_args,
        &[
            "enroll-code",
            "--member",
            &member.to_string(),
            "--url",
            &server.url,
        ],
    );
    let code = EnrollmentPayload::parse(code["payload"].as_str().expect("a payload"))
        .expect("a payload that reads");
    client::enroll_with(&mut store, &code, name, &options()).expect("enrolled");
    store
}
