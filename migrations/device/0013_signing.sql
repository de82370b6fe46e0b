-- Proof of origin (gocua-signing): this device's Ed25519 secret key, made
-- once and kept only in this encrypted file, and whether the commune
-- server has its public key (sent at enrollment, or registered on the
-- first sync of a device enrolled before changes were signed).
CREATE TABLE signing_key (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    seed        BLOB NOT NULL CHECK (length(seed) = 32),
    registered  INTEGER NOT NULL DEFAULT 0
);

-- A team leader's device: its team members' devices and their public
-- keys, as the server sent them on the last sync. Its relay checks who
-- pairs with it and what they hand in against these.
CREATE TABLE team_devices (
    device_id    TEXT PRIMARY KEY,
    member_id    TEXT NOT NULL,
    signing_key  TEXT NOT NULL
) WITHOUT ROWID;
