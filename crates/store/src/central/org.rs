//! The communes' organisation (villages, teams, members with roles), each
//! commune's action catalogue and targets: what the admin commands create and
//! what devices receive with `org_for`. The commune secret stays here.

use super::{CentralDb, CentralError, DeviceAuth, Scope, random_32, stamp};
use crate::rows;
use gocua_core::catalogue::seed_catalogue;
use gocua_core::text::{normalize_name, vietnamese_cmp, vietnamese_name_cmp};
use gocua_core::validate::{self, ValidationErrors};
use gocua_core::{
    ActionCode, CatalogueEntry, Commune, CommuneId, Member, MemberId, OrgSnapshot, Role, Team,
    TeamId, Village, VillageId,
};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

/// What a device receives about its organisation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrgView {
    pub member: Member,
    pub scope: Scope,
    pub org: OrgSnapshot,
    pub catalogue: Vec<CatalogueEntry>,
}

/// A commune's target for one indicator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    pub indicator: String,
    pub percent: f64,
    pub updated_at: String,
}

fn clean_name(field: &'static str, raw: &str) -> Result<String, CentralError> {
    let name = normalize_name(raw);
    validate::required_text(field, &name).map_err(ValidationErrors::from)?;
    Ok(name)
}

impl CentralDb {
    /// A new commune with its own secret and the seed catalogue.
    pub fn create_commune(&mut self, name: &str, province: &str) -> Result<Commune, CentralError> {
        let commune = Commune {
            id: CommuneId::new(),
            name: clean_name("name", name)?,
            province: clean_name("name", province)?,
        };
        let tx = self.conn.transaction()?;
        insert_commune(&tx, &commune)?;
        tx.commit()?;
        Ok(commune)
    }

    pub fn add_village(&mut self, commune: CommuneId, name: &str) -> Result<Village, CentralError> {
        require_commune(&self.conn, commune)?;
        let village = Village {
            id: VillageId::new(),
            commune_id: commune,
            name: clean_name("name", name)?,
        };
        insert_village(&self.conn, &village)?;
        Ok(village)
    }

    /// A team covering `villages`, all of the same commune.
    pub fn add_team(
        &mut self,
        commune: CommuneId,
        name: &str,
        villages: &[VillageId],
    ) -> Result<Team, CentralError> {
        require_commune(&self.conn, commune)?;
        for v in villages {
            match village_commune(&self.conn, *v)? {
                None => return Err(CentralError::not_found("village", v)),
                Some(c) if c != commune => {
                    return Err(CentralError::OtherCommune {
                        what: "village",
                        id: v.to_string(),
                    });
                }
                Some(_) => {}
            }
        }
        let mut village_ids = villages.to_vec();
        village_ids.sort();
        village_ids.dedup();
        let team = Team {
            id: TeamId::new(),
            commune_id: commune,
            name: clean_name("name", name)?,
            village_ids,
        };
        let tx = self.conn.transaction()?;
        insert_team(&tx, &team)?;
        tx.commit()?;
        Ok(team)
    }

    /// A member of the commune. Members and leaders belong to a team of the
    /// same commune; officers and admins to none.
    pub fn add_member(
        &mut self,
        commune: CommuneId,
        team: Option<TeamId>,
        full_name: &str,
        role: Role,
    ) -> Result<Member, CentralError> {
        require_commune(&self.conn, commune)?;
        let member = Member {
            id: MemberId::new(),
            commune_id: commune,
            team_id: team,
            full_name: clean_name("full_name", full_name)?,
            role,
        };
        check_member_team(&self.conn, &member)?;
        insert_member(&self.conn, &member)?;
        Ok(member)
    }

