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
