-- Undoing a registry import (issue 16).
--
-- The undo is recorded on the import's own row: when, by whom, and what it
-- did (UndoReport as JSON: records withdrawn, households kept for members'
-- work, corrections put back or kept), for `admin import list` and the
-- office's Nhật ký page.
ALTER TABLE registry_imports ADD COLUMN undone_at TEXT;
ALTER TABLE registry_imports ADD COLUMN undone_by TEXT;
ALTER TABLE registry_imports ADD COLUMN undo_report TEXT;

-- A field a member changed on a phone is kept against the file, and said
-- so once per distinct value the file brings (not on every re-import of a
-- list that still has the old one): the value refused, as a SHA-256 of its
-- JSON (the conflict itself is listed in full once; no second copy of the
-- personal data is kept here), with the import that first refused it.
CREATE TABLE registry_import_refusals (
    commune_id  TEXT NOT NULL REFERENCES communes(id),
    entity_id   TEXT NOT NULL,
    field       TEXT NOT NULL,
    value_hash  TEXT NOT NULL,
    import_id   INTEGER NOT NULL REFERENCES registry_imports(id),
    PRIMARY KEY (entity_id, field, value_hash)
);

-- Households the office withdrew stay in the report tables (their visits,
-- if any, still need a village) but count in no denominator.
ALTER TABLE rpt_households ADD COLUMN voided INTEGER NOT NULL DEFAULT 0;
