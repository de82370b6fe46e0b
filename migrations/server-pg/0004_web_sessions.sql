-- PostgreSQL edition of migrations/server/0004_web_sessions.sql: the same
-- tables; ids, hashes and times compared byte by byte (COLLATE "C").

CREATE TABLE web_accounts (
    member_id      TEXT COLLATE "C" PRIMARY KEY REFERENCES members(id),
    login          TEXT COLLATE "C" NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    updated_at     TEXT COLLATE "C" NOT NULL
);

CREATE TABLE web_sessions (
    id_hash       TEXT COLLATE "C" PRIMARY KEY,
    member_id     TEXT COLLATE "C" NOT NULL REFERENCES members(id),
    csrf_token    TEXT COLLATE "C" NOT NULL,
    created_at    TEXT COLLATE "C" NOT NULL,
    last_seen_at  TEXT COLLATE "C" NOT NULL,
    expires_at    TEXT COLLATE "C" NOT NULL
);
CREATE INDEX web_sessions_member ON web_sessions(member_id);
CREATE INDEX web_sessions_expires ON web_sessions(expires_at);
