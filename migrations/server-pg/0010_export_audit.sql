-- PostgreSQL edition of migrations/server/0010_export_audit.sql.

CREATE TABLE export_audit (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    commune_id  TEXT COLLATE "C" NOT NULL REFERENCES communes(id),
    member_id   TEXT COLLATE "C" REFERENCES members(id),
    actor       TEXT NOT NULL,
    channel     TEXT NOT NULL CHECK (channel IN ('web', 'admin')),
    what        TEXT NOT NULL,
    period      TEXT NOT NULL,
    at          TEXT COLLATE "C" NOT NULL
);
CREATE INDEX export_audit_commune ON export_audit(commune_id, id);
