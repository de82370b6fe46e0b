//! Merged residents: their records share their follow-ups.

use super::*;

/// Issue 6 on the device: a follow-up of a record merged into another is
/// the person's — closed by the other record's done, else shown under the
/// one kept, in their household. Unmerged, it is the record's again.
#[test]
fn merged_records_share_their_follow_ups() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let mut s = open_new(dir.path(), "a.db", &f);
    let today = local_date(Utc::now());
    let h1 = s
        .write(|b| b.add_household(household(&f, "Nguyễn Thị Đào")))
        .unwrap()
        .id;
    let h2 = s
        .write(|b| b.add_household(household(&f, "Trần Văn Ba")))
        .unwrap()
        .id;
    let a = s
        .write(|b| b.add_resident(resident(h1, "Nguyễn Thị Đào", 1960)))
        .unwrap()
        .id;
    let dup = s
        .write(|b| b.add_resident(resident(h2, "Nguyen Thi Dao", 1960)))
        .unwrap()
        .id;
    let log = |s: &mut Store, h, r, code: &str, outcome| {
        s.write(|b| {
            b.log_visit(VisitInput {
                household_id: h,
                members: vec![f.member],
                at: Utc::now(),
                form: VisitForm::DoorToDoor,
                outcome: VisitOutcome::Met,
                note: None,
                actions: vec![ActionInput {
                    resident_id: r,
                    action: code.parse().unwrap(),
                    outcome,
                }],
            })
        })
        .unwrap();
    };
    let due = ActionOutcome::FollowUp { due: today };
    log(&mut s, h2, dup, "vneid_l2", due.clone());
    log(&mut s, h2, dup, "bank_account", due);
    log(&mut s, h1, a, "vneid_l2", ActionOutcome::Done);
    let open = |s: &Store| {
        let mut v: Vec<(String, String, HouseholdId)> = s
            .worklist(&[f.village], today, 7)
            .unwrap()
            .follow_ups
            .into_iter()
            .map(|i| {
                (
                    i.action.as_str().to_string(),
                    i.resident_name,
                    i.household_id,
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        open(&s),
        [
            ("bank_account".into(), "Nguyen Thi Dao".into(), h2),
            ("vneid_l2".into(), "Nguyen Thi Dao".into(), h2),
        ]
    );
    s.write(|b| b.merge_resident(dup, a)).unwrap();
    assert_eq!(
        open(&s),
        [("bank_account".into(), "Nguyễn Thị Đào".into(), h1)],
        "VNeID done on A closes it; the bank account is hers, at her home"
    );
    assert_eq!(s.household(h2).unwrap().residents.len(), 0);
    assert!(matches!(
        s.write(|b| b.merge_resident(a, a)),
        Err(StoreError::Invalid(_))
    ));
    s.write(|b| b.unmerge_resident(dup)).unwrap();
    assert_eq!(open(&s).len(), 2);
    assert_eq!(s.household(h2).unwrap().residents.len(), 1);
}
