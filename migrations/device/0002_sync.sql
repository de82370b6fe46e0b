-- Sync state of the device: whom it is enrolled with, how far it has pulled,
-- how the last sync went, and the changes it could not deliver or apply.

-- The enrollment with the commune server: one row once enrolled. The token
-- is the device's bearer secret; it lives only here, inside the encrypted
-- file, and is never printed or logged.
CREATE TABLE enrollment (
    singleton           INTEGER PRIMARY KEY CHECK (singleton = 1),
    server_url          TEXT NOT NULL,
    device_token        TEXT NOT NULL,
    -- SHA-256 (lower-case hex) of the server's TLS certificate: the only
    -- certificate this device talks to.
    server_fingerprint  TEXT NOT NULL,
    member_id           TEXT NOT NULL,
    -- What the server lets this device read and write (as the server sent it).
    scope               TEXT NOT NULL,
    enrolled_at         TEXT NOT NULL
);

-- Progress and health of sync: one row.
CREATE TABLE sync_state (
    singleton       INTEGER PRIMARY KEY CHECK (singleton = 1),
    -- The server's sequence number of the last change pulled and applied.
    pull_cursor     INTEGER NOT NULL DEFAULT 0,
    last_success_at TEXT,
    last_error      TEXT,
    last_error_at   TEXT
);
INSERT INTO sync_state (singleton, pull_cursor) VALUES (1, 0);

-- Changes that could not go through, kept whole so nothing is silently lost:
-- `pushed` = the server refused this device's change (it left the outbox in
-- the same transaction); `pulled` = a change from the server that this
-- device could not apply (retried on each sync).
CREATE TABLE quarantine (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    direction       TEXT NOT NULL CHECK (direction IN ('pushed', 'pulled')),
    change_id       TEXT NOT NULL,
    entity          TEXT NOT NULL,
    entity_id       TEXT NOT NULL,
    -- The full change as JSON (`gocua_core::Change`).
    change          TEXT NOT NULL,
    code            TEXT NOT NULL,
    message         TEXT NOT NULL,
    quarantined_at  TEXT NOT NULL,
    UNIQUE (direction, change_id)
);
