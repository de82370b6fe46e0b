//! One handler per command: parse the words, call the store, print.

use crate::args::*;
use crate::print;
use crate::sync_cmd;
use anyhow::{Context, Result, anyhow, bail};
use chrono::{DateTime, NaiveDate, Utc};
use gocua_core::month::local_date;
use gocua_core::{
    ActionInput, ActionOutcome, HouseholdFlags, HouseholdInput, MemberId, Month, ResidentInput,
    VisitInput,
};
use gocua_device::demo::{DemoSpec, load_demo};
use gocua_device::{DbKey, OrgSnapshot, Store};
use std::io::{BufRead, IsTerminal, Write};
use std::str::FromStr;

fn key() -> Result<DbKey> {
    if let Ok(k) = std::env::var("GOCUA_DB_KEY") {
        if k.is_empty() {
            bail!("GOCUA_DB_KEY is empty");
        }
        return Ok(DbKey::Passphrase(k));
    }
    if !std::io::stdin().is_terminal() {
        bail!("no database key: set GOCUA_DB_KEY or run on a terminal to be asked");
    }
    let k = rpassword::prompt_password("Mã khóa dữ liệu: ")?;
    Ok(DbKey::Passphrase(k))
}

pub(crate) fn parse<T: FromStr>(what: &str, s: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    s.parse::<T>().map_err(|e| anyhow!("{what} '{s}': {e}"))
}

fn today(date: Option<&str>) -> Result<NaiveDate> {
    match date {
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .with_context(|| format!("date '{d}' must be YYYY-MM-DD")),
        None => Ok(local_date(Utc::now())),
    }
}

pub fn run(cli: Cli) -> Result<()> {
    let key = key()?;
    let mut store = Store::open(&cli.db, &key)?;
    let json = cli.json;
    match cli.command {
        Command::Init { device_name } => {
            let info = store.init_device(&device_name)?;
            if json {
                print::json(&info)?;
            } else {
                println!(
                    "Đã thiết lập thiết bị \"{}\" ({})",
                    info.device_name, info.device_id
                );
            }
        }
        Command::Status => sync_cmd::status(&store, json)?,
        Command::Enroll {
            target,
            code,
            device_name,
        } => sync_cmd::enroll(&mut store, &target, code.as_deref(), device_name, json)?,
        Command::Sync => sync_cmd::sync(&mut store, json)?,
        Command::Quarantine(cmd) => sync_cmd::quarantine(&mut store, cmd, json)?,
        Command::Org(OrgCommand::Import { file }) => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let org: OrgSnapshot = serde_json::from_str(&text)
                .with_context(|| format!("{} is not an organisation file", file.display()))?;
            store.import_org(&org)?;
            println!(
                "Đã nạp {}: {} thôn, {} tổ, {} thành viên",
                org.commune.name,
                org.villages.len(),
                org.teams.len(),
                org.members.len()
            );
        }
        Command::Org(OrgCommand::Show) => {
            let org = store
                .org()?
                .ok_or_else(|| anyhow!("no organisation loaded yet"))?;
            if json {
                print::json(&org)?;
            } else {
                println!("{} – {}", org.commune.name, org.commune.province);
                for v in &org.villages {
                    println!("  thôn  {}  {}", v.id, v.name);
                }
                for t in &org.teams {
                    println!("  tổ    {}  {}", t.id, t.name);
                }
                for m in &org.members {
                    println!("  người {}  {} ({})", m.id, m.full_name, m.role.label_vi());
                }
            }
        }
        Command::Household(cmd) => household(&mut store, cmd, json)?,
        Command::Resident(ResidentCommand::Add {
            household,
            name,
            birth_year,
            sex,
            smartphone,
            consent,
        }) => {
            let input = ResidentInput {
                household_id: parse("household", &household)?,
                full_name: name,
                birth_year,
                sex: parse("sex", &sex)?,
                has_smartphone: smartphone,
                consent_on: consent.then(|| local_date(Utc::now())),
                citizen_id_hash: None,
            };
            let r = store.write(|b| b.add_resident(input))?;
            if json {
                print::json(&r)?;
            } else {
                println!("{}", r.id);
            }
        }
        Command::Visit(cmd) => visit(&mut store, cmd, json)?,
        Command::Review(cmd) => crate::review_cmd::run(&mut store, cmd, json)?,
        Command::Worklist {
            member,
            village,
            date,
            horizon_days,
        } => {
            let villages = match (member, village) {
                (Some(m), _) => {
                    let member = store.member(parse("member", &m)?)?;
                    let team = member
                        .team_id
                        .ok_or_else(|| anyhow!("member {m} has no team"))?;
                    store.team_villages(team)?
                }
                (None, Some(v)) => vec![parse("village", &v)?],
                (None, None) => bail!("say whose worklist: --member ID or --village ID"),
            };
            let list = store.worklist(&villages, today(date.as_deref())?, horizon_days)?;
            if json {
                print::json(&list)?;
            } else {
                println!("Hẹn quay lại ({}):", list.follow_ups.len());
                for f in &list.follow_ups {
                    let mark = if f.overdue { " (quá hạn)" } else { "" };
                    println!(
                        "  {} {}{} – {}: {} [{}]",
                        f.due, f.head_name, mark, f.resident_name, f.action_name, f.household_id
                    );
                }
                println!(
                    "Chưa thăm trong tháng {} ({} hộ):",
                    list.month,
                    list.not_visited.len()
                );
                for h in &list.not_visited {
                    let labels = h.household.flags.labels_vi().join(", ");
                    println!(
                        "  {}  {} – {} {}",
                        h.household.id,
                        h.household.head_name,
                        h.household.address,
                        if labels.is_empty() {
                            String::new()
                        } else {
                            format!("[{labels}]")
                        }
                    );
                }
            }
        }
        Command::Quota {
            month,
            member,
            team,
        } => quota(&store, &month, member, team, json)?,
        Command::Catalogue(CatalogueCommand::List) => {
            let cat = store.catalogue()?;
            if json {
                print::json(&cat)?;
            } else {
                for e in cat {
                    let state = if e.active { "" } else { " (ngừng)" };
                    println!(
                        "{:<24} {}{} – {}",
                        e.code.as_str(),
                        e.name_vi,
                        state,
                        e.eligibility.label_vi()
                    );
                }
            }
        }
        Command::Demo {
            households,
            actions,
            seed,
        } => {
            if store.device()?.is_none() {
                store.init_device("demo")?;
            }
            let summary = load_demo(
                &mut store,
                DemoSpec {
                    households,
                    actions: actions.unwrap_or(households * 23),
                    seed,
                    today: local_date(Utc::now()),
                },
            )?;
            if json {
                print::json(&summary)?;
            } else {
                println!(
                    "Đã tạo xã mẫu: {} thôn, {} tổ, {} thành viên, {} hộ, {} nhân khẩu, {} lượt thăm, {} nội dung hỗ trợ",
                    summary.villages,
                    summary.teams,
                    summary.members,
                    summary.households,
                    summary.residents,
                    summary.visits,
                    summary.actions
                );
            }
        }
    }
    Ok(())
}

