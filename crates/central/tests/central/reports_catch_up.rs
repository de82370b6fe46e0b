//! The report tables as a read model of the change log, on SQLite and
//! PostgreSQL: pushes do not project, and still every report counts every
//! change committed before it (it catches up first); catching up in batches
//! of any size, again after a crash, or twice over the same changes gives
//! the tables a rebuild gives, and the figures `gocua_core` counts from the
//! records.

use gocua_testkit::{backend, on_each_backend, reports_fixture, reports_push};

use backend::{Backend, Place as DbPlace};
use gocua_central::{CentralDb, ReportLag};
use gocua_core::indicators::*;
use gocua_core::*;
use reports_fixture::{Fixture, Q4, d, fixture, hh, member, village};
use reports_push::load_fixture;

fn q4_dashboard(db: &CentralDb, f: &Fixture) -> (CommuneDashboard, CommuneDashboard) {
    let commune = f.org.commune.id;
    let today = d(2026, 12, 10);
    let q4 = Period::Quarter(Q4);
    let org = db.org_snapshot(commune).unwrap();
    let cat = db.catalogue(commune).unwrap();
    let targets = db.report_targets(commune).unwrap();
    let as_of = q4.as_of(today);
    let counts = indicator_counts(&cat, &f.records(), as_of);
    let work = work_facts(&org, &f.records(), q4, as_of);
    let want = commune_dashboard(&org, &targets, q4, as_of, &counts, &work);
    (db.commune_dashboard(commune, q4, today).unwrap(), want)
}

fn assert_counts_right(db: &CentralDb, f: &Fixture, what: &str) {
    let (got, want) = q4_dashboard(db, f);
    assert_eq!(got, want, "{what}");
}

fn caught_up(db: &CentralDb, f: &Fixture) -> bool {
    let ReportLag { projected, head } = db.report_lag(f.org.commune.id).unwrap();
    projected == head
}

/// Every row of the report tables, as text, in key order; without the
/// codes' bits and the masks made of them unless `bits`.
fn tables(place: &DbPlace, bits: bool) -> Vec<Vec<String>> {
    let residents = if bits {
        "rpt_residents"
    } else {
        "(SELECT resident_id, commune_id, village_id, household_id, birth_year, changed_on
          FROM rpt_residents) r"
    };
    let mut tables = vec![
        "rpt_households",
        residents,
        "rpt_visits",
        "rpt_visit_members",
        "rpt_actions",
        "rpt_status",
        "rpt_reached",
        "rpt_follow_ups",
        "rpt_merges",
    ];
    if bits {
        tables.push("rpt_codes");
    }
    let mut out = Vec::new();
    match place.pg() {
        Some(url) => {
            let config: ::postgres::Config = url.parse().unwrap();
            let mut client = config.connect(::postgres::NoTls).unwrap();
            for t in &tables {
                for m in client
                    .simple_query(&format!("SELECT * FROM {t} ORDER BY 1, 2"))
                    .unwrap()
                {
                    if let ::postgres::SimpleQueryMessage::Row(r) = m {
                        let mut row = vec![t.to_string()];
                        row.extend((0..r.len()).map(|i| r.get(i).unwrap_or("NULL").to_string()));
                        out.push(row);
                    }
                }
            }
        }
        None => {
            let conn =
                gocua_central::inspect::open_sqlite(&place.path().join("central.db"), &place.key())
                    .unwrap();
            for t in &tables {
                let mut stmt = conn
                    .prepare(&format!("SELECT * FROM {t} ORDER BY 1, 2"))
                    .unwrap();
                let width = stmt.column_count();
                let rows = stmt
                    .query_map([], |r| {
                        let mut row = vec![t.to_string()];
                        for i in 0..width {
                            let v: rusqlite::types::Value = r.get(i)?;
                            row.push(match v {
                                rusqlite::types::Value::Null => "NULL".into(),
                                rusqlite::types::Value::Integer(n) => n.to_string(),
                                rusqlite::types::Value::Real(x) => x.to_string(),
                                rusqlite::types::Value::Text(s) => s,
                                rusqlite::types::Value::Blob(_) => "blob".into(),
                            });
                        }
                        Ok(row)
                    })
                    .unwrap();
                out.extend(rows.map(Result::unwrap));
            }
        }
    }
    out
}

/// Move the commune's cursor back to the start, as if nothing had been
/// projected (the tables keep what they hold).
fn rewind(place: &DbPlace, f: &Fixture) {
    let sql = format!(
        "UPDATE report_state SET projected_seq = 0 WHERE commune_id = '{}'",
        f.org.commune.id
    );
    match place.pg() {
        Some(url) => {
            let config: ::postgres::Config = url.parse().unwrap();
            let mut client = config.connect(::postgres::NoTls).unwrap();
            client.batch_execute(&sql).unwrap();
        }
        None => {
            let conn =
                gocua_central::inspect::open_sqlite(&place.path().join("central.db"), &place.key())
                    .unwrap();
            conn.execute_batch(&sql).unwrap();
        }
    }
}

