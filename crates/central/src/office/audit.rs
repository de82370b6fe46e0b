//! The audit of exports: every quarterly workbook, CSV or report taken out
//! of the server — by an officer on the web or by `admin report` on the
//! machine — leaves a row saying who, what, which period and when. Files
//! carry members' names and the commune's figures; the office should be
//! able to tell who took which. Rows are only ever added.

use crate::backend::sql::{Row, Tx, vals};
use crate::{CentralDb, CentralError, stamp};
use gocua_core::{CommuneId, MemberId};
use serde::Serialize;

/// How an export left the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportChannel {
    /// A download from the office's web pages.
    Web,
    /// `gocua-server admin report` on the server machine.
    Admin,
}

impl ExportChannel {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ExportChannel::Web => "web",
            ExportChannel::Admin => "admin",
        }
    }

    fn parse(s: &str) -> Result<Self, CentralError> {
        match s {
            "web" => Ok(ExportChannel::Web),
            "admin" => Ok(ExportChannel::Admin),
            _ => Err(CentralError::Corrupt(format!("export channel {s}"))),
        }
    }
}

/// One export as it is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportEvent<'a> {
    pub commune: CommuneId,
    /// The signed-in officer (web); None from the command line.
    pub member: Option<MemberId>,
    /// Who, in words: the officer's name, or the machine's user for
    /// `admin report` (`admin:USER`).
    pub actor: &'a str,
    pub channel: ExportChannel,
    /// What left: `xlsx`, `csv`, `json`, `summary` (several joined by `+`).
    pub what: &'a str,
    /// The period, e.g. 2026-Q4 or 2026-11.
    pub period: &'a str,
}

/// A recorded export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportEntry {
    pub id: i64,
    pub member_id: Option<MemberId>,
    pub actor: String,
    pub channel: ExportChannel,
    pub what: String,
    pub period: String,
    /// RFC 3339 UTC.
    pub at: String,
}

/// Most entries one read returns.
pub const MAX_AUDIT_PAGE: u32 = 1000;

impl CentralDb {
    /// Record an export (before its bytes are handed over: an export that
    /// cannot be recorded does not happen).
    pub fn record_export(&self, e: &ExportEvent<'_>) -> Result<(), CentralError> {
        let at = stamp(chrono::Utc::now());
        self.write(|tx| insert(tx, e, &at))
    }

    /// The commune's exports, newest first.
    pub fn export_audit(
        &self,
        commune: CommuneId,
        limit: u32,
    ) -> Result<Vec<ExportEntry>, CentralError> {
        self.read(|tx| {
            tx.query(
                &format!(
                    "SELECT {EXPORT_COLUMNS} FROM export_audit WHERE commune_id = $1 ORDER BY id DESC LIMIT $2"
                ),
                vals![commune.to_string(), limit.clamp(1, MAX_AUDIT_PAGE)],
            )?
            .iter()
            .map(export_entry)
            .collect()
        })
    }
}

/// The columns `export_entry` reads.
pub(crate) const EXPORT_COLUMNS: &str = "id, member_id, actor, channel, what, period, at";

/// One row of `EXPORT_COLUMNS`.
pub(crate) fn export_entry(r: &Row) -> Result<ExportEntry, CentralError> {
    Ok(ExportEntry {
        id: r.int(0)?,
        member_id: r.opt_parse(1)?,
        actor: r.string(2)?,
        channel: ExportChannel::parse(r.text(3)?)?,
        what: r.string(4)?,
        period: r.string(5)?,
        at: r.string(6)?,
    })
}

fn insert(tx: &mut dyn Tx, e: &ExportEvent<'_>, at: &str) -> Result<(), CentralError> {
    tx.execute(
        "INSERT INTO export_audit (commune_id, member_id, actor, channel, what, period, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        vals![
            e.commune.to_string(),
            e.member.map(|m| m.to_string()),
            e.actor,
            e.channel.as_str(),
            e.what,
            e.period,
            at
        ],
    )?;
    Ok(())
}
