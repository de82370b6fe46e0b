//! The property of issue 16: importing a list twice, or a list and then
//! its corrected copy (a letter of a name or a birth year changed, people
//! added), never makes two residents of one row. The whole reading path
//! runs (header, rows, households, matching) against a simulated server
//! that keeps what each import writes, stamped by the import device.

use super::columns;
use super::group;
use super::reconcile::{Provided, reconcile};
use super::rows::Context;
use super::sheet::{Cell, Sheet, SheetRow};
use chrono::NaiveDate;
use gocua_central::{RegistryRecord, RegistryState, import_device};
use gocua_core::citizen_id::CommuneSecret;
use gocua_core::converge::{FieldClocks, to_fields};
use gocua_core::{CommuneId, Hlc, Village, VillageId};
use proptest::prelude::*;
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

/// Given names far apart (no two within three letters of each other), so
/// a corrected letter can only mean one of them.
const GIVEN: &[&str] = &[
    "An", "Bình", "Cường", "Dũng", "Giang", "Hạnh", "Khoa", "Loan", "Minh", "Nguyệt", "Phúc",
    "Quế", "Sơn", "Thủy", "Uyên", "Vượng", "Xuân", "Yến",
];
const FAMILY: &[&str] = &["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"];

#[derive(Debug, Clone)]
struct Row {
    name: String,
    year: i32,
    female: bool,
    head: bool,
    address: String,
}

fn households() -> impl Strategy<Value = Vec<Row>> {
    prop::collection::vec(
        (
            0..FAMILY.len(),
            prop::sample::subsequence((0..GIVEN.len()).collect::<Vec<_>>(), 1..5),
            1930i32..1995,
            any::<u64>(),
        ),
        1..7,
    )
    .prop_map(|hs| {
        let mut rows = Vec::new();
        for (n, (family, given, year, bits)) in hs.into_iter().enumerate() {
            for (i, g) in given.into_iter().enumerate() {
                rows.push(Row {
                    name: format!("{} Văn {}", FAMILY[family], GIVEN[g]),
                    year: year + i as i32 * 7 % 60,
                    female: bits >> i & 1 == 1,
                    head: i == 0,
                    address: format!("Số {n}"),
                });
            }
        }
        rows
    })
}

/// A corrected copy: some names with a letter changed, some years moved
/// by one, perhaps a person added to the first household.
fn corrected(rows: &[Row], edits: &[(usize, u8)], add: bool) -> Vec<Row> {
    let mut out = rows.to_vec();
    let mut seen = std::collections::HashSet::new();
    for &(i, kind) in edits {
        // One correction a person: two at once may be someone else.
        if !seen.insert(i % rows.len()) {
            continue;
        }
        let Some(r) = out.get_mut(i % rows.len()) else {
            continue;
        };
        match kind % 3 {
            0 => r.year += 1,
            1 => r.name.push('h'),
            _ => {
                r.name = r.name.replacen("Văn", "Vă", 1);
            }
        }
    }
    if add {
        let at = out
            .iter()
            .skip(1)
            .position(|r| r.head)
            .map_or(out.len(), |p| p + 1);
        out.insert(
            at,
            Row {
                name: "Mới Thêm Người".into(),
                year: 2020,
                female: true,
                head: false,
                address: String::new(),
            },
        );
    }
    out
}

fn sheet(rows: &[Row]) -> Sheet {
    let t = |s: &str| Cell::Text(s.to_string());
    let mut out = vec![SheetRow {
        number: 1,
        cells: [
            "STT",
            "Họ và tên",
            "Năm sinh",
            "Giới tính",
            "Quan hệ với chủ hộ",
            "Địa chỉ",
        ]
        .iter()
        .map(|s| t(s))
        .collect(),
    }];
    for (i, r) in rows.iter().enumerate() {
        out.push(SheetRow {
            number: i + 2,
            cells: vec![
                Cell::Number((i + 1) as f64),
                t(&r.name),
                Cell::Number(f64::from(r.year)),
                t(if r.female { "Nữ" } else { "Nam" }),
                t(if r.head { "Chủ hộ" } else { "Con" }),
                if r.address.is_empty() {
                    Cell::Empty
                } else {
                    t(&r.address)
                },
            ],
        });
    }
    Sheet {
        name: "DS".into(),
        rows: out,
    }
}

/// What the server would hold: records by id, fields stamped.
#[derive(Default)]
struct Server {
    records: HashMap<Uuid, (bool, RegistryRecord)>,
    tick: u64,
}

