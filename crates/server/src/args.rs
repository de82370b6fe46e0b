//! The command line.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "gocua-server",
    version,
    about = "Gõ Cửa: máy chủ đồng bộ của xã (HTTPS, SQLite hoặc PostgreSQL)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the sync server (creates the data folder, database and
    /// certificate on first start).
    Serve(ServeArgs),
    /// Set up the commune and manage devices, on the data folder directly.
    Admin(AdminArgs),
}

/// Which database: the SQLite file in the data folder, or PostgreSQL.
#[derive(Args)]
pub struct DbArgs {
    /// Use PostgreSQL instead of the SQLite file in the data folder, e.g.
    /// postgres://gocua:SECRET@127.0.0.1:5432/gocua (schema created on
    /// first use; `?options=-csearch_path%3Dname` picks a schema).
    #[arg(long, env = "GOCUA_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// The server key's file, kept outside the data folder and readable by
    /// its owner only: it encrypts the SQLite file and wraps the citizen-ID
    /// secrets. Made (0600) on first start where absent.
    #[arg(long, env = "GOCUA_SERVER_KEY_FILE")]
    pub key_file: PathBuf,
}

#[derive(Args)]
pub struct ServeArgs {
    /// Data folder: database (unless --database-url), certificate,
    /// server.json.
    #[arg(long, env = "GOCUA_SERVER_DATA")]
    pub data: PathBuf,
    #[command(flatten)]
    pub db: DbArgs,
    /// PostgreSQL connections kept open at most.
    #[arg(long, default_value_t = gocua_central::DEFAULT_PG_POOL,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub database_pool: u32,
    /// Address and port to listen on; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:8443")]
    pub bind: SocketAddr,
    /// Use this certificate (PEM) instead of the generated self-signed one.
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Extra names or IP addresses for the generated certificate (e.g. the
    /// office machine's LAN address). Used when the certificate is created.
    #[arg(long = "tls-san")]
    pub tls_sans: Vec<String>,
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Take backups here while serving (a checked, encrypted snapshot each,
    /// named by its time; the first at start). Best on another disk.
    #[arg(long)]
    pub backup_dir: Option<PathBuf>,
    /// How often: a number and s, m, h or d.
    #[arg(long, default_value = "6h", value_parser = crate::backups::parse_every, requires = "backup_dir")]
    pub backup_every: std::time::Duration,
    /// How many backups to keep (the oldest are removed).
    #[arg(long, default_value_t = 14, value_parser = clap::value_parser!(u32).range(1..=10_000), requires = "backup_dir")]
    pub backup_keep: u32,
    /// Không tự giới thiệu máy chủ trên mạng nội bộ (mDNS/DNS-SD): điện
    /// thoại sẽ không tự tìm thấy máy chủ, phải nhập địa chỉ. (Do not
    /// announce the server on the LAN.)
    #[arg(long)]
    pub no_announce: bool,
}

/// How long a connection may take and how many there may be: what a
/// hostile network meets (`crate::conn`; docs/operating.md).
#[derive(Args, Clone, Debug)]
pub struct ConnArgs {
    /// Seconds a TLS handshake may take.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub handshake_timeout: u64,
    /// Seconds from the first byte of a request to its last header line.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub header_timeout: u64,
    /// Seconds a connection may stay silent between requests, or while an
    /// answer waits for the client to read it.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub idle_timeout: u64,
    /// Seconds a request may take, its body read and its answer made.
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_timeout: u64,
    /// Connections open at once, in all (lowered to fit the process's
    /// open-file limit).
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_connections: u64,
    /// Connections open at once from one client address.
    #[arg(long, default_value_t = 128, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_connections_per_address: u64,
}

#[derive(Args)]
pub struct AdminArgs {
    #[arg(long, env = "GOCUA_SERVER_DATA")]
    pub data: PathBuf,
    #[command(flatten)]
    pub db: DbArgs,
    /// Print JSON for scripts instead of text for people.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: AdminCommand,
}

#[derive(Subcommand)]
pub enum AdminCommand {
    #[command(subcommand)]
    Commune(CommuneCommand),
    #[command(subcommand)]
    Village(VillageCommand),
    #[command(subcommand)]
    Team(TeamCommand),
    #[command(subcommand)]
    Member(MemberCommand),
    /// Issue a one-time enrollment code for a member (text, QR, PNG).
    EnrollCode {
        #[arg(long)]
        member: String,
        /// Hours until the code expires.
        #[arg(long, default_value_t = 72, value_parser = clap::value_parser!(u32).range(0..=24 * 90))]
        ttl_hours: u32,
        #[command(flatten)]
        target: PayloadArgs,
    },
    /// The commune's devices.
    Devices {
        #[arg(long)]
        commune: String,
    },
    /// A consistent copy of the SQLite database, taken while the server
    /// serves: encrypted under the same key, private (0600), checked
    /// before it is called done. Never over an existing file.
    Backup {
        /// The new backup file (e.g. /mnt/usb/gocua-2026-12-07.db).
        #[arg(long)]
        to: PathBuf,
    },
    /// Put a backup in place of the SQLite database: refused while a
    /// server runs on the data folder; the backup checked under the key
    /// first; the replaced database kept aside beside it.
    Restore {
        /// The backup file (made by `admin backup` or `serve --backup-dir`).
        #[arg(long)]
        from: PathBuf,
    },
    /// Take a device's access away (a lost or stolen phone).
    Revoke { device_id: String },
    #[command(subcommand)]
    Target(TargetCommand),
    /// Values that lost a concurrent edit, newest first.
    Conflicts {
        #[arg(long)]
        commune: String,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Who changed what and when, newest first: every change taken from a
    /// device (member, device, record, fields), or with --reviews the
    /// review steps (marked "needs fix", resolved, reopened). The same
    /// list as the web page Nhật ký.
    Audit {
        #[arg(long)]
        commune: String,
        #[arg(long)]
        reviews: bool,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Import the commune's household and resident lists (.xlsx or .csv);
    /// problems are reported in FILE.loi-nhap.csv beside it.
    Import(crate::import::ImportArgs),
    /// The commune's figures for a quarter or a month: the quarterly report
    /// as .xlsx and CSV, a summary, or --json.
    Report(crate::report::ReportArgs),
    /// Members' training sessions: record one, or list them with each
    /// team against the goal (everyone trained by 30 June).
    #[command(subcommand)]
    Training(crate::training::TrainingCommand),
    /// Merge a duplicate resident into another (one person entered twice),
    /// on behalf of a commune officer; `--unmerge` undoes it. A synced,
    /// audited change, as from the web page /duplicates.
    MergeResidents {
        /// The commune officer (or admin) the change is theirs.
        #[arg(long)]
        member: String,
        /// The record that goes (its visits and actions count for the other).
        #[arg(long)]
        duplicate: String,
        /// The record kept.
        #[arg(long, required_unless_present = "unmerge", conflicts_with = "unmerge")]
        into: Option<String>,
        /// Undo the duplicate's merge instead.
        #[arg(long)]
        unmerge: bool,
    },
    /// Create a demo commune (villages, one team of three each, an officer)
    /// and an enrollment code for its first member.
    Demo {
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=50))]
        villages: u32,
        #[command(flatten)]
        target: PayloadArgs,
    },
}

/// Where the enrollment QR code points.
#[derive(Args)]
pub struct PayloadArgs {
    /// The server address phones use, e.g. https://192.168.1.10:8443
    /// (default: the address the server last listened on).
    #[arg(long)]
    pub url: Option<String>,
    /// Also write the QR code as a PNG image here.
    #[arg(long)]
    pub png: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum CommuneCommand {
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        province: String,
    },
    /// The communes on this server, with their ids.
    List,
}

#[derive(Subcommand)]
pub enum VillageCommand {
    Add {
        #[arg(long)]
        commune: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
pub enum TeamCommand {
    Add {
        #[arg(long)]
        commune: String,
        #[arg(long)]
        name: String,
        /// The villages the team covers (repeat, or several after one flag).
        #[arg(long = "village", num_args = 1.., required = true)]
        villages: Vec<String>,
    },
    /// Change the villages a team covers (the whole new list). Its members'
    /// devices fetch the history of villages they gain on their next sync.
    SetVillages {
        #[arg(long)]
        team: String,
        #[arg(long = "village", num_args = 1.., required = true)]
        villages: Vec<String>,
    },
}

#[derive(Subcommand)]
pub enum MemberCommand {
    Add {
        #[arg(long)]
        commune: String,
        /// Required for members and team leaders.
        #[arg(long)]
        team: Option<String>,
        #[arg(long)]
        name: String,
        /// member, team_leader, commune_officer or admin.
        #[arg(long)]
        role: String,
    },
    /// Give a commune officer or admin a password for the web pages (read
    /// from the terminal, or the first line of standard input). Ends their
    /// sessions.
    SetPassword {
        #[arg(long)]
        member: String,
        /// What they type to sign in (default: the one they have, else made
        /// from their name, e.g. nguyen.thi.lan).
        #[arg(long)]
        login: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum TargetCommand {
    Set {
        #[arg(long)]
        commune: String,
        /// An indicator code, e.g. vneid_l2.
        #[arg(long)]
        indicator: String,
        #[arg(long)]
        percent: f64,
    },
}
