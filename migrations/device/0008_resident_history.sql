-- A history fetch may now bring one resident's history (a resident of
-- another village merged into one this device holds, issue 6; see
-- crates/store/src/history.rs). SQLite cannot change a CHECK in place: the
-- table is made again with the new kind allowed.
CREATE TABLE pull_history_new (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    kind    TEXT NOT NULL CHECK (kind IN ('village', 'household', 'resident')),
    target  TEXT NOT NULL,
    after   INTEGER NOT NULL DEFAULT 0,
    until   INTEGER NOT NULL,
    UNIQUE (kind, target)
);
INSERT INTO pull_history_new (id, kind, target, after, until)
SELECT id, kind, target, after, until FROM pull_history;
DROP TABLE pull_history;
ALTER TABLE pull_history_new RENAME TO pull_history;
