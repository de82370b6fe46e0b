//! The runs: per backend one server for measures 1, 2 and 4 (in that order,
//! on the same growing database), and two servers side by side for
//! measure 3.

use crate::data::{self, Dataset, Household};
use crate::net::{self, CountingRelay, Device, Place, Server, codes};
use crate::table::Table;
use crate::{Knobs, backup, devices, ingest, pulls};
use anyhow::{Context, Result, ensure};
use gocua_core::{Change, MemberId, OrgSnapshot, Role, VillageId};
use gocua_sync::client::ClientOptions;
use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

/// Villages the measure-1 households are spread over: 3,000 households
/// make three villages of 1,000, the village.
const VILLAGES: usize = 3;

struct Plan {
    org: OrgSnapshot,
    /// Measure 1's households, in the first `VILLAGES` villages.
    ingest: Vec<Household>,
    /// Measure 4's households, each in its team's village.
    crowd: Vec<Household>,
    officer: MemberId,
    /// A member of the team of the first village.
    village_member: MemberId,
    /// Device i of measure 4 enrolls as this member, of this village.
    crowd_members: Vec<(MemberId, VillageId)>,
}

pub fn all(knobs: &Knobs) -> Result<Table> {
    let dir = tempfile::TempDir::new()?;
    let mut table = Table::default();
    let plan = plan(knobs, dir.path())?;
    let pg = knobs.pg_url.as_deref();
    if knobs.runs(1) || knobs.runs(2) || knobs.runs(4) || knobs.runs(5) {
        backend(knobs, &plan, None, dir.path(), &mut table)?;
        match pg {
            Some(url) => backend(knobs, &plan, Some(url), dir.path(), &mut table)?,
            None => table.skipped(
                "PostgreSQL, measures 1, 2, 4",
                "GOCUA_TEST_PG_URL unset or GOCUA_BENCH_PG=0",
            ),
        }
    }
    if knobs.runs(3) {
        incremental(knobs, &plan, None, &mut table)?;
        match pg {
            Some(url) => incremental(knobs, &plan, Some(url), &mut table)?,
            None => table.skipped(
                "PostgreSQL, measure 3",
                "GOCUA_TEST_PG_URL unset or GOCUA_BENCH_PG=0",
            ),
        }
    }
    Ok(table)
}

