//! The leader's review loop: a team leader (or a commune officer) marks a
//! household, resident, visit or assisted action "needs fix" (cần sửa) with a
//! comment; it reaches the member's phone on the next sync; the member
//! corrects the record and reports it fixed (đã sửa), with a reply if they
//! want; the leader sees it resolved and may reopen it.
//!
//! A mark is a synced record of its own (`EntityKind::ReviewMark`) that
//! merges field by field like a household, so it travels through the same
//! push, pull, scope checks and convergence as everything else. Each kind of
//! step writes one fixed set of fields with one stamp (opening: all of them;
//! resolving: state, resolved_by, resolved_at, reply; reopening: state,
//! resolved_by, resolved_at and maybe comment), so whichever concurrent step
//! wins, the merged mark is consistent.
//!
//! Who may do what (`check_step`, used alike by the device and the server):
//! leaders, officers and admins open and reopen marks and edit their comment;
//! anyone in the record's scope may resolve an open mark, as themselves.
//! Scope itself (the team's villages, the commune) is the caller's: it holds
//! the organisation.

use crate::change::EntityKind;
use crate::ids::{HouseholdId, MemberId, ReviewMarkId};
use crate::model::Role;
use crate::text::normalize_name;
use crate::validate::{self, ValidationError, ValidationErrors};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use thiserror::Error;
use uuid::Uuid;

/// Longest comment or reply: a few sentences, not a report.
pub const MAX_REVIEW_TEXT_CHARS: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    /// Cần sửa: waiting for the member.
    Open,
    /// Đã sửa: the member reported it fixed.
    Resolved,
}

impl ReviewState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewState::Open => "open",
            ReviewState::Resolved => "resolved",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            ReviewState::Open => "Cần sửa",
            ReviewState::Resolved => "Đã sửa",
        }
    }

    pub fn parse(s: &str) -> Option<ReviewState> {
        match s {
            "open" => Some(ReviewState::Open),
            "resolved" => Some(ReviewState::Resolved),
            _ => None,
        }
    }
}

/// One "needs fix" mark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewMark {
    pub id: ReviewMarkId,
    /// What is marked: a household, resident, visit or assisted action.
    pub target_kind: EntityKind,
    pub target_id: Uuid,
    /// The household the target belongs to: the mark is logged and pulled
    /// with it, so exactly the devices that hold the record get the mark.
    pub household_id: HouseholdId,
    pub comment: String,
    /// The leader or officer who opened it.
    pub author: MemberId,
    pub created_at: DateTime<Utc>,
    /// The member asked to fix it (a visit's recorder); None: the team.
    pub assignee: Option<MemberId>,
    pub state: ReviewState,
    pub reply: Option<String>,
    pub resolved_by: Option<MemberId>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// What a new mark says, before it has an id and an author.
#[derive(Debug, Clone, Deserialize)]
pub struct ReviewInput {
    pub target_kind: EntityKind,
    pub target_id: Uuid,
    pub comment: String,
    #[serde(default)]
    pub assignee: Option<MemberId>,
}

/// Whether a role reviews others' work (opens and reopens marks).
pub fn is_reviewer(role: Role) -> bool {
    !matches!(role, Role::Member)
}

/// Why a step on a mark is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReviewError {
    #[error("only team leaders and commune officers can mark records as needing a fix")]
    NotReviewer,
    #[error("a mark must be opened, resolved or reopened by the person doing it")]
    NotSelf,
    #[error("a member can only resolve a mark (with a reply), not change or reopen it")]
    OnlyResolve,
    #[error("a mark's record, household, author and time cannot change")]
    Fixed { field: String },
    #[error("a new mark must be open")]
    NewNotOpen,
    #[error("this mark is not open")]
    NotOpen,
    #[error("this mark is not resolved")]
    NotResolved,
    #[error("a mark cannot point at another mark")]
    BadTarget,
    #[error("{0}")]
    Invalid(ValidationErrors),
}

