-- Report tables, fifth step: a read model that follows the change log.
-- Pushes no longer write the report tables inside their transaction (that
-- cost ten times the push itself); a projector catches each commune up
-- afterwards, in batches, from the changes after `projected_seq`
-- (crates/store/src/central/report_catch_up.rs), and every report catches
-- up first, under the commune's lock, so no figure is ever stale.
--
-- Until now the projection ran inside every push, so each commune with a
-- row is current up to its last change.
ALTER TABLE report_state ADD COLUMN projected_seq BIGINT NOT NULL DEFAULT 0;
UPDATE report_state SET projected_seq = coalesce(
    (SELECT max(seq) FROM changes WHERE changes.commune_id = report_state.commune_id), 0);
