//! The end-to-end tests across processes, one binary: real devices
//! (`gocua_sync::client` over `gocua_device` files) and the real
//! `gocua-server`, through a connection-cutting proxy; and finding the
//! server on the LAN across two network namespaces (`discovery`). The field app's end
//! to end test is `tests/app_e2e.py`, run by `scripts/test.sh`.

mod convergence;
mod discovery;
mod sync_e2e;
