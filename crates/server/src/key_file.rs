//! The server key's file (`--key-file`, `GOCUA_SERVER_KEY_FILE`): 64 hex
//! digits that unlock the database (`gocua_central::ServerKey`). It must
//! not live in the data folder — a copy of that folder must not carry its
//! own key — and nobody but the owner may read it. Made on first start
//! where absent; never made again for a database that already has a key,
//! since a new key cannot open it.

use anyhow::{Context, Result, bail};
use gocua_central::ServerKey;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A key read from its file, or one just made (and written) for a new
/// database.
pub struct LoadedKey {
    pub key: ServerKey,
    /// Written by this start: removed again if the database refuses it.
    pub created: Option<PathBuf>,
}

/// Read the key at `path`; where absent and `may_create`, make one.
pub fn load(path: &Path, data: &Path, may_create: bool) -> Result<LoadedKey> {
    refuse_inside(path, data)?;
    match std::fs::symlink_metadata(path) {
        Ok(_) => {
            refuse_shared(path)?;
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the key file {}", path.display()))?;
            let key = ServerKey::from_hex(&text).with_context(|| {
                format!(
                    "Tệp khóa {} không đúng dạng (64 chữ số thập lục phân)",
                    path.display()
                )
            })?;
            Ok(LoadedKey { key, created: None })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if !may_create {
                bail!(
                    "Không tìm thấy tệp khóa {}: cơ sở dữ liệu này đã được mã hóa bằng một \
                     khóa; hãy chỉ đúng tệp khóa đã tạo nó (--key-file). \
                     (key file not found; the database already has a key)",
                    path.display()
                );
            }
            let key = ServerKey::generate();
            write_new(path, &key)?;
            tracing::info!(path = %path.display(), "made a new server key file: keep a copy apart from the data folder's backups");
            Ok(LoadedKey {
                key,
                created: Some(path.to_path_buf()),
            })
        }
        Err(e) => Err(e).with_context(|| format!("reading the key file {}", path.display())),
    }
}

/// The key file must not sit in the data folder (or below it).
fn refuse_inside(path: &Path, data: &Path) -> Result<()> {
    let folder = |p: &Path| -> Option<PathBuf> {
        let parent = p.parent().filter(|d| !d.as_os_str().is_empty())?;
        std::fs::canonicalize(parent).ok()
    };
    let (Some(key_dir), Ok(data_dir)) = (folder(path), std::fs::canonicalize(data)) else {
        return Ok(());
    };
    if key_dir.starts_with(&data_dir) {
        bail!(
            "Tệp khóa {} không được nằm trong thư mục dữ liệu {}: ai chép được thư mục dữ liệu \
             sẽ có cả khóa. Hãy để tệp khóa ở nơi khác. (the key file must live outside the \
             data folder)",
            path.display(),
            data.display()
        );
    }
    Ok(())
}

#[cfg(unix)]
fn refuse_shared(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .with_context(|| format!("reading the key file {}", path.display()))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        bail!(
            "Tệp khóa {} đang cho người khác đọc được (quyền {:o}); hãy chạy \
             `chmod 600 {}` rồi khởi động lại. (the key file is group- or other-readable)",
            path.display(),
            mode & 0o777,
            path.display()
        );
    }
    Ok(())
}

#[cfg(not(unix))]
fn refuse_shared(_: &Path) -> Result<()> {
    Ok(())
}

/// Write a new key file, private from its first byte, never over an
/// existing one.
fn write_new(path: &Path, key: &ServerKey) -> Result<()> {
    if let Some(dir) = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.exists())
    {
        crate::data_dir::private_dir(dir)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("creating the key file {}", path.display()))?;
    writeln!(f, "{}", key.to_hex())?;
    f.sync_all()?;
    Ok(())
}