impl Server {
    fn state(&self) -> RegistryState {
        let mut s = RegistryState::default();
        for (household, r) in self.records.values() {
            if *household {
                s.households.push(r.clone());
            } else {
                s.residents.push(r.clone());
            }
        }
        s
    }

    fn put<R: Serialize>(
        &mut self,
        id: Uuid,
        parent: Option<Uuid>,
        household: bool,
        rec: &R,
        stamp: Hlc,
    ) {
        if self.records.contains_key(&id) {
            return;
        }
        let fields = to_fields(rec).unwrap();
        let clocks: FieldClocks = fields.keys().map(|k| (k.clone(), stamp)).collect();
        self.records.insert(
            id,
            (
                household,
                RegistryRecord {
                    id,
                    parent,
                    fields,
                    clocks,
                },
            ),
        );
    }

    /// One import of `rows`; the count of residents it created.
    fn import(&mut self, commune: CommuneId, village: &Village, rows: &[Row]) -> usize {
        let sheet = sheet(rows);
        let layout = columns::layout(&sheet).expect("header");
        let secret = CommuneSecret::from_bytes([7; 32]);
        let villages = vec![village.clone()];
        let ctx = Context {
            layout: &layout,
            villages: &villages,
            village: Some(village.id),
            secret: &secret,
            today: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
            persons: true,
        };
        let read = sheet.rows[1..].iter().map(|r| ctx.read(r)).collect();
        let plan = group::plan(&ctx, commune, read);
        let device = import_device(commune);
        let done = reconcile(
            plan.households,
            &self.state(),
            &Provided::from_layout(&layout),
            device,
        );
        self.tick += 1;
        let stamp = Hlc {
            wall_ms: self.tick,
            counter: 0,
            device,
        };
        let mut created = 0;
        for h in &done.households {
            self.put(h.household.id.0, None, true, &h.household, stamp);
            for (_, r) in &h.residents {
                if !self.records.contains_key(&r.id.0) {
                    created += 1;
                }
                self.put(r.id.0, Some(r.household_id.0), false, r, stamp);
            }
        }
        for u in &done.updates {
            let (_, rec) = self.records.get_mut(&u.id).expect("updates a record");
            for (k, v) in &u.fields {
                rec.fields.insert(k.clone(), v.clone());
                rec.clocks.insert(k.clone(), stamp);
            }
        }
        created
    }

    fn households(&self) -> usize {
        self.records.values().filter(|(h, _)| *h).count()
    }

    fn residents(&self) -> usize {
        self.records.values().filter(|(h, _)| !h).count()
    }
}

#[test]
fn a_neighbour_with_a_similar_name_is_not_a_correction() {
    let commune = CommuneId::new();
    let village = Village {
        id: VillageId::new(),
        commune_id: commune,
        name: "Thôn Đông".into(),
    };
    let head = |name: &str, year: i32| Row {
        name: name.into(),
        year,
        female: false,
        head: true,
        address: "Xóm Trại".into(),
    };
    let mut server = Server::default();
    assert_eq!(
        server.import(commune, &village, &[head("Nguyễn Văn An", 1950)]),
        1
    );
    // Another man at the same hamlet address, another age: a new household.
    assert_eq!(
        server.import(commune, &village, &[head("Nguyễn Văn Anh", 1972)]),
        1
    );
    assert_eq!(server.residents(), 2);
    assert_eq!(server.households(), 2, "not An's household renamed");
    // An's name corrected: the same household, the same person.
    let fixed = [head("Nguyễn Văn Ăn", 1950), head("Nguyễn Văn Anh", 1972)];
    assert_eq!(server.import(commune, &village, &fixed), 0);
    assert_eq!(server.residents(), 2);
    assert_eq!(server.households(), 2);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_row_never_becomes_two_residents(
        rows in households(),
        edits in prop::collection::vec((any::<usize>(), any::<u8>()), 0..6),
        add in any::<bool>(),
    ) {
        let commune = CommuneId::new();
        let village = Village { id: VillageId::new(), commune_id: commune, name: "Thôn Đông".into() };
        let mut server = Server::default();
        prop_assert_eq!(server.import(commune, &village, &rows), rows.len());
        prop_assert_eq!(server.import(commune, &village, &rows), 0, "the same file again");
        let fixed = corrected(&rows, &edits, add);
        let added = server.import(commune, &village, &fixed);
        prop_assert_eq!(added, usize::from(add), "only the added person is new");
        prop_assert_eq!(server.residents(), fixed.len());
        prop_assert_eq!(server.import(commune, &village, &fixed), 0, "the corrected file again");
    }
}
