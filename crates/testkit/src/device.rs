//! Devices in tests against the real server: client options that retry
//! quickly (cut connections and restarts are part of the tests, waiting
//! seconds for each is not), and records entered as a member enters them.

use gocua_core::{
    ActionInput, ActionOutcome, HouseholdFlags, HouseholdId, HouseholdInput, MemberId, ResidentId,
    ResidentInput, Sex, VillageId, VisitForm, VisitInput, VisitOutcome,
};
use gocua_device::Store;
use gocua_sync::client::{ClientOptions, RetryPolicy};
use std::time::Duration;

/// Generous timeouts, six quick tries.
pub fn options() -> ClientOptions {
    ClientOptions {
        timeout: Duration::from_secs(20),
        retry: RetryPolicy {
            attempts: 6,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
        },
        // A server these tests stop is not looked for on the LAN (the
        // discovery tests set their own wait).
        rediscover_wait: Duration::ZERO,
        ..ClientOptions::default()
    }
}

/// A household with `head` at its head, as a member adds it.
pub fn household(store: &mut Store, village: VillageId, head: &str) -> HouseholdId {
    store
        .write(|b| {
            b.add_household(HouseholdInput {
                village_id: Some(village),
                address: format!("Nhà {head}"),
                head_name: head.into(),
                phone: None,
                flags: HouseholdFlags::default(),
            })
        })
        .expect("a household")
        .id
}

/// A woman with a smartphone, no consent or ID yet.
pub fn resident(store: &mut Store, household: HouseholdId, name: &str, born: i32) -> ResidentId {
    store
        .write(|b| {
            b.add_resident(ResidentInput {
                household_id: household,
                full_name: name.into(),
                birth_year: born,
                sex: Sex::Female,
                has_smartphone: true,
                consent_on: None,
                citizen_id_hash: None,
            })
        })
        .expect("a resident")
        .id
}

/// A visit now by `member`, the resident helped with VNeID level 2.
pub fn visit_now(
    store: &mut Store,
    household: HouseholdId,
    resident: ResidentId,
    member: MemberId,
) {
    store
        .write(|b| {
            b.log_visit(VisitInput {
                household_id: household,
                members: vec![member],
                at: chrono::Utc::now(),
                form: VisitForm::DoorToDoor,
                outcome: VisitOutcome::Met,
                note: None,
                actions: vec![ActionInput {
                    resident_id: resident,
                    action: "vneid_l2".parse().expect("an action code"),
                    outcome: ActionOutcome::Done,
                }],
            })
        })
        .expect("a visit");
}
