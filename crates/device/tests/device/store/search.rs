//! Search: Vietnamese names however they are typed.

use super::*;

#[test]
fn search_finds_vietnamese_names_however_they_are_typed() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let mut s = open_new(dir.path(), "a.db", &f);
    let nfd: String = "Nguyễn Thị Đào".nfd().collect();
    let dao = s.write(|b| b.add_household(household(&f, &nfd))).unwrap();
    assert_eq!(dao.head_name, "Nguyễn Thị Đào", "stored in NFC");
    let an = s
        .write(|b| b.add_household(household(&f, "Nguyễn Văn An")))
        .unwrap();
    let other = s
        .write(|b| b.add_household(household(&f, "Đặng Văn Dũng")))
        .unwrap();
    s.write(|b| b.add_resident(resident(other.id, "Đỗ Thị Hằng", 1995)))
        .unwrap();

    for q in [
        "nguyen thi dao",
        "NGUYỄN THỊ ĐÀO",
        "dao",
        "Đào",
        "ĐÀO",
        nfd.as_str(),
    ] {
        let hits = s.search(q, 10).unwrap();
        assert_eq!(
            hits.iter().map(|h| h.household_id).collect::<Vec<_>>(),
            vec![dao.id],
            "{q}"
        );
    }
    let hits = s.search("nguyen", 10).unwrap();
    assert_eq!(hits.len(), 2);
    assert_eq!(
        hits[0].household_id, an.id,
        "An before Đào in Vietnamese order"
    );
    let hits = s.search("do thi hang", 10).unwrap();
    assert_eq!(hits[0].household_id, other.id);
    assert_eq!(hits[0].matched_resident.as_deref(), Some("Đỗ Thị Hằng"));
    assert!(
        s.search("dung", 10)
            .unwrap()
            .iter()
            .any(|h| h.household_id == other.id),
        "đ folds to d"
    );
    assert!(
        s.search("%", 10).unwrap().is_empty(),
        "LIKE wildcards are literal"
    );
    assert!(s.search("   ", 10).unwrap().is_empty());
}

fn ids(hits: &[gocua_device::SearchHit]) -> Vec<HouseholdId> {
    hits.iter().map(|h| h.household_id).collect()
}

fn at(f: &Fixture, head: &str, address: &str) -> HouseholdInput {
    HouseholdInput {
        address: address.into(),
        ..household(f, head)
    }
}

/// Issue 17: "ngo chua" found nothing though "Số 3, ngõ Chùa" exists;
/// any part of a word is found, names before addresses.
#[test]
fn search_finds_addresses_and_any_part_of_a_word() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let mut s = open_new(dir.path(), "a.db", &f);
    let chua = s
        .write(|b| b.add_household(at(&f, "Lò Văn Páo", "Số 3, ngõ Chùa")))
        .unwrap();
    let named = s
        .write(|b| b.add_household(at(&f, "Trần Văn Chùa", "Số 8, ngõ 2")))
        .unwrap();
    let nguyen = s
        .write(|b| b.add_household(household(&f, "Nguyễn Thị Thoa")))
        .unwrap();
    s.write(|b| b.add_resident(resident(nguyen.id, "Đỗ Thị Hằng", 1995)))
        .unwrap();

    for q in ["ngo chua", "NGÕ CHÙA", "ngõ Chùa", "3, ngo ch"] {
        assert_eq!(ids(&s.search(q, 10).unwrap()), vec![chua.id], "{q}");
    }
    let hits = s.search("chua", 10).unwrap();
    assert_eq!(
        ids(&hits),
        vec![named.id, chua.id],
        "a name's word before an address's"
    );
    assert_eq!(hits[1].address, "Số 3, ngõ Chùa");
    assert_eq!(hits[1].matched_resident, None);
    for q in ["nguy", "guyê", "thoa", "hoa"] {
        assert!(
            ids(&s.search(q, 10).unwrap()).contains(&nguyen.id),
            "part of a word: {q}"
        );
    }
    let hits = s.search("hằn", 10).unwrap();
    assert_eq!(ids(&hits), vec![nguyen.id], "part of a resident's name");
    assert_eq!(hits[0].matched_resident.as_deref(), Some("Đỗ Thị Hằng"));
    // Fewer than 3 characters: names that begin with them.
    assert_eq!(ids(&s.search("Lò", 10).unwrap()), vec![chua.id]);
    let hits = s.search("đ", 10).unwrap();
    assert_eq!(ids(&hits), vec![nguyen.id], "a resident's name start");
    assert_eq!(hits[0].matched_resident.as_deref(), Some("Đỗ Thị Hằng"));
    assert!(s.search("\"", 10).unwrap().is_empty());
    assert!(
        s.search("a\"b\"c", 10).unwrap().is_empty(),
        "quotes are text"
    );
    assert_eq!(s.search("ngo", 2).unwrap().len(), 2, "the limit holds");
    assert_eq!(s.search("t", 1).unwrap().len(), 1, "for short keys too");
}

