-- Device store, first schema. Ids are UUID text; times are RFC 3339 UTC text;
-- `day` columns are the local date in Vietnam (YYYY-MM-DD), `month` YYYY-MM.
-- Clock stamps (HLC) are fixed-width text that sorts like the stamp.

-- This device: one row.
CREATE TABLE device (
    singleton    INTEGER PRIMARY KEY CHECK (singleton = 1),
    device_id    TEXT NOT NULL,
    device_name  TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_hlc     TEXT NOT NULL
);

-- Organisation: owned by the server, copied here; never in the outbox.
CREATE TABLE communes (
    id        TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    province  TEXT NOT NULL
);

CREATE TABLE villages (
    id          TEXT PRIMARY KEY,
    commune_id  TEXT NOT NULL REFERENCES communes(id),
    name        TEXT NOT NULL
);

CREATE TABLE teams (
    id          TEXT PRIMARY KEY,
    commune_id  TEXT NOT NULL REFERENCES communes(id),
    name        TEXT NOT NULL
);

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
);
CREATE INDEX members_team ON members(team_id);

CREATE TABLE action_catalogue (
    code                TEXT PRIMARY KEY,
    name_vi             TEXT NOT NULL,
    eligibility         TEXT NOT NULL,
    in_checklist        INTEGER NOT NULL,
    essential_platform  INTEGER NOT NULL,
    active              INTEGER NOT NULL,
    sort_order          INTEGER NOT NULL
);

-- Households and residents merge field by field: field_hlcs holds, per
-- field name, the stamp of the change that last set it.
CREATE TABLE households (
    id               TEXT PRIMARY KEY,
    village_id       TEXT NOT NULL REFERENCES villages(id),
    address          TEXT NOT NULL,
    head_name        TEXT NOT NULL,
    head_name_key    TEXT NOT NULL,
    phone            TEXT,
    poor             INTEGER NOT NULL,
    near_poor        INTEGER NOT NULL,
    ethnic_minority  INTEGER NOT NULL,
    elderly_only     INTEGER NOT NULL,
    no_smartphone    INTEGER NOT NULL,
    priority         INTEGER NOT NULL,
    field_hlcs       TEXT NOT NULL
);
CREATE INDEX households_village ON households(village_id, priority DESC);
-- The worklist reads a village's households from this covering index only
-- (table rows are ~5x wider, with field_hlcs). Partial, on a condition true of
-- every row (priority is 0-255) that only the worklist states: other queries,
-- which return rows in index order, keep using households_village or the
-- table.
CREATE INDEX households_worklist ON households(village_id, priority DESC, id, head_name, address,
    phone, poor, near_poor, ethnic_minority, elderly_only, no_smartphone)
    WHERE priority >= 0;
-- Covering indexes: name search scans these (LIKE '%…%' cannot seek) instead
-- of the whole tables.
CREATE INDEX households_name_key ON households(head_name_key, id);

CREATE TABLE residents (
    id               TEXT PRIMARY KEY,
    household_id     TEXT NOT NULL REFERENCES households(id),
    full_name        TEXT NOT NULL,
    name_key         TEXT NOT NULL,
    birth_year       INTEGER NOT NULL,
    sex              TEXT NOT NULL,
    has_smartphone   INTEGER NOT NULL,
    consent_on       TEXT,
    citizen_id_hash  TEXT,
    field_hlcs       TEXT NOT NULL
);
CREATE INDEX residents_household ON residents(household_id);
-- Covers the worklist's walk from households to residents (ids and names).
-- SQLite keeps the narrower residents_household where neither covers.
CREATE INDEX residents_household_names ON residents(household_id, id, full_name);
CREATE INDEX residents_name_key ON residents(name_key, household_id, full_name);
CREATE INDEX residents_citizen_id ON residents(citizen_id_hash) WHERE citizen_id_hash IS NOT NULL;

