//! Gõ Cửa sync: the versioned wire format spoken between devices and the
//! central server (`wire`, under `/api/v1`), certificate pinning (`tls`), and
//! the device's sync client (`client`) that pushes the store's outbox and
//! pulls what changed in its scope.
//!
//! The merge rules themselves are pure functions in `gocua_core::merge`, so
//! that the device store and the server apply them identically. This crate
//! must not touch SQL (the store does) nor decide scope (the server does).

pub mod client;
pub mod tls;
pub mod wire;