    /// Load a whole organisation at once (the demo, or a migration from
    /// another system), with a fresh secret and the seed catalogue.
    pub fn import_org(&mut self, org: &OrgSnapshot) -> Result<(), CentralError> {
        let tx = self.conn.transaction()?;
        insert_commune(&tx, &org.commune)?;
        for v in &org.villages {
            insert_village(&tx, v)?;
        }
        for t in &org.teams {
            insert_team(&tx, t)?;
        }
        for m in &org.members {
            check_member_team(&tx, m)?;
            insert_member(&tx, m)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Set (or change) the commune's target for an indicator, in percent.
    pub fn set_target(
        &mut self,
        commune: CommuneId,
        indicator: &str,
        percent: f64,
    ) -> Result<Target, CentralError> {
        require_commune(&self.conn, commune)?;
        // Indicators are codes like catalogue codes (e.g. `vneid_l2`).
        let code: ActionCode = indicator.parse().map_err(ValidationErrors::from)?;
        if !(0.0..=100.0).contains(&percent) {
            return Err(CentralError::Percent);
        }
        let updated_at = stamp(chrono::Utc::now());
        self.conn.execute(
            "INSERT INTO targets (commune_id, indicator, percent, updated_at)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (commune_id, indicator) DO UPDATE SET
                 percent = excluded.percent, updated_at = excluded.updated_at",
            params![commune.to_string(), code.as_str(), percent, updated_at],
        )?;
        Ok(Target {
            indicator: code.as_str().to_string(),
            percent,
            updated_at,
        })
    }

    pub fn targets(&self, commune: CommuneId) -> Result<Vec<Target>, CentralError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT indicator, percent, updated_at FROM targets
                 WHERE commune_id = ?1 ORDER BY indicator",
            )?
            .query_map(params![commune.to_string()], |r| {
                Ok(Target {
                    indicator: r.get(0)?,
                    percent: r.get(1)?,
                    updated_at: r.get(2)?,
                })
            })?
            .collect::<Result<_, _>>()?)
    }

    pub fn member(&self, id: MemberId) -> Result<Member, CentralError> {
        member(&self.conn, id)?.ok_or_else(|| CentralError::not_found("member", id))
    }

    /// The commune's whole organisation, in Vietnamese order.
    pub fn org_snapshot(&self, commune: CommuneId) -> Result<OrgSnapshot, CentralError> {
        let conn = &self.conn;
        let c = commune.to_string();
        let commune = conn
            .prepare_cached("SELECT id, name, province FROM communes WHERE id = ?1")?
            .query_row(params![c], |r| {
                Ok(Commune {
                    id: rows::col(r, 0)?,
                    name: r.get(1)?,
                    province: r.get(2)?,
                })
            })
            .optional()?
            .ok_or_else(|| CentralError::not_found("commune", &c))?;
        let mut villages: Vec<Village> = conn
            .prepare_cached("SELECT id, commune_id, name FROM villages WHERE commune_id = ?1")?
            .query_map(params![c], |r| {
                Ok(Village {
                    id: rows::col(r, 0)?,
                    commune_id: rows::col(r, 1)?,
                    name: r.get(2)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        villages.sort_by(|a, b| vietnamese_cmp(&a.name, &b.name));
        let mut teams: Vec<Team> = conn
            .prepare_cached("SELECT id, commune_id, name FROM teams WHERE commune_id = ?1")?
            .query_map(params![c], |r| {
                Ok(Team {
                    id: rows::col(r, 0)?,
                    commune_id: rows::col(r, 1)?,
                    name: r.get(2)?,
                    village_ids: Vec::new(),
                })
            })?
            .collect::<Result<_, _>>()?;
        for t in &mut teams {
            t.village_ids = team_villages(conn, t.id)?;
        }
        teams.sort_by(|a, b| vietnamese_cmp(&a.name, &b.name));
        let mut members: Vec<Member> = conn
            .prepare_cached(
                "SELECT id, commune_id, team_id, full_name, role FROM members
                 WHERE commune_id = ?1",
            )?
            .query_map(params![c], member_from_row)?
            .collect::<Result<_, _>>()?;
        members.sort_by(|a, b| vietnamese_name_cmp(&a.full_name, &b.full_name));
        Ok(OrgSnapshot {
            commune,
            villages,
            teams,
            members,
        })
    }

    /// The commune's catalogue in display order, retired entries included.
    pub fn catalogue(&self, commune: CommuneId) -> Result<Vec<CatalogueEntry>, CentralError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT code, name_vi, eligibility, in_checklist, essential_platform, active,
                        sort_order
                 FROM action_catalogue WHERE commune_id = ?1 ORDER BY sort_order, code",
            )?
            .query_map(params![commune.to_string()], |r| {
                Ok(CatalogueEntry {
                    code: rows::col(r, 0)?,
                    name_vi: r.get(1)?,
                    eligibility: rows::col(r, 2)?,
                    in_checklist: r.get(3)?,
                    essential_platform: r.get(4)?,
                    active: r.get(5)?,
                    sort_order: r.get(6)?,
                })
            })?
            .collect::<Result<_, _>>()?)
    }

    /// Everything a device needs about its organisation, refreshed each sync.
    pub fn org_for(&self, auth: &DeviceAuth) -> Result<OrgView, CentralError> {
        // Read afresh: the member's team or role may have changed since the
        // token was checked.
        let member = self.member(auth.member.id)?;
        let scope = scope_for(&self.conn, &member)?;
        Ok(OrgView {
            org: self.org_snapshot(scope.commune_id)?,
            catalogue: self.catalogue(scope.commune_id)?,
            member,
            scope,
        })
    }
}

