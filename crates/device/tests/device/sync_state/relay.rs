//! The relay's tables (issue 18): its certificate made once, one-time
//! codes spent once, members' held changes kept as sent (never edited)
//! with the server's result added, copies of pulled pages served by
//! village; and a member's relay pulls leaving the server cursor alone.

use super::*;
use gocua_device::{HeldChange, RelayMember, RelayedResult};

fn member(f: &Fixture) -> RelayMember {
    RelayMember {
        device_id: DeviceId::new(),
        member_id: f.member,
        signing_key: "ab".repeat(32),
    }
}

#[test]
fn the_certificate_is_kept_once_and_codes_pair_once() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let (mut s, _) = enrolled(dir.path(), "lead.db", &f);
    assert!(s.relay_identity().unwrap().is_none());
    let first = s.keep_relay_identity(b"cert", b"key", "AA").unwrap();
    let again = s.keep_relay_identity(b"other", b"other", "bb").unwrap();
    assert_eq!(again, first, "members pinned the first");
    assert_eq!(first.fingerprint, "aa");

    let soon = chrono::Utc::now() + chrono::Duration::minutes(15);
    s.add_relay_code("h1", soon).unwrap();
    s.add_relay_code("old", chrono::Utc::now() - chrono::Duration::minutes(1))
        .unwrap();
    assert!(s.relay_code_usable("h1").unwrap());
    assert!(!s.relay_code_usable("old").unwrap(), "expired");
    assert!(!s.relay_code_usable("nope").unwrap());
    let m = member(&f);
    assert!(s.relay_pair("h1", &m, "t1").unwrap());
    assert!(!s.relay_pair("h1", &m, "t2").unwrap(), "spent");
    assert!(!s.relay_code_usable("h1").unwrap());
    assert_eq!(s.relay_member_by_token("t1").unwrap(), Some(m.clone()));
    assert_eq!(s.relay_member_by_token("t2").unwrap(), None);
    // Pairing again replaces the token.
    s.add_relay_code("h2", soon).unwrap();
    assert!(s.relay_pair("h2", &m, "t3").unwrap());
    assert_eq!(s.relay_member_by_token("t1").unwrap(), None);
    assert_eq!(s.relay_members().unwrap(), vec![m]);
}

#[test]
fn held_work_is_kept_as_sent_with_the_servers_result_added() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let (mut author, device) = enrolled(dir.path(), "m.db", &f);
    author
        .write(|w| w.add_household(household(&f, "Lò Văn Xa")))
        .unwrap();
    author
        .write(|w| w.add_household(household(&f, "Lò Thị Gần")))
        .unwrap();
    let changes = pending(&author);
    let held: Vec<HeldChange> = changes
        .iter()
        .map(|c| HeldChange {
            change: c.clone(),
            signature: "cd".repeat(64),
        })
        .collect();
    let (mut lead, _) = enrolled(dir.path(), "lead.db", &f);
    let before = lead.unsent_count().unwrap();
    assert_eq!(lead.relay_hold(device, &held).unwrap(), vec![None, None]);
    assert_eq!(lead.relay_hold(device, &held[..1]).unwrap(), vec![None]);
    assert_eq!(lead.relay_unforwarded(10).unwrap(), held, "once each");
    assert_eq!(lead.unsent_count().unwrap(), before, "not the leader's own");
    assert!(lead.list_households(&[]).unwrap().is_empty());

    let refused = RelayedResult::Rejected {
        code: "bad_signature".into(),
        message: "Chữ ký không khớp.".into(),
    };
    lead.relay_settle(&[
        (changes[0].id, RelayedResult::Applied),
        (changes[1].id, refused.clone()),
    ])
    .unwrap();
    assert!(lead.relay_unforwarded(10).unwrap().is_empty());
    assert_eq!(
        lead.relay_hold(device, &held).unwrap(),
        vec![Some(RelayedResult::Applied), Some(refused)]
    );
    assert_eq!(lead.relay_held_counts().unwrap(), (0, 2));
    drop(lead);

    // Never edited, even by hand, while the schema's guard stands.
    let conn = rusqlite::Connection::open(dir.path().join("lead.db")).unwrap();
    conn.pragma_update(
        None,
        "key",
        "x'0707070707070707070707070707070707070707070707070707070707070707'",
    )
    .unwrap();
    let edit = conn.execute(
        "UPDATE relay_held SET change = json_set(change, '$.fields.head_name', 'Khác')",
        [],
    );
    let err = edit.unwrap_err().to_string();
    assert!(err.contains("never edited"), "{err}");
}

#[test]
fn pulled_pages_are_copied_once_a_relay_and_served_by_village() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let (mut a, _) = enrolled(dir.path(), "a.db", &f);
    for head in ["Hộ Một", "Hộ Hai", "Hộ Ba"] {
        a.write(|w| w.add_household(household(&f, head))).unwrap();
    }
    let changes = pending(&a);
    let page = |range: std::ops::Range<usize>, village: Option<VillageId>| -> Vec<Pulled> {
        range
            .map(|i| Pulled {
                seq: i as i64 + 1,
                change: changes[i].clone(),
                moved_from: None,
                village,
            })
            .collect()
    };
    let (mut lead, _) = enrolled(dir.path(), "lead.db", &f);
    lead.apply_pulled(&page(0..1, Some(f.village)), 1).unwrap();
    let none = lead.relay_pulled_page(0, &[f.village], 10).unwrap();
    assert!(none.changes.is_empty(), "not a relay yet: nothing copied");
    lead.keep_relay_identity(b"c", b"k", "ff").unwrap();
    lead.apply_pulled(&page(1..2, Some(f.village)), 2).unwrap();
    lead.apply_pulled(&page(2..3, Some(f.other)), 3).unwrap();
    // A history page brings an older seq later; copied once.
    lead.apply_pulled(&page(1..2, Some(f.village)), 3).unwrap();

    let mine = lead.relay_pulled_page(0, &[f.village], 10).unwrap();
    assert_eq!(mine.changes, page(1..2, Some(f.village)));
    assert!(!mine.more);
    let rest = lead
        .relay_pulled_page(mine.cursor, &[f.village], 10)
        .unwrap();
    assert!(rest.changes.is_empty() && rest.cursor == mine.cursor);
    assert!(
        lead.relay_pulled_page(0, &[], 10)
            .unwrap()
            .changes
            .is_empty()
    );
    let both = lead.relay_pulled_page(0, &[f.village, f.other], 1).unwrap();
    assert!(both.more && both.changes.len() == 1);

    // A member applies it on its relay cursor; the server cursor stays.
    let (mut b, _) = enrolled(dir.path(), "b.db", &f);
    b.apply_pull_page(&[], 40).unwrap();
    assert!(
        b.apply_relay_pulled(&mine.changes, mine.cursor).is_err(),
        "not joined"
    );
    b.set_relay_link("https://192.0.2.9:8444", "EE", &DeviceToken::new("t"))
        .unwrap();
    let out = b.apply_relay_pulled(&mine.changes, mine.cursor).unwrap();
    assert_eq!(out, vec![ApplyOutcome::Applied]);
    assert_eq!(b.sync_state().unwrap().pull_cursor, 40);
    let link = b.relay_link().unwrap().unwrap();
    assert_eq!(
        (link.pull_cursor, link.fingerprint.as_str()),
        (mine.cursor, "ee")
    );
    assert_eq!(
        b.unsent_count().unwrap(),
        0,
        "applied work never enters the outbox"
    );
}
