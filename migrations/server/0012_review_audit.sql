-- The leader's review loop and the audit of changes
-- (crates/store/src/central/change_audit.rs). Review marks are records of
-- entity 'review_mark' in `records` and `changes` like any other, so they
-- need no table of their own; the audit lists one kind of change (the
-- review steps) newest first, which this index serves without walking the
-- commune's whole log.
CREATE INDEX changes_commune_entity_seq ON changes(commune_id, entity, seq);
