-- Scope changes: the same as migrations/server/0003_scope_history.sql.
ALTER TABLE changes ADD COLUMN household_id TEXT COLLATE "C";
ALTER TABLE changes ADD COLUMN moved_from TEXT COLLATE "C" REFERENCES villages(id);

UPDATE changes c SET household_id = c.entity_id WHERE c.entity = 'household';
UPDATE changes c SET household_id = r.parent_id
FROM records r
WHERE r.entity_id = c.entity_id AND c.entity IN ('resident', 'visit');
UPDATE changes c SET household_id = v.parent_id
FROM records a JOIN records v ON v.entity_id = a.parent_id
WHERE a.entity_id = c.entity_id AND c.entity = 'assisted_action';

CREATE INDEX changes_household_seq ON changes(household_id, seq) WHERE household_id IS NOT NULL;
CREATE INDEX changes_moved_from_seq ON changes(moved_from, seq) WHERE moved_from IS NOT NULL;
