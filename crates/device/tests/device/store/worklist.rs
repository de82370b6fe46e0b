//! Visits driving the worklist and the month figures.

use super::*;

#[test]
fn visits_drive_the_worklist_and_the_month_figures() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let mut s = open_new(dir.path(), "a.db", &f);
    let at = Utc.with_ymd_and_hms(2026, 11, 10, 3, 0, 0).unwrap();
    let today = local_date(at);
    let mut poor = household(&f, "Lò Văn Pản");
    poor.flags.poor = true;
    poor.flags.elderly_only = true;
    let poor = s.write(|b| b.add_household(poor)).unwrap();
    let plain = s
        .write(|b| b.add_household(household(&f, "Cầm Thị Xuân")))
        .unwrap();
    let grandma = s
        .write(|b| b.add_resident(resident(poor.id, "Lò Thị Ún", 1948)))
        .unwrap();
    let xuan = s
        .write(|b| b.add_resident(resident(plain.id, "Cầm Thị Xuân", 1985)))
        .unwrap();

    let list = s.worklist(&[f.village], today, 7).unwrap();
    let order: Vec<HouseholdId> = list.not_visited.iter().map(|h| h.household.id).collect();
    assert_eq!(order, vec![poor.id, plain.id], "priority groups first");

    let due = today + chrono::Duration::days(3);
    let (visit, actions) = s
        .write(|b| {
            b.log_visit(VisitInput {
                household_id: poor.id,
                members: vec![f.member, f.colleague],
                at,
                form: VisitForm::DoorToDoor,
                outcome: VisitOutcome::Met,
                note: Some("Bà cần con cháu hỗ trợ".into()),
                actions: vec![
                    ActionInput {
                        resident_id: grandma.id,
                        action: "vneid_l2".parse().unwrap(),
                        outcome: ActionOutcome::Done,
                    },
                    ActionInput {
                        resident_id: grandma.id,
                        action: "ehealth_book".parse().unwrap(),
                        outcome: ActionOutcome::FollowUp { due },
                    },
                    ActionInput {
                        resident_id: grandma.id,
                        action: "bank_account".parse().unwrap(),
                        outcome: ActionOutcome::NotPossible {
                            reason: CannotReason::NoSmartphone,
                            note: None,
                        },
                    },
                ],
            })
        })
        .unwrap();
    assert_eq!(actions.len(), 3);
    assert_eq!(
        s.unsent_count().unwrap(),
        4 + 4,
        "4 records before, visit + 3 actions now"
    );

    let list = s.worklist(&[f.village], today, 7).unwrap();
    assert_eq!(
        list.not_visited
            .iter()
            .map(|h| h.household.id)
            .collect::<Vec<_>>(),
        vec![plain.id]
    );
    assert_eq!(list.follow_ups.len(), 1);
    assert_eq!(list.follow_ups[0].resident_id, grandma.id);
    assert!(!list.follow_ups[0].overdue);
    assert!(
        s.worklist(&[f.village], today, 1)
            .unwrap()
            .follow_ups
            .is_empty(),
        "not due within a day"
    );

    let month = Month::of(today);
    let m = s.member_month(f.member, month).unwrap();
    assert_eq!((m.households_helped, m.assists), (1, 2));
    let t = s.team_month(f.team, month).unwrap();
    assert_eq!(
        (t.assists, t.households_helped),
        (2, 1),
        "a shared visit counts once for the team"
    );
    assert_eq!(t.members_below_quota.len(), 2);

    let page = s.household(poor.id).unwrap();
    assert_eq!(page.visits.len(), 1);
    assert_eq!(page.visits[0].members, vec!["Lê Văn Hùng", "Phạm Thị Lan"]);
    let checklist = &page.residents[0].checklist;
    let vneid = checklist
        .iter()
        .find(|i| i.action.as_str() == "vneid_l2")
        .unwrap();
    assert_eq!(vneid.status, gocua_core::rules::ChecklistStatus::Done);

    // A later success closes the follow-up.
    s.write(|b| {
        b.log_visit(VisitInput {
            household_id: poor.id,
            members: vec![f.colleague],
            at: at + chrono::Duration::days(2),
            form: VisitForm::DoorToDoor,
            outcome: VisitOutcome::Met,
            note: None,
            actions: vec![ActionInput {
                resident_id: grandma.id,
                action: "ehealth_book".parse().unwrap(),
                outcome: ActionOutcome::Done,
            }],
        })
    })
    .unwrap();
    assert!(
        s.worklist(&[f.village], today, 7)
            .unwrap()
            .follow_ups
            .is_empty()
    );

    // Voiding the first visit takes it out of the figures.
    s.write(|b| b.void_visit(visit.id, "Ghi nhầm hộ", f.member))
        .unwrap();
    let m = s.member_month(f.member, month).unwrap();
    assert_eq!((m.households_helped, m.assists), (0, 0));
    assert_eq!(s.member_month(f.colleague, month).unwrap().assists, 1);

    // Wrong inputs are refused whole.
    let before = s.unsent_count().unwrap();
    let wrong_home = s.write(|b| {
        b.log_visit(VisitInput {
            household_id: poor.id,
            members: vec![f.member],
            at,
            form: VisitForm::DoorToDoor,
            outcome: VisitOutcome::Met,
            note: None,
            actions: vec![ActionInput {
                resident_id: xuan.id,
                action: "vneid_l2".parse().unwrap(),
                outcome: ActionOutcome::Done,
            }],
        })
    });
    assert!(matches!(wrong_home, Err(StoreError::Invalid(_))));
    let unknown = s.write(|b| {
        b.log_visit(VisitInput {
            household_id: plain.id,
            members: vec![f.member],
            at,
            form: VisitForm::DoorToDoor,
            outcome: VisitOutcome::Met,
            note: None,
            actions: vec![ActionInput {
                resident_id: xuan.id,
                action: "teleport".parse().unwrap(),
                outcome: ActionOutcome::Done,
            }],
        })
    });
    assert!(matches!(unknown, Err(StoreError::Invalid(_))));
    assert_eq!(s.unsent_count().unwrap(), before);
    let _ = NaiveDate::MIN;
}
