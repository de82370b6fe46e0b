//! Withdrawing a household or resident, or restoring it (issue 16: an undone
//! registry import): the `voided` field is the commune office's to set or
//! clear — officers, admins, and the server's import device, which acts as
//! an admin — by the rule the phone applies too
//! (`gocua_core::credit::check_record_void`). A plain member's or a
//! leader's device is refused (`void_not_allowed`).

use crate::push::{Judge, Refusal, bad_shape, invalid, reject};
use gocua_core::Void;
use gocua_core::credit::check_record_void;
use serde_json::{Map, Value};

impl Judge<'_> {
    /// Judged on the change's own value where it sets one (a member's void
    /// that loses to a later restore is still a member's void), against the
    /// stored record's; a new void's reason and time are checked as a
    /// visit's void is.
    pub(crate) fn record_void(&mut self, before: Option<Void>) -> Result<(), Refusal> {
        let wanted: Option<Void> = match self.change.fields.get("voided") {
            None => return Ok(()),
            Some(v) => {
                serde_json::from_value(v.clone()).map_err(|e| reject("invalid", bad_shape(&e)))?
            }
        };
        check_record_void(
            self.member,
            self.scope.role,
            before.as_ref(),
            wanted.as_ref(),
        )
        .map_err(|e| reject(e.code(), e.message_vi()))?;
        if let Some(v) = &wanted
            && before.as_ref() != Some(v)
        {
            v.check(self.now).map_err(invalid)?;
        }
        Ok(())
    }
}

/// The void a stored household or resident holds (None for a live one, or
/// one from before voids).
pub(crate) fn stored_void(fields: &Map<String, Value>) -> Option<Void> {
    fields
        .get("voided")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .flatten()
}
