-- Members' training sessions (crates/store/src/central/training.rs): the
-- commune office records each session once — its topic and day — with the
-- members who attended. The plans want every team member trained by the end
-- of Q2; the rules are gocua_core::training's. Numbered 0009: 0008 is
-- another branch's; the lead renumbers when both land.

CREATE TABLE training_sessions (
    id           TEXT PRIMARY KEY,
    commune_id   TEXT NOT NULL REFERENCES communes(id),
    topic        TEXT NOT NULL,
    -- YYYY-MM-DD, the day in Vietnam.
    day          TEXT NOT NULL,
    -- Who recorded it (an officer on the web), or NULL from `admin training`.
    recorded_by  TEXT REFERENCES members(id),
    recorded_at  TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX training_sessions_commune_day ON training_sessions(commune_id, day);

CREATE TABLE training_attendance (
    session_id  TEXT NOT NULL REFERENCES training_sessions(id),
    member_id   TEXT NOT NULL REFERENCES members(id),
    PRIMARY KEY (session_id, member_id)
) WITHOUT ROWID;
-- A leader's phone gets its team's members' records on each org refresh.
CREATE INDEX training_attendance_member ON training_attendance(member_id);
