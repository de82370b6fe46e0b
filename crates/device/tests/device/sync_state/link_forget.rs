//! A member's device forgetting the relay it joined (the app's "Quên trạm
//! này"): the link and its cursor go, the outbox stays.

use super::*;

#[test]
fn forgetting_the_relay_drops_the_link_and_keeps_the_outbox() {
    let dir = TempDir::new().unwrap();
    let f = org();
    let (mut s, _) = enrolled(dir.path(), "m.db", &f);
    s.write(|w| w.add_household(household(&f, "Lò Văn Xa")))
        .unwrap();
    let unsent = s.unsent_count().unwrap();
    assert!(!s.forget_relay_link().unwrap(), "nothing joined yet");
    s.set_relay_link("https://10.0.0.2:8444", "AB", &DeviceToken::new("t"))
        .unwrap();
    assert!(s.relay_link().unwrap().is_some());
    assert!(s.forget_relay_link().unwrap());
    assert_eq!(s.relay_link().unwrap(), None);
    assert_eq!(s.unsent_count().unwrap(), unsent, "the outbox is untouched");
}