impl From<ValidationErrors> for ReviewError {
    fn from(e: ValidationErrors) -> Self {
        ReviewError::Invalid(e)
    }
}

impl ReviewError {
    pub fn code(&self) -> &'static str {
        match self {
            ReviewError::NotReviewer | ReviewError::OnlyResolve | ReviewError::NotSelf => {
                "not_allowed"
            }
            ReviewError::Fixed { .. } => "immutable",
            ReviewError::NewNotOpen
            | ReviewError::NotOpen
            | ReviewError::NotResolved
            | ReviewError::BadTarget
            | ReviewError::Invalid(_) => "invalid",
        }
    }

    pub fn message_vi(&self) -> String {
        match self {
            ReviewError::NotReviewer => {
                "Chỉ tổ trưởng hoặc cán bộ xã được đánh dấu bản ghi cần sửa.".into()
            }
            ReviewError::NotSelf => {
                "Người đánh dấu hoặc báo đã sửa phải là chính người dùng thiết bị này.".into()
            }
            ReviewError::OnlyResolve => "Tổ viên chỉ được báo đã sửa (kèm trả lời), không được \
                 đổi nội dung hay mở lại yêu cầu sửa."
                .into(),
            ReviewError::Fixed { .. } => {
                "Không được đổi bản ghi, người đánh dấu hay thời điểm của yêu cầu sửa.".into()
            }
            ReviewError::NewNotOpen => "Yêu cầu sửa mới phải ở trạng thái cần sửa.".into(),
            ReviewError::NotOpen => "Yêu cầu sửa này đã được báo là đã sửa.".into(),
            ReviewError::NotResolved => "Yêu cầu sửa này vẫn đang chờ sửa.".into(),
            ReviewError::BadTarget => "Chỉ đánh dấu được hộ, nhân khẩu, lượt thăm hoặc nội \
                 dung hỗ trợ."
                .into(),
            ReviewError::Invalid(e) => e.message_vi(),
        }
    }
}

/// Fields set when the mark is opened and never afterwards.
const FIXED: [&str; 5] = [
    "target_kind",
    "target_id",
    "household_id",
    "author",
    "created_at",
];

/// What a member (not a reviewer) may set: resolving.
const RESOLVE_FIELDS: [&str; 4] = ["state", "reply", "resolved_by", "resolved_at"];

fn clean(text: &str) -> String {
    normalize_name(text)
}

fn optional_text(text: Option<&str>) -> Option<String> {
    text.map(clean).filter(|t| !t.is_empty())
}

impl ReviewMark {
    /// A new open mark by `author` at `now`.
    pub fn open(
        id: ReviewMarkId,
        input: ReviewInput,
        household_id: HouseholdId,
        author: MemberId,
        now: DateTime<Utc>,
    ) -> Result<ReviewMark, ReviewError> {
        let mark = ReviewMark {
            id,
            target_kind: input.target_kind,
            target_id: input.target_id,
            household_id,
            comment: clean(&input.comment),
            author,
            created_at: now,
            assignee: input.assignee,
            state: ReviewState::Open,
            reply: None,
            resolved_by: None,
            resolved_at: None,
        };
        mark.validate()?;
        Ok(mark)
    }