fn first_live_action(f: &Fixture) -> usize {
    f.actions
        .iter()
        .position(|a| {
            a.voided.is_none()
                && a.outcome.is_assist()
                && f.visits
                    .iter()
                    .any(|v| v.id == a.visit_id && v.voided.is_none())
        })
        .expect("a live assist")
}

/// A report right after a push counts it, with no projection in between.
fn a_report_counts_the_push_just_made(backend: Backend) {
    let place = DbPlace::new(backend);
    let db = place.central();
    let mut f = fixture();
    let mut p = load_fixture(&db, &f);
    assert!(!caught_up(&db, &f), "pushes leave the projection behind");
    assert_counts_right(&db, &f, "after the fixture");
    assert!(caught_up(&db, &f), "a report catches up first");
    let i = first_live_action(&f);
    let void = Void {
        reason: "Ghi nhầm".into(),
        by: member(4),
        at: f.visits[0].at,
    };
    p.void(EntityKind::AssistedAction, f.actions[i].id.0, &void);
    p.send(&db);
    f.actions[i].voided = Some(void);
    assert_counts_right(&db, &f, "right after a void");
}

/// Batches of any size end in the tables a rebuild makes; a resident whose
/// current household was created after the batch being projected (a later
/// move) takes that household along.
fn small_batches_give_what_a_rebuild_gives(backend: Backend) {
    let place = DbPlace::new(backend);
    let db = place.central();
    let mut f = fixture();
    let mut p = load_fixture(&db, &f);
    let commune = f.org.commune.id;
    // A newcomer registered in h1, then a household founded in village B,
    // then the newcomer moving there.
    let newcomer = Resident {
        id: ResidentId::new(),
        household_id: hh(1),
        full_name: "Người mới".into(),
        birth_year: 1990,
        sex: Sex::Female,
        has_smartphone: true,
        consent_on: None,
        citizen_id_hash: None,
        voided: None,
        merged_into: None,
        phone: None,
    };
    p.resident(&newcomer);
    let home = Household {
        id: HouseholdId::new(),
        village_id: village(2),
        address: "Số 99".into(),
        head_name: "Người mới".into(),
        phone: None,
        voided: None,
        flags: HouseholdFlags::default(),
    };
    p.household(&home);
    p.edit(
        EntityKind::Resident,
        newcomer.id.0,
        serde_json::json!({ "household_id": home.id }),
    );
    p.send(&db);
    f.households.push(home.clone());
    f.residents.push(Resident {
        household_id: home.id,
        ..newcomer
    });
    db.rebuild_reports(commune).unwrap();
    assert!(caught_up(&db, &f));
    // Codes get their bits in the order they are first met, which differs:
    // compare without the bits (the figures below check the masks).
    let rebuilt = tables(&place, false);
    for size in [1, 2, 3, 7] {
        // From the start of the log into empty tables.
        clear_tables(&place);
        rewind(&place, &f);
        while db.catch_up_reports(commune, size).unwrap() == size {}
        assert!(caught_up(&db, &f));
        assert_eq!(tables(&place, false), rebuilt, "batches of {size}");
        assert_counts_right(&db, &f, &format!("batches of {size}"));
    }
    assert_counts_right(&db, &f, "after small batches");
}

fn clear_tables(place: &DbPlace) {
    let sql = "DELETE FROM rpt_households; DELETE FROM rpt_residents; DELETE FROM rpt_visits;
               DELETE FROM rpt_visit_members; DELETE FROM rpt_actions; DELETE FROM rpt_status;
               DELETE FROM rpt_codes; DELETE FROM rpt_reached; DELETE FROM rpt_follow_ups;
               DELETE FROM rpt_merges;";
    match place.pg() {
        Some(url) => {
            let config: ::postgres::Config = url.parse().unwrap();
            let mut client = config.connect(::postgres::NoTls).unwrap();
            client.batch_execute(sql).unwrap();
        }
        None => {
            let conn =
                gocua_central::inspect::open_sqlite(&place.path().join("central.db"), &place.key())
                    .unwrap();
            conn.execute_batch(sql).unwrap();
        }
    }
}

/// Projecting the same changes again over tables that already hold them
/// (a batch redone after a crash before its cursor moved) changes nothing.
fn projecting_twice_changes_nothing(backend: Backend) {
    let place = DbPlace::new(backend);
    let db = place.central();
    let f = fixture();
    load_fixture(&db, &f);
    assert_counts_right(&db, &f, "once");
    let once = tables(&place, true);
    rewind(&place, &f);
    assert!(!caught_up(&db, &f));
    assert_counts_right(&db, &f, "twice");
    assert_eq!(tables(&place, true), once);
}