/// An edited name or address is found by its new text only.
#[test]
fn search_follows_edits() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let mut s = open_new(dir.path(), "a.db", &f);
    let h = s
        .write(|b| b.add_household(at(&f, "Nguyễn Văn Sửu", "Số 3, ngõ Chùa")))
        .unwrap();
    let r = s
        .write(|b| b.add_resident(resident(h.id, "Đỗ Thị Hằng", 1995)))
        .unwrap();
    assert_eq!(ids(&s.search("suu", 10).unwrap()), vec![h.id]);
    assert_eq!(ids(&s.search("hang", 10).unwrap()), vec![h.id]);

    s.write(|b| b.update_household(h.id, at(&f, "Nguyễn Văn Dần", "Số 5, ngõ Đình")))
        .unwrap();
    s.write(|b| b.update_resident(r.id, resident(h.id, "Đỗ Thị Hạnh", 1995)))
        .unwrap();
    for gone in ["suu", "ngo chua", "hang"] {
        assert!(s.search(gone, 10).unwrap().is_empty(), "{gone}");
    }
    for found in ["van dan", "ngo dinh", "hanh"] {
        assert_eq!(ids(&s.search(found, 10).unwrap()), vec![h.id], "{found}");
    }
}

/// A merged resident is found as the one they were merged into, and again
/// as themselves once unmerged; a merge pulled from another device too.
#[test]
fn search_leaves_out_merged_residents() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let mut s = open_new(dir.path(), "a.db", &f);
    let mut other = open_new(dir.path(), "b.db", &f);
    let h1 = s
        .write(|b| b.add_household(household(&f, "Trần Văn Ba")))
        .unwrap();
    let h2 = s
        .write(|b| b.add_household(household(&f, "Lê Văn Tư")))
        .unwrap();
    let a = s
        .write(|b| b.add_resident(resident(h1.id, "Hoàng Thị Mơ", 1960)))
        .unwrap();
    let dup = s
        .write(|b| b.add_resident(resident(h2.id, "Hoang Thi Mo", 1960)))
        .unwrap();
    let pending = |s: &Store, skip: usize| -> Vec<_> {
        let out = s.outbox_pending(100).unwrap().into_iter().skip(skip);
        out.map(|e| e.change).collect()
    };
    other.apply_remote(&pending(&s, 0)).unwrap();
    let found = |s: &Store| {
        let mut v = ids(&s.search("hoang thi mo", 10).unwrap());
        v.sort();
        v
    };
    let both = {
        let mut v = vec![h1.id, h2.id];
        v.sort();
        v
    };
    assert_eq!(found(&s), both);
    assert_eq!(found(&other), both);

    let before = s.outbox_pending(100).unwrap().len();
    s.write(|b| b.merge_resident(dup.id, a.id)).unwrap();
    assert_eq!(found(&s), vec![h1.id], "the duplicate's home no longer");
    other.apply_remote(&pending(&s, before)).unwrap();
    assert_eq!(found(&other), vec![h1.id], "a merge pulled");

    s.write(|b| b.unmerge_resident(dup.id)).unwrap();
    assert_eq!(found(&s), both, "unmerged: found again");
}

