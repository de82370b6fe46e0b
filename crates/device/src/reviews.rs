//! The leader's review loop on the device (rules: `gocua_core::review`):
//! opening, resolving and reopening "needs fix" marks, each through the
//! outbox like any record, and the lists the home, household and team
//! screens show.

use crate::converge::{ConvergingRecord, FieldClocks, clocks_json, to_fields};
use crate::{Batch, Store, StoreError, rows};
use chrono::{DateTime, Utc};
use gocua_core::review::{ReviewError, ReviewInput, ReviewMark, ReviewState, check_step};
use gocua_core::views::ReviewItem;
use gocua_core::{EntityKind, HouseholdId, MemberId, ReviewMarkId, Role};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

impl ConvergingRecord for ReviewMark {
    const KIND: EntityKind = EntityKind::ReviewMark;

    fn check(&self, _today: chrono::NaiveDate) -> Result<(), gocua_core::ValidationErrors> {
        self.validate().map_err(|e| match e {
            ReviewError::Invalid(errors) => errors,
            other => gocua_core::ValidationError::NotAllowed {
                field: "state",
                value: other.code().into(),
            }
            .into(),
        })
    }

    fn uuid(&self) -> Uuid {
        self.id.0
    }

    fn load(conn: &Connection, id: Uuid) -> Result<Option<(Self, FieldClocks)>, StoreError> {
        Ok(conn
            .prepare_cached(&format!(
                "SELECT {MARK_COLUMNS}, field_hlcs FROM review_marks WHERE id = ?1"
            ))?
            .query_row(params![id.to_string()], |r| {
                Ok((mark_from_row(r)?, rows::json_col(r, 12)?))
            })
            .optional()?)
    }

    fn save(&self, conn: &Connection, clocks: &FieldClocks) -> Result<(), StoreError> {
        let time = |t: &DateTime<Utc>| t.to_rfc3339();
        conn.prepare_cached(
            "INSERT INTO review_marks (id, target_kind, target_id, household_id, comment, author,
                 created_at, assignee, state, reply, resolved_by, resolved_at, field_hlcs)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
             ON CONFLICT (id) DO UPDATE SET
                 target_kind = excluded.target_kind, target_id = excluded.target_id,
                 household_id = excluded.household_id, comment = excluded.comment,
                 author = excluded.author, created_at = excluded.created_at,
                 assignee = excluded.assignee, state = excluded.state, reply = excluded.reply,
                 resolved_by = excluded.resolved_by, resolved_at = excluded.resolved_at,
                 field_hlcs = excluded.field_hlcs",
        )?
        .execute(params![
            self.id.to_string(),
            self.target_kind.as_str(),
            self.target_id.to_string(),
            self.household_id.to_string(),
            self.comment,
            self.author.to_string(),
            time(&self.created_at),
            self.assignee.map(|m| m.to_string()),
            self.state.as_str(),
            self.reply,
            self.resolved_by.map(|m| m.to_string()),
            self.resolved_at.as_ref().map(time),
            clocks_json(clocks)?,
        ])?;
        Ok(())
    }
}

const MARK_COLUMNS: &str = "id, target_kind, target_id, household_id, comment, author, \
    created_at, assignee, state, reply, resolved_by, resolved_at";

fn mark_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ReviewMark> {
    let bad = |i: usize, what: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            format!("unknown {what}").into(),
        )
    };
    let kind: String = r.get(1)?;
    let state: String = r.get(8)?;
    Ok(ReviewMark {
        id: rows::col(r, 0)?,
        target_kind: EntityKind::parse(&kind).ok_or_else(|| bad(1, "entity"))?,
        target_id: rows::col(r, 2)?,
        household_id: rows::col(r, 3)?,
        comment: r.get(4)?,
        author: rows::col(r, 5)?,
        created_at: rows::col(r, 6)?,
        assignee: rows::opt_col(r, 7)?,
        state: ReviewState::parse(&state).ok_or_else(|| bad(8, "state"))?,
        reply: r.get(9)?,
        resolved_by: rows::opt_col(r, 10)?,
        resolved_at: rows::opt_col(r, 11)?,
    })
}

