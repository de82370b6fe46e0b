-- Scope changes (crates/store/src/central/mod.rs). Each change now names
-- the household it belongs to, so a device a household moved to can fetch
-- that household's history; and a change that moved a household to another
-- village names the village it left, so that village's devices learn of the
-- move. Changes taken before this are given their record's household now;
-- the villages earlier moves left are not known.
ALTER TABLE changes ADD COLUMN household_id TEXT;
ALTER TABLE changes ADD COLUMN moved_from TEXT REFERENCES villages(id);

UPDATE changes SET household_id = entity_id WHERE entity = 'household';
UPDATE changes SET household_id =
    (SELECT r.parent_id FROM records r WHERE r.entity_id = changes.entity_id)
WHERE entity IN ('resident', 'visit');
UPDATE changes SET household_id =
    (SELECT v.parent_id FROM records a JOIN records v ON v.entity_id = a.parent_id
     WHERE a.entity_id = changes.entity_id)
WHERE entity = 'assisted_action';

-- Pull walks these from the cursor on, like (village_id, seq).
CREATE INDEX changes_household_seq ON changes(household_id, seq) WHERE household_id IS NOT NULL;
CREATE INDEX changes_moved_from_seq ON changes(moved_from, seq) WHERE moved_from IS NOT NULL;
