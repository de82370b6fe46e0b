//! The commune's organisation and action catalogue. Both are owned by the
//! server and copied to the device as a whole; neither enters the outbox.

use crate::{Store, StoreError, rows};
use gocua_core::catalogue::seed_catalogue;
use gocua_core::credit::Roster;
use gocua_core::text::{vietnamese_cmp, vietnamese_name_cmp};
use gocua_core::{
    CatalogueEntry, Commune, Member, MemberId, OrgSnapshot, Role, Team, TeamId, Village, VillageId,
};
use rusqlite::{Connection, OptionalExtension, params};

pub(crate) fn seed_catalogue_if_empty(conn: &Connection) -> Result<(), StoreError> {
    let n: i64 = conn.query_row("SELECT count(*) FROM action_catalogue", [], |r| r.get(0))?;
    if n == 0 {
        for e in seed_catalogue() {
            upsert_catalogue_entry(conn, &e)?;
        }
    }
    Ok(())
}

fn upsert_catalogue_entry(conn: &Connection, e: &CatalogueEntry) -> Result<(), StoreError> {
    e.validate()?;
    conn.prepare_cached(
        "INSERT INTO action_catalogue
             (code, name_vi, eligibility, in_checklist, essential_platform, active, sort_order)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (code) DO UPDATE SET name_vi = excluded.name_vi,
             eligibility = excluded.eligibility, in_checklist = excluded.in_checklist,
             essential_platform = excluded.essential_platform, active = excluded.active,
             sort_order = excluded.sort_order",
    )?
    .execute(params![
        e.code.as_str(),
        e.name_vi,
        e.eligibility.as_str(),
        e.in_checklist,
        e.essential_platform,
        e.active,
        e.sort_order
    ])?;
    Ok(())
}

/// Upsert the organisation inside the caller's transaction.
pub(crate) fn write_org(conn: &Connection, org: &OrgSnapshot) -> Result<(), StoreError> {
    let c = &org.commune;
    conn.execute(
        "INSERT INTO communes (id, name, province) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, province = excluded.province",
        params![c.id.to_string(), c.name, c.province],
    )?;
    for v in &org.villages {
        conn.execute(
            "INSERT INTO villages (id, commune_id, name) VALUES (?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name",
            params![v.id.to_string(), v.commune_id.to_string(), v.name],
        )?;
    }
    for t in &org.teams {
        conn.execute(
            "INSERT INTO teams (id, commune_id, name) VALUES (?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name",
            params![t.id.to_string(), t.commune_id.to_string(), t.name],
        )?;
        conn.execute(
            "DELETE FROM team_villages WHERE team_id = ?1",
            params![t.id.to_string()],
        )?;
        for v in &t.village_ids {
            conn.execute(
                "INSERT INTO team_villages (team_id, village_id) VALUES (?1, ?2)",
                params![t.id.to_string(), v.to_string()],
            )?;
        }
    }
    for m in &org.members {
        conn.execute(
            "INSERT INTO members (id, commune_id, team_id, full_name, role)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO UPDATE SET team_id = excluded.team_id,
                 full_name = excluded.full_name, role = excluded.role",
            params![
                m.id.to_string(),
                m.commune_id.to_string(),
                m.team_id.map(|t| t.to_string()),
                m.full_name,
                m.role.as_str()
            ],
        )?;
    }
    Ok(())
}

/// Upsert catalogue entries inside the caller's transaction.
pub(crate) fn write_catalogue(
    conn: &Connection,
    entries: &[CatalogueEntry],
) -> Result<(), StoreError> {
    for e in entries {
        upsert_catalogue_entry(conn, e)?;
    }
    Ok(())
}

