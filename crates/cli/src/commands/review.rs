//! `gocua review …`: the leader's review loop from the command line — list
//! the marks, open one (leaders and officers), report one fixed, reopen
//! one. The store judges who may take which step.

use crate::args::ReviewCommand;
use crate::commands::input::parse;
use crate::fail::CliError;
use crate::print;
use anyhow::Result;
use gocua_core::review::{ReviewInput, ReviewMark};
use gocua_core::{EntityKind, MemberId};
use gocua_device::{ReviewQuery, Store, StoreError};

/// `--member`, or the member this device is enrolled as.
fn actor(store: &Store, member: Option<&str>) -> Result<MemberId> {
    match member {
        Some(m) => parse("member", m),
        None => match store.enrollment()? {
            Some(e) => Ok(e.member_id),
            None => Err(StoreError::NotEnrolled.into()),
        },
    }
}

fn done(mark: &ReviewMark, json: bool, words: &str) -> Result<()> {
    if json {
        print::json(mark)
    } else {
        outln!("{words} {}", mark.id);
        Ok(())
    }
}

pub fn run(store: &mut Store, cmd: ReviewCommand, json: bool) -> Result<()> {
    match cmd {
        ReviewCommand::List { mine, household } => {
            let open_for = if mine {
                Some(actor(store, None)?)
            } else {
                None
            };
            let household = household.map(|h| parse("household", &h)).transpose()?;
            let items = store.review_marks(ReviewQuery {
                household,
                open_for,
                limit: 1000,
            })?;
            if json {
                return print::json(&items);
            }
            if items.is_empty() {
                outln!("Không có yêu cầu sửa nào.");
            }
            for i in items {
                let m = &i.mark;
                outln!(
                    "{}  [{}] {} – {} ({}): {}",
                    m.id,
                    m.state.label_vi(),
                    i.target_label,
                    i.household_head,
                    i.author_name,
                    m.comment
                );
                if let Some(r) = &m.reply {
                    outln!("    Trả lời: {r}");
                }
            }
        }
        ReviewCommand::Open {
            kind,
            target,
            comment,
            member,
        } => {
            let Some(target_kind) = EntityKind::parse(&kind) else {
                return Err(CliError::new(
                    "invalid_value",
                    format!(
                        "Loại bản ghi \"{kind}\" không hợp lệ; chọn một trong: household, \
                         resident, visit, assisted_action."
                    ),
                    format!("--kind '{kind}': household, resident, visit or assisted_action"),
                )
                .into());
            };
            let author = actor(store, member.as_deref())?;
            let input = ReviewInput {
                target_kind,
                target_id: parse("target", &target)?,
                comment,
                assignee: None,
            };
            let mark = store.write(|b| b.open_review(author, input))?;
            done(&mark, json, "Đã đánh dấu cần sửa:")?;
        }
        ReviewCommand::Resolve { id, reply, member } => {
            let by = actor(store, member.as_deref())?;
            let id = parse("review mark", &id)?;
            let mark = store.write(|b| b.resolve_review(id, by, reply.as_deref()))?;
            done(&mark, json, "Đã báo sửa xong:")?;
        }
        ReviewCommand::Reopen {
            id,
            comment,
            member,
        } => {
            let by = actor(store, member.as_deref())?;
            let id = parse("review mark", &id)?;
            let mark = store.write(|b| b.reopen_review(id, by, comment.as_deref()))?;
            done(&mark, json, "Đã mở lại yêu cầu sửa:")?;
        }
    }
    Ok(())
}
