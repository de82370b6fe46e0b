//! The device store on real encrypted files: schema, keys, the outbox,
//! search, the worklist, month figures, and applying changes from elsewhere.

use chrono::{NaiveDate, TimeZone, Utc};
use gocua_core::month::local_date;
use gocua_core::{
    ActionInput, ActionOutcome, CannotReason, Commune, CommuneId, HouseholdFlags, HouseholdId,
    HouseholdInput, Member, MemberId, Month, ResidentInput, Role, Sex, Team, TeamId, Village,
    VillageId, VisitForm, VisitInput, VisitOutcome,
};
use gocua_device::{ApplyOutcome, DbKey, OrgSnapshot, Store, StoreError};
use std::path::Path;
use tempfile::TempDir;
use unicode_normalization::UnicodeNormalization;

mod file;
mod honest;
mod merged;
mod remote;
mod search;
mod voided;
mod worklist;

fn key() -> DbKey {
    DbKey::Raw([42; 32])
}

struct Fixture {
    org: OrgSnapshot,
    village: VillageId,
    team: TeamId,
    member: MemberId,
    colleague: MemberId,
}

fn org() -> Fixture {
    let commune = Commune {
        id: CommuneId::new(),
        name: "Xã Nghĩa Sơn".into(),
        province: "Thanh Hóa".into(),
    };
    let village = Village {
        id: VillageId::new(),
        commune_id: commune.id,
        name: "Thôn Đồng Tâm".into(),
    };
    let team = Team {
        id: TeamId::new(),
        commune_id: commune.id,
        name: "Tổ CNS Đồng Tâm".into(),
        village_ids: vec![village.id],
    };
    let m = |name: &str, role| Member {
        id: MemberId::new(),
        commune_id: commune.id,
        team_id: Some(team.id),
        full_name: name.into(),
        role,
    };
    let leader = m("Lê Văn Hùng", Role::TeamLeader);
    let colleague = m("Phạm Thị Lan", Role::Member);
    Fixture {
        village: village.id,
        team: team.id,
        member: leader.id,
        colleague: colleague.id,
        org: OrgSnapshot {
            commune,
            villages: vec![village],
            teams: vec![team],
            members: vec![leader, colleague],
        },
    }
}

fn open_new(dir: &Path, name: &str, f: &Fixture) -> Store {
    let mut s = Store::open(&dir.join(name), &key()).expect("open");
    s.init_device(name).expect("init");
    s.import_org(&f.org).expect("org");
    s
}

fn household(f: &Fixture, head: &str) -> HouseholdInput {
    HouseholdInput {
        village_id: Some(f.village),
        address: "Số 12, ngõ 4".into(),
        head_name: head.into(),
        phone: None,
        flags: HouseholdFlags::default(),
    }
}

fn resident(h: HouseholdId, name: &str, birth_year: i32) -> ResidentInput {
    ResidentInput {
        household_id: h,
        full_name: name.into(),
        birth_year,
        sex: Sex::Female,
        has_smartphone: true,
        consent_on: None,
        citizen_id_hash: None,
    }
}

fn raw_count(path: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.pragma_update(None, "key", format!("x'{}'", "2a".repeat(32)))
        .unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}
