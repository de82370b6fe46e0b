//! The commands the UI invokes, one file per area. Each is a thin call into
//! `gocua-device` or `gocua-sync` on a worker thread; names and arguments are
//! snake_case as the UI (`gocua-ui`'s `api` module) sends them, and their
//! types are `gocua-app-api`'s.

pub mod discovery;
pub mod households;
pub mod relay;
pub mod reports;
pub mod reviews;
pub mod session;
pub mod sync;
pub mod training;
pub mod visits;
