//! A member's and a team's month: `quota` (the figures against the plan's
//! quotas) and `worklist` (who is due a return visit, who is not visited
//! yet this month).

use crate::commands::input::{self, parse, today};
use crate::fail::CliError;
use crate::print;
use anyhow::Result;
use gocua_core::{MemberId, Month};
use gocua_device::Store;

pub(crate) fn quota(
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
        outln!(
            "Tháng {month}: {} hộ (chỉ tiêu {}) – {}; {} lượt hỗ trợ",
            figures.households_helped,
            figures.quota,
            print::yes_no(figures.meets_quota),
            figures.assists
        );
        return Ok(());
    }
    let org = input::org(store)?;
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
        outln!(
            "{} – tháng {month}: {} lượt hỗ trợ (chỉ tiêu {}) – {}; {} hộ",
            t.name,
            f.assists,
            f.quota,
            print::yes_no(f.meets_quota),
            f.households_helped
        );
        for m in &f.members {
            outln!(
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

pub(crate) fn worklist(
    store: &Store,
    member: Option<String>,
    village: Option<String>,
    date: Option<String>,
    horizon_days: i64,
    json: bool,
) -> Result<()> {
    let villages = match (member, village) {
        (Some(m), _) => {
            let member = store.member(parse("member", &m)?)?;
            let team = member.team_id.ok_or_else(|| {
                CliError::new(
                    "no_team",
                    format!(
                        "{} ({}) không thuộc tổ nào nên không có danh sách việc; \
                         hãy dùng --village MÃ_THÔN.",
                        member.full_name,
                        member.role.label_vi()
                    ),
                    format!("member {m} has no team"),
                )
            })?;
            store.team_villages(team)?
        }
        (None, Some(v)) => vec![parse("village", &v)?],
        (None, None) => {
            return Err(CliError::new(
                "missing_argument",
                "Cần cho biết danh sách việc của ai: --member MÃ_THÀNH_VIÊN hoặc --village MÃ_THÔN.",
                "say whose worklist: --member ID or --village ID",
            )
            .into());
        }
    };
    let list = store.worklist(&villages, today(store, date.as_deref())?, horizon_days)?;
    if json {
        print::json(&list)?;
    } else {
        outln!("Hẹn quay lại ({}):", list.follow_ups.len());
        for f in &list.follow_ups {
            let mark = if f.overdue { " (quá hạn)" } else { "" };
            outln!(
                "  {} {}{} – {}: {} [{}]",
                f.due,
                f.head_name,
                mark,
                f.resident_name,
                f.action_name,
                f.household_id
            );
        }
        outln!(
            "Chưa thăm trong tháng {} ({} hộ):",
            list.month,
            list.not_visited.len()
        );
        for h in &list.not_visited {
            let labels = h.household.flags.labels_vi().join(", ");
            outln!(
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
    Ok(())
}
