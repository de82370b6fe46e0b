-- The audit of exports (crates/store/src/central/audit.rs): each quarterly
-- workbook, CSV or report taken from the server, by whom, when. Only ever
-- added to. Numbered after 0009_training on this branch.

CREATE TABLE export_audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    commune_id  TEXT NOT NULL REFERENCES communes(id),
    -- The signed-in officer (web); NULL from `admin report`.
    member_id   TEXT REFERENCES members(id),
    actor       TEXT NOT NULL,
    channel     TEXT NOT NULL CHECK (channel IN ('web', 'admin')),
    what        TEXT NOT NULL,
    period      TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX export_audit_commune ON export_audit(commune_id, id);