impl Store {
    /// Replace the local copy of the organisation with the server's.
    pub fn import_org(&mut self, org: &OrgSnapshot) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        write_org(&tx, org)?;
        tx.commit()?;
        Ok(())
    }

    /// The local copy of the organisation, if any was imported.
    pub fn org(&self) -> Result<Option<OrgSnapshot>, StoreError> {
        let conn = self.conn();
        let Some(commune) = conn
            .query_row("SELECT id, name, province FROM communes LIMIT 1", [], |r| {
                Ok(Commune {
                    id: rows::col(r, 0)?,
                    name: r.get(1)?,
                    province: r.get(2)?,
                })
            })
            .optional()?
        else {
            return Ok(None);
        };
        let mut villages: Vec<Village> = conn
            .prepare("SELECT id, commune_id, name FROM villages")?
            .query_map([], |r| {
                Ok(Village {
                    id: rows::col(r, 0)?,
                    commune_id: rows::col(r, 1)?,
                    name: r.get(2)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        villages.sort_by(|a, b| vietnamese_cmp(&a.name, &b.name));
        let mut teams: Vec<Team> = conn
            .prepare("SELECT id, commune_id, name FROM teams")?
            .query_map([], |r| {
                Ok(Team {
                    id: rows::col(r, 0)?,
                    commune_id: rows::col(r, 1)?,
                    name: r.get(2)?,
                    village_ids: Vec::new(),
                })
            })?
            .collect::<Result<_, _>>()?;
        for t in &mut teams {
            t.village_ids = self.team_villages(t.id)?;
        }
        teams.sort_by(|a, b| vietnamese_cmp(&a.name, &b.name));
        let mut members: Vec<Member> = conn
            .prepare("SELECT id, commune_id, team_id, full_name, role FROM members")?
            .query_map([], member_from_row)?
            .collect::<Result<_, _>>()?;
        members.sort_by(|a, b| vietnamese_name_cmp(&a.full_name, &b.full_name));
        Ok(Some(OrgSnapshot {
            commune,
            villages,
            teams,
            members,
        }))
    }

    pub fn member(&self, id: MemberId) -> Result<Member, StoreError> {
        self.conn()
            .prepare_cached(
                "SELECT id, commune_id, team_id, full_name, role FROM members WHERE id = ?1",
            )?
            .query_row(params![id.to_string()], member_from_row)
            .optional()?
            .ok_or_else(|| StoreError::not_found("member", id))
    }

    pub fn team_villages(&self, team: TeamId) -> Result<Vec<VillageId>, StoreError> {
        Ok(self
            .conn()
            .prepare_cached("SELECT village_id FROM team_villages WHERE team_id = ?1")?
            .query_map(params![team.to_string()], |r| rows::col(r, 0))?
            .collect::<Result<_, _>>()?)
    }

    pub fn team_members(&self, team: TeamId) -> Result<Vec<MemberId>, StoreError> {
        Ok(self
            .conn()
            .prepare_cached("SELECT id FROM members WHERE team_id = ?1 ORDER BY id")?
            .query_map(params![team.to_string()], |r| rows::col(r, 0))?
            .collect::<Result<_, _>>()?)
    }

    /// The action catalogue in display order, retired entries included.
    pub fn catalogue(&self) -> Result<Vec<CatalogueEntry>, StoreError> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT code, name_vi, eligibility, in_checklist, essential_platform, active,
                        sort_order
                 FROM action_catalogue ORDER BY sort_order, code",
            )?
            .query_map([], |r| {
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

    /// Add, rename or retire catalogue entries (as the server sends them).
    pub fn import_catalogue(&mut self, entries: &[CatalogueEntry]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        write_catalogue(&tx, entries)?;
        tx.commit()?;
        Ok(())
    }
}

/// The commune's members as the credit rule needs them
/// (`gocua_core::credit`), from the organisation the server sent.
pub(crate) fn roster(conn: &Connection) -> Result<Roster, StoreError> {
    let mut roster = Roster::new();
    let mut stmt = conn.prepare_cached("SELECT id, role, team_id FROM members")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        roster.add_member(rows::col(r, 0)?, rows::col(r, 1)?, rows::opt_col(r, 2)?);
    }
    let mut stmt = conn.prepare_cached("SELECT team_id, village_id FROM team_villages")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        roster.add_team_village(rows::col(r, 0)?, rows::col(r, 1)?);
    }
    Ok(roster)
}

/// A member's role, if the organisation holds them.
pub(crate) fn member_role(conn: &Connection, id: MemberId) -> Result<Option<Role>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT role FROM members WHERE id = ?1")?
        .query_row(params![id.to_string()], |r| rows::col(r, 0))
        .optional()?)
}

/// The member this device is enrolled for, and their role (None before
/// enrollment, or when the organisation does not hold them yet).
pub(crate) fn enrolled_member(conn: &Connection) -> Result<Option<(MemberId, Role)>, StoreError> {
    let me: Option<MemberId> = conn
        .prepare_cached("SELECT member_id FROM enrollment WHERE singleton = 1")?
        .query_row([], |r| rows::col(r, 0))
        .optional()?;
    let Some(me) = me else { return Ok(None) };
    Ok(member_role(conn, me)?.map(|role| (me, role)))
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
