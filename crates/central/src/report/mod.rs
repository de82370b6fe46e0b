//! Reports for leaders and the commune office: the commune's dashboard,
//! a team's, a village's and a member's figures for a month or a quarter,
//! the quarterly report, and the records behind any figure. Counting is
//! `report_sql` over the report tables (kept by `report_project`); targets,
//! quotas, rankings and deadlines are `gocua_core::indicators`', the same
//! code a device runs on its own records, so both show the same figures.
//!
//! Every call takes `today` (the day in Vietnam) rather than reading the
//! clock: figures are taken at `period.as_of(today)`. Callers decide who may
//! see what (a web session's role, a device's scope); the ids here are
//! checked to exist and to belong together.

pub(crate) mod catch_up;
pub(crate) mod derived;
pub(crate) mod drill;
pub(crate) mod merges;
pub(crate) mod project;
pub(crate) mod stock;
#[cfg(feature = "postgres")]
pub(crate) mod synthetic;
pub(crate) mod work;

use crate::backend::sql::{Tx, vals};
use crate::lookups::{catalogue, org_snapshot};
use crate::report::drill::Drill;
use crate::report::project::rebuild;
use crate::report::stock::indicator_counts;
use crate::report::work::work_facts;
use crate::{CentralDb, CentralError};
use chrono::{DateTime, NaiveDate, Utc};
use gocua_core::indicators::{
    CommuneDashboard, Counts, DrillPage, DrillQuery, MemberPeriod, Period, Quarter, QuarterReport,
    Subject, Targets, TeamView, VillageView, WorkFacts, commune_dashboard, member_period,
    quarter_report, team_view, village_view,
};
use gocua_core::text::vietnamese_cmp;
use gocua_core::{CatalogueEntry, Commune, CommuneId, MemberId, OrgSnapshot, TeamId, VillageId};
use std::collections::BTreeMap;

pub use crate::report::drill::MAX_PAGE;

/// Everything counted for one commune and period, in one snapshot.
struct Facts {
    org: OrgSnapshot,
    targets: Targets,
    as_of: NaiveDate,
    counts: BTreeMap<VillageId, Counts>,
    work: WorkFacts,
}

fn commune_of(
    tx: &mut dyn Tx,
    table: &str,
    what: &'static str,
    id: String,
) -> Result<CommuneId, CentralError> {
    tx.query_opt(
        &format!("SELECT commune_id FROM {table} WHERE id = $1"),
        vals![id.as_str()],
    )?
    .ok_or_else(|| CentralError::not_found(what, &id))?
    .parse(0)
}

fn targets(tx: &mut dyn Tx, commune: CommuneId) -> Result<Targets, CentralError> {
    let rows = tx.query(
        "SELECT indicator, percent FROM targets WHERE commune_id = $1",
        vals![commune.to_string()],
    )?;
    let set = rows
        .iter()
        .map(|r| Ok((r.string(0)?, r.real(1)?)))
        .collect::<Result<Vec<_>, CentralError>>()?;
    Ok(Targets::with_overrides(
        set.iter().map(|(c, p)| (c.as_str(), *p)),
    ))
}

impl CentralDb {
    /// Every commune on this server, in Vietnamese order.
    pub fn communes(&self) -> Result<Vec<Commune>, CentralError> {
        let mut out = self.read(|tx| {
            tx.query("SELECT id, name, province FROM communes", &[])?
                .iter()
                .map(|r| {
                    Ok(Commune {
                        id: r.parse(0)?,
                        name: r.string(1)?,
                        province: r.string(2)?,
                    })
                })
                .collect::<Result<Vec<_>, CentralError>>()
        })?;
        out.sort_by(|a, b| vietnamese_cmp(&a.name, &b.name));
        Ok(out)
    }

    /// Rebuild a commune's report tables from its records now.
    pub fn rebuild_reports(&self, commune: CommuneId) -> Result<(), CentralError> {
        self.write(|tx| {
            tx.lock_commune(commune)?;
            tx.lock_reports(commune)?;
            rebuild(tx, commune)
        })
    }

