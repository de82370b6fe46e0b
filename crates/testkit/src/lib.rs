//! What the workspace's integration tests share: a real `gocua-server` on
//! a free port and its admin commands, an organisation built through
//! admin, devices (real encrypted stores) enrolled to it, the officer's web
//! sign-in over pinned HTTPS, a proxy that cuts connections, a team
//! leader's relay process (`gocua relay serve`), each scenario
//! on SQLite and PostgreSQL, and the hand-made communes the dashboard and
//! report tests count by hand.
//!
//! A dev-dependency only: no crate's library or binary may depend on it,
//! and it holds no test of its own. It drives the product from outside as
//! a commune would (binaries, admin commands, sync, HTTP), and never
//! reaches into a crate's internals or changes what a test checks.
#![warn(missing_docs)]

pub mod backend;
pub mod bins;
pub mod commune;
pub mod device;
pub mod http_client;
pub mod members;
pub mod officer;
pub mod proxy;
pub mod relay;
pub mod reports_fixture;
pub mod reports_push;
pub mod server;
