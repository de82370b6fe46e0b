//! Reads of the organisation that many jobs share: a commune's snapshot and
//! catalogue, a member and whether they are active, a village's commune, a
//! team's villages. Read only; the writes that keep these are `org/`'s.

use crate::CentralError;
use crate::backend::sql::{Row, Tx, vals};
use gocua_core::credit::Roster;
use gocua_core::text::{vietnamese_cmp, vietnamese_name_cmp};
use gocua_core::{
    CatalogueEntry, Commune, CommuneId, Member, MemberId, OrgSnapshot, Team, TeamId, Village,
    VillageId,
};
use std::collections::HashMap;

pub(crate) fn org_snapshot(
    tx: &mut dyn Tx,
    commune: CommuneId,
) -> Result<OrgSnapshot, CentralError> {
    let c = commune.to_string();
    let commune = tx
        .query_opt(
            "SELECT id, name, province FROM communes WHERE id = $1",
            vals![c.as_str()],
        )?
        .ok_or_else(|| CentralError::not_found("commune", &c))?;
    let commune = Commune {
        id: commune.parse(0)?,
        name: commune.string(1)?,
        province: commune.string(2)?,
    };
    let mut villages = tx
        .query(
            "SELECT id, commune_id, name FROM villages WHERE commune_id = $1",
            vals![c.as_str()],
        )?
        .iter()
        .map(|r| {
            Ok(Village {
                id: r.parse(0)?,
                commune_id: r.parse(1)?,
                name: r.string(2)?,
            })
        })
        .collect::<Result<Vec<_>, CentralError>>()?;
    villages.sort_by(|a, b| vietnamese_cmp(&a.name, &b.name));
    let mut teams = tx
        .query(
            "SELECT id, commune_id, name FROM teams WHERE commune_id = $1",
            vals![c.as_str()],
        )?
        .iter()
        .map(|r| {
            Ok(Team {
                id: r.parse(0)?,
                commune_id: r.parse(1)?,
                name: r.string(2)?,
                village_ids: Vec::new(),
            })
        })
        .collect::<Result<Vec<_>, CentralError>>()?;
    for t in &mut teams {
        t.village_ids = team_villages(tx, t.id)?;
    }
    teams.sort_by(|a, b| vietnamese_cmp(&a.name, &b.name));
    let mut members = tx
        .query(
            "SELECT id, commune_id, team_id, full_name, role FROM members
             WHERE commune_id = $1",
            vals![c.as_str()],
        )?
        .iter()
        .map(member_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    members.sort_by(|a, b| vietnamese_name_cmp(&a.full_name, &b.full_name));
    Ok(OrgSnapshot {
        commune,
        villages,
        teams,
        members,
    })
}

pub(crate) fn catalogue(
    tx: &mut dyn Tx,
    commune: CommuneId,
) -> Result<Vec<CatalogueEntry>, CentralError> {
    tx.query(
        "SELECT code, name_vi, eligibility, in_checklist, essential_platform, active,
                sort_order
         FROM action_catalogue WHERE commune_id = $1 ORDER BY sort_order, code",
        vals![commune.to_string()],
    )?
    .iter()
    .map(|r| {
        Ok(CatalogueEntry {
            code: r.parse(0)?,
            name_vi: r.string(1)?,
            eligibility: r.parse(2)?,
            in_checklist: r.bool(3)?,
            essential_platform: r.bool(4)?,
            active: r.bool(5)?,
            sort_order: i32::try_from(r.int(6)?)
                .map_err(|_| CentralError::Corrupt("sort order out of range".into()))?,
        })
    })
    .collect()
}

/// The commune a village belongs to, if the village exists.
pub(crate) fn village_commune(
    tx: &mut dyn Tx,
    village: VillageId,
) -> Result<Option<CommuneId>, CentralError> {
    tx.query_opt(
        "SELECT commune_id FROM villages WHERE id = $1",
        vals![village.to_string()],
    )?
    .map(|r| r.parse(0))
    .transpose()
}

pub(crate) fn team_villages(tx: &mut dyn Tx, team: TeamId) -> Result<Vec<VillageId>, CentralError> {
    tx.query(
        "SELECT village_id FROM team_villages WHERE team_id = $1 ORDER BY village_id",
        vals![team.to_string()],
    )?
    .iter()
    .map(|r| r.parse(0))
    .collect()
}

pub(crate) fn member(tx: &mut dyn Tx, id: MemberId) -> Result<Option<Member>, CentralError> {
    tx.query_opt(
        "SELECT id, commune_id, team_id, full_name, role FROM members WHERE id = $1",
        vals![id.to_string()],
    )?
    .map(|r| member_from_row(&r))
    .transpose()
}

/// The commune's members, any status (history keeps the names of people
/// who have left), with their roles and the villages their teams serve:
/// what a push judges a visit's credits by (`gocua_core::credit`).
pub(crate) fn commune_roster(tx: &mut dyn Tx, commune: CommuneId) -> Result<Roster, CentralError> {
    let c = commune.to_string();
    let mut roster = Roster::new();
    for r in tx.query(
        "SELECT id, role, team_id FROM members WHERE commune_id = $1",
        vals![c.as_str()],
    )? {
        roster.add_member(r.parse(0)?, r.parse(1)?, r.opt_parse(2)?);
    }
    for r in tx.query(
        "SELECT tv.team_id, tv.village_id FROM team_villages tv
         JOIN teams t ON t.id = tv.team_id WHERE t.commune_id = $1",
        vals![c.as_str()],
    )? {
        roster.add_team_village(r.parse(0)?, r.parse(1)?);
    }
    Ok(roster)
}

/// Whether a member may still enroll devices and sync (false when unknown).
pub(crate) fn member_active(tx: &mut dyn Tx, id: MemberId) -> Result<bool, CentralError> {
    tx.query_opt(
        "SELECT active FROM members WHERE id = $1",
        vals![id.to_string()],
    )?
    .map_or(Ok(false), |r| r.bool(0))
}

/// The commune's action catalogue: each code's `active` flag.
pub(crate) fn commune_catalogue(
    tx: &mut dyn Tx,
    commune: CommuneId,
) -> Result<HashMap<String, bool>, CentralError> {
    tx.query(
        "SELECT code, active FROM action_catalogue WHERE commune_id = $1",
        vals![commune.to_string()],
    )?
    .iter()
    .map(|r| Ok((r.string(0)?, r.bool(1)?)))
    .collect()
}

pub(crate) fn member_from_row(r: &Row) -> Result<Member, CentralError> {
    Ok(Member {
        id: r.parse(0)?,
        commune_id: r.parse(1)?,
        team_id: r.opt_parse(2)?,
        full_name: r.string(3)?,
        role: r.parse(4)?,
    })
}
