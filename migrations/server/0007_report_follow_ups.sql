-- Report tables, fourth step: open follow-ups per member without joining
-- every follow-up to its visit's members. One row per live follow-up action
-- and member its visit credits; `closed_on` is the first day it stopped
-- being open (the pair's next attempt or first done day, whichever comes
-- first; NULL while open), so "open at day D" is `day <= D AND (closed_on
-- IS NULL OR closed_on > D)`, two index seeks.

CREATE TABLE rpt_follow_ups (
    action_id   TEXT NOT NULL,
    member_id   TEXT NOT NULL,
    commune_id  TEXT NOT NULL,
    day         TEXT NOT NULL,
    due         TEXT NOT NULL,
    closed_on   TEXT,
    PRIMARY KEY (action_id, member_id)
) WITHOUT ROWID;
CREATE INDEX rpt_follow_ups_open ON rpt_follow_ups(commune_id, closed_on, member_id, day, due);
