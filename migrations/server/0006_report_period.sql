-- Report tables, third step: a period's work is loaded visit by visit
-- (central/report_sql.rs) and counted in Rust, so the period indexes lead
-- with (commune, day) and carry what is loaded; the old per-day indexes that
-- grouped in SQL go.

DROP INDEX rpt_actions_day;
CREATE INDEX rpt_actions_period
    ON rpt_actions(commune_id, day, visit_id, live, code, status, due);

DROP INDEX rpt_visits_day;
CREATE INDEX rpt_visits_period
    ON rpt_visits(commune_id, day, visit_id, village_id, household_id, live, met, reached, helped);

DROP INDEX rpt_visit_members_day;
CREATE INDEX rpt_visit_members_period
    ON rpt_visit_members(commune_id, day, visit_id, member_id, household_id, helped);
