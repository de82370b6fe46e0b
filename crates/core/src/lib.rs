//! Gõ Cửa domain: the commune's organisation, households, residents, visits,
//! assisted actions, the action catalogue, the rules the plans judge them by,
//! and the read models the device shows (`views`).
//!
//! This crate owns the meaning of the data and nothing else. It must not do I/O,
//! touch SQL, read the clock or the network: callers pass in "now" and every
//! rule is a plain function, so the same answers come out on the phone, the CLI
//! and the server.

pub mod catalogue;
pub mod change;
pub mod citizen_id;
pub mod converge;
pub mod credit;
#[cfg(feature = "demo")]
pub mod demo;
pub mod duplicates;
mod fact_checks;
pub mod hlc;
pub mod ids;
pub mod indicators;
pub mod model;
pub mod month;
pub mod review;
pub mod rules;
pub mod same_person;
pub mod skew;
pub mod text;
pub mod training;
pub mod validate;
pub mod views;

pub use catalogue::{ActionCode, CatalogueEntry, Eligibility};
pub use change::{Change, EntityKind};
pub use hlc::{Hlc, HlcClock};
pub use ids::*;
pub use model::*;
pub use month::Month;
pub use validate::{ValidationError, ValidationErrors};
