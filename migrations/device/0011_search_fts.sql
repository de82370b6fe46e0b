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

-- What the index finds, one row per household (its head's name and its
-- address) and per resident not merged (the name; address ''): household_id
-- and resident_id (NULL for the household's own row) say what a hit found;
-- name and address are the keys indexed. `doc` numbers the row in the index
-- (an INTEGER PRIMARY KEY keeps it through a VACUUM, a table's own rowid
-- may not).
CREATE TABLE search_docs (
    doc           INTEGER PRIMARY KEY,
    entity_id     TEXT NOT NULL UNIQUE,
    household_id  TEXT NOT NULL,
    resident_id   TEXT,
    name          TEXT NOT NULL,
    address       TEXT NOT NULL
);

-- The index itself holds no copy of the text (content ''): a search reads
-- its hits from search_docs by number, a plain B-tree seek, where reading
-- an FTS5 table's own columns costs a statement per row (3-5 µs: 10 ms for
-- a common syllable's 2,700 hits). contentless_delete lets a row be deleted
-- by number. The keys are lower case already (case_sensitive 1 spares
-- folding them again).
CREATE VIRTUAL TABLE search_fts USING fts5(
    name,
    address,
    content = '',
    contentless_delete = 1,
    tokenize = 'trigram case_sensitive 1'
);

INSERT INTO search_docs (entity_id, household_id, resident_id, name, address)
    SELECT id, id, NULL, head_name_key, address_key FROM households;
INSERT INTO search_docs (entity_id, household_id, resident_id, name, address)
    SELECT id, household_id, id, name_key, '' FROM residents WHERE merged_into IS NULL;
INSERT INTO search_fts (rowid, name, address) SELECT doc, name, address FROM search_docs;

-- Every body first removes what the row had in the index, then puts back
-- what it has now. (No `INSERT OR IGNORE` here: the upsert that fires these
-- triggers would impose its own conflict handling on it.)

CREATE TRIGGER households_search_insert AFTER INSERT ON households BEGIN
    DELETE FROM search_fts
        WHERE rowid IN (SELECT doc FROM search_docs WHERE entity_id = NEW.id);
    DELETE FROM search_docs WHERE entity_id = NEW.id;
    INSERT INTO search_docs (entity_id, household_id, resident_id, name, address)
        VALUES (NEW.id, NEW.id, NULL, NEW.head_name_key, NEW.address_key);
    INSERT INTO search_fts (rowid, name, address)
        VALUES (last_insert_rowid(), NEW.head_name_key, NEW.address_key);
END;

-- Every save rewrites every column: only a changed key touches the index.
CREATE TRIGGER households_search_update AFTER UPDATE OF head_name_key, address_key ON households
WHEN OLD.head_name_key IS NOT NEW.head_name_key OR OLD.address_key IS NOT NEW.address_key
BEGIN
    DELETE FROM search_fts
        WHERE rowid IN (SELECT doc FROM search_docs WHERE entity_id = OLD.id);
    UPDATE search_docs SET name = NEW.head_name_key, address = NEW.address_key
        WHERE entity_id = NEW.id;
    INSERT INTO search_fts (rowid, name, address)
        SELECT doc, name, address FROM search_docs WHERE entity_id = NEW.id;
END;

CREATE TRIGGER households_search_delete AFTER DELETE ON households BEGIN
    DELETE FROM search_fts
        WHERE rowid IN (SELECT doc FROM search_docs WHERE entity_id = OLD.id);
    DELETE FROM search_docs WHERE entity_id = OLD.id;
END;

CREATE TRIGGER residents_search_insert AFTER INSERT ON residents
WHEN NEW.merged_into IS NULL
BEGIN
    DELETE FROM search_fts
        WHERE rowid IN (SELECT doc FROM search_docs WHERE entity_id = NEW.id);
    DELETE FROM search_docs WHERE entity_id = NEW.id;
    INSERT INTO search_docs (entity_id, household_id, resident_id, name, address)
        VALUES (NEW.id, NEW.household_id, NEW.id, NEW.name_key, '');
    INSERT INTO search_fts (rowid, name, address)
        VALUES (last_insert_rowid(), NEW.name_key, '');
END;

-- A rename, a move to another household, a merge or its undoing.
CREATE TRIGGER residents_search_update
AFTER UPDATE OF name_key, household_id, merged_into ON residents
WHEN OLD.name_key IS NOT NEW.name_key OR OLD.household_id IS NOT NEW.household_id
    OR OLD.merged_into IS NOT NEW.merged_into
BEGIN
    DELETE FROM search_fts
        WHERE rowid IN (SELECT doc FROM search_docs WHERE entity_id = OLD.id);
    DELETE FROM search_docs WHERE entity_id = OLD.id;
    INSERT INTO search_docs (entity_id, household_id, resident_id, name, address)
        SELECT NEW.id, NEW.household_id, NEW.id, NEW.name_key, ''
        WHERE NEW.merged_into IS NULL;
    INSERT INTO search_fts (rowid, name, address)
        SELECT doc, name, address FROM search_docs WHERE entity_id = NEW.id;
END;

CREATE TRIGGER residents_search_delete AFTER DELETE ON residents BEGIN
    DELETE FROM search_fts
        WHERE rowid IN (SELECT doc FROM search_docs WHERE entity_id = OLD.id);
    DELETE FROM search_docs WHERE entity_id = OLD.id;
END;
