//! The command line.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "gocua",
    version,
    about = "Gõ Cửa: sổ tay tổ công nghệ số cộng đồng (dòng lệnh)"
)]
pub struct Cli {
    /// Path of the device database (encrypted). The key comes from
    /// GOCUA_DB_KEY, or is asked for on the terminal.
    #[arg(long, env = "GOCUA_DB", global = true, default_value = "gocua.db")]
    pub db: PathBuf,
    /// Print JSON for scripts instead of text for people.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Create the database and give this device its identity.
    Init {
        #[arg(long)]
        device_name: String,
    },
    /// Device identity, enrollment, what is waiting to be sent, the last
    /// sync and the quarantine.
    Status,
    /// Enroll this device with the commune server, using the one-time code
    /// from the team leader: `enroll https://HOST:PORT CODE`, or the text of
    /// the enrollment QR code (`enroll 'gocua-enroll:v1?url=…&code=…&fp=…'`).
    /// Sets the device up if it is not yet.
    Enroll {
        /// The server's https:// address, or the QR code's text.
        target: String,
        /// The enrollment code (when an address is given).
        code: Option<String>,
        /// This device's name as the server will list it; by default the
        /// name it was set up with.
        #[arg(long)]
        device_name: Option<String>,
    },
    /// Send what is waiting and fetch what changed (prints progress).
    Sync,
    /// Changes that could not go through: refused by the server, or not
    /// applicable on this device.
    #[command(subcommand)]
    Quarantine(QuarantineCommand),
    /// The commune's organisation (villages, teams, members).
    #[command(subcommand)]
    Org(OrgCommand),
    #[command(subcommand)]
    Household(HouseholdCommand),
    #[command(subcommand)]
    Resident(ResidentCommand),
    #[command(subcommand)]
    Visit(VisitCommand),
    /// The leader's review loop: "needs fix" marks on records.
    #[command(subcommand)]
    Review(ReviewCommand),
    /// Households not visited this month and follow-ups due.
    Worklist {
        /// Whose worklist: the villages of this member's team.
        #[arg(long, conflicts_with = "village")]
        member: Option<String>,
        /// Or one village.
        #[arg(long)]
        village: Option<String>,
        /// The day (YYYY-MM-DD); today by default.
        #[arg(long)]
        date: Option<String>,
        /// Follow-ups due up to this many days ahead.
        #[arg(long, default_value_t = 7)]
        horizon_days: i64,
    },
    /// Month figures against the quotas (≥10 households per member, ≥50 assists per team).
    Quota {
        #[arg(long)]
        month: String,
        #[arg(long, conflicts_with = "team")]
        member: Option<String>,
        #[arg(long)]
        team: Option<String>,
    },
    #[command(subcommand)]
    Catalogue(CatalogueCommand),
    /// Load a generated demo commune (for trying things and benchmarks).
    Demo {
        #[arg(long, default_value_t = 300)]
        households: usize,
        /// Assisted actions across the year; ~23 per household by default.
        #[arg(long)]
        actions: Option<usize>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Subcommand)]
pub enum OrgCommand {
    /// Load the organisation from a JSON file (as the server sends it).
    Import {
        file: PathBuf,
    },
    Show,
}

#[derive(Args)]
pub struct HouseholdFields {
    #[arg(long)]
    pub village: String,
    /// Name of the head of household.
    #[arg(long)]
    pub head: String,
    #[arg(long, default_value = "")]
    pub address: String,
    #[arg(long)]
    pub phone: Option<String>,
    #[arg(long)]
    pub poor: bool,
    #[arg(long)]
    pub near_poor: bool,
    #[arg(long)]
    pub ethnic_minority: bool,
    #[arg(long)]
    pub elderly_only: bool,
    #[arg(long)]
    pub no_smartphone: bool,
}

#[derive(Subcommand)]
pub enum HouseholdCommand {
    Add(HouseholdFields),
    List {
        #[arg(long)]
        village: Option<String>,
    },
    Show {
        id: String,
    },
    Search {
        query: String,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Add households from JSON lines (a file or `-`), one transaction each;
    /// prints `ok ID` as each is durably saved.
    Import {
        file: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum ResidentCommand {
    Add {
        #[arg(long)]
        household: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        birth_year: i32,
        /// male, female or other
        #[arg(long)]
        sex: String,
        #[arg(long)]
        smartphone: bool,
        /// The resident agreed today that their data may be kept.
        #[arg(long)]
        consent: bool,
    },
}

#[derive(Subcommand)]
pub enum VisitCommand {
    /// Record a visit and what was done, in one step.
    Log {
        #[arg(long)]
        household: String,
        /// Credited member(s); the first recorded the visit.
        #[arg(long = "member", required = true)]
        members: Vec<String>,
        /// door_to_door, skills_corner or village_meeting
        #[arg(long, default_value = "door_to_door")]
        form: String,
        /// met, not_at_home or refused
        #[arg(long, default_value = "met")]
        outcome: String,
        #[arg(long)]
        note: Option<String>,
        /// RESIDENT_ID:ACTION_CODE:OUTCOME[:ARG], OUTCOME = done | follow_up:YYYY-MM-DD |
        /// not_possible:REASON (no_smartphone, not_at_home, refused, data_mismatch, other)
        #[arg(long = "action")]
        actions: Vec<String>,
        /// When it happened (RFC 3339); now by default.
        #[arg(long)]
        at: Option<String>,
    },
    /// Withdraw a visit recorded by mistake.
    Void {
        id: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        member: String,
    },
}

#[derive(Subcommand)]
pub enum CatalogueCommand {
    List,
}

#[derive(Subcommand)]
pub enum QuarantineCommand {
    /// Newest first, with the reason.
    List {
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Try one again (ID as listed): a change the server refused goes back
    /// to the queue and is sent on the next sync (say, after the server's
    /// catalogue or villages changed); one from the server is applied now
    /// if it can be.
    Retry { id: i64 },
    /// Give one up (ID as listed). Recorded with the time and the note,
    /// and listed by `quarantine discarded`; nothing on this device is
    /// undone.
    Discard {
        id: i64,
        /// Why it is given up.
        #[arg(long)]
        note: Option<String>,
    },
    /// Changes given up on, newest first.
    Discarded {
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
}

/// Steps are taken as the enrolled member unless `--member` says who.
#[derive(Subcommand)]
pub enum ReviewCommand {
    /// Marks, open first, newest first.
    List {
        /// Only the open ones asked of this member (or of their team).
        #[arg(long)]
        mine: bool,
        #[arg(long)]
        household: Option<String>,
    },
    /// Mark a record "needs fix" (leaders and commune officers).
    Open {
        /// household, resident, visit or assisted_action
        #[arg(long)]
        kind: String,
        #[arg(long)]
        target: String,
        #[arg(long)]
        comment: String,
        #[arg(long)]
        member: Option<String>,
    },
    /// Report a mark fixed, with an optional reply.
    Resolve {
        id: String,
        #[arg(long)]
        reply: Option<String>,
        #[arg(long)]
        member: Option<String>,
    },
    /// Open a resolved mark again (leaders and commune officers).
    Reopen {
        id: String,
        #[arg(long)]
        comment: Option<String>,
        #[arg(long)]
        member: Option<String>,
    },
}
