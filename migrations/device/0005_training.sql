-- Members' training records as the server last sent them with the
-- organisation (crates/store/src/training.rs): a member's own, a leader's
-- team's. Owned by the server and replaced whole on each refresh; never in
-- the outbox.
CREATE TABLE member_training (
    member_id  TEXT NOT NULL,
    day        TEXT NOT NULL,
    topic      TEXT NOT NULL,
    PRIMARY KEY (member_id, day, topic)
) WITHOUT ROWID;
