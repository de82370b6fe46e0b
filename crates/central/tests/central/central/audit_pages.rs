//! Nhật ký's lists a page at a time (issue 17, `CentralDb::*_page`): each
//! counted and cut into pages newest first, narrowed by kind, member and a
//! span of time, in SQL that both backends run the same.

use super::*;
use gocua_central::{AuditFilter, ExportChannel, ExportEvent, PageAt, ReviewStep};
use gocua_core::review::ReviewInput;

fn at(offset: u32, limit: u32) -> PageAt {
    PageAt { offset, limit }
}

fn the_audit_lists_are_counted_paged_and_filtered(backend: Backend) {
    let s = server(backend);
    let commune = s.org.commune.id;
    let officer = s.officer();
    let (first, second) = (s.member(0, 0), s.member(1, 0));
    let mut d0 = s.enroll(first);
    let mut d1 = s.enroll(second);
    let mut households = Vec::new();
    for head in ["Một", "Hai", "Ba"] {
        let (h, c) = d0.household(s.village(0), head);
        households.push(h);
        s.push(&d0, &[c]);
    }
    let (_, c) = d0.resident(households[0], "Nguyễn Thị Tư");
    s.push(&d0, &[c]);
    let (_, c) = d1.household(s.village(1), "Năm");
    s.push(&d1, &[c]);
    let mark = ReviewInput {
        target_kind: EntityKind::Household,
        target_id: households[1].0,
        comment: "Sai địa chỉ".into(),
        assignee: None,
    };
    assert!(matches!(
        s.db.open_review_on_web(officer, mark).unwrap(),
        ApplyResult::Applied
    ));
    for i in 0..9 {
        let web = i < 7;
        s.db.record_export(&ExportEvent {
            commune,
            member: web.then_some(officer),
            actor: if web { "Cán bộ" } else { "admin:root" },
            channel: if web {
                ExportChannel::Web
            } else {
                ExportChannel::Admin
            },
            what: "csv",
            period: "2026-Q4",
        })
        .unwrap();
    }
    let all = AuditFilter::default();

    // Pages of 4, newest first, that together are the whole list.
    let pages: Vec<_> = [0, 4, 8]
        .map(|o| {
            s.db.export_audit_page(commune, None, &all, at(o, 4))
                .unwrap()
        })
        .into();
    assert!(pages.iter().all(|p| p.total == 9));
    assert_eq!(
        pages.iter().map(|p| p.rows.len()).collect::<Vec<_>>(),
        [4, 4, 1]
    );
    let ids: Vec<i64> = pages
        .iter()
        .flat_map(|p| p.rows.iter().map(|r| r.id))
        .collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    assert_eq!(
        pages[0].rows[0].channel,
        ExportChannel::Admin,
        "the last first"
    );
    // By kind and by member.
    let admin =
        s.db.export_audit_page(commune, Some(ExportChannel::Admin), &all, at(0, 50))
            .unwrap();
    assert_eq!((admin.total, admin.rows.len()), (2, 2));
    let by = |m: MemberId| AuditFilter {
        member: Some(m),
        ..AuditFilter::default()
    };
    assert_eq!(
        s.db.export_audit_page(commune, None, &by(officer), at(0, 50))
            .unwrap()
            .total,
        7
    );
    assert_eq!(
        s.db.export_audit_page(commune, None, &by(first), at(0, 50))
            .unwrap()
            .total,
        0
    );
    // By time: an hour either side holds them all; past or future, none.
    let now = Utc::now();
    let span = |from: Option<chrono::DateTime<Utc>>, until: Option<chrono::DateTime<Utc>>| {
        let f = AuditFilter {
            member: None,
            from,
            until,
        };
        s.db.export_audit_page(commune, None, &f, at(0, 50))
            .unwrap()
            .total
    };
    let hour = Duration::hours(1);
    assert_eq!(span(Some(now - hour), Some(now + hour)), 9);
    assert_eq!(span(Some(now + hour), None), 0);
    assert_eq!(span(None, Some(now - hour)), 0);

    // Changes: of a kind, by the member whose device sent them.
    let theirs =
        s.db.change_audit_page(commune, Some(EntityKind::Household), &by(first), at(0, 50))
            .unwrap();
    assert_eq!((theirs.total, theirs.rows.len()), (3, 3));
    assert!(
        theirs
            .rows
            .iter()
            .all(|r| r.entity == EntityKind::Household && r.member_id == Some(first))
    );
    let everything =
        s.db.change_audit_page(commune, None, &all, at(0, 50))
            .unwrap();
    assert_eq!(everything.total, 6, "5 from the phones, the officer's mark");
    let a =
        s.db.change_audit_page(commune, None, &all, at(0, 3))
            .unwrap();
    let b =
        s.db.change_audit_page(commune, None, &all, at(3, 3))
            .unwrap();
    let seqs: Vec<i64> = a.rows.iter().chain(&b.rows).map(|r| r.seq).collect();
    let whole: Vec<i64> = everything.rows.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, whole);

    // Review steps, told apart in SQL as `ReviewStep::of` tells them.
    let steps = |step: Option<ReviewStep>, f: &AuditFilter| {
        s.db.review_audit_page(commune, step, f, at(0, 50)).unwrap()
    };
    let opened = steps(Some(ReviewStep::Opened), &all);
    assert_eq!(opened.total, 1);
    assert_eq!(
        opened.rows[0].review.as_ref().unwrap().0,
        ReviewStep::Opened
    );
    for step in [
        ReviewStep::Resolved,
        ReviewStep::Reopened,
        ReviewStep::Edited,
    ] {
        assert_eq!(steps(Some(step), &all).total, 0, "{step:?}");
    }
    assert_eq!(steps(None, &by(officer)).total, 1);
    assert_eq!(steps(None, &by(first)).total, 0);

    // The other lists answer the same filters (nothing of theirs here).
    let narrow = AuditFilter {
        member: Some(officer),
        from: Some(now - hour),
        until: Some(now + hour),
    };
    for merged in [None, Some(true), Some(false)] {
        assert_eq!(
            s.db.merge_audit_page(commune, merged, &narrow, at(0, 5))
                .unwrap()
                .total,
            0
        );
    }
    assert_eq!(
        s.db.training_deletions_page(commune, &narrow, at(0, 5))
            .unwrap()
            .total,
        0
    );
    assert_eq!(
        s.db.registry_imports_page(commune, &narrow, at(0, 5))
            .unwrap()
            .total,
        0
    );
}

on_each_backend!(the_audit_lists_are_counted_paged_and_filtered);
