-- Search by any part of a name or an address, however it is typed (issue 17):
-- `LIKE '%q%'` read every name of the commune on each keystroke (p95 82 ms on
-- a desktop core) and never looked at addresses. An FTS5 index with the
-- trigram tokenizer finds any substring of 3 or more characters from the
-- index instead.
--
-- What is indexed are folded keys (gocua_core::text::search_key: lower case,
-- no diacritics, đ → d), so "ngo chua" finds "Số 3, ngõ Chùa". The store
-- writes the keys (head_name_key, address_key, name_key) with every save;
-- the triggers below copy them into the index in the same statement, so
-- every path that writes a household or resident (the app's forms, a merge,
-- a row pulled from the server, the demo and bulk imports) keeps the index
-- in its own transaction. Merged residents are left out of the index: they
-- are found as the one they were merged into.
--
-- `gocua_search_key` is a function the store registers on its connection
-- (open.rs); only this migration calls it, to fold the addresses of a file
-- made before this version.

ALTER TABLE households ADD COLUMN address_key TEXT NOT NULL DEFAULT '';
UPDATE households SET address_key = gocua_search_key(address);

-- The index's row number per household or resident: FTS5 rows are found by
-- number, and a table's own rowid may change on VACUUM while this one (an
-- INTEGER PRIMARY KEY) does not.
CREATE TABLE search_docs (
    doc        INTEGER PRIMARY KEY,
    entity_id  TEXT NOT NULL UNIQUE
);

-- One row per household (its head's name and its address) and per resident
-- not merged (the name; address empty). household_id and resident_id say what
-- a hit found (resident_id NULL for the household's own row). The keys are
-- lower case already (case_sensitive 1 spares folding them again), and
-- nothing ranks by bm25 (columnsize 0 spares a table of column sizes).
CREATE VIRTUAL TABLE search_fts USING fts5(
    household_id UNINDEXED,
    resident_id UNINDEXED,
    name,
    address,
    tokenize = 'trigram case_sensitive 1',
    columnsize = 0
);

INSERT INTO search_docs (entity_id) SELECT id FROM households;
INSERT INTO search_docs (entity_id) SELECT id FROM residents WHERE merged_into IS NULL;
INSERT INTO search_fts (rowid, household_id, resident_id, name, address)
    SELECT d.doc, h.id, NULL, h.head_name_key, h.address_key
    FROM households h JOIN search_docs d ON d.entity_id = h.id;
INSERT INTO search_fts (rowid, household_id, resident_id, name, address)
    SELECT d.doc, r.household_id, r.id, r.name_key, ''
    FROM residents r JOIN search_docs d ON d.entity_id = r.id
    WHERE r.merged_into IS NULL;

CREATE TRIGGER households_search_insert AFTER INSERT ON households BEGIN
    INSERT INTO search_docs (entity_id) SELECT NEW.id
        WHERE NOT EXISTS (SELECT 1 FROM search_docs WHERE entity_id = NEW.id);
    DELETE FROM search_fts
        WHERE rowid = (SELECT doc FROM search_docs WHERE entity_id = NEW.id);
    INSERT INTO search_fts (rowid, household_id, resident_id, name, address)
        SELECT doc, NEW.id, NULL, NEW.head_name_key, NEW.address_key
        FROM search_docs WHERE entity_id = NEW.id;
END;

-- Every save rewrites every column: only a changed key touches the index.
CREATE TRIGGER households_search_update AFTER UPDATE OF head_name_key, address_key ON households
WHEN OLD.head_name_key IS NOT NEW.head_name_key OR OLD.address_key IS NOT NEW.address_key
BEGIN
    UPDATE search_fts SET name = NEW.head_name_key, address = NEW.address_key
        WHERE rowid = (SELECT doc FROM search_docs WHERE entity_id = NEW.id);
END;

CREATE TRIGGER households_search_delete AFTER DELETE ON households BEGIN
    DELETE FROM search_fts
        WHERE rowid = (SELECT doc FROM search_docs WHERE entity_id = OLD.id);
    DELETE FROM search_docs WHERE entity_id = OLD.id;
END;

CREATE TRIGGER residents_search_insert AFTER INSERT ON residents
WHEN NEW.merged_into IS NULL
BEGIN
    INSERT INTO search_docs (entity_id) SELECT NEW.id
        WHERE NOT EXISTS (SELECT 1 FROM search_docs WHERE entity_id = NEW.id);
    DELETE FROM search_fts
        WHERE rowid = (SELECT doc FROM search_docs WHERE entity_id = NEW.id);
    INSERT INTO search_fts (rowid, household_id, resident_id, name, address)
        SELECT doc, NEW.household_id, NEW.id, NEW.name_key, ''
        FROM search_docs WHERE entity_id = NEW.id;
END;

-- A rename, a move to another household, a merge or its undoing. (No
-- `INSERT OR IGNORE` in these bodies: the upsert that fires them would
-- impose its own conflict handling on it.)
CREATE TRIGGER residents_search_update
AFTER UPDATE OF name_key, household_id, merged_into ON residents
WHEN OLD.name_key IS NOT NEW.name_key OR OLD.household_id IS NOT NEW.household_id
    OR OLD.merged_into IS NOT NEW.merged_into
BEGIN
    DELETE FROM search_fts
        WHERE rowid = (SELECT doc FROM search_docs WHERE entity_id = OLD.id);
    INSERT INTO search_docs (entity_id) SELECT NEW.id
        WHERE NEW.merged_into IS NULL
          AND NOT EXISTS (SELECT 1 FROM search_docs WHERE entity_id = NEW.id);
    INSERT INTO search_fts (rowid, household_id, resident_id, name, address)
        SELECT doc, NEW.household_id, NEW.id, NEW.name_key, ''
        FROM search_docs WHERE entity_id = NEW.id AND NEW.merged_into IS NULL;
END;

CREATE TRIGGER residents_search_delete AFTER DELETE ON residents BEGIN
    DELETE FROM search_fts
        WHERE rowid = (SELECT doc FROM search_docs WHERE entity_id = OLD.id);
    DELETE FROM search_docs WHERE entity_id = OLD.id;
END;
