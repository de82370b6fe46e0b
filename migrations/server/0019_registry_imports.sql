-- Every registry import (issue 16): which file, by whom, when, and what it
-- did, listed by `admin import list` and on the office's Nhật ký page.
-- Rows are only ever added.
CREATE TABLE registry_imports (
    id          INTEGER PRIMARY KEY,
    commune_id  TEXT NOT NULL REFERENCES communes(id),
    -- `admin:USER` from the command line.
    actor       TEXT NOT NULL,
    -- The file's name only (not its folder), and the worksheet read.
    file_name   TEXT NOT NULL,
    sheet       TEXT NOT NULL,
    at          TEXT NOT NULL,
    -- What it did: ImportCounts as JSON.
    counts      TEXT NOT NULL
);
CREATE INDEX registry_imports_commune ON registry_imports(commune_id, id);

-- The records each import created or corrected, and the change that did
-- it: what an undo of the import would have to void or put back.
CREATE TABLE registry_import_records (
    import_id   INTEGER NOT NULL REFERENCES registry_imports(id),
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    action      TEXT NOT NULL CHECK (action IN ('created', 'updated')),
    change_id   TEXT NOT NULL,
    PRIMARY KEY (import_id, change_id)
);
CREATE INDEX registry_import_records_entity ON registry_import_records(entity_id);
