-- Central server, first schema, PostgreSQL edition of
-- migrations/server/0001_init.sql: the same tables, columns and indexes, so
-- the one set of queries in crates/store/src/central runs on both.
-- Differences: identity columns instead of AUTOINCREMENT, DOUBLE PRECISION
-- for REAL, no WITHOUT ROWID, no index on `seq` alone (see `changes`), and
-- text compared byte by byte (COLLATE "C")
-- so ids, codes and RFC 3339 times sort as they do in SQLite whatever the
-- database's locale. Flags stay INTEGER 0/1; JSON stays TEXT.

CREATE TABLE communes (
    id          TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT NOT NULL,
    province    TEXT NOT NULL,
    secret_hex  TEXT NOT NULL CHECK (length(secret_hex) = 64),
    created_at  TEXT COLLATE "C" NOT NULL
);

CREATE TABLE villages (
    id          TEXT COLLATE "C" PRIMARY KEY,
    commune_id  TEXT COLLATE "C" NOT NULL REFERENCES communes(id),
    name        TEXT NOT NULL
);
CREATE INDEX villages_commune ON villages(commune_id);

CREATE TABLE teams (
    id          TEXT COLLATE "C" PRIMARY KEY,
    commune_id  TEXT COLLATE "C" NOT NULL REFERENCES communes(id),
    name        TEXT NOT NULL
);
CREATE INDEX teams_commune ON teams(commune_id);

CREATE TABLE team_villages (
    team_id     TEXT COLLATE "C" NOT NULL REFERENCES teams(id),
    village_id  TEXT COLLATE "C" NOT NULL REFERENCES villages(id),
    PRIMARY KEY (team_id, village_id)
);

CREATE TABLE members (
    id          TEXT COLLATE "C" PRIMARY KEY,
    commune_id  TEXT COLLATE "C" NOT NULL REFERENCES communes(id),
    team_id     TEXT COLLATE "C" REFERENCES teams(id),
    full_name   TEXT NOT NULL,
    role        TEXT NOT NULL
                CHECK (role IN ('member', 'team_leader', 'commune_officer', 'admin')),
    active      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX members_commune ON members(commune_id);

CREATE TABLE action_catalogue (
    commune_id          TEXT COLLATE "C" NOT NULL REFERENCES communes(id),
    code                TEXT COLLATE "C" NOT NULL,
    name_vi             TEXT NOT NULL,
    eligibility         TEXT NOT NULL,
    in_checklist        INTEGER NOT NULL,
    essential_platform  INTEGER NOT NULL,
    active              INTEGER NOT NULL,
    sort_order          INTEGER NOT NULL,
    PRIMARY KEY (commune_id, code)
);

CREATE TABLE targets (
    commune_id  TEXT COLLATE "C" NOT NULL REFERENCES communes(id),
    indicator   TEXT COLLATE "C" NOT NULL,
    percent     DOUBLE PRECISION NOT NULL CHECK (percent >= 0 AND percent <= 100),
    updated_at  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (commune_id, indicator)
);

CREATE TABLE enrollment_codes (
    code_hash   TEXT COLLATE "C" PRIMARY KEY,
    member_id   TEXT COLLATE "C" NOT NULL REFERENCES members(id),
    created_at  TEXT COLLATE "C" NOT NULL,
    expires_at  TEXT COLLATE "C" NOT NULL,
    used_at     TEXT COLLATE "C",
    device_id   TEXT COLLATE "C"
);

CREATE TABLE devices (
    id            TEXT COLLATE "C" PRIMARY KEY,
    member_id     TEXT COLLATE "C" NOT NULL REFERENCES members(id),
    commune_id    TEXT COLLATE "C" NOT NULL REFERENCES communes(id),
    name          TEXT NOT NULL,
    token_hash    TEXT COLLATE "C" NOT NULL UNIQUE,
    created_at    TEXT COLLATE "C" NOT NULL,
    last_seen_at  TEXT COLLATE "C",
    revoked_at    TEXT COLLATE "C"
);
CREATE INDEX devices_commune ON devices(commune_id);

-- `seq` is the devices' pull cursor. Pushes of one commune take turns
-- (an advisory lock, see central/sql.rs), so within a commune seq order
-- is commit order and a cursor never passes a change committed later.
-- `seq` has no index of its own (identity values are unique): with one,
-- the planner walks it and filters by village, so a pull would cost as
-- much as every other village's changes after the cursor. Pull must seek
-- (village, seq) or (commune, seq).
CREATE TABLE changes (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY NOT NULL,
    change_id    TEXT COLLATE "C" PRIMARY KEY,
    commune_id   TEXT COLLATE "C" NOT NULL REFERENCES communes(id),
    village_id   TEXT COLLATE "C" NOT NULL REFERENCES villages(id),
    entity       TEXT NOT NULL,
    entity_id    TEXT COLLATE "C" NOT NULL,
    hlc          TEXT COLLATE "C" NOT NULL,
    fields       TEXT NOT NULL,
    base         TEXT NOT NULL DEFAULT '{}',
    device_id    TEXT COLLATE "C" NOT NULL,
    received_at  TEXT COLLATE "C" NOT NULL
);
CREATE INDEX changes_village_seq ON changes(village_id, seq);
CREATE INDEX changes_commune_seq ON changes(commune_id, seq);

CREATE TABLE records (
    entity_id   TEXT COLLATE "C" PRIMARY KEY,
    entity      TEXT NOT NULL,
    commune_id  TEXT COLLATE "C" NOT NULL REFERENCES communes(id),
    village_id  TEXT COLLATE "C" NOT NULL REFERENCES villages(id),
    parent_id   TEXT COLLATE "C",
    fields      TEXT NOT NULL,
    clocks      TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX records_village ON records(village_id, entity);
CREATE INDEX records_parent ON records(parent_id) WHERE parent_id IS NOT NULL;

CREATE TABLE conflicts (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    commune_id  TEXT COLLATE "C" NOT NULL REFERENCES communes(id),
    village_id  TEXT COLLATE "C" NOT NULL REFERENCES villages(id),
    entity      TEXT NOT NULL,
    entity_id   TEXT COLLATE "C" NOT NULL,
    field       TEXT NOT NULL,
    kept_value  TEXT NOT NULL,
    kept_hlc    TEXT NOT NULL,
    lost_value  TEXT NOT NULL,
    lost_hlc    TEXT NOT NULL,
    change_id   TEXT COLLATE "C" NOT NULL,
    at          TEXT COLLATE "C" NOT NULL
);
CREATE INDEX conflicts_commune ON conflicts(commune_id, id);
CREATE INDEX conflicts_village ON conflicts(village_id, id);
