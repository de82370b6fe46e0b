//! `gocua-server admin training add|list|delete`: recording members'
//! training sessions, reading where each team stands against the plans'
//! goal (every member trained by 30 June; rules in `gocua_core::training`),
//! and deleting a session recorded by mistake (audited). The web page
//! `/training` does the same for officers.

use anyhow::{Result, anyhow};
use chrono::{NaiveDate, Utc};
use clap::Subcommand;
use gocua_central::{CentralDb, TrainingSession};
use gocua_core::month::local_date;
use gocua_core::training::{GoalStatus, TeamTraining, commune_training};
use gocua_core::{MemberId, OrgSnapshot};
use serde::Serialize;

#[derive(Subcommand)]
pub enum TrainingCommand {
    /// Record a session: its topic, its day, and the members who attended.
    Add {
        /// A member who attended (repeat, or several after one flag).
        #[arg(long = "member", num_args = 1.., required = true)]
        members: Vec<String>,
        #[arg(long)]
        topic: String,
        /// The day: 2026-03-12 or 12/03/2026.
        #[arg(long)]
        date: String,
    },
    /// The commune's sessions, and each team against the goal with who is
    /// not yet trained.
    List {
        /// The commune (default: the only one on this server).
        #[arg(long)]
        commune: Option<String>,
        /// Take the figures as on this day (YYYY-MM-DD) instead of today.
        #[arg(long)]
        today: Option<String>,
    },
    /// Delete a session recorded by mistake (the wrong member, the wrong
    /// day), by the id `list` shows; the deletion is kept in the audit.
    /// Record it again, corrected, with `add`.
    Delete {
        /// The session's id.
        id: String,
        /// The commune (default: the only one on this server).
        #[arg(long)]
        commune: Option<String>,
    },
}

/// A day as officers write it (12/03/2026) or as forms send it (2026-03-12).
pub fn parse_day(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .ok()
}

fn day_arg(what: &str, s: &str) -> Result<NaiveDate> {
    parse_day(s).ok_or_else(|| anyhow!("{what} '{s}': expected 2026-03-12 or 12/03/2026"))
}

#[derive(Serialize)]
struct TeamOut<'a> {
    team_id: gocua_core::TeamId,
    name: &'a str,
    trained: usize,
    total: usize,
    percent: Option<f64>,
    goal_day: NaiveDate,
    #[serde(flatten)]
    status: GoalStatus,
    untrained: Vec<MemberId>,
}

#[derive(Serialize)]
struct ListOut<'a> {
    as_of: NaiveDate,
    sessions: &'a [TrainingSession],
    teams: Vec<TeamOut<'a>>,
}

fn name_of(org: &OrgSnapshot, id: MemberId) -> &str {
    org.members
        .iter()
        .find(|m| m.id == id)
        .map_or("—", |m| m.full_name.as_str())
}

pub fn run(db: &CentralDb, command: TrainingCommand, json: bool) -> Result<()> {
    match command {
        TrainingCommand::Add {
            members,
            topic,
            date,
        } => {
            let members = members
                .iter()
                .map(|m| {
                    m.parse::<MemberId>()
                        .map_err(|e| anyhow!("member '{m}': {e}"))
                })
                .collect::<Result<Vec<_>>>()?;
            let day = day_arg("--date", &date)?;
            let first = members
                .first()
                .ok_or_else(|| anyhow!("--member is required"))?;
            let commune = db.member(*first)?.commune_id;
            let today = local_date(Utc::now());
            let s = db.record_training(commune, &topic, day, &members, None, today)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&s)?);
                return Ok(());
            }
            println!(
                "Đã ghi buổi tập huấn \"{}\" ngày {} cho {} thành viên\nsession id: {}",
                s.topic,
                crate::report::fmt_day(s.day),
                s.member_ids.len(),
                s.id
            );
        }
        TrainingCommand::List { commune, today } => {
            let commune = crate::report::commune(db, commune.as_deref())?;
            let as_of = match today {
                Some(d) => day_arg("--today", &d)?,
                None => local_date(Utc::now()),
            };
            let org = db.org_snapshot(commune)?;
            let sessions = db.training_sessions(commune)?;
            let records = db.training_records(commune)?;
            let teams = commune_training(&org, &records, as_of);
            if json {
                let out = ListOut {
                    as_of,
                    sessions: &sessions,
                    teams: teams.iter().map(|t| team_out(&org, t)).collect(),
                };
                println!("{}", serde_json::to_string_pretty(&out)?);
                return Ok(());
            }
            print_list(&org, &sessions, &teams);
        }
        TrainingCommand::Delete { id, commune } => {
            let commune = crate::report::commune(db, commune.as_deref())?;
            let user = std::env::var("USER")
                .or_else(|_| std::env::var("USERNAME"))
                .unwrap_or_else(|_| "?".into());
            let s = db.delete_training(commune, id.trim(), None, &format!("admin:{user}"))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&s)?);
                return Ok(());
            }
            println!(
                "Đã xóa buổi tập huấn \"{}\" ngày {} ({} thành viên); việc xóa được ghi vào nhật ký.",
                s.topic,
                crate::report::fmt_day(s.day),
                s.member_ids.len()
            );
        }
    }
    Ok(())
}

fn team_out<'a>(org: &'a OrgSnapshot, t: &TeamTraining) -> TeamOut<'a> {
    TeamOut {
        team_id: t.team_id,
        name: org
            .teams
            .iter()
            .find(|x| x.id == t.team_id)
            .map_or("—", |x| x.name.as_str()),
        trained: t.trained(),
        total: t.total(),
        percent: t.percent(),
        goal_day: t.goal_day,
        status: t.status(),
        untrained: t
            .members
            .iter()
            .filter(|m| !m.trained())
            .map(|m| m.member_id)
            .collect(),
    }
}

fn print_list(org: &OrgSnapshot, sessions: &[TrainingSession], teams: &[TeamTraining]) {
    if sessions.is_empty() {
        println!("Chưa ghi buổi tập huấn nào.");
    }
    for s in sessions {
        let names: Vec<&str> = s.member_ids.iter().map(|m| name_of(org, *m)).collect();
        println!(
            "{}  {} — {}  [{}]",
            crate::report::fmt_day(s.day),
            s.topic,
            names.join(", "),
            s.id
        );
    }
    for t in teams {
        let out = team_out(org, t);
        let pct = out
            .percent
            .map_or("—".to_string(), |p| format!("{p:.1}%").replace('.', ","));
        println!(
            "{}: {}/{} tổ viên đã tập huấn ({pct}) — {}",
            out.name,
            out.trained,
            out.total,
            out.status.label_vi(out.goal_day)
        );
        if !out.untrained.is_empty() {
            let names: Vec<&str> = out.untrained.iter().map(|m| name_of(org, *m)).collect();
            println!("  chưa tập huấn: {}", names.join(", "));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_read_as_officers_and_forms_write_them() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 12).unwrap();
        assert_eq!(parse_day("2026-03-12"), Some(d));
        assert_eq!(parse_day(" 12/03/2026 "), Some(d));
        for bad in ["", "12-03-2026", "2026-13-01", "31/02/2026", "hôm qua"] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
    }
}
