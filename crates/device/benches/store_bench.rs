//! Store benchmark (figures, not a test): `cargo bench -p gocua-device --bench store_bench`.
//!
//! Builds a generated commune (6,500 households, ~25,000 residents, ~150,000
//! assisted actions) in a real SQLCipher file in a temp dir, then measures
//! p50/p95/max latency of search (names, addresses, parts of words), the
//! worklist, team and member month figures and the household page; the time
//! to durably commit a visit with three actions (WAL, synchronous=FULL); and
//! the bulk insert rate of households through the store against plain
//! rusqlite on the same rows.
//!
//! Then the phone budget: the same measures again on the same file, in a
//! child process held to 0.25 of a core by a cgroup CPU quota (`budget.rs`;
//! `GOCUA_BENCH_BUDGET=0` skips it). Always exits 0; both summaries mark each
//! goal PASS or MISS.

#[path = "store_bench/budget.rs"]
mod budget;
#[path = "store_bench/cgroup.rs"]
mod cgroup;

use chrono::Utc;
use gocua_core::demo::demo_org;
use gocua_core::{
    ActionInput, ActionOutcome, HouseholdFlags, HouseholdId, HouseholdInput, Member, Month,
    VillageId, VisitForm, VisitInput, VisitOutcome,
};
use gocua_device::demo::{DemoSpec, load_demo};
use gocua_device::{DbKey, Store};
use rusqlite::types::Value;
use std::path::Path;
use std::time::{Duration, Instant};

const KEY: [u8; 32] = [7u8; 32];
const ITERS: usize = 200;
const BULK_N: usize = 20_000;

/// The goals (p95) of one run of the measures.
#[derive(Clone, Copy)]
struct Goals {
    query_ms: f64,
    visit_ms: f64,
}

/// On this machine at full speed.
const FULL_SPEED: Goals = Goals {
    query_ms: 20.0,
    visit_ms: 10.0,
};

/// At 0.25 of a core, a low-end phone's share (issue 17).
const PHONE_BUDGET: Goals = Goals {
    query_ms: 100.0,
    visit_ms: 100.0,
};

/// What a member types in the search box: whole names with and without
/// diacritics, parts of words, first keystrokes, and addresses (the demo's
/// are "Số N, ngõ M").
const QUERIES: &[&str] = &[
    "nguyen van",
    "Trần Thị",
    "hoa",
    "dang thi dao",
    "lò văn",
    "Phạm Minh",
    "le thi lan",
    "Hương",
    "bui duc hung",
    "Cầm",
    "ngoc",
    "Vũ Thị Thảo",
    // Parts of words.
    "nguy",
    "thả",
    "uyen van",
    "ùi đ",
    "hươn",
    // First keystrokes (fewer than 3 characters: names beginning so).
    "n",
    "lê",
    // Addresses.
    "Số 12, ngõ 4",
    "ngõ 17",
    "so 45",
    "ngo 2",
    "số 1",
];

struct Stats {
    name: &'static str,
    p50: f64,
    p95: f64,
    max: f64,
    goal_ms: f64,
}

/// Run `f(i)` for i in 0..ITERS (after one untimed warm-up call `f(ITERS)`),
/// print the wall-clock percentiles in milliseconds and keep them in `out`.
fn measure(out: &mut Vec<Stats>, name: &'static str, goal_ms: f64, mut f: impl FnMut(usize)) {
    f(ITERS);
    let mut ms: Vec<f64> = (0..ITERS)
        .map(|i| {
            let t = Instant::now();
            f(i);
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() as f64 * q).ceil() as usize).clamp(1, ms.len()) - 1];
    let (p50, p95, max) = (at(0.50), at(0.95), ms[ms.len() - 1]);
    println!("  {name:<34} p50 {p50:>8.2} ms  p95 {p95:>8.2} ms  max {max:>8.2} ms");
    out.push(Stats {
        name,
        p50,
        p95,
        max,
        goal_ms,
    });
}