fn plan(knobs: &Knobs, dir: &Path) -> Result<Plan> {
    // Enough households for each device's pushes (≥ 20 changes each).
    let per_device = (knobs.rounds * knobs.batch).div_ceil(20);
    let total = knobs.households + knobs.devices * per_device;
    let t = Instant::now();
    let data = Dataset::generate(total, dir)?;
    println!(
        "demo commune: {total} households through a device store in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let org = data.org;
    ensure!(org.villages.len() >= VILLAGES, "too few households");
    let mut ingest = data.households;
    let crowd = ingest.split_off(knobs.households);
    for (h, household) in ingest.iter_mut().enumerate() {
        data::move_to(household, org.villages[h % VILLAGES].id)?;
    }
    let officer = org
        .members
        .iter()
        .find(|m| m.role == Role::CommuneOfficer)
        .context("an officer")?
        .id;
    let team_of = |v: VillageId| org.teams.iter().find(|t| t.village_ids == [v]);
    let first_team = team_of(org.villages[0].id).context("a team for the first village")?;
    let village_member = org
        .members
        .iter()
        .find(|m| m.team_id == Some(first_team.id))
        .context("a member in the first team")?
        .id;
    let mut crowd_members = Vec::with_capacity(knobs.devices);
    for i in 0..knobs.devices {
        let team = &org.teams[i % org.teams.len()];
        let members: Vec<MemberId> = org
            .members
            .iter()
            .filter(|m| m.team_id == Some(team.id))
            .map(|m| m.id)
            .collect();
        let member = members[(i / org.teams.len()) % members.len()];
        crowd_members.push((member, team.village_ids[0]));
    }
    Ok(Plan {
        org,
        ingest,
        crowd,
        officer,
        village_member,
        crowd_members,
    })
}

/// Measures 1, 2 and 4 on one backend.
fn backend(
    knobs: &Knobs,
    plan: &Plan,
    pg: Option<&str>,
    dir: &Path,
    table: &mut Table,
) -> Result<()> {
    let place = Place::new(pg)?;
    let name = place.backend();
    println!("\n== {name}: measures 1, 2, 4 ==");
    let db = place.db()?;
    db.import_org(&plan.org)?;
    let mut members = vec![plan.officer, plan.village_member];
    if knobs.runs(4) {
        members.extend(plan.crowd_members.iter().map(|(m, _)| *m));
    }
    // Measure 5's devices: members of measure 4's first devices, again.
    let backup_members = &plan.crowd_members[..knobs.backup_devices.min(knobs.devices)];
    let backup_codes_from = members.len();
    if knobs.runs(5) {
        members.extend(backup_members.iter().map(|(m, _)| *m));
    }
    let codes = codes(&db, &members)?;
    drop(db);
    let server = Server::start(&place)?;
    let fp = server.fingerprint.as_str();
    let officer = Device::enroll(server.addr, fp, &codes[0], "Máy tính cán bộ xã")?;
    let member = Device::enroll(server.addr, fp, &codes[1], "Điện thoại tổ viên")?;
    let options = ClientOptions::default();

    // 1. Ingest.
    let changes = data::stamped(&plan.ingest, officer.id, plan.officer);
    let n = changes.len();
    println!(
        "ingest: {n} changes ({}), {} a push",
        data::mix(&changes),
        options.push_batch
    );
    let cpu_before = server.cpu_seconds();
    let pushed = ingest::push_all(&officer, &changes, options.push_batch)?;
    // How much of the wall time the server had a core (the machine is shared).
    let server_cpu = match (cpu_before, server.cpu_seconds()) {
        (Some(a), Some(b)) => format!(", server CPU {:.1} s", b - a),
        _ => String::new(),
    };
    // The report tables follow the change log after the pushes (the
    // server's background projector): their catch-up is part of ingesting.
    let watcher = place.db()?;
    let cpu_before = server.cpu_seconds();
    let projection = ingest::wait_projected(
        &watcher,
        plan.org.commune.id,
        std::time::Duration::from_secs(1800),
    )?;
    drop(watcher);
    let projection_cpu = match (cpu_before, server.cpu_seconds()) {
        (Some(a), Some(b)) => format!(", server CPU {:.1} s", b - a),
        _ => String::new(),
    };
    let both = pushed.elapsed + projection.elapsed;
    table.info(
        &format!("1. report projection after the last push, {name}"),
        format!(
            "{:.1} s for the {} changes still unprojected{projection_cpu} (the rest during the \
             pushes); push + projection: {:.0} changes/s",
            projection.elapsed.as_secs_f64(),
            projection.behind,
            n as f64 / both.as_secs_f64()
        ),
    );
    let rate = n as f64 / pushed.elapsed.as_secs_f64();
    let pushed_figure = format!(
        "{:.0} rows/s = {rate:.0} changes/s ({n} in {:.1} s{server_cpu}, {} pushes, {} refused)",
        2.0 * rate,
        pushed.elapsed.as_secs_f64(),
        pushed.requests,
        pushed.refused
    );
    if pg.is_none() {
        let plain = ingest::plain_insert(dir, &changes, plan.org.commune.id)?;
        let plain_rate = n as f64 / plain.as_secs_f64();
        let ratio = rate / plain_rate;
        table.info("1. ingest over HTTP, SQLite", pushed_figure);
        table.info(
            "1. plain rusqlite insert (encrypted), same rows, 1 tx",
            format!(
                "{:.0} rows/s = {plain_rate:.0} changes/s ({:.2} s, median of 3)",
                2.0 * plain_rate,
                plain.as_secs_f64()
            ),
        );
        table.goal(
            "1. ingest ratio HTTP / plain",
            format!("{ratio:.3}"),
            "≥ 0.25",
            ratio >= 0.25 && pushed.refused == 0,
        );
    } else {
        table.info(&format!("1. ingest over HTTP, {name}"), pushed_figure);
    }

    // 2. First pull of a village.
    if knobs.runs(2) {
        let relay = CountingRelay::start(server.addr)?;
        let via = member.via(relay.addr, fp)?;
        let expect: usize = plan.ingest.iter().step_by(VILLAGES).map(Vec::len).sum();
        let households = plan.ingest.len().div_ceil(VILLAGES);
        let p = pulls::first_pull(&via, &relay, options.pull_limit)?;
        ensure!(p.changes == expect, "pulled {} of {expect}", p.changes);
        let secs = p.elapsed.as_secs_f64();
        let what = format!("2. first pull, {households}-household village, {name}");
        table.goal(
            &format!("{what}: time"),
            format!("{secs:.2} s ({} changes, {} pages)", p.changes, p.pages),
            "< 2 s",
            secs < 2.0,
        );
        table.goal(
            &format!("{what}: bytes"),
            format!(
                "{:.2} MB on the wire ({:.2} MB of JSON; {:.0} kB up)",
                p.wire_down as f64 / 1e6,
                p.body_bytes as f64 / 1e6,
                p.wire_up as f64 / 1e3
            ),
            "< 2 MB",
            p.wire_down < 2_000_000,
        );
    }

    // 4. Many devices at once.
    if knobs.runs(4) {
        let cursor = end_cursor(&officer, n as i64 - 1)?;
        let t = Instant::now();
        let devices = codes[2..]
            .iter()
            .enumerate()
            .map(|(i, code)| {
                Device::enroll(server.addr, fp, code, &format!("Điện thoại {}", i + 1))
            })
            .collect::<Result<Vec<_>>>()?;
        println!(
            "enrolled {} devices in {:.1} s",
            devices.len(),
            t.elapsed().as_secs_f64()
        );
        let work = crowd_work(knobs, plan, &devices)?;
        let cpu = || (server.cpu_seconds(), net::cpu_seconds("/proc/self/stat"));
        let before = cpu();
        let crowd = devices::run(&devices, &work, cursor);
        let cpu_figure = match (before, cpu()) {
            ((Some(s0), Some(b0)), (Some(s1), Some(b1))) => format!(
                "server {:.1} s, simulated devices {:.1} s, in {:.1} s on {} cores",
                s1 - s0,
                b1 - b0,
                crowd.elapsed.as_secs_f64(),
                std::thread::available_parallelism().map_or(0, |n| n.get())
            ),
            _ => "unavailable".into(),
        };
        let (p50, p99, max) = crowd.latency();
        let (mut push, mut pull) = (crowd.push_ms.clone(), crowd.pull_ms.clone());
        println!(
            "  {} requests in {:.1} s; push p50 {:.0} p99 {:.0} ms, pull p50 {:.0} p99 {:.0} ms; \
             {} changes pulled",
            crowd.requests(),
            crowd.elapsed.as_secs_f64(),
            pulls::percentile(&mut push, 0.5),
            pulls::percentile(&mut push, 0.99),
            pulls::percentile(&mut pull, 0.5),
            pulls::percentile(&mut pull, 0.99),
            crowd.pulled
        );
        if let Some(e) = &crowd.first_error {
            println!("  first error: {e}");
        }
        let what = format!("4. {} devices at once, {name}", devices.len());
        table.goal(
            &format!("{what}: p50 / p99"),
            format!(
                "{p50:.0} ms / {p99:.0} ms (max {max:.0} ms; {} requests in {:.1} s)",
                crowd.requests(),
                crowd.elapsed.as_secs_f64()
            ),
            "p99 < 1 s",
            p99 < 1000.0,
        );
        table.info(&format!("{what}: CPU used"), cpu_figure);
        table.goal(
            &format!("{what}: errors"),
            format!("{} errors, {} changes refused", crowd.errors, crowd.refused),
            "0",
            crowd.errors == 0 && crowd.refused == 0,
        );
    }

    // 5. A backup while devices push.
    if knobs.runs(5) {
        let cursor = end_cursor(&officer, n as i64 - 1)?;
        let devices = codes[backup_codes_from..]
            .iter()
            .enumerate()
            .map(|(i, code)| Device::enroll(server.addr, fp, code, &format!("Máy {}", i + 1)))
            .collect::<Result<Vec<_>>>()?;
        let (b, r) = (knobs.batch, knobs.rounds);
        let work = |_run: usize| backup::work(&plan.crowd, backup_members, &devices, b, r);
        let cursor_after = |c: i64| end_cursor(&officer, c);
        let o = backup::measure(&place, &devices, &work, &cursor_after, cursor)?;
        let what = format!("5. {} devices pushing, {name}", devices.len());
        let (_, p99_alone, _) = o.alone.latency();
        let (_, p99_with, _) = o.with_backup.latency();
        table.info(
            &format!("5. admin backup during the pushes, {name}"),
            format!(
                "{:.2} s, {:.1} MB ({} changes in the database before)",
                o.backup.took.as_secs_f64(),
                o.backup.bytes as f64 / 1e6,
                n
            ),
        );
        let errors = o.alone.errors + o.with_backup.errors;
        let refused = o.alone.refused + o.with_backup.refused;
        table.goal(
            &format!("{what}: p99 without / with a backup"),
            format!(
                "{p99_alone:.0} ms / {p99_with:.0} ms ({} and {} requests in {:.1} and {:.1} s; \
                 {errors} errors, {refused} refused)",
                o.alone.requests(),
                o.with_backup.requests(),
                o.alone.elapsed.as_secs_f64(),
                o.with_backup.elapsed.as_secs_f64(),
            ),
            "p99 < 1 s with it, 0 errors",
            p99_with < 1000.0 && errors == 0 && refused == 0,
        );
    }
    Ok(())
}

/// The cursor after the last change `device` can see, pulling on from
/// `after` (cheap when `after` is near the end).
fn end_cursor(device: &Device, after: i64) -> Result<i64> {
    let mut cursor = after.max(0);
    loop {
        let (page, _) = device.pull(cursor, 2000)?;
        cursor = page.cursor;
        if !page.more {
            return Ok(cursor);
        }
    }
}

/// Each device's batches: the crowd households of its village dealt out
/// among that village's devices, stamped by the device, `batch` changes a
/// push, `rounds` pushes.
fn crowd_work(knobs: &Knobs, plan: &Plan, devices: &[Device]) -> Result<Vec<Vec<Vec<Change>>>> {
    let mut by_village: HashMap<VillageId, Vec<usize>> = HashMap::new();
    for (i, (_, v)) in plan.crowd_members.iter().enumerate().take(devices.len()) {
        by_village.entry(*v).or_default().push(i);
    }
    let mut dealt: Vec<Vec<&Household>> = vec![Vec::new(); devices.len()];
    let mut next: HashMap<VillageId, usize> = HashMap::new();
    for household in &plan.crowd {
        let v = Dataset::village_of(household)?;
        if let Some(devs) = by_village.get(&v) {
            let k = next.entry(v).or_default();
            dealt[devs[*k % devs.len()]].push(household);
            *k += 1;
        }
    }
    let mut short = 0;
    let work: Vec<Vec<Vec<Change>>> = dealt
        .into_iter()
        .zip(devices)
        .zip(&plan.crowd_members)
        .map(|((households, device), (member, _))| {
            let changes = data::stamped(households, device.id, *member);
            let batches: Vec<Vec<Change>> = changes
                .chunks(knobs.batch)
                .take(knobs.rounds)
                .map(<[Change]>::to_vec)
                .collect();
            if batches.len() < knobs.rounds {
                short += 1;
            }
            batches
        })
        .collect();
    if short > 0 {
        println!(
            "  note: {short} devices have fewer than {} batches",
            knobs.rounds
        );
    }
    Ok(work)
}

/// Measure 3 on one backend: a server with few rows and one with many,
/// each given the same 10 new changes in the first village, pulled in turn.
fn incremental(knobs: &Knobs, plan: &Plan, pg: Option<&str>, table: &mut Table) -> Result<()> {
    // Server before place: a server is stopped before its schema goes.
    let mut sides: Vec<(Server, Place, Device, i64)> = Vec::new();
    let sizes = [knobs.small_rows, knobs.big_rows];
    for rows in sizes {
        let place = Place::new(pg)?;
        let name = place.backend();
        println!("\n== {name}: measure 3, {rows} rows ==");
        let db = place.db()?;
        db.import_org(&plan.org)?;
        let c = codes(
            &db,
            &[plan.officer, plan.village_member, plan.village_member],
        )?;
        let filler = db.redeem_code(&c[0], "Máy nạp dữ liệu")?.auth;
        let t = Instant::now();
        pulls::fill(&db, &filler, &plan.ingest, rows, &place)?;
        let secs = t.elapsed().as_secs_f64();
        println!("filled {rows} changes in {secs:.1} s");
        drop(db);
        let server = Server::start(&place)?;
        let fp = server.fingerprint.as_str();
        let puller = Device::enroll(server.addr, fp, &c[1], "Điện thoại đọc")?;
        let writer = Device::enroll(server.addr, fp, &c[2], "Điện thoại ghi")?;
        let cursor = end_cursor(&puller, rows as i64 - 1)?;
        // Two households of the first village (every VILLAGES-th).
        let two: Vec<Household> = plan
            .ingest
            .iter()
            .step_by(VILLAGES)
            .take(2)
            .cloned()
            .collect();
        let mut new = data::fresh_copy(&two, writer.id, plan.village_member);
        new.truncate(10);
        ensure!(writer.push(&new)? == 0, "the new changes were refused");
        sides.push((server, place, puller, cursor));
    }
    let name = sides[0].1.backend();
    let pullers: Vec<(&Device, i64)> = sides.iter().map(|(_, _, d, c)| (d, *c)).collect();
    let medians = pulls::incremental(&pullers, knobs.pulls, 10)?;
    for (rows, ms) in sizes.iter().zip(&medians) {
        table.info(
            &format!("3. incremental pull of 10, {rows} rows, {name}"),
            format!("median {ms:.2} ms over {} pulls", knobs.pulls),
        );
    }
    let ratio = medians[1] / medians[0];
    table.goal(
        &format!(
            "3. incremental ratio {} / {} rows, {name}",
            sizes[1], sizes[0]
        ),
        format!("{ratio:.2}"),
        "≤ 1.2",
        ratio <= 1.2,
    );
    Ok(())
}
