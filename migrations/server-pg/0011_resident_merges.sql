-- PostgreSQL edition of migrations/server/0011_resident_merges.sql.
ALTER TABLE rpt_actions ADD COLUMN recorded_for TEXT COLLATE "C";
UPDATE rpt_actions SET recorded_for = resident_id;
CREATE INDEX rpt_actions_recorded_for ON rpt_actions(recorded_for);

CREATE TABLE rpt_merges (
    resident_id  TEXT COLLATE "C" PRIMARY KEY,
    commune_id   TEXT COLLATE "C" NOT NULL,
    merged_into  TEXT COLLATE "C",
    root_id      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX rpt_merges_commune ON rpt_merges(commune_id);

CREATE TABLE merge_audit (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    commune_id    TEXT COLLATE "C" NOT NULL REFERENCES communes(id),
    member_id     TEXT COLLATE "C" REFERENCES members(id),
    actor         TEXT NOT NULL,
    duplicate_id  TEXT COLLATE "C" NOT NULL,
    into_id       TEXT COLLATE "C",
    change_id     TEXT COLLATE "C" NOT NULL,
    at            TEXT COLLATE "C" NOT NULL
);
CREATE INDEX merge_audit_commune ON merge_audit(commune_id, id);
