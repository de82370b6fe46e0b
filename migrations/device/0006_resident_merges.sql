-- A resident merged into another by the commune office (issue 6,
-- crates/core/src/same_person.rs): the last-writer-wins field `merged_into`,
-- NULL for everyone else. Lists hide merged residents; their actions stay
-- theirs here and are shown and counted under the one they were merged
-- into (crates/store/src/same_person.rs).
ALTER TABLE residents ADD COLUMN merged_into TEXT;
CREATE INDEX residents_merged ON residents(merged_into) WHERE merged_into IS NOT NULL;
