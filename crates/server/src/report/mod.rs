//! `gocua-server admin report`: the commune's figures for a quarter or a
//! month — the quarterly report as `.xlsx` (shaped like the officials'
//! reports) and CSV, a summary in words, or JSON for scripts. The numbers
//! come from `CentralDb`'s report API; this module only lays them out, and
//! `xlsx::quarter_workbook` / `csv::dashboard_csv` return bytes so a web
//! download can serve the same files.

pub mod csv;
pub mod xlsx;

use anyhow::{Context, Result, anyhow, bail};
use chrono::{DateTime, NaiveDate, Utc};
use clap::Args;
use gocua_central::{CentralDb, ExportChannel, ExportEvent};
use gocua_core::CommuneId;
use gocua_core::indicators::{CommuneDashboard, Period, QuarterReport};
use gocua_core::month::{local_date, vietnam};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct ReportArgs {
    /// The commune (default: the only one on this server).
    #[arg(long)]
    pub commune: Option<String>,
    /// A quarter, e.g. 2026-Q4: the quarterly report.
    #[arg(long, conflicts_with = "month", required_unless_present = "month")]
    pub quarter: Option<String>,
    /// A month, e.g. 2026-11.
    #[arg(long)]
    pub month: Option<String>,
    /// Write the quarterly report as an Excel workbook here.
    #[arg(long)]
    pub xlsx: Option<PathBuf>,
    /// Write the figures as CSV here.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Take the figures as on this day (YYYY-MM-DD) instead of today in
    /// Vietnam: a report as it stood, or a test's fixed day.
    #[arg(long)]
    pub today: Option<String>,
}

/// dd/mm/yyyy.
pub fn fmt_day(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// A moment as Vietnam's local time.
pub fn fmt_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&vietnam())
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

pub fn percent_text(achieved: u64, of: u64) -> String {
    if of == 0 {
        String::new()
    } else {
        format!("{:.1}", achieved as f64 * 100.0 / of as f64)
    }
}

pub(crate) fn commune(db: &CentralDb, given: Option<&str>) -> Result<CommuneId> {
    if let Some(c) = given {
        return c.parse().map_err(|e| anyhow!("commune '{c}': {e}"));
    }
    match db.communes()?.as_slice() {
        [only] => Ok(only.id),
        [] => bail!("Chưa có xã nào trên máy chủ (no commune on this server)."),
        _ => bail!(
            "Máy chủ có nhiều xã: hãy chọn bằng --commune (several communes: pass --commune)."
        ),
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

pub fn run(db: &CentralDb, args: ReportArgs, json: bool) -> Result<()> {
    let commune = commune(db, args.commune.as_deref())?;
    let today = match &args.today {
        Some(d) => NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
            .map_err(|_| anyhow!("--today '{d}': expected YYYY-MM-DD"))?,
        None => local_date(Utc::now()),
    };
    let period: Period = match (&args.quarter, &args.month) {
        (Some(q), _) => q.parse(),
        (None, Some(m)) => m.parse(),
        (None, None) => bail!("--quarter or --month"),
    }
    .map_err(|e| anyhow!("{e}"))?;
    record_export(db, commune, period, &args, json)?;
    if let Period::Quarter(q) = period {
        let report = db.quarter_report(commune, q, today)?;
        if let Some(p) = &args.xlsx {
            write(p, &xlsx::quarter_workbook(&report)?)?;
        }
        if let Some(p) = &args.csv {
            write(p, &csv::dashboard_csv(&report.dashboard)?)?;
        }
        if json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            print_quarter(&report, &args);
        }
    } else {
        if args.xlsx.is_some() {
            bail!(
                "Tệp Excel là báo cáo quý: hãy dùng --quarter (--xlsx needs --quarter; a month \
                 has --csv and --json)."
            );
        }
        let dash = db.commune_dashboard(commune, period, today)?;
        if let Some(p) = &args.csv {
            write(p, &csv::dashboard_csv(&dash)?)?;
        }
        if json {
            println!("{}", serde_json::to_string_pretty(&dash)?);
        } else {
            print_dashboard(&dash);
        }
    }
    Ok(())
}

/// Note the run in the export audit before anything is written or printed
/// (an export that cannot be recorded does not happen). Who: the machine's
/// user, as `admin:USER`.
fn record_export(
    db: &CentralDb,
    commune: CommuneId,
    period: Period,
    args: &ReportArgs,
    json: bool,
) -> Result<()> {
    let mut what = Vec::new();
    if args.xlsx.is_some() {
        what.push("xlsx");
    }
    if args.csv.is_some() {
        what.push("csv");
    }
    what.push(if json { "json" } else { "summary" });
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "?".into());
    db.record_export(&ExportEvent {
        commune,
        member: None,
        actor: &format!("admin:{user}"),
        channel: ExportChannel::Admin,
        what: &what.join("+"),
        period: &period.to_string(),
    })?;
    Ok(())
}

fn print_dashboard(d: &CommuneDashboard) {
    println!(
        "{} — {} (số liệu đến hết {})",
        d.commune.name,
        d.period.label_vi(),
        fmt_day(d.as_of)
    );
    println!("Chỉ tiêu toàn xã:");
    for v in &d.indicators.total.values {
        let target = v.target.map_or("—".to_string(), |t| format!("{t}%"));
        let pct = v.percent.map_or("—".to_string(), |p| format!("{p:.1}%"));
        let mark = match v.meets_target {
            Some(true) => "đạt",
            Some(false) => "chưa đạt",
            None => "",
        };
        println!(
            "  {:<34} {:>6}/{:<6} {:>7}  chỉ tiêu {:<6} {mark}",
            v.indicator.label_vi(),
            v.achieved,
            v.denominator,
            pct,
            target
        );
    }
    println!(
        "Toàn xã: {} lượt hỗ trợ, {} hộ được hỗ trợ",
        d.work.assists, d.work.households_helped
    );
    for t in &d.teams {
        let months: Vec<String> = t
            .months
            .iter()
            .map(|m| format!("T{}: {}", m.month.month, m.assists))
            .collect();
        println!(
            "  {:<28} {:>5} lượt ({}), {} hộ, {} thành viên chưa đạt ≥ 10 hộ",
            t.name,
            t.assists,
            months.join(", "),
            t.households_helped,
            t.members_below_quota.len()
        );
    }
}

fn print_quarter(r: &QuarterReport, args: &ReportArgs) {
    print_dashboard(&r.dashboard);
    println!(
        "Hạn báo cáo: tổ trước {} (còn {} ngày), xã trước {} (còn {} ngày)",
        fmt_day(r.deadlines.team_report_before),
        r.deadlines.team_days_left.max(0),
        fmt_day(r.deadlines.commune_report_before),
        r.deadlines.commune_days_left.max(0)
    );
    let pending: Vec<&str> = r
        .sync
        .iter()
        .filter(|s| !s.synced)
        .map(|s| s.name.as_str())
        .collect();
    if pending.is_empty() {
        println!("Mọi tổ đã đồng bộ số liệu quý.");
    } else {
        println!("Tổ chưa đồng bộ số liệu quý: {}", pending.join(", "));
    }
    for p in [&args.xlsx, &args.csv].into_iter().flatten() {
        println!("Đã ghi {}", p.display());
    }
}
