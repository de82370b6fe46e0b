-- The change log and the records: no foreign keys to communes and villages.
-- PostgreSQL checks each one with a query and a row lock per inserted row,
-- and these are the rows every push writes (with 200 devices at once, a
-- tenth of the database's work). Both columns are set only by the push's
-- judge, from the device's scope and the record's village, which it read
-- from `villages`; communes and villages are never deleted.
ALTER TABLE changes DROP CONSTRAINT IF EXISTS changes_commune_id_fkey;
ALTER TABLE changes DROP CONSTRAINT IF EXISTS changes_village_id_fkey;
ALTER TABLE changes DROP CONSTRAINT IF EXISTS changes_moved_from_fkey;
ALTER TABLE changes DROP CONSTRAINT IF EXISTS changes_also_village_id_fkey;
ALTER TABLE records DROP CONSTRAINT IF EXISTS records_commune_id_fkey;
ALTER TABLE records DROP CONSTRAINT IF EXISTS records_village_id_fkey;
