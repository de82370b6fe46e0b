//! `visit log` and `visit void`: a household visit with the actions done
//! in it, and taking one back.

use crate::args::*;
use crate::commands::input::parse;
use crate::print;
use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use gocua_core::{ActionInput, ActionOutcome, MemberId, VisitInput};
use gocua_device::Store;

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
                    .with_context(|| format!("--at '{a}' must be RFC 3339"))?
                    .with_timezone(&Utc),
                // By the server's time where the device knows how far its
                // clock is off: a visit counts in the month it happened.
                None => store.now(),
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
