//! The officer's review in the central database, on SQLite and (with
//! GOCUA_TEST_PG_URL) PostgreSQL: likely duplicate residents found among
//! pushed records, the resident card the review links to, and the audit of
//! exports.
//!
//! Hand-worked, in the demo commune's two villages V0 and V1 (an officer
//! pushes; hashes are 64 hex digits, written a…, b…, c…):
//!   H1 V0 "Nguyễn Văn Một": R1 "Nguyễn Văn Một" 1956 a…, R2 "Nguyễn Thị Hai" 1960
//!   H2 V0 "Nguyễn Văn Một": R3 "nguyen van mot" 1956
//!   H3 V1 "Trần Văn Ba":    R4 "NGUYỄN VĂN MỘT" 1956, R5 "Trần Văn Ba" 1980 b…
//!   H4 V1 "Lê Thị Bốn":     R6 "Lê Thị Bốn" 1990 a…, R7 "Trần Văn Ba" 1980 c…
//! Pairs: R1-R6 strong (a…); R1-R3 likely (V0); R1-R4 and R3-R4 possible
//! (V0/V1); R5-R7 share name and year but hold different hashes: none.

use gocua_testkit::{backend, on_each_backend};

use backend::{Backend, Place};
use chrono::{Duration, NaiveDate, Utc};
use gocua_central::{ApplyResult, CentralDb, CentralError, DeviceAuth};
use gocua_core::citizen_id::CitizenIdHash;
use gocua_core::converge::FieldClocks;
use gocua_core::demo::demo_org;
use gocua_core::duplicates::Strength;
use gocua_core::{
    Change, ChangeId, EntityKind, HlcClock, Household, HouseholdFlags, HouseholdId, Resident,
    ResidentId, Role, Sex, VillageId,
};
use serde::Serialize;
use serde_json::{Map, Value};

fn fields_of<T: Serialize>(record: &T) -> Map<String, Value> {
    let Value::Object(mut m) = serde_json::to_value(record).unwrap() else {
        panic!("records are objects")
    };
    m.remove("id");
    m
}

/// An officer's device pushing records.
struct Pusher<'a> {
    db: &'a CentralDb,
    auth: DeviceAuth,
    clock: HlcClock,
    changes: Vec<Change>,
}

impl Pusher<'_> {
    fn change(&mut self, entity: EntityKind, id: uuid::Uuid, fields: Map<String, Value>) {
        let hlc = self.clock.tick(Utc::now().timestamp_millis() as u64);
        self.changes.push(Change {
            id: ChangeId::new(),
            entity,
            entity_id: id,
            hlc,
            fields,
            base: FieldClocks::new(),
        });
    }

    fn household(&mut self, village: VillageId, head: &str) -> HouseholdId {
        let h = Household {
            id: HouseholdId::new(),
            village_id: village,
            address: format!("Nhà {head}"),
            head_name: head.into(),
            phone: None,
            voided: None,
            flags: HouseholdFlags::default(),
        };
        self.change(EntityKind::Household, h.id.0, fields_of(&h));
        h.id
    }

    fn resident(
        &mut self,
        h: HouseholdId,
        name: &str,
        born: i32,
        hash: Option<char>,
    ) -> ResidentId {
        let r = Resident {
            id: ResidentId::new(),
            household_id: h,
            full_name: name.into(),
            birth_year: born,
            sex: Sex::Male,
            has_smartphone: true,
            consent_on: hash.map(|_| NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()),
            citizen_id_hash: hash.map(|c| CitizenIdHash(c.to_string().repeat(64))),
            voided: None,
            merged_into: None,
            phone: None,
        };
        self.change(EntityKind::Resident, r.id.0, fields_of(&r));
        r.id
    }

    fn push(&mut self) {
        let out = self.db.push(&self.auth, &self.changes).unwrap();
        for (_, r) in out {
            assert!(matches!(r, ApplyResult::Applied), "{r:?}");
        }
        self.changes.clear();
    }
}

