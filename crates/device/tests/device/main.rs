//! gocua-device's integration tests, one binary: the device store on real
//! encrypted files.

mod store;
mod sync_state;
