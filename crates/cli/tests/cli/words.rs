//! What a person reads from `gocua` is Vietnamese first: every error (the
//! CLI's own, clap's, the store's) and every command's help; and dates are
//! taken day first, as the app takes them.

use super::cli::{Device, device, fails, gocua, ok};
use chrono::{Days, NaiveDate};
use std::process::Output;

/// The error's first line is `Lỗi: ` and a Vietnamese sentence (outside
/// the quoted values it repeats), and a later line gives the code and the
/// English detail: `error [code]: …`. Returns stderr.
pub(crate) fn vietnamese_first(what: &str, out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    let first = err.lines().next().unwrap_or_default();
    let sentence = first
        .strip_prefix("Lỗi: ")
        .unwrap_or_else(|| panic!("{what}: no 'Lỗi: ' first:\n{err}"));
    // Quoted values are the user's words, not ours.
    let mut ours = String::new();
    let mut quoted = false;
    for c in sentence.chars() {
        match c {
            '"' | '\'' => quoted = !quoted,
            c if !quoted => ours.push(c),
            _ => {}
        }
    }
    let vietnamese = ours
        .chars()
        .filter(|c| c.is_alphabetic() && !c.is_ascii())
        .count();
    assert!(vietnamese >= 3, "{what}: not Vietnamese first:\n{err}");
    assert!(
        err.lines().skip(1).any(|l| l.starts_with("error [")),
        "{what}: no 'error [code]: …' after the sentence:\n{err}"
    );
    err
}

/// Today in Vietnam, as the CLI reckons it by default.
fn today() -> NaiveDate {
    gocua_core::month::local_date(chrono::Utc::now())
}

fn household_with_resident(d: &Device) -> (String, String) {
    let village = d.org.villages[0].id.to_string();
    let h = ok(
        &d.db,
        &[
            "household",
            "add",
            "--village",
            &village,
            "--head",
            "Lò Văn Páo",
        ],
    );
    let h = h.trim().to_string();
    let r = ok(
        &d.db,
        &[
            "resident",
            "add",
            "--household",
            &h,
            "--name",
            "Lò Văn Páo",
            "--birth-year",
            "1972",
            "--sex",
            "male",
        ],
    );
    (h, r.trim().to_string())
}

#[test]
fn every_error_a_user_reads_is_vietnamese_first() {
    let d = device();
    let village = d.org.villages[0].id.to_string();
    let member = d.org.members[0].id.to_string();
    let (h, r) = household_with_resident(&d);
    let missing = d.dir.path().join("nope.jsonl");
    let missing = missing.to_str().unwrap();
    let unknown_action = format!("{r}:Nope:done");
    let cases: Vec<(&str, Vec<&str>)> = vec![
        (
            "bad village id",
            vec!["household", "add", "--village", "nope", "--head", "An"],
        ),
        ("bad household id", vec!["household", "show", "not-a-uuid"]),
        ("month 13", vec!["quota", "--month", "2026-13"]),
        (
            "sex f",
            vec![
                "resident",
                "add",
                "--household",
                &h,
                "--name",
                "An",
                "--birth-year",
                "1990",
                "--sex",
                "f",
            ],
        ),
        ("missing import file", vec!["household", "import", missing]),
        ("missing org file", vec!["org", "import", missing]),
        (
            "bad action",
            vec![
                "visit",
                "log",
                "--household",
                &h,
                "--member",
                &member,
                "--action",
                "garbage",
            ],
        ),
        (
            "bad at",
            vec![
                "visit",
                "log",
                "--household",
                &h,
                "--member",
                &member,
                "--at",
                "hôm qua",
            ],
        ),
        (
            "bad form",
            vec![
                "visit",
                "log",
                "--household",
                &h,
                "--member",
                &member,
                "--form",
                "phone",
            ],
        ),
        ("whose worklist", vec!["worklist"]),
        (
            "bad worklist day",
            vec!["worklist", "--village", &village, "--date", "31/11/2026"],
        ),
        (
            "bad review kind",
            vec![
                "review",
                "open",
                "--kind",
                "house",
                "--target",
                &h,
                "--comment",
                "x",
            ],
        ),
        (
            "unknown flag",
            vec!["quota", "--month", "2026-11", "--bogus"],
        ),
        ("unknown command", vec!["houshold", "list"]),
        ("missing argument", vec!["household", "add", "--head", "An"]),
        (
            "not a number",
            vec!["worklist", "--village", &village, "--horizon-days", "abc"],
        ),
        (
            "conflict",
            vec!["worklist", "--village", &village, "--member", &member],
        ),
        (
            "unknown action",
            vec![
                "visit",
                "log",
                "--household",
                &h,
                "--member",
                &member,
                "--action",
                &unknown_action,
            ],
        ),
    ];
    for (what, args) in &cases {
        let out = fails(&d.db, args);
        let err = vietnamese_first(what, &out);
        assert!(out.stdout.is_empty(), "{what}: {err}");
    }

    // No key: said before anything is opened.
    let out = gocua(&d.db, &["status"])
        .env_remove("GOCUA_DB_KEY")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = vietnamese_first("no key", &out);
    assert!(
        err.contains("GOCUA_DB_KEY") && err.contains("[no_key]"),
        "{err}"
    );

    // An organisation not yet loaded.
    let bare = d.dir.path().join("bare.db");
    ok(&bare, &["init", "--device-name", "Máy mới"]);
    for args in [vec!["org", "show"], vec!["quota", "--month", "2026-11"]] {
        let out = fails(&bare, &args);
        let err = vietnamese_first("no org", &out);
        assert!(err.contains("gocua enroll"), "{err}");
    }
    let status: serde_json::Value =
        serde_json::from_str(&ok(&d.db, &["--json", "status"])).unwrap();
    assert_eq!(
        status["unsent"], 2,
        "only the household and resident made: {status}"
    );
}

