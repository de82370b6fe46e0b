-- Issue 16: a resident's own phone number (the registry lists one for some
-- people besides the household's), and households and residents the commune
-- office withdrew (an undone registry import). `voided` holds the void as
-- JSON (reason, by, at: gocua_core::Void), NULL for a live record; it is a
-- plain last-writer-wins field like any other, so it converges through the
-- change log. A withdrawn record stays on the device for history, out of
-- every list, search, worklist and figure.

ALTER TABLE residents ADD COLUMN phone TEXT;
ALTER TABLE residents ADD COLUMN voided TEXT;
ALTER TABLE households ADD COLUMN voided TEXT;

-- The worklist reads households and their residents index-only
-- (households_worklist, residents_household_names): the void column joins
-- them at the end (NULL for every live row: one byte), so "not withdrawn"
-- is still answered from the index.
DROP INDEX households_worklist;
CREATE INDEX households_worklist ON households(village_id, priority DESC, id, head_name, address,
    phone, poor, near_poor, ethnic_minority, elderly_only, no_smartphone, voided)
    WHERE priority >= 0;
DROP INDEX residents_household_names;
CREATE INDEX residents_household_names ON residents(household_id, id, full_name, voided);

-- The search index (0011) leaves withdrawn rows out: the triggers are
-- those of 0011 with the void added to what decides whether a row is
-- indexed. Nothing is withdrawn yet when this runs, so the index stays.
DROP TRIGGER households_search_insert;
DROP TRIGGER households_search_update;
DROP TRIGGER residents_search_insert;
DROP TRIGGER residents_search_update;

CREATE TRIGGER households_search_insert AFTER INSERT ON households BEGIN
    DELETE FROM search_fts
        WHERE rowid IN (SELECT doc FROM search_docs WHERE entity_id = NEW.id);
    DELETE FROM search_docs WHERE entity_id = NEW.id;
    INSERT INTO search_docs (entity_id, household_id, resident_id, name, address)
        SELECT NEW.id, NEW.id, NULL, NEW.head_name_key, NEW.address_key
        WHERE NEW.voided IS NULL;
    INSERT INTO search_fts (rowid, name, address)
        SELECT doc, name, address FROM search_docs WHERE entity_id = NEW.id;
END;

-- A rename, a new address, a withdrawal or its undoing.
CREATE TRIGGER households_search_update
AFTER UPDATE OF head_name_key, address_key, voided ON households
WHEN OLD.head_name_key IS NOT NEW.head_name_key OR OLD.address_key IS NOT NEW.address_key
    OR (OLD.voided IS NULL) IS NOT (NEW.voided IS NULL)
BEGIN
    DELETE FROM search_fts
        WHERE rowid IN (SELECT doc FROM search_docs WHERE entity_id = OLD.id);
    DELETE FROM search_docs WHERE entity_id = OLD.id;
    INSERT INTO search_docs (entity_id, household_id, resident_id, name, address)
        SELECT NEW.id, NEW.id, NULL, NEW.head_name_key, NEW.address_key
        WHERE NEW.voided IS NULL;
    INSERT INTO search_fts (rowid, name, address)
        SELECT doc, name, address FROM search_docs WHERE entity_id = NEW.id;
END;

CREATE TRIGGER residents_search_insert AFTER INSERT ON residents
WHEN NEW.merged_into IS NULL AND NEW.voided IS NULL
BEGIN
    DELETE FROM search_fts
        WHERE rowid IN (SELECT doc FROM search_docs WHERE entity_id = NEW.id);
    DELETE FROM search_docs WHERE entity_id = NEW.id;
    INSERT INTO search_docs (entity_id, household_id, resident_id, name, address)
        VALUES (NEW.id, NEW.household_id, NEW.id, NEW.name_key, '');
    INSERT INTO search_fts (rowid, name, address)
        VALUES (last_insert_rowid(), NEW.name_key, '');
END;

-- A rename, a move to another household, a merge, a withdrawal or their
-- undoing.
CREATE TRIGGER residents_search_update
AFTER UPDATE OF name_key, household_id, merged_into, voided ON residents
WHEN OLD.name_key IS NOT NEW.name_key OR OLD.household_id IS NOT NEW.household_id
    OR OLD.merged_into IS NOT NEW.merged_into
    OR (OLD.voided IS NULL) IS NOT (NEW.voided IS NULL)
BEGIN
    DELETE FROM search_fts
        WHERE rowid IN (SELECT doc FROM search_docs WHERE entity_id = OLD.id);
    DELETE FROM search_docs WHERE entity_id = OLD.id;
    INSERT INTO search_docs (entity_id, household_id, resident_id, name, address)
        SELECT NEW.id, NEW.household_id, NEW.id, NEW.name_key, ''
        WHERE NEW.merged_into IS NULL AND NEW.voided IS NULL;
    INSERT INTO search_fts (rowid, name, address)
        SELECT doc, name, address FROM search_docs WHERE entity_id = NEW.id;
END;
