//! The hand-made commune of the dashboard test, set up the way a commune
//! is: the organisation and the officer's password with `gocua-server
//! admin`, the households and visits on two members' phones (real
//! encrypted device stores) synced to the running server.
//!
//! All the work lies in the quarter before today's (Q), so the figures do
//! not move with the clock. Y is Q's year; M1..M3 its months. Ages are
//! birth-year ages in Y.
//!
//! Thôn Đông (Tổ 1: An leader, Bình), Thôn Tây (Tổ 2: Cường), Thôn Bắc
//! (Tổ 3: Dũng, no device, no households); officer Lan.
//!   H1 Một: R1 Một 70, R2 Hai 10      H4 Sáu: R6 Sáu 50, R7 Bảy 3
//!   H2 Ba:  R3 Ba 40,  R4 Bốn 16      H5 Tám: R8 Tám 25
//!   H3 Năm: R5 Năm 30
//! Visits (day, credited, outcome: actions):
//!   V1 H1 M1-05 An      met: R1 vneid done, R1 ehealth done, R2 vneid done,
//!                            R2 ehealth done, R2 online_safety done
//!   V2 H2 M1-06 An+Bình met: R3 bank done, R4 bank follow-up→M1-20,
//!                            R3 vneid done
//!   V3 H3 M2-07 An      not at home
//!   V4 H2 M2-08 Bình    met: R4 bank done (the follow-up succeeds)
//!   V5 H4 M1-10 Cường   met: R6 vneid done, R6 signature done,
//!                            R6 app not possible (no smartphone)
//!   V6 H5 M3-03 Cường   met: R8 vneid, app, ehealth, bank, online_safety done
//!
//! Worked out by hand, at Q's last day:
//!   VNeID among 6+ (all but R7): R1 R2 R3 R6 R8 = 5/7 = 71,4%
//!   signature among adults (R1 R3 R5 R6 R8): R6 = 1/5 = 20,0%
//!   bank among 15+ (R1 R3 R4 R5 R6 R8): R3 R4 R8 = 3/6 = 50,0%
//!   e-health among all 8: R1 R2 R8 = 3/8 = 37,5%
//!   households with an essential platform: H1 H2 H4 H5 = 4/5 = 80,0%
//!     (target 80: met)
//!   households reached (met or refused; not-at-home is not): 4/5 = 80,0%
//!   digital citizens: R2 (10: VNeID, e-health, safety are all hers) and
//!     R8 = 2/8 = 25,0%; digital families: H5 = 1/5 = 20,0%
//!   assists in Q: 5+3+1+2+5 = 16 (the not-possible one is no assist);
//!     households helped 4 (H1 H2 H4 H5)
//!   Tổ 1: months 8, 1, 0 = 9 assists, households 2; Tổ 2: 2, 0, 5 = 7,
//!     households 2; Tổ 3: 0
//!   An: households 2, 0, 0 (2 in Q), 8 assists; Bình: 1, 1, 0 (1 in Q),
//!     4 assists; Cường: 1, 0, 1 (2 in Q), 7 assists; Dũng 0
//!   ranking: teams Tổ 1, Tổ 2, Tổ 3; members An, Cường, Bình, Dũng
//!   synced: Tổ 1 and Tổ 2 (each member with a phone synced); Tổ 3 has none

use crate::device::options;
pub use crate::device::{household, resident};
use crate::server::{OrgAdmin, RunningServer, data_args};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use gocua_core::indicators::Quarter;
use gocua_core::month::{Month, local_date};
use gocua_core::{
    ActionInput, ActionOutcome, CannotReason, HouseholdId, MemberId, ResidentId, VillageId,
    VisitForm, VisitInput, VisitOutcome,
};
use gocua_device::Store;
use gocua_sync::client;
use std::path::PathBuf;
use tempfile::TempDir;

/// The commune's name.
pub const COMMUNE: &str = "Xã Thử Nghiệm";

