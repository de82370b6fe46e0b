-- PostgreSQL edition of migrations/server/0020_import_undo.sql.
ALTER TABLE registry_imports ADD COLUMN undone_at TEXT COLLATE "C";
ALTER TABLE registry_imports ADD COLUMN undone_by TEXT;
ALTER TABLE registry_imports ADD COLUMN undo_report TEXT;

CREATE TABLE registry_import_refusals (
    commune_id  TEXT COLLATE "C" NOT NULL REFERENCES communes(id),
    entity_id   TEXT COLLATE "C" NOT NULL,
    field       TEXT COLLATE "C" NOT NULL,
    value_hash  TEXT COLLATE "C" NOT NULL,
    import_id   BIGINT NOT NULL REFERENCES registry_imports(id),
    PRIMARY KEY (entity_id, field, value_hash)
);

ALTER TABLE rpt_households ADD COLUMN voided INTEGER NOT NULL DEFAULT 0;
