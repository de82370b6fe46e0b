//! The server's data folder holds every person of the commune, the TLS
//! key and, on SQLite, the communes' secrets: it is the owner's alone. The
//! folder is 0700 and every file and folder in it 0600 and 0700, whatever
//! the umask or the modes they had before; files the server writes are
//! private from their first byte. Only one level deep: the folder's own
//! mode already shuts out everyone else, and a `--data` given by mistake
//! (a home or a checkout) must not have its whole tree changed.

use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;

/// Make `data` (creating it if needed) and what is directly in it the
/// owner's only.
pub fn secure(data: &Path) -> Result<()> {
    private_dir(data)?;
    for entry in std::fs::read_dir(data)? {
        restrict(&entry?.path())?;
    }
    Ok(())
}

/// Make the folder `dir` (creating it if needed) the owner's only.
pub fn private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    restrict(dir)
}

#[cfg(unix)]
fn restrict(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    // Not followed: a link in the folder is not the server's to change.
    let meta = std::fs::symlink_metadata(path)?;
    let mode = if meta.is_dir() {
        0o700
    } else if meta.is_file() {
        0o600
    } else {
        return Ok(());
    };
    if meta.permissions().mode() & 0o777 != mode {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("making {} private", path.display()))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn restrict(_: &Path) -> Result<()> {
    Ok(())
}

/// Create `path` empty and private if it does not exist, so that what
/// SQLite makes beside it (`-wal`, `-shm`, which take the database file's
/// mode) is private too.
pub fn create_private(path: &Path) -> Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    Ok(())
}

/// Write a file whole (temporary file, then rename), readable by the owner
/// only from the first byte.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(&tmp)
        .with_context(|| format!("writing {}", tmp.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// The lock a running server holds on its data folder (`server.lock`), so
/// that `admin restore` can tell it is there.
pub const LOCK_FILE: &str = "server.lock";

/// Take the data folder's lock, or say who holds it: Ok(None) when a
/// server already does. Held until the returned file is dropped.
pub fn try_lock(data: &Path) -> Result<Option<std::fs::File>> {
    let path = data.join(LOCK_FILE);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let file = opts
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("locking {}", path.display()))
        }
    }
}