/// The commune drawn above, as made by `gocua-server admin`: the ids it
/// printed.
pub struct Commune {
    /// The server's data folder (`server`) and the phones' files.
    pub dir: TempDir,
    /// The commune's id.
    pub commune: String,
    /// Thôn Đông, Thôn Tây, Thôn Bắc.
    pub villages: [String; 3],
    /// Tổ 1, Tổ 2, Tổ 3.
    pub teams: [String; 3],
    /// Lê Văn An, Tổ 1's leader.
    pub an: String,
    /// Trần Thị Bình, of Tổ 1.
    pub binh: String,
    /// Phạm Văn Cường, Tổ 2's leader.
    pub cuong: String,
    /// Đỗ Văn Dũng, Tổ 3's leader (no phone).
    pub dung: String,
    /// Nguyễn Thị Lan, the commune officer.
    pub officer: String,
    /// The quarter the work lies in.
    pub quarter: Quarter,
}

/// The quarter before the one `today` is in.
pub fn previous_quarter(today: NaiveDate) -> Quarter {
    let q = Quarter::of(today);
    if q.quarter == 1 {
        Quarter {
            year: q.year - 1,
            quarter: 4,
        }
    } else {
        Quarter {
            year: q.year,
            quarter: q.quarter - 1,
        }
    }
}

impl Commune {
    /// The server's data folder.
    pub fn data(&self) -> PathBuf {
        self.dir.path().join("server")
    }

    /// The organisation and the officer's password, before the server runs.
    pub fn create() -> Commune {
        let dir = TempDir::new().unwrap();
        let data = dir.path().join("server");
        let db_args = data_args(&data);
        let org = OrgAdmin::new(&db_args);
        let commune = org.commune(COMMUNE);
        let villages = ["Thôn Đông", "Thôn Tây", "Thôn Bắc"].map(|v| org.village(&commune, v));
        let teams = [
            org.team(&commune, "Tổ 1", &villages[0]),
            org.team(&commune, "Tổ 2", &villages[1]),
            org.team(&commune, "Tổ 3", &villages[2]),
        ];
        let member =
            |team: Option<&str>, name: &str, role: &str| org.member(&commune, name, role, team);
        let an = member(Some(&teams[0]), "Lê Văn An", "team_leader");
        let binh = member(Some(&teams[0]), "Trần Thị Bình", "member");
        let cuong = member(Some(&teams[1]), "Phạm Văn Cường", "team_leader");
        let dung = member(Some(&teams[2]), "Đỗ Văn Dũng", "team_leader");
        let officer = member(None, "Nguyễn Thị Lan", "commune_officer");
        let c = Commune {
            quarter: previous_quarter(local_date(Utc::now())),
            dir,
            commune,
            villages,
            teams,
            an,
            binh,
            cuong,
            dung,
            officer,
        };
        c.set_password();
        c
    }

    /// `admin member set-password`: the login is said, the password never.
    fn set_password(&self) {
        let stdout = crate::officer::set_password(
            &crate::server::server_bin(),
            &data_args(&self.data()),
            &self.officer,
        );
        assert!(stdout.contains("Tên đăng nhập: lan"), "{stdout}");
        assert!(
            !stdout.contains(crate::officer::PASSWORD) && !stdout.contains("Lan 2026"),
            "{stdout}"
        );
    }

    /// A month of the quarter (0..3) and noon in Vietnam on a day of it.
    fn noon(&self, month: usize, day: u32) -> DateTime<Utc> {
        let m: Month = self.quarter.months()[month];
        Utc.with_ymd_and_hms(m.year, m.month, day, 5, 0, 0).unwrap()
    }

    fn day(&self, month: usize, day: u32) -> NaiveDate {
        local_date(self.noon(month, day))
    }

    /// A phone for a member, enrolled to the running server.
    pub fn phone(&self, server: &RunningServer, member: &str, name: &str) -> Store {
        let path = self.dir.path().join(format!("{name}.db"));
        let member = member.parse().expect("a member id");
        crate::members::enrolled_phone(server, &data_args(&self.data()), member, &path, name)
    }

