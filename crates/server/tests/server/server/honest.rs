//! The push judge checks what the phone checks (issue 15, findings 5 and
//! 7): a device pushing, over HTTPS to the real server, what its own forms
//! never make — another team's member credited, a void signed with
//! someone else's id, a NUL or a decomposed name, dates of year 0 or 9999,
//! one member listed 400 times — has each change refused with a
//! Vietnamese reason, and the month's figures stay as they were.

use super::*;
use chrono::DateTime;

/// A server with a demo commune of two villages; a member of each team
/// enrolled, and the first one's household and resident in place.
struct Field {
    s: Server,
    p: Place,
    org: OrgSnapshot,
    /// A plain member of team 0 (village 0).
    me: Device,
    /// A plain member of team 1 (village 1).
    other: Device,
    household: HouseholdId,
    resident: ResidentId,
}

fn field(backend: Backend) -> Field {
    let p = Place::new(backend);
    let s = start(&p);
    let (org, _) = demo(&p, 2);
    let plain = |team: usize| {
        org.members
            .iter()
            .filter(|m| m.team_id == Some(org.teams[team].id))
            .find(|m| m.role == gocua_core::Role::Member)
            .unwrap()
            .id
    };
    let mut me = s.device(&new_code(&p, plain(0)));
    let other = s.device(&new_code(&p, plain(1)));
    let (household, h) = me.household(me.village(), "Nguyễn Thị Lan");
    let (resident, r) = me.resident(household, "Nguyễn Thị Lan");
    assert_eq!(s.push(&me, &[h, r]), vec![PushOutcome::Applied; 2]);
    Field {
        s,
        p,
        org,
        me,
        other,
        household,
        resident,
    }
}

impl Field {
    fn officer(&self) -> MemberId {
        self.org
            .members
            .iter()
            .find(|m| m.role == gocua_core::Role::CommuneOfficer)
            .unwrap()
            .id
    }

    /// The commune's November figures, as the office's report gives them.
    fn figures(&self) -> Value {
        let d = admin(
            &self.p,
            &["report", "--month", "2026-11", "--today", "2026-12-07"],
        );
        json!({ "work": d["work"], "villages": d["villages"], "teams": d["teams"] })
    }

    /// Push, and expect each change refused with `code` and a reason
    /// containing `says`.
    fn refused(&self, d: &Device, changes: &[Change], code: &str, says: &str) {
        for r in self.s.push(d, changes) {
            let PushOutcome::Rejected { code: got, message } = &r else {
                panic!("expected {code}, got {r:?}");
            };
            assert_eq!(got, code, "{message}");
            assert!(message.contains(says), "{message:?} should say {says:?}");
        }
    }

    /// Whether the server hands `id`'s record to the pushing device.
    fn pulled(&self, d: &Device, id: uuid::Uuid) -> bool {
        self.s.pull_all(d).iter().any(|c| c.entity_id == id)
    }
}

fn set(c: &mut Change, name: &str, value: Value) {
    c.fields.insert(name.into(), value);
}

fn credit_only_another_teams_member(backend: Backend) {
    let mut f = field(backend);
    let empty = f.figures();
    // The other team's member has one assist of their own in November.
    let (h2, ch) = f.other.household(f.other.village(), "Lò Văn Páo");
    let (r2, cr) = f.other.resident(h2, "Lò Văn Páo");
    let (v2, cv) = f.other.visit(h2);
    let ca = f.other.action(v2, r2);
    assert_eq!(
        f.s.push(&f.other, &[ch, cr, cv, ca]),
        vec![PushOutcome::Applied; 4]
    );
    let before = f.figures();
    assert_ne!(before, empty, "the report counts their work");

    // My phone credits only them, with three "done" actions.
    let stranger = f.other.e.member.id;
    let (visit, mut cv) = f.me.visit(f.household);
    set(&mut cv, "members", json!([stranger]));
    let actions: Vec<Change> = (0..3).map(|_| f.me.action(visit, f.resident)).collect();
    f.refused(&f.me, &[cv], "not_credited", "ghi nhận chính tổ viên");
    f.refused(&f.me, &actions, "unknown_parent", "chưa có trên máy chủ");
    // Crediting myself and them: they do not serve my village.
    let (_, mut both) = f.me.visit(f.household);
    set(&mut both, "members", json!([f.me.e.member.id, stranger]));
    f.refused(
        &f.me,
        &[both],
        "member_not_serving",
        "không thuộc tổ phụ trách",
    );
    assert_eq!(f.figures(), before, "no figure moved");
    assert!(!f.pulled(&f.other, visit.0));
}

