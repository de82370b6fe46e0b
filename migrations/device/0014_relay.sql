-- The team leader's device as a relay for its team (issue 18), and a
-- member's device's link to its leader's relay. Every table lives in the
-- encrypted device file.

-- Leader side. The relay's own TLS certificate and key (made once with
-- rcgen, DER), pinned by members from the pairing code. `url` is where the
-- relay last served, for `relay pair` to print.
CREATE TABLE relay_identity (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    cert_der    BLOB NOT NULL,
    key_der     BLOB NOT NULL,
    fingerprint TEXT NOT NULL,
    url         TEXT,
    created_at  TEXT NOT NULL
);

-- One-time pairing codes, kept only as SHA-256 (hex).
CREATE TABLE relay_codes (
    code_hash  TEXT PRIMARY KEY,
    expires_at TEXT NOT NULL,
    spent_at   TEXT
);

-- Members' devices paired with this relay: the device and its signing key
-- as the server listed them (`team_devices`), and the relay's bearer
-- token, kept only as SHA-256 (hex). A device pairing again replaces its
-- row (a new token).
CREATE TABLE relay_members (
    device_id   TEXT PRIMARY KEY,
    member_id   TEXT NOT NULL,
    signing_key TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    paired_at   TEXT NOT NULL
);

-- Someone else's work: members' changes held to forward, each with its
-- author's signature. Never the leader's own (not in the outbox, not in its
-- records or figures) and never edited: only the server's result is added
-- (`outcome`: NULL while held).
CREATE TABLE relay_held (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    change_id   TEXT NOT NULL UNIQUE,
    device_id   TEXT NOT NULL,
    change      TEXT NOT NULL,
    signature   TEXT NOT NULL,
    received_at TEXT NOT NULL,
    outcome     TEXT CHECK (outcome IN ('applied', 'already_had', 'rejected')),
    code        TEXT,
    message     TEXT,
    settled_at  TEXT
);
CREATE INDEX relay_held_unsettled ON relay_held (id) WHERE outcome IS NULL;

CREATE TRIGGER relay_held_never_edited
BEFORE UPDATE OF change_id, device_id, change, signature ON relay_held
BEGIN
    SELECT RAISE(ABORT, 'relayed work is never edited');
END;

-- A copy of every change the leader pulled from the server while the relay
-- is set up (main pull and history pages), with the server's seq and the
-- village the server logged it under. Members pull by `id` (the order the
-- relay got them: a history page brings older seqs after newer ones). Kept
-- once by change id: a server restored from a backup gives seqs again to
-- other changes.
CREATE TABLE relay_pulled (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    change_id  TEXT NOT NULL UNIQUE,
    seq        INTEGER NOT NULL,
    village_id TEXT,
    moved_from TEXT,
    change     TEXT NOT NULL
);

-- Member side: the relay this device joined (its address, pinned
-- certificate and bearer token) and the cursor of what it pulled from it.
-- Separate from the server's cursor, which relay pulls never move.
CREATE TABLE relay_link (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    url         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    token       TEXT NOT NULL,
    pull_cursor INTEGER NOT NULL DEFAULT 0,
    joined_at   TEXT NOT NULL
);
