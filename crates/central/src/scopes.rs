//! Which villages a member reads and writes: their team's, or the whole
//! commune's for its officers. Asked for every request a device makes, so
//! a group of pushes asks for all its members at once.

use crate::backend::sql::{ID_CHUNK, Tx, id_chunks, placeholders, vals};
use crate::{CentralError, Scope};
use gocua_core::{CommuneId, Member, MemberId, Role, TeamId, VillageId};
use std::collections::HashMap;

/// One member's scope.
pub(crate) fn scope_for(tx: &mut dyn Tx, member: &Member) -> Result<Scope, CentralError> {
    scopes_for(tx, &[member])?
        .remove(&member.id)
        .ok_or_else(|| CentralError::Backend("a member without a scope".into()))
}

/// The scopes of `members`: one statement for all their teams' villages,
/// one per commune for the commune-wide roles.
pub(crate) fn scopes_for(
    tx: &mut dyn Tx,
    members: &[&Member],
) -> Result<HashMap<MemberId, Scope>, CentralError> {
    let mut teams: Vec<String> = members
        .iter()
        .filter(|m| !commune_wide(m.role))
        .filter_map(|m| m.team_id.map(|t| t.to_string()))
        .collect();
    teams.sort_unstable();
    teams.dedup();
    let sql = format!(
        "SELECT team_id, village_id FROM team_villages WHERE team_id IN ({})
         ORDER BY team_id, village_id",
        placeholders(1, ID_CHUNK)
    );
    let mut by_team: HashMap<TeamId, Vec<VillageId>> = HashMap::new();
    for params in id_chunks(&teams) {
        for r in tx.query(&sql, &params)? {
            by_team.entry(r.parse(0)?).or_default().push(r.parse(1)?);
        }
    }
    let mut by_commune: HashMap<CommuneId, Vec<VillageId>> = HashMap::new();
    let mut out = HashMap::with_capacity(members.len());
    for m in members {
        let village_ids = if commune_wide(m.role) {
            match by_commune.get(&m.commune_id) {
                Some(v) => v.clone(),
                None => {
                    let v = commune_villages(tx, m.commune_id)?;
                    by_commune.insert(m.commune_id, v.clone());
                    v
                }
            }
        } else {
            m.team_id
                .and_then(|t| by_team.get(&t).cloned())
                .unwrap_or_default()
        };
        out.insert(
            m.id,
            Scope {
                commune_id: m.commune_id,
                role: m.role,
                village_ids,
            },
        );
    }
    Ok(out)
}

fn commune_wide(role: Role) -> bool {
    matches!(role, Role::CommuneOfficer | Role::Admin)
}

/// Every village of the commune, in id order.
pub(crate) fn commune_villages(
    tx: &mut dyn Tx,
    commune: CommuneId,
) -> Result<Vec<VillageId>, CentralError> {
    tx.query(
        "SELECT id FROM villages WHERE commune_id = $1 ORDER BY id",
        vals![commune.to_string()],
    )?
    .iter()
    .map(|r| r.parse(0))
    .collect()
}
