//! A generated demo commune's organisation and its people's names, for
//! trying the app and the server and for benchmarks (the `demo` feature).
//! Names follow the commune plans: Kinh and ethnic-minority family names,
//! one team of three per village, plus an officer. Seeded, so the same
//! call gives the same names.

use crate::{
    Commune, CommuneId, Member, MemberId, OrgSnapshot, Role, Sex, Team, TeamId, Village, VillageId,
};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

pub const FAMILY: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý",
    "Hà", "Lò", "Cầm", "Quách", "Mai", "Trịnh", "Lương",
];
const MIDDLE_MALE: &[&str] = &["Văn", "Đức", "Minh", "Hữu", "Quang", "Xuân", "Công", "Đình"];
const MIDDLE_FEMALE: &[&str] = &[
    "Thị", "Ngọc", "Thu", "Thanh", "Kim", "Hồng", "Diệu", "Phương",
];
const GIVEN_MALE: &[&str] = &[
    "An", "Bình", "Cường", "Dũng", "Đạt", "Giang", "Hải", "Hùng", "Khánh", "Long", "Nam", "Quân",
    "Sơn", "Thắng", "Tuấn", "Việt", "Hiếu", "Phúc", "Trung", "Lực",
];
const GIVEN_FEMALE: &[&str] = &[
    "Anh", "Ánh", "Đào", "Hà", "Hằng", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nga", "Ngọc",
    "Phương", "Tâm", "Thảo", "Trang", "Vân", "Yến", "Huệ", "Nhung",
];
const VILLAGES: &[&str] = &[
    "Thôn Đông",
    "Thôn Tây",
    "Thôn Trung",
    "Thôn Nam",
    "Thôn Bắc",
    "Xóm Mới",
    "Thôn Cầu",
    "Thôn Bến",
    "Thôn Đồng Tâm",
    "Thôn Thượng",
    "Thôn Hạ",
    "Làng Bèo",
    "Thôn Ấp",
    "Thôn Quyết Thắng",
];

/// One of `list`, at random.
pub fn pick<'a>(rng: &mut StdRng, list: &[&'a str]) -> &'a str {
    list[rng.random_range(0..list.len())]
}

/// A full name of `family` fitting `sex`.
pub fn person_name(rng: &mut StdRng, family: &str, sex: Sex) -> String {
    let (middle, given) = match sex {
        Sex::Female => (MIDDLE_FEMALE, GIVEN_FEMALE),
        _ => (MIDDLE_MALE, GIVEN_MALE),
    };
    format!("{family} {} {}", pick(rng, middle), pick(rng, given))
}

/// The demo organisation: one team of three per village, plus an officer.
pub fn demo_org(villages: usize) -> OrgSnapshot {
    let mut rng = StdRng::seed_from_u64(7);
    let commune = Commune {
        id: CommuneId::new(),
        name: "Xã Thượng Ninh".into(),
        province: "Thanh Hóa".into(),
    };
    let mut org = OrgSnapshot {
        commune: commune.clone(),
        villages: Vec::new(),
        teams: Vec::new(),
        members: Vec::new(),
    };
    for i in 0..villages.max(1) {
        let name = match VILLAGES.get(i) {
            Some(n) => n.to_string(),
            None => format!("Thôn {}", i + 1),
        };
        let village = Village {
            id: VillageId::new(),
            commune_id: commune.id,
            name: name.clone(),
        };
        let team = Team {
            id: TeamId::new(),
            commune_id: commune.id,
            name: format!("Tổ CNS {name}"),
            village_ids: vec![village.id],
        };
        for (j, role) in [Role::TeamLeader, Role::Member, Role::Member]
            .iter()
            .enumerate()
        {
            let sex = if j == 1 { Sex::Female } else { Sex::Male };
            let family = pick(&mut rng, FAMILY);
            org.members.push(Member {
                id: MemberId::new(),
                commune_id: commune.id,
                team_id: Some(team.id),
                full_name: person_name(&mut rng, family, sex),
                role: *role,
            });
        }
        org.villages.push(village);
        org.teams.push(team);
    }
    org.members.push(Member {
        id: MemberId::new(),
        commune_id: commune.id,
        team_id: None,
        full_name: "Lê Thị Hồng Nhung".into(),
        role: Role::CommuneOfficer,
    });
    org
}
