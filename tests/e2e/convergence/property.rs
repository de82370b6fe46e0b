//! The property: random work under random faults, then convergence
//! (`GOCUA_CONVERGENCE_CASES` cases).

use super::*;

fn cases() -> u32 {
    std::env::var("GOCUA_CONVERGENCE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), max_shrink_iters: 20, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn devices_converge_with_the_server_under_faults(devices in 2usize..=5, ops in proptest::collection::vec(op(), 5..40)) {
        let mut world = World::new(devices);
        for op in &ops {
            world.run(op);
        }
        world.check();
    }
}
