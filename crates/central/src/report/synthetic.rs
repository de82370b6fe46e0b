//! A synthetic province for the report benchmark, made inside PostgreSQL
//! with generate_series straight into `records` and the report tables (the
//! push path would take days at this size). Each commune gets villages with
//! one team of three each, an officer, the seed catalogue, households,
//! residents, visits through the year and their actions, with the report
//! tables filled as the projection would have (pairs' first done day and
//! next attempt, residents' masks, households' first day reached). Ids are
//! counters written as UUIDs, so every index grows at its end.

use crate::CentralError;
use crate::report::project::PROJECTION_VERSION;
use gocua_core::catalogue::seed_catalogue;
use gocua_core::{CommuneId, Role};
use postgres::{Config, NoTls};
use uuid::Uuid;

/// How big a province, per commune.
#[derive(Debug, Clone)]
pub struct SyntheticProvince {
    pub communes: usize,
    pub villages: usize,
    pub households: usize,
    /// A whole multiple of `households` keeps every household the same size.
    pub residents: usize,
    /// Three to a visit.
    pub actions: usize,
    /// Visits fall on the first `days` days of `year`.
    pub year: i32,
    pub days: u32,
}

/// Entity kinds in the synthetic ids' first group.
const COMMUNE: u32 = 1;
const VILLAGE: u32 = 2;
const TEAM: u32 = 3;
const MEMBER: u32 = 4;
const HOUSEHOLD: u32 = 5;
const RESIDENT: u32 = 6;
const VISIT: u32 = 7;
const ACTION: u32 = 8;

pub fn synthetic_id(kind: u32, n: u64) -> Uuid {
    Uuid::from_u128((u128::from(kind) << 96) | 0x0000_7000_8000_0000_0000_0000 | u128::from(n))
}

/// The same id in SQL, for a BIGINT expression `n`.
fn sql_id(kind: u32, n: &str) -> String {
    format!(
        "(lpad(to_hex({kind}), 8, '0') || '-0000-7000-8000-' || lpad(to_hex(({n})::BIGINT), 12, '0'))"
    )
}

/// Fill the (migrated, empty) schema at `url` with `spec`'s province;
/// `progress` hears of each commune done. Returns the communes.
pub fn synthetic_province(
    url: &str,
    spec: &SyntheticProvince,
    mut progress: impl FnMut(usize),
) -> Result<Vec<CommuneId>, CentralError> {
    let config: Config = url.parse()?;
    let mut client = config.connect(NoTls)?;
    // Commits flushed before VACUUM: it cannot mark pages all-visible (which
    // index-only scans need) over commits not yet durable.
    client.batch_execute("SET synchronous_commit = on")?;
    let mut out = Vec::new();
    for c in 0..spec.communes {
        let mut tx = client.transaction()?;
        for sql in commune_sql(spec, c as u64) {
            tx.batch_execute(&sql)?;
        }
        tx.commit()?;
        out.push(CommuneId(synthetic_id(COMMUNE, c as u64)));
        progress(c + 1);
    }
    for t in [
        "records",
        "rpt_households",
        "rpt_residents",
        "rpt_visits",
        "rpt_visit_members",
        "rpt_actions",
        "rpt_status",
        "rpt_reached",
        "rpt_follow_ups",
        "rpt_codes",
        "members",
        "villages",
        "teams",
        "team_villages",
        "action_catalogue",
    ] {
        // Outside a transaction: index-only scans need the visibility map.
        client.batch_execute(&format!("VACUUM (FREEZE, ANALYZE) {t}"))?;
    }
    Ok(out)
}