impl Batch<'_> {
    /// Open a "needs fix" mark on a record this device holds, as `author`
    /// (a leader, officer or admin). A visit's or action's mark is asked of
    /// the visit's recorder unless another assignee is given.
    pub fn open_review(
        &mut self,
        author: MemberId,
        input: ReviewInput,
    ) -> Result<ReviewMark, StoreError> {
        let role = self.member_role(author)?;
        let (household, recorder) = target_household(self.tx, input.target_kind, input.target_id)?;
        if let Some(m) = input.assignee {
            self.member_role(m)?;
        }
        let input = ReviewInput {
            assignee: input.assignee.or(recorder),
            ..input
        };
        let mark = ReviewMark::open(ReviewMarkId::new(), input, household, author, Utc::now())?;
        check_step(author, role, None, &to_fields(&mark)?, &mark)?;
        self.create_record(&mark)?;
        Ok(mark)
    }

    /// Report a mark fixed, as `by`, with an optional reply.
    pub fn resolve_review(
        &mut self,
        id: ReviewMarkId,
        by: MemberId,
        reply: Option<&str>,
    ) -> Result<ReviewMark, StoreError> {
        let role = self.member_role(by)?;
        let current = self.load_mark(id)?;
        let fixed = current.resolved(by, reply, Utc::now())?;
        self.step(by, role, &current, fixed)
    }

    /// Open a resolved mark again, as `by` (a reviewer), maybe with a new
    /// comment.
    pub fn reopen_review(
        &mut self,
        id: ReviewMarkId,
        by: MemberId,
        comment: Option<&str>,
    ) -> Result<ReviewMark, StoreError> {
        let role = self.member_role(by)?;
        let current = self.load_mark(id)?;
        let again = current.reopened(comment)?;
        self.step(by, role, &current, again)
    }

    fn step(
        &mut self,
        actor: MemberId,
        role: Role,
        current: &ReviewMark,
        next: ReviewMark,
    ) -> Result<ReviewMark, StoreError> {
        let before = to_fields(current)?;
        let changed = to_fields(&next)?
            .into_iter()
            .filter(|(k, v)| before.get(k) != Some(v))
            .collect();
        check_step(actor, role, Some(current), &changed, &next)?;
        self.update_record(&next)?;
        Ok(next)
    }

    fn load_mark(&self, id: ReviewMarkId) -> Result<ReviewMark, StoreError> {
        ReviewMark::load(self.tx, id.0)?
            .map(|(m, _)| m)
            .ok_or_else(|| StoreError::not_found("review mark", id))
    }

    fn member_role(&self, id: MemberId) -> Result<Role, StoreError> {
        self.tx
            .prepare_cached("SELECT role FROM members WHERE id = ?1")?
            .query_row(params![id.to_string()], |r| rows::col(r, 0))
            .optional()?
            .ok_or_else(|| StoreError::not_found("member", id))
    }
}

/// The household a record belongs to and, for a visit or action, the
/// member who recorded the visit.
fn target_household(
    conn: &Connection,
    kind: EntityKind,
    id: Uuid,
) -> Result<(HouseholdId, Option<MemberId>), StoreError> {
    let sql = match kind {
        EntityKind::Household => "SELECT id, NULL FROM households WHERE id = ?1",
        EntityKind::Resident => "SELECT household_id, NULL FROM residents WHERE id = ?1",
        EntityKind::Visit => {
            "SELECT v.household_id, (SELECT member_id FROM visit_members
                 WHERE visit_id = v.id ORDER BY position LIMIT 1)
             FROM visits v WHERE v.id = ?1"
        }
        EntityKind::AssistedAction => {
            "SELECT v.household_id, (SELECT member_id FROM visit_members
                 WHERE visit_id = v.id ORDER BY position LIMIT 1)
             FROM assisted_actions a JOIN visits v ON v.id = a.visit_id WHERE a.id = ?1"
        }
        EntityKind::ReviewMark => return Err(ReviewError::BadTarget.into()),
    };
    conn.prepare_cached(sql)?
        .query_row(params![id.to_string()], |r| {
            Ok((rows::col(r, 0)?, rows::opt_col(r, 1)?))
        })
        .optional()?
        .ok_or_else(|| StoreError::not_found(kind_label(kind), id))
}

fn kind_label(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Household => "household",
        EntityKind::Resident => "resident",
        EntityKind::Visit => "visit",
        EntityKind::AssistedAction => "action",
        EntityKind::ReviewMark => "review mark",
    }
}