fn credit_only_the_officer(backend: Backend) {
    let mut f = field(backend);
    let before = f.figures();
    let (visit, mut cv) = f.me.visit(f.household);
    set(&mut cv, "members", json!([f.officer()]));
    let action = f.me.action(visit, f.resident);
    f.refused(&f.me, &[cv], "not_credited", "ghi nhận chính tổ viên");
    f.refused(&f.me, &[action], "unknown_parent", "chưa có trên máy chủ");
    assert_eq!(f.figures(), before);
    // My own visit, with the officer beside me, is taken: an officer
    // serves every village.
    let (_, mut with_officer) = f.me.visit(f.household);
    set(
        &mut with_officer,
        "members",
        json!([f.me.e.member.id, f.officer()]),
    );
    assert_eq!(f.s.push(&f.me, &[with_officer]), vec![PushOutcome::Applied]);
}

fn a_void_signed_with_another_id(backend: Backend) {
    let mut f = field(backend);
    let (visit, cv) = f.me.visit(f.household);
    let ca = f.me.action(visit, f.resident);
    assert_eq!(f.s.push(&f.me, &[cv, ca]), vec![PushOutcome::Applied; 2]);
    let before = f.figures();
    let officer = f.officer();
    let forged =
        f.me.void_change(EntityKind::Visit, visit.0, officer, Utc::now());
    f.refused(
        &f.me,
        &[forged],
        "not_signer",
        "chính người dùng thiết bị này",
    );
    assert_eq!(f.figures(), before, "the visit still counts");
    let mine = f.me.e.member.id;
    let own =
        f.me.void_change(EntityKind::Visit, visit.0, mine, Utc::now());
    assert_eq!(f.s.push(&f.me, &[own]), vec![PushOutcome::Applied]);
    assert_ne!(f.figures(), before, "a void of one's own is taken");
}

fn a_nul_in_a_name(backend: Backend) {
    let mut f = field(backend);
    let before = f.figures();
    let (h, head) = f.me.household(f.me.village(), "Lê Văn\u{0}Tám");
    let (r, resident) = f.me.resident(f.household, "Lê\u{0}Thị Chín");
    f.refused(&f.me, &[head, resident], "invalid", "ký tự điều khiển");
    let edit = f.me.edit_change(
        EntityKind::Household,
        f.household.0,
        "head_name",
        "Bà\u{1b}[2J",
    );
    f.refused(&f.me, &[edit], "invalid", "ký tự điều khiển");
    assert!(!f.pulled(&f.me, h.0) && !f.pulled(&f.me, r.0));
    assert_eq!(f.figures(), before);
}

fn a_name_not_in_nfc(backend: Backend) {
    let mut f = field(backend);
    // "Nguyễn Văn Ánh" as some keyboards send it: letters, then marks.
    let decomposed = "Nguye\u{302}\u{303}n Va\u{306}n A\u{301}nh";
    assert_ne!(decomposed, "Nguyễn Văn Ánh");
    let (h, head) = f.me.household(f.me.village(), decomposed);
    let (r, resident) = f.me.resident(f.household, decomposed);
    f.refused(&f.me, &[head, resident], "invalid", "NFC");
    assert!(!f.pulled(&f.me, h.0) && !f.pulled(&f.me, r.0));
}

fn far_days() -> [(DateTime<Utc>, &'static str); 2] {
    [
        (
            Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).unwrap(),
            "0000-01-01",
        ),
        (
            Utc.with_ymd_and_hms(9999, 12, 31, 0, 0, 0).unwrap(),
            "9999-12-31",
        ),
    ]
}

fn a_visit_dated_year_0_or_9999(backend: Backend) {
    let mut f = field(backend);
    let before = f.figures();
    for (at, _) in far_days() {
        let (visit, mut cv) = f.me.visit(f.household);
        set(&mut cv, "at", json!(at));
        f.refused(&f.me, &[cv], "invalid", "Ngày thăm không hợp lệ");
        assert!(!f.pulled(&f.me, visit.0));
    }
    // Two days ahead of the server's clock is refused too; a day is grace.
    let (_, mut ahead) = f.me.visit(f.household);
    set(
        &mut ahead,
        "at",
        json!(Utc::now() + chrono::TimeDelta::days(2)),
    );
    f.refused(&f.me, &[ahead], "invalid", "Ngày thăm không hợp lệ");
    assert_eq!(f.figures(), before);
}

