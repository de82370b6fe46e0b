//! gocua-server's integration tests, one binary: the real `gocua-server`
//! (started through `gocua_testkit`), its admin commands, the office's web
//! pages and reports, on SQLite and, when GOCUA_TEST_PG_URL names one, on
//! PostgreSQL.

mod audit_web;
mod backup;
mod dashboard;
mod data_folder;
mod import;
mod import_again;
mod import_figure;
mod import_lists;
mod import_undo;
mod import_web;
mod key_file;
mod merge;
mod office;
mod parallel_tries;
mod reenroll;
mod reports;
mod restore_heals;
mod review;
mod review_loop;
mod review_web;
mod server;
mod signatures;
mod slow_clients;
mod training;
mod web_pages;
