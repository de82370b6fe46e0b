use super::*;
use gocua_core::hlc::Hlc;
use gocua_core::{ChangeId, DeviceId, EntityKind};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn change(fields: Map<String, Value>) -> Change {
    Change {
        id: ChangeId(uuid::Uuid::now_v7()),
        entity: EntityKind::Visit,
        entity_id: uuid::Uuid::now_v7(),
        hlc: Hlc {
            wall_ms: 1_780_000_000_000,
            counter: 3,
            device: DeviceId(uuid::Uuid::now_v7()),
        },
        fields,
        base: Default::default(),
    }
}

fn visit_fields() -> Map<String, Value> {
    let Value::Object(m) = json!({
        "household_id": "0190c0de-0000-7000-8000-000000000001",
        "member_ids": ["0190c0de-0000-7000-8000-000000000002"],
        "note": "Hộ ông Nguyễn Văn A — đã hướng dẫn \"VNeID\"",
        "day": "2026-12-07",
    }) else {
        unreachable!()
    };
    m
}

#[test]
fn a_signed_change_verifies_with_the_authors_key_only() {
    let key = SigningKey::generate().unwrap();
    let other = SigningKey::generate().unwrap();
    let c = change(visit_fields());
    let sig = key.sign(&c);
    assert_eq!(key.public().verify(&c, &sig), Ok(()));
    assert_eq!(other.public().verify(&c, &sig), Err(SigningError::Mismatch));
}

#[test]
fn any_alteration_breaks_the_signature() {
    let key = SigningKey::generate().unwrap();
    let c = change(visit_fields());
    let sig = key.sign(&c);
    let public = key.public();

    let mut credited = c.clone();
    credited.fields.insert(
        "member_ids".into(),
        json!(["0190c0de-0000-7000-8000-000000000099"]),
    );
    let mut device = c.clone();
    device.hlc.device = DeviceId(uuid::Uuid::now_v7());
    let mut id = c.clone();
    id.id = ChangeId(uuid::Uuid::now_v7());
    let mut stamp = c.clone();
    stamp.hlc.wall_ms += 1;
    let mut dropped = c.clone();
    dropped.fields.remove("note");
    for altered in [credited, device, id, stamp, dropped] {
        assert_eq!(
            public.verify(&altered, &sig),
            Err(SigningError::Mismatch),
            "{altered:?}"
        );
    }
}

#[test]
fn keys_and_signatures_round_trip_as_hex() {
    let key = SigningKey::generate().unwrap();
    let again = SigningKey::from_seed(*key.seed()).unwrap();
    assert_eq!(key.public(), again.public());
    let c = change(visit_fields());
    let sig = key.sign(&c);
    let public = VerifyingKey::parse(&key.public().to_string()).unwrap();
    let parsed = Signature::parse(&sig.to_string()).unwrap();
    assert_eq!(public.verify(&c, &parsed), Ok(()));
    assert_eq!(key.public().to_string().len(), 64);
    assert_eq!(sig.to_string().len(), 128);
}

#[test]
fn malformed_text_is_refused_not_panicked_on() {
    assert_eq!(VerifyingKey::parse("zz"), Err(SigningError::MalformedKey));
    assert_eq!(
        VerifyingKey::parse(&"a".repeat(66)),
        Err(SigningError::MalformedKey)
    );
    assert_eq!(
        Signature::parse(&"0".repeat(127)),
        Err(SigningError::MalformedSignature)
    );
    // A well-formed but wrong signature is a mismatch.
    let key = SigningKey::generate().unwrap();
    let zero = Signature::parse(&"0".repeat(128)).unwrap();
    assert_eq!(
        key.public().verify(&change(visit_fields()), &zero),
        Err(SigningError::Mismatch)
    );
}

#[test]
fn a_pairing_proof_is_not_a_change_signature() {
    let key = SigningKey::generate().unwrap();
    let c = change(visit_fields());
    let json = serde_json::to_vec(&c).unwrap();
    // Signing the bare JSON (no context line) must not pass as the change's.
    let sig = key.sign_bytes(&json);
    assert_eq!(key.public().verify(&c, &sig), Err(SigningError::Mismatch));
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        "\\PC{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(2, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    /// What the server parses from a device's JSON gives back the bytes
    /// the device signed, whatever the values (text, floats, nesting).
    #[test]
    fn a_change_through_json_still_verifies(
        fields in proptest::collection::btree_map("[a-z_]{1,10}", json_value(), 0..8)
    ) {
        let key = SigningKey::generate().unwrap();
        let c = change(fields.into_iter().collect());
        let sig = key.sign(&c);
        let wire = serde_json::to_string(&c).unwrap();
        let parsed: Change = serde_json::from_str(&wire).unwrap();
        prop_assert_eq!(key.public().verify(&parsed, &sig), Ok(()));
    }
}

#[test]
fn checked_together_each_verdict_is_its_own() {
    let a = SigningKey::generate().unwrap();
    let b = SigningKey::generate().unwrap();
    let changes: Vec<Change> = (0..40).map(|_| change(visit_fields())).collect();
    let mut sigs: Vec<Signature> = changes
        .iter()
        .enumerate()
        .map(|(i, c)| if i % 2 == 0 { a.sign(c) } else { b.sign(c) })
        .collect();
    let (pa, pb) = (a.public(), b.public());
    let keys: Vec<&VerifyingKey> = (0..40)
        .map(|i| if i % 2 == 0 { &pa } else { &pb })
        .collect();
    let items = |sigs: &[Signature]| -> Vec<bool> {
        let items: Vec<_> = (0..40).map(|i| (keys[i], &changes[i], &sigs[i])).collect();
        verify_many(&items)
    };
    assert_eq!(items(&sigs), vec![true; 40]);
    // One signed by the other key, one altered: those two fail, alone.
    sigs[7] = a.sign(&changes[7]);
    let mut altered = changes[30].clone();
    altered.fields.insert("note".into(), json!("đã sửa"));
    sigs[30] = a.sign(&altered);
    let verdicts = items(&sigs);
    for (i, v) in verdicts.iter().enumerate() {
        assert_eq!(*v, i != 7 && i != 30, "{i}");
    }
    assert!(verify_many(&[]).is_empty());
}
