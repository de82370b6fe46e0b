-- PostgreSQL edition of migrations/server/0013_training_deletions.sql.
CREATE TABLE training_deletions (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    commune_id   TEXT COLLATE "C" NOT NULL REFERENCES communes(id),
    member_id    TEXT COLLATE "C" REFERENCES members(id),
    actor        TEXT NOT NULL,
    session_id   TEXT COLLATE "C" NOT NULL,
    topic        TEXT NOT NULL,
    day          TEXT COLLATE "C" NOT NULL,
    member_ids   TEXT NOT NULL,
    at           TEXT COLLATE "C" NOT NULL
);
CREATE INDEX training_deletions_commune ON training_deletions(commune_id, id);
