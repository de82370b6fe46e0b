//! The communes' organisation (villages, teams, members with roles), each
//! commune's action catalogue and targets: what the admin commands create and
//! what devices receive with `org_for`. The commune secret stays here.

pub(crate) mod enroll;
pub(crate) mod import;
pub(crate) mod import_ledger;
pub(crate) mod import_undo;
pub(crate) mod registry_state;
pub(crate) mod training;

use crate::backend::sql::{Tx, vals};
use crate::lookups::{catalogue, member, org_snapshot, village_commune};
use crate::scopes::scope_for;
use crate::{CentralDb, CentralError, DeviceAuth, Scope, ServerKey, random_32, stamp};
use gocua_core::catalogue::seed_catalogue;
use gocua_core::indicators::Indicator;
use gocua_core::text::normalize_name;
use gocua_core::validate::{self, ValidationErrors};
use gocua_core::{
    CatalogueEntry, Commune, CommuneId, Member, MemberId, OrgSnapshot, Role, Team, TeamId, Village,
    VillageId,
};
use serde::Serialize;

/// What a device receives about its organisation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrgView {
    pub member: Member,
    pub scope: Scope,
    pub org: OrgSnapshot,
    pub catalogue: Vec<CatalogueEntry>,
    /// The members' training records this device may hold
    /// (`training::records_for`).
    pub training: Vec<gocua_core::training::TrainingRecord>,
    /// The change log's identity and the commune's last `seq` in it
    /// (`log_identity.rs`).
    pub log_id: String,
    pub log_end: i64,
    /// The log identity this device last said it re-sent its work to.
    pub resent_log_id: Option<String>,
}

/// A commune's target for one indicator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    pub indicator: String,
    pub percent: f64,
    pub updated_at: String,
}

/// A name as kept: NFC, single spaces, no control characters (which
/// PostgreSQL text refuses, and nobody means to type).
pub(crate) fn clean_name(field: &'static str, raw: &str) -> Result<String, CentralError> {
    let printable: String = raw.chars().filter(|c| !c.is_control()).collect();
    let name = normalize_name(&printable);
    validate::required_text(field, &name).map_err(ValidationErrors::from)?;
    Ok(name)
}

impl CentralDb {
    /// A new commune with its own secret and the seed catalogue.
    pub fn create_commune(&self, name: &str, province: &str) -> Result<Commune, CentralError> {
        let commune = Commune {
            id: CommuneId::new(),
            name: clean_name("name", name)?,
            province: clean_name("name", province)?,
        };
        self.write(|tx| insert_commune(tx, self.key(), &commune))?;
        Ok(commune)
    }

    pub fn add_village(&self, commune: CommuneId, name: &str) -> Result<Village, CentralError> {
        let village = Village {
            id: VillageId::new(),
            commune_id: commune,
            name: clean_name("name", name)?,
        };
        self.write(|tx| {
            require_commune(tx, commune)?;
            insert_village(tx, &village)
        })?;
        Ok(village)
    }

