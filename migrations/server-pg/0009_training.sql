-- PostgreSQL edition of migrations/server/0009_training.sql: the same
-- tables; ids, days and times compared byte by byte (COLLATE "C").

CREATE TABLE training_sessions (
    id           TEXT COLLATE "C" PRIMARY KEY,
    commune_id   TEXT COLLATE "C" NOT NULL REFERENCES communes(id),
    topic        TEXT NOT NULL,
    day          TEXT COLLATE "C" NOT NULL,
    recorded_by  TEXT COLLATE "C" REFERENCES members(id),
    recorded_at  TEXT COLLATE "C" NOT NULL
);
CREATE INDEX training_sessions_commune_day ON training_sessions(commune_id, day);

CREATE TABLE training_attendance (
    session_id  TEXT COLLATE "C" NOT NULL REFERENCES training_sessions(id),
    member_id   TEXT COLLATE "C" NOT NULL REFERENCES members(id),
    PRIMARY KEY (session_id, member_id)
);
CREATE INDEX training_attendance_member ON training_attendance(member_id);
