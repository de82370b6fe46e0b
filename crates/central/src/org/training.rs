//! Members' training sessions, as the commune office records them (`admin
//! training add`, the web page `/training`): one row per session (topic,
//! day) and one per member who attended. A session recorded by mistake is
//! deleted whole (`admin training delete`, the page's delete button), and
//! the deletion leaves a row in `training_deletions` in the same
//! transaction: who, which session as it was, when (listed on `/audit`). The rules that judge them (who
//! counts, trained this year, the end-of-Q2 goal) are
//! `gocua_core::training`'s; this module only keeps and hands out records.
//!
//! Who receives which records with the organisation (`org_for`): a member
//! their own, a team leader their team's members', officers and admins the
//! commune's. Training is about members, not residents, but a member has no
//! need of their teammates' record.

use crate::backend::sql::{Row, Tx, vals};
use crate::lookups::member;
use crate::{CentralDb, CentralError, stamp};
use chrono::NaiveDate;
use gocua_core::text::normalize_name;
use gocua_core::training::{TrainingError, TrainingRecord, check_session};
use gocua_core::{CommuneId, Member, MemberId, Role};
use serde::Serialize;
use std::collections::HashMap;

/// One recorded session and who attended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrainingSession {
    pub id: String,
    pub topic: String,
    pub day: NaiveDate,
    /// Each once, in id order when read back.
    pub member_ids: Vec<MemberId>,
    /// The officer who recorded it on the web; None from the command line.
    pub recorded_by: Option<MemberId>,
    /// RFC 3339 UTC.
    pub recorded_at: String,
}

/// A deleted session, as the audit lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrainingDeletion {
    pub id: i64,
    /// The officer on the web; None from the command line.
    pub member_id: Option<MemberId>,
    /// Who, in words: the officer's name, or `admin:USER`.
    pub actor: String,
    pub session_id: String,
    pub topic: String,
    pub day: NaiveDate,
    /// Whom it had counted.
    pub member_ids: Vec<MemberId>,
    /// RFC 3339 UTC.
    pub at: String,
}

/// A topic as kept: NFC, single spaces, no control characters.
fn clean_topic(raw: &str) -> String {
    let printable: String = raw.chars().filter(|c| !c.is_control()).collect();
    normalize_name(&printable)
}

impl CentralDb {
    /// Record a session of `commune` attended by `members` (each a member
    /// of the commune; repeats count once). `today` is Vietnam's: a session
    /// cannot be dated after it.
    pub fn record_training(
        &self,
        commune: CommuneId,
        topic: &str,
        day: NaiveDate,
        members: &[MemberId],
        recorded_by: Option<MemberId>,
        today: NaiveDate,
    ) -> Result<TrainingSession, CentralError> {
        let topic = clean_topic(topic);
        check_session(&topic, day, today)?;
        let mut member_ids = Vec::with_capacity(members.len());
        for m in members {
            if !member_ids.contains(m) {
                member_ids.push(*m);
            }
        }
        if member_ids.is_empty() {
            return Err(TrainingError::NoMember.into());
        }
        let session = TrainingSession {
            id: uuid::Uuid::now_v7().to_string(),
            topic,
            day,
            member_ids,
            recorded_by,
            recorded_at: stamp(chrono::Utc::now()),
        };
        self.write(|tx| {
            if !tx.exists(
                "SELECT 1 FROM communes WHERE id = $1",
                vals![commune.to_string()],
            )? {
                return Err(CentralError::not_found("commune", commune));
            }
            for m in &session.member_ids {
                let found = member(tx, *m)?.ok_or_else(|| CentralError::not_found("member", m))?;
                if found.commune_id != commune {
                    return Err(CentralError::OtherCommune {
                        what: "member",
                        id: m.to_string(),
                    });
                }
            }
            tx.execute(
                "INSERT INTO training_sessions (id, commune_id, topic, day, recorded_by,
                     recorded_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                vals![
                    session.id.as_str(),
                    commune.to_string(),
                    session.topic.as_str(),
                    session.day.to_string(),
                    session.recorded_by.map(|m| m.to_string()),
                    session.recorded_at.as_str()
                ],
            )?;
            for m in &session.member_ids {
                tx.execute(
                    "INSERT INTO training_attendance (session_id, member_id) VALUES ($1, $2)",
                    vals![session.id.as_str(), m.to_string()],
                )?;
            }
            Ok(())
        })?;
        Ok(session)
    }

    /// The commune's sessions, the latest day first.
    pub fn training_sessions(
        &self,
        commune: CommuneId,
    ) -> Result<Vec<TrainingSession>, CentralError> {
        self.read(|tx| {
            let c = commune.to_string();
            let mut sessions: Vec<TrainingSession> = tx
                .query(
                    "SELECT id, topic, day, recorded_by, recorded_at FROM training_sessions
                     WHERE commune_id = $1 ORDER BY day DESC, recorded_at DESC, id",
                    vals![c.as_str()],
                )?
                .iter()
                .map(|r| {
                    Ok(TrainingSession {
                        id: r.string(0)?,
                        topic: r.string(1)?,
                        day: r.parse(2)?,
                        member_ids: Vec::new(),
                        recorded_by: r.opt_parse(3)?,
                        recorded_at: r.string(4)?,
                    })
                })
                .collect::<Result<_, CentralError>>()?;
            let index: HashMap<String, usize> = sessions
                .iter()
                .enumerate()
                .map(|(i, s)| (s.id.clone(), i))
                .collect();
            for r in tx.query(
                "SELECT a.session_id, a.member_id FROM training_attendance a
                 JOIN training_sessions s ON s.id = a.session_id
                 WHERE s.commune_id = $1 ORDER BY a.session_id, a.member_id",
                vals![c.as_str()],
            )? {
                if let Some(&i) = index.get(r.text(0)?) {
                    sessions[i].member_ids.push(r.parse(1)?);
                }
            }
            Ok(sessions)
        })
    }

