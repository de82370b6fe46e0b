-- Signing in to the commune office's web pages (crates/store/src/central/
-- accounts.rs and sessions.rs). Only commune officers and admins get an
-- account, from `gocua-server admin member set-password`.

-- A password is kept only as its argon2id hash (PHC string: algorithm,
-- parameters and salt inside). `login` is what the officer types.
CREATE TABLE web_accounts (
    member_id      TEXT PRIMARY KEY REFERENCES members(id),
    login          TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    updated_at     TEXT NOT NULL
) WITHOUT ROWID;

-- Signed-in browsers. The cookie carries a random id; only its SHA-256 is
-- kept, so a copy of this table signs nobody in. `csrf_token` is the
-- session's synchronizer token, which every form posts back. A session ends
-- when idle too long (`last_seen_at`), at `expires_at` however busy, at
-- sign-out, and when the member's password is set again.
CREATE TABLE web_sessions (
    id_hash       TEXT PRIMARY KEY,
    member_id     TEXT NOT NULL REFERENCES members(id),
    csrf_token    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    expires_at    TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX web_sessions_member ON web_sessions(member_id);
CREATE INDEX web_sessions_expires ON web_sessions(expires_at);