fn household(store: &mut Store, cmd: HouseholdCommand, json: bool) -> Result<()> {
    match cmd {
        HouseholdCommand::Add(f) => {
            let input = HouseholdInput {
                village_id: Some(parse("village", &f.village)?),
                address: f.address,
                head_name: f.head,
                phone: f.phone,
                flags: HouseholdFlags {
                    poor: f.poor,
                    near_poor: f.near_poor,
                    ethnic_minority: f.ethnic_minority,
                    elderly_only: f.elderly_only,
                    no_smartphone: f.no_smartphone,
                },
            };
            let h = store.write(|b| b.add_household(input))?;
            if json {
                print::json(&h)?;
            } else {
                println!("{}", h.id);
            }
        }
        HouseholdCommand::List { village } => {
            let villages = match village {
                Some(v) => vec![parse("village", &v)?],
                None => Vec::new(),
            };
            let list = store.list_households(&villages)?;
            if json {
                print::json(&list)?;
            } else {
                for h in list {
                    println!("{}  {} – {}", h.id, h.head_name, h.address);
                }
            }
        }
        HouseholdCommand::Show { id } => {
            let d = store.household(parse("household", &id)?)?;
            if json {
                print::json(&d)?;
            } else {
                let h = &d.household;
                println!("Hộ {} – {}, {}", h.head_name, h.address, d.village_name);
                if let Some(p) = &h.phone {
                    println!("Điện thoại: {p}");
                }
                let labels = h.flags.labels_vi();
                if !labels.is_empty() {
                    println!("Nhóm ưu tiên: {}", labels.join(", "));
                }
                println!("Gia đình số: {}", print::yes_no(d.digital_family));
                for r in &d.residents {
                    println!(
                        "  {} ({} tuổi) {} – công dân số: {}",
                        r.resident.full_name,
                        r.age,
                        r.resident.id,
                        print::yes_no(r.digital_citizen)
                    );
                    for item in r.checklist.iter().filter(|i| i.in_checklist) {
                        println!("      {:<22} {}", item.status.label_vi(), item.name_vi);
                    }
                }
                for v in &d.visits {
                    let void = v
                        .voided_reason
                        .as_ref()
                        .map(|r| format!(" [đã hủy: {r}]"))
                        .unwrap_or_default();
                    println!(
                        "  Thăm {} – {} – {}{}",
                        v.day,
                        v.outcome.label_vi(),
                        v.members.join(", "),
                        void
                    );
                    for a in &v.actions {
                        println!(
                            "      {}: {} – {}",
                            a.resident_name,
                            a.action_name,
                            a.outcome.label_vi()
                        );
                    }
                }
            }
        }
        HouseholdCommand::Search { query, limit } => {
            let hits = store.search(&query, limit)?;
            if json {
                print::json(&hits)?;
            } else {
                for h in hits {
                    let who = h
                        .matched_resident
                        .map(|r| format!(" (có {r})"))
                        .unwrap_or_default();
                    println!(
                        "{}  {}{} – {}, {}",
                        h.household_id, h.head_name, who, h.address, h.village_name
                    );
                }
            }
        }
        HouseholdCommand::Import { file } => {
            let reader: Box<dyn BufRead> = if file.as_os_str() == "-" {
                Box::new(std::io::stdin().lock())
            } else {
                Box::new(std::io::BufReader::new(
                    std::fs::File::open(&file)
                        .with_context(|| format!("opening {}", file.display()))?,
                ))
            };
            let mut out = std::io::stdout().lock();
            for (n, line) in reader.lines().enumerate() {
                let line = line?;
                if line.trim().is_empty() {
                    continue;
                }
                let input: HouseholdInput = serde_json::from_str(&line)
                    .with_context(|| format!("line {}: not a household", n + 1))?;
                let h = store.write(|b| b.add_household(input))?;
                // Printed only after the commit returned: what is reported is on disk.
                writeln!(out, "ok {}", h.id)?;
                out.flush()?;
            }
        }
    }
    Ok(())
}