    /// The mark reported fixed by `by`, with an optional reply.
    pub fn resolved(
        &self,
        by: MemberId,
        reply: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<ReviewMark, ReviewError> {
        if self.state != ReviewState::Open {
            return Err(ReviewError::NotOpen);
        }
        let mark = ReviewMark {
            state: ReviewState::Resolved,
            reply: optional_text(reply),
            resolved_by: Some(by),
            resolved_at: Some(now),
            ..self.clone()
        };
        mark.validate()?;
        Ok(mark)
    }

    /// The mark opened again (the fix was not enough), maybe with a new
    /// comment; the member's reply stays, for the record.
    pub fn reopened(&self, comment: Option<&str>) -> Result<ReviewMark, ReviewError> {
        if self.state != ReviewState::Resolved {
            return Err(ReviewError::NotResolved);
        }
        let mark = ReviewMark {
            state: ReviewState::Open,
            comment: optional_text(comment).unwrap_or_else(|| self.comment.clone()),
            resolved_by: None,
            resolved_at: None,
            ..self.clone()
        };
        mark.validate()?;
        Ok(mark)
    }

    /// The checks every stored mark passes, whatever wrote it.
    pub fn validate(&self) -> Result<(), ReviewError> {
        if matches!(self.target_kind, EntityKind::ReviewMark) {
            return Err(ReviewError::BadTarget);
        }
        let mut errors = ValidationErrors::default();
        if self.comment.trim().is_empty() {
            errors.push(ValidationError::Empty { field: "comment" });
        }
        errors.check(validate::note(
            "comment",
            &self.comment,
            MAX_REVIEW_TEXT_CHARS,
        ));
        if let Some(r) = &self.reply {
            errors.check(validate::note("reply", r, MAX_REVIEW_TEXT_CHARS));
        }
        let resolved = self.resolved_by.is_some() && self.resolved_at.is_some();
        let unresolved = self.resolved_by.is_none() && self.resolved_at.is_none();
        let consistent = match self.state {
            ReviewState::Resolved => resolved,
            ReviewState::Open => unresolved,
        };
        if !consistent {
            errors.push(ValidationError::NotAllowed {
                field: "state",
                value: self.state.as_str().into(),
            });
        }
        errors.into_result()?;
        Ok(())
    }
}

/// Whether `actor` (holding `role`) may take the step `fields` describes,
/// from `before` (None: the mark is new) to `after` (the merged result).
/// The same rule on the device (before writing) and on the server (judging
/// a push).
pub fn check_step(
    actor: MemberId,
    role: Role,
    before: Option<&ReviewMark>,
    fields: &Map<String, Value>,
    after: &ReviewMark,
) -> Result<(), ReviewError> {
    after.validate()?;
    let Some(before) = before else {
        if !is_reviewer(role) {
            return Err(ReviewError::NotReviewer);
        }
        if after.author != actor {
            return Err(ReviewError::NotSelf);
        }
        if after.state != ReviewState::Open {
            return Err(ReviewError::NewNotOpen);
        }
        return Ok(());
    };
    let old = match serde_json::to_value(before) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    if let Some(f) = FIXED
        .iter()
        .find(|f| fields.get(**f).is_some_and(|v| old.get(**f) != Some(v)))
    {
        return Err(ReviewError::Fixed {
            field: (*f).to_string(),
        });
    }
    let resolves = fields.get("state") == Some(&Value::from(ReviewState::Resolved.as_str()));
    if !is_reviewer(role) {
        let only_resolving = fields
            .keys()
            .all(|k| RESOLVE_FIELDS.contains(&k.as_str()) || FIXED.contains(&k.as_str()));
        if !only_resolving || (fields.contains_key("state") && !resolves) {
            return Err(ReviewError::OnlyResolve);
        }
    }
    // Whoever resolves signs it.
    if let Some(by) = fields.get("resolved_by").filter(|v| !v.is_null())
        && by != &Value::from(actor.to_string())
    {
        return Err(ReviewError::NotSelf);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, h, 0, 0).unwrap()
    }

    fn fields(mark: &ReviewMark, names: &[&str]) -> Map<String, Value> {
        let Ok(Value::Object(all)) = serde_json::to_value(mark) else {
            panic!("a mark is an object")
        };
        all.into_iter()
            .filter(|(k, _)| names.contains(&k.as_str()))
            .collect()
    }

    fn all_fields(mark: &ReviewMark) -> Map<String, Value> {
        let Ok(Value::Object(mut all)) = serde_json::to_value(mark) else {
            panic!("a mark is an object")
        };
        all.remove("id");
        all
    }