fn insert_commune(conn: &Connection, c: &Commune) -> Result<(), CentralError> {
    let name = clean_name("name", &c.name)?;
    let province = clean_name("name", &c.province)?;
    conn.execute(
        "INSERT INTO communes (id, name, province, secret_hex, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            c.id.to_string(),
            name,
            province,
            hex::encode(random_32()),
            stamp(chrono::Utc::now())
        ],
    )?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO action_catalogue (commune_id, code, name_vi, eligibility, in_checklist,
             essential_platform, active, sort_order)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for e in seed_catalogue() {
        stmt.execute(params![
            c.id.to_string(),
            e.code.as_str(),
            e.name_vi,
            e.eligibility.as_str(),
            e.in_checklist,
            e.essential_platform,
            e.active,
            e.sort_order
        ])?;
    }
    Ok(())
}

fn insert_village(conn: &Connection, v: &Village) -> Result<(), CentralError> {
    let name = clean_name("name", &v.name)?;
    conn.execute(
        "INSERT INTO villages (id, commune_id, name) VALUES (?1, ?2, ?3)",
        params![v.id.to_string(), v.commune_id.to_string(), name],
    )?;
    Ok(())
}

fn insert_team(conn: &Connection, t: &Team) -> Result<(), CentralError> {
    let name = clean_name("name", &t.name)?;
    conn.execute(
        "INSERT INTO teams (id, commune_id, name) VALUES (?1, ?2, ?3)",
        params![t.id.to_string(), t.commune_id.to_string(), name],
    )?;
    for v in &t.village_ids {
        if village_commune(conn, *v)? != Some(t.commune_id) {
            return Err(CentralError::OtherCommune {
                what: "village",
                id: v.to_string(),
            });
        }
        conn.execute(
            "INSERT OR IGNORE INTO team_villages (team_id, village_id) VALUES (?1, ?2)",
            params![t.id.to_string(), v.to_string()],
        )?;
    }
    Ok(())
}

fn insert_member(conn: &Connection, m: &Member) -> Result<(), CentralError> {
    let name = clean_name("full_name", &m.full_name)?;
    conn.execute(
        "INSERT INTO members (id, commune_id, team_id, full_name, role, active)
         VALUES (?1, ?2, ?3, ?4, ?5, 1)",
        params![
            m.id.to_string(),
            m.commune_id.to_string(),
            m.team_id.map(|t| t.to_string()),
            name,
            m.role.as_str()
        ],
    )?;
    Ok(())
}

