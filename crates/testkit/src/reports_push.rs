//! Loading commune records into a central database the way devices send
//! them: as changes pushed by an enrolled officer's device, parents first,
//! moves and voids as later edits. Used with `reports_fixture` (the
//! hand-made commune) and by the randomised tests.

use chrono::{Duration, Utc};
use gocua_central::{ApplyResult, CentralDb, DeviceAuth};
use gocua_core::converge::FieldClocks;
use gocua_core::*;
use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

/// An enrolled device and its clock.
pub struct Pusher {
    /// Its device's identity at the database.
    pub auth: DeviceAuth,
    clock: HlcClock,
    batch: Vec<Change>,
}

fn fields_of<T: Serialize>(record: &T) -> Map<String, Value> {
    let Value::Object(mut m) = serde_json::to_value(record).expect("a record") else {
        panic!("records are objects")
    };
    m.remove("id");
    m
}

impl Pusher {
    /// Enroll a device for `member` (an officer sees the whole commune).
    pub fn enroll(db: &CentralDb, member: MemberId) -> Pusher {
        let code = db.issue_code(member, Duration::hours(1)).expect("a code");
        let e = db.redeem_code(&code.code, "Máy thử").expect("enrolled");
        Pusher {
            clock: HlcClock::new(e.auth.device_id),
            auth: e.auth,
            batch: Vec::new(),
        }
    }

    fn change(&mut self, entity: EntityKind, id: Uuid, fields: Map<String, Value>) {
        let now = Utc::now().timestamp_millis() as u64;
        self.batch.push(Change {
            id: ChangeId::new(),
            entity,
            entity_id: id,
            hlc: self.clock.tick(now),
            fields,
            base: FieldClocks::new(),
        });
    }

    /// Queue a household as first registered.
    pub fn household(&mut self, h: &Household) {
        self.change(EntityKind::Household, h.id.0, fields_of(h));
    }

    /// Queue a resident as first registered.
    pub fn resident(&mut self, r: &Resident) {
        self.change(EntityKind::Resident, r.id.0, fields_of(r));
    }

    /// A visit as first recorded (a void is sent later with `void`).
    pub fn visit(&mut self, v: &Visit) {
        let mut v = v.clone();
        v.voided = None;
        self.change(EntityKind::Visit, v.id.0, fields_of(&v));
    }

    /// An assisted action as first recorded (a void is sent later with
    /// `void`).
    pub fn action(&mut self, a: &AssistedAction) {
        let mut a = a.clone();
        a.voided = None;
        self.change(EntityKind::AssistedAction, a.id.0, fields_of(&a));
    }

    /// An edit of some fields of a household or resident.
    pub fn edit(&mut self, entity: EntityKind, id: Uuid, fields: Value) {
        let Value::Object(fields) = fields else {
            panic!("fields are an object")
        };
        self.change(entity, id, fields);
    }

    /// Void a visit or an action.
    pub fn void(&mut self, entity: EntityKind, id: Uuid, void: &Void) {
        let mut fields = Map::new();
        fields.insert("voided".into(), serde_json::to_value(void).expect("a void"));
        self.change(entity, id, fields);
    }

    /// Push what is queued; every change must be taken.
    pub fn send(&mut self, db: &CentralDb) {
        let batch = std::mem::take(&mut self.batch);
        for chunk in batch.chunks(500) {
            for (id, r) in db.push(&self.auth, chunk).expect("push") {
                assert_eq!(r, ApplyResult::Applied, "change {id}");
            }
        }
    }
}

/// Push every visit and action of `visits`/`actions` (voids afterwards).
pub fn push_work(p: &mut Pusher, visits: &[&Visit], actions: &[AssistedAction]) {
    for v in visits {
        p.visit(v);
        for a in actions.iter().filter(|a| a.visit_id == v.id) {
            p.action(a);
        }
    }
    for v in visits {
        if let Some(void) = &v.voided {
            p.void(EntityKind::Visit, v.id.0, void);
        }
        for a in actions.iter().filter(|a| a.visit_id == v.id) {
            if let Some(void) = &a.voided {
                p.void(EntityKind::AssistedAction, a.id.0, void);
            }
        }
    }
}

/// The hand-made commune, pushed in the order the work happened: r7 is
/// registered in h3, helped there (V8), then moves to h4 before V6; the
/// voided visit and action are voided after they were recorded.
pub fn load_fixture(db: &CentralDb, f: &crate::reports_fixture::Fixture) -> Pusher {
    use crate::reports_fixture::{hh, member, r7_before_move, res, visit_id};
    db.import_org(&f.org).expect("the organisation");
    let mut p = Pusher::enroll(db, member(4));
    for h in &f.households {
        p.household(h);
    }
    for r in &f.residents {
        if r.id == res(7) {
            p.resident(&r7_before_move(f));
        } else {
            p.resident(r);
        }
    }
    let (v8, rest): (Vec<&Visit>, Vec<&Visit>) = f.visits.iter().partition(|v| v.id == visit_id(8));
    push_work(&mut p, &v8, &f.actions);
    p.edit(
        EntityKind::Resident,
        res(7).0,
        serde_json::json!({ "household_id": hh(4) }),
    );
    push_work(&mut p, &rest, &f.actions);
    p.send(db);
    p
}
