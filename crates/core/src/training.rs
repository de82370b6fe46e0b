//! Members' training (tập huấn): the commune records its sessions (a topic,
//! a day, the members who attended); the plans want every team member
//! trained by the end of the second quarter. The rules the server's pages,
//! the leader's phone and the admin commands share:
//!
//! - Who counts toward the goal: members and team leaders of a team
//!   (officers and admins belong to no team and are not counted).
//! - Trained in year Y, as of day D: attended at least one session dated in
//!   Y, on or before D. The plans set their goals a year at a time, so a
//!   session of last year does not count for this year's goal (it is still
//!   shown as the member's last session).
//! - The goal: every counted member of the team trained by 30 June of Y.

use crate::validate::{self, ValidationError};
use crate::{Member, MemberId, OrgSnapshot, Role, TeamId};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// Longest topic kept.
pub const MAX_TOPIC_CHARS: usize = validate::MAX_TEXT_CHARS;

/// One member's attendance at one session: what the server hands to the
/// devices that may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingRecord {
    pub member_id: MemberId,
    pub topic: String,
    pub day: NaiveDate,
}

/// Check a session before it is recorded: a topic, and a day that has
/// happened (`today` in Vietnam, from the caller).
pub fn check_session(topic: &str, day: NaiveDate, today: NaiveDate) -> Result<(), TrainingError> {
    validate::required_text("topic", topic).map_err(TrainingError::Invalid)?;
    validate::max_len("topic", topic, MAX_TOPIC_CHARS).map_err(TrainingError::Invalid)?;
    if day > today {
        return Err(TrainingError::FutureDay);
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrainingError {
    #[error(transparent)]
    Invalid(ValidationError),
    #[error("a training session cannot be dated after today")]
    FutureDay,
    #[error("a training session needs at least one member")]
    NoMember,
}

impl TrainingError {
    pub fn code(&self) -> &'static str {
        match self {
            TrainingError::Invalid(e) => e.code(),
            TrainingError::FutureDay => "training_future_day",
            TrainingError::NoMember => "training_no_member",
        }
    }

    pub fn message_vi(&self) -> String {
        match self {
            TrainingError::Invalid(ValidationError::Empty { .. }) => {
                "Cần ghi nội dung tập huấn.".into()
            }
            TrainingError::Invalid(ValidationError::TooLong { max, .. }) => {
                format!("Nội dung tập huấn quá dài (tối đa {max} ký tự).")
            }
            TrainingError::Invalid(e) => e.message_vi(),
            TrainingError::FutureDay => "Ngày tập huấn không được sau hôm nay.".into(),
            TrainingError::NoMember => "Cần chọn ít nhất một thành viên đã dự tập huấn.".into(),
        }
    }
}

/// The day by which every member of year `year` should be trained: the
/// last day of its second quarter.
pub fn goal_day(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 6, 30).unwrap_or(NaiveDate::MAX)
}

/// Whether a member counts toward the goal: a member or leader of a team.
pub fn counts_toward_goal(m: &Member) -> bool {
    m.team_id.is_some() && matches!(m.role, Role::Member | Role::TeamLeader)
}

/// One member's training as of a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberTraining {
    pub member_id: MemberId,
    /// Sessions attended in the year of the day asked about, up to it.
    pub sessions_this_year: usize,
    /// The latest session attended on or before that day, any year.
    pub last_day: Option<NaiveDate>,
    pub last_topic: Option<String>,
}

impl MemberTraining {
    pub fn trained(&self) -> bool {
        self.sessions_this_year > 0
    }
}

/// Where a team stands against the goal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum GoalStatus {
    /// Every counted member trained this year.
    Met,
    /// Not yet, and the goal day has not passed: days left, the goal day
    /// included.
    Due { days_left: i64 },
    /// The goal day has passed with someone untrained.
    Missed,
    /// Nobody to train.
    NoMembers,
}

