-- PostgreSQL edition of migrations/server/0005_report_summary.sql.
-- Report tables, second step: what a dashboard reads is one row per
-- resident and one per household-year, not every action (0002's tables
-- stay the truth behind them and behind drill-downs).
--
-- `rpt_codes`: a fixed bit per action code of a commune, given when the
-- code is first recorded and never reused, so masks stay valid when the
-- catalogue changes. Residents carry the masks of the codes they have done
-- and attempted (live records, all time) and `changed_on`, the latest day
-- either mask gained a bit: a figure taken on or after that day reads the
-- masks; a resident changed later is recounted from `rpt_status`.
-- `rpt_reached`: per household and year, the first day someone came to the
-- door (a live visit, met or refused).

CREATE TABLE rpt_codes (
    commune_id  TEXT COLLATE "C" NOT NULL,
    code        TEXT COLLATE "C" NOT NULL,
    bit         INTEGER NOT NULL CHECK (bit >= 0 AND bit < 62),
    PRIMARY KEY (commune_id, code)
);

ALTER TABLE rpt_residents ADD COLUMN done_mask BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rpt_residents ADD COLUMN att_mask BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rpt_residents ADD COLUMN changed_on TEXT COLLATE "C";
CREATE INDEX rpt_residents_masks
    ON rpt_residents(commune_id, village_id, household_id, birth_year, done_mask, att_mask,
                     changed_on);
CREATE INDEX rpt_residents_changed ON rpt_residents(commune_id, changed_on)
    WHERE changed_on IS NOT NULL;

CREATE TABLE rpt_reached (
    household_id  TEXT COLLATE "C" NOT NULL,
    year          INTEGER NOT NULL,
    commune_id    TEXT COLLATE "C" NOT NULL,
    village_id    TEXT COLLATE "C" NOT NULL,
    first_on      TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (household_id, year)
);
CREATE INDEX rpt_reached_commune ON rpt_reached(commune_id, year, village_id, first_on);