/// A household and a resident pulled from the server are searchable, and
/// so is a rename pulled later (the old name no longer).
#[test]
fn search_finds_rows_pulled_from_elsewhere() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let mut a = open_new(dir.path(), "a.db", &f);
    let mut b = open_new(dir.path(), "b.db", &f);
    let h = a
        .write(|w| w.add_household(at(&f, "Vi Văn Pấu", "Số 7, ngõ Chùa")))
        .unwrap();
    let r = a
        .write(|w| w.add_resident(resident(h.id, "Vi Thị Nhung", 2001)))
        .unwrap();
    let changes: Vec<_> = a
        .outbox_pending(100)
        .unwrap()
        .into_iter()
        .map(|e| e.change)
        .collect();
    b.apply_remote(&changes).unwrap();
    assert_eq!(ids(&b.search("ngo chua", 10).unwrap()), vec![h.id]);
    let hits = b.search("nhung", 10).unwrap();
    assert_eq!(ids(&hits), vec![h.id]);
    assert_eq!(hits[0].matched_resident.as_deref(), Some("Vi Thị Nhung"));

    a.write(|w| w.update_resident(r.id, resident(h.id, "Vi Thị Nhàn", 2001)))
        .unwrap();
    let rename: Vec<_> = a
        .outbox_pending(100)
        .unwrap()
        .into_iter()
        .skip(changes.len())
        .map(|e| e.change)
        .collect();
    b.apply_remote(&rename).unwrap();
    assert!(b.search("nhung", 10).unwrap().is_empty());
    assert_eq!(ids(&b.search("nhan", 10).unwrap()), vec![h.id]);
}

/// A file made before the index (migration 0011) gets it built when opened.
#[test]
fn an_older_file_gets_its_search_index_on_opening() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let path = dir.path().join("a.db");
    let h = {
        let mut s = open_new(dir.path(), "a.db", &f);
        let h = s
            .write(|b| b.add_household(at(&f, "Nguyễn Văn Sửu", "Số 3, ngõ Chùa")))
            .unwrap();
        s.write(|b| b.add_resident(resident(h.id, "Đỗ Thị Hằng", 1995)))
            .unwrap();
        h
    };
    {
        // Back to the schema before 0011, rows kept.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "key", format!("x'{}'", "2a".repeat(32)))
            .unwrap();
        conn.execute_batch(
            "DROP TRIGGER households_search_insert; DROP TRIGGER households_search_update;
             DROP TRIGGER households_search_delete; DROP TRIGGER residents_search_insert;
             DROP TRIGGER residents_search_update; DROP TRIGGER residents_search_delete;
             DROP TABLE search_fts; DROP TABLE search_docs;
             ALTER TABLE households DROP COLUMN address_key;
             DELETE FROM schema_migrations WHERE version = 11;",
        )
        .unwrap();
    }
    let mut s = Store::open(&path, &key()).unwrap();
    assert_eq!(ids(&s.search("ngo chua", 10).unwrap()), vec![h.id]);
    assert_eq!(ids(&s.search("hang", 10).unwrap()), vec![h.id]);
    assert_eq!(ids(&s.search("suu", 10).unwrap()), vec![h.id]);
    let later = s
        .write(|b| b.add_household(at(&f, "Lò Văn Páo", "Số 9, ngõ Chùa")))
        .unwrap();
    assert_eq!(s.search("ngo chua", 10).unwrap().len(), 2);
    assert!(ids(&s.search("pao", 10).unwrap()).contains(&later.id));
}