    /// A team covering `villages`, all of the same commune.
    pub fn add_team(
        &self,
        commune: CommuneId,
        name: &str,
        villages: &[VillageId],
    ) -> Result<Team, CentralError> {
        let mut village_ids = villages.to_vec();
        village_ids.sort();
        village_ids.dedup();
        let team = Team {
            id: TeamId::new(),
            commune_id: commune,
            name: clean_name("name", name)?,
            village_ids,
        };
        self.write(|tx| {
            require_commune(tx, commune)?;
            for v in villages {
                match village_commune(tx, *v)? {
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
            insert_team(tx, &team)
        })?;
        Ok(team)
    }

    /// Change the villages a team covers (the whole list, replacing the old
    /// one). Its members' devices see the new scope on their next sync and
    /// fetch the history of the villages they gained.
    pub fn set_team_villages(
        &self,
        team: TeamId,
        villages: &[VillageId],
    ) -> Result<Team, CentralError> {
        let mut village_ids = villages.to_vec();
        village_ids.sort();
        village_ids.dedup();
        if village_ids.is_empty() {
            return Err(CentralError::Invalid(
                validate::ValidationError::Empty { field: "village" }.into(),
            ));
        }
        self.write(|tx| {
            let row = tx
                .query_opt(
                    "SELECT commune_id, name FROM teams WHERE id = $1",
                    vals![team.to_string()],
                )?
                .ok_or_else(|| CentralError::not_found("team", team))?;
            let t = Team {
                id: team,
                commune_id: row.parse(0)?,
                name: row.string(1)?,
                village_ids,
            };
            tx.execute(
                "DELETE FROM team_villages WHERE team_id = $1",
                vals![team.to_string()],
            )?;
            insert_team_villages(tx, &t)?;
            Ok(t)
        })
    }

    /// A member of the commune. Members and leaders belong to a team of the
    /// same commune; officers and admins to none.
    pub fn add_member(
        &self,
        commune: CommuneId,
        team: Option<TeamId>,
        full_name: &str,
        role: Role,
    ) -> Result<Member, CentralError> {
        let member = Member {
            id: MemberId::new(),
            commune_id: commune,
            team_id: team,
            full_name: clean_name("full_name", full_name)?,
            role,
        };
        self.write(|tx| {
            require_commune(tx, commune)?;
            check_member_team(tx, &member)?;
            insert_member(tx, &member)
        })?;
        Ok(member)
    }

    /// Load a whole organisation at once (the demo, or a migration from
    /// another system), with a fresh secret and the seed catalogue.
    pub fn import_org(&self, org: &OrgSnapshot) -> Result<(), CentralError> {
        self.write(|tx| {
            insert_commune(tx, self.key(), &org.commune)?;
            for v in &org.villages {
                insert_village(tx, v)?;
            }
            for t in &org.teams {
                insert_team(tx, t)?;
            }
            for m in &org.members {
                check_member_team(tx, m)?;
                insert_member(tx, m)?;
            }
            Ok(())
        })
    }

    /// Set (or change) the commune's target for an indicator, in percent.
    pub fn set_target(
        &self,
        commune: CommuneId,
        indicator: &str,
        percent: f64,
    ) -> Result<Target, CentralError> {
        // A code no report counts would be stored and never shown, while
        // the target meant stays unset.
        let code = Indicator::from_code(&indicator.trim().to_ascii_lowercase())
            .ok_or_else(|| CentralError::UnknownIndicator(indicator.to_string()))?
            .code();
        if !(0.0..=100.0).contains(&percent) {
            return Err(CentralError::Percent);
        }
        let updated_at = stamp(chrono::Utc::now());
        self.write(|tx| {
            require_commune(tx, commune)?;
            tx.execute(
                "INSERT INTO targets (commune_id, indicator, percent, updated_at)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (commune_id, indicator) DO UPDATE SET
                     percent = excluded.percent, updated_at = excluded.updated_at",
                vals![commune.to_string(), code, percent, updated_at.as_str()],
            )
        })?;
        Ok(Target {
            indicator: code.to_string(),
            percent,
            updated_at,
        })
    }

    pub fn targets(&self, commune: CommuneId) -> Result<Vec<Target>, CentralError> {
        self.read(|tx| {
            tx.query(
                "SELECT indicator, percent, updated_at FROM targets
                 WHERE commune_id = $1 ORDER BY indicator",
                vals![commune.to_string()],
            )?
            .iter()
            .map(|r| {
                Ok(Target {
                    indicator: r.string(0)?,
                    percent: r.real(1)?,
                    updated_at: r.string(2)?,
                })
            })
            .collect()
        })
    }

    pub fn member(&self, id: MemberId) -> Result<Member, CentralError> {
        self.read(|tx| member(tx, id))?
            .ok_or_else(|| CentralError::not_found("member", id))
    }

    /// The commune's whole organisation, in Vietnamese order.
    pub fn org_snapshot(&self, commune: CommuneId) -> Result<OrgSnapshot, CentralError> {
        self.read(|tx| org_snapshot(tx, commune))
    }

    /// The commune's catalogue in display order, retired entries included.
    pub fn catalogue(&self, commune: CommuneId) -> Result<Vec<CatalogueEntry>, CentralError> {
        self.read(|tx| catalogue(tx, commune))
    }

    /// Everything a device needs about its organisation, refreshed each sync.
    pub fn org_for(&self, auth: &DeviceAuth) -> Result<OrgView, CentralError> {
        self.read(|tx| {
            // Read afresh: the member's team or role may have changed since
            // the token was checked.
            let member = member(tx, auth.member.id)?
                .ok_or_else(|| CentralError::not_found("member", auth.member.id))?;
            let scope = scope_for(tx, &member)?;
            let resent_log_id = tx
                .query_opt(
                    "SELECT resent_log_id FROM devices WHERE id = $1",
                    vals![auth.device_id.to_string()],
                )?
                .map(|r| r.opt_string(0))
                .transpose()?
                .flatten();
            Ok(OrgView {
                org: org_snapshot(tx, scope.commune_id)?,
                catalogue: catalogue(tx, scope.commune_id)?,
                training: crate::org::training::records_for(tx, &member)?,
                log_id: crate::log_identity::current(tx)?,
                log_end: crate::log_identity::log_end(tx, scope.commune_id)?,
                resent_log_id,
                member,
                scope,
            })
        })
    }
}

/// A new commune, its CCCD secret random and kept only wrapped under the
/// server key.
fn insert_commune(tx: &mut dyn Tx, key: &ServerKey, c: &Commune) -> Result<(), CentralError> {
    let name = clean_name("name", &c.name)?;
    let province = clean_name("name", &c.province)?;
    tx.execute(
        "INSERT INTO communes (id, name, province, secret_hex, secret_wrapped, created_at)
         VALUES ($1, $2, $3, $4, 1, $5)",
        vals![
            c.id.to_string(),
            name,
            province,
            key.wrap(c.id, &random_32()),
            stamp(chrono::Utc::now())
        ],
    )?;
    for e in seed_catalogue() {
        tx.execute(
            "INSERT INTO action_catalogue (commune_id, code, name_vi, eligibility, in_checklist,
                 essential_platform, active, sort_order)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            vals![
                c.id.to_string(),
                e.code.as_str(),
                e.name_vi.as_str(),
                e.eligibility.as_str(),
                e.in_checklist,
                e.essential_platform,
                e.active,
                i64::from(e.sort_order)
            ],
        )?;
    }
    Ok(())
}

fn insert_village(tx: &mut dyn Tx, v: &Village) -> Result<(), CentralError> {
    let name = clean_name("name", &v.name)?;
    tx.execute(
        "INSERT INTO villages (id, commune_id, name) VALUES ($1, $2, $3)",
        vals![v.id.to_string(), v.commune_id.to_string(), name],
    )?;
    Ok(())
}

fn insert_team(tx: &mut dyn Tx, t: &Team) -> Result<(), CentralError> {
    let name = clean_name("name", &t.name)?;
    tx.execute(
        "INSERT INTO teams (id, commune_id, name) VALUES ($1, $2, $3)",
        vals![t.id.to_string(), t.commune_id.to_string(), name],
    )?;
    insert_team_villages(tx, t)
}

/// A team's villages, each checked to be of the team's commune.
fn insert_team_villages(tx: &mut dyn Tx, t: &Team) -> Result<(), CentralError> {
    for v in &t.village_ids {
        if village_commune(tx, *v)? != Some(t.commune_id) {
            return Err(CentralError::OtherCommune {
                what: "village",
                id: v.to_string(),
            });
        }
        tx.execute(
            "INSERT INTO team_villages (team_id, village_id) VALUES ($1, $2)
             ON CONFLICT DO NOTHING",
            vals![t.id.to_string(), v.to_string()],
        )?;
    }
    Ok(())
}

fn insert_member(tx: &mut dyn Tx, m: &Member) -> Result<(), CentralError> {
    let name = clean_name("full_name", &m.full_name)?;
    tx.execute(
        "INSERT INTO members (id, commune_id, team_id, full_name, role, active)
         VALUES ($1, $2, $3, $4, $5, 1)",
        vals![
            m.id.to_string(),
            m.commune_id.to_string(),
            m.team_id.map(|t| t.to_string()),
            name,
            m.role.as_str()
        ],
    )?;
    Ok(())
}

fn check_member_team(tx: &mut dyn Tx, m: &Member) -> Result<(), CentralError> {
    match (m.team_id, m.role) {
        (None, Role::Member | Role::TeamLeader) => Err(CentralError::TeamRequired),
        (None, _) => Ok(()),
        (Some(team), _) => {
            let commune: Option<CommuneId> = tx
                .query_opt(
                    "SELECT commune_id FROM teams WHERE id = $1",
                    vals![team.to_string()],
                )?
                .map(|r| r.parse(0))
                .transpose()?;
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

fn require_commune(tx: &mut dyn Tx, commune: CommuneId) -> Result<(), CentralError> {
    if tx.exists(
        "SELECT 1 FROM communes WHERE id = $1",
        vals![commune.to_string()],
    )? {
        Ok(())
    } else {
        Err(CentralError::not_found("commune", commune))
    }
}