impl GoalStatus {
    /// "Còn 42 ngày đến hạn 30/06/2026", for a team whose goal day is `goal`.
    pub fn label_vi(self, goal: NaiveDate) -> String {
        let goal = goal.format("%d/%m/%Y");
        match self {
            GoalStatus::Met => "Đã đạt: mọi tổ viên đã được tập huấn".into(),
            GoalStatus::Due { days_left } => format!("Còn {days_left} ngày đến hạn {goal}"),
            GoalStatus::Missed => format!("Chưa đạt: đã quá hạn {goal}"),
            GoalStatus::NoMembers => "Tổ chưa có tổ viên".into(),
        }
    }
}

/// A team's training as of a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamTraining {
    pub team_id: TeamId,
    pub as_of: NaiveDate,
    pub goal_day: NaiveDate,
    /// Counted members, in the order given (the organisation's name order).
    pub members: Vec<MemberTraining>,
}

impl TeamTraining {
    pub fn total(&self) -> usize {
        self.members.len()
    }

    pub fn trained(&self) -> usize {
        self.members.iter().filter(|m| m.trained()).count()
    }

    /// Share trained, in percent; None for a team with nobody to count.
    pub fn percent(&self) -> Option<f64> {
        (self.total() > 0).then(|| 100.0 * self.trained() as f64 / self.total() as f64)
    }

    pub fn status(&self) -> GoalStatus {
        if self.total() == 0 {
            GoalStatus::NoMembers
        } else if self.trained() == self.total() {
            GoalStatus::Met
        } else if self.as_of <= self.goal_day {
            GoalStatus::Due {
                days_left: (self.goal_day - self.as_of).num_days() + 1,
            }
        } else {
            GoalStatus::Missed
        }
    }
}

/// One member's training from all the records (any member's; only theirs
/// are read).
pub fn member_training(
    member: MemberId,
    records: &[TrainingRecord],
    as_of: NaiveDate,
) -> MemberTraining {
    let mut out = MemberTraining {
        member_id: member,
        sessions_this_year: 0,
        last_day: None,
        last_topic: None,
    };
    for r in records
        .iter()
        .filter(|r| r.member_id == member && r.day <= as_of)
    {
        if r.day.year() == as_of.year() {
            out.sessions_this_year += 1;
        }
        // The latest day wins; on one day, the topic first in text order,
        // so the answer does not depend on the records' order.
        let later = match (out.last_day, &out.last_topic) {
            (Some(d), Some(t)) => r.day > d || (r.day == d && r.topic < *t),
            _ => true,
        };
        if later {
            out.last_day = Some(r.day);
            out.last_topic = Some(r.topic.clone());
        }
    }
    out
}

/// A team's training: its counted members among `members` (in their order).
pub fn team_training(
    team: TeamId,
    members: &[Member],
    records: &[TrainingRecord],
    as_of: NaiveDate,
) -> TeamTraining {
    TeamTraining {
        team_id: team,
        as_of,
        goal_day: goal_day(as_of.year()),
        members: members
            .iter()
            .filter(|m| m.team_id == Some(team) && counts_toward_goal(m))
            .map(|m| member_training(m.id, records, as_of))
            .collect(),
    }
}

