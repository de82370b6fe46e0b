//! The central server's database on real files: enrollment codes and
//! tokens, scope, pushing (idempotent, one bad change refused alone),
//! pulling in pages within scope, and concurrent edits converging with the
//! loser kept in the conflict log.
//!
//! Every scenario runs on SQLite (`sqlite::…`) and, when
//! GOCUA_TEST_PG_URL names a PostgreSQL database, on PostgreSQL
//! (`postgres::…`) in a schema of its own that is dropped afterwards.

use gocua_testkit::backend;
use gocua_testkit::on_each_backend;

use backend::{Backend, Place};
use chrono::{Duration, TimeZone, Utc};
use gocua_central::{ApplyResult, CentralDb, CentralError, DeviceAuth, PullFilter};
use gocua_core::converge::{FieldClocks, converge_fields};
use gocua_core::demo::demo_org;
use gocua_core::{
    ActionCode, ActionId, ActionOutcome, AssistedAction, Change, ChangeId, EntityKind, Hlc,
    HlcClock, Household, HouseholdFlags, HouseholdId, MemberId, OrgSnapshot, Resident, ResidentId,
    Role, Sex, Visit, VisitForm, VisitId, VisitOutcome, Void,
};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::path::Path;
use uuid::Uuid;

/// Everything the database keeps: the bytes on disk, or every value in
/// the schema's tables.
fn stored(place: &Place) -> Vec<u8> {
    match &place.schema {
        Some(s) => s.all_text().unwrap().into_bytes(),
        None => disk_bytes(place.path()),
    }
}

struct Server {
    /// Dropped before the place it lives in.
    db: CentralDb,
    place: Place,
    /// Two villages, a team of three in each, an officer.
    org: OrgSnapshot,
}

fn server(backend: Backend) -> Server {
    let place = Place::new(backend);
    let db = place.central();
    let org = demo_org(2);
    db.import_org(&org).unwrap();
    Server { db, place, org }
}

impl Server {
    /// The i-th member of team `team` (0 is the leader).
    fn member(&self, team: usize, i: usize) -> MemberId {
        let t = self.org.teams[team].id;
        self.org
            .members
            .iter()
            .filter(|m| m.team_id == Some(t))
            .nth(i)
            .unwrap()
            .id
    }

    fn officer(&self) -> MemberId {
        self.org
            .members
            .iter()
            .find(|m| m.role == Role::CommuneOfficer)
            .unwrap()
            .id
    }

    fn enroll(&self, member: MemberId) -> Device {
        let code = self.db.issue_code(member, Duration::hours(72)).unwrap();
        let e = self.db.redeem_code(&code.code, "Điện thoại thử").unwrap();
        Device {
            clock: HlcClock::new(e.auth.device_id),
            token: e.token,
            auth: e.auth,
        }
    }

    fn push(&self, d: &Device, changes: &[Change]) -> Vec<ApplyResult> {
        let out = self.db.push(&d.auth, changes).unwrap();
        assert_eq!(out.len(), changes.len());
        for ((id, _), c) in out.iter().zip(changes) {
            assert_eq!(*id, c.id, "results come in the order pushed");
        }
        out.into_iter().map(|(_, r)| r).collect()
    }

    /// Everything in the device's scope, a page at a time.
    fn pull_all(&self, d: &Device, page: u32) -> Vec<(i64, Change)> {
        let mut after = 0;
        let mut all = Vec::new();
        loop {
            let p = self.db.pull(&d.auth, after, page).unwrap();
            assert!(p.changes.len() <= page as usize);
            all.extend(p.changes.iter().cloned());
            after = p.cursor;
            if !p.more {
                return all;
            }
        }
    }

    fn village(&self, i: usize) -> gocua_core::VillageId {
        self.org.villages[i].id
    }
}

struct Device {
    auth: DeviceAuth,
    token: String,
    clock: HlcClock,
}

fn now_ms() -> u64 {
    Utc::now().timestamp_millis() as u64
}

fn fields_of<T: Serialize>(record: &T) -> Map<String, Value> {
    let Value::Object(mut m) = serde_json::to_value(record).unwrap() else {
        panic!("records are objects")
    };
    m.remove("id");
    m
}

impl Device {
    fn change(&mut self, entity: EntityKind, id: Uuid, fields: Map<String, Value>) -> Change {
        Change {
            id: ChangeId::new(),
            entity,
            entity_id: id,
            hlc: self.clock.tick(now_ms()),
            fields,
            base: FieldClocks::new(),
        }
    }

    /// An edit of fields last seen with stamp `seen`.
    fn edit(&mut self, entity: EntityKind, id: Uuid, fields: Value, seen: Hlc) -> Change {
        let Value::Object(fields) = fields else {
            panic!()
        };
        let base = fields.keys().map(|k| (k.clone(), seen)).collect();
        Change {
            base,
            ..self.change(entity, id, fields)
        }
    }

    fn household(&mut self, village: gocua_core::VillageId, head: &str) -> (HouseholdId, Change) {
        let h = Household {
            id: HouseholdId::new(),
            village_id: village,
            address: "Số 5, ngõ 2".into(),
            head_name: head.into(),
            phone: None,
            flags: HouseholdFlags::default(),
        };
        (
            h.id,
            self.change(EntityKind::Household, h.id.0, fields_of(&h)),
        )
    }

