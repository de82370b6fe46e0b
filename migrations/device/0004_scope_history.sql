-- Scope changes (see crates/store/src/history.rs): which villages' changes
-- this device holds in full, and the history it still has to fetch after
-- its scope grew (a village its team gained, a household that moved in from
-- a village it does not hold).

-- Villages whose every change this device has, or is fetching. Devices
-- enrolled before this start with their enrollment's villages.
CREATE TABLE pull_villages (
    village_id  TEXT PRIMARY KEY
) WITHOUT ROWID;
INSERT OR IGNORE INTO pull_villages (village_id)
SELECT j.value FROM enrollment e, json_each(e.scope, '$.village_ids') j
WHERE json_valid(e.scope) AND j.type = 'text';

-- History to fetch: the changes of `target` (a village or a household) with
-- `after` < seq <= `until`; `after` moves on with each page applied.
CREATE TABLE pull_history (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    kind    TEXT NOT NULL CHECK (kind IN ('village', 'household')),
    target  TEXT NOT NULL,
    after   INTEGER NOT NULL DEFAULT 0,
    until   INTEGER NOT NULL,
    UNIQUE (kind, target)
);
