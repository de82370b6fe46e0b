//! The device's local store: an encrypted SQLite file (SQLCipher) holding the
//! commune's organisation, households, residents, visits and actions, an
//! outbox of every local change waiting to be pushed, and the sync state
//! (enrollment, cursors, quarantine, history fetches).
//!
//! This crate owns all device SQL (schema in `migrations/device/`). It must
//! not decide domain rules (those are `gocua-core`'s), speak the wire format
//! or the network (`gocua-sync` does), nor hold anything of the server's.
//! Every write records its change in the outbox in the same transaction;
//! changes applied from the server do not.

mod batch;
mod clock;
mod converge;
pub mod demo;
mod error;
mod history;
mod households;
mod migrate;
mod open;
mod org;
mod quarantine;
mod queries;
mod relay;
mod remote;
mod resend;
mod reviews;
mod rows;
mod same_person;
mod search;
mod server_moved;
mod signing;
mod sync_state;
mod training;
mod visits;

pub use batch::Batch;
pub use clock::{CLOCK_AHEAD, ClockStatus, TEST_CLOCK_OFFSET_ENV};
pub use error::StoreError;
pub use gocua_core::OrgSnapshot;
pub use history::{HistoryFetch, HistoryTarget, Pulled, ScopeChange};
pub use households::RecordSubject;
pub use open::{DbKey, DeviceInfo};
pub use quarantine::{DiscardedChange, QuarantineDirection, QuarantinedChange, RetryOutcome};
pub use relay::{HeldChange, RelayIdentity, RelayLink, RelayMember, RelayPage, RelayedResult};
pub use remote::{ApplyOutcome, Conflict, OutboxEntry};
pub use resend::LogState;
pub use reviews::ReviewQuery;
pub use signing::TeamDeviceKey;
pub use sync_state::{
    DeviceToken, EnrollmentRecord, NewEnrollment, PULL_APPLY_FAILED, PushRejection, SyncState,
};

// The read models this store builds are gocua-core's (`views`), shared
// with the app that shows them; kept here at their old paths.
pub use gocua_core::views::{
    FollowUpItem, HouseholdDetail, MergedAction, MergedRecord, ResidentDetail, ReviewItem,
    SearchHit, VisitActionSummary, VisitSummary, Worklist, WorklistHousehold,
};

use gocua_core::HlcClock;
use rusqlite::Connection;

/// An open device store. One per process; not shared across threads.
pub struct Store {
    conn: Connection,
    clock: Option<HlcClock>,
    /// The offset to the server's clock at the last exchange (`clock.rs`).
    skew: Option<clock::Skew>,
    /// Test-only: how far this phone's clock reads off the machine's.
    clock_shift_ms: i64,
}

impl Store {
    /// Run `f` as one transaction: everything it writes, and the outbox
    /// entries for it, are committed together (durably: WAL with
    /// synchronous=FULL) or not at all.
    pub fn write<T>(
        &mut self,
        f: impl FnOnce(&mut Batch<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let now = self.work_now();
        let clock = self.clock.as_mut().ok_or(StoreError::NotInitialised)?;
        // The clock only moves on if the transaction commits.
        let mut draft = clock.clone();
        let tx = self.conn.transaction()?;
        if now.known && clock::runs_ahead(&draft, now.ms()) {
            // Stamped ahead before the device knew the server's time: come
            // back, and re-stamp what was stamped ahead, before stamping more.
            clock::fix_in(&tx, &mut draft, now.ms())?;
        }
        let out = {
            let mut batch = Batch::new(&tx, &mut draft, now);
            let out = f(&mut batch)?;
            batch.save_clock()?;
            out
        };
        tx.commit()?;
        *clock = draft;
        Ok(out)
    }

    /// Read-only access for the query modules.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }
}