    /// Run `f` reading one consistent snapshot (PostgreSQL: repeatable read;
    /// SQLite: a read transaction is one).
    fn report_read<T>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, CentralError>,
    ) -> Result<T, CentralError> {
        let pg = self.backend_name() == "postgres";
        self.read(|tx| {
            if pg {
                tx.execute(
                    "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
                    &[],
                )?;
            }
            f(tx)
        })
    }

    fn facts(
        &self,
        commune: CommuneId,
        period: Period,
        today: NaiveDate,
    ) -> Result<Facts, CentralError> {
        self.reports_ready(commune)?;
        let as_of = period.as_of(today);
        self.report_read(|tx| {
            let org = org_snapshot(tx, commune)?;
            let cat: Vec<CatalogueEntry> = catalogue(tx, commune)?;
            Ok(Facts {
                targets: targets(tx, commune)?,
                counts: indicator_counts(tx, commune, &cat, as_of)?,
                work: work_facts(tx, &org, period, as_of)?,
                org,
                as_of,
            })
        })
    }

    /// The commune's targets: the plans' defaults (DOMAIN.md) overridden by
    /// what the commune set (`set_target`).
    pub fn report_targets(&self, commune: CommuneId) -> Result<Targets, CentralError> {
        self.read(|tx| targets(tx, commune))
    }

    /// The commune office's dashboard: indicators per village, team and
    /// commune against targets; every team's and village's work.
    pub fn commune_dashboard(
        &self,
        commune: CommuneId,
        period: Period,
        today: NaiveDate,
    ) -> Result<CommuneDashboard, CentralError> {
        let f = self.facts(commune, period, today)?;
        Ok(commune_dashboard(
            &f.org, &f.targets, period, f.as_of, &f.counts, &f.work,
        ))
    }

    /// A team leader's view: the team's and its members' work, its
    /// villages' indicators.
    pub fn team_view(
        &self,
        team: TeamId,
        period: Period,
        today: NaiveDate,
    ) -> Result<TeamView, CentralError> {
        let commune = self.read(|tx| commune_of(tx, "teams", "team", team.to_string()))?;
        let f = self.facts(commune, period, today)?;
        let t = f
            .org
            .teams
            .iter()
            .find(|t| t.id == team)
            .ok_or_else(|| CentralError::not_found("team", team))?;
        Ok(team_view(
            &f.org, t, &f.targets, period, f.as_of, &f.counts, &f.work,
        ))
    }

    /// A village's indicators and the work done at its households.
    pub fn village_view(
        &self,
        village: VillageId,
        period: Period,
        today: NaiveDate,
    ) -> Result<VillageView, CentralError> {
        let commune = self.read(|tx| commune_of(tx, "villages", "village", village.to_string()))?;
        let f = self.facts(commune, period, today)?;
        let v = f
            .org
            .villages
            .iter()
            .find(|v| v.id == village)
            .ok_or_else(|| CentralError::not_found("village", village))?;
        let counts = f.counts.get(&village).cloned().unwrap_or_default();
        Ok(village_view(
            village, &v.name, &f.targets, period, f.as_of, &counts, &f.work,
        ))
    }

    /// A member's figures: households helped against 10 a month, assists
    /// by action, open follow-ups.
    pub fn member_period(
        &self,
        member: MemberId,
        period: Period,
        today: NaiveDate,
    ) -> Result<MemberPeriod, CentralError> {
        let m = self.member(member)?;
        let f = self.facts(m.commune_id, period, today)?;
        Ok(member_period(&m, period, &f.work))
    }

    /// The quarterly report: the quarter's dashboard with the deadlines,
    /// which teams have not yet synced, and recognition.
    pub fn quarter_report(
        &self,
        commune: CommuneId,
        quarter: Quarter,
        today: NaiveDate,
    ) -> Result<QuarterReport, CentralError> {
        let period = Period::Quarter(quarter);
        let f = self.facts(commune, period, today)?;
        let syncs = self.read(|tx| last_syncs(tx, commune))?;
        let dashboard = commune_dashboard(&f.org, &f.targets, period, f.as_of, &f.counts, &f.work);
        Ok(quarter_report(&f.org, dashboard, quarter, today, &syncs))
    }

    /// The records behind a figure, `limit` at a time (at most `MAX_PAGE`),
    /// continuing after `after` (the previous page's `next`).
    pub fn drill_down(
        &self,
        query: &DrillQuery,
        today: NaiveDate,
        after: Option<&str>,
        limit: u32,
    ) -> Result<DrillPage, CentralError> {
        let commune = self.read(|tx| match query.subject {
            Subject::Commune(c) => {
                if tx.exists("SELECT 1 FROM communes WHERE id = $1", vals![c.to_string()])? {
                    Ok(c)
                } else {
                    Err(CentralError::not_found("commune", c))
                }
            }
            Subject::Village(v) => commune_of(tx, "villages", "village", v.to_string()),
            Subject::Team(t) => commune_of(tx, "teams", "team", t.to_string()),
            Subject::Member(m) => commune_of(tx, "members", "member", m.to_string()),
        })?;
        self.reports_ready(commune)?;
        let as_of = query.period.as_of(today);
        self.report_read(|tx| {
            let org = org_snapshot(tx, commune)?;
            let cat = catalogue(tx, commune)?;
            Drill {
                commune,
                org: &org,
                catalogue: &cat,
                as_of,
            }
            .page(tx, query, after, limit)
        })
    }
}

/// Each member with an enrolled (not revoked) device, and their latest
/// sync (None: enrolled, never synced).
fn last_syncs(
    tx: &mut dyn Tx,
    commune: CommuneId,
) -> Result<BTreeMap<MemberId, Option<DateTime<Utc>>>, CentralError> {
    let rows = tx.query(
        "SELECT member_id, max(last_seen_at) FROM devices
         WHERE commune_id = $1 AND revoked_at IS NULL GROUP BY member_id",
        vals![commune.to_string()],
    )?;
    rows.iter()
        .map(|r| {
            let at = r.opt_text(1)?.map(crate::parse_stamp).transpose()?;
            Ok((r.parse(0)?, at))
        })
        .collect()
}
