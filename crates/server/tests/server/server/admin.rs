//! The admin commands setting up a commune.

use super::*;

fn admin_commands_set_up_a_commune(backend: Backend) {
    let p = Place::new(backend);
    let c = admin(
        &p,
        &[
            "commune",
            "create",
            "--name",
            "Xã Nghĩa Sơn",
            "--province",
            "Thanh Hóa",
        ],
    );
    let commune = c["id"].as_str().unwrap().to_string();
    let v1 = admin(
        &p,
        &[
            "village",
            "add",
            "--commune",
            &commune,
            "--name",
            "Thôn Đông",
        ],
    )["id"]
        .as_str()
        .unwrap()
        .to_string();
    let v2 = admin(
        &p,
        &[
            "village",
            "add",
            "--commune",
            &commune,
            "--name",
            "Thôn Tây",
        ],
    )["id"]
        .as_str()
        .unwrap()
        .to_string();
    let team = admin(
        &p,
        &[
            "team",
            "add",
            "--commune",
            &commune,
            "--name",
            "Tổ CNS Đông",
            "--village",
            &v1,
            "--village",
            &v2,
        ],
    );
    assert_eq!(team["village_ids"].as_array().unwrap().len(), 2);
    let team = team["id"].as_str().unwrap().to_string();
    let member = admin(
        &p,
        &[
            "member",
            "add",
            "--commune",
            &commune,
            "--team",
            &team,
            "--name",
            "Phạm Thị Lan",
            "--role",
            "member",
        ],
    );
    assert_eq!(member["role"], "member");
    let target = admin(
        &p,
        &[
            "target",
            "set",
            "--commune",
            &commune,
            "--indicator",
            "vneid_l2",
            "--percent",
            "90",
        ],
    );
    assert_eq!(target["percent"], 90.0);

    // A code with its QR code: text for people, PNG for printing.
    let png = p.path().join("qr.png");
    let out = admin_cmd(&p)
        .args([
            "enroll-code",
            "--member",
            member["id"].as_str().unwrap(),
            "--url",
            "https://192.0.2.10:8443",
            "--png",
        ])
        .arg(&png)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Mã đăng ký: "), "{text}");
    assert!(text.contains("gocua-enroll:v1?url=https://192.0.2.10:8443&code="));
    assert!(
        text.contains('▀') || text.contains('▄'),
        "a QR code is drawn"
    );
    assert_eq!(&std::fs::read(&png).unwrap()[1..4], b"PNG");

    // Mistakes are refused in plain words, with a non-zero exit.
    let out = admin_cmd(&p)
        .args([
            "member",
            "add",
            "--commune",
            &commune,
            "--name",
            "Không tổ",
            "--role",
            "member",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("Lỗi: Tổ viên và tổ trưởng phải thuộc một tổ."),
        "{err}"
    );
    let out = admin_cmd(&p)
        .args(["revoke", "not-an-id"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

on_each_backend!(admin_commands_set_up_a_commune);