    /// Delete a session of `commune` recorded by mistake, as `by` (None:
    /// the command line) named `actor`; the deletion is audited in the
    /// same transaction. NotFound for a session of another commune.
    pub fn delete_training(
        &self,
        commune: CommuneId,
        session: &str,
        by: Option<MemberId>,
        actor: &str,
    ) -> Result<TrainingSession, CentralError> {
        let at = stamp(chrono::Utc::now());
        self.write(|tx| {
            let row = tx
                .query_opt(
                    "SELECT id, topic, day, recorded_by, recorded_at FROM training_sessions
                     WHERE id = $1 AND commune_id = $2",
                    vals![session, commune.to_string()],
                )?
                .ok_or_else(|| CentralError::not_found("training session", session))?;
            let mut gone = TrainingSession {
                id: row.string(0)?,
                topic: row.string(1)?,
                day: row.parse(2)?,
                member_ids: Vec::new(),
                recorded_by: row.opt_parse(3)?,
                recorded_at: row.string(4)?,
            };
            gone.member_ids = tx
                .query(
                    "SELECT member_id FROM training_attendance WHERE session_id = $1
                     ORDER BY member_id",
                    vals![gone.id.as_str()],
                )?
                .iter()
                .map(|r| r.parse(0))
                .collect::<Result<_, _>>()?;
            tx.execute(
                "DELETE FROM training_attendance WHERE session_id = $1",
                vals![gone.id.as_str()],
            )?;
            tx.execute(
                "DELETE FROM training_sessions WHERE id = $1",
                vals![gone.id.as_str()],
            )?;
            tx.execute(
                "INSERT INTO training_deletions (commune_id, member_id, actor, session_id, topic,
                     day, member_ids, at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                vals![
                    commune.to_string(),
                    by.map(|m| m.to_string()),
                    actor,
                    gone.id.as_str(),
                    gone.topic.as_str(),
                    gone.day.to_string(),
                    crate::backend::sql::to_json(&gone.member_ids)?,
                    at.as_str()
                ],
            )?;
            Ok(gone)
        })
    }

    /// The commune's deleted sessions, the latest deletion first.
    pub fn training_deletions(
        &self,
        commune: CommuneId,
        limit: u32,
    ) -> Result<Vec<TrainingDeletion>, CentralError> {
        self.read(|tx| {
            tx.query(
                &format!(
                    "SELECT {DELETION_COLUMNS} FROM training_deletions WHERE commune_id = $1
                     ORDER BY id DESC LIMIT $2"
                ),
                vals![commune.to_string(), limit.clamp(1, crate::MAX_AUDIT_PAGE)],
            )?
            .iter()
            .map(deletion_entry)
            .collect()
        })
    }

    /// Every member's attendance in the commune.
    pub fn training_records(
        &self,
        commune: CommuneId,
    ) -> Result<Vec<TrainingRecord>, CentralError> {
        self.read(|tx| commune_records(tx, commune))
    }
}

/// The columns `deletion_entry` reads.
pub(crate) const DELETION_COLUMNS: &str =
    "id, member_id, actor, session_id, topic, day, member_ids, at";

/// One row of `DELETION_COLUMNS`.
pub(crate) fn deletion_entry(r: &Row) -> Result<TrainingDeletion, CentralError> {
    Ok(TrainingDeletion {
        id: r.int(0)?,
        member_id: r.opt_parse(1)?,
        actor: r.string(2)?,
        session_id: r.string(3)?,
        topic: r.string(4)?,
        day: r.parse(5)?,
        member_ids: r.json(6)?,
        at: r.string(7)?,
    })
}

fn records(tx: &mut dyn Tx, filter: &str, id: String) -> Result<Vec<TrainingRecord>, CentralError> {
    let sql = format!(
        "SELECT a.member_id, s.topic, s.day FROM training_attendance a
         JOIN training_sessions s ON s.id = a.session_id
         JOIN members m ON m.id = a.member_id
         WHERE {filter} ORDER BY s.day, s.topic, a.member_id"
    );
    tx.query(&sql, vals![id])?
        .iter()
        .map(|r| {
            Ok(TrainingRecord {
                member_id: r.parse(0)?,
                topic: r.string(1)?,
                day: r.parse(2)?,
            })
        })
        .collect()
}

fn commune_records(
    tx: &mut dyn Tx,
    commune: CommuneId,
) -> Result<Vec<TrainingRecord>, CentralError> {
    records(tx, "s.commune_id = $1", commune.to_string())
}

/// The records `member`'s device may hold (see the module comment).
pub(crate) fn records_for(
    tx: &mut dyn Tx,
    member: &Member,
) -> Result<Vec<TrainingRecord>, CentralError> {
    match (member.role, member.team_id) {
        (Role::CommuneOfficer | Role::Admin, _) => commune_records(tx, member.commune_id),
        (Role::TeamLeader, Some(team)) => records(tx, "m.team_id = $1", team.to_string()),
        _ => records(tx, "a.member_id = $1", member.id.to_string()),
    }
}