-- Visits and actions are immutable facts; only the void columns change.
CREATE TABLE visits (
    id            TEXT PRIMARY KEY,
    household_id  TEXT NOT NULL REFERENCES households(id),
    at            TEXT NOT NULL,
    day           TEXT NOT NULL,
    month         TEXT NOT NULL,
    form          TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    note          TEXT,
    voided_reason TEXT,
    voided_by     TEXT,
    voided_at     TEXT
);
CREATE INDEX visits_household_month ON visits(household_id, month);
-- "Visited this month?" for the worklist, index-only and within the month
-- (voided_at included: SQLite still tests it).
CREATE INDEX visits_month_live ON visits(month, household_id, voided_at)
    WHERE voided_at IS NULL;
-- Covering for the month figures: a month's visits are contiguous here, while
-- in the table they are spread over the whole year.
CREATE INDEX visits_month ON visits(month, id, household_id, day, outcome, voided_at);
-- The few voided visits, so "is its visit voided?" needs no visit row.
CREATE INDEX visits_voided ON visits(id, voided_at) WHERE voided_at IS NOT NULL;

CREATE TABLE visit_members (
    visit_id   TEXT NOT NULL REFERENCES visits(id),
    member_id  TEXT NOT NULL,
    position   INTEGER NOT NULL,
    -- The visit's month (visits.month, which never changes), copied here so
    -- that a member's visits of a month are one index range.
    month      TEXT NOT NULL,
    PRIMARY KEY (visit_id, member_id)
) WITHOUT ROWID;
CREATE INDEX visit_members_member ON visit_members(member_id, month, visit_id);
CREATE INDEX visit_members_month ON visit_members(month, visit_id, position, member_id);

CREATE TABLE assisted_actions (
    id             TEXT PRIMARY KEY,
    visit_id       TEXT NOT NULL REFERENCES visits(id),
    resident_id    TEXT NOT NULL REFERENCES residents(id),
    action_code    TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('done', 'follow_up', 'not_possible')),
    follow_up_due  TEXT,
    reason         TEXT,
    reason_note    TEXT,
    day            TEXT NOT NULL,
    voided_reason  TEXT,
    voided_by      TEXT,
    voided_at      TEXT
);
CREATE INDEX actions_visit ON assisted_actions(visit_id);
-- Covering for the month figures: a month's actions by (day, visit), `day`
-- being the visit's (insert_action copies it from the visit).
CREATE INDEX actions_day_visit ON assisted_actions(day, visit_id, action_code, status,
    follow_up_due, reason, reason_note, voided_at);
CREATE INDEX actions_resident ON assisted_actions(resident_id, action_code);
-- Covering for "is this follow-up closed by a later or done action?". Led by
-- action_code so that queries by resident alone, which return rows in index
-- order, keep using actions_resident.
CREATE INDEX actions_closing ON assisted_actions(action_code, resident_id, status, day, id,
    voided_at, visit_id);
-- Open follow-ups by resident: the worklist walks a village's residents and
-- must touch only their follow-ups, not every action they ever had. Covering
-- (status and voided_at included: SQLite still tests them).
CREATE INDEX actions_follow_up ON assisted_actions(resident_id, follow_up_due, action_code, day,
    id, visit_id, status, voided_at)
    WHERE status = 'follow_up' AND voided_at IS NULL;

-- Changes made on this device, waiting to be pushed. Written in the same
-- transaction as the record they describe.
CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    change_id  TEXT NOT NULL UNIQUE,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    hlc        TEXT NOT NULL,
    fields     TEXT NOT NULL,
    base       TEXT NOT NULL DEFAULT '{}'
);

-- Changes already applied, from here or from the server: applying one
-- twice is a no-op.
CREATE TABLE applied_changes (
    change_id  TEXT PRIMARY KEY
) WITHOUT ROWID;

-- When two devices set the same field, the losing value is kept here.
CREATE TABLE conflicts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    entity        TEXT NOT NULL,
    entity_id     TEXT NOT NULL,
    field         TEXT NOT NULL,
    kept_value    TEXT NOT NULL,
    kept_hlc      TEXT NOT NULL,
    lost_value    TEXT NOT NULL,
    lost_hlc      TEXT NOT NULL
);
