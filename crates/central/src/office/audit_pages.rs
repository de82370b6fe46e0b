//! The office's Nhật ký a page at a time (issue 17): each of its lists —
//! review steps, changes taken from devices, merges, deleted training
//! sessions, registry imports, exports — filtered by kind, by the member
//! who did it and by a span of time, counted and cut into pages, all in
//! SQL (LIMIT/OFFSET over the lists' `(commune_id, id)` indexes), the same
//! text on SQLite and PostgreSQL. Times are compared as stored: every
//! `at`/`received_at` is `stamp`'s RFC 3339 UTC with milliseconds, whose
//! text order is time order (PostgreSQL keeps them `COLLATE "C"`).

use super::audit::{EXPORT_COLUMNS, export_entry};
use super::change_audit::{CHANGE_COLUMNS, CHANGE_FROM, change_entry};
use super::merges::{MERGE_COLUMNS, MERGE_FROM, merge_entry};
use crate::backend::sql::{Row, Tx, Val};
use crate::org::training::{DELETION_COLUMNS, deletion_entry};
use crate::{
    CentralDb, CentralError, ChangeEntry, ExportChannel, ExportEntry, ImportEntry, MAX_AUDIT_PAGE,
    MergeEntry, ReviewStep, TrainingDeletion, stamp,
};
use chrono::{DateTime, Utc};
use gocua_core::{CommuneId, EntityKind, MemberId};

/// What every list of the audit can be narrowed to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Done by this member (a change: sent from this member's device).
    pub member: Option<MemberId>,
    /// At or after this moment.
    pub from: Option<DateTime<Utc>>,
    /// Before this moment.
    pub until: Option<DateTime<Utc>>,
}

/// Which rows of a list: `limit` (1..=MAX_AUDIT_PAGE) from `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageAt {
    pub offset: u32,
    pub limit: u32,
}

/// One page of a list, newest first, and how many rows the whole
/// (filtered) list has.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditPage<T> {
    pub rows: Vec<T>,
    pub total: u64,
}

/// A WHERE clause built in order, so that `$N` are numbered as they first
/// appear (what SQLite's positional binding needs, see `backend::sql`).
struct Where {
    sql: String,
    params: Vec<Val>,
}

impl Where {
    fn new(commune_column: &str, commune: CommuneId) -> Where {
        Where {
            sql: format!("{commune_column} = $1"),
            params: vec![Val::from(commune.to_string())],
        }
    }

    /// ` AND cond`, a condition without parameters.
    fn and(&mut self, cond: &str) {
        self.sql.push_str(" AND ");
        self.sql.push_str(cond);
    }

    /// ` AND cond` with its one parameter where `cond` says `{}`.
    fn and_with(&mut self, cond: &str, v: Val) {
        self.params.push(v);
        let mark = format!("${}", self.params.len());
        self.and(&cond.replace("{}", &mark));
    }

    /// Who did it (`member`: the SQL that names the member, with `{}` for
    /// the id) and when (`at`: the time column).
    fn filter(&mut self, f: &AuditFilter, member: &str, at: &str) {
        if let Some(m) = f.member {
            self.and_with(member, Val::from(m.to_string()));
        }
        if let Some(t) = f.from {
            self.and_with(&format!("{at} >= {{}}"), Val::from(stamp(t)));
        }
        if let Some(t) = f.until {
            self.and_with(&format!("{at} < {{}}"), Val::from(stamp(t)));
        }
    }
}

/// One list: what it selects, from where, newest first by `order`.
struct List {
    columns: &'static str,
    from: &'static str,
    order: &'static str,
}

/// The page of `list` that `w` keeps, and the count of all it keeps.
fn page_of<T>(
    tx: &mut dyn Tx,
    list: &List,
    w: Where,
    at: PageAt,
    entry: fn(&Row) -> Result<T, CentralError>,
) -> Result<AuditPage<T>, CentralError> {
    let total = tx
        .query(
            &format!("SELECT COUNT(*) FROM {} WHERE {}", list.from, w.sql),
            &w.params,
        )?
        .first()
        .map(|r| r.int(0))
        .transpose()?
        .unwrap_or(0);
    let mut params = w.params;
    let n = params.len();
    params.push(Val::from(at.limit.clamp(1, MAX_AUDIT_PAGE)));
    params.push(Val::from(at.offset));
    let rows = tx.query(
        &format!(
            "SELECT {} FROM {} WHERE {} ORDER BY {} DESC LIMIT ${} OFFSET ${}",
            list.columns,
            list.from,
            w.sql,
            list.order,
            n + 1,
            n + 2
        ),
        &params,
    )?;
    Ok(AuditPage {
        rows: rows.iter().map(entry).collect::<Result<_, _>>()?,
        total: u64::try_from(total).unwrap_or(0),
    })
}

const CHANGES: List = List {
    columns: CHANGE_COLUMNS,
    from: CHANGE_FROM,
    order: "c.seq",
};

