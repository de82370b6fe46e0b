//! `visit log` and `visit void`: a household visit with the actions done
//! in it, and taking one back.

use crate::args::*;
use crate::commands::input::parse;
use crate::fail::CliError;
use crate::print;
use anyhow::Result;
use chrono::{DateTime, NaiveDate, Utc};
use gocua_core::{ActionInput, ActionOutcome, MemberId, VisitInput};
use gocua_device::Store;

/// `RESIDENT_ID:ACTION_CODE:OUTCOME[:ARG]`; a follow-up's day is read
/// against the visit's day (`+30` is thirty days after it).
fn parse_action(s: &str, visit_day: NaiveDate) -> Result<ActionInput> {
    let mut parts = s.splitn(3, ':');
    let (Some(resident), Some(code), Some(outcome)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(CliError::new(
            "invalid_action",
            format!(
                "--action \"{s}\" phải có dạng MÃ_NHÂN_KHẨU:MÃ_NỘI_DUNG:KẾT_QUẢ, ví dụ \
                 …:vneid_l2:done, …:vneid_l2:follow_up:30/12/2026 hoặc \
                 …:vneid_l2:not_possible:no_smartphone."
            ),
            format!("--action '{s}' must be RESIDENT_ID:ACTION_CODE:OUTCOME[:ARG]"),
        )
        .into());
    };
    Ok(ActionInput {
        resident_id: parse("resident", resident)?,
        action: parse("action code", code)?,
        outcome: ActionOutcome::parse_compact(outcome, visit_day)?,
    })
}

pub(crate) fn run(store: &mut Store, cmd: VisitCommand, json: bool) -> Result<()> {
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
                    .map_err(|e| {
                        CliError::new(
                            "invalid_value",
                            format!(
                                "--at \"{a}\" phải là ngày giờ dạng RFC 3339, \
                                 ví dụ 2026-12-07T09:30:00+07:00."
                            ),
                            format!("--at '{a}' must be RFC 3339: {e}"),
                        )
                    })?
                    .with_timezone(&Utc),
                // By the server's time where the device knows how far its
                // clock is off: a visit counts in the month it happened.
                None => store.now(),
            };
            let visit_day = gocua_core::month::local_date(at);
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
                    .map(|a| parse_action(a, visit_day))
                    .collect::<Result<_>>()?,
            };
            let (visit, actions) = store.write(|b| b.log_visit(input))?;
            if json {
                print::json(&serde_json::json!({ "visit": visit, "actions": actions }))?;
            } else {
                outln!("{}", visit.id);
            }
        }
        VisitCommand::Void { id, reason, member } => {
            let (id, by) = (parse("visit", &id)?, parse("member", &member)?);
            store.write(|b| b.void_visit(id, &reason, by))?;
            outln!("Đã hủy lượt thăm {id}");
        }
    }
    Ok(())
}