    fn resident(&mut self, household: HouseholdId, name: &str) -> (ResidentId, Change) {
        let r = Resident {
            id: ResidentId::new(),
            household_id: household,
            full_name: name.into(),
            birth_year: 1960,
            sex: Sex::Female,
            has_smartphone: true,
            consent_on: None,
            citizen_id_hash: None,
            merged_into: None,
        };
        (
            r.id,
            self.change(EntityKind::Resident, r.id.0, fields_of(&r)),
        )
    }

    fn visit(&mut self, household: HouseholdId, member: MemberId) -> (VisitId, Change) {
        let v = Visit {
            id: VisitId::new(),
            household_id: household,
            members: vec![member],
            at: Utc.with_ymd_and_hms(2026, 3, 2, 3, 0, 0).unwrap(),
            form: VisitForm::DoorToDoor,
            outcome: VisitOutcome::Met,
            note: None,
            voided: None,
        };
        (v.id, self.change(EntityKind::Visit, v.id.0, fields_of(&v)))
    }

    fn action(&mut self, visit: VisitId, resident: ResidentId, code: &str) -> (ActionId, Change) {
        let a = AssistedAction {
            id: ActionId::new(),
            visit_id: visit,
            resident_id: resident,
            action: code.parse::<ActionCode>().unwrap(),
            outcome: ActionOutcome::Done,
            voided: None,
        };
        (
            a.id,
            self.change(EntityKind::AssistedAction, a.id.0, fields_of(&a)),
        )
    }

    fn void(&mut self, entity: EntityKind, id: Uuid, by: MemberId, reason: &str) -> Change {
        let void = Void {
            reason: reason.into(),
            by,
            at: Utc::now(),
        };
        let mut fields = Map::new();
        fields.insert("voided".into(), serde_json::to_value(void).unwrap());
        self.change(entity, id, fields)
    }
}

