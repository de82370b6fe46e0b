//! Who is asking: a paired device by its relay token (kept hashed), still a
//! member of the leader's team in the organisation the leader last synced.

use crate::{RelayError, hash_secret, leader_team};
use axum::http::HeaderMap;
use gocua_core::TeamId;
use gocua_device::{RelayMember, Store};

/// The paired device behind the request's bearer token, and the team.
pub(crate) fn paired(
    store: &Store,
    headers: &HeaderMap,
) -> Result<(RelayMember, TeamId), RelayError> {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 128)
        .ok_or_else(RelayError::unauthorized)?;
    let member = store
        .relay_member_by_token(&hash_secret(token))?
        .ok_or_else(RelayError::unauthorized)?;
    let (_, team) = leader_team(store)?;
    in_team(store, &member, team)?;
    Ok((member, team))
}

/// The device's member is in `team` (as the leader's organisation says now).
pub(crate) fn in_team(store: &Store, member: &RelayMember, team: TeamId) -> Result<(), RelayError> {
    match store.member(member.member_id) {
        Ok(m) if m.team_id == Some(team) => Ok(()),
        _ => Err(RelayError::not_your_team()),
    }
}
