-- The change log's identity (issue 14). Devices keep the identity of the
-- log that holds everything they sent; a restore from a backup gives the
-- log a new one, so every device learns that what it sent after the backup
-- may be gone, and sends it again (docs/sync.md, "After a restore").
-- One row, made when the database is first opened.
CREATE TABLE change_log_identity (
    singleton      INTEGER PRIMARY KEY CHECK (singleton = 1),
    log_id         TEXT NOT NULL,
    started_at     TEXT NOT NULL,
    -- Set by `admin restore`: when, and from which backup file.
    restored_at    TEXT,
    restored_from  TEXT
);
-- The last log identity the device said it had sent all its work to: after
-- a restore, the office sees which devices have not yet.
ALTER TABLE devices ADD COLUMN resent_log_id TEXT;
