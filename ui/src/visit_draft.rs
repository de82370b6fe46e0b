//! The visit being logged, as a reducer: what the member tapped so far, and
//! the entry to send. Pure: the screen feeds it messages and renders it.

use chrono::NaiveDate;
use gocua_app_api::{ActionEntry, VisitEntry};
use gocua_core::validate::{self, ValidationError};
use gocua_core::{ActionCode, ActionOutcome, CannotReason, HouseholdId, ResidentId, VisitOutcome};

/// How one chosen action ended, as the member is marking it.
#[derive(Debug, Clone, PartialEq)]
pub enum Mark {
    /// Just chosen: how it ended is a fact only the member knows, so
    /// nothing is pre-chosen and the visit cannot be saved until it is.
    Unset,
    Done,
    /// Due date as typed in the date box (`YYYY-MM-DD`).
    FollowUp(String),
    /// Why, once the member picked it (None: not yet — a fact too).
    NotPossible(Option<CannotReason>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct DraftAction {
    pub resident_id: ResidentId,
    pub action: ActionCode,
    pub mark: Mark,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    SetOutcome(VisitOutcome),
    /// Open or close a resident's list of actions.
    ToggleResident(ResidentId),
    /// Add the action (its outcome not yet chosen) or take it away.
    ToggleAction(ResidentId, ActionCode),
    SetMark(ResidentId, ActionCode, Mark),
    SetNote(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct VisitDraft {
    pub household_id: HouseholdId,
    pub outcome: VisitOutcome,
    pub open: Vec<ResidentId>,
    pub actions: Vec<DraftAction>,
    pub note: String,
}

/// Said when a chosen action has no outcome yet.
pub const UNSET_VI: &str =
    "Hãy chọn kết quả cho từng nội dung: Đã xong, Hẹn quay lại hoặc Không thực hiện được.";

/// Said when "Không thực hiện được" has no reason yet.
pub const NO_REASON_VI: &str = "Hãy chọn lý do cho nội dung không thực hiện được.";

/// The due date a follow-up starts with: a week on, the usual rhythm of
/// a team's rounds.
pub fn default_due(today: NaiveDate) -> NaiveDate {
    today + chrono::Duration::days(7)
}

impl VisitDraft {
    pub fn new(household_id: HouseholdId) -> Self {
        VisitDraft {
            household_id,
            outcome: VisitOutcome::Met,
            open: Vec::new(),
            actions: Vec::new(),
            note: String::new(),
        }
    }

    pub fn apply(&mut self, msg: Msg) {
        match msg {
            Msg::SetOutcome(o) => {
                self.outcome = o;
                if o != VisitOutcome::Met {
                    // Nobody was met: no action can be recorded.
                    self.actions.clear();
                    self.open.clear();
                }
            }
            Msg::ToggleResident(r) => {
                if let Some(i) = self.open.iter().position(|x| *x == r) {
                    self.open.remove(i);
                } else {
                    self.open.push(r);
                }
            }
            Msg::ToggleAction(r, code) => {
                if self.outcome != VisitOutcome::Met {
                    return;
                }
                if let Some(i) = self.find(r, &code) {
                    self.actions.remove(i);
                } else {
                    self.actions.push(DraftAction {
                        resident_id: r,
                        action: code,
                        mark: Mark::Unset,
                    });
                }
            }
            Msg::SetMark(r, code, mark) => {
                if let Some(i) = self.find(r, &code) {
                    self.actions[i].mark = mark;
                }
            }
            Msg::SetNote(n) => self.note = n,
        }
    }

    fn find(&self, r: ResidentId, code: &ActionCode) -> Option<usize> {
        self.actions
            .iter()
            .position(|a| a.resident_id == r && &a.action == code)
    }

    pub fn mark_of(&self, r: ResidentId, code: &ActionCode) -> Option<&Mark> {
        self.find(r, code).map(|i| &self.actions[i].mark)
    }

    pub fn count_for(&self, r: ResidentId) -> usize {
        self.actions.iter().filter(|a| a.resident_id == r).count()
    }

    /// The entry to send, or the sentences saying what to fix.
    pub fn to_entry(&self, today: NaiveDate) -> Result<VisitEntry, Vec<String>> {
        let mut problems = Vec::new();
        let mut actions = Vec::new();
        for a in &self.actions {
            let outcome = match &a.mark {
                Mark::Unset => {
                    if !problems.contains(&UNSET_VI.to_string()) {
                        problems.push(UNSET_VI.to_string());
                    }
                    continue;
                }
                Mark::Done => ActionOutcome::Done,
                Mark::FollowUp(due) => match crate::format::parse_date_vi(due, today) {
                    // The rule the store and the server apply: from the
                    // visit's day (today) to a year after.
                    Some(d) if validate::follow_up_due(d, today).is_ok() => {
                        ActionOutcome::FollowUp { due: d }
                    }
                    _ => {
                        let m = ValidationError::FollowUpDue.message_vi();
                        if !problems.contains(&m) {
                            problems.push(m);
                        }
                        continue;
                    }
                },
                Mark::NotPossible(Some(reason)) => ActionOutcome::NotPossible {
                    reason: *reason,
                    note: None,
                },
                Mark::NotPossible(None) => {
                    if !problems.contains(&NO_REASON_VI.to_string()) {
                        problems.push(NO_REASON_VI.to_string());
                    }
                    continue;
                }
            };
            actions.push(ActionEntry {
                resident_id: a.resident_id,
                action: a.action.clone(),
                outcome,
            });
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let note = self.note.trim();
        Ok(VisitEntry {
            household_id: self.household_id,
            outcome: self.outcome,
            note: (!note.is_empty()).then(|| note.to_string()),
            actions,
        })
    }

    /// Counted as assists once saved: done or follow-up.
    pub fn assists(&self) -> usize {
        self.actions
            .iter()
            .filter(|a| matches!(a.mark, Mark::Done | Mark::FollowUp(_)))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn code(s: &str) -> ActionCode {
        s.parse().unwrap()
    }

    #[test]
    fn two_taps_record_a_done_action_and_a_third_changes_its_mark() {
        let today = day("2026-11-20");
        let r = ResidentId::new();
        let mut d = VisitDraft::new(HouseholdId::new());
        d.apply(Msg::ToggleResident(r));
        d.apply(Msg::ToggleAction(r, code("vneid_l2")));
        d.apply(Msg::ToggleAction(r, code("bank_account")));
        assert_eq!(d.count_for(r), 2);
        d.apply(Msg::SetMark(r, code("vneid_l2"), Mark::Done));
        d.apply(Msg::SetMark(
            r,
            code("bank_account"),
            Mark::NotPossible(Some(CannotReason::NoSmartphone)),
        ));
        assert_eq!(d.assists(), 1);
        let e = d.to_entry(today).unwrap();
        assert_eq!(e.actions.len(), 2);
        assert_eq!(e.actions[0].outcome, ActionOutcome::Done);
        assert!(matches!(
            e.actions[1].outcome,
            ActionOutcome::NotPossible { .. }
        ));
        // Tapping an action again takes it away.
        d.apply(Msg::ToggleAction(r, code("vneid_l2")));
        assert_eq!(d.count_for(r), 1);
    }

    #[test]
    fn a_chosen_action_starts_unmarked_and_blocks_the_save() {
        let today = day("2026-11-20");
        let r = ResidentId::new();
        let mut d = VisitDraft::new(HouseholdId::new());
        d.apply(Msg::ToggleAction(r, code("vneid_l2")));
        assert_eq!(d.mark_of(r, &code("vneid_l2")), Some(&Mark::Unset));
        assert_eq!(
            d.assists(),
            0,
            "nothing counted before an outcome is chosen"
        );
        assert_eq!(d.to_entry(today).unwrap_err(), vec![UNSET_VI.to_string()]);
        d.apply(Msg::SetMark(r, code("vneid_l2"), Mark::Done));
        assert_eq!(
            d.to_entry(today).unwrap().actions[0].outcome,
            ActionOutcome::Done
        );
        // Not possible: the reason is picked too, never assumed.
        d.apply(Msg::SetMark(r, code("vneid_l2"), Mark::NotPossible(None)));
        assert_eq!(
            d.to_entry(today).unwrap_err(),
            vec![NO_REASON_VI.to_string()]
        );
        d.apply(Msg::SetMark(
            r,
            code("vneid_l2"),
            Mark::NotPossible(Some(CannotReason::NoSmartphone)),
        ));
        assert!(d.to_entry(today).is_ok());
    }

    #[test]
    fn a_follow_up_needs_a_date_not_before_today() {
        let today = day("2026-11-20");
        let r = ResidentId::new();
        let mut d = VisitDraft::new(HouseholdId::new());
        assert_eq!(default_due(today), day("2026-11-27"));
        d.apply(Msg::ToggleAction(r, code("ehealth_book")));
        d.apply(Msg::SetMark(
            r,
            code("ehealth_book"),
            Mark::FollowUp("2026-11-19".into()),
        ));
        let err = d.to_entry(today).unwrap_err();
        assert_eq!(err, vec![ValidationError::FollowUpDue.message_vi()]);
        d.apply(Msg::SetMark(
            r,
            code("ehealth_book"),
            Mark::FollowUp(String::new()),
        ));
        assert!(d.to_entry(today).is_err());
        // What the member types, day first, as on paper.
        d.apply(Msg::SetMark(
            r,
            code("ehealth_book"),
            Mark::FollowUp("1/12/2026".into()),
        ));
        let e = d.to_entry(today).unwrap();
        assert_eq!(
            e.actions[0].outcome,
            ActionOutcome::FollowUp {
                due: day("2026-12-01")
            }
        );
    }

    #[test]
    fn nobody_at_home_clears_the_actions_and_keeps_the_note() {
        let today = day("2026-11-20");
        let r = ResidentId::new();
        let mut d = VisitDraft::new(HouseholdId::new());
        d.apply(Msg::ToggleAction(r, code("vneid_l2")));
        d.apply(Msg::SetNote("  Hẹn chiều mai  ".into()));
        d.apply(Msg::SetOutcome(VisitOutcome::NotAtHome));
        assert!(d.actions.is_empty());
        d.apply(Msg::ToggleAction(r, code("vneid_l2")));
        assert!(d.actions.is_empty(), "no action without meeting anybody");
        let e = d.to_entry(today).unwrap();
        assert_eq!(e.outcome, VisitOutcome::NotAtHome);
        assert_eq!(e.note.as_deref(), Some("Hẹn chiều mai"));
    }
}