#[test]
fn follow_ups_are_taken_day_first_and_a_reason_is_asked_for() {
    let d = device();
    let member = d.org.members[0].id.to_string();
    let (h, r) = household_with_resident(&d);
    let due = today() + Days::new(20);
    let log = |action: String| {
        gocua(
            &d.db,
            &[
                "--json",
                "visit",
                "log",
                "--household",
                &h,
                "--member",
                &member,
                "--action",
                &action,
            ],
        )
        .output()
        .unwrap()
    };
    let due_of = |out: &Output| -> String {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["actions"][0]["outcome"]["due"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // 30/12/2026 as the app takes it, the short d/m/yyyy, and ISO.
    for typed in [
        due.format("%d/%m/%Y").to_string(),
        due.format("%-d/%-m/%Y").to_string(),
        due.format("%Y-%m-%d").to_string(),
    ] {
        let out = log(format!("{r}:vneid_l2:follow_up:{typed}"));
        assert_eq!(due_of(&out), due.to_string(), "{typed}");
    }
    // Days after the visit, for scripts that must stay true.
    let out = log(format!("{r}:ehealth_book:follow_up:+30"));
    assert_eq!(due_of(&out), (today() + Days::new(30)).to_string());

    // Month first is no date: said as a date problem, not a due-date rule.
    let out = log(format!("{r}:vneid_l2:follow_up:12/30/2026"));
    assert!(!out.status.success());
    let err = vietnamese_first("month first", &out);
    assert!(
        err.contains("30/12/2026") && err.contains("[day_format]"),
        "{err}"
    );

    for outcome in ["not_possible", "not_possible:"] {
        let out = log(format!("{r}:bank_account:{outcome}"));
        assert!(!out.status.success());
        let err = vietnamese_first("no reason", &out);
        assert!(
            err.contains("Cần ghi lý do") && err.contains("[reason_required]"),
            "{err}"
        );
    }

    // The worklist's day too.
    let village = d.org.villages[0].id.to_string();
    let out = ok(
        &d.db,
        &[
            "worklist",
            "--village",
            &village,
            "--date",
            &due.format("%d/%m/%Y").to_string(),
        ],
    );
    assert!(out.contains("Hẹn quay lại"), "{out}");
}

/// The subcommands a help page lists, with their descriptions.
fn listed(help: &str) -> Vec<(String, String)> {
    let mut in_list = false;
    let mut found = Vec::new();
    for line in help.lines() {
        if line == "Lệnh:" || line == "Commands:" {
            in_list = true;
            continue;
        }
        if in_list {
            let Some(rest) = line.strip_prefix("  ") else {
                break;
            };
            let mut parts = rest.trim().splitn(2, ' ');
            let name = parts.next().unwrap_or_default().to_string();
            let about = parts.next().unwrap_or_default().trim().to_string();
            found.push((name, about));
        }
    }
    found
}

#[test]
fn every_command_has_vietnamese_help() {
    let dir = tempfile::TempDir::new().unwrap();
    let db = dir.path().join("none.db");
    let mut todo = vec![Vec::<String>::new()];
    let mut seen = 0;
    while let Some(path) = todo.pop() {
        seen += 1;
        assert!(seen < 200, "bounded walk");
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let help = ok(&db, &args);
        let first = help.lines().next().unwrap_or_default();
        assert!(
            first.chars().any(|c| c.is_alphabetic() && !c.is_ascii()),
            "gocua {args:?}: no Vietnamese description first:\n{help}"
        );
        assert!(!help.contains("Print help"), "gocua {args:?}:\n{help}");
        for (name, about) in listed(&help) {
            assert!(
                !about.is_empty(),
                "gocua {path:?}: subcommand {name} has no help:\n{help}"
            );
            let mut next = path.clone();
            next.push(name);
            todo.push(next);
        }
    }
    assert!(seen > 30, "walked {seen} help pages");
    assert!(!db.exists(), "help made no database");
    let import = ok(&db, &["household", "import", "--help"]);
    assert!(
        import.contains("\"village_id\"") && import.contains("head_name"),
        "the line format is documented:\n{import}"
    );
}