fn likely_duplicates_are_graded_and_each_resident_has_a_card(backend: Backend) {
    let place = Place::new(backend);
    let db = place.central();
    let org = demo_org(2);
    db.import_org(&org).unwrap();
    let other = demo_org(1);
    db.import_org(&other).unwrap();
    let officer = org
        .members
        .iter()
        .find(|m| m.role == Role::CommuneOfficer)
        .unwrap()
        .id;
    let code = db.issue_code(officer, Duration::hours(1)).unwrap();
    let e = db.redeem_code(&code.code, "Máy cán bộ").unwrap();
    let mut p = Pusher {
        db: &db,
        clock: HlcClock::new(e.auth.device_id),
        auth: e.auth,
        changes: Vec::new(),
    };
    let (v0, v1) = (org.villages[0].id, org.villages[1].id);
    let h1 = p.household(v0, "Nguyễn Văn Một");
    let r1 = p.resident(h1, "Nguyễn Văn Một", 1956, Some('a'));
    let r2 = p.resident(h1, "Nguyễn Thị Hai", 1960, None);
    let h2 = p.household(v0, "Nguyễn Văn Một");
    let r3 = p.resident(h2, "nguyen van mot", 1956, None);
    let h3 = p.household(v1, "Trần Văn Ba");
    let r4 = p.resident(h3, "NGUYỄN VĂN MỘT", 1956, None);
    p.resident(h3, "Trần Văn Ba", 1980, Some('b'));
    let h4 = p.household(v1, "Lê Thị Bốn");
    let r6 = p.resident(h4, "Lê Thị Bốn", 1990, Some('a'));
    p.resident(h4, "Trần Văn Ba", 1980, Some('c'));
    p.push();

    let found = db.duplicate_candidates(org.commune.id).unwrap();
    let got: Vec<(Strength, ResidentId, ResidentId)> = found
        .iter()
        .map(|c| (c.pair.strength, c.a.resident_id, c.b.resident_id))
        .collect();
    let pair = |s, x: ResidentId, y: ResidentId| (s, x.min(y), x.max(y));
    let mut possible = vec![
        pair(Strength::Possible, r1, r4),
        pair(Strength::Possible, r3, r4),
    ];
    possible.sort_by_key(|p| (p.1, p.2));
    let mut want = vec![
        pair(Strength::Strong, r1, r6),
        pair(Strength::Likely, r1, r3),
    ];
    want.extend(possible);
    // Strongest first; within "possible" both are "nguyen van mot", by id.
    assert_eq!(got, want);
    let strong = &found[0];
    let one = if strong.a.resident_id == r1 {
        &strong.a
    } else {
        &strong.b
    };
    assert_eq!(one.full_name, "Nguyễn Văn Một");
    assert_eq!(one.village_id, v0);
    assert_eq!(one.head_name, "Nguyễn Văn Một");
    assert!(one.has_citizen_id);
    let json = serde_json::to_string(&found).unwrap();
    assert!(!json.contains(&"a".repeat(64)), "the hash never leaves");
    assert!(
        db.duplicate_candidates(other.commune.id)
            .unwrap()
            .is_empty()
    );

    // R1's card: the household's address and both its residents, oldest
    // first; another commune's officer does not find it.
    let card = db.resident_card(org.commune.id, r1).unwrap();
    assert_eq!(card.address, "Nhà Nguyễn Văn Một");
    assert_eq!(card.sex, "male");
    let names: Vec<&str> = card
        .household
        .iter()
        .map(|b| b.full_name.as_str())
        .collect();
    assert_eq!(names, ["Nguyễn Văn Một", "Nguyễn Thị Hai"]);
    assert_eq!(card.household[1].resident_id, r2);
    assert!(matches!(
        db.resident_card(other.commune.id, r1),
        Err(CentralError::NotFound { .. })
    ));
    assert!(matches!(
        db.resident_card(org.commune.id, ResidentId::new()),
        Err(CentralError::NotFound { .. })
    ));
}

/// Exports are listed newest first, per commune, at most `limit`.
fn exports_are_audited_per_commune_newest_first(backend: Backend) {
    use gocua_central::{ExportChannel, ExportEvent};
    let place = Place::new(backend);
    let db = place.central();
    let org = demo_org(1);
    db.import_org(&org).unwrap();
    let other = demo_org(1);
    db.import_org(&other).unwrap();
    let lan = org.members.iter().find(|m| m.team_id.is_none()).unwrap();
    let event = |commune, what, period| ExportEvent {
        commune,
        member: Some(lan.id),
        actor: &lan.full_name,
        channel: ExportChannel::Web,
        what,
        period,
    };
    db.record_export(&event(org.commune.id, "xlsx", "2026-Q3"))
        .unwrap();
    db.record_export(&ExportEvent {
        member: None,
        actor: "admin:root",
        channel: ExportChannel::Admin,
        ..event(org.commune.id, "xlsx+csv+summary", "2026-Q4")
    })
    .unwrap();
    db.record_export(&event(other.commune.id, "csv", "2026-11"))
        .unwrap();
    db.record_export(&event(org.commune.id, "csv", "2026-11"))
        .unwrap();
    let list = db.export_audit(org.commune.id, 10).unwrap();
    let seen: Vec<(&str, &str, ExportChannel)> = list
        .iter()
        .map(|e| (e.what.as_str(), e.period.as_str(), e.channel))
        .collect();
    assert_eq!(
        seen,
        [
            ("csv", "2026-11", ExportChannel::Web),
            ("xlsx+csv+summary", "2026-Q4", ExportChannel::Admin),
            ("xlsx", "2026-Q3", ExportChannel::Web),
        ]
    );
    assert_eq!(list[0].member_id, Some(lan.id));
    assert_eq!(list[0].actor, lan.full_name);
    assert_eq!(
        (list[1].member_id, list[1].actor.as_str()),
        (None, "admin:root")
    );
    assert!(list[2].at <= list[0].at, "times in order");
    assert_eq!(db.export_audit(org.commune.id, 1).unwrap().len(), 1);
    assert_eq!(db.export_audit(other.commune.id, 10).unwrap().len(), 1);
}

on_each_backend!(
    likely_duplicates_are_graded_and_each_resident_has_a_card,
    exports_are_audited_per_commune_newest_first,
);
