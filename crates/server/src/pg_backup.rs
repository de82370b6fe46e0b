//! `admin backup` and `admin restore` on PostgreSQL, through PostgreSQL's
//! own tools: `pg_dump --format=custom` takes one consistent snapshot while
//! the server serves (a repeatable-read transaction), and `pg_restore
//! --clean --single-transaction` puts it back all or nothing. The dump is
//! created 0600 and never over another file, and checked before it is
//! called done (`pg_restore --list` reads its whole table of contents).
//! The communes' CCCD secrets inside stay wrapped under the server key;
//! names are as readable as in the database itself, so keep dumps as the
//! database is kept (docs/operating.md).
//!
//! A database URL that picks a schema (`?options=-csearch_path%3Dname`)
//! dumps and restores that schema alone. The tools must be the server's
//! major version or newer (Debian: the `postgresql-client` package).

use anyhow::{Context, Result, bail};
use gocua_central::BackupInfo;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// The schema a URL's `options=-csearch_path=NAME` picks, if any.
fn schema_of(url: &str) -> Result<Option<String>> {
    let parsed = url::Url::parse(url).context("reading the database URL")?;
    for (k, v) in parsed.query_pairs() {
        if k == "options" {
            for part in v.split_whitespace() {
                if let Some(path) = part.strip_prefix("-csearch_path=") {
                    let first = path.split(',').next().unwrap_or("").trim();
                    if !first.is_empty() {
                        return Ok(Some(first.to_string()));
                    }
                }
            }
        }
    }
    Ok(None)
}

/// Run a PostgreSQL tool; its error output becomes the error.
fn run(mut cmd: Command, what: &str) -> Result<()> {
    let out = cmd
        .output()
        .with_context(|| format!("{what}: could not start it (is postgresql-client installed?)"))?;
    if !out.status.success() {
        bail!(
            "{what} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// `pg_dump` of the database at `url` into the new file `dest`.
pub fn dump(url: &str, dest: &Path) -> Result<BackupInfo> {
    let started = Instant::now();
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(dest)
        .with_context(|| format!("creating the backup file {}", dest.display()))?;
    let mut cmd = Command::new("pg_dump");
    cmd.args(["--format=custom", "--no-owner", "--no-privileges", "--file"])
        .arg(dest)
        .arg(format!("--dbname={url}"));
    if let Some(schema) = schema_of(url)? {
        cmd.arg(format!("--schema={schema}"));
    }
    let checked = run(cmd, "pg_dump").and_then(|()| check(dest));
    if let Err(e) = checked {
        let _ = std::fs::remove_file(dest);
        return Err(e);
    }
    let bytes = std::fs::metadata(dest)?.len();
    Ok(BackupInfo {
        bytes,
        took: started.elapsed(),
    })
}

/// The dump's table of contents reads whole, and holds the change log.
fn check(file: &Path) -> Result<()> {
    let out = Command::new("pg_restore")
        .arg("--list")
        .arg(file)
        .output()
        .context("pg_restore --list: could not start it")?;
    if !out.status.success() {
        bail!(
            "the dump {} does not read: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let toc = String::from_utf8_lossy(&out.stdout);
    if !toc
        .lines()
        .any(|l| l.contains("TABLE DATA") && l.contains(" changes "))
    {
        bail!("the dump {} holds no change log", file.display());
    }
    Ok(())
}

/// Put the dump `from` back in place of the database at `url`: checked
/// first, then restored in one transaction (the schema's objects dropped
/// and made again), so a failure leaves the database as it was.
pub fn restore(url: &str, from: &Path) -> Result<()> {
    check(from)?;
    let mut cmd = Command::new("pg_restore");
    cmd.args([
        "--clean",
        "--if-exists",
        "--single-transaction",
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
    ])
    .arg(format!("--dbname={url}"))
    .arg(from);
    run(cmd, "pg_restore")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schema_is_read_from_the_url_options() {
        let url = "postgres://u:p@127.0.0.1:5432/db?sslmode=require&options=-csearch_path%3Dt_1";
        assert_eq!(schema_of(url).unwrap().as_deref(), Some("t_1"));
        assert_eq!(schema_of("postgres://u@127.0.0.1/db").unwrap(), None);
    }
}