fn open_store(path: &Path) -> Store {
    let mut store = Store::open(path, &DbKey::Raw(KEY)).expect("open store");
    store.init_device("bench").expect("init device");
    store
}

/// A plain rusqlite connection to a SQLCipher file, keyed and set up as the store is.
fn open_plain(path: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).expect("open plain file");
    conn.pragma_update(None, "key", format!("x'{}'", hex::encode(KEY)))
        .expect("set key");
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
        .expect("pragmas");
    conn
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

/// The `i`th item, going round.
fn nth<T>(list: &[T], i: usize) -> &T {
    &list[i % list.len()]
}

fn main() {
    if let Some(child) = budget::child_args() {
        return budget::run_child(child);
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let today = gocua_core::month::local_date(Utc::now());
    let month = Month::of(today);
    println!("Gõ Cửa store benchmark — today {today}, month {month}, {ITERS} iterations each");

    // 1. The generated commune.
    let db = dir.path().join("commune.db");
    let mut store = open_store(&db);
    let t = Instant::now();
    let spec = DemoSpec {
        households: 6500,
        actions: 150_000,
        seed: 1,
        today,
    };
    let summary = load_demo(&mut store, spec).expect("load demo commune");
    let load = t.elapsed().as_secs_f64();
    println!("\nDemo load: {load:.1} s\n  {summary:?}");
    let file = std::fs::metadata(&db).expect("db file");
    let mb = file.len() as f64 / 1e6;
    println!("  database file {mb:.1} MB (plus WAL)");

    // 2.–3. Queries and writes.
    let res = measure_all(&mut store, FULL_SPEED);
    drop(store);

    // 4. Bulk insert.
    let (store_rate, plain_rate) = bulk_insert(dir.path());

    // 5. Summary.
    println!("\nSummary at full speed (goal: p95 below the figure)");
    print_table(&res);
    let ratio = store_rate / plain_rate;
    let bulk =
        format!("{store_rate:.0} rows/s store, {plain_rate:.0} rows/s plain, ratio {ratio:.2}");
    println!(
        "  {:<34} {bulk}",
        format!("bulk insert {BULK_N} households")
    );
    println!("  {:<34} {load:>9.1} s", "demo load (6,500 households)");

    // 6. The same measures within a phone's CPU budget.
    budget::run(&db);
}

/// The store of a benchmark run (the parent's, or the budget child's).
fn reopen_store(path: &Path) -> Store {
    Store::open(path, &DbKey::Raw(KEY)).expect("open store")
}

/// Print one summary table: each measure's figures, goal and verdict.
fn print_table(res: &[Stats]) {
    let head = ["measure", "p50 ms", "p95 ms", "max ms", "goal"];
    println!(
        "  {:<34} {:>9} {:>9} {:>9} {:>8}  result",
        head[0], head[1], head[2], head[3], head[4]
    );
    for s in res {
        let verdict = if s.p95 < s.goal_ms { "PASS" } else { "MISS" };
        println!(
            "  {:<34} {:>9.2} {:>9.2} {:>9.2} {:>6.0}ms  {verdict}",
            s.name, s.p50, s.p95, s.max, s.goal_ms
        );
    }
}

/// Which queries cost most: each one's median of 5 runs, the slowest 4.
fn slowest_queries(store: &Store) {
    let mut each: Vec<(f64, &str, usize)> = QUERIES
        .iter()
        .map(|q| {
            let mut ms: Vec<f64> = (0..5)
                .map(|_| {
                    let t = Instant::now();
                    store.search(q, 20).expect("search");
                    t.elapsed().as_secs_f64() * 1e3
                })
                .collect();
            ms.sort_by(f64::total_cmp);
            (ms[2], *q, store.search(q, 20).expect("search").len())
        })
        .collect();
    each.sort_by(|a, b| b.0.total_cmp(&a.0));
    let slowest: Vec<String> = each[..4]
        .iter()
        .map(|(ms, q, n)| format!("{q:?} {ms:.2} ms ({n} hits)"))
        .collect();
    println!("  (slowest searches, median of 5: {})", slowest.join(", "));
}

/// The queries and the visit commit, on a store holding the demo commune.
fn measure_all(store: &mut Store, goals: Goals) -> Vec<Stats> {
    let today = gocua_core::month::local_date(Utc::now());
    let month = Month::of(today);
    let org = store.org().expect("read org").expect("org imported");
    let (teams, all) = (&org.teams, store.list_households(&[]).expect("list"));
    let members: Vec<&Member> = org.members.iter().filter(|m| m.team_id.is_some()).collect();
    let households: Vec<HouseholdId> = all.iter().step_by(31).map(|h| h.id).collect();

    // Queries, rotating over queries, teams, members and households.
    println!("\nQueries:");
    let (mut res, q, n) = (Vec::new(), goals.query_ms, (ITERS + 1) as f64);
    let (mut hits, mut follow_ups, mut not_visited, mut assists) = (0, 0, 0, 0);
    measure(&mut res, "search(q, 20) names+addresses", q, |i| {
        let found = store.search(nth::<&str>(QUERIES, i), 20);
        hits += found.expect("search").len();
    });
    slowest_queries(store);
    measure(&mut res, "worklist(team villages, 7 d)", q, |i| {
        let w = store.worklist(&nth(teams, i).village_ids, today, 7);
        let w = w.expect("worklist");
        follow_ups += w.follow_ups.len();
        not_visited += w.not_visited.len();
    });
    measure(&mut res, "team_month(team, this month)", q, |i| {
        let figures = store.team_month(nth(teams, i).id, month);
        assists += figures.expect("team month").assists;
    });
    measure(&mut res, "member_month(member, this month)", q, |i| {
        store
            .member_month(nth(&members, i).id, month)
            .expect("member");
    });
    measure(&mut res, "household(id) page", q, |i| {
        store
            .household(*nth(&households, i))
            .expect("household page");
    });
    println!(
        "  (mean per call: {:.1} search hits; worklist {:.1} follow-ups + {:.1} households \
         not visited; {:.1} team assists)",
        hits as f64 / n,
        follow_ups as f64 / n,
        not_visited as f64 / n,
        assists as f64 / n
    );

    // Logging a visit with three actions, one committed transaction each.
    println!("\nWrites:");
    // A member of the team whose villages include `v`.
    let village_member = |v: VillageId| {
        let team = teams.iter().find(|t| t.village_ids.contains(&v));
        let team = team.expect("team of village").id;
        members
            .iter()
            .find(|m| m.team_id == Some(team))
            .expect("member")
            .id
    };
    let codes = ["ehealth_book", "online_safety", "vneid_l2"];
    let visits: Vec<VisitInput> = (0..=ITERS)
        .map(|i| {
            let page = store.household(*nth(&households, i)).expect("household");
            let residents: Vec<_> = page.residents.iter().map(|r| r.resident.id).collect();
            VisitInput {
                household_id: page.household.id,
                members: vec![village_member(page.household.village_id)],
                at: Utc::now(),
                form: VisitForm::DoorToDoor,
                outcome: VisitOutcome::Met,
                note: Some("Ghi chú đo hiệu năng".into()),
                actions: (0..3)
                    .map(|k| ActionInput {
                        resident_id: residents[k % residents.len()],
                        action: codes[k].parse().expect("action code"),
                        outcome: ActionOutcome::Done,
                    })
                    .collect(),
            }
        })
        .collect();
    measure(
        &mut res,
        "write(log_visit, 3 actions)",
        goals.visit_ms,
        |i| {
            let input = visits[i].clone();
            store.write(|b| b.log_visit(input)).expect("log visit");
        },
    );
    res
}

/// Insert BULK_N households in one transaction through the store, then the
/// very same rows (read back from the store's file) with plain rusqlite into
/// a bare table with the same columns. Returns both rates in rows/s.
fn bulk_insert(dir: &Path) -> (f64, f64) {
    let bulk_path = dir.join("bulk_store.db");
    let mut bulk = open_store(&bulk_path);
    let org = demo_org(5);
    bulk.import_org(&org).expect("import org");
    let family: Vec<&str> = "Nguyễn,Trần,Lê,Phạm,Hoàng,Đặng,Bùi,Lò,Cầm"
        .split(',')
        .collect();
    let middle: Vec<&str> = "Văn,Thị,Đức,Ngọc,Minh".split(',').collect();
    let given: Vec<&str> = "An,Bình,Hoa,Đào,Hùng,Lan,Phúc,Yến,Sơn,Thảo"
        .split(',')
        .collect();
    let inputs: Vec<HouseholdInput> = (0..BULK_N)
        .map(|i| HouseholdInput {
            village_id: Some(org.villages[i % org.villages.len()].id),
            address: format!("Số {}, ngõ {}", i % 199 + 1, i % 29 + 1),
            head_name: format!(
                "{} {} {}",
                family[i % family.len()],
                middle[(i / 7) % middle.len()],
                given[(i / 3) % given.len()]
            ),
            phone: (i % 5 < 3).then(|| format!("09{:08}", (i * 7919) % 100_000_000)),
            flags: HouseholdFlags {
                poor: i % 20 == 0,
                near_poor: i % 14 == 0,
                ethnic_minority: i % 9 >= 7,
                elderly_only: i % 12 == 0,
                no_smartphone: i % 16 == 0,
            },
        })
        .collect();
    let t = Instant::now();
    bulk.write(|b| {
        inputs
            .into_iter()
            .try_for_each(|h| b.add_household(h).map(drop))
    })
    .expect("bulk insert through the store");
    let store_time = t.elapsed();
    drop(bulk);

    let cols = "id, village_id, address, head_name, head_name_key, phone, poor, near_poor, \
                ethnic_minority, elderly_only, no_smartphone, priority, field_hlcs, address_key";
    let rows: Vec<Vec<Value>> = {
        let conn = open_plain(&bulk_path);
        let mut stmt = conn
            .prepare(&format!("SELECT {cols} FROM households"))
            .expect("select");
        stmt.query_map([], |r| (0..14).map(|i| r.get::<_, Value>(i)).collect())
            .expect("read rows")
            .collect::<Result<_, _>>()
            .expect("read row")
    };
    assert_eq!(rows.len(), BULK_N, "the store wrote every household");
    let mut plain = open_plain(&dir.join("bulk_plain.db"));
    plain
        .execute_batch(
            "CREATE TABLE households (
                id TEXT PRIMARY KEY, village_id TEXT NOT NULL, address TEXT NOT NULL,
                head_name TEXT NOT NULL, head_name_key TEXT NOT NULL, phone TEXT,
                poor INTEGER NOT NULL, near_poor INTEGER NOT NULL,
                ethnic_minority INTEGER NOT NULL, elderly_only INTEGER NOT NULL,
                no_smartphone INTEGER NOT NULL, priority INTEGER NOT NULL,
                field_hlcs TEXT NOT NULL, address_key TEXT NOT NULL);",
        )
        .expect("create plain table");
    let marks = (1..=14)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let t = Instant::now();
    let tx = plain.transaction().expect("begin");
    {
        let sql = format!("INSERT INTO households ({cols}) VALUES ({marks})");
        let mut stmt = tx.prepare(&sql).expect("prepare insert");
        for row in &rows {
            stmt.execute(rusqlite::params_from_iter(row))
                .expect("insert");
        }
    }
    tx.commit().expect("commit");
    let plain_time = t.elapsed();

    let (store_rate, plain_rate) = (rate(BULK_N, store_time), rate(BULK_N, plain_time));
    println!(
        "  bulk {BULK_N} households in one transaction: store {:.2} s = {store_rate:.0} rows/s; \
         plain rusqlite {:.2} s = {plain_rate:.0} rows/s; store/plain = {:.2}",
        store_time.as_secs_f64(),
        plain_time.as_secs_f64(),
        store_rate / plain_rate
    );
    (store_rate, plain_rate)
}
