-- Merges across villages: the same as migrations/server/0014_cross_village_merges.sql.
ALTER TABLE changes ADD COLUMN resident_id TEXT COLLATE "C";
ALTER TABLE changes ADD COLUMN also_village_id TEXT COLLATE "C" REFERENCES villages(id);

UPDATE changes c SET resident_id = c.entity_id WHERE c.entity = 'resident';
UPDATE changes c SET resident_id = r.fields::jsonb ->> 'resident_id'
FROM records r
WHERE r.entity_id = c.entity_id AND c.entity = 'assisted_action';

CREATE INDEX changes_resident_seq ON changes(resident_id, seq) WHERE resident_id IS NOT NULL;
CREATE INDEX changes_also_village_seq ON changes(also_village_id, seq)
    WHERE also_village_id IS NOT NULL;

ALTER TABLE records ADD COLUMN merged_into TEXT COLLATE "C";
UPDATE records SET merged_into = fields::jsonb ->> 'merged_into'
WHERE entity = 'resident' AND fields LIKE '%"merged_into":"%';
CREATE INDEX records_merged_into ON records(merged_into) WHERE merged_into IS NOT NULL;
