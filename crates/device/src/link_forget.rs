//! A member forgetting the relay it joined (issue 18, the app's "Quên trạm
//! này"). Kept apart from `relay/link.rs` only because another branch owns
//! that file while issue 18 is built; it belongs there.

use crate::{Store, StoreError};

impl Store {
    /// Forget the joined relay: its address, pinned certificate, token and
    /// pull cursor. What was pulled through it stays applied; the outbox
    /// is untouched. True when there was one.
    pub fn forget_relay_link(&mut self) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .execute("DELETE FROM relay_link WHERE singleton = 1", [])?
            > 0)
    }
}
