//! The checks a visit, an action and a void pass whatever wrote them: the
//! phone before saving and the server when taking a push call the same
//! functions, with their own clock as `now` (issue 15: the server took
//! dates and lists the phone's forms never make). Who a visit credits is
//! `credit`'s: it needs the organisation.

use crate::ids::MemberId;
use crate::model::{ActionOutcome, AssistedAction, Visit, VisitInput, VisitOutcome};
use crate::validate::{self, ValidationError, ValidationErrors};
use chrono::{DateTime, NaiveDate, Utc};

/// The checks a visit's own fields pass, whatever wrote it: `now` is the
/// judge's clock (the phone's when saving, the server's when taking a
/// push). Who it credits is `credit::check_credits`'s: it needs the
/// organisation.
fn check_visit_fields(
    errors: &mut ValidationErrors,
    members: &[MemberId],
    at: DateTime<Utc>,
    note: Option<&str>,
    now: DateTime<Utc>,
) {
    if members.is_empty() {
        errors.push(ValidationError::NoMember);
    }
    let mut seen = std::collections::HashSet::with_capacity(members.len());
    if !members.iter().all(|m| seen.insert(*m)) {
        errors.push(ValidationError::RepeatedMember);
    }
    errors.check(validate::visit_time(at, now));
    if let Some(note) = note {
        errors.check(validate::note("note", note, validate::MAX_NOTE_CHARS));
    }
}

impl Visit {
    /// See `check_visit_fields`; a void recorded with the visit is checked
    /// too.
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        check_visit_fields(
            &mut errors,
            &self.members,
            self.at,
            self.note.as_deref(),
            now,
        );
        if let Some(v) = &self.voided
            && let Err(e) = v.check(now)
        {
            errors.0.extend(e.0);
        }
        errors.into_result()
    }
}

impl AssistedAction {
    /// The checks an action's own fields pass, given its visit's day.
    pub fn check(&self, visit_day: NaiveDate, now: DateTime<Utc>) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        errors.check(self.outcome.check(visit_day));
        if let Some(v) = &self.voided
            && let Err(e) = v.check(now)
        {
            errors.0.extend(e.0);
        }
        errors.into_result()
    }
}

impl ActionOutcome {
    /// A follow-up due within a year of the visit's day; a note bounded
    /// and clean.
    pub fn check(&self, visit_day: NaiveDate) -> Result<(), ValidationError> {
        match self {
            ActionOutcome::Done => Ok(()),
            ActionOutcome::FollowUp { due } => validate::follow_up_due(*due, visit_day),
            ActionOutcome::NotPossible { note, .. } => match note {
                Some(n) => validate::note("note", n, validate::MAX_NOTE_CHARS),
                None => Ok(()),
            },
        }
    }
}

impl VisitInput {
    /// Checks that need nothing but the input itself and the clock. Checks
    /// against the catalogue, the household's residents and the
    /// organisation are the caller's (it has them).
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        check_visit_fields(
            &mut errors,
            &self.members,
            self.at,
            self.note.as_deref(),
            now,
        );
        if self.outcome != VisitOutcome::Met && !self.actions.is_empty() {
            errors.push(ValidationError::ActionsWithoutMeeting);
        }
        let visit_day = crate::month::local_date(self.at);
        for a in &self.actions {
            if let Err(e) = a.outcome.check(visit_day)
                && !errors.0.contains(&e)
            {
                errors.push(e);
            }
        }
        errors.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{HouseholdId, VisitId};
    use crate::model::{VisitForm, Void};
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 7, 0, 0).unwrap()
    }

    fn visit(members: Vec<MemberId>, at: DateTime<Utc>) -> Visit {
        Visit {
            id: VisitId::new(),
            household_id: HouseholdId::new(),
            members,
            at,
            form: VisitForm::DoorToDoor,
            outcome: VisitOutcome::Met,
            note: None,
            voided: None,
        }
    }

    fn codes(r: Result<(), ValidationErrors>) -> Vec<&'static str> {
        r.err()
            .map(|e| e.0.iter().map(|e| e.code()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn a_visit_lists_each_member_once_on_a_sane_day() {
        let m = MemberId::new();
        assert!(visit(vec![m], now()).check(now()).is_ok());
        assert_eq!(
            codes(visit(vec![m; 400], now()).check(now())),
            ["repeated_member"]
        );
        assert_eq!(codes(visit(vec![], now()).check(now())), ["no_member"]);
        let far = Utc.with_ymd_and_hms(9999, 12, 31, 0, 0, 0).unwrap();
        assert_eq!(codes(visit(vec![m], far).check(now())), ["visit_date"]);
        let mut v = visit(vec![m], now());
        v.note = Some("Bà\u{0}vui".into());
        assert_eq!(codes(v.check(now())), ["control_character"]);
        v.note = Some("Bà rất vui.\nHẹn tuần sau.".into());
        v.voided = Some(Void {
            reason: "Ghi nhầm".into(),
            by: m,
            at: Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).unwrap(),
        });
        assert_eq!(codes(v.check(now())), ["void_date"]);
    }

    #[test]
    fn a_follow_up_is_due_within_a_year_of_the_visit() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let visit_day = day(2026, 12, 7);
        let due = |d| ActionOutcome::FollowUp { due: d }.check(visit_day);
        assert!(due(day(2026, 12, 20)).is_ok());
        assert_eq!(due(day(9999, 12, 31)), Err(ValidationError::FollowUpDue));
        assert_eq!(due(day(2026, 12, 1)), Err(ValidationError::FollowUpDue));
    }
}
