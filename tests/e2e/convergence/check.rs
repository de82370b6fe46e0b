//! The end state compared: every device against a fresh officer's device
//! pulling the whole commune, and the figures every device counts against
//! the server's report.

use super::*;

impl World {
    /// Sync everyone until nothing moves, then compare with a fresh
    /// officer's device that pulls the whole commune.
    pub(super) fn check(&mut self) {
        // Until a whole pass moves nothing (bounded): after a restore, a
        // change waiting for another device's record goes one pass later.
        for _ in 0..6 {
            let mut moved = 0;
            for d in &mut self.devices {
                let r = sync(&mut d.store, &options(), &mut |_| {}).expect("final sync");
                moved += r.pushed_applied + r.pulled_applied + r.rejected + r.relayed.applied;
            }
            if moved == 0 {
                break;
            }
        }
        let bin = server_bin();
        let code = enroll_code(&bin, &self.data, &self.officer.to_string());
        let dir = TempDir::new().expect("temp");
        let mut observer =
            Store::open(&dir.path().join("observer.db"), &DbKey::Raw([99; 32])).expect("observer");
        let fp = self.server.as_ref().expect("server").fingerprint.clone();
        let payload = format!(
            "gocua-enroll:v1?url=https://{}&code={code}&fp={fp}",
            self.proxy.addr()
        );
        enroll(&mut observer, &payload, None, "Máy cán bộ", &options()).expect("observer enroll");
        sync(&mut observer, &options(), &mut |_| {}).expect("observer sync");
        let truth = dump(&observer, &self.villages);

        let households: BTreeSet<String> = self
            .created
            .households
            .iter()
            .map(|h| h.to_string())
            .collect();
        assert_eq!(
            truth.keys().cloned().collect::<BTreeSet<_>>(),
            households,
            "every household arrived, none twice"
        );
        let text = serde_json::to_string(&truth).expect("json");
        for r in &self.created.residents {
            assert!(
                text.contains(&r.to_string()),
                "resident {r} missing on the server"
            );
        }
        let visits: usize = truth
            .values()
            .map(|h| h["visits"].as_array().map_or(0, Vec::len))
            .sum();
        assert_eq!(visits, self.created.visits.len(), "every visit once");
        let marks: usize = truth
            .values()
            .map(|h| h["marks"].as_array().map_or(0, Vec::len))
            .sum();
        assert_eq!(marks, self.created.marks.len(), "every mark once");
        for (i, d) in self.devices.iter().enumerate() {
            assert_eq!(
                d.store.unsent_count().expect("unsent"),
                0,
                "device {i} has unsent changes"
            );
            assert_eq!(
                d.store.quarantine_count().expect("quarantine"),
                0,
                "device {i} quarantined something"
            );
            // Its villages as the server has them: a merged person of
            // another village counted in one of them as the server counts.
            assert_eq!(
                dump(&d.store, &d.villages),
                dump(&observer, &d.villages),
                "device {i} differs from the server"
            );
        }
        // Figures: every device counts what the server reports (a merged
        // person once).
        let today = gocua_core::month::local_date(Utc::now());
        for village in &self.villages {
            let server = server_figures(&self.data, *village);
            let observed = figures(&observer, *village, today);
            assert_eq!(
                observed, server,
                "the officer's device counts as the server"
            );
            for (i, d) in self.devices.iter().enumerate() {
                if d.villages.contains(village) {
                    assert_eq!(
                        figures(&d.store, *village, today),
                        server,
                        "device {i} counts otherwise"
                    );
                }
            }
        }
    }
}

type Figures = BTreeMap<String, (u64, u64)>;

/// (achieved, denominator) of every indicator in the village, as a device
/// counts them.
fn figures(store: &Store, village: VillageId, today: chrono::NaiveDate) -> Figures {
    let counts = store.indicator_counts(today).expect("figures");
    let c = counts.get(&village).cloned().unwrap_or_default();
    gocua_core::indicators::Indicator::ALL
        .iter()
        .map(|i| {
            let t = c.get(*i);
            (i.code().to_string(), (t.achieved, t.denominator))
        })
        .collect()
}

/// The same from the server's report of this month (`admin report`).
fn server_figures(data: &std::path::Path, village: VillageId) -> Figures {
    let month = gocua_core::Month::of(gocua_core::month::local_date(Utc::now())).to_string();
    let d = admin(&server_bin(), data, &["report", "--month", &month]);
    let place = d["indicators"]["villages"]
        .as_array()
        .expect("villages")
        .iter()
        .find(|p| p["place"]["id"] == json!(village.to_string()))
        .cloned()
        .expect("the village's indicators");
    place["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|v| {
            (
                v["indicator"].as_str().expect("code").to_string(),
                (
                    v["achieved"].as_u64().expect("achieved"),
                    v["denominator"].as_u64().expect("denominator"),
                ),
            )
        })
        .collect()
}

/// Everything a device knows about the households of `villages`, in a
/// canonical form.
fn dump(store: &Store, villages: &[VillageId]) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for h in store.list_households(villages).expect("list") {
        let page = store.household(h.id).expect("household");
        let mut residents: Vec<Value> = page
            .residents
            .iter()
            .map(|r| {
                let from: Vec<String> = r
                    .merged_from
                    .iter()
                    .map(|m| m.resident_id.to_string())
                    .collect();
                json!({ "resident": r.resident, "merged_from": from, "checklist": r.checklist })
            })
            .collect();
        residents.sort_by_key(|r| r["resident"]["id"].to_string());
        let mut visits: Vec<Value> = page.visits.iter().map(|v| {
            let mut actions: Vec<Value> = v.actions.iter().map(|a| json!([a.resident_name, a.action_code, a.outcome, a.voided])).collect();
            actions.sort_by_key(|a| a.to_string());
            json!({ "id": v.id, "voided": v.voided_reason.is_some(), "outcome": v.outcome, "actions": actions })
        }).collect();
        visits.sort_by_key(|v| v["id"].to_string());
        let mut marks: Vec<Value> = store
            .review_marks(ReviewQuery {
                household: Some(h.id),
                limit: 1000,
                ..ReviewQuery::default()
            })
            .expect("marks")
            .into_iter()
            .map(|i| json!(i.mark))
            .collect();
        marks.sort_by_key(|m| m["id"].to_string());
        out.insert(
            h.id.to_string(),
            json!({ "household": page.household, "residents": residents, "visits": visits, "marks": marks }),
        );
    }
    out
}