fn commune_sql(s: &SyntheticProvince, c: u64) -> Vec<String> {
    let (v, h, r, a) = (
        s.villages as u64,
        s.households as u64,
        s.residents as u64,
        s.actions as u64,
    );
    let visits = a.div_ceil(3);
    let per_home = (r / h).max(1);
    let cid = synthetic_id(COMMUNE, c).to_string();
    let year = s.year;
    let days = s.days.max(1);
    let mut sql = Vec::new();
    // The organisation, the catalogue and the report bookkeeping.
    sql.push(format!(
        "INSERT INTO communes (id, name, province, secret_hex, created_at)
         VALUES ('{cid}', 'Xã {n}', 'Tỉnh thử', repeat('ab', 32), '2026-01-01T00:00:00.000Z');
         INSERT INTO report_state (commune_id, version) VALUES ('{cid}', {PROJECTION_VERSION});",
        n = c + 1
    ));
    let village = sql_id(VILLAGE, &format!("{c} * {v} + g"));
    let team = sql_id(TEAM, &format!("{c} * {v} + g"));
    sql.push(format!(
        "INSERT INTO villages (id, commune_id, name)
         SELECT {village}, '{cid}', 'Thôn ' || (g + 1) FROM generate_series(0, {v} - 1) g;
         INSERT INTO teams (id, commune_id, name)
         SELECT {team}, '{cid}', 'Tổ CNS thôn ' || (g + 1) FROM generate_series(0, {v} - 1) g;
         INSERT INTO team_villages (team_id, village_id)
         SELECT {team}, {village} FROM generate_series(0, {v} - 1) g;"
    ));
    let member = sql_id(MEMBER, &format!("({c} * {v} + g) * 3 + j"));
    sql.push(format!(
        "INSERT INTO members (id, commune_id, team_id, full_name, role, active)
         SELECT {member}, '{cid}', {team}, 'Thành viên ' || (g + 1) || '.' || (j + 1),
                CASE WHEN j = 0 THEN '{leader}' ELSE '{plain}' END, 1
         FROM generate_series(0, {v} - 1) g, generate_series(0, 2) j;
         INSERT INTO members (id, commune_id, team_id, full_name, role, active)
         VALUES ('{officer}', '{cid}', NULL, 'Cán bộ xã', '{officer_role}', 1);",
        leader = Role::TeamLeader.as_str(),
        plain = Role::Member.as_str(),
        officer = synthetic_id(MEMBER, 1 << 40 | c),
        officer_role = Role::CommuneOfficer.as_str(),
    ));
    let catalogue = seed_catalogue();
    let rows: Vec<String> = catalogue
        .iter()
        .map(|e| {
            format!(
                "('{cid}', '{}', '{}', '{}', {}, {}, 1, {})",
                e.code,
                e.name_vi.replace('\'', "''"),
                e.eligibility.as_str(),
                i32::from(e.in_checklist),
                i32::from(e.essential_platform),
                e.sort_order
            )
        })
        .collect();
    let codes: Vec<String> = catalogue.iter().map(|e| format!("'{}'", e.code)).collect();
    let bits: Vec<String> = catalogue
        .iter()
        .enumerate()
        .map(|(i, e)| format!("('{cid}', '{}', {i})", e.code))
        .collect();
    sql.push(format!(
        "INSERT INTO action_catalogue (commune_id, code, name_vi, eligibility, in_checklist,
             essential_platform, active, sort_order) VALUES {};
         INSERT INTO rpt_codes (commune_id, code, bit) VALUES {};",
        rows.join(", "),
        bits.join(", ")
    ));
    let n = codes.len();
    let codes = format!("(ARRAY[{}])", codes.join(", "));

    // Households: village by turn.
    let hid = sql_id(HOUSEHOLD, &format!("{c} * {h} + k"));
    let hv = sql_id(VILLAGE, &format!("{c} * {v} + k % {v}"));
    sql.push(format!(
        "INSERT INTO rpt_households (household_id, commune_id, village_id)
         SELECT {hid}, '{cid}', {hv} FROM generate_series(0, {h} - 1) k;
         INSERT INTO records (entity_id, entity, commune_id, village_id, parent_id, fields)
         SELECT {hid}, 'household', '{cid}', {hv}, NULL,
                json_build_object('village_id', {hv}, 'address', 'Số ' || (k + 1),
                    'head_name', 'Chủ hộ ' || (k + 1), 'phone', NULL, 'poor', false,
                    'near_poor', false, 'ethnic_minority', false, 'elderly_only', false,
                    'no_smartphone', false)::TEXT
         FROM generate_series(0, {h} - 1) k;"
    ));

    // Visits: household spread by a prime, day by turn; one member of the
    // village's team each; every one met. Actions: three a visit, for the
    // household's residents in turn (resident k lives in household k % h).
    let vid = sql_id(VISIT, &format!("{c} * {visits} + k"));
    let home = format!("((k * 7919) % {h})");
    let vh = sql_id(HOUSEHOLD, &format!("{c} * {h} + {home}"));
    let vv = sql_id(VILLAGE, &format!("{c} * {v} + {home} % {v}"));
    let vm = sql_id(MEMBER, &format!("({c} * {v} + {home} % {v}) * 3 + k % 3"));
    let day = format!("(make_date({year}, 1, 1) + (k % {days})::INT)");
    let aid = sql_id(ACTION, &format!("{c} * {a} + x"));
    let res_k = format!("((v.k * 7919) % {h} + {h} * ((x * 13) % {per_home}))");
    let rid_of = |k: &str| sql_id(RESIDENT, &format!("{c} * {r} + {k}"));
    let res = rid_of("res_k");
    sql.push(format!(
        "CREATE TEMP TABLE gen_visits ON COMMIT DROP AS
         SELECT k, {vid} AS visit_id, {vh} AS household_id, {vv} AS village_id,
                {vm} AS member_id, to_char({day}, 'YYYY-MM-DD') AS day
         FROM generate_series(0, {visits} - 1) k;
         ANALYZE gen_visits;
         CREATE TEMP TABLE gen_actions ON COMMIT DROP AS
         SELECT {aid} AS action_id, v.visit_id, v.village_id, v.day, {res_k} AS res_k,
                {codes}[1 + (x * 7 + v.k) % {n}] AS code,
                CASE WHEN (x * 13 + v.k) % 20 < 12 THEN 'done'
                     WHEN (x * 13 + v.k) % 20 < 17 THEN 'follow_up'
                     ELSE 'not_possible' END AS status,
                to_char(v.day::DATE + (x % 30)::INT, 'YYYY-MM-DD') AS due_day
         FROM generate_series(0, {a} - 1) x JOIN gen_visits v ON v.k = x / 3;
         ALTER TABLE gen_actions ADD COLUMN resident_id TEXT COLLATE \"C\";
         UPDATE gen_actions SET resident_id = {res};
         ANALYZE gen_actions;
         CREATE TEMP TABLE gen_helped ON COMMIT DROP AS
         SELECT visit_id, max(CASE WHEN status <> 'not_possible' THEN 1 ELSE 0 END) AS helped
         FROM gen_actions GROUP BY visit_id;
         ANALYZE gen_helped;
         CREATE TEMP TABLE gen_status ON COMMIT DROP AS
         SELECT res_k, resident_id, code, min(day) AS first_on,
                min(day) FILTER (WHERE status = 'done') AS done_on
         FROM gen_actions GROUP BY res_k, resident_id, code;
         ANALYZE gen_status;
         CREATE TEMP TABLE gen_masks ON COMMIT DROP AS
         SELECT s.res_k,
                coalesce(bit_or(1::BIGINT << b.bit) FILTER (WHERE s.done_on IS NOT NULL), 0)
                    AS done,
                bit_or(1::BIGINT << b.bit) AS att,
                max(greatest(s.first_on, coalesce(s.done_on, s.first_on))) AS changed
         FROM gen_status s JOIN rpt_codes b ON b.commune_id = '{cid}' AND b.code = s.code
         GROUP BY s.res_k;
         ANALYZE gen_masks;"
    ));
    // Residents with their masks, as the projection keeps them.
    let rid = rid_of("k");
    let rh = sql_id(HOUSEHOLD, &format!("{c} * {h} + k % {h}"));
    let rv = sql_id(VILLAGE, &format!("{c} * {v} + (k % {h}) % {v}"));
    sql.push(format!(
        "INSERT INTO rpt_residents (resident_id, commune_id, village_id, household_id, birth_year,
             done_mask, att_mask, changed_on)
         SELECT {rid}, '{cid}', {rv}, {rh}, 1930 + (k * 37) % 97,
                coalesce(m.done, 0), coalesce(m.att, 0), m.changed
         FROM generate_series(0, {r} - 1) k LEFT JOIN gen_masks m ON m.res_k = k;
         INSERT INTO records (entity_id, entity, commune_id, village_id, parent_id, fields)
         SELECT {rid}, 'resident', '{cid}', {rv}, {rh},
                json_build_object('household_id', {rh}, 'full_name', 'Người ' || (k + 1),
                    'birth_year', 1930 + (k * 37) % 97, 'sex', 'female',
                    'has_smartphone', true, 'consent_on', NULL,
                    'citizen_id_hash', NULL)::TEXT
         FROM generate_series(0, {r} - 1) k;
         INSERT INTO rpt_status (resident_id, code, commune_id, village_id, household_id,
             birth_year, first_on, done_on)
         SELECT resident_id, code, '{cid}',
                {sv}, {sh}, 1930 + (res_k * 37) % 97, first_on, done_on
         FROM gen_status;",
        sv = sql_id(VILLAGE, &format!("{c} * {v} + (res_k % {h}) % {v}")),
        sh = sql_id(HOUSEHOLD, &format!("{c} * {h} + res_k % {h}")),
    ));
    sql.push(format!(
        "INSERT INTO rpt_visits (visit_id, commune_id, village_id, household_id, day, live, met,
             reached, helped)
         SELECT v.visit_id, '{cid}', v.village_id, v.household_id, v.day, 1, 1, 1,
                coalesce(x.helped, 0)
         FROM gen_visits v LEFT JOIN gen_helped x ON x.visit_id = v.visit_id;
         INSERT INTO rpt_visit_members (visit_id, member_id, commune_id, day, household_id, helped)
         SELECT v.visit_id, v.member_id, '{cid}', v.day, v.household_id, coalesce(x.helped, 0)
         FROM gen_visits v LEFT JOIN gen_helped x ON x.visit_id = v.visit_id;
         INSERT INTO records (entity_id, entity, commune_id, village_id, parent_id, fields)
         SELECT visit_id, 'visit', '{cid}', village_id, household_id,
                json_build_object('household_id', household_id, 'members',
                    json_build_array(member_id), 'at', day || 'T03:00:00Z',
                    'form', 'door_to_door', 'outcome', 'met', 'note', NULL,
                    'voided', NULL)::TEXT
         FROM gen_visits;
         INSERT INTO rpt_reached (household_id, year, commune_id, village_id, first_on)
         SELECT household_id, {year}, '{cid}', min(village_id), min(day)
         FROM gen_visits GROUP BY household_id;"
    ));
    sql.push(format!(
        "CREATE TEMP TABLE gen_pairs ON COMMIT DROP AS
         SELECT action_id, village_id, visit_id, resident_id, code, status, due_day, day,
                min(day) FILTER (WHERE status = 'done')
                    OVER (PARTITION BY resident_id, code) AS done_on,
                lead(day) OVER (PARTITION BY resident_id, code ORDER BY day, action_id)
                    AS next_on
         FROM gen_actions;
         INSERT INTO rpt_actions (action_id, commune_id, village_id, visit_id, resident_id, code,
             status, due, day, live, assist, done_on, next_on, recorded_for)
         SELECT action_id, '{cid}', village_id, visit_id, resident_id, code, status,
                CASE WHEN status = 'follow_up' THEN due_day END, day, 1,
                CASE WHEN status = 'not_possible' THEN 0 ELSE 1 END, done_on, next_on,
                resident_id
         FROM gen_pairs;
         INSERT INTO rpt_follow_ups (action_id, member_id, commune_id, day, due, closed_on)
         SELECT p.action_id, v.member_id, '{cid}', p.day, p.due_day,
                CASE WHEN p.next_on IS NULL THEN p.done_on
                     WHEN p.done_on IS NULL THEN p.next_on
                     ELSE least(p.next_on, p.done_on) END
         FROM gen_pairs p JOIN gen_visits v ON v.visit_id = p.visit_id
         WHERE p.status = 'follow_up';
         INSERT INTO records (entity_id, entity, commune_id, village_id, parent_id, fields)
         SELECT action_id, 'assisted_action', '{cid}', village_id, visit_id,
                json_build_object('visit_id', visit_id, 'resident_id', resident_id,
                    'action', code, 'outcome', CASE status
                        WHEN 'done' THEN json_build_object('status', 'done')
                        WHEN 'follow_up' THEN json_build_object('status', 'follow_up',
                            'due', due_day)
                        ELSE json_build_object('status', 'not_possible',
                            'reason', 'no_smartphone', 'note', NULL) END,
                    'voided', NULL)::TEXT
         FROM gen_actions;"
    ));
    sql
}
