//! The leader's review loop end to end, on SQLite and (with
//! GOCUA_TEST_PG_URL) PostgreSQL.
//!
//! 1. Through the real server on 127.0.0.1 and two real encrypted device
//!    stores: member M01 logs a household and a visit; leader L0 syncs and
//!    marks the household ("wrong house number") and the visit ("wrong
//!    action"); M01 syncs and finds both open on the home list (the visit's
//!    asked of M01 as its recorder), corrects the household, voids and
//!    relogs the visit, reports both fixed with a reply; L0 syncs and sees
//!    them resolved, reopens one, and M01 gets it back. The officer marks the
//!    resident on the office's web pages, and M01's phone gets that too. The
//!    audit (the web page, `admin audit`, the database) lists each step with
//!    who and when.
//! 2. The central database judging pushed marks by role and scope: a
//!    member cannot open one (nor reopen, reword, or sign for another), the
//!    other team's leader cannot mark this team's record, another commune
//!    never; an officer may mark anywhere in the commune.
//!
//! Demo commune of two villages V0, V1; team t covers Vt with leader Lt and
//! members Mt1, Mt2; one officer.

use backend::{Backend, Place};
use chrono::{Duration, Utc};
use device::options;
use gocua_central::{ApplyResult, CentralDb, DeviceAuth, ReviewStep};
use gocua_core::converge::FieldClocks;
use gocua_core::demo::demo_org;
use gocua_core::review::{ReviewInput, ReviewMark, ReviewState};
use gocua_core::{
    ActionInput, ActionOutcome, Change, ChangeId, EntityKind, HlcClock, Household, HouseholdFlags,
    HouseholdId, HouseholdInput, MemberId, OrgSnapshot, ResidentInput, ReviewMarkId, Sex,
    VillageId, VisitForm, VisitInput, VisitOutcome,
};
use gocua_device::{DbKey, ReviewQuery, Store};
use gocua_sync::client;
use gocua_testkit::{backend, device, http_client, members, officer, on_each_backend, server};
use members::{enrolled_phone, member, officer};
use serde::Serialize;
use serde_json::{Map, Value};
use server::{RunningServer, admin_with, server_bin};
use tempfile::TempDir;
use uuid::Uuid;

mod judge;
mod round_trip;

fn sync(store: &mut Store) {
    let report = client::sync(store, &options(), &mut |_| {}).expect("sync");
    assert_eq!(
        store.quarantine(10).unwrap(),
        [],
        "nothing refused: {report:?}"
    );
}

fn open_marks(store: &Store, m: MemberId) -> Vec<gocua_device::ReviewItem> {
    store
        .review_marks(ReviewQuery {
            open_for: Some(m),
            limit: 50,
            ..ReviewQuery::default()
        })
        .unwrap()
}

fn all_marks(store: &Store) -> Vec<ReviewMark> {
    let mut v: Vec<ReviewMark> = store
        .review_marks(ReviewQuery {
            limit: 50,
            ..ReviewQuery::default()
        })
        .unwrap()
        .into_iter()
        .map(|i| i.mark)
        .collect();
    v.sort_by_key(|m| m.id);
    v
}

fn code(r: &ApplyResult) -> &str {
    match r {
        ApplyResult::Rejected { code, .. } => code,
        ApplyResult::Applied => "applied",
        ApplyResult::AlreadyHad => "already_had",
    }
}

fn step(mark: &ReviewMark, names: &[&str]) -> Map<String, Value> {
    fields_of(mark)
        .into_iter()
        .filter(|(k, _)| names.contains(&k.as_str()))
        .collect()
}

fn fields_of<T: Serialize>(record: &T) -> Map<String, Value> {
    let Value::Object(mut m) = serde_json::to_value(record).unwrap() else {
        panic!("records are objects")
    };
    m.remove("id");
    m
}
