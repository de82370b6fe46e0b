//! The central server's database on real files: enrollment codes and
//! tokens, scope, pushing (idempotent, one bad change refused alone),
//! pulling in pages within scope, and concurrent edits converging with the
//! loser kept in the conflict log.
//!
//! Every scenario runs on SQLite (`sqlite::…`) and, when
//! GOCUA_TEST_PG_URL names a PostgreSQL database, on PostgreSQL
//! (`postgres::…`) in a schema of its own that is dropped afterwards.

use backend::{Backend, Place};
use chrono::{Duration, TimeZone, Utc};
use gocua_central::{ApplyResult, CentralDb, CentralError, DeviceAuth, PullFilter};
use gocua_core::converge::{FieldClocks, converge_fields};
use gocua_core::demo::demo_org;
use gocua_core::{
    ActionCode, ActionId, ActionOutcome, AssistedAction, Change, ChangeId, EntityKind, Hlc,
    HlcClock, Household, HouseholdFlags, HouseholdId, MemberId, OrgSnapshot, Resident, ResidentId,
    Role, Sex, Visit, VisitForm, VisitId, VisitOutcome, Void,
};
use gocua_testkit::{backend, on_each_backend};
use serde::Serialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

mod audit_pages;
mod converge;
mod enrollment;
mod org;
mod pull;
mod push;
mod push_random;
mod scope;

/// Everything the database keeps: the bytes on disk, or every value in
/// the schema's tables.
fn stored(place: &Place) -> Vec<u8> {
    match &place.schema {
        Some(s) => s.all_text().unwrap().into_bytes(),
        // The file is encrypted: what it keeps, read through its key.
        None => {
            gocua_central::inspect::sqlite_all_text(&place.path().join("central.db"), &place.key())
                .unwrap()
                .into_bytes()
        }
    }
}

struct Server {
    /// Dropped before the place it lives in.
    db: CentralDb,
    place: Place,
    /// Two villages, a team of three in each, an officer.
    org: OrgSnapshot,
}

fn server(backend: Backend) -> Server {
    let place = Place::new(backend);
    let db = place.central();
    let org = demo_org(2);
    db.import_org(&org).unwrap();
    Server { db, place, org }
}

impl Server {
    /// The i-th member of team `team` (0 is the leader).
    fn member(&self, team: usize, i: usize) -> MemberId {
        let t = self.org.teams[team].id;
        self.org
            .members
            .iter()
            .filter(|m| m.team_id == Some(t))
            .nth(i)
            .unwrap()
            .id
    }

    fn officer(&self) -> MemberId {
        self.org
            .members
            .iter()
            .find(|m| m.role == Role::CommuneOfficer)
            .unwrap()
            .id
    }

    fn enroll(&self, member: MemberId) -> Device {
        let code = self.db.issue_code(member, Duration::hours(72)).unwrap();
        let e = self.db.redeem_code(&code.code, "Điện thoại thử").unwrap();
        Device {
            clock: HlcClock::new(e.auth.device_id),
            token: e.token,
            auth: e.auth,
        }
    }

    fn push(&self, d: &Device, changes: &[Change]) -> Vec<ApplyResult> {
        let out = self.db.push(&d.auth, changes).unwrap();
        assert_eq!(out.len(), changes.len());
        for ((id, _), c) in out.iter().zip(changes) {
            assert_eq!(*id, c.id, "results come in the order pushed");
        }
        out.into_iter().map(|(_, r)| r).collect()
    }

    /// Everything in the device's scope, a page at a time.
    fn pull_all(&self, d: &Device, page: u32) -> Vec<(i64, Change)> {
        let mut after = 0;
        let mut all = Vec::new();
        loop {
            let p = self.db.pull(&d.auth, after, page).unwrap();
            assert!(p.changes.len() <= page as usize);
            all.extend(p.changes.iter().cloned());
            after = p.cursor;
            if !p.more {
                return all;
            }
        }
    }

    fn village(&self, i: usize) -> gocua_core::VillageId {
        self.org.villages[i].id
    }
}

struct Device {
    auth: DeviceAuth,
    token: String,
    clock: HlcClock,
}

fn now_ms() -> u64 {
    Utc::now().timestamp_millis() as u64
}

fn fields_of<T: Serialize>(record: &T) -> Map<String, Value> {
    let Value::Object(mut m) = serde_json::to_value(record).unwrap() else {
        panic!("records are objects")
    };
    m.remove("id");
    m
}

impl Device {
    fn change(&mut self, entity: EntityKind, id: Uuid, fields: Map<String, Value>) -> Change {
        Change {
            id: ChangeId::new(),
            entity,
            entity_id: id,
            hlc: self.clock.tick(now_ms()),
            fields,
            base: FieldClocks::new(),
        }
    }

    /// An edit of fields last seen with stamp `seen`.
    fn edit(&mut self, entity: EntityKind, id: Uuid, fields: Value, seen: Hlc) -> Change {
        let Value::Object(fields) = fields else {
            panic!()
        };
        let base = fields.keys().map(|k| (k.clone(), seen)).collect();
        Change {
            base,
            ..self.change(entity, id, fields)
        }
    }

    fn household(&mut self, village: gocua_core::VillageId, head: &str) -> (HouseholdId, Change) {
        let h = Household {
            id: HouseholdId::new(),
            village_id: village,
            address: "Số 5, ngõ 2".into(),
            head_name: head.into(),
            phone: None,
            voided: None,
            flags: HouseholdFlags::default(),
        };
        (
            h.id,
            self.change(EntityKind::Household, h.id.0, fields_of(&h)),
        )
    }

    fn resident(&mut self, household: HouseholdId, name: &str) -> (ResidentId, Change) {
        let r = Resident {
            id: ResidentId::new(),
            household_id: household,
            full_name: name.into(),
            birth_year: 1960,
            sex: Sex::Female,
            has_smartphone: true,
            consent_on: None,
            citizen_id_hash: None,
            voided: None,
            merged_into: None,
            phone: None,
        };
        (
            r.id,
            self.change(EntityKind::Resident, r.id.0, fields_of(&r)),
        )
    }

    fn visit(&mut self, household: HouseholdId, member: MemberId) -> (VisitId, Change) {
        let v = Visit {
            id: VisitId::new(),
            household_id: household,
            members: vec![member],
            at: Utc.with_ymd_and_hms(2026, 3, 2, 3, 0, 0).unwrap(),
            form: VisitForm::DoorToDoor,
            outcome: VisitOutcome::Met,
            note: None,
            voided: None,
        };
        (v.id, self.change(EntityKind::Visit, v.id.0, fields_of(&v)))
    }

    fn action(&mut self, visit: VisitId, resident: ResidentId, code: &str) -> (ActionId, Change) {
        let a = AssistedAction {
            id: ActionId::new(),
            visit_id: visit,
            resident_id: resident,
            action: code.parse::<ActionCode>().unwrap(),
            outcome: ActionOutcome::Done,
            voided: None,
        };
        (
            a.id,
            self.change(EntityKind::AssistedAction, a.id.0, fields_of(&a)),
        )
    }

    fn void(&mut self, entity: EntityKind, id: Uuid, by: MemberId, reason: &str) -> Change {
        let void = Void {
            reason: reason.into(),
            by,
            at: Utc::now(),
        };
        let mut fields = Map::new();
        fields.insert("voided".into(), serde_json::to_value(void).unwrap());
        self.change(entity, id, fields)
    }
}

fn rejected_code(r: &ApplyResult) -> &str {
    match r {
        ApplyResult::Rejected { code, message } => {
            assert!(!message.is_empty());
            code
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}
