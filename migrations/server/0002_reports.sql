-- Report tables: a typed projection of `records` for the commune's figures
-- (crates/store/src/central/report_project.rs keeps it in the same
-- transaction as every accepted change; report_sql.rs reads it). The JSON
-- `records` are the truth; these can be rebuilt from them at any time.
-- Days are Vietnam-local 'YYYY-MM-DD' text, so text order is day order.
-- Villages are where a household is now: a household moving updates them.
-- No names here: drill-downs read them from `records`, so personal data is
-- kept once.

-- Which communes' projection is built, by the code's projection version
-- (a commune without a row, or an older version, is rebuilt first).
CREATE TABLE report_state (
    commune_id  TEXT PRIMARY KEY REFERENCES communes(id),
    version     INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE rpt_households (
    household_id  TEXT PRIMARY KEY,
    commune_id    TEXT NOT NULL,
    village_id    TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX rpt_households_village ON rpt_households(commune_id, village_id);

CREATE TABLE rpt_residents (
    resident_id   TEXT PRIMARY KEY,
    commune_id    TEXT NOT NULL,
    village_id    TEXT NOT NULL,
    household_id  TEXT NOT NULL,
    birth_year    INTEGER NOT NULL
) WITHOUT ROWID;
-- Denominators by village and age; every resident with their household.
CREATE INDEX rpt_residents_commune
    ON rpt_residents(commune_id, village_id, birth_year, household_id, resident_id);
CREATE INDEX rpt_residents_household ON rpt_residents(household_id);

-- `met`: the outcome was "met"; `reached`: someone came to the door (met or
-- refused); `helped`: met with at least one live assist (rules.rs); `live`:
-- not voided.
CREATE TABLE rpt_visits (
    visit_id      TEXT PRIMARY KEY,
    commune_id    TEXT NOT NULL,
    village_id    TEXT NOT NULL,
    household_id  TEXT NOT NULL,
    day           TEXT NOT NULL,
    live          INTEGER NOT NULL,
    met           INTEGER NOT NULL,
    reached       INTEGER NOT NULL,
    helped        INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX rpt_visits_day
    ON rpt_visits(commune_id, day, village_id, household_id, live, reached, helped);
CREATE INDEX rpt_visits_household ON rpt_visits(household_id);

-- One row per member a visit credits.
CREATE TABLE rpt_visit_members (
    visit_id      TEXT NOT NULL,
    member_id     TEXT NOT NULL,
    commune_id    TEXT NOT NULL,
    day           TEXT NOT NULL,
    household_id  TEXT NOT NULL,
    helped        INTEGER NOT NULL,
    PRIMARY KEY (visit_id, member_id)
) WITHOUT ROWID;
CREATE INDEX rpt_visit_members_day
    ON rpt_visit_members(commune_id, day, member_id, household_id, helped);

-- `assist` as rules.rs counts it; `live`: neither the action nor its visit
-- is voided. Per (resident, code) "pair": `done_on` is the pair's first live
-- done day, `next_on` the day of the pair's next live attempt after this one
-- in (day, action_id) order — so "open follow-up at day D" is a test on one
-- row: a live follow-up on or before D, not done by D, not superseded by D.
CREATE TABLE rpt_actions (
    action_id    TEXT PRIMARY KEY,
    commune_id   TEXT NOT NULL,
    village_id   TEXT NOT NULL,
    visit_id     TEXT NOT NULL,
    resident_id  TEXT NOT NULL,
    code         TEXT NOT NULL,
    status       TEXT NOT NULL,
    due          TEXT,
    day          TEXT NOT NULL,
    live         INTEGER NOT NULL,
    assist       INTEGER NOT NULL,
    done_on      TEXT,
    next_on      TEXT
) WITHOUT ROWID;
CREATE INDEX rpt_actions_visit ON rpt_actions(visit_id, live, assist, code, status);
CREATE INDEX rpt_actions_pair ON rpt_actions(resident_id, code, day, action_id, live, status);
CREATE INDEX rpt_actions_day
    ON rpt_actions(commune_id, day, village_id, live, assist, code, status);
CREATE INDEX rpt_actions_follow_up
    ON rpt_actions(commune_id, day, next_on, done_on, due, visit_id)
    WHERE status = 'follow_up' AND live = 1;

-- Each resident's standing per action code with any live record: the first
-- live attempt and the first live done day.
CREATE TABLE rpt_status (
    resident_id   TEXT NOT NULL,
    code          TEXT NOT NULL,
    commune_id    TEXT NOT NULL,
    village_id    TEXT NOT NULL,
    household_id  TEXT NOT NULL,
    birth_year    INTEGER NOT NULL,
    first_on      TEXT NOT NULL,
    done_on       TEXT,
    PRIMARY KEY (resident_id, code)
) WITHOUT ROWID;
CREATE INDEX rpt_status_done
    ON rpt_status(commune_id, done_on, code, village_id, birth_year, household_id)
    WHERE done_on IS NOT NULL;
CREATE INDEX rpt_status_resident
    ON rpt_status(commune_id, resident_id, code, first_on, done_on);
