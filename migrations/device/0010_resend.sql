-- After the commune server is restored from a backup (issue 14), a device
-- sends again every change it authored: the server takes what it lacks by
-- change id and says "already had" for the rest. So a change the server
-- took leaves the outbox for this archive instead of being forgotten.
-- Ordered by `id`: the order the server took them in, parents first.
CREATE TABLE sent_changes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    change_id  TEXT NOT NULL UNIQUE,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    hlc        TEXT NOT NULL,
    fields     TEXT NOT NULL,
    base       TEXT NOT NULL DEFAULT '{}',
    sent_at    TEXT NOT NULL
);

-- The identity of the server's change log that holds everything this
-- device sent (NULL: not known yet). While the device sends again after a
-- restore, `resend_log_id` is the new identity and `resend_count` how many
-- changes it queued; `resent_at` is when the last such round finished.
ALTER TABLE sync_state ADD COLUMN log_id TEXT;
ALTER TABLE sync_state ADD COLUMN resend_log_id TEXT;
ALTER TABLE sync_state ADD COLUMN resend_count INTEGER;
ALTER TABLE sync_state ADD COLUMN resent_at TEXT;
