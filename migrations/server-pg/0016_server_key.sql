-- See migrations/server/0016_server_key.sql: the key's check value, and
-- the communes' CCCD secrets kept wrapped under the server key.
CREATE TABLE key_check (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    check_hex   TEXT NOT NULL
);
ALTER TABLE communes ADD COLUMN secret_wrapped INTEGER NOT NULL DEFAULT 0;
