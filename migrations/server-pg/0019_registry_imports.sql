-- PostgreSQL edition of migrations/server/0019_registry_imports.sql.
CREATE TABLE registry_imports (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    commune_id  TEXT COLLATE "C" NOT NULL REFERENCES communes(id),
    actor       TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    sheet       TEXT NOT NULL,
    at          TEXT COLLATE "C" NOT NULL,
    counts      TEXT NOT NULL
);
CREATE INDEX registry_imports_commune ON registry_imports(commune_id, id);

CREATE TABLE registry_import_records (
    import_id   BIGINT NOT NULL REFERENCES registry_imports(id),
    entity      TEXT COLLATE "C" NOT NULL,
    entity_id   TEXT COLLATE "C" NOT NULL,
    action      TEXT COLLATE "C" NOT NULL CHECK (action IN ('created', 'updated')),
    change_id   TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (import_id, change_id)
);
CREATE INDEX registry_import_records_entity ON registry_import_records(entity_id);