/// Every team of the commune, in the organisation's order.
pub fn commune_training(
    org: &OrgSnapshot,
    records: &[TrainingRecord],
    as_of: NaiveDate,
) -> Vec<TeamTraining> {
    org.teams
        .iter()
        .map(|t| team_training(t.id, &org.members, records, as_of))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CommuneId;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn member(team: Option<TeamId>, role: Role) -> Member {
        Member {
            id: MemberId::new(),
            commune_id: CommuneId::new(),
            team_id: team,
            full_name: "X".into(),
            role,
        }
    }

    fn rec(m: &Member, topic: &str, day: NaiveDate) -> TrainingRecord {
        TrainingRecord {
            member_id: m.id,
            topic: topic.into(),
            day,
        }
    }

    /// A team of a leader and three members (one trained only last year,
    /// one only after the day asked about), another team's member and an
    /// officer, as of 2026-05-20.
    #[test]
    fn a_team_is_counted_against_every_member_by_the_end_of_june() {
        let team = TeamId::new();
        let other = TeamId::new();
        let leader = member(Some(team), Role::TeamLeader);
        let a = member(Some(team), Role::Member);
        let b = member(Some(team), Role::Member);
        let c = member(Some(team), Role::Member);
        let elsewhere = member(Some(other), Role::Member);
        let officer = member(None, Role::CommuneOfficer);
        let members = [
            leader.clone(),
            a.clone(),
            b.clone(),
            c.clone(),
            elsewhere.clone(),
            officer.clone(),
        ];
        let records = [
            rec(&leader, "VNeID mức độ 2", d(2026, 3, 12)),
            rec(&leader, "An toàn thông tin", d(2026, 4, 2)),
            rec(&a, "VNeID mức độ 2", d(2026, 3, 12)),
            rec(&b, "Chữ ký số", d(2025, 11, 5)),
            rec(&c, "Chữ ký số", d(2026, 5, 21)),
            rec(&elsewhere, "Chữ ký số", d(2026, 1, 9)),
            rec(&officer, "Chữ ký số", d(2026, 1, 9)),
        ];
        let t = team_training(team, &members, &records, d(2026, 5, 20));
        assert_eq!(t.goal_day, d(2026, 6, 30));
        assert_eq!(
            t.members.iter().map(|m| m.member_id).collect::<Vec<_>>(),
            [leader.id, a.id, b.id, c.id]
        );
        // Leader and A: 2 of 4 = 50%.
        assert_eq!((t.trained(), t.total()), (2, 4));
        assert_eq!(t.percent(), Some(50.0));
        // 20 May to 30 June, both days included: 12 + 30 = 42 days.
        assert_eq!(t.status(), GoalStatus::Due { days_left: 42 });
        assert_eq!(
            t.status().label_vi(t.goal_day),
            "Còn 42 ngày đến hạn 30/06/2026"
        );
        let l = &t.members[0];
        assert_eq!(l.sessions_this_year, 2);
        assert_eq!(l.last_day, Some(d(2026, 4, 2)));
        assert_eq!(l.last_topic.as_deref(), Some("An toàn thông tin"));
        let b_line = &t.members[2];
        assert!(!b_line.trained(), "last year's session is not this year's");
        assert_eq!(b_line.last_day, Some(d(2025, 11, 5)));
        let c_line = &t.members[3];
        assert!(!c_line.trained(), "a session after the day asked about");
        assert_eq!(c_line.last_day, None);

        // After the goal day with two untrained: missed. As of 21 May with
        // B trained too: everyone, met.
        let late = team_training(team, &members, &records, d(2026, 7, 1));
        assert_eq!(late.status(), GoalStatus::Missed);
        assert_eq!(
            late.status().label_vi(late.goal_day),
            "Chưa đạt: đã quá hạn 30/06/2026"
        );
        assert_eq!(late.trained(), 3, "C's 21 May session counts by July");
        let mut more = records.to_vec();
        more.push(rec(&b, "Chữ ký số", d(2026, 5, 21)));
        let all = team_training(team, &members, &more, d(2026, 5, 21));
        assert_eq!((all.trained(), all.status()), (4, GoalStatus::Met));
        // On the goal day itself one day is left.
        let last = team_training(team, &members, &records, d(2026, 6, 30));
        assert_eq!(last.status(), GoalStatus::Due { days_left: 1 });
        let empty = team_training(TeamId::new(), &members, &records, d(2026, 6, 30));
        assert_eq!(
            (empty.percent(), empty.status()),
            (None, GoalStatus::NoMembers)
        );
    }

    #[test]
    fn sessions_are_checked_before_they_are_kept() {
        let today = d(2026, 11, 30);
        assert_eq!(check_session("Chữ ký số", today, today), Ok(()));
        assert_eq!(
            check_session("Chữ ký số", d(2026, 12, 1), today),
            Err(TrainingError::FutureDay)
        );
        let empty = check_session("  ", today, today).unwrap_err();
        assert_eq!(empty.message_vi(), "Cần ghi nội dung tập huấn.");
        let long = "a".repeat(MAX_TOPIC_CHARS + 1);
        assert_eq!(
            check_session(&long, today, today).unwrap_err().code(),
            "too_long"
        );
    }
}
