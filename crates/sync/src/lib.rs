//! Gõ Cửa sync, the device's side: enrollment with the commune server,
//! certificate pinning (`tls`), and the sync client (`client`) that pushes
//! the device store's outbox and pulls what changed in its scope, speaking
//! the API that `gocua-wire` defines; and finding commune servers on the
//! LAN (`discover`, DNS-SD over mDNS).
//!
//! This crate must not touch SQL (`gocua-device` does) nor decide scope or
//! convergence (the server and `gocua_core::converge` do).

pub mod client;
pub mod discover;
pub mod tls;
