//! The device's sync state on real encrypted files: enrollment (and how it
//! takes the server's device id), settling a push (ack and quarantine in one
//! transaction), applying pulled pages with the cursor, and the quarantine.

use gocua_core::{
    Change, ChangeId, Commune, CommuneId, DeviceId, HouseholdFlags, HouseholdId, HouseholdInput,
    Member, MemberId, ResidentInput, Role, Sex, Team, TeamId, Village, VillageId,
};
use gocua_device::{
    ApplyOutcome, DbKey, DeviceToken, HistoryTarget, NewEnrollment, OrgSnapshot, Pulled,
    PushRejection, QuarantineDirection, RetryOutcome, ScopeChange, Store, StoreError,
};
use std::path::Path;
use tempfile::TempDir;

mod enrolling;
mod history;
mod link_forget;
mod quarantine;
mod relay;
mod rounds;

fn key() -> DbKey {
    DbKey::Raw([7; 32])
}

struct Fixture {
    org: OrgSnapshot,
    village: VillageId,
    /// A second village of the commune, outside the member's team.
    other: VillageId,
    member: MemberId,
}

fn org() -> Fixture {
    let commune = Commune {
        id: CommuneId::new(),
        name: "Xã Thượng Ninh".into(),
        province: "Thanh Hóa".into(),
    };
    let village = Village {
        id: VillageId::new(),
        commune_id: commune.id,
        name: "Thôn Xuân Thượng".into(),
    };
    let other = Village {
        id: VillageId::new(),
        commune_id: commune.id,
        name: "Thôn Yên Lạc".into(),
    };
    let team = Team {
        id: TeamId::new(),
        commune_id: commune.id,
        name: "Tổ CNS Xuân Thượng".into(),
        village_ids: vec![village.id],
    };
    let member = Member {
        id: MemberId::new(),
        commune_id: commune.id,
        team_id: Some(team.id),
        full_name: "Hà Thị Nga".into(),
        role: Role::Member,
    };
    Fixture {
        village: village.id,
        other: other.id,
        member: member.id,
        org: OrgSnapshot {
            commune,
            villages: vec![village, other],
            teams: vec![team],
            members: vec![member],
        },
    }
}

fn enrollment(f: &Fixture, device_id: DeviceId) -> NewEnrollment {
    NewEnrollment {
        server_url: "https://192.0.2.1:8443".into(),
        token: DeviceToken::new("tok-very-secret"),
        server_fingerprint: "AB".repeat(32),
        device_id,
        device_name: "Điện thoại của Nga".into(),
        member_id: f.member,
        scope: serde_json::json!({ "villages": [f.village] }),
        org: f.org.clone(),
        catalogue: Vec::new(),
    }
}

fn open(dir: &Path, name: &str) -> Store {
    Store::open(&dir.join(name), &key()).expect("open")
}

/// A store enrolled with a fresh server-assigned id.
fn enrolled(dir: &Path, name: &str, f: &Fixture) -> (Store, DeviceId) {
    let mut s = open(dir, name);
    let id = DeviceId::new();
    s.enroll(&enrollment(f, id)).expect("enroll");
    (s, id)
}

fn household(f: &Fixture, head: &str) -> HouseholdInput {
    HouseholdInput {
        village_id: Some(f.village),
        address: "Xóm Giữa".into(),
        head_name: head.into(),
        phone: None,
        flags: HouseholdFlags::default(),
    }
}

fn resident(h: HouseholdId, name: &str) -> ResidentInput {
    ResidentInput {
        household_id: h,
        full_name: name.into(),
        birth_year: 1960,
        sex: Sex::Male,
        has_smartphone: false,
        consent_on: None,
        citizen_id_hash: None,
    }
}

fn pending(s: &Store) -> Vec<Change> {
    s.outbox_pending(1000)
        .unwrap()
        .into_iter()
        .map(|e| e.change)
        .collect()
}
