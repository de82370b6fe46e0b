-- Central server, first schema (plain SQLite; the server's disk is the
-- commune office's, protected by the machine, not by a per-device key).
-- Ids are UUID text; times are RFC 3339 UTC text with milliseconds (so they
-- sort as text); clock stamps (HLC) are fixed-width text that sorts like the
-- stamp; `fields`, `base` and `clocks` are JSON objects.

-- Organisation. The commune secret keys citizen-ID hashes and never leaves
-- the server.
CREATE TABLE communes (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    province    TEXT NOT NULL,
    secret_hex  TEXT NOT NULL CHECK (length(secret_hex) = 64),
    created_at  TEXT NOT NULL
);

CREATE TABLE villages (
    id          TEXT PRIMARY KEY,
    commune_id  TEXT NOT NULL REFERENCES communes(id),
    name        TEXT NOT NULL
);
CREATE INDEX villages_commune ON villages(commune_id);

CREATE TABLE teams (
    id          TEXT PRIMARY KEY,
    commune_id  TEXT NOT NULL REFERENCES communes(id),
    name        TEXT NOT NULL
);
CREATE INDEX teams_commune ON teams(commune_id);

CREATE TABLE team_villages (
    team_id     TEXT NOT NULL REFERENCES teams(id),
    village_id  TEXT NOT NULL REFERENCES villages(id),
    PRIMARY KEY (team_id, village_id)
) WITHOUT ROWID;

CREATE TABLE members (
    id          TEXT PRIMARY KEY,
    commune_id  TEXT NOT NULL REFERENCES communes(id),
    team_id     TEXT REFERENCES teams(id),
    full_name   TEXT NOT NULL,
    role        TEXT NOT NULL
                CHECK (role IN ('member', 'team_leader', 'commune_officer', 'admin')),
    active      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX members_commune ON members(commune_id);

-- Each commune's own catalogue, seeded from the province's at creation.
CREATE TABLE action_catalogue (
    commune_id          TEXT NOT NULL REFERENCES communes(id),
    code                TEXT NOT NULL,
    name_vi             TEXT NOT NULL,
    eligibility         TEXT NOT NULL,
    in_checklist        INTEGER NOT NULL,
    essential_platform  INTEGER NOT NULL,
    active              INTEGER NOT NULL,
    sort_order          INTEGER NOT NULL,
    PRIMARY KEY (commune_id, code)
) WITHOUT ROWID;

-- The commune's targets for the year, per indicator (percent).
CREATE TABLE targets (
    commune_id  TEXT NOT NULL REFERENCES communes(id),
    indicator   TEXT NOT NULL,
    percent     REAL NOT NULL CHECK (percent >= 0 AND percent <= 100),
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (commune_id, indicator)
) WITHOUT ROWID;

-- One-time enrollment codes: only their SHA-256 is kept.
CREATE TABLE enrollment_codes (
    code_hash   TEXT PRIMARY KEY,
    member_id   TEXT NOT NULL REFERENCES members(id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    device_id   TEXT
) WITHOUT ROWID;

-- Enrolled devices: only the SHA-256 of the bearer token is kept.
CREATE TABLE devices (
    id            TEXT PRIMARY KEY,
    member_id     TEXT NOT NULL REFERENCES members(id),
    commune_id    TEXT NOT NULL REFERENCES communes(id),
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    TEXT NOT NULL,
    last_seen_at  TEXT,
    revoked_at    TEXT
);
CREATE INDEX devices_commune ON devices(commune_id);

-- Every accepted change, in server order. `seq` is the devices' pull cursor;
-- the village is the one the record belonged to when the change was taken.
CREATE TABLE changes (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    change_id    TEXT NOT NULL UNIQUE,
    commune_id   TEXT NOT NULL REFERENCES communes(id),
    village_id   TEXT NOT NULL REFERENCES villages(id),
    entity       TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    hlc          TEXT NOT NULL,
    fields       TEXT NOT NULL,
    base         TEXT NOT NULL DEFAULT '{}',
    device_id    TEXT NOT NULL,
    received_at  TEXT NOT NULL
);
-- Pull walks one of these from the cursor on: cost follows what it returns.
CREATE INDEX changes_village_seq ON changes(village_id, seq);
CREATE INDEX changes_commune_seq ON changes(commune_id, seq);

-- The current state of every record, built from the changes. Households
-- and residents merge field by field (`clocks`: field → stamp that set it);
-- visits and actions are facts whose only later change is a void.
-- `parent_id`: a resident's or visit's household, an action's visit.
CREATE TABLE records (
    entity_id   TEXT PRIMARY KEY,
    entity      TEXT NOT NULL,
    commune_id  TEXT NOT NULL REFERENCES communes(id),
    village_id  TEXT NOT NULL REFERENCES villages(id),
    parent_id   TEXT,
    fields      TEXT NOT NULL,
    clocks      TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX records_village ON records(village_id, entity);
CREATE INDEX records_parent ON records(parent_id) WHERE parent_id IS NOT NULL;

-- Values that lost a concurrent edit of the same field, for leaders to see.
CREATE TABLE conflicts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    commune_id  TEXT NOT NULL REFERENCES communes(id),
    village_id  TEXT NOT NULL REFERENCES villages(id),
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    field       TEXT NOT NULL,
    kept_value  TEXT NOT NULL,
    kept_hlc    TEXT NOT NULL,
    lost_value  TEXT NOT NULL,
    lost_hlc    TEXT NOT NULL,
    change_id   TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX conflicts_commune ON conflicts(commune_id, id);
CREATE INDEX conflicts_village ON conflicts(village_id, id);
