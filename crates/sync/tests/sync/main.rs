//! gocua-sync's integration tests, one binary: the sync client against a
//! scripted HTTPS server.

mod sync_client;
