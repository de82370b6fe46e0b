//! Who a visit may credit and who signs a void: the rule the phone applies
//! before saving and the server applies to every push (issue 15: a member's
//! phone once credited another team's member with its work, and a void was
//! signed with the officer's id). Figures count visits by the members they
//! credit, so a credit is a claim about someone else's month.
//!
//! - Every credited member belongs to the commune, once, and serves the
//!   household's village: their team covers it, or they are commune-wide
//!   (officer, admin), whose scope is every village (`Role`).
//! - A plain member records their own visits: they are credited, first
//!   (the first credited is who recorded it, `Visit::members`). Leaders and
//!   officers may enter their people's work for them (paper forms, the
//!   commune office's entry), within their scope, which the caller checks
//!   through the household as for any record.
//! - A void, or a review mark's resolution (`review::check_step`), is
//!   signed by the person taking the step: the device's member.

use crate::ids::{MemberId, TeamId, VillageId};
use crate::model::{OrgSnapshot, Role, Void};
use crate::validate::ValidationError;
use std::collections::{HashMap, HashSet};

/// One commune's members as the credit rule needs them: role and team, and
/// the villages each team serves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roster {
    members: HashMap<MemberId, (Role, Option<TeamId>)>,
    team_villages: HashMap<TeamId, HashSet<VillageId>>,
}

impl Roster {
    pub fn new() -> Roster {
        Roster::default()
    }

    /// A member of the commune (any status: history keeps those who left).
    pub fn add_member(&mut self, id: MemberId, role: Role, team: Option<TeamId>) {
        self.members.insert(id, (role, team));
    }

    /// A village a team serves.
    pub fn add_team_village(&mut self, team: TeamId, village: VillageId) {
        self.team_villages.entry(team).or_default().insert(village);
    }

    pub fn from_org(org: &OrgSnapshot) -> Roster {
        let mut r = Roster::new();
        for m in &org.members {
            r.add_member(m.id, m.role, m.team_id);
        }
        for t in &org.teams {
            for v in &t.village_ids {
                r.add_team_village(t.id, *v);
            }
        }
        r
    }

    pub fn contains(&self, id: MemberId) -> bool {
        self.members.contains_key(&id)
    }

    /// Whether `id` serves `village` (a village of this commune): their
    /// team covers it, or their role covers the whole commune.
    pub fn serves(&self, id: MemberId, village: VillageId) -> bool {
        match self.members.get(&id) {
            None => false,
            Some((role, _)) if is_commune_wide(*role) => true,
            Some((_, team)) => team
                .and_then(|t| self.team_villages.get(&t))
                .is_some_and(|vs| vs.contains(&village)),
        }
    }
}

/// Roles whose scope is the whole commune.
pub fn is_commune_wide(role: Role) -> bool {
    matches!(role, Role::CommuneOfficer | Role::Admin)
}

/// Whether `recorder` (holding `role`) may save a visit to a household of
/// `village` crediting `credited` (see the module's comment).
pub fn check_credits(
    roster: &Roster,
    recorder: MemberId,
    role: Role,
    credited: &[MemberId],
    village: VillageId,
) -> Result<(), ValidationError> {
    let Some(first) = credited.first() else {
        return Err(ValidationError::NoMember);
    };
    let mut seen = HashSet::with_capacity(credited.len());
    if !credited.iter().all(|m| seen.insert(*m)) {
        return Err(ValidationError::RepeatedMember);
    }
    if credited.iter().any(|m| !roster.contains(*m)) {
        return Err(ValidationError::UnknownMember);
    }
    if role == Role::Member && *first != recorder {
        return Err(ValidationError::RecorderNotCredited);
    }
    if credited.iter().any(|m| !roster.serves(*m, village)) {
        return Err(ValidationError::MemberNotServing);
    }
    Ok(())
}

/// Whether a void (or any step signed `by`) is the device member's own.
pub fn check_signer(member: MemberId, by: MemberId) -> Result<(), ValidationError> {
    if member == by {
        Ok(())
    } else {
        Err(ValidationError::NotSigner)
    }
}

