//! `gocua-server admin …`: setting up the commune and managing devices,
//! on the database directly (safe while the server runs: SQLite WAL, or
//! PostgreSQL with `--database-url`).
//! Text for people, `--json` for scripts; errors in Vietnamese and English.

use crate::args::*;
use crate::serve::{INFO_FILE, ServerInfo, open_db};
use crate::{qr, tls};
use anyhow::{Context, Result, anyhow, bail};
use chrono::{DateTime, Utc};
use gocua_central::{CentralDb, CentralError};
use gocua_core::demo::demo_org;
use gocua_core::month::vietnam;
use gocua_core::{
    CommuneId, DeviceId, Member, MemberId, OrgSnapshot, ResidentId, Role, TeamId, VillageId,
};
use gocua_wire::EnrollmentPayload;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Where phones reach the server when nothing better is known.
const DEFAULT_URL: &str = "https://127.0.0.1:8443";

pub fn print_error(e: &anyhow::Error) {
    if let Some(c) = e.downcast_ref::<CentralError>() {
        // `{e:#}`: the cause with what was being done (e.g. connecting to
        // which database).
        eprintln!("Lỗi: {}\nerror [{}]: {e:#}", c.message_vi(), c.code());
    } else {
        eprintln!("Lỗi: {e:#}");
    }
}

fn parse<T: FromStr>(what: &str, s: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    s.parse::<T>().map_err(|e| anyhow!("{what} '{s}': {e}"))
}

pub(crate) fn print_json<T: Serialize>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

