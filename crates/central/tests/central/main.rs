//! gocua-central's integration tests, one binary: the server's database on
//! SQLite and, when GOCUA_TEST_PG_URL names one, on PostgreSQL.

mod central;
mod pg_link;
mod reports_catch_up;
mod reports_central;
mod server_key;
