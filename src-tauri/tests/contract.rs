//! The contract between the shell's commands and the UI. Both sides use
//! `gocua-app-api`'s types, so their fields cannot drift apart; what can
//! still break in the web view is checked here: that what one side writes
//! the other reads back as the same value (real answers of the store, as the
//! commands return them, and the forms the UI sends — tagged enums, months,
//! days, ids and marks all through JSON), and that the shell's errors read
//! as the UI's `ApiError`.

use chrono::Datelike;
use gocua_app_api::{
    ActionEntry, ChecklistStatus, HouseholdInput, ResidentForm, SessionInfo, VisitEntry,
};
use gocua_core::{ActionOutcome, HouseholdFlags, Sex, VisitOutcome};
use gocua_device::demo::{DemoSpec, load_demo};
use gocua_device::{DbKey, Store};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// `value` sent as JSON and read back as the same type: it must come back
/// equal (a field the reading side drops, renames or cannot parse fails).
fn reads_back<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: &T) -> T {
    let json = serde_json::to_string(value).expect("serialises");
    let back: T = match serde_json::from_str(&json) {
        Ok(v) => v,
        Err(e) => panic!("{e}\n{json}"),
    };
    assert_eq!(&back, value, "{json}");
    back
}

fn demo_store(dir: &std::path::Path) -> Store {
    let mut store = Store::open(&dir.join("c.db"), &DbKey::Raw([7; 32])).unwrap();
    store.init_device("Máy kiểm thử").unwrap();
    let today = store.today();
    load_demo(
        &mut store,
        DemoSpec {
            households: 40,
            actions: 200,
            seed: 3,
            today,
        },
    )
    .unwrap();
    store
}