/// The server stopping between a push and its projection (or half-way
/// through catching up) loses nothing: the cursor stayed behind, and the
/// next report catches up from it.
fn a_crash_before_projection_loses_nothing(backend: Backend) {
    let place = DbPlace::new(backend);
    let mut f = fixture();
    {
        let db = place.central();
        let mut p = load_fixture(&db, &f);
        assert_counts_right(&db, &f, "before");
        let i = first_live_action(&f);
        let void = Void {
            reason: "Ghi nhầm".into(),
            by: member(4),
            at: f.visits[0].at,
        };
        p.void(EntityKind::AssistedAction, f.actions[i].id.0, &void);
        p.send(&db);
        f.actions[i].voided = Some(void);
        p.edit(
            EntityKind::Household,
            hh(2).0,
            serde_json::json!({ "village_id": village(2) }),
        );
        p.send(&db);
        f.households[1].village_id = village(2);
        // One batch of the two, then the process goes.
        db.catch_up_reports(f.org.commune.id, 1).unwrap();
        assert!(!caught_up(&db, &f));
    }
    let db = place.central();
    assert!(!caught_up(&db, &f));
    assert_counts_right(&db, &f, "after the restart");
    assert!(caught_up(&db, &f));
}

/// Issue 6: merges in every shape — across villages, a chain, a cycle
/// made by merging the root into its own duplicate, a merge undone — each
/// counted as `gocua_core` counts the records right after its push, and
/// batches of any size over all of it end in the tables a rebuild makes.
fn merges_count_once_and_batches_give_what_a_rebuild_gives(backend: Backend) {
    use reports_fixture::res;
    let place = DbPlace::new(backend);
    let db = place.central();
    let mut f = fixture();
    let mut p = load_fixture(&db, &f);
    let commune = f.org.commune.id;
    assert_counts_right(&db, &f, "before any merge");
    let steps: [(u128, Option<u128>, &str); 5] = [
        (9, Some(1), "r9 (village B) into r1 (A)"),
        (8, Some(9), "r8 into r9: a chain to r1"),
        (1, Some(8), "r1 into r8: a cycle"),
        (9, None, "r9 undone: r9 the root of all"),
        (5, Some(4), "r5 into r4, same household"),
    ];
    for (dup, into, what) in steps {
        p.edit(
            EntityKind::Resident,
            res(dup).0,
            serde_json::json!({ "merged_into": into.map(res) }),
        );
        p.send(&db);
        let r = f.residents.iter_mut().find(|r| r.id == res(dup)).unwrap();
        r.merged_into = into.map(res);
        assert_counts_right(&db, &f, what);
    }
    db.rebuild_reports(commune).unwrap();
    assert_counts_right(&db, &f, "rebuilt");
    let rebuilt = tables(&place, false);
    for size in [1, 2, 5] {
        clear_tables(&place);
        rewind(&place, &f);
        while db.catch_up_reports(commune, size).unwrap() == size {}
        assert_eq!(tables(&place, false), rebuilt, "batches of {size}");
        assert_counts_right(&db, &f, &format!("batches of {size}"));
    }
}

/// The background projection reads up to the head committed when it
/// starts and, on PostgreSQL, projects without holding the commune's lock,
/// beside the pushes: batches made while edits, moves and voids commit
/// still end in the tables a rebuild makes and the figures the records
/// give.
fn projecting_beside_pushes_gives_what_a_rebuild_gives(backend: Backend) {
    let place = DbPlace::new(backend);
    let db = place.central();
    let mut f = fixture();
    let mut p = load_fixture(&db, &f);
    let commune = f.org.commune.id;
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        let projector = s.spawn(|| {
            let mut batches = 0u32;
            // Bounded: stops by itself if the pushes never end.
            while !done.load(std::sync::atomic::Ordering::SeqCst) && batches < 100_000 {
                db.catch_up_reports(commune, 2).unwrap();
                batches += 1;
            }
            batches
        });
        for round in 0..12 {
            let to = village(1 + (round % 2) as u128);
            p.edit(
                EntityKind::Household,
                hh(2).0,
                serde_json::json!({ "village_id": to }),
            );
            f.households[1].village_id = to;
            let i = first_live_action(&f);
            let void = Void {
                reason: "Ghi nhầm".into(),
                by: member(4),
                at: f.visits[0].at,
            };
            p.void(EntityKind::AssistedAction, f.actions[i].id.0, &void);
            f.actions[i].voided = Some(void);
            p.send(&db);
        }
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        assert!(projector.join().unwrap() > 0);
    });
    while db.catch_up_reports(commune, 7).unwrap() == 7 {}
    assert!(caught_up(&db, &f));
    let projected = tables(&place, false);
    db.rebuild_reports(commune).unwrap();
    assert_eq!(tables(&place, false), projected);
    assert_counts_right(&db, &f, "after projecting beside pushes");
}

on_each_backend!(
    projecting_beside_pushes_gives_what_a_rebuild_gives,
    merges_count_once_and_batches_give_what_a_rebuild_gives,
    a_report_counts_the_push_just_made,
    small_batches_give_what_a_rebuild_gives,
    projecting_twice_changes_nothing,
    a_crash_before_projection_loses_nothing,
);
