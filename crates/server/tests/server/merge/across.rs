//! A merge across villages (issue 6), hand-worked. Thôn Đông (Tổ 1, An's
//! phone) and Thôn Tây (Tổ 2, Bình's phone); officer Lan:
//!   H1 in Đông: A "Nguyễn Thị Đào" 1960; An: A VNeID level 2, follow-up today
//!   H2 in Tây: B "Nguyen Thi Dao" 1960, D "Trần Văn Ba" 1980;
//!     Bình: B VNeID level 2 done and D bank account done (one visit),
//!     B e-health book done (a second visit)
//! Before: Đông VNeID 0 of 1 (A), e-health 0 of 1. B merged into A: Đông
//! VNeID 1 of 1, e-health 1 of 1 (B's actions count for A), on the server
//! and on An's phone, whose worklist no longer lists A's follow-up; An's
//! phone holds B and her two visits but never D nor D's action. Undone:
//! back to before on An's phone too. Converged again, then Bình voids B's
//! e-health action: Đông e-health 0 of 1 on both; then the visit of her
//! VNeID: Đông VNeID 0 of 1 on both, A's follow-up listed again.

use super::*;

struct Two {
    args: Vec<OsString>,
    dong: VillageId,
    tay: VillageId,
    an: MemberId,
    binh: MemberId,
    officer: String,
}

fn set_up_two(args: Vec<OsString>) -> Two {
    let org = OrgAdmin::new(&args);
    let commune = org.commune("Xã Hai Thôn");
    let (dong, tay) = (
        org.village(&commune, "Thôn Đông"),
        org.village(&commune, "Thôn Tây"),
    );
    let (t1, t2) = (
        org.team(&commune, "Tổ 1", &dong),
        org.team(&commune, "Tổ 2", &tay),
    );
    let member =
        |name: &str, role: &str, team: Option<&str>| org.member(&commune, name, role, team);
    Two {
        an: member("Lê Văn An", "team_leader", Some(&t1))
            .parse()
            .unwrap(),
        binh: member("Trần Thị Bình", "team_leader", Some(&t2))
            .parse()
            .unwrap(),
        officer: member("Nguyễn Thị Lan", "commune_officer", None),
        dong: dong.parse().unwrap(),
        tay: tay.parse().unwrap(),
        args,
    }
}

impl Two {
    fn world(&self) -> World {
        World {
            args: self.args.clone(),
            village: self.dong,
            an: self.an,
            binh: self.binh,
            officer: self.officer.clone(),
        }
    }

    /// (achieved, denominator) of an indicator in one village, this month,
    /// as the server reports it.
    fn server_village(&self, village: VillageId, ind: Indicator) -> (u64, u64) {
        let report = month_report(&self.args);
        let place = report["indicators"]["villages"]
            .as_array()
            .expect("villages")
            .iter()
            .find(|p| p["place"]["id"] == village.to_string().as_str())
            .expect("the village");
        figure(place, ind)
    }

    fn merge(&self, duplicate: ResidentId, into: Option<ResidentId>) {
        let (dup, into) = (duplicate.to_string(), into.map(|i| i.to_string()));
        let mut a = vec![
            "merge-residents",
            "--member",
            &self.officer,
            "--duplicate",
            &dup,
        ];
        match &into {
            Some(i) => a.extend(["--into", i.as_str()]),
            None => a.push("--unmerge"),
        }
        admin_with(&server_bin(), &self.args, &a);
    }
}

fn log(
    store: &mut Store,
    h: HouseholdId,
    member: MemberId,
    actions: &[(ResidentId, &str, ActionOutcome)],
) -> (VisitId, Vec<ActionId>) {
    let (v, acts) = store
        .write(|b| {
            b.log_visit(VisitInput {
                household_id: h,
                members: vec![member],
                at: Utc::now(),
                form: VisitForm::DoorToDoor,
                outcome: VisitOutcome::Met,
                note: None,
                actions: actions
                    .iter()
                    .map(|(r, code, outcome)| ActionInput {
                        resident_id: *r,
                        action: code.parse().unwrap(),
                        outcome: outcome.clone(),
                    })
                    .collect(),
            })
        })
        .unwrap();
    (v.id, acts.into_iter().map(|a| a.id).collect())
}

/// A's VNeID and e-health statuses on the phone's household page.
fn checklist(store: &Store, h: HouseholdId, a: ResidentId) -> Vec<(String, ChecklistStatus)> {
    let page = store.household(h).unwrap();
    let her = page.residents.iter().find(|r| r.resident.id == a).unwrap();
    her.checklist
        .iter()
        .filter(|i| ["vneid_l2", "ehealth_book"].contains(&i.action.as_str()))
        .map(|i| (i.action.to_string(), i.status.clone()))
        .collect()
}

fn quiet_sync(store: &mut Store) {
    let r = sync(store);
    assert_eq!((r.rejected, r.quarantined), (0, 0), "{r:?}");
}