    fn new_mark(author: MemberId) -> ReviewMark {
        ReviewMark::open(
            ReviewMarkId::new(),
            ReviewInput {
                target_kind: EntityKind::Household,
                target_id: Uuid::now_v7(),
                comment: "  Sai   số nhà ".into(),
                assignee: None,
            },
            HouseholdId::new(),
            author,
            at(8),
        )
        .unwrap()
    }

    #[test]
    fn a_leader_opens_a_member_resolves_the_leader_reopens() {
        let (leader, member) = (MemberId::new(), MemberId::new());
        let mark = new_mark(leader);
        assert_eq!(mark.comment, "Sai số nhà", "spaces folded");
        check_step(leader, Role::TeamLeader, None, &all_fields(&mark), &mark).unwrap();

        let fixed = mark.resolved(member, Some(" Đã sửa số 5 "), at(9)).unwrap();
        assert_eq!(fixed.reply.as_deref(), Some("Đã sửa số 5"));
        let step = fields(&fixed, &RESOLVE_FIELDS);
        check_step(member, Role::Member, Some(&mark), &step, &fixed).unwrap();
        assert_eq!(
            fixed.resolved(member, None, at(10)),
            Err(ReviewError::NotOpen)
        );

        let again = fixed.reopened(Some("Vẫn sai ngõ")).unwrap();
        assert_eq!(again.reply, fixed.reply, "the reply stays");
        let step = fields(&again, &["state", "resolved_by", "resolved_at", "comment"]);
        check_step(leader, Role::TeamLeader, Some(&fixed), &step, &again).unwrap();
        assert_eq!(
            check_step(member, Role::Member, Some(&fixed), &step, &again),
            Err(ReviewError::OnlyResolve),
            "a member cannot reopen"
        );
        assert_eq!(mark.reopened(None), Err(ReviewError::NotResolved));
    }

    #[test]
    fn members_cannot_open_or_rewrite_and_nobody_signs_for_another() {
        let (leader, member) = (MemberId::new(), MemberId::new());
        let mark = new_mark(member);
        assert_eq!(
            check_step(member, Role::Member, None, &all_fields(&mark), &mark),
            Err(ReviewError::NotReviewer)
        );
        let mark = new_mark(leader);
        assert_eq!(
            check_step(
                MemberId::new(),
                Role::CommuneOfficer,
                None,
                &all_fields(&mark),
                &mark
            ),
            Err(ReviewError::NotSelf),
            "opened in someone else's name"
        );
        let mut edited = mark.clone();
        edited.comment = "Khác".into();
        assert_eq!(
            check_step(
                member,
                Role::Member,
                Some(&mark),
                &fields(&edited, &["comment"]),
                &edited
            ),
            Err(ReviewError::OnlyResolve)
        );
        let mut moved = mark.clone();
        moved.target_id = Uuid::now_v7();
        assert!(matches!(
            check_step(
                leader,
                Role::TeamLeader,
                Some(&mark),
                &fields(&moved, &["target_id"]),
                &moved
            ),
            Err(ReviewError::Fixed { .. })
        ));
        let forged = mark.resolved(leader, None, at(9)).unwrap();
        assert_eq!(
            check_step(
                member,
                Role::Member,
                Some(&mark),
                &fields(&forged, &RESOLVE_FIELDS),
                &forged
            ),
            Err(ReviewError::NotSelf),
            "resolved in the leader's name"
        );
    }

    #[test]
    fn a_mark_is_consistent_or_refused() {
        let mark = new_mark(MemberId::new());
        let mut half = mark.clone();
        half.state = ReviewState::Resolved;
        assert!(half.validate().is_err(), "resolved by nobody");
        let mut empty = mark.clone();
        empty.comment = " ".into();
        assert!(empty.validate().is_err());
        let mut on_mark = mark;
        on_mark.target_kind = EntityKind::ReviewMark;
        assert_eq!(on_mark.validate(), Err(ReviewError::BadTarget));
    }
}