/// `RESIDENT_ID:ACTION_CODE:OUTCOME[:ARG]`
fn parse_action(s: &str) -> Result<ActionInput> {
    let mut parts = s.splitn(3, ':');
    let (Some(resident), Some(code), Some(outcome)) = (parts.next(), parts.next(), parts.next())
    else {
        bail!("--action '{s}' must be RESIDENT_ID:ACTION_CODE:OUTCOME[:ARG]");
    };
    Ok(ActionInput {
        resident_id: parse("resident", resident)?,
        action: parse("action code", code)?,
        outcome: ActionOutcome::parse_compact(outcome)?,
    })
}

fn visit(store: &mut Store, cmd: VisitCommand, json: bool) -> Result<()> {
    match cmd {
        VisitCommand::Log {
            household,
            members,
            form,
            outcome,
            note,
            actions,
            at,
        } => {
            let at: DateTime<Utc> = match at {
                Some(a) => DateTime::parse_from_rfc3339(&a)
                    .with_context(|| format!("--at '{a}' must be RFC 3339"))?
                    .with_timezone(&Utc),
                None => Utc::now(),
            };
            let input = VisitInput {
                household_id: parse("household", &household)?,
                members: members
                    .iter()
                    .map(|m| parse::<MemberId>("member", m))
                    .collect::<Result<_>>()?,
                at,
                form: parse("form", &form)?,
                outcome: parse("outcome", &outcome)?,
                note,
                actions: actions
                    .iter()
                    .map(|a| parse_action(a))
                    .collect::<Result<_>>()?,
            };
            let (visit, actions) = store.write(|b| b.log_visit(input))?;
            if json {
                print::json(&serde_json::json!({ "visit": visit, "actions": actions }))?;
            } else {
                println!("{}", visit.id);
            }
        }
        VisitCommand::Void { id, reason, member } => {
            let (id, by) = (parse("visit", &id)?, parse("member", &member)?);
            store.write(|b| b.void_visit(id, &reason, by))?;
            println!("Đã hủy lượt thăm {id}");
        }
    }
    Ok(())
}

fn quota(
    store: &Store,
    month: &str,
    member: Option<String>,
    team: Option<String>,
    json: bool,
) -> Result<()> {
    let month: Month = parse("month", month)?;
    if let Some(m) = member {
        let figures = store.member_month(parse("member", &m)?, month)?;
        if json {
            return print::json(&figures);
        }
        println!(
            "Tháng {month}: {} hộ (chỉ tiêu {}) – {}; {} lượt hỗ trợ",
            figures.households_helped,
            figures.quota,
            print::yes_no(figures.meets_quota),
            figures.assists
        );
        return Ok(());
    }
    let org = store
        .org()?
        .ok_or_else(|| anyhow!("no organisation loaded yet"))?;
    let teams: Vec<_> = match team {
        Some(t) => {
            let id = parse("team", &t)?;
            org.teams.iter().filter(|x| x.id == id).cloned().collect()
        }
        None => org.teams.clone(),
    };
    let mut all = Vec::new();
    for t in &teams {
        all.push((t, store.team_month(t.id, month)?));
    }
    if json {
        let v: Vec<_> = all
            .iter()
            .map(|(t, f)| serde_json::json!({ "team_id": t.id, "team": t.name, "figures": f }))
            .collect();
        return print::json(&v);
    }
    let name = |id: &MemberId| {
        org.members
            .iter()
            .find(|m| m.id == *id)
            .map(|m| m.full_name.clone())
            .unwrap_or_else(|| id.to_string())
    };
    for (t, f) in all {
        println!(
            "{} – tháng {month}: {} lượt hỗ trợ (chỉ tiêu {}) – {}; {} hộ",
            t.name,
            f.assists,
            f.quota,
            print::yes_no(f.meets_quota),
            f.households_helped
        );
        for m in &f.members {
            println!(
                "    {:<28} {:>3} hộ  {:>4} lượt  {}",
                name(&m.member_id),
                m.households_helped,
                m.assists,
                print::yes_no(m.meets_quota)
            );
        }
    }
    Ok(())
}
