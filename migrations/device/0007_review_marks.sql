-- The leader's review loop (gocua_core::review): "needs fix" marks on a
-- household, resident, visit or action. Synced like households: merged
-- field by field, field_hlcs holding each field's stamp. A mark is kept
-- with the household its record belongs to, whose devices get it.
CREATE TABLE review_marks (
    id            TEXT PRIMARY KEY,
    target_kind   TEXT NOT NULL,
    target_id     TEXT NOT NULL,
    household_id  TEXT NOT NULL,
    comment       TEXT NOT NULL,
    author        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    assignee      TEXT,
    state         TEXT NOT NULL CHECK (state IN ('open', 'resolved')),
    reply         TEXT,
    resolved_by   TEXT,
    resolved_at   TEXT,
    field_hlcs    TEXT NOT NULL
);
-- The household page's marks, and the home screen's open ones.
CREATE INDEX review_marks_household ON review_marks(household_id, created_at);
CREATE INDEX review_marks_open ON review_marks(state, assignee, created_at);
