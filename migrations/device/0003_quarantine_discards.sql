-- Quarantined changes someone chose to give up on (`gocua quarantine
-- discard`): moved here whole, with when and why, so that giving up is
-- recorded and never silent. Nothing here is pushed or applied again.
CREATE TABLE quarantine_discards (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    direction       TEXT NOT NULL CHECK (direction IN ('pushed', 'pulled')),
    change_id       TEXT NOT NULL,
    entity          TEXT NOT NULL,
    entity_id       TEXT NOT NULL,
    -- The full change as JSON (`gocua_core::Change`).
    change          TEXT NOT NULL,
    -- Why it was quarantined.
    code            TEXT NOT NULL,
    message         TEXT NOT NULL,
    quarantined_at  TEXT NOT NULL,
    discarded_at    TEXT NOT NULL,
    -- Why it was given up, if the person said.
    note            TEXT
);
