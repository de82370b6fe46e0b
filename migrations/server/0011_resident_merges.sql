-- Merging duplicate residents (issue 6; rules in crates/core/src/same_person.rs).
-- A merge is the duplicate's last-writer-wins field `merged_into`, kept in
-- `records` like any field. The report tables count a merged person once:
-- `rpt_merges` holds every resident whose `merged_into` is set, with the
-- root they resolve to (crates/store/src/central/report_merges.rs keeps it);
-- a merged resident has no `rpt_residents` row (out of every denominator),
-- and each action, still `recorded_for` the record it was logged for, counts
-- in `resident_id` for that record's root.
ALTER TABLE rpt_actions ADD COLUMN recorded_for TEXT;
UPDATE rpt_actions SET recorded_for = resident_id;
CREATE INDEX rpt_actions_recorded_for ON rpt_actions(recorded_for);

CREATE TABLE rpt_merges (
    resident_id  TEXT PRIMARY KEY,
    commune_id   TEXT NOT NULL,
    merged_into  TEXT,
    root_id      TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX rpt_merges_commune ON rpt_merges(commune_id);

-- Who merged (or separated) which residents, when: the commune office's
-- audit, shown on /audit. `into_id` NULL: a merge undone.
CREATE TABLE merge_audit (
    id            INTEGER PRIMARY KEY,
    commune_id    TEXT NOT NULL REFERENCES communes(id),
    member_id     TEXT REFERENCES members(id),
    actor         TEXT NOT NULL,
    duplicate_id  TEXT NOT NULL,
    into_id       TEXT,
    change_id     TEXT NOT NULL,
    at            TEXT NOT NULL
);
CREATE INDEX merge_audit_commune ON merge_audit(commune_id, id);
