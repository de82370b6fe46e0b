//! The app's managed state: where its files are, the unlocked store (if
//! any) and when it was last used. The store is dropped — locked — after
//! `idle` without a command from the member; commands then answer `locked`.

use crate::error::{ApiError, ApiResult};
use gocua_device::{DbKey, Store};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The app's files, all in its data folder.
#[derive(Debug, Clone)]
pub struct Paths {
    pub dir: PathBuf,
    /// The encrypted database.
    pub db: PathBuf,
    /// The random per-device secret the PIN is stretched with.
    pub secret: PathBuf,
    /// Wrong-PIN count and wait.
    pub attempts: PathBuf,
}

impl Paths {
    pub fn in_dir(dir: &Path) -> Self {
        Paths {
            dir: dir.to_path_buf(),
            db: dir.join("gocua.db"),
            secret: dir.join("device.secret"),
            attempts: dir.join("pin_attempts.json"),
        }
    }

    /// The database and its WAL files (removed when a first enrollment fails).
    pub fn db_files(&self) -> [PathBuf; 3] {
        let wal = PathBuf::from(format!("{}-wal", self.db.display()));
        let shm = PathBuf::from(format!("{}-shm", self.db.display()));
        [self.db.clone(), wal, shm]
    }
}

/// Idle time before the app locks itself, unless `GOCUA_IDLE_LOCK_SECS` says.
pub const DEFAULT_IDLE: Duration = Duration::from_secs(5 * 60);

struct Session {
    store: Option<Store>,
    /// The key `store` was opened with, kept only while it is open: the
    /// team leader's relay opens its own connection with it (issue 18).
    key: Option<DbKey>,
    last_used: Instant,
}

pub struct Inner {
    pub paths: Paths,
    pub idle: Duration,
    /// A sync round is running.
    pub syncing: AtomicBool,
    session: Mutex<Session>,
}

/// Managed by Tauri; cloned into the worker threads commands run on.
#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

impl AppState {
    pub fn new(paths: Paths, idle: Duration) -> Self {
        AppState(Arc::new(Inner {
            paths,
            idle,
            syncing: AtomicBool::new(false),
            session: Mutex::new(Session {
                store: None,
                key: None,
                last_used: Instant::now(),
            }),
        }))
    }
}

impl Inner {
    fn session(&self) -> MutexGuard<'_, Session> {
        // A panic while holding the lock leaves the store as it was: SQLite
        // rolled back any open transaction. Keep going.
        self.session.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Run `f` on the unlocked store. `touch`: the member did something
    /// (an automatic sync does not keep the app unlocked).
    pub fn with_store<T>(
        &self,
        touch: bool,
        f: impl FnOnce(&mut Store) -> ApiResult<T>,
    ) -> ApiResult<T> {
        let mut s = self.session();
        if s.store.is_some() && s.last_used.elapsed() > self.idle {
            s.store = None;
            s.key = None;
        }
        if touch {
            s.last_used = Instant::now();
        }
        match s.store.as_mut() {
            Some(store) => f(store),
            None => Err(ApiError::locked()),
        }
    }

    pub fn unlocked(&self) -> bool {
        self.with_store(false, |_| Ok(())).is_ok()
    }

    pub fn open(&self, store: Store) {
        let mut s = self.session();
        s.store = Some(store);
        s.last_used = Instant::now();
    }

    /// Remember the key the store about to be opened was opened with
    /// (dropped with the store on locking).
    pub fn remember_key(&self, key: DbKey) {
        self.session().key = Some(key);
    }

    /// A second connection to the unlocked store, for work that runs on
    /// its own thread (the leader's relay). Locked: refused.
    pub fn second_connection(&self) -> ApiResult<Store> {
        let key = self
            .with_store(true, |_| Ok(()))
            .and_then(|()| self.session().key.clone().ok_or_else(ApiError::locked))?;
        Ok(Store::open(&self.paths.db, &key)?)
    }

    pub fn lock(&self) {
        let mut s = self.session();
        s.store = None;
        s.key = None;
    }
}

/// Run a command's work off the main thread, on the state.
pub async fn blocking<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&Inner) -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    let inner = state.0.clone();
    tauri::async_runtime::spawn_blocking(move || f(&inner))
        .await
        .map_err(ApiError::internal)?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open_store(dir: &Path) -> Store {
        Store::open(&dir.join("s.db"), &DbKey::Raw([1; 32])).unwrap()
    }

    #[test]
    fn the_store_is_dropped_after_the_idle_time() {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::new(Paths::in_dir(dir.path()), Duration::from_millis(50));
        assert_eq!(
            state.0.with_store(true, |_| Ok(())).unwrap_err().code,
            "locked"
        );
        state.0.open(open_store(dir.path()));
        assert!(state.0.unlocked());
        std::thread::sleep(Duration::from_millis(80));
        assert_eq!(
            state.0.with_store(true, |_| Ok(())).unwrap_err().code,
            "locked"
        );
        assert!(
            !state.0.unlocked(),
            "stays locked until the PIN is given again"
        );
    }

    #[test]
    fn an_automatic_sync_does_not_keep_the_app_unlocked() {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::new(Paths::in_dir(dir.path()), Duration::from_millis(120));
        state.0.open(open_store(dir.path()));
        std::thread::sleep(Duration::from_millis(70));
        state.0.with_store(false, |_| Ok(())).unwrap();
        std::thread::sleep(Duration::from_millis(70));
        assert!(!state.0.unlocked());
        state.0.open(open_store(dir.path()));
        state.0.lock();
        assert!(!state.0.unlocked());
    }
}