fn check_member_team(conn: &Connection, m: &Member) -> Result<(), CentralError> {
    match (m.team_id, m.role) {
        (None, Role::Member | Role::TeamLeader) => Err(CentralError::TeamRequired),
        (None, _) => Ok(()),
        (Some(team), _) => {
            let commune: Option<CommuneId> = conn
                .prepare_cached("SELECT commune_id FROM teams WHERE id = ?1")?
                .query_row(params![team.to_string()], |r| rows::col(r, 0))
                .optional()?;
            match commune {
                None => Err(CentralError::not_found("team", team)),
                Some(c) if c != m.commune_id => Err(CentralError::OtherCommune {
                    what: "team",
                    id: team.to_string(),
                }),
                Some(_) => Ok(()),
            }
        }
    }
}

fn require_commune(conn: &Connection, commune: CommuneId) -> Result<(), CentralError> {
    let exists = conn
        .prepare_cached("SELECT 1 FROM communes WHERE id = ?1")?
        .exists(params![commune.to_string()])?;
    if exists {
        Ok(())
    } else {
        Err(CentralError::not_found("commune", commune))
    }
}

/// The commune a village belongs to, if the village exists.
pub(crate) fn village_commune(
    conn: &Connection,
    village: VillageId,
) -> Result<Option<CommuneId>, CentralError> {
    Ok(conn
        .prepare_cached("SELECT commune_id FROM villages WHERE id = ?1")?
        .query_row(params![village.to_string()], |r| rows::col(r, 0))
        .optional()?)
}

fn team_villages(conn: &Connection, team: TeamId) -> Result<Vec<VillageId>, CentralError> {
    Ok(conn
        .prepare_cached(
            "SELECT village_id FROM team_villages WHERE team_id = ?1 ORDER BY village_id",
        )?
        .query_map(params![team.to_string()], |r| rows::col(r, 0))?
        .collect::<Result<_, _>>()?)
}

pub(crate) fn member(conn: &Connection, id: MemberId) -> Result<Option<Member>, CentralError> {
    Ok(conn
        .prepare_cached(
            "SELECT id, commune_id, team_id, full_name, role FROM members WHERE id = ?1",
        )?
        .query_row(params![id.to_string()], member_from_row)
        .optional()?)
}

/// Whether a member exists in this commune (any status: history keeps the
/// names of people who have left).
pub(crate) fn member_in_commune(
    conn: &Connection,
    id: MemberId,
    commune: CommuneId,
) -> Result<bool, CentralError> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM members WHERE id = ?1 AND commune_id = ?2")?
        .exists(params![id.to_string(), commune.to_string()])?)
}

/// The catalogue entry's `active` flag, or None when the commune has no
/// such action.
pub(crate) fn catalogue_active(
    conn: &Connection,
    commune: CommuneId,
    code: &str,
) -> Result<Option<bool>, CentralError> {
    Ok(conn
        .prepare_cached("SELECT active FROM action_catalogue WHERE commune_id = ?1 AND code = ?2")?
        .query_row(params![commune.to_string(), code], |r| r.get(0))
        .optional()?)
}

/// Which villages a member reads and writes.
pub(crate) fn scope_for(conn: &Connection, member: &Member) -> Result<Scope, CentralError> {
    let village_ids = match (member.role, member.team_id) {
        (Role::CommuneOfficer | Role::Admin, _) => conn
            .prepare_cached("SELECT id FROM villages WHERE commune_id = ?1 ORDER BY id")?
            .query_map(params![member.commune_id.to_string()], |r| rows::col(r, 0))?
            .collect::<Result<_, _>>()?,
        (_, Some(team)) => team_villages(conn, team)?,
        (_, None) => Vec::new(),
    };
    Ok(Scope {
        commune_id: member.commune_id,
        role: member.role,
        village_ids,
    })
}

fn member_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Member> {
    Ok(Member {
        id: rows::col(r, 0)?,
        commune_id: rows::col(r, 1)?,
        team_id: rows::opt_col(r, 2)?,
        full_name: r.get(3)?,
        role: rows::col(r, 4)?,
    })
}
