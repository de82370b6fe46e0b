//! The file itself: its schema made once, encrypted under its key, every
//! write logged as a change, bad input refused in Vietnamese.

use super::*;

#[test]
fn schema_is_created_once_and_reopening_changes_nothing() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let path = dir.path().join("a.db");
    drop(open_new(dir.path(), "a.db", &f));
    for _ in 0..2 {
        let s = Store::open(&path, &key()).unwrap();
        assert!(s.device().unwrap().is_some());
        assert_eq!(s.integrity_check().unwrap(), "ok");
    }
    // Each migration once, however often the file is opened.
    let migrations = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../migrations/device"
    ))
    .unwrap()
    .count();
    assert!(migrations >= 4, "{migrations}");
    assert_eq!(
        raw_count(&path, "SELECT count(*) FROM schema_migrations"),
        migrations as i64
    );
    assert_eq!(
        raw_count(&path, "SELECT count(*) FROM action_catalogue"),
        11
    );
}

#[test]
fn the_file_is_encrypted_and_a_wrong_key_is_refused() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let mut s = open_new(dir.path(), "a.db", &f);
    s.write(|b| b.add_household(household(&f, "Hoàng Thị Mười")))
        .unwrap();
    drop(s);
    let bytes = std::fs::read(dir.path().join("a.db")).unwrap();
    assert!(!bytes.starts_with(b"SQLite format 3"));
    let wal = std::fs::read(dir.path().join("a.db-wal")).unwrap_or_default();
    for hay in [&bytes, &wal] {
        assert!(
            !hay.windows(4).any(|w| w == "Mười".as_bytes()),
            "name in clear"
        );
    }
    let wrong = Store::open(&dir.path().join("a.db"), &DbKey::Raw([1; 32]));
    assert!(
        matches!(wrong, Err(StoreError::WrongKey)),
        "{:?}",
        wrong.err()
    );
    let pass = Store::open(&dir.path().join("a.db"), &DbKey::Passphrase("42".into()));
    assert!(matches!(pass, Err(StoreError::WrongKey)));
    assert!(
        Store::open(&dir.path().join("a.db"), &key()).is_ok(),
        "the right key still opens it"
    );
}

#[test]
fn every_write_logs_its_change_and_a_failed_write_logs_nothing() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let mut s = open_new(dir.path(), "a.db", &f);
    let h = s
        .write(|b| b.add_household(household(&f, "Nguyễn Văn An")))
        .unwrap();
    let pending = s.outbox_pending(10).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].change.entity_id, h.id.0);
    assert_eq!(pending[0].change.fields["head_name"], "Nguyễn Văn An");

    // The second step fails, so the first must not stay, nor its change.
    let err = s.write(|b| {
        b.add_household(household(&f, "Trần Văn Bình"))?;
        b.add_resident(resident(HouseholdId::new(), "Không Có Hộ", 1990))
    });
    assert!(matches!(err, Err(StoreError::NotFound { .. })));
    assert_eq!(s.unsent_count().unwrap(), 1);
    assert!(s.search("binh", 10).unwrap().is_empty());

    // Editing sends only what changed.
    let mut edit = household(&f, "Nguyễn Văn An");
    edit.phone = Some("0912 345 678".into());
    s.write(|b| b.update_household(h.id, edit)).unwrap();
    let pending = s.outbox_pending(10).unwrap();
    assert_eq!(pending.len(), 2);
    let fields: Vec<&String> = pending[1].change.fields.keys().collect();
    assert_eq!(fields, vec!["phone"]);
    assert_eq!(pending[1].change.fields["phone"], "0912345678");
    assert!(pending[1].change.hlc > pending[0].change.hlc);

    s.outbox_ack(&[pending[0].change.id]).unwrap();
    assert_eq!(s.unsent_count().unwrap(), 1);
}

#[test]
fn invalid_input_is_refused_with_vietnamese_messages() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let mut s = open_new(dir.path(), "a.db", &f);
    let mut bad = household(&f, "   ");
    bad.phone = Some("12345".into());
    let Err(StoreError::Invalid(e)) = s.write(|b| b.add_household(bad)) else {
        panic!("accepted")
    };
    let codes: Vec<&str> = e.0.iter().map(|e| e.code()).collect();
    assert_eq!(codes, vec!["empty", "phone"]);
    assert!(e.message_vi().contains("Tên chủ hộ không được để trống"));
    let h = s
        .write(|b| b.add_household(household(&f, "Bùi Văn Tư")))
        .unwrap();
    let Err(StoreError::Invalid(e)) =
        s.write(|b| b.add_resident(resident(h.id, "Bùi Văn Cụ", 1800)))
    else {
        panic!()
    };
    assert_eq!(e.0[0].code(), "birth_year");
    assert_eq!(s.unsent_count().unwrap(), 1);
}