/// A review mark's change that opened it sets its target (a key of the
/// compact JSON; inside a string a quote is always escaped, so these
/// patterns match keys and values only).
const OPENS: &str = r#"c.fields LIKE '%"target_id":%'"#;

fn step_condition(step: ReviewStep) -> String {
    let state = |s: &str| format!(r#"c.fields LIKE '%"state":"{s}"%'"#);
    match step {
        ReviewStep::Opened => OPENS.to_string(),
        ReviewStep::Resolved => format!("NOT {OPENS} AND {}", state("resolved")),
        ReviewStep::Reopened => format!("NOT {OPENS} AND {}", state("open")),
        ReviewStep::Edited => format!(
            "NOT {OPENS} AND NOT {} AND NOT {}",
            state("resolved"),
            state("open")
        ),
    }
}

impl CentralDb {
    /// The review steps on marked records (`ReviewStep`, by what each
    /// change set, as `change_audit` tells them apart).
    pub fn review_audit_page(
        &self,
        commune: CommuneId,
        step: Option<ReviewStep>,
        f: &AuditFilter,
        at: PageAt,
    ) -> Result<AuditPage<ChangeEntry>, CentralError> {
        let mut w = Where::new("c.commune_id", commune);
        w.and_with("c.entity = {}", Val::from(EntityKind::ReviewMark.as_str()));
        if let Some(step) = step {
            w.and(&format!("({})", step_condition(step)));
        }
        w.filter(f, "d.member_id = {}", "c.received_at");
        self.read(|tx| page_of(tx, &CHANGES, w, at, change_entry))
    }

    /// Every change taken, of one kind of record or all.
    pub fn change_audit_page(
        &self,
        commune: CommuneId,
        entity: Option<EntityKind>,
        f: &AuditFilter,
        at: PageAt,
    ) -> Result<AuditPage<ChangeEntry>, CentralError> {
        let mut w = Where::new("c.commune_id", commune);
        if let Some(e) = entity {
            w.and_with("c.entity = {}", Val::from(e.as_str()));
        }
        w.filter(f, "d.member_id = {}", "c.received_at");
        self.read(|tx| page_of(tx, &CHANGES, w, at, change_entry))
    }

    /// Merges (`Some(true)`), separations (`Some(false)`) or both.
    pub fn merge_audit_page(
        &self,
        commune: CommuneId,
        merged: Option<bool>,
        f: &AuditFilter,
        at: PageAt,
    ) -> Result<AuditPage<MergeEntry>, CentralError> {
        let mut w = Where::new("m.commune_id", commune);
        match merged {
            Some(true) => w.and("m.into_id IS NOT NULL"),
            Some(false) => w.and("m.into_id IS NULL"),
            None => {}
        }
        w.filter(f, "m.member_id = {}", "m.at");
        let list = List {
            columns: MERGE_COLUMNS,
            from: MERGE_FROM,
            order: "m.id",
        };
        self.read(|tx| page_of(tx, &list, w, at, merge_entry))
    }

    /// Exports, by the way they left or all.
    pub fn export_audit_page(
        &self,
        commune: CommuneId,
        channel: Option<ExportChannel>,
        f: &AuditFilter,
        at: PageAt,
    ) -> Result<AuditPage<ExportEntry>, CentralError> {
        let mut w = Where::new("commune_id", commune);
        if let Some(c) = channel {
            w.and_with("channel = {}", Val::from(c.as_str()));
        }
        w.filter(f, "member_id = {}", "at");
        let list = List {
            columns: EXPORT_COLUMNS,
            from: "export_audit",
            order: "id",
        };
        self.read(|tx| page_of(tx, &list, w, at, export_entry))
    }

    /// Deleted training sessions; the member is who deleted.
    pub fn training_deletions_page(
        &self,
        commune: CommuneId,
        f: &AuditFilter,
        at: PageAt,
    ) -> Result<AuditPage<TrainingDeletion>, CentralError> {
        let mut w = Where::new("commune_id", commune);
        w.filter(f, "member_id = {}", "at");
        let list = List {
            columns: DELETION_COLUMNS,
            from: "training_deletions",
            order: "id",
        };
        self.read(|tx| page_of(tx, &list, w, at, deletion_entry))
    }

    /// Registry imports. An import records who by name only (the officer's
    /// name on the web, `admin:USER` on the machine): a member is matched
    /// by their name.
    pub fn registry_imports_page(
        &self,
        commune: CommuneId,
        f: &AuditFilter,
        at: PageAt,
    ) -> Result<AuditPage<ImportEntry>, CentralError> {
        let mut w = Where::new("commune_id", commune);
        w.filter(
            f,
            "actor = (SELECT n.full_name FROM members n WHERE n.id = {})",
            "at",
        );
        let list = List {
            columns: crate::org::import_ledger::IMPORT_COLUMNS,
            from: "registry_imports",
            order: "id",
        };
        self.read(|tx| page_of(tx, &list, w, at, crate::org::import_ledger::import_entry))
    }
}
