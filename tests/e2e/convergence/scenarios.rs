//! Fixed scenarios: every kind of fault in one run, concurrent merges into
//! each other, a merge across villages.

use super::*;

#[test]
fn a_fixed_scenario_with_every_kind_of_fault() {
    use Op::*;
    let mut world = World::new(3);
    let ops = [
        AddHousehold {
            dev: 0,
            name: 0,
            poor: true,
        },
        AddHousehold {
            dev: 1,
            name: 1,
            poor: false,
        },
        Sync {
            dev: 0,
            fault: Fault::Cut(Direction::Downstream, 300),
        },
        Sync {
            dev: 1,
            fault: Fault::Cut(Direction::Upstream, 200),
        },
        Sync {
            dev: 2,
            fault: Fault::None,
        },
        AddResident {
            dev: 2,
            pick: 0,
            name: 5,
            age: 70,
        },
        EditHousehold {
            dev: 0,
            pick: 0,
            field: 0,
            value: 3,
        },
        EditHousehold {
            dev: 2,
            pick: 0,
            field: 0,
            value: 4,
        },
        EditHousehold {
            dev: 1,
            pick: 0,
            field: 2,
            value: 7,
        },
        LogVisit {
            dev: 2,
            pick: 0,
            actions: 1,
            met: true,
        },
        Sync {
            dev: 2,
            fault: Fault::Cut(Direction::Downstream, 2500),
        },
        RestartServer,
        Sync {
            dev: 0,
            fault: Fault::None,
        },
        Sync {
            dev: 1,
            fault: Fault::Cut(Direction::Downstream, 4000),
        },
        VoidVisit { dev: 1, pick: 0 },
        Sync {
            dev: 0,
            fault: Fault::None,
        },
        Mark {
            dev: 0,
            pick: 0,
            visit: true,
        },
        Mark {
            dev: 1,
            pick: 0,
            visit: false,
        },
        Mark {
            dev: 0,
            pick: 0,
            visit: false,
        },
        Sync {
            dev: 0,
            fault: Fault::Cut(Direction::Upstream, 500),
        },
        Sync {
            dev: 1,
            fault: Fault::None,
        },
        ResolveMark {
            dev: 1,
            pick: 0,
            reply: true,
        },
        Sync {
            dev: 1,
            fault: Fault::Cut(Direction::Downstream, 700),
        },
        Sync {
            dev: 0,
            fault: Fault::None,
        },
        Sync {
            dev: 2,
            fault: Fault::None,
        },
        // The leader reopens while another member resolves, unseen.
        ReopenMark { dev: 0, pick: 0 },
        ResolveMark {
            dev: 2,
            pick: 0,
            reply: false,
        },
        RestartServer,
    ];
    for op in &ops {
        world.run(op);
    }
    assert_eq!(
        world.created.marks.len(),
        2,
        "the member's mark was refused"
    );
    world.check();
}

/// Issue 6: the officer's two devices, each offline, merge the same two
/// residents into each other (a cycle), a member logs work for both, and
/// one officer device then merges a third record into the pair: every
/// device resolves the same person and counts them once, as the server.
#[test]
fn concurrent_merges_into_each_other_resolve_alike_everywhere() {
    use Op::*;
    let mut world = World::new(2);
    let none = Fault::None;
    let ops = [
        AddHousehold {
            dev: 0,
            name: 3,
            poor: false,
        },
        AddResident {
            dev: 0,
            pick: 0,
            name: 3,
            age: 66,
        },
        AddResident {
            dev: 0,
            pick: 0,
            name: 3,
            age: 66,
        },
        AddResident {
            dev: 0,
            pick: 0,
            name: 3,
            age: 66,
        },
        LogVisit {
            dev: 0,
            pick: 0,
            actions: 3,
            met: true,
        },
        Sync {
            dev: 0,
            fault: none,
        },
        Sync {
            dev: 2,
            fault: none,
        },
        Sync {
            dev: 3,
            fault: none,
        },
        // Officer 0 merges resident 0 into 1, officer 1 resident 1 into 0.
        MergeResidents {
            officer: 0,
            pick: 0,
            into: 1,
            across: false,
        },
        MergeResidents {
            officer: 1,
            pick: 1,
            into: 0,
            across: false,
        },
        Sync {
            dev: 2,
            fault: Fault::Cut(Direction::Downstream, 900),
        },
        Sync {
            dev: 3,
            fault: none,
        },
        Sync {
            dev: 2,
            fault: none,
        },
        LogVisit {
            dev: 1,
            pick: 0,
            actions: 2,
            met: true,
        },
        MergeResidents {
            officer: 0,
            pick: 1,
            into: 0,
            across: false,
        },
        RestartServer,
    ];
    for op in &ops {
        world.run(op);
    }
    world.check();
    let roots = world.devices[0].store.resident_roots().expect("roots");
    assert!(
        roots.merged().count() >= 2,
        "the three records are one person: {roots:?}"
    );
}

/// Issue 6 across villages: the officer merges a resident of the second
/// village (worked by device 3) into one of the first (devices 0–2), then
/// device 3, not yet synced, logs more work for her and voids a visit:
/// the first village's devices count her as the server does, and hold
/// none of her housemates.
#[test]
fn a_merge_across_villages_reaches_the_kept_village() {
    use Op::*;
    let mut world = World::new(4);
    let none = Fault::None;
    let sync = |dev| Sync { dev, fault: none };
    let add = |dev, name, age| AddResident {
        dev,
        pick: 0,
        name,
        age,
    };
    let visit = |dev| LogVisit {
        dev,
        pick: 0,
        actions: 2,
        met: true,
    };
    let household = |dev| AddHousehold {
        dev,
        name: 3,
        poor: false,
    };
    let ops = [
        household(0),
        add(0, 3, 66),
        household(3),
        add(3, 3, 66),
        add(3, 1, 40),
        visit(3),
        sync(0),
        sync(3),
        sync(4),
        MergeResidents {
            officer: 0,
            pick: 1,
            into: 0,
            across: true,
        },
        sync(4),
        sync(0),
        visit(3),
        VoidVisit { dev: 3, pick: 0 },
        sync(3),
        sync(1),
    ];
    for op in &ops {
        world.run(op);
    }
    world.check();
    let first = &world.devices[0].store;
    let roots = first.resident_roots().expect("roots");
    assert_eq!(roots.merged().count(), 1, "{roots:?}");
    let b = world.villages[1];
    let mut held = 0;
    for h in first.list_households(&[b]).expect("list") {
        held += first.household(h.id).expect("household").residents.len();
    }
    assert_eq!(held, 0, "her housemates stay in their village");
}
