//! The commune office's side: officers' web accounts and sessions, the
//! likely-duplicate residents and their merges, a household's page, the
//! web review marks, the conflict log and the audits of changes and
//! exports.

pub(crate) mod accounts;
pub(crate) mod audit;
pub(crate) mod audit_pages;
pub(crate) mod change_audit;
pub(crate) mod conflicts;
pub(crate) mod duplicates;
pub(crate) mod household_view;
pub(crate) mod merges;
pub(crate) mod sessions;
pub(crate) mod web_review;