/// Whether a change may set a household's or resident's `voided` from
/// `before` (None for a new record) to `after`: withdrawing a record, or
/// restoring it, is the commune office's (officers, admins, and the
/// server's import device, which acts as an admin), and the void is signed
/// by the device's member (issue 16). An edit that leaves `voided` as it is
/// (a member renaming a household the office withdrew meanwhile) passes.
pub fn check_record_void(
    member: MemberId,
    role: Role,
    before: Option<&Void>,
    after: Option<&Void>,
) -> Result<(), ValidationError> {
    if before == after {
        return Ok(());
    }
    if !is_commune_wide(role) {
        return Err(ValidationError::RecordVoidNotAllowed);
    }
    match after {
        Some(v) => check_signer(member, v.by),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Commune {
        roster: Roster,
        a: VillageId,
        b: VillageId,
        leader_a: MemberId,
        member_a: MemberId,
        member_b: MemberId,
        officer: MemberId,
    }

    fn commune() -> Commune {
        let (a, b) = (VillageId::new(), VillageId::new());
        let (ta, tb) = (TeamId::new(), TeamId::new());
        let mut roster = Roster::new();
        roster.add_team_village(ta, a);
        roster.add_team_village(tb, b);
        let c = Commune {
            roster: Roster::new(),
            a,
            b,
            leader_a: MemberId::new(),
            member_a: MemberId::new(),
            member_b: MemberId::new(),
            officer: MemberId::new(),
        };
        roster.add_member(c.leader_a, Role::TeamLeader, Some(ta));
        roster.add_member(c.member_a, Role::Member, Some(ta));
        roster.add_member(c.member_b, Role::Member, Some(tb));
        roster.add_member(c.officer, Role::CommuneOfficer, None);
        Commune { roster, ..c }
    }

    #[test]
    fn a_member_credits_themselves_first_and_their_village_colleagues() {
        let c = commune();
        let ok = |credited: &[MemberId]| {
            check_credits(&c.roster, c.member_a, Role::Member, credited, c.a)
        };
        assert_eq!(ok(&[c.member_a]), Ok(()));
        assert_eq!(ok(&[c.member_a, c.leader_a]), Ok(()));
        assert_eq!(
            ok(&[c.member_a, c.officer]),
            Ok(()),
            "an officer's scope is every village"
        );
        assert_eq!(ok(&[]), Err(ValidationError::NoMember));
        assert_eq!(ok(&[c.member_b]), Err(ValidationError::RecorderNotCredited));
        assert_eq!(ok(&[c.officer]), Err(ValidationError::RecorderNotCredited));
        assert_eq!(
            ok(&[c.leader_a, c.member_a]),
            Err(ValidationError::RecorderNotCredited),
            "the first credited is who recorded it"
        );
        assert_eq!(
            ok(&[c.member_a, c.member_b]),
            Err(ValidationError::MemberNotServing)
        );
        assert_eq!(
            ok(&[c.member_a, MemberId::new()]),
            Err(ValidationError::UnknownMember)
        );
        assert_eq!(
            ok(&vec![c.member_a; 400]),
            Err(ValidationError::RepeatedMember)
        );
    }

    #[test]
    fn leaders_and_officers_enter_work_for_people_serving_the_village() {
        let c = commune();
        let leader = |credited: &[MemberId], v| {
            check_credits(&c.roster, c.leader_a, Role::TeamLeader, credited, v)
        };
        assert_eq!(leader(&[c.member_a], c.a), Ok(()));
        assert_eq!(
            leader(&[c.member_b], c.a),
            Err(ValidationError::MemberNotServing)
        );
        let officer = |credited: &[MemberId], v| {
            check_credits(&c.roster, c.officer, Role::CommuneOfficer, credited, v)
        };
        assert_eq!(officer(&[c.member_b], c.b), Ok(()));
        assert_eq!(officer(&[c.officer], c.a), Ok(()));
        assert_eq!(
            officer(&[c.member_b], c.a),
            Err(ValidationError::MemberNotServing)
        );
    }

    #[test]
    fn a_void_is_signed_by_its_maker() {
        let (me, other) = (MemberId::new(), MemberId::new());
        assert_eq!(check_signer(me, me), Ok(()));
        assert_eq!(check_signer(me, other), Err(ValidationError::NotSigner));
    }

    #[test]
    fn only_the_office_withdraws_or_restores_records() {
        let me = MemberId::new();
        let void = |by| Void {
            reason: "Hủy lần nhập 3".into(),
            by,
            at: chrono::Utc::now(),
        };
        let v = void(me);
        for role in [Role::Member, Role::TeamLeader] {
            let no = Err(ValidationError::RecordVoidNotAllowed);
            assert_eq!(check_record_void(me, role, None, Some(&v)), no);
            assert_eq!(check_record_void(me, role, Some(&v), None), no);
            assert_eq!(check_record_void(me, role, Some(&v), Some(&v)), Ok(()));
            assert_eq!(check_record_void(me, role, None, None), Ok(()));
        }
        for role in [Role::CommuneOfficer, Role::Admin] {
            assert_eq!(check_record_void(me, role, None, Some(&v)), Ok(()));
            assert_eq!(check_record_void(me, role, Some(&v), None), Ok(()));
            let other = void(MemberId::new());
            assert_eq!(
                check_record_void(me, role, None, Some(&other)),
                Err(ValidationError::NotSigner)
            );
        }
    }

    #[cfg(feature = "demo")]
    #[test]
    fn the_roster_follows_the_organisation() {
        let org = crate::demo::demo_org(2);
        let r = Roster::from_org(&org);
        for m in &org.members {
            assert!(r.contains(m.id));
        }
        let team = &org.teams[0];
        let mate = org.members.iter().find(|m| m.team_id == Some(team.id));
        let mate = mate.map(|m| m.id).unwrap_or_else(MemberId::new);
        assert!(r.serves(mate, team.village_ids[0]));
        assert!(!r.serves(mate, org.teams[1].village_ids[0]));
    }
}
