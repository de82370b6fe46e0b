//! The phone refuses what the server's push judge refuses (issue 15): the
//! same rules (`gocua_core::credit`, `validate`), so nothing the phone
//! saves comes back from the server as refused. Names are kept in NFC
//! whatever the keyboard sent; a control character is refused.

use super::*;
use gocua_core::{ActionCode, DeviceId};
use gocua_device::{DeviceToken, NewEnrollment};

/// The fixture's commune with a second village and its team of one.
fn two_teams() -> (Fixture, MemberId) {
    let mut f = org();
    let village = Village {
        id: VillageId::new(),
        commune_id: f.org.commune.id,
        name: "Thôn Bắc".into(),
    };
    let team = Team {
        id: TeamId::new(),
        commune_id: f.org.commune.id,
        name: "Tổ CNS Bắc".into(),
        village_ids: vec![village.id],
    };
    let stranger = Member {
        id: MemberId::new(),
        commune_id: f.org.commune.id,
        team_id: Some(team.id),
        full_name: "Đỗ Văn Xa".into(),
        role: Role::Member,
    };
    let id = stranger.id;
    f.org.villages.push(village);
    f.org.teams.push(team);
    f.org.members.push(stranger);
    (f, id)
}

fn visit(h: HouseholdId, members: Vec<MemberId>) -> VisitInput {
    VisitInput {
        household_id: h,
        members,
        at: Utc::now(),
        form: VisitForm::DoorToDoor,
        outcome: VisitOutcome::Met,
        note: None,
        actions: Vec::new(),
    }
}

fn refused_with(r: Result<impl std::fmt::Debug, StoreError>, code: &str) {
    match r {
        Err(StoreError::Invalid(e)) => {
            assert!(
                e.0.iter().any(|e| e.code() == code),
                "{code} expected: {e:?}"
            );
            assert!(!e.message_vi().is_empty());
        }
        other => panic!("{code} expected, got {other:?}"),
    }
}

#[test]
fn the_phone_refuses_what_the_server_refuses() {
    let dir = TempDir::new().unwrap();
    let (f, stranger) = two_teams();
    let mut s = open_new(dir.path(), "a.db", &f);
    let h = s
        .write(|b| b.add_household(household(&f, "Trần Văn Lợi")))
        .unwrap()
        .id;
    let r = s
        .write(|b| b.add_resident(resident(h, "Trần Thị Mai", 1980)))
        .unwrap()
        .id;

    refused_with(
        s.write(|b| b.add_household(household(&f, "Lê Văn\u{0}Tám"))),
        "control_character",
    );
    let mut consent = resident(h, "Trần Văn Đồng", 1980);
    consent.consent_on = NaiveDate::from_ymd_opt(9999, 12, 31);
    refused_with(s.write(|b| b.add_resident(consent)), "consent_date");

    let other_team = visit(h, vec![stranger]);
    refused_with(s.write(|b| b.log_visit(other_team)), "member_not_serving");
    let beside = visit(h, vec![f.member, stranger]);
    refused_with(s.write(|b| b.log_visit(beside)), "member_not_serving");
    let crowd = visit(h, vec![f.member; 400]);
    refused_with(s.write(|b| b.log_visit(crowd)), "repeated_member");
    let mut far = visit(h, vec![f.member]);
    far.at = Utc.with_ymd_and_hms(9999, 12, 31, 0, 0, 0).unwrap();
    refused_with(s.write(|b| b.log_visit(far)), "visit_date");
    let mut due = visit(h, vec![f.member]);
    due.actions.push(ActionInput {
        resident_id: r,
        action: "bank_account".parse::<ActionCode>().unwrap(),
        outcome: ActionOutcome::FollowUp {
            due: NaiveDate::from_ymd_opt(9999, 12, 31).unwrap(),
        },
    });
    refused_with(s.write(|b| b.log_visit(due)), "follow_up_due");
    assert_eq!(
        s.outbox_pending(100).unwrap().len(),
        2,
        "only the good two wait to go"
    );

    // A decomposed note is kept composed, as the server requires.
    let mut noted = visit(h, vec![f.member]);
    noted.note = Some("Ba\u{300} vui".into());
    let (v, _) = s.write(|b| b.log_visit(noted)).unwrap();
    assert_eq!(v.note.as_deref(), Some("Bà vui"));
}

#[test]
fn an_enrolled_phone_signs_as_its_member() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let mut s = open_new(dir.path(), "b.db", &f);
    s.enroll(&NewEnrollment {
        server_url: "https://192.0.2.1:8443".into(),
        token: DeviceToken::new("tok"),
        server_fingerprint: "AB".repeat(32),
        device_id: DeviceId::new(),
        device_name: "Máy của Lan".into(),
        member_id: f.colleague,
        scope: serde_json::json!({ "villages": [f.village] }),
        org: f.org.clone(),
        catalogue: Vec::new(),
    })
    .unwrap();
    let h = s
        .write(|b| b.add_household(household(&f, "Trần Văn Lợi")))
        .unwrap()
        .id;
    // The leader is not who holds this phone: crediting only them is
    // refused, as is a void signed with their id.
    let leader_only = visit(h, vec![f.member]);
    refused_with(s.write(|b| b.log_visit(leader_only)), "not_credited");
    let mine = visit(h, vec![f.colleague, f.member]);
    let (v, _) = s.write(|b| b.log_visit(mine)).unwrap();
    refused_with(
        s.write(|b| b.void_visit(v.id, "Ghi nhầm", f.member)),
        "not_signer",
    );
    s.write(|b| b.void_visit(v.id, "Ghi nhầm", f.colleague))
        .unwrap();
}
