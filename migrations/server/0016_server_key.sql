-- The server key (gocua-server --key-file) lives outside the database.
-- `key_check` holds a value derived from it, so that another key is refused
-- at opening; each commune's CCCD secret is kept wrapped under it
-- (`secret_wrapped` = 1) so the database alone cannot recompute a
-- citizen-ID hash. Secrets kept plain before are wrapped at the next
-- opening. Kept in step with migrations/server-pg/0016_server_key.sql.
CREATE TABLE key_check (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    check_hex   TEXT NOT NULL
);
ALTER TABLE communes ADD COLUMN secret_wrapped INTEGER NOT NULL DEFAULT 0;