#[test]
fn store_answers_and_forms_read_back_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = demo_store(dir.path());
    let org = store.org().unwrap().unwrap();
    let villages: Vec<_> = org.villages.iter().map(|v| v.id).collect();
    let today = store.today();

    let w = reads_back(&store.worklist(&villages, today, 30).unwrap());
    assert!(!w.not_visited.is_empty() || !w.follow_ups.is_empty());

    // A household the UI way: its input, a resident form, a visit entry.
    let input = reads_back(&HouseholdInput {
        village_id: Some(villages[0]),
        address: "Số 5, ngõ 2".into(),
        head_name: "Nguyễn Thị Đào".into(),
        phone: Some("0912 345 678".into()),
        flags: HouseholdFlags {
            elderly_only: true,
            ..Default::default()
        },
    });
    let h = store.write(|b| b.add_household(input)).unwrap();
    let form = reads_back(&ResidentForm {
        household_id: h.id,
        full_name: "Nguyễn Thị Đào".into(),
        birth_year: today.year() - 70,
        sex: Sex::Female,
        has_smartphone: true,
        consent: true,
    });
    let r = store
        .write(|b| {
            b.add_resident(gocua_core::ResidentInput {
                household_id: form.household_id,
                full_name: form.full_name,
                birth_year: form.birth_year,
                sex: form.sex,
                has_smartphone: form.has_smartphone,
                consent_on: Some(today),
                citizen_id_hash: None,
            })
        })
        .unwrap();
    let entry = reads_back(&VisitEntry {
        household_id: h.id,
        outcome: VisitOutcome::Met,
        note: Some("Hẹn chiều mai".into()),
        actions: vec![
            ActionEntry {
                resident_id: r.id,
                action: "vneid_l2".parse().unwrap(),
                outcome: ActionOutcome::Done,
            },
            ActionEntry {
                resident_id: r.id,
                action: "ehealth_book".parse().unwrap(),
                outcome: ActionOutcome::FollowUp {
                    due: today + chrono::Duration::days(7),
                },
            },
        ],
    });
    assert_eq!(entry.actions.len(), 2);
    // A member who is not the leader: the leader's mark below is theirs
    // to fix (a mark is never on its own author's list).
    let member = org
        .members
        .iter()
        .find(|m| m.team_id.is_some() && m.role != gocua_core::Role::TeamLeader)
        .unwrap()
        .id;
    store
        .write(|b| {
            b.log_visit(gocua_core::VisitInput {
                household_id: entry.household_id,
                members: vec![member],
                at: chrono::Utc::now(),
                form: gocua_core::VisitForm::DoorToDoor,
                outcome: entry.outcome,
                note: entry.note,
                actions: entry
                    .actions
                    .into_iter()
                    .map(|a| gocua_core::ActionInput {
                        resident_id: a.resident_id,
                        action: a.action,
                        outcome: a.outcome,
                    })
                    .collect(),
            })
        })
        .unwrap();

    let d = reads_back(&store.household(h.id).unwrap());
    assert_eq!(d.household.head_name, "Nguyễn Thị Đào");
    assert_eq!(d.visits.len(), 1);
    assert_eq!(d.visits[0].actions.len(), 2);
    assert_eq!(d.visits[0].day, today);
    let checklist = &d.residents[0].checklist;
    assert!(
        checklist
            .iter()
            .any(|i| i.action.as_str() == "vneid_l2" && i.status == ChecklistStatus::Done)
    );

    // Issue 6: the same woman entered again, helped once, then merged into
    // the first record: one resident on the page, carrying both.
    let dup = store
        .write(|b| {
            b.add_resident(gocua_core::ResidentInput {
                household_id: h.id,
                full_name: "Nguyen Thi Dao".into(),
                birth_year: today.year() - 70,
                sex: Sex::Female,
                has_smartphone: true,
                consent_on: Some(today),
                citizen_id_hash: None,
            })
        })
        .unwrap();
    store
        .write(|b| {
            b.log_visit(gocua_core::VisitInput {
                household_id: h.id,
                members: vec![member],
                at: chrono::Utc::now(),
                form: gocua_core::VisitForm::DoorToDoor,
                outcome: VisitOutcome::Met,
                note: None,
                actions: vec![gocua_core::ActionInput {
                    resident_id: dup.id,
                    action: "bank_account".parse().unwrap(),
                    outcome: ActionOutcome::Done,
                }],
            })
        })
        .unwrap();
    store.write(|b| b.merge_resident(dup.id, r.id)).unwrap();
    let d = reads_back(&store.household(h.id).unwrap());
    assert_eq!(d.residents.len(), 1);
    let merged = &d.residents[0].merged_from;
    assert_eq!(merged.len(), 1);
    assert_eq!(merged[0].full_name, "Nguyen Thi Dao");
    assert_eq!(merged[0].actions[0].day, today);
    assert!(
        d.residents[0]
            .checklist
            .iter()
            .any(|i| i.action.as_str() == "bank_account" && i.status == ChecklistStatus::Done)
    );

    let hits = reads_back(&store.search("nguyen thi dao", 10).unwrap());
    assert!(hits.iter().any(|x| x.household_id == h.id));
    reads_back(&store.catalogue().unwrap());
    let due = store
        .worklist(&villages, today + chrono::Duration::days(8), 0)
        .unwrap();
    let due = reads_back(&due);
    assert!(due.follow_ups.iter().any(|f| f.household_id == h.id));

    // The review loop: a leader's mark on the visit, as the home and
    // household screens read it.
    let leader = org
        .members
        .iter()
        .find(|m| m.role == gocua_core::Role::TeamLeader)
        .unwrap()
        .id;
    let visit = d.visits[0].id;
    store
        .write(|b| {
            b.open_review(
                leader,
                gocua_core::review::ReviewInput {
                    target_kind: gocua_core::EntityKind::Visit,
                    target_id: visit.0,
                    comment: "Sai ngày hẹn".into(),
                    assignee: None,
                },
            )
        })
        .unwrap();
    let marks = store
        .review_marks(gocua_device::ReviewQuery {
            open_for: Some(member),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    let marks = reads_back(&marks);
    assert_eq!(marks.len(), 1, "asked of the visit's recorder");
    assert_eq!(marks[0].mark.comment, "Sai ngày hẹn");
    assert_eq!(marks[0].mark.household_id, h.id);
    assert!(marks[0].target_label.starts_with("Lượt thăm ngày"));
    // The leader made it: it is the team's to fix, not on his own list.
    let own = store
        .review_marks(gocua_device::ReviewQuery {
            open_for: Some(leader),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert!(own.is_empty(), "the leader's own mark is not his to-do");
}

#[test]
fn the_session_and_errors_read_back() {
    let org = gocua_core::demo::demo_org(2);
    let info = SessionInfo {
        member: org.members[0].clone(),
        team_name: Some(org.teams[0].name.clone()),
        commune_name: org.commune.name.clone(),
        villages: org.villages.clone(),
        device_name: "Máy".into(),
        server_url: Some("https://127.0.0.1:8443".into()),
        is_leader: true,
        today: gocua_core::month::local_date(chrono::Utc::now()),
    };
    reads_back(&info);
    // The one pair of types still apart: the shell's error (made from the
    // store's and sync's) and the UI's reading of a rejected call.
    let err = gocua_app_lib::error::ApiError::locked();
    let back = gocua_ui::ipc::ApiError::from_json(&serde_json::to_string(&err).unwrap());
    assert!(back.is_locked());
}

/// The leader's training view (`commands::training`), from the
/// organisation and the records a sync brought. Team 0 of the demo (leader and
/// two members) as of 20/05/2026: the leader trained twice this year, one
/// member last year only, one never: 1/3, untrained first.
#[test]
fn the_team_training_view() {
    use gocua_app_lib::commands::training::team_training_view;
    use gocua_core::training::TrainingRecord;
    let org = gocua_core::demo::demo_org(2);
    let team: Vec<_> = org
        .members
        .iter()
        .filter(|m| m.team_id == Some(org.teams[0].id))
        .collect();
    let (leader, a, b) = (team[0], team[1], team[2]);
    let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let rec = |m: &gocua_core::Member, topic: &str, d| TrainingRecord {
        member_id: m.id,
        topic: topic.into(),
        day: d,
    };
    let records = [
        rec(leader, "VNeID mức độ 2", day(2026, 3, 12)),
        rec(leader, "An toàn thông tin", day(2026, 4, 2)),
        rec(a, "Chữ ký số", day(2025, 11, 5)),
    ];
    let view = team_training_view(&org, leader, &records, day(2026, 5, 20)).unwrap();
    assert_eq!((view.trained, view.total, view.met), (1, 3, false));
    assert_eq!(view.team_name, org.teams[0].name);
    assert_eq!(view.goal_day, day(2026, 6, 30));
    assert_eq!(view.status_vi, "Còn 42 ngày đến hạn 30/06/2026");
    let trained: Vec<bool> = view.members.iter().map(|m| m.trained).collect();
    assert_eq!(trained, [false, false, true], "untrained first");
    let last = view.members.last().unwrap();
    assert_eq!(last.name, leader.full_name);
    assert_eq!(last.sessions_this_year, 2);
    assert_eq!(last.last_day, Some(day(2026, 4, 2)));
    assert_eq!(last.last_topic.as_deref(), Some("An toàn thông tin"));
    let a_line = view.members.iter().find(|m| m.name == a.full_name).unwrap();
    assert_eq!(a_line.last_day, Some(day(2025, 11, 5)));
    assert!(
        view.members
            .iter()
            .any(|m| m.name == b.full_name && m.last_day.is_none())
    );
    let officer = org.members.iter().find(|m| m.team_id.is_none()).unwrap();
    assert!(team_training_view(&org, officer, &records, day(2026, 5, 20)).is_err());
}

/// The leader's Tổ screen (`commands::reports::team_view`): a month steps
/// back (never past today's), and its quarter sums the months against
/// 3 × the monthly quota, with the deadlines the office page shows.
#[test]
fn the_leaders_month_steps_back_and_sums_its_quarter() {
    use gocua_app_lib::commands::reports::team_view;
    use gocua_core::Month;
    use gocua_core::indicators::{Deadlines, Quarter};
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path());
    let org = store.org().unwrap().unwrap();
    let team = org.teams[0].id;
    let today = store.today();
    let now = reads_back(&team_view(&store, team, None, today).unwrap());
    assert_eq!(now.month, Month::of(today).to_string());
    assert_eq!(now.next_month, None, "no month after the current one");
    let q = Quarter::of(today);
    assert_eq!(now.quarter.label, q.label_vi());
    assert_eq!(now.quarter.months.len(), 3);
    assert_eq!(now.quarter.quota, 3 * now.quota);
    assert_eq!(now.quarter.deadlines, Deadlines::of(q, today));
    assert_eq!(now.quarter.deadlines.team_report_before.day(), 15);
    assert_eq!(now.quarter.deadlines.commune_report_before.day(), 26);
    let sum: usize = now.quarter.months.iter().map(|m| m.assists).sum();
    assert_eq!(now.quarter.assists, sum);
    let line = now
        .quarter
        .months
        .iter()
        .find(|m| m.month == now.month)
        .unwrap();
    assert_eq!(line.assists, now.assists);
    assert!(!line.future);

    let prev: Month = now.prev_month.as_deref().unwrap().parse().unwrap();
    let back = team_view(&store, team, Some(prev), today).unwrap();
    assert_eq!(back.month, prev.to_string());
    assert_eq!(back.next_month.as_deref(), Some(now.month.as_str()));
    let ahead = team_view(&store, team, Some(Month::of(today).next()), today).unwrap();
    assert_eq!(
        ahead.month, now.month,
        "a month to come shows the current one"
    );

    let pq: Month = now
        .quarter
        .prev_quarter_month
        .as_deref()
        .unwrap()
        .parse()
        .unwrap();
    let earlier = team_view(&store, team, Some(pq), today).unwrap();
    assert_eq!(
        earlier.quarter.label,
        Quarter::of(pq.first_day()).label_vi()
    );
    assert_eq!(
        earlier.month,
        pq.to_string(),
        "a quarter back is its last month"
    );
    assert!(earlier.quarter.months.iter().all(|m| !m.future));
    assert_eq!(
        earlier.quarter.next_quarter_month,
        Some(q.months()[2].min(Month::of(today)).to_string())
    );
}
