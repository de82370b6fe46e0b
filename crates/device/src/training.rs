//! Members' training records on the device: what the server sent with the
//! organisation (a member's own, a leader's team's), replaced whole on each
//! refresh. The leader's screen judges them with `gocua_core::training`.

use crate::{Store, StoreError, rows};
use gocua_core::training::TrainingRecord;
use rusqlite::{Connection, params};

/// Replace the stored records with `records`, inside the caller's
/// transaction (the organisation refresh's).
pub(crate) fn write_training(
    conn: &Connection,
    records: &[TrainingRecord],
) -> Result<(), StoreError> {
    conn.execute("DELETE FROM member_training", [])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO member_training (member_id, day, topic) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
    )?;
    for r in records {
        insert.execute(params![r.member_id.to_string(), r.day.to_string(), r.topic])?;
    }
    Ok(())
}

impl Store {
    /// The training records held, oldest first.
    pub fn training(&self) -> Result<Vec<TrainingRecord>, StoreError> {
        Ok(self
            .conn()
            .prepare_cached(
                "SELECT member_id, day, topic FROM member_training
                 ORDER BY day, topic, member_id",
            )?
            .query_map([], |r| {
                Ok(TrainingRecord {
                    member_id: rows::col(r, 0)?,
                    day: rows::col(r, 1)?,
                    topic: r.get(2)?,
                })
            })?
            .collect::<Result<_, _>>()?)
    }
}