    /// The quarter's work, recorded on An's and Cường's phones and synced.
    pub fn record_work(&self, server: &RunningServer) {
        let y = self.quarter.year;
        let m = |s: &str| -> MemberId { s.parse().unwrap() };
        let v = |i: usize| -> VillageId { self.villages[i].parse().unwrap() };
        let (an, binh, cuong) = (m(&self.an), m(&self.binh), m(&self.cuong));

        let mut phone = self.phone(server, &self.an, "Máy của An");
        let h1 = household(&mut phone, v(0), "Nguyễn Văn Một");
        let r1 = resident(&mut phone, h1, "Nguyễn Văn Một", y - 70);
        let r2 = resident(&mut phone, h1, "Nguyễn Thị Hai", y - 10);
        let h2 = household(&mut phone, v(0), "Trần Văn Ba");
        let r3 = resident(&mut phone, h2, "Trần Văn Ba", y - 40);
        let r4 = resident(&mut phone, h2, "Trần Thị Bốn", y - 16);
        let h3 = household(&mut phone, v(0), "Lê Văn Năm");
        resident(&mut phone, h3, "Lê Văn Năm", y - 30);
        let done = || ActionOutcome::Done;
        visit(
            &mut phone,
            h1,
            &[an],
            self.noon(0, 5),
            VisitOutcome::Met,
            vec![
                act(r1, "vneid_l2", done()),
                act(r1, "ehealth_book", done()),
                act(r2, "vneid_l2", done()),
                act(r2, "ehealth_book", done()),
                act(r2, "online_safety", done()),
            ],
        );
        visit(
            &mut phone,
            h2,
            &[an, binh],
            self.noon(0, 6),
            VisitOutcome::Met,
            vec![
                act(r3, "bank_account", done()),
                act(
                    r4,
                    "bank_account",
                    ActionOutcome::FollowUp {
                        due: self.day(0, 20),
                    },
                ),
                act(r3, "vneid_l2", done()),
            ],
        );
        visit(
            &mut phone,
            h3,
            &[an],
            self.noon(1, 7),
            VisitOutcome::NotAtHome,
            vec![],
        );
        visit(
            &mut phone,
            h2,
            &[binh],
            self.noon(1, 8),
            VisitOutcome::Met,
            vec![act(r4, "bank_account", done())],
        );
        sync(&mut phone);

        let mut phone = self.phone(server, &self.cuong, "Máy của Cường");
        let h4 = household(&mut phone, v(1), "Phạm Thị Sáu");
        let r6 = resident(&mut phone, h4, "Phạm Thị Sáu", y - 50);
        resident(&mut phone, h4, "Phạm Văn Bảy", y - 3);
        let h5 = household(&mut phone, v(1), "Hoàng Thị Tám");
        let r8 = resident(&mut phone, h5, "Hoàng Thị Tám", y - 25);
        visit(
            &mut phone,
            h4,
            &[cuong],
            self.noon(0, 10),
            VisitOutcome::Met,
            vec![
                act(r6, "vneid_l2", done()),
                act(r6, "digital_signature", done()),
                act(
                    r6,
                    "provincial_app",
                    ActionOutcome::NotPossible {
                        reason: CannotReason::NoSmartphone,
                        note: None,
                    },
                ),
            ],
        );
        let all = [
            "vneid_l2",
            "provincial_app",
            "ehealth_book",
            "bank_account",
            "online_safety",
        ];
        visit(
            &mut phone,
            h5,
            &[cuong],
            self.noon(2, 3),
            VisitOutcome::Met,
            all.iter().map(|c| act(r8, c, done())).collect(),
        );
        sync(&mut phone);
    }
}

fn act(resident: ResidentId, code: &str, outcome: ActionOutcome) -> ActionInput {
    ActionInput {
        resident_id: resident,
        action: code.parse().unwrap(),
        outcome,
    }
}

fn visit(
    store: &mut Store,
    household: HouseholdId,
    members: &[MemberId],
    at: DateTime<Utc>,
    outcome: VisitOutcome,
    actions: Vec<ActionInput>,
) {
    store
        .write(|b| {
            b.log_visit(VisitInput {
                household_id: household,
                members: members.to_vec(),
                at,
                form: VisitForm::DoorToDoor,
                outcome,
                note: None,
                actions,
            })
        })
        .expect("a visit");
}

/// One sync round that must leave nothing refused, quarantined or unsent.
pub fn sync(store: &mut Store) -> client::SyncReport {
    let report = client::sync(store, &options(), &mut |_| {}).expect("sync");
    assert_eq!(report.rejected, 0, "{report:?}");
    assert_eq!(report.quarantined, 0, "{report:?}");
    assert_eq!(report.unsent, 0, "{report:?}");
    report
}