fn rejected_code(r: &ApplyResult) -> &str {
    match r {
        ApplyResult::Rejected { code, message } => {
            assert!(!message.is_empty());
            code
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
}

/// Every byte the database keeps on disk (main file, WAL, shared memory).
fn disk_bytes(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            all.extend(std::fs::read(p).unwrap());
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

fn codes_work_once_in_any_case_and_expire(backend: Backend) {
    let s = server(backend);
    let member = s.member(0, 1);
    let code = s.db.issue_code(member, Duration::hours(72)).unwrap();
    assert_eq!(code.code.len(), 9);
    assert_eq!(&code.code[4..5], "-");
    assert!(code.expires_at > Utc::now() + Duration::hours(71));
    // Typed in lower case without the dash, it still works.
    let typed = code.code.replace('-', "").to_lowercase();
    let e = s.db.redeem_code(&typed, "  Điện thoại   của Lan ").unwrap();
    assert_eq!(e.auth.member.id, member);
    assert_eq!(e.auth.scope.village_ids, vec![s.village(0)]);
    assert_eq!(e.token.len(), 64);
    assert!(matches!(
        s.db.redeem_code(&code.code, "Máy khác"),
        Err(CentralError::CodeUsed)
    ));
    assert!(matches!(
        s.db.redeem_code("ABCD-EFGH", "Máy khác"),
        Err(CentralError::CodeUnknown)
    ));
    assert!(matches!(
        s.db.redeem_code("'; DROP TABLE devices; --", "Máy khác"),
        Err(CentralError::CodeUnknown)
    ));
    let expired = s.db.issue_code(member, Duration::zero()).unwrap();
    assert!(matches!(
        s.db.redeem_code(&expired.code, "Máy khác"),
        Err(CentralError::CodeExpired)
    ));
    // A blank device name is refused and the code stays usable.
    let fresh = s.db.issue_code(member, Duration::hours(1)).unwrap();
    assert!(matches!(
        s.db.redeem_code(&fresh.code, "   "),
        Err(CentralError::Invalid(_))
    ));
    s.db.redeem_code(&fresh.code, "Máy mới").unwrap();
    // Errors carry a code and a Vietnamese sentence.
    let err = s.db.redeem_code(&fresh.code, "x").unwrap_err();
    assert_eq!(err.code(), "code_used");
    assert!(err.message_vi().contains("đã được dùng"));
    assert!(
        s.db.issue_code(MemberId::new(), Duration::hours(1))
            .is_err()
    );

    let devices = s.db.devices(s.org.commune.id).unwrap();
    assert_eq!(devices.len(), 2);
    assert!(devices.iter().any(|d| d.name == "Điện thoại của Lan"));
}

fn tokens_and_codes_are_kept_only_as_hashes(backend: Backend) {
    let s = server(backend);
    let member = s.member(0, 0);
    let code = s.db.issue_code(member, Duration::hours(72)).unwrap();
    let e = s.db.redeem_code(&code.code, "Máy của Hùng").unwrap();
    let auth = s.db.authenticate(&e.token).unwrap();
    assert_eq!(auth.device_id, e.auth.device_id);
    assert_eq!(auth.member.id, member);
    let bytes = stored(&s.place);
    assert!(contains(&bytes, "Máy của Hùng"), "the scan sees the data");
    assert!(!contains(&bytes, &e.token), "the token is not on disk");
    assert!(!contains(&bytes, &e.token.to_uppercase()));
    assert!(!contains(&bytes, &code.code), "the code is not on disk");
    assert!(!contains(&bytes, &code.code.replace('-', "")));
}

fn unknown_and_revoked_tokens_are_refused(backend: Backend) {
    let s = server(backend);
    let d = s.enroll(s.member(0, 1));
    assert!(s.db.authenticate(&d.token).is_ok());
    for bad in ["", "x", &"0".repeat(64), &d.token[1..], &"a".repeat(10_000)] {
        assert!(matches!(
            s.db.authenticate(bad),
            Err(CentralError::Unauthorized)
        ));
    }
    s.db.revoke_device(d.auth.device_id).unwrap();
    assert!(matches!(
        s.db.authenticate(&d.token),
        Err(CentralError::Unauthorized)
    ));
    let listed = s.db.devices(s.org.commune.id).unwrap();
    assert!(listed[0].revoked_at.is_some());
    assert!(matches!(
        s.db.revoke_device(gocua_core::DeviceId::new()),
        Err(CentralError::NotFound { .. })
    ));
}

fn scope_follows_the_role(backend: Backend) {
    let s = server(backend);
    let member = s.enroll(s.member(1, 2));
    assert_eq!(member.auth.scope.village_ids, vec![s.village(1)]);
    let officer = s.enroll(s.officer());
    let mut all: Vec<_> = s.org.villages.iter().map(|v| v.id).collect();
    all.sort();
    assert_eq!(officer.auth.scope.village_ids, all);
    let view = s.db.org_for(&officer.auth).unwrap();
    assert_eq!(view.org.villages.len(), 2);
    assert_eq!(view.org.members.len(), s.org.members.len());
    assert_eq!(view.catalogue.len(), 11);
    let json = serde_json::to_string(&view).unwrap();
    assert!(!json.contains("secret"));
}

fn writes_outside_the_scope_are_refused(backend: Backend) {
    let s = server(backend);
    let mut a = s.enroll(s.member(0, 1));
    let mut officer = s.enroll(s.officer());
    // Another commune, with its own member.
    let other_org = demo_org(1);
    s.db.import_org(&other_org).unwrap();
    let mut stranger = s.enroll(other_org.members[0].id);

    let (_, foreign) = a.household(s.village(1), "Hộ thôn khác");
    let (_, other_commune) = a.household(other_org.villages[0].id, "Hộ xã khác");
    let (_, unknown_village) = a.household(gocua_core::VillageId::new(), "Hộ không thôn");
    let r = s.push(&a, &[foreign, other_commune, unknown_village]);
    assert!(
        r.iter().all(|r| rejected_code(r) == "out_of_scope"),
        "{r:?}"
    );

    // The officer records a household in village 1; member A cannot touch
    // it, add a resident to it, or move its own household there.
    let (h1, c) = officer.household(s.village(1), "Hộ của cán bộ");
    assert_eq!(
        s.push(&officer, std::slice::from_ref(&c)),
        vec![ApplyResult::Applied]
    );
    let edit = a.edit(
        EntityKind::Household,
        h1.0,
        json!({"head_name": "Đổi tên"}),
        c.hlc,
    );
    let (_, resident) = a.resident(h1, "Người lạ");
    let (own, own_c) = a.household(s.village(0), "Hộ của A");
    let mv = a.edit(
        EntityKind::Household,
        own.0,
        json!({"village_id": s.village(1)}),
        own_c.hlc,
    );
    let r = s.push(&a, &[edit, resident, own_c.clone(), mv]);
    assert_eq!(rejected_code(&r[0]), "out_of_scope");
    assert_eq!(rejected_code(&r[1]), "out_of_scope");
    assert_eq!(r[2], ApplyResult::Applied);
    assert_eq!(rejected_code(&r[3]), "out_of_scope");
    let f = s.db.record(own.0).unwrap().unwrap();
    assert_eq!(f.fields["village_id"], json!(s.village(0)));
    assert_eq!(f.village_id, s.village(0));

    // Another commune's device cannot reach into this one, even by id.
    let (_, intruder) = stranger.resident(own, "Kẻ lạ");
    let edit = stranger.edit(
        EntityKind::Household,
        own.0,
        json!({"head_name": "X"}),
        own_c.hlc,
    );
    let r = s.push(&stranger, &[intruder, edit]);
    assert!(
        r.iter().all(|r| rejected_code(r) == "out_of_scope"),
        "{r:?}"
    );
    assert!(s.pull_all(&stranger, 100).is_empty());
    // Nor read it: its pull holds only its own commune's changes.
    let (_, theirs) = stranger.household(other_org.villages[0].id, "Hộ xã bạn");
    s.push(&stranger, std::slice::from_ref(&theirs));
    let pulled = s.pull_all(&stranger, 100);
    assert_eq!(pulled.len(), 1);
    assert_eq!(pulled[0].1.id, theirs.id);
}

fn a_retried_push_is_taken_once(backend: Backend) {
    let s = server(backend);
    let mut a = s.enroll(s.member(0, 1));
    let (h, c1) = a.household(s.village(0), "Nguyễn Thị Đào");
    let (_, c2) = a.resident(h, "Nguyễn Thị Đào");
    let batch = vec![c1, c2];
    assert_eq!(
        s.push(&a, &batch),
        vec![ApplyResult::Applied, ApplyResult::Applied]
    );
    assert_eq!(
        s.push(&a, &batch),
        vec![ApplyResult::AlreadyHad, ApplyResult::AlreadyHad]
    );
    // The same change twice in one batch, too.
    let (_, c3) = a.household(s.village(0), "Trần Văn Bình");
    assert_eq!(
        s.push(&a, &[c3.clone(), c3]),
        vec![ApplyResult::Applied, ApplyResult::AlreadyHad]
    );
    assert_eq!(s.pull_all(&a, 10).len(), 3);
}

fn a_bad_change_is_refused_alone(backend: Backend) {
    let s = server(backend);
    let mut a = s.enroll(s.member(0, 1));
    let b = s.enroll(s.member(0, 2));
    let v = s.village(0);

    let (h, good_household) = a.household(v, "Lê Văn Hùng");
    let (_, mut blank) = a.household(v, "x");
    blank.fields.insert("head_name".into(), json!("   "));
    let (_, mut huge) = a.household(v, "x");
    huge.fields.insert(
        "address".into(),
        json!("a".repeat(gocua_core::validate::MAX_TEXT_CHARS + 1)),
    );
    let (_, mut extra) = a.household(v, "Hộ có trường lạ");
    extra.fields.insert("is_admin".into(), json!(true));
    let (_, mut wrong_type) = a.household(v, "Hộ sai kiểu");
    wrong_type.fields.insert("poor".into(), json!("có"));
    let (_, orphan) = a.resident(HouseholdId::new(), "Người mồ côi");
    let (_, mut forged) = a.household(v, "Hộ giả");
    forged.hlc.device = b.auth.device_id;
    let (_, mut future) = a.household(v, "Hộ tương lai");
    future.hlc.wall_ms = now_ms() + 3 * 24 * 3600 * 1000;
    let (r, good_resident) = a.resident(h, "Lê Thị Hoa");
    let (_, mut old) = a.resident(h, "Cụ già");
    old.fields.insert("birth_year".into(), json!(1800));
    let (_, mut hashed) = a.resident(h, "Có CCCD");
    hashed
        .fields
        .insert("citizen_id_hash".into(), json!("ab".repeat(32)));
    let (visit, good_visit) = a.visit(h, s.member(0, 1));
    let (_, unknown_action) = a.action(visit, r, "fly_to_the_moon");
    let (_, good_action) = a.action(visit, r, "vneid_l2");
    let (_, mut stranger_visit) = a.visit(h, s.member(0, 1));
    stranger_visit
        .fields
        .insert("members".into(), json!([MemberId::new()]));
    // Each field is fine, the whole is not: pages must stay bounded.
    let (_, mut crowded_visit) = a.visit(h, s.member(0, 1));
    crowded_visit
        .fields
        .insert("members".into(), json!(vec![s.member(0, 1); 1000]));

    let results = s.push(
        &a,
        &[
            good_household.clone(),
            blank,
            huge,
            extra,
            wrong_type,
            orphan,
            forged,
            future,
            good_resident,
            old,
            hashed,
            good_visit,
            unknown_action,
            good_action,
            stranger_visit,
            crowded_visit,
        ],
    );
    let codes: Vec<&str> = results
        .iter()
        .map(|r| match r {
            ApplyResult::Applied => "applied",
            other => rejected_code(other),
        })
        .collect();
    assert_eq!(
        codes,
        vec![
            "applied",
            "invalid",
            "invalid",
            "invalid",
            "invalid",
            "unknown_parent",
            "not_own_change",
            "clock_ahead",
            "applied",
            "invalid",
            "invalid", // a CCCD hash without consent
            "applied",
            "invalid",
            "applied",
            "unknown_member",
            "too_large",
        ]
    );
    if let ApplyResult::Rejected { message, .. } = &results[15] {
        assert!(message.contains("quá lớn"), "{message}");
    }
    // The message is Vietnamese and does not echo a huge value back.
    if let ApplyResult::Rejected { message, .. } = &results[2] {
        assert!(message.contains("Địa chỉ quá dài"), "{message}");
        assert!(message.len() < 500);
    }
    let pulled = s.pull_all(&a, 100);
    assert_eq!(pulled.len(), 4);
    assert_eq!(pulled[0].1, good_household);
}

fn facts_are_only_ever_voided(backend: Backend) {
    let s = server(backend);
    let mut a = s.enroll(s.member(0, 1));
    let leader = s.member(0, 0);
    let (h, c1) = a.household(s.village(0), "Phạm Văn Nam");
    let (r, c2) = a.resident(h, "Phạm Văn Nam");
    let (h2, c3) = a.household(s.village(0), "Hộ bên cạnh");
    let (r2, c4) = a.resident(h2, "Người bên cạnh");
    let (visit, c5) = a.visit(h, leader);
    let (action, c6) = a.action(visit, r, "bank_account");
    let (_, neighbour) = a.action(visit, r2, "bank_account");
    let r0 = s.push(&a, &[c1, c2, c3, c4, c5, c6, neighbour]);
    assert_eq!(
        rejected_code(&r0[6]),
        "invalid",
        "resident of another household"
    );

    let edit = a.edit(
        EntityKind::Visit,
        visit.0,
        json!({"outcome": "refused"}),
        Hlc::zero(a.auth.device_id),
    );
    let first = a.void(
        EntityKind::AssistedAction,
        action.0,
        leader,
        "Ghi nhầm người",
    );
    let second = a.void(EntityKind::AssistedAction, action.0, leader, "Lý do khác");
    let blank = a.void(EntityKind::Visit, visit.0, leader, "  ");
    let r1 = s.push(&a, &[edit, first, second, blank]);
    assert_eq!(rejected_code(&r1[0]), "immutable");
    assert_eq!(r1[1], ApplyResult::Applied);
    assert_eq!(r1[2], ApplyResult::Applied, "a second void is a no-op");
    assert_eq!(rejected_code(&r1[3]), "invalid");
    let a = s.db.record(action.0).unwrap().unwrap();
    assert_eq!(a.entity, EntityKind::AssistedAction);
    assert_eq!(
        a.fields["voided"]["reason"], "Ghi nhầm người",
        "the first void stands"
    );
    let v = s.db.record(visit.0).unwrap().unwrap();
    assert_eq!(v.fields["outcome"], "met");
}

fn pull_pages_within_the_scope_in_server_order(backend: Backend) {
    let s = server(backend);
    let mut a = s.enroll(s.member(0, 1));
    let mut b = s.enroll(s.member(1, 1));
    let officer = s.enroll(s.officer());
    let mut mine = Vec::new();
    for i in 0..7 {
        let (_, c) = a.household(s.village(0), &format!("Hộ A {i}"));
        s.push(&a, std::slice::from_ref(&c));
        mine.push(c.id);
        let (_, c) = b.household(s.village(1), &format!("Hộ B {i}"));
        s.push(&b, &[c]);
    }
    let page = s.db.pull(&a.auth, 0, 3).unwrap();
    assert_eq!(page.changes.len(), 3);
    assert!(page.more);
    assert_eq!(page.cursor, page.changes[2].0);
    let pulled = s.pull_all(&a, 3);
    let ids: Vec<ChangeId> = pulled.iter().map(|(_, c)| c.id).collect();
    assert_eq!(ids, mine, "own changes too, in server order");
    assert!(pulled.windows(2).all(|w| w[0].0 < w[1].0));
    // Nothing new: an empty page that keeps the cursor.
    let last = pulled.last().unwrap().0;
    let empty = s.db.pull(&a.auth, last, 3).unwrap();
    assert!(empty.changes.is_empty() && !empty.more);
    assert_eq!(empty.cursor, last);
    // The officer sees the whole commune, in one order.
    let all = s.pull_all(&officer, 4);
    assert_eq!(all.len(), 14);
    assert!(all.windows(2).all(|w| w[0].0 < w[1].0));
    // A zero limit still makes progress.
    assert_eq!(s.db.pull(&officer.auth, 0, 0).unwrap().changes.len(), 1);
}

fn concurrent_edits_converge_and_the_loser_is_logged(backend: Backend) {
    let s = server(backend);
    let mut a = s.enroll(s.member(0, 1));
    let mut b = s.enroll(s.member(0, 2));
    let (h, create) = a.household(s.village(0), "Đỗ Văn Long");
    s.push(&a, std::slice::from_ref(&create));
    // Both edit the head's name offline, having seen the creation. B's
    // stamp is later, so B wins everywhere, whatever order they arrive in.
    let edit_a = a.edit(
        EntityKind::Household,
        h.0,
        json!({"head_name": "Đỗ Văn Lâm", "phone": "0912345678"}),
        create.hlc,
    );
    b.clock.observe(edit_a.hlc, now_ms()).unwrap();
    let edit_b = b.edit(
        EntityKind::Household,
        h.0,
        json!({"head_name": "Đỗ Văn Lực"}),
        create.hlc,
    );
    assert!(edit_b.hlc > edit_a.hlc);
    assert_eq!(
        s.push(&b, std::slice::from_ref(&edit_b)),
        vec![ApplyResult::Applied]
    );
    assert_eq!(
        s.push(&a, std::slice::from_ref(&edit_a)),
        vec![ApplyResult::Applied]
    );

    let server_fields = s.db.record(h.0).unwrap().unwrap().fields;
    assert_eq!(server_fields["head_name"], "Đỗ Văn Lực");
    assert_eq!(
        server_fields["phone"], "0912345678",
        "A's other field stays"
    );

    // Each device folds what it pulls; whichever order, it ends as the
    // server is.
    let pulled: Vec<Change> = s.pull_all(&a, 2).into_iter().map(|(_, c)| c).collect();
    assert_eq!(pulled.len(), 3);
    let fold = |order: &[&Change]| {
        let (mut f, mut c) = (Map::new(), FieldClocks::new());
        for ch in order {
            let m = converge_fields(f, c, ch);
            f = m.fields;
            c = m.clocks;
        }
        f
    };
    let in_order: Vec<&Change> = pulled.iter().collect();
    let device_a_order = vec![&pulled[0], &pulled[2], &pulled[1]];
    assert_eq!(fold(&in_order), server_fields);
    assert_eq!(fold(&device_a_order), server_fields);

    let conflicts = s.db.conflicts(s.org.commune.id, None, 10).unwrap();
    assert_eq!(conflicts.len(), 1);
    let c = &conflicts[0];
    assert_eq!(c.field, "head_name");
    assert_eq!(c.kept_value, json!("Đỗ Văn Lực"));
    assert_eq!(c.lost_value, json!("Đỗ Văn Lâm"));
    assert_eq!(c.lost_hlc, edit_a.hlc);
    assert_eq!(c.village_id, s.village(0));
    // The leader of the village sees it; another village's team does not.
    let leader = s.enroll(s.member(0, 0));
    assert_eq!(s.db.conflicts_for(&leader.auth, 10).unwrap().len(), 1);
    let other = s.enroll(s.member(1, 0));
    assert!(s.db.conflicts_for(&other.auth, 10).unwrap().is_empty());
}

fn targets_are_set_per_commune_and_checked(backend: Backend) {
    let s = server(backend);
    let c = s.org.commune.id;
    s.db.set_target(c, "vneid_l2", 100.0).unwrap();
    s.db.set_target(c, "vneid_l2", 90.0).unwrap();
    s.db.set_target(c, "bank_account", 90.0).unwrap();
    let t = s.db.targets(c).unwrap();
    assert_eq!(t.len(), 2);
    assert_eq!(t[1].indicator, "vneid_l2");
    assert_eq!(t[1].percent, 90.0);
    assert!(matches!(
        s.db.set_target(c, "vneid_l2", 101.0),
        Err(CentralError::Percent)
    ));
    assert!(s.db.set_target(c, "Bad Code", 10.0).is_err());
}

fn the_organisation_is_built_by_the_admin_calls(backend: Backend) {
    let place = Place::new(backend);
    let db = place.central();
    let c = db.create_commune("  Xã   Nghĩa Sơn ", "Thanh Hóa").unwrap();
    assert_eq!(c.name, "Xã Nghĩa Sơn");
    let v1 = db.add_village(c.id, "Thôn Đông").unwrap();
    let v2 = db.add_village(c.id, "Thôn Tây").unwrap();
    let t = db
        .add_team(c.id, "Tổ CNS Đông Tây", &[v1.id, v2.id])
        .unwrap();
    let m = db
        .add_member(c.id, Some(t.id), "Lê Văn Hùng", Role::TeamLeader)
        .unwrap();
    assert!(matches!(
        db.add_member(c.id, None, "Không tổ", Role::Member),
        Err(CentralError::TeamRequired)
    ));
    assert!(db.add_village(c.id, "").is_err());
    let other = db.create_commune("Xã Khác", "Thanh Hóa").unwrap();
    assert!(matches!(
        db.add_team(other.id, "Tổ lạ", &[v1.id]),
        Err(CentralError::OtherCommune { .. })
    ));
    assert!(matches!(
        db.add_member(other.id, Some(t.id), "Người lạ", Role::Member),
        Err(CentralError::OtherCommune { .. })
    ));
    drop(db);
    // Reopening keeps everything and runs no migration twice.
    let db = place.central();
    assert_eq!(db.integrity_check().unwrap(), "ok");
    let code = db.issue_code(m.id, Duration::hours(1)).unwrap();
    let e = db.redeem_code(&code.code, "Máy").unwrap();
    let mut scope = vec![v1.id, v2.id];
    scope.sort();
    assert_eq!(e.auth.scope.village_ids, scope);
    let snap = db.org_snapshot(c.id).unwrap();
    assert_eq!(snap.teams[0].village_ids.len(), 2);
    assert_eq!(snap.members, vec![m]);

    // A team's villages change as a whole; the scope follows at once.
    let t2 = db.set_team_villages(t.id, &[v2.id, v2.id]).unwrap();
    assert_eq!(t2.village_ids, vec![v2.id]);
    assert_eq!(
        db.authenticate(&e.token).unwrap().scope.village_ids,
        vec![v2.id]
    );
    assert_eq!(
        db.org_snapshot(c.id).unwrap().teams[0].village_ids,
        vec![v2.id]
    );
    let v3 = db.add_village(other.id, "Thôn Xã Khác").unwrap();
    assert!(matches!(
        db.set_team_villages(t.id, &[v1.id, v3.id]),
        Err(CentralError::OtherCommune { .. })
    ));
    assert!(db.set_team_villages(t.id, &[]).is_err());
    assert!(matches!(
        db.set_team_villages(gocua_core::TeamId::new(), &[v1.id]),
        Err(CentralError::NotFound { .. })
    ));
    assert_eq!(
        db.authenticate(&e.token).unwrap().scope.village_ids,
        vec![v2.id],
        "a refused change leaves the team as it was"
    );
}

/// Four phones push at once into one commune while an officer's phone
/// pulls page after page: every change lands once, in one server order,
/// the pulling cursor never passes a change that commits later, and the
/// household ends as folding the log in that order gives (no lost merge).
fn concurrent_pushes_land_once_in_one_order(backend: Backend) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let s = server(backend);
    let mut first = s.enroll(s.member(0, 1));
    let (h, create) = first.household(s.village(0), "Đinh Văn Hải");
    assert_eq!(
        s.push(&first, std::slice::from_ref(&create)),
        vec![ApplyResult::Applied]
    );
    let phones: Vec<Device> = [s.member(0, 0), s.member(0, 1), s.member(0, 2), s.officer()]
        .into_iter()
        .map(|m| s.enroll(m))
        .collect();
    let reader = s.enroll(s.officer());
    let done = AtomicBool::new(false);
    const ROUNDS: usize = 12;
    let seen = std::thread::scope(|scope| {
        let writers: Vec<_> = phones
            .into_iter()
            .enumerate()
            .map(|(p, mut d)| {
                let (s, create) = (&s, &create);
                scope.spawn(move || {
                    for i in 0..ROUNDS {
                        // Each phone its own field (two share one), so a
                        // merge that overwrote another's would show.
                        let fields = match p {
                            0 | 1 => json!({"head_name": format!("Tên {p}-{i}")}),
                            2 => json!({"address": format!("Số {i}, ngõ {p}")}),
                            _ => json!({"phone": format!("09{p}{i:07}")}),
                        };
                        let edit = d.edit(EntityKind::Household, h.0, fields, create.hlc);
                        let (_, resident) = d.resident(h, &format!("Người {p}-{i}"));
                        assert_eq!(s.push(&d, &[edit, resident]), vec![ApplyResult::Applied; 2]);
                    }
                })
            })
            .collect();
        let pulling = scope.spawn(|| {
            let (mut after, mut seen) = (0, Vec::new());
            loop {
                let finished = done.load(Ordering::SeqCst);
                let page = s.db.pull(&reader.auth, after, 7).unwrap();
                seen.extend(page.changes.iter().map(|(seq, c)| (*seq, c.id)));
                after = page.cursor;
                if finished && !page.more {
                    return seen;
                }
            }
        });
        for w in writers {
            w.join().unwrap();
        }
        done.store(true, Ordering::SeqCst);
        pulling.join().unwrap()
    });
    let all = s.pull_all(&reader, 50);
    assert_eq!(all.len(), 1 + 4 * ROUNDS * 2);
    assert!(all.windows(2).all(|w| w[0].0 < w[1].0));
    let ids: Vec<(i64, ChangeId)> = all.iter().map(|(seq, c)| (*seq, c.id)).collect();
    assert_eq!(seen, ids, "the cursor saw every change, once, in order");
    // The state is the log folded in server order.
    let (mut fields, mut clocks) = (Map::new(), FieldClocks::new());
    for (_, c) in all.iter().filter(|(_, c)| c.entity_id == h.0) {
        let m = converge_fields(fields, clocks, c);
        fields = m.fields;
        clocks = m.clocks;
    }
    assert_eq!(s.db.record(h.0).unwrap().unwrap().fields, fields);
}

/// A household moving from village 0 to village 1: the move reaches both
/// villages' devices, naming the village it left; its whole history
/// (residents, visits, actions, logged under village 0) is there for
/// village 1's devices to fetch, and for nobody outside the scope.
fn a_household_moving_reaches_both_villages_and_its_history_follows(backend: Backend) {
    let s = server(backend);
    let mut officer = s.enroll(s.officer());
    let west = s.enroll(s.member(0, 1));
    let east = s.enroll(s.member(1, 1));
    let (v0, v1) = (s.village(0), s.village(1));
    let (h, create) = officer.household(v0, "Mạc Văn Chuyển");
    let (r, resident) = officer.resident(h, "Mạc Thị Theo");
    let (visit, visited) = officer.visit(h, s.officer());
    let (_, action) = officer.action(visit, r, "vneid_l2");
    let (_, stays) = officer.household(v0, "Hộ Ở Lại");
    let history = vec![create, resident, visited, action, stays];
    assert!(
        s.push(&officer, &history)
            .iter()
            .all(|r| *r == ApplyResult::Applied)
    );
    let moved = officer.edit(
        EntityKind::Household,
        h.0,
        json!({ "village_id": v1 }),
        history[0].hlc,
    );
    assert_eq!(
        s.push(&officer, std::slice::from_ref(&moved)),
        vec![ApplyResult::Applied]
    );
    // A void after the move is logged where the household lives now.
    let void = officer.void(EntityKind::Visit, visit.0, s.officer(), "Ghi trùng");
    assert_eq!(
        s.push(&officer, std::slice::from_ref(&void)),
        vec![ApplyResult::Applied]
    );

    // The old village's devices see the move, once, marked as a move.
    let west_all = s.pull_all(&west, 2);
    let ids: Vec<ChangeId> = west_all.iter().map(|(_, c)| c.id).collect();
    let mut expected: Vec<ChangeId> = history.iter().map(|c| c.id).collect();
    expected.push(moved.id);
    assert_eq!(ids, expected);
    let move_seq = west_all.last().unwrap().0;
    let page = s.db.pull(&west.auth, move_seq - 1, 10).unwrap();
    assert_eq!(page.moved_from.get(&move_seq), Some(&v0));
    assert_eq!(page.moved_from.len(), 1);

    // The new village's devices get the move and what followed; the
    // household's history up to the move is one fetch away.
    let east_all = s.pull_all(&east, 2);
    let ids: Vec<ChangeId> = east_all.iter().map(|(_, c)| c.id).collect();
    assert_eq!(ids, vec![moved.id, void.id]);
    let fetch = |d: &Device, filter, until| {
        let p = s.db.pull_filtered(&d.auth, filter, 0, until, 100).unwrap();
        assert!(!p.more);
        p.changes.into_iter().map(|(_, c)| c.id).collect::<Vec<_>>()
    };
    let hh = PullFilter::Household(h);
    assert_eq!(
        fetch(&east, hh, move_seq),
        [&expected[..4], &[moved.id]].concat()
    );
    assert_eq!(
        fetch(&east, hh, move_seq - 1),
        expected[..4].to_vec(),
        "up to `until`"
    );
    assert_eq!(
        fetch(&east, hh, i64::MAX).len(),
        6,
        "and after it, the void"
    );
    // A page at a time, from a cursor.
    let p = s.db.pull_filtered(&east.auth, hh, 0, move_seq, 2).unwrap();
    assert!(p.more);
    let rest =
        s.db.pull_filtered(&east.auth, hh, p.cursor, move_seq, 2)
            .unwrap();
    assert_eq!(rest.changes[0].1.id, expected[2]);
    // Not for a device the household is not in the scope of, nor a
    // household that does not exist; no village's history outside the scope.
    assert!(fetch(&west, hh, i64::MAX).is_empty());
    assert!(fetch(&east, PullFilter::Household(HouseholdId::new()), i64::MAX).is_empty());
    assert!(fetch(&east, PullFilter::Village(v0), i64::MAX).is_empty());
    // A village's history: what was logged there and what moved out of it.
    let ids = fetch(&west, PullFilter::Village(v0), i64::MAX);
    assert_eq!(ids, expected, "with the move away");
    let ids = fetch(&east, PullFilter::Village(v1), i64::MAX);
    assert_eq!(ids, vec![moved.id, void.id]);
    let other_commune = {
        let org = demo_org(1);
        s.db.import_org(&org).unwrap();
        s.enroll(org.members[0].id)
    };
    assert!(fetch(&other_commune, hh, i64::MAX).is_empty());
    assert!(s.pull_all(&other_commune, 10).is_empty());
}

/// One push of many kinds of change at once (the server reads ahead and
/// writes in bulk): each judged on what the ones before it left (a
/// household then its people, an edit, a void, a child of a refused
/// parent), logged in the order pushed, the records as merged.
fn a_big_push_is_judged_in_order_and_logged_in_order(backend: Backend) {
    let s = server(backend);
    let member = s.member(0, 1);
    let mut a = s.enroll(member);
    let mut batch = Vec::new();
    let mut households = Vec::new();
    for i in 0..23 {
        let (h, c) = a.household(s.village(0), &format!("Hộ {i}"));
        batch.push(c);
        let (r, c) = a.resident(h, &format!("Người {i}"));
        batch.push(c);
        let (v, c) = a.visit(h, member);
        batch.push(c);
        let (_, c) = a.action(v, r, "vneid_l2");
        batch.push(c);
        households.push((h, v));
    }
    // A household out of scope, and a resident of it: both refused.
    let (far, c) = a.household(s.village(1), "Hộ ngoài phạm vi");
    batch.push(c);
    let (_, c) = a.resident(far, "Người ngoài");
    batch.push(c);
    // An edit and a void of records created earlier in the same push.
    let (h0, v0) = households[0];
    let seen = batch[0].hlc;
    batch.push(a.edit(
        EntityKind::Household,
        h0.0,
        json!({ "head_name": "Chủ hộ mới" }),
        seen,
    ));
    batch.push(a.void(EntityKind::Visit, v0.0, member, "Nhầm hộ"));
    let results = s.push(&a, &batch);
    let refused: Vec<usize> = (0..batch.len())
        .filter(|i| results[*i] != ApplyResult::Applied)
        .collect();
    assert_eq!(refused, vec![92, 93], "{results:?}");
    assert_eq!(rejected_code(&results[92]), "out_of_scope");
    assert_eq!(rejected_code(&results[93]), "unknown_parent");
    let taken: Vec<ChangeId> = batch
        .iter()
        .enumerate()
        .filter(|(i, _)| !refused.contains(i))
        .map(|(_, c)| c.id)
        .collect();
    let pulled: Vec<ChangeId> = s.pull_all(&a, 1000).iter().map(|(_, c)| c.id).collect();
    assert_eq!(pulled, taken, "logged in the order pushed");
    let h = s.db.record(h0.0).unwrap().unwrap();
    assert_eq!(h.fields["head_name"], "Chủ hộ mới");
    assert_eq!(h.fields["address"], "Số 5, ngõ 2");
    let v = s.db.record(v0.0).unwrap().unwrap();
    assert_eq!(v.fields["voided"]["reason"], "Nhầm hộ");
    assert!(s.db.record(far.0).unwrap().is_none());
    // Pushed again: all had (the refused ones judged again, and refused).
    let again = s.push(&a, &batch);
    assert!(
        again
            .iter()
            .enumerate()
            .all(|(i, r)| refused.contains(&i) != (*r == ApplyResult::AlreadyHad))
    );
}

/// Pushes committed as one group are judged as if one after the other (the
/// second sees what the first kept); a token refused fails its own push
/// alone.
fn a_group_of_pushes_is_judged_in_turn(backend: Backend) {
    let s = server(backend);
    let mut a = s.enroll(s.member(0, 1));
    let mut b = s.enroll(s.member(0, 2));
    let (h, c1) = a.household(s.village(0), "Nguyễn Văn Nhóm");
    let (_, c2) = b.resident(h, "Nguyễn Thị Nhóm");
    let (_, c3) = b.household(s.village(0), "Không được nhận");
    let out =
        s.db.push_group(&[
            (a.token.clone(), vec![c1.clone()]),
            ("0".repeat(64), vec![c3]),
            (b.token.clone(), vec![c2.clone()]),
        ])
        .unwrap();
    assert_eq!(out.len(), 3);
    let (auth, r) = out[0].as_ref().unwrap();
    assert_eq!(auth.device_id, a.auth.device_id);
    assert_eq!(r, &vec![(c1.id, ApplyResult::Applied)]);
    assert!(matches!(out[1], Err(CentralError::Unauthorized)));
    let (_, r) = out[2].as_ref().unwrap();
    assert_eq!(r, &vec![(c2.id, ApplyResult::Applied)]);
    let pulled: Vec<ChangeId> = s.pull_all(&a, 10).iter().map(|(_, c)| c.id).collect();
    assert_eq!(pulled, vec![c1.id, c2.id]);
}

on_each_backend!(
    a_group_of_pushes_is_judged_in_turn,
    a_big_push_is_judged_in_order_and_logged_in_order,
    a_household_moving_reaches_both_villages_and_its_history_follows,
    codes_work_once_in_any_case_and_expire,
    concurrent_pushes_land_once_in_one_order,
    tokens_and_codes_are_kept_only_as_hashes,
    unknown_and_revoked_tokens_are_refused,
    scope_follows_the_role,
    writes_outside_the_scope_are_refused,
    a_retried_push_is_taken_once,
    a_bad_change_is_refused_alone,
    facts_are_only_ever_voided,
    pull_pages_within_the_scope_in_server_order,
    concurrent_edits_converge_and_the_loser_is_logged,
    targets_are_set_per_commune_and_checked,
    the_organisation_is_built_by_the_admin_calls,
);
