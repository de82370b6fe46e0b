//! What the teams are judged by: month and quarter figures for members,
//! teams, villages and the commune, the commune's indicators against its
//! targets, the quarter's deadlines and recognition.
//!
//! Built on `rules.rs`, one definition per concept:
//! - **assist**, **household helped**, a team's shared visit counted once:
//!   `rules::member_month` / `team_month`;
//! - **done**: the checklist's (`rules::resident_checklist`): a non-voided
//!   done record in a non-voided visit, on or before the as-of day; a later
//!   failure does not undo it;
//! - **age** by birth year at the as-of day (`rules::is_eligible`);
//! - **digital citizen** / **digital family**: `rules::is_digital_citizen`
//!   / `is_digital_family`.
//!
//! Added here:
//! - **open follow-up** at a day: for a resident and an action never done
//!   by then, the latest attempt (by day, then record id — the checklist's
//!   order) is a follow-up; it belongs to the members its visit credits,
//!   and is overdue when due before that day;
//! - **indicators** (`defs::Indicator`) and their denominators: action
//!   indicators count eligible residents (the catalogue's eligibility of the
//!   action: VNeID 6+, bank account 15+, e-health book everyone, the rest
//!   adults) with the action done; households with ≥1 essential platform
//!   (someone in it has done an essential-platform action), households
//!   reached (someone met, or refusing, at a non-voided visit since the
//!   start of the as-of day's year; not-at-home does not count), digital
//!   citizens among all residents, digital families among all households.
//!   Residents count where they live now (their household's village now);
//!   a resident merged into another (`same_person.rs`) is counted once, as
//!   that one, with both records' actions;
//! - **periods**: work counts what was done in the period (by the visit's
//!   day in Vietnam); indicators are stocks at the period's last day, or
//!   today while it runs;
//! - **quarter**: deadlines (teams before the 15th, the commune before the
//!   26th of the last month), a team has synced once each member with an
//!   enrolled device has synced since the last month began, rankings.
//!
//! Counting happens outside (`records` from records held in memory; the
//! server in SQL over its report tables, tested against `records`), then
//! `dashboard` and `quarter` apply targets and quotas.

mod dashboard;
mod defs;
mod drill;
mod masks;
mod period;
mod quarter;
mod records;
mod work;
mod work_count;

pub use dashboard::{
    CommuneDashboard, IndicatorTable, Place, PlaceIndicators, TeamView, VillageView, VillageWork,
    commune_dashboard, indicator_table, members_of, team_counts, team_view, village_view,
};
pub use defs::{Counts, Indicator, IndicatorValue, Population, Tally, Targets};
pub use drill::{
    ActionRow, DrillPage, DrillQuery, DrillRow, Figure, HouseholdRow, Part, ResidentRow, Subject,
};
pub use masks::{
    AgeBrackets, BRACKETS, ChecklistMasks, ELIGIBILITIES, NOT_BORN, TooManyChecklistEntries,
};
pub use period::{COMMUNE_REPORT_BEFORE_DAY, Period, Quarter, TEAM_REPORT_BEFORE_DAY};
pub use quarter::{
    Deadlines, MemberRank, QuarterReport, Recognition, TeamRank, TeamSync, VillageFamilies,
    VillageMark, quarter_report, recognition, team_sync,
};
pub use records::{Attempt, Records, follow_ups, indicator_counts, reaches_household, work_facts};
pub use work::{
    FollowUps, MemberPeriod, MonthLine, TeamPeriod, Who, WorkFacts, WorkFigures, WorkTally,
    member_period, team_period, work_figures,
};
pub use work_count::count_work;

#[cfg(test)]
mod tests;
