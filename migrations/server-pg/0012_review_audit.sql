-- The leader's review loop and the audit of changes (see
-- migrations/server/0012_review_audit.sql): the review steps of a commune,
-- newest first.
CREATE INDEX changes_commune_entity_seq ON changes(commune_id, entity, seq);