pub(crate) fn a_merge_across_villages_reaches_the_kept_residents_village(backend: Backend) {
    let place = Place::new(backend);
    let t = set_up_two(place.server_args());
    let w = t.world();
    let server = RunningServer::start_with(&server_bin(), &t.args);
    let mut an = w.phone(&place, &server, t.an, "Máy của An");
    let mut binh = w.phone(&place, &server, t.binh, "Máy của Bình");
    let today = local_date(Utc::now());
    let h1 = household(&mut an, t.dong, "Nguyễn Thị Đào");
    let a = resident(&mut an, h1, "Nguyễn Thị Đào", 1960);
    let due = ActionOutcome::FollowUp { due: today };
    log(&mut an, h1, t.an, &[(a, "vneid_l2", due)]);
    let h2 = household(&mut binh, t.tay, "Trần Văn Ba");
    let b = resident(&mut binh, h2, "Nguyen Thi Dao", 1960);
    let d = resident(&mut binh, h2, "Trần Văn Ba", 1980);
    let done = || ActionOutcome::Done;
    let (first, _) = log(
        &mut binh,
        h2,
        t.binh,
        &[(b, "vneid_l2", done()), (d, "bank_account", done())],
    );
    let (second, ehealth) = log(&mut binh, h2, t.binh, &[(b, "ehealth_book", done())]);
    quiet_sync(&mut an);
    quiet_sync(&mut binh);
    quiet_sync(&mut an);
    let figures = |store: &Store| {
        [Indicator::VneidL2, Indicator::EhealthBook].map(|i| phone_figure(store, t.dong, i))
    };
    let server_dong =
        || [Indicator::VneidL2, Indicator::EhealthBook].map(|i| t.server_village(t.dong, i));
    assert_eq!(server_dong(), [(0, 1), (0, 1)]);
    assert_eq!(figures(&an), server_dong());
    let follow_ups = |store: &Store| {
        store
            .worklist(&[t.dong], today, 0)
            .unwrap()
            .follow_ups
            .iter()
            .map(|f| (f.resident_id, f.action.to_string()))
            .collect::<Vec<_>>()
    };
    assert_eq!(follow_ups(&an), [(a, "vneid_l2".to_string())]);
    assert!(an.household(h2).is_err(), "Tây is not An's");

    // Converged by the officer: An's phone gets the merge and B's history,
    // and counts her actions for A as the server does.
    t.merge(b, Some(a));
    assert_eq!(server_dong(), [(1, 1), (1, 1)]);
    assert_eq!(
        t.server_village(t.tay, Indicator::VneidL2),
        (0, 1),
        "D alone"
    );
    let r = sync(&mut an);
    assert_eq!((r.rejected, r.quarantined), (0, 0), "{r:?}");
    assert!(r.history_applied >= 4, "B, her household and visits: {r:?}");
    assert_eq!(figures(&an), server_dong());
    assert_eq!(
        checklist(&an, h1, a),
        [
            ("vneid_l2".to_string(), ChecklistStatus::Done),
            ("ehealth_book".to_string(), ChecklistStatus::Done)
        ]
    );
    let page = an.household(h1).unwrap();
    let her = page.residents.iter().find(|r| r.resident.id == a).unwrap();
    assert_eq!(her.merged_from.len(), 1);
    assert_eq!(her.merged_from[0].resident_id, b);
    assert_eq!(her.merged_from[0].actions.len(), 2);
    assert!(follow_ups(&an).is_empty(), "done by Tây's team");
    // Only B of Tây: not D, nor D's action, nor Tây in An's lists.
    let h2_on_an = an.household(h2).unwrap();
    assert!(h2_on_an.residents.is_empty(), "{:?}", h2_on_an.residents);
    let mut visits: Vec<VisitId> = h2_on_an.visits.iter().map(|v| v.id).collect();
    visits.sort();
    let mut expected = vec![first, second];
    expected.sort();
    assert_eq!(visits, expected);
    for v in &h2_on_an.visits {
        for x in &v.actions {
            assert_ne!(x.action_code, "bank_account", "D's action reached An");
        }
    }
    let hits = an.search("tran van ba", 10).unwrap();
    assert!(
        hits.is_empty(),
        "Tây's household is out of An's search: {hits:?}"
    );
    assert!(
        an.household(h2)
            .unwrap()
            .residents
            .iter()
            .all(|r| r.resident.id != d),
        "D stays in Tây"
    );
    assert_eq!(an.list_households(&[t.dong]).unwrap().len(), 1);
    assert_eq!(
        an.worklist(&[t.dong], today, 0).unwrap().not_visited.len(),
        0
    );

    // Undone ("tách"): A needs VNeID again on An's phone, as on the server.
    t.merge(b, None);
    assert_eq!(server_dong(), [(0, 1), (0, 1)]);
    quiet_sync(&mut an);
    assert_eq!(figures(&an), server_dong());
    assert_eq!(follow_ups(&an), [(a, "vneid_l2".to_string())]);
    assert!(
        an.household(h1).unwrap().residents[0]
            .merged_from
            .is_empty()
    );

    // Converged again; a later void of B's action reaches An's phone.
    t.merge(b, Some(a));
    quiet_sync(&mut an);
    assert_eq!(figures(&an), server_dong());
    assert_eq!(server_dong(), [(1, 1), (1, 1)]);
    quiet_sync(&mut binh);
    binh.write(|x| x.void_action(ehealth[0], "Ghi nhầm", t.binh))
        .unwrap();
    quiet_sync(&mut binh);
    assert_eq!(server_dong(), [(1, 1), (0, 1)]);
    quiet_sync(&mut an);
    assert_eq!(figures(&an), server_dong());
    assert_eq!(
        checklist(&an, h1, a)[1],
        ("ehealth_book".to_string(), ChecklistStatus::Pending)
    );
    // And a void of the visit that did her VNeID.
    binh.write(|x| x.void_visit(first, "Ghi nhầm hộ", t.binh))
        .unwrap();
    quiet_sync(&mut binh);
    assert_eq!(server_dong(), [(0, 1), (0, 1)]);
    quiet_sync(&mut an);
    assert_eq!(figures(&an), server_dong());
    assert_eq!(follow_ups(&an), [(a, "vneid_l2".to_string())]);
}
