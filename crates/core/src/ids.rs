//! Record identifiers. Every record is created offline on some device, so ids
//! are UUIDv7 minted on the device: unique without coordination and roughly
//! time-ordered, which keeps SQLite's b-trees appending instead of splitting.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! record_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh UUIDv7 minted on this device.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim()).map(Self)
            }
        }
    };
}

record_id!(
    /// A commune (xã / phường).
    CommuneId
);
record_id!(
    /// A village, hamlet or residential group (thôn / xóm / tổ dân phố).
    VillageId
);
record_id!(
    /// A community digital-technology team (Tổ CNS cộng đồng).
    TeamId
);
record_id!(
    /// A team member, leader, commune officer or admin.
    MemberId
);
record_id!(
    /// A household (hộ gia đình).
    HouseholdId
);
record_id!(
    /// A resident (nhân khẩu).
    ResidentId
);
record_id!(
    /// One visit to a household.
    VisitId
);
record_id!(
    /// One assisted action for one resident during a visit.
    ActionId
);
record_id!(
    /// A leader's or officer's "needs fix" mark on one record.
    ReviewMarkId
);
record_id!(
    /// A device (phone, desktop, CLI) that creates records.
    DeviceId
);
record_id!(
    /// One change to one record, as it travels through the outbox and sync.
    ChangeId
);
