//! gocua-core's integration tests, one binary: the domain's counting over
//! the hand-made report commune (`gocua_testkit::reports_fixture`).

mod reports_core;