/// Which marks to list.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReviewQuery {
    /// Only this household's.
    pub household: Option<HouseholdId>,
    /// Only open marks asked of this member, or of their whole team, and
    /// not made by this member.
    pub open_for: Option<MemberId>,
    pub limit: usize,
}

impl Store {
    /// Marks, open ones first, then newest first.
    pub fn review_marks(&self, q: ReviewQuery) -> Result<Vec<ReviewItem>, StoreError> {
        let mut sql = format!(
            "SELECT {}, h.head_name, h.address, v.name,
                    coalesce(a.full_name, ''), s.full_name, b.full_name
             FROM review_marks m
             JOIN households h ON h.id = m.household_id
             JOIN villages v ON v.id = h.village_id
             LEFT JOIN members a ON a.id = m.author
             LEFT JOIN members s ON s.id = m.assignee
             LEFT JOIN members b ON b.id = m.resolved_by
             WHERE 1 = 1",
            MARK_COLUMNS
                .split(", ")
                .map(|c| format!("m.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut args: Vec<String> = Vec::new();
        if let Some(h) = q.household {
            args.push(h.to_string());
            sql.push_str(&format!(" AND m.household_id = ?{}", args.len()));
        }
        if let Some(m) = q.open_for {
            args.push(m.to_string());
            sql.push_str(&format!(
                // A mark the member made is not their to-do: a leader's own
                // mark, asked of the team, is the others' to fix.
                " AND m.state = 'open' AND (m.assignee IS NULL OR m.assignee = ?{n}) \
                 AND m.author <> ?{n}",
                n = args.len()
            ));
        }
        sql.push_str(" ORDER BY m.state = 'resolved', m.created_at DESC, m.id LIMIT ");
        sql.push_str(&q.limit.max(1).to_string());
        let conn = self.conn();
        let found: Vec<(ReviewMark, [Option<String>; 6])> = conn
            .prepare(&sql)?
            .query_map(rusqlite::params_from_iter(args.iter()), |r| {
                Ok((
                    mark_from_row(r)?,
                    [
                        r.get(12)?,
                        r.get(13)?,
                        r.get(14)?,
                        r.get(15)?,
                        r.get(16)?,
                        r.get(17)?,
                    ],
                ))
            })?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(found.len());
        for (mark, [head, address, village, author, assignee, resolver]) in found {
            out.push(ReviewItem {
                target_label: target_label(conn, &mark)?,
                household_head: head.unwrap_or_default(),
                address: address.unwrap_or_default(),
                village_name: village.unwrap_or_default(),
                author_name: author.unwrap_or_default(),
                assignee_name: assignee,
                resolved_by_name: resolver,
                mark,
            });
        }
        Ok(out)
    }
}

/// What a mark points at, in a few Vietnamese words.
fn target_label(conn: &Connection, mark: &ReviewMark) -> Result<String, StoreError> {
    let id = mark.target_id.to_string();
    let one = |sql: &str| -> Result<Option<String>, StoreError> {
        Ok(conn
            .prepare_cached(sql)?
            .query_row(params![id], |r| r.get(0))
            .optional()?)
    };
    let day = |d: Option<String>| {
        d.and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_default()
    };
    Ok(match mark.target_kind {
        EntityKind::Household => "Hộ gia đình".into(),
        EntityKind::Resident => format!(
            "Nhân khẩu {}",
            one("SELECT full_name FROM residents WHERE id = ?1")?.unwrap_or_default()
        ),
        EntityKind::Visit => format!(
            "Lượt thăm ngày {}",
            day(one("SELECT day FROM visits WHERE id = ?1")?)
        ),
        EntityKind::AssistedAction => {
            let what = one(
                "SELECT coalesce(c.name_vi, a.action_code) || ' – ' || r.full_name
                 FROM assisted_actions a JOIN residents r ON r.id = a.resident_id
                 LEFT JOIN action_catalogue c ON c.code = a.action_code WHERE a.id = ?1",
            )?;
            format!("Nội dung hỗ trợ: {}", what.unwrap_or_default())
        }
        EntityKind::ReviewMark => String::new(),
    }
    .trim()
    .to_string())
}
