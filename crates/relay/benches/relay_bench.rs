//! Issue 18's relay figures: 20 members of one team syncing at once with
//! their leader's relay (`gocua relay serve`, a real process over the
//! leader's device file), the relay first at full speed, then held to 0.25
//! of a core by a cgroup CPU quota (a phone-class CPU share; needs root,
//! else that half is skipped and says why). Each round every member logs a
//! visit (household, resident, visit, action: 4 changes), then all 20 run
//! `sync --relay` together; between rounds the leader syncs with the real
//! server (forwarding what the relay holds, pulling the team's work back
//! for the relay to serve). Prints p50/p99 per member sync.
//! `GOCUA_BENCH_QUICK=1` for a smoke run.

#[path = "../../device/benches/store_bench/cgroup.rs"]
mod cgroup;

use gocua_core::MemberId;
use gocua_device::Store;
use gocua_sync::client::{self, ClientOptions, RetryPolicy};
use gocua_testkit::device::{household, resident, visit_now};
use gocua_testkit::members::enrolled_phone;
use gocua_testkit::relay::{RunningRelay, pair, relay_db_key};
use gocua_testkit::server::{OrgAdmin, RunningServer, data_args, server_bin};
use std::sync::Barrier;
use std::time::{Duration, Instant};

const MEMBERS: usize = 20;

fn options() -> ClientOptions {
    ClientOptions {
        timeout: Duration::from_secs(120),
        retry: RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        },
        ..ClientOptions::default()
    }
}

struct Phase {
    name: String,
    times: Vec<Duration>,
    pushed: usize,
    pulled: usize,
}

fn main() {
    let quick = std::env::var("GOCUA_BENCH_QUICK").is_ok_and(|v| v == "1");
    let rounds = if quick { 2 } else { 5 };
    let dir = tempfile::TempDir::new().expect("a folder");
    let data = dir.path().join("server");
    let db_args = data_args(&data);
    let org = OrgAdmin::new(&db_args);
    let commune = org.commune("Xã Đo Trạm");
    let village = org.village(&commune, "Thôn Xa");
    let team = org.team(&commune, "Tổ Xa", &village);
    let leader = org.member(&commune, "Tổ Trưởng", "team_leader", Some(&team));
    let members: Vec<String> = (0..MEMBERS)
        .map(|i| org.member(&commune, &format!("Tổ Viên {i}"), "member", Some(&team)))
        .collect();
    let server = RunningServer::start(&server_bin(), &data);
    let village = village.parse().expect("a village id");

    println!("Setting up: {MEMBERS} members' devices, the leader's, the relay …");
    let mut phones: Vec<(Store, MemberId)> = members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let id: MemberId = m.parse().expect("a member id");
            let path = dir.path().join(format!("m{i}.db"));
            let mut s = enrolled_phone(&server, &db_args, id, &path, &format!("Máy {i}"));
            client::sync(&mut s, &options(), &mut |_| {}).expect("first sync");
            (s, id)
        })
        .collect();
    let leader_db = dir.path().join("leader.db");
    let mut lead = Store::open(&leader_db, &relay_db_key()).expect("the leader's file");
    {
        let code = gocua_testkit::server::admin_with(
            &server_bin(),
            &db_args,
            &["enroll-code", "--member", &leader, "--url", &server.url],
        );
        let code = gocua_wire::EnrollmentPayload::parse(code["payload"].as_str().expect("payload"))
            .expect("a payload");
        client::enroll_with(&mut lead, &code, "Máy tổ trưởng", &options()).expect("enroll");
    }
    client::sync(&mut lead, &options(), &mut |_| {}).expect("leader sync");
    let relay = RunningRelay::start(&leader_db);
    for (s, _) in &mut phones {
        client::join_relay(s, &pair(&leader_db), &options()).expect("join");
    }

    let mut phases = vec![run_phase(
        "full speed",
        rounds,
        &mut phones,
        &mut lead,
        village,
    )];
    println!(
        "\nThe relay held to 0.25 core (CPU quota {} µs per {} µs)",
        cgroup::QUOTA_US,
        cgroup::PERIOD_US
    );
    match cgroup::make_cgroup("gocua-relay-bench") {
        Err(why) => println!("  SKIPPED: no cgroup with a CPU quota could be made ({why})"),
        Ok(cg) => {
            println!("  {}", cg.how);
            match cgroup::join(&cg, relay.pid()) {
                Err(e) => println!("  SKIPPED: the relay could not join: {e}"),
                Ok(()) => {
                    phases.push(run_phase(
                        "0.25 core",
                        rounds,
                        &mut phones,
                        &mut lead,
                        village,
                    ));
                    if let Ok(stat) = std::fs::read_to_string(cg.dir.join("cpu.stat")) {
                        println!("  cgroup cpu.stat: {}", stat.replace('\n', ", "));
                    }
                }
            }
            // Out of the cgroup before it is removed.
            drop(relay);
        }
    }

    println!("\nSummary: {MEMBERS} members syncing with one relay at once ({rounds} rounds each)");
    println!("| relay CPU | syncs | p50 ms | p99 ms | max ms | pushed/sync | pulled/sync |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for p in &phases {
        let mut t: Vec<f64> = p.times.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        t.sort_by(f64::total_cmp);
        let q = |f: f64| t[((t.len() as f64 - 1.0) * f).round() as usize];
        println!(
            "| {} | {} | {:.0} | {:.0} | {:.0} | {:.1} | {:.1} |",
            p.name,
            t.len(),
            q(0.5),
            q(0.99),
            t.last().copied().unwrap_or(0.0),
            p.pushed as f64 / t.len() as f64,
            p.pulled as f64 / t.len() as f64
        );
    }
    drop(server);
}

fn run_phase(
    name: &str,
    rounds: usize,
    phones: &mut [(Store, MemberId)],
    lead: &mut Store,
    village: gocua_core::VillageId,
) -> Phase {
    let mut phase = Phase {
        name: name.into(),
        times: Vec::new(),
        pushed: 0,
        pulled: 0,
    };
    for round in 0..rounds {
        for (i, (s, m)) in phones.iter_mut().enumerate() {
            let h = household(s, village, &format!("Hộ {name} {round} {i}"));
            let r = resident(s, h, &format!("Người {name} {round} {i}"), 1970);
            visit_now(s, h, r, *m);
        }
        let barrier = Barrier::new(phones.len());
        let results: Vec<(Duration, usize, usize)> = std::thread::scope(|scope| {
            let handles: Vec<_> = phones
                .iter_mut()
                .map(|(s, _)| {
                    let barrier = &barrier;
                    scope.spawn(move || {
                        barrier.wait();
                        let t = Instant::now();
                        let r = client::sync_via_relay(s, &options()).expect("relay sync");
                        (t.elapsed(), r.pushed, r.pulled_applied)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a member's sync"))
                .collect()
        });
        for (t, pushed, pulled) in results {
            phase.times.push(t);
            phase.pushed += pushed;
            phase.pulled += pulled;
        }
        let r = client::sync(lead, &options(), &mut |_| {}).expect("leader sync");
        println!(
            "  {name} round {}: leader forwarded {} ({} applied)",
            round + 1,
            r.relayed.forwarded,
            r.relayed.applied
        );
    }
    phase
}