pub fn run(args: AdminArgs) -> Result<()> {
    if let AdminCommand::Restore { from } = &args.command {
        return crate::admin_backup::restore(&args, from);
    }
    let db = open_db(&args.data, &args.db, 1)?;
    let json = args.json;
    match args.command {
        AdminCommand::Commune(CommuneCommand::Create { name, province }) => {
            let c = db.create_commune(&name, &province)?;
            if json {
                return print_json(&c);
            }
            println!("Đã tạo {} ({})\ncommune id: {}", c.name, c.province, c.id);
        }
        AdminCommand::Restore { .. } => unreachable!("handled before opening the database"),
        AdminCommand::Backup { to } => crate::admin_backup::backup(&db, &args.db, &to, json)?,
        AdminCommand::Commune(CommuneCommand::List) => {
            let communes = db.communes()?;
            if json {
                return print_json(&communes);
            }
            for c in &communes {
                println!("{}  {} ({})", c.id, c.name, c.province);
            }
        }
        AdminCommand::Village(VillageCommand::Add { commune, name }) => {
            let v = db.add_village(parse::<CommuneId>("commune", &commune)?, &name)?;
            if json {
                return print_json(&v);
            }
            println!("Đã thêm {}\nvillage id: {}", v.name, v.id);
        }
        AdminCommand::Team(TeamCommand::Add {
            commune,
            name,
            villages,
        }) => {
            let villages = villages
                .iter()
                .map(|v| parse::<VillageId>("village", v))
                .collect::<Result<Vec<_>>>()?;
            let t = db.add_team(parse("commune", &commune)?, &name, &villages)?;
            if json {
                return print_json(&t);
            }
            println!(
                "Đã thêm {} ({} thôn/xóm)\nteam id: {}",
                t.name,
                t.village_ids.len(),
                t.id
            );
        }
        AdminCommand::Team(TeamCommand::SetVillages { team, villages }) => {
            let villages = villages
                .iter()
                .map(|v| parse::<VillageId>("village", v))
                .collect::<Result<Vec<_>>>()?;
            let t = db.set_team_villages(parse("team", &team)?, &villages)?;
            if json {
                return print_json(&t);
            }
            println!("{} nay phụ trách {} thôn/xóm", t.name, t.village_ids.len());
        }
        AdminCommand::Member(MemberCommand::Add {
            commune,
            team,
            name,
            role,
        }) => {
            let team = team.map(|t| parse::<TeamId>("team", &t)).transpose()?;
            let role: Role = parse("role", &role)?;
            let m = db.add_member(parse("commune", &commune)?, team, &name, role)?;
            if json {
                return print_json(&m);
            }
            println!(
                "Đã thêm {} ({})\nmember id: {}",
                m.full_name,
                m.role.label_vi(),
                m.id
            );
        }
        AdminCommand::Member(MemberCommand::SetPassword { member, login }) => {
            crate::web::password::run(
                &db,
                &args.data,
                parse("member", &member)?,
                login.as_deref(),
                json,
            )?;
        }
        AdminCommand::EnrollCode {
            member,
            ttl_hours,
            target,
        } => {
            let out = issue_code(
                &db,
                &args.data,
                parse("member", &member)?,
                ttl_hours,
                &target,
            )?;
            if json {
                return print_json(&out);
            }
            print_code(&out);
        }
        AdminCommand::Devices { commune } => {
            let commune: CommuneId = parse("commune", &commune)?;
            let devices = db.devices(commune)?;
            let resend = db.resend_status(commune)?;
            let waiting = |id: &DeviceId| resend.as_ref().is_some_and(|r| r.waiting.contains(id));
            if json {
                // Each device says whether it has still to send its work
                // again after a restore.
                let mut rows = Vec::with_capacity(devices.len());
                for d in &devices {
                    let mut v = serde_json::to_value(d)?;
                    v["waiting_to_resend"] = waiting(&d.device_id).into();
                    rows.push(v);
                }
                return print_json(&rows);
            }
            if devices.is_empty() {
                println!("Chưa có thiết bị nào.");
            }
            if let Some(r) = &resend {
                println!("{}", crate::admin_backup::resend_line(r));
            }
            for d in devices {
                let status = match (&d.revoked_at, &d.replaced_by) {
                    (Some(t), Some(new)) => format!("đã thay thế {} bởi {new}", local(t)),
                    (Some(t), None) => format!("đã thu hồi {}", local(t)),
                    (None, _) if waiting(&d.device_id) => "đang dùng, chưa gửi lại".into(),
                    (None, _) if !d.has_signing_key => {
                        "đang dùng, chưa có khóa ký (ứng dụng cũ, chưa đồng bộ lại)".into()
                    }
                    (None, _) => "đang dùng".into(),
                };
                println!(
                    "{}  {} — {} ({}; đăng ký {}, lần cuối {})",
                    d.device_id,
                    d.name,
                    d.member_name,
                    status,
                    local(&d.created_at),
                    d.last_seen_at.as_deref().map_or("—".into(), local)
                );
            }
        }
        AdminCommand::Revoke { device_id } => {
            let id: DeviceId = parse("device", &device_id)?;
            db.revoke_device(id)?;
            if json {
                return print_json(&serde_json::json!({ "revoked": id }));
            }
            println!("Đã thu hồi quyền truy cập của thiết bị {id}.");
        }
        AdminCommand::Target(TargetCommand::Set {
            commune,
            indicator,
            percent,
        }) => {
            let t = db.set_target(parse("commune", &commune)?, &indicator, percent)?;
            if json {
                return print_json(&t);
            }
            println!("Chỉ tiêu {}: {}%", t.indicator, t.percent);
        }
        AdminCommand::Conflicts { commune, limit } => {
            let list = db.conflicts(parse("commune", &commune)?, None, limit)?;
            if json {
                return print_json(&list);
            }
            if list.is_empty() {
                println!("Không có xung đột nào.");
            }
            for c in list {
                println!(
                    "{} {} {}: giữ {} — bỏ {} ({})",
                    c.entity.as_str(),
                    c.entity_id,
                    c.field,
                    c.kept_value,
                    c.lost_value,
                    local(&c.at)
                );
            }
        }
        AdminCommand::Audit {
            commune,
            reviews,
            limit,
        } => {
            let only = reviews.then_some(gocua_core::EntityKind::ReviewMark);
            let list = db.change_audit(parse("commune", &commune)?, only, limit)?;
            if json {
                return print_json(&list);
            }
            if list.is_empty() {
                println!("Chưa có thay đổi nào.");
            }
            for e in list {
                let who = match (&e.member_name, &e.device_name) {
                    (Some(m), Some(d)) => format!("{m} ({d})"),
                    _ => "Nhập danh sách hộ".to_string(),
                };
                let words = e.review.as_ref().and_then(|r| r.1.clone());
                println!(
                    "{} {} — {} {} [{}]: {}{}",
                    local(&e.received_at),
                    who,
                    e.entity.as_str(),
                    e.entity_id,
                    e.household_head.as_deref().unwrap_or(""),
                    crate::web::pages::audit_changes::what_vi(&e),
                    words.map(|w| format!(" — {w}")).unwrap_or_default()
                );
            }
        }
        AdminCommand::Import(a) => crate::import::run(&db, a, json)?,
        AdminCommand::Report(a) => crate::report::run(&db, a, json)?,
        AdminCommand::Training(c) => crate::training::run(&db, c, json)?,
        AdminCommand::MergeResidents {
            member,
            duplicate,
            into,
            unmerge: _,
        } => {
            let officer = db.member(parse("member", &member)?)?;
            let duplicate: ResidentId = parse("resident", &duplicate)?;
            let into: Option<ResidentId> =
                into.as_deref().map(|i| parse("resident", i)).transpose()?;
            let user = std::env::var("USER")
                .or_else(|_| std::env::var("USERNAME"))
                .unwrap_or_else(|_| "?".into());
            let change = db.merge_residents(
                officer.commune_id,
                officer.id,
                &format!("admin:{user} ({})", officer.full_name),
                duplicate,
                into,
                Utc::now(),
            )?;
            if json {
                return print_json(&serde_json::json!({
                    "change_id": change, "duplicate": duplicate, "into": into,
                }));
            }
            match into {
                Some(i) => println!("Đã gộp nhân khẩu {duplicate} vào {i}."),
                None => println!("Đã tách nhân khẩu {duplicate} ra thành người riêng."),
            }
        }
        AdminCommand::Demo { villages, target } => {
            let org = demo_org(villages as usize);
            db.import_org(&org)?;
            let first = org
                .members
                .first()
                .context("the demo organisation has no member")?
                .id;
            let code = issue_code(&db, &args.data, first, 72, &target)?;
            let out = DemoOut {
                org,
                enrollment: code,
            };
            if json {
                return print_json(&out);
            }
            print_demo(&out);
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct CodeOut {
    code: String,
    member: Member,
    expires_at: DateTime<Utc>,
    url: String,
    fingerprint: Option<String>,
    /// What the QR code carries (`gocua-enroll:v1?…`).
    payload: String,
    png: Option<PathBuf>,
    #[serde(skip)]
    qr: String,
}

#[derive(Serialize)]
struct DemoOut {
    #[serde(flatten)]
    org: OrgSnapshot,
    enrollment: CodeOut,
}

fn issue_code(
    db: &CentralDb,
    data: &Path,
    member: MemberId,
    ttl_hours: u32,
    target: &PayloadArgs,
) -> Result<CodeOut> {
    let (url, fingerprint) = server_target(data, target.url.as_deref())?;
    let issued = db.issue_code(member, chrono::Duration::hours(i64::from(ttl_hours)))?;
    let payload = EnrollmentPayload {
        url: url.clone(),
        code: issued.code.clone(),
        fingerprint: fingerprint.clone(),
    }
    .to_text();
    let qr = qr::terminal(&payload)?;
    if let Some(p) = &target.png {
        qr::write_png(&payload, p)?;
    }
    Ok(CodeOut {
        code: issued.code,
        member: issued.member,
        expires_at: issued.expires_at,
        url,
        fingerprint,
        payload,
        png: target.png.clone(),
        qr,
    })
}

/// The address and certificate fingerprint to put in a QR code: the given
/// URL, else where the server last listened; the running server's
/// certificate, else the generated one (made now if need be).
fn server_target(data: &Path, url: Option<&str>) -> Result<(String, Option<String>)> {
    let info: Option<ServerInfo> = std::fs::read_to_string(data.join(INFO_FILE))
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok());
    let url = match (url, &info) {
        (Some(u), _) => u.trim().trim_end_matches('/').to_string(),
        (None, Some(i)) => i.url.clone(),
        (None, None) => DEFAULT_URL.to_string(),
    };
    if !url.starts_with("https://") || url.contains(['&', ' ', '?', '#']) {
        bail!("--url must look like https://192.168.1.10:8443 (got '{url}')");
    }
    if url.contains("0.0.0.0") || url.contains("[::]") {
        eprintln!(
            "Lưu ý: máy chủ nghe trên mọi địa chỉ; hãy dùng --url với địa chỉ mạng LAN của máy \
             (note: pass --url with the machine's LAN address)."
        );
    }
    let fingerprint = match info {
        Some(i) => i.fingerprint,
        None => {
            let (cert, _) = tls::ensure_self_signed(data, &[])?;
            tls::fingerprint_of(&cert)?
        }
    };
    Ok((url, Some(fingerprint)))
}

/// A stored UTC time as Vietnam's local time.
pub(crate) fn local(t: &str) -> String {
    DateTime::parse_from_rfc3339(t)
        .map(|d| {
            d.with_timezone(&vietnam())
                .format("%d/%m/%Y %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| t.to_string())
}

fn print_code(c: &CodeOut) {
    println!("Mã đăng ký: {}", c.code);
    println!("Cho: {} ({})", c.member.full_name, c.member.role.label_vi());
    println!(
        "Hết hạn: {} (giờ Việt Nam)",
        c.expires_at
            .with_timezone(&vietnam())
            .format("%d/%m/%Y %H:%M")
    );
    println!("Máy chủ: {}", c.url);
    if let Some(fp) = &c.fingerprint {
        println!("Dấu vân tay chứng chỉ (SHA-256): {fp}");
    }
    println!("Nội dung mã QR: {}", c.payload);
    println!("{}", c.qr);
    if let Some(p) = &c.png {
        println!("Đã lưu ảnh mã QR: {}", p.display());
    }
}

fn print_demo(d: &DemoOut) {
    let org = &d.org;
    println!(
        "Đã tạo xã mẫu: {} ({})\ncommune id: {}",
        org.commune.name, org.commune.province, org.commune.id
    );
    for v in &org.villages {
        println!("  thôn/xóm  {}  {}", v.id, v.name);
    }
    for t in &org.teams {
        println!("  tổ        {}  {}", t.id, t.name);
    }
    for m in &org.members {
        println!(
            "  thành viên {}  {} ({})",
            m.id,
            m.full_name,
            m.role.label_vi()
        );
    }
    println!();
    print_code(&d.enrollment);
}