fn a_consent_dated_year_0_or_9999(backend: Backend) {
    let mut f = field(backend);
    for (_, day) in far_days() {
        let (r, mut cr) = f.me.resident(f.household, "Trần Văn Đồng");
        set(&mut cr, "consent_on", json!(day));
        f.refused(&f.me, &[cr], "invalid", "đồng ý lưu thông tin");
        assert!(!f.pulled(&f.me, r.0));
    }
    let (_, mut tomorrow_but_one) = f.me.resident(f.household, "Trần Văn Đồng");
    let day = (Utc::now() + chrono::TimeDelta::days(3)).date_naive();
    set(&mut tomorrow_but_one, "consent_on", json!(day));
    f.refused(&f.me, &[tomorrow_but_one], "invalid", "tương lai");
}

fn a_follow_up_due_in_year_0_or_9999(backend: Backend) {
    let mut f = field(backend);
    let (visit, cv) = f.me.visit(f.household);
    assert_eq!(f.s.push(&f.me, &[cv]), vec![PushOutcome::Applied]);
    let before = f.figures();
    for (_, day) in far_days().into_iter().chain([(Utc::now(), "2027-11-04")]) {
        let mut ca = f.me.action(visit, f.resident);
        set(
            &mut ca,
            "outcome",
            json!({"status": "follow_up", "due": day}),
        );
        f.refused(&f.me, &[ca], "invalid", "ngày hẹn quay lại");
    }
    let mut within = f.me.action(visit, f.resident);
    set(
        &mut within,
        "outcome",
        json!({"status": "follow_up", "due": "2027-11-02"}),
    );
    assert_eq!(f.s.push(&f.me, &[within]), vec![PushOutcome::Applied]);
    assert_ne!(f.figures(), before, "a follow-up within a year counts");
}

fn a_void_dated_year_0_or_9999(backend: Backend) {
    let mut f = field(backend);
    let (visit, cv) = f.me.visit(f.household);
    let ca = f.me.action(visit, f.resident);
    assert_eq!(f.s.push(&f.me, &[cv, ca]), vec![PushOutcome::Applied; 2]);
    let before = f.figures();
    let mine = f.me.e.member.id;
    for (at, _) in far_days() {
        let void = f.me.void_change(EntityKind::Visit, visit.0, mine, at);
        f.refused(&f.me, &[void], "invalid", "Thời điểm hủy không hợp lệ");
    }
    assert_eq!(f.figures(), before, "the visit still counts");
}

fn one_member_listed_400_times(backend: Backend) {
    let mut f = field(backend);
    let before = f.figures();
    let (visit, mut cv) = f.me.visit(f.household);
    set(&mut cv, "members", json!(vec![f.me.e.member.id; 400]));
    set(&mut cv, "note", Value::Null);
    let size = serde_json::to_vec(&cv).unwrap().len();
    assert!(
        size < wire::MAX_CHANGE_BYTES,
        "under the size bound: {size}"
    );
    let action = f.me.action(visit, f.resident);
    f.refused(&f.me, &[cv], "invalid", "một lần");
    f.refused(&f.me, &[action], "unknown_parent", "chưa có trên máy chủ");
    assert_eq!(f.figures(), before);
}

impl Device {
    /// A void of a visit or an action, signed `by`, made `at`.
    fn void_change(
        &mut self,
        entity: EntityKind,
        id: uuid::Uuid,
        by: MemberId,
        at: DateTime<Utc>,
    ) -> Change {
        let void = gocua_core::Void {
            reason: "Ghi nhầm".into(),
            by,
            at,
        };
        let mut fields = Map::new();
        fields.insert("voided".into(), serde_json::to_value(void).unwrap());
        self.change(entity, id, fields)
    }

    /// An edit of one field.
    fn edit_change(
        &mut self,
        entity: EntityKind,
        id: uuid::Uuid,
        name: &str,
        value: &str,
    ) -> Change {
        let mut fields = Map::new();
        fields.insert(name.into(), json!(value));
        self.change(entity, id, fields)
    }
}

on_each_backend!(
    credit_only_another_teams_member,
    credit_only_the_officer,
    a_void_signed_with_another_id,
    a_nul_in_a_name,
    a_name_not_in_nfc,
    a_visit_dated_year_0_or_9999,
    a_consent_dated_year_0_or_9999,
    a_follow_up_due_in_year_0_or_9999,
    a_void_dated_year_0_or_9999,
    one_member_listed_400_times,
);
