-- A resident merged into one of another village (issue 6; see
-- crates/store/src/central/mod.rs). The devices of the kept resident's
-- village must get the merge and the duplicate's history: each change now
-- names the resident it is about (a resident's own changes, an action's),
-- so that history is one index range; and a change of a resident whose root
-- lives in another village is also logged for that village, walked by the
-- scope pull like (village_id, seq). Changes taken before this are given
-- their resident now; merges across villages made before it reach the kept
-- village only with their later changes.
ALTER TABLE changes ADD COLUMN resident_id TEXT;
ALTER TABLE changes ADD COLUMN also_village_id TEXT REFERENCES villages(id);

UPDATE changes SET resident_id = entity_id WHERE entity = 'resident';
UPDATE changes SET resident_id =
    (SELECT json_extract(r.fields, '$.resident_id') FROM records r
     WHERE r.entity_id = changes.entity_id)
WHERE entity = 'assisted_action';

CREATE INDEX changes_resident_seq ON changes(resident_id, seq) WHERE resident_id IS NOT NULL;
CREATE INDEX changes_also_village_seq ON changes(also_village_id, seq)
    WHERE also_village_id IS NOT NULL;

-- Who was merged into a resident: that resident's history brings theirs too
-- (a chain, C into B before B into A of another village, counts C as A).
ALTER TABLE records ADD COLUMN merged_into TEXT;
UPDATE records SET merged_into = json_extract(fields, '$.merged_into')
WHERE entity = 'resident' AND fields LIKE '%"merged_into":"%';
CREATE INDEX records_merged_into ON records(merged_into) WHERE merged_into IS NOT NULL;
