//! Part 2: the central database's judge on pushes made by hand, marks
//! judged by role and scope.

use super::*;

/// A device of one member, pushing changes it stamps itself.
struct Pusher<'a> {
    db: &'a CentralDb,
    auth: DeviceAuth,
    clock: HlcClock,
}

impl<'a> Pusher<'a> {
    fn new(db: &'a CentralDb, m: MemberId) -> Pusher<'a> {
        let code = db.issue_code(m, Duration::hours(1)).unwrap();
        let e = db.redeem_code(&code.code, "Máy thử").unwrap();
        Pusher {
            db,
            clock: HlcClock::new(e.auth.device_id),
            auth: e.auth,
        }
    }

    fn push(&mut self, entity: EntityKind, id: Uuid, fields: Map<String, Value>) -> ApplyResult {
        let change = Change {
            id: ChangeId::new(),
            entity,
            entity_id: id,
            hlc: self.clock.tick(Utc::now().timestamp_millis() as u64),
            fields,
            base: FieldClocks::new(),
        };
        let mut out = self.db.push(&self.auth, &[change]).unwrap();
        out.pop().unwrap().1
    }

    fn household(&mut self, village: VillageId) -> HouseholdId {
        let h = Household {
            id: HouseholdId::new(),
            village_id: village,
            address: "Xóm Bãi".into(),
            head_name: "Lò Văn Sơn".into(),
            phone: None,
            voided: None,
            flags: HouseholdFlags::default(),
        };
        let r = self.push(EntityKind::Household, h.id.0, fields_of(&h));
        assert_eq!(r, ApplyResult::Applied);
        h.id
    }

    fn mark(&mut self, household: HouseholdId, author: MemberId) -> (ReviewMark, ApplyResult) {
        let mark = ReviewMark::open(
            ReviewMarkId::new(),
            ReviewInput {
                target_kind: EntityKind::Household,
                target_id: household.0,
                comment: "Thiếu số điện thoại".into(),
                assignee: None,
            },
            household,
            author,
            Utc::now(),
        )
        .unwrap();
        let r = self.push(EntityKind::ReviewMark, mark.id.0, fields_of(&mark));
        (mark, r)
    }
}

fn marks_are_judged_by_role_and_scope(backend: Backend) {
    let place = Place::new(backend);
    let db = place.central();
    let org = demo_org(2);
    db.import_org(&org).unwrap();
    let other = demo_org(1);
    db.import_org(&other).unwrap();
    let (l0, m01, l1) = (member(&org, 0, 0), member(&org, 0, 1), member(&org, 1, 0));
    let (v0, v1) = (org.teams[0].village_ids[0], org.teams[1].village_ids[0]);

    let mut leader = Pusher::new(&db, l0);
    let mut mine = Pusher::new(&db, m01);
    let mut other_leader = Pusher::new(&db, l1);
    let mut office = Pusher::new(&db, officer(&org));
    let mut stranger = Pusher::new(&db, officer(&other));
    let h0 = mine.household(v0);
    let h1 = other_leader.household(v1);

    // Opening: the team's leader and the officer; nobody else.
    let (mark, r) = leader.mark(h0, l0);
    assert_eq!(r, ApplyResult::Applied);
    assert_eq!(code(&mine.mark(h0, m01).1), "not_allowed", "a member");
    assert_eq!(
        code(&other_leader.mark(h0, l1).1),
        "out_of_scope",
        "another team"
    );
    assert_eq!(
        code(&stranger.mark(h0, officer(&other)).1),
        "out_of_scope",
        "another commune"
    );
    assert_eq!(
        code(&leader.mark(h0, l1).1),
        "not_allowed",
        "in another's name"
    );
    assert_eq!(
        code(&leader.mark(h1, l0).1),
        "out_of_scope",
        "the other village"
    );
    assert_eq!(
        code(&office.mark(h1, officer(&org)).1),
        "applied",
        "the officer: all the commune"
    );
    // A mark naming a household its record is not in, or a record the
    // server does not have.
    let mut wrong = ReviewMark::open(
        ReviewMarkId::new(),
        ReviewInput {
            target_kind: EntityKind::Household,
            target_id: h0.0,
            comment: "x".into(),
            assignee: None,
        },
        h1,
        l0,
        Utc::now(),
    )
    .unwrap();
    assert_eq!(
        code(&leader.push(EntityKind::ReviewMark, wrong.id.0, fields_of(&wrong))),
        "invalid"
    );
    wrong.household_id = HouseholdId(Uuid::now_v7());
    wrong.target_id = wrong.household_id.0;
    assert_eq!(
        code(&leader.push(EntityKind::ReviewMark, wrong.id.0, fields_of(&wrong))),
        "unknown_parent"
    );

    // Resolving: the member, as themselves, touching nothing else.
    let mut reworded = mark.clone();
    reworded.comment = "Không cần sửa".into();
    assert_eq!(
        code(&mine.push(
            EntityKind::ReviewMark,
            mark.id.0,
            step(&reworded, &["comment"])
        )),
        "not_allowed"
    );
    let forged = mark.resolved(l0, None, Utc::now()).unwrap();
    let resolve = ["state", "resolved_by", "resolved_at", "reply"];
    assert_eq!(
        code(&mine.push(EntityKind::ReviewMark, mark.id.0, step(&forged, &resolve))),
        "not_allowed",
        "resolved in the leader's name"
    );
    let mut half = mark.resolved(m01, None, Utc::now()).unwrap();
    assert_eq!(
        code(&mine.push(EntityKind::ReviewMark, mark.id.0, step(&half, &["state"]))),
        "invalid",
        "resolved by nobody"
    );
    half.target_id = h1.0;
    assert_eq!(
        code(&leader.push(
            EntityKind::ReviewMark,
            mark.id.0,
            step(&half, &["target_id"])
        )),
        "immutable"
    );
    let fixed = mark.resolved(m01, Some("Đã bổ sung"), Utc::now()).unwrap();
    assert_eq!(
        mine.push(EntityKind::ReviewMark, mark.id.0, step(&fixed, &resolve)),
        ApplyResult::Applied
    );
    let again = fixed.reopened(None).unwrap();
    let reopen = ["state", "resolved_by", "resolved_at"];
    assert_eq!(
        code(&mine.push(EntityKind::ReviewMark, mark.id.0, step(&again, &reopen))),
        "not_allowed",
        "a member does not reopen"
    );
    assert_eq!(
        leader.push(EntityKind::ReviewMark, mark.id.0, step(&again, &reopen)),
        ApplyResult::Applied
    );
    let stored = db.record(mark.id.0).unwrap().unwrap();
    assert_eq!(stored.village_id, v0);
    assert_eq!(stored.fields["state"], "open");
    assert_eq!(stored.fields["reply"], "Đã bổ sung");

    // The reports ignore marks, and still catch up past them.
    db.catch_up_reports(org.commune.id, 100).unwrap();
    let lag = db.report_lag(org.commune.id).unwrap();
    assert_eq!(lag.projected, lag.head);

    let steps: Vec<ReviewStep> = db
        .change_audit(org.commune.id, Some(EntityKind::ReviewMark), 10)
        .unwrap()
        .iter()
        .map(|e| e.review.as_ref().unwrap().0)
        .collect();
    assert_eq!(
        steps,
        [
            ReviewStep::Reopened,
            ReviewStep::Resolved,
            ReviewStep::Opened,
            ReviewStep::Opened
        ]
    );
    assert!(
        db.change_audit(other.commune.id, Some(EntityKind::ReviewMark), 10)
            .unwrap()
            .is_empty()
    );
}

on_each_backend!(marks_are_judged_by_role_and_scope);
