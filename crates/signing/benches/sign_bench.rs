//! What proof of origin costs per change: a device signing as it pushes
//! (canonical bytes and the Ed25519 signature) and the server checking
//! (canonical bytes again, parsing the key and signature, verifying).
//! Changes shaped like the real ones: a household, a visit with a note.
//! Prints a table; `GOCUA_BENCH_QUICK=1` for a smoke run.

use gocua_core::hlc::Hlc;
use gocua_core::{Change, ChangeId, DeviceId, EntityKind};
use gocua_signing::{Signature, SigningKey, VerifyingKey};
use serde_json::{Map, Value, json};
use std::time::Instant;

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn changes(n: usize, device: DeviceId) -> Vec<Change> {
    (0..n)
        .map(|i| {
            let (entity, fields) = if i % 2 == 0 {
                (
                    EntityKind::Household,
                    object(json!({
                        "village_id": uuid::Uuid::now_v7().to_string(),
                        "address": format!("Số {i}, ngõ Chùa, thôn Thượng"),
                        "head_name": "Nguyễn Văn Bình",
                        "phone": "0912345678",
                        "flags": {"elderly": true, "disability": false, "poor": false},
                    })),
                )
            } else {
                (
                    EntityKind::Visit,
                    object(json!({
                        "household_id": uuid::Uuid::now_v7().to_string(),
                        "members": [uuid::Uuid::now_v7().to_string()],
                        "at": "2026-12-07T03:15:00Z",
                        "form": "door_to_door",
                        "outcome": "met",
                        "note": "Đã hướng dẫn kích hoạt VNeID mức 2 và cài ứng dụng công dân số của tỉnh; hẹn quay lại tuần sau.",
                    })),
                )
            };
            Change {
                id: ChangeId(uuid::Uuid::now_v7()),
                entity,
                entity_id: uuid::Uuid::now_v7(),
                hlc: Hlc {
                    wall_ms: 1_780_000_000_000 + i as u64,
                    counter: 0,
                    device,
                },
                fields,
                base: Default::default(),
            }
        })
        .collect()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let quick = std::env::var("GOCUA_BENCH_QUICK").is_ok();
    let n = if quick { 500 } else { 20_000 };
    let key = SigningKey::generate().expect("a key");
    let public = key.public().to_string();
    let all = changes(n, DeviceId(uuid::Uuid::now_v7()));
    let mut sign_us = Vec::with_capacity(n);
    let mut signatures = Vec::with_capacity(n);
    for c in &all {
        let t = Instant::now();
        let s = key.sign(c).to_string();
        sign_us.push(t.elapsed().as_secs_f64() * 1e6);
        signatures.push(s);
    }
    let mut verify_us = Vec::with_capacity(n);
    for (c, s) in all.iter().zip(&signatures) {
        let t = Instant::now();
        let ok = VerifyingKey::parse(&public)
            .and_then(|k| Signature::parse(s).and_then(|s| k.verify(c, &s)));
        verify_us.push(t.elapsed().as_secs_f64() * 1e6);
        assert!(ok.is_ok());
    }
    // The server's way: a push's changes checked together.
    let parsed: Vec<(VerifyingKey, Signature)> = signatures
        .iter()
        .map(|s| {
            (
                VerifyingKey::parse(&public).unwrap(),
                Signature::parse(s).unwrap(),
            )
        })
        .collect();
    let mut batch_us = Vec::new();
    for (chunk, keys) in all.chunks(500).zip(parsed.chunks(500)) {
        let t = Instant::now();
        let items: Vec<_> = chunk
            .iter()
            .zip(keys)
            .map(|(c, (k, s))| (k, c, s))
            .collect();
        let ok = gocua_signing::verify_many(&items);
        batch_us.push(t.elapsed().as_secs_f64() * 1e6 / chunk.len() as f64);
        assert!(ok.iter().all(|v| *v));
    }
    batch_us.sort_by(f64::total_cmp);
    let bytes: usize = all
        .iter()
        .map(|c| gocua_signing::canonical_bytes(c).len())
        .sum();
    sign_us.sort_by(f64::total_cmp);
    verify_us.sort_by(f64::total_cmp);
    println!(
        "sign_bench: {n} changes, {} bytes each on average",
        bytes / n
    );
    println!("| per change | p50 µs | p95 µs | p99 µs | per second (p50) |");
    println!("|---|---|---|---|---|");
    for (what, v) in [
        ("device signs", &sign_us),
        ("server checks, one by one", &verify_us),
        ("server checks, 500 together (per change)", &batch_us),
    ] {
        println!(
            "| {what} | {:.1} | {:.1} | {:.1} | {:.0} |",
            percentile(v, 0.5),
            percentile(v, 0.95),
            percentile(v, 0.99),
            1e6 / percentile(v, 0.5)
        );
    }
}
