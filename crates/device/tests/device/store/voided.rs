//! Households and residents the commune office withdrew (issue 16: an
//! undone registry import) arrive as an ordinary change setting `voided`;
//! they leave every list, the search index, the worklist and the figures,
//! and come back when restored. A resident's own phone is kept and shown.

use super::*;
use gocua_core::indicators::Indicator;
use gocua_core::{Change, ChangeId, DeviceId, EntityKind, Hlc, Void};
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// A change from the office's device, stamped after anything the test made.
fn office_change(entity: EntityKind, id: Uuid, fields: Value, tick: u32) -> Change {
    let Value::Object(fields) = fields else {
        panic!("fields")
    };
    Change {
        id: ChangeId::new(),
        entity,
        entity_id: id,
        hlc: Hlc {
            wall_ms: u64::try_from(Utc::now().timestamp_millis()).unwrap() + 60_000,
            counter: tick,
            device: DeviceId(Uuid::from_u128(7)),
        },
        fields,
        base: Default::default(),
    }
}

fn void_value() -> Value {
    serde_json::to_value(Void {
        reason: "Hủy lần nhập danh sách số 1".into(),
        by: MemberId(Uuid::from_u128(9)),
        at: Utc::now(),
    })
    .unwrap()
}

fn ids(hits: &[gocua_device::SearchHit]) -> Vec<HouseholdId> {
    hits.iter().map(|h| h.household_id).collect()
}

#[test]
fn withdrawn_rows_leave_lists_search_worklist_and_figures_until_restored() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let mut a = open_new(dir.path(), "a.db", &f);
    let mut b = open_new(dir.path(), "b.db", &f);
    let gone = a
        .write(|w| w.add_household(household(&f, "Vi Văn Pấu")))
        .unwrap();
    a.write(|w| w.add_resident(resident(gone.id, "Vi Thị Nhung", 2001)))
        .unwrap();
    let kept = a
        .write(|w| w.add_household(household(&f, "Lò Văn Sáng")))
        .unwrap();
    let stays = a
        .write(|w| w.add_resident(resident(kept.id, "Lò Thị Hoa", 1990)))
        .unwrap();
    let out = a
        .write(|w| w.add_resident(resident(kept.id, "Lò Thị Mai", 1992)))
        .unwrap();
    let made: Vec<_> = a
        .outbox_pending(100)
        .unwrap()
        .into_iter()
        .map(|e| e.change)
        .collect();
    b.apply_remote(&made).unwrap();
    let today = local_date(Utc::now());
    let figures = |s: &Store| {
        let c = s.indicator_counts(today).unwrap();
        let c = c.get(&f.village).cloned().unwrap_or_default();
        (
            c.get(Indicator::HouseholdsReached).denominator,
            c.get(Indicator::DigitalCitizens).denominator,
        )
    };
    assert_eq!(figures(&b), (2, 3));
    assert_eq!(b.list_households(&[]).unwrap().len(), 2);

    // The office withdraws one household and one person of the other.
    let void = void_value();
    let withdraw = vec![
        office_change(EntityKind::Household, gone.id.0, json!({"voided": void}), 1),
        office_change(EntityKind::Resident, out.id.0, json!({"voided": void}), 2),
    ];
    assert_eq!(
        b.apply_remote(&withdraw).unwrap(),
        vec![ApplyOutcome::Applied, ApplyOutcome::Applied]
    );
    {
        let s = &b;
        assert!(s.search("vi van pau", 10).unwrap().is_empty(), "long key");
        assert!(s.search("vi", 10).unwrap().is_empty(), "short key");
        assert!(
            s.search("nhung", 10).unwrap().is_empty(),
            "a person of a withdrawn household"
        );
        assert!(s.search("lo thi mai", 10).unwrap().is_empty());
        assert!(s.search("ma", 10).unwrap().is_empty(), "short key, person");
        assert_eq!(ids(&s.search("lo thi hoa", 10).unwrap()), vec![kept.id]);
        let list = s.list_households(&[]).unwrap();
        assert_eq!(list.iter().map(|h| h.id).collect::<Vec<_>>(), vec![kept.id]);
        let work = s.worklist(&[f.village], today, 30).unwrap();
        let listed: Vec<_> = work.not_visited.iter().map(|w| w.household.id).collect();
        assert_eq!(listed, vec![kept.id]);
        assert_eq!(work.not_visited[0].resident_count, 1);
        let page = s.household(kept.id).unwrap();
        let people: Vec<_> = page.residents.iter().map(|r| r.resident.id).collect();
        assert_eq!(people, vec![stays.id]);
        let gone_page = s.household(gone.id).unwrap();
        assert!(gone_page.household.voided.is_some(), "opens, saying so");
        assert_eq!(figures(s), (1, 1));
    }

    // A member's form edit of the withdrawn household keeps the void and
    // sends no change to it.
    let before = b.unsent_count().unwrap();
    b.write(|w| w.update_household(gone.id, household(&f, "Vi Văn Pấu (sửa)")))
        .unwrap();
    let edit = b.outbox_pending(100).unwrap();
    assert_eq!(edit.len() as i64, before + 1);
    let last = &edit.last().unwrap().change;
    assert!(!last.fields.contains_key("voided"), "{:?}", last.fields);
    assert!(b.household(gone.id).unwrap().household.voided.is_some());
    assert!(b.search("sua", 10).unwrap().is_empty());

    // Restored: back everywhere.
    let restore = vec![office_change(
        EntityKind::Household,
        gone.id.0,
        json!({"voided": null}),
        3,
    )];
    b.apply_remote(&restore).unwrap();
    assert_eq!(ids(&b.search("vi van pau", 10).unwrap()), vec![gone.id]);
    assert_eq!(ids(&b.search("nhung", 10).unwrap()), vec![gone.id]);
    assert_eq!(b.list_households(&[]).unwrap().len(), 2);
    assert_eq!(figures(&b), (2, 2));
}

#[test]
fn a_residents_own_phone_is_kept_shown_and_survives_a_form_edit() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let mut b = open_new(dir.path(), "b.db", &f);
    let h = b
        .write(|w| w.add_household(household(&f, "Hà Văn Đức")))
        .unwrap();
    let r = b
        .write(|w| w.add_resident(resident(h.id, "Hà Thị Thu", 1985)))
        .unwrap();
    let mut fields = Map::new();
    fields.insert("phone".into(), json!("0912345678"));
    let phone = office_change(EntityKind::Resident, r.id.0, Value::Object(fields), 1);
    assert_eq!(
        b.apply_remote(&[phone]).unwrap(),
        vec![ApplyOutcome::Applied]
    );
    let shown = |s: &Store| {
        s.household(h.id).unwrap().residents[0]
            .resident
            .phone
            .clone()
    };
    assert_eq!(shown(&b).as_deref(), Some("0912345678"));
    b.write(|w| w.update_resident(r.id, resident(h.id, "Hà Thị Thu", 1986)))
        .unwrap();
    assert_eq!(
        shown(&b).as_deref(),
        Some("0912345678"),
        "the form has no phone"
    );
    let last = b.outbox_pending(100).unwrap().pop().unwrap().change;
    assert!(!last.fields.contains_key("phone"), "{:?}", last.fields);
}
