-- Training sessions deleted because they were recorded by mistake (the
-- wrong member ticked, the wrong day): the session and its attendance go,
-- and a row here says who deleted which session — its topic, day and
-- attendees as they were — and when, for the commune office's audit
-- (crates/store/src/central/training.rs, the page /audit). Rows are only
-- ever added.
CREATE TABLE training_deletions (
    id           INTEGER PRIMARY KEY,
    commune_id   TEXT NOT NULL REFERENCES communes(id),
    -- The officer on the web, or NULL from `admin training delete`.
    member_id    TEXT REFERENCES members(id),
    actor        TEXT NOT NULL,
    session_id   TEXT NOT NULL,
    topic        TEXT NOT NULL,
    day          TEXT NOT NULL,
    -- The members it counted, a JSON array of ids.
    member_ids   TEXT NOT NULL,
    at           TEXT NOT NULL
);
CREATE INDEX training_deletions_commune ON training_deletions(commune_id, id);
