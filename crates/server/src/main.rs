//! `gocua-server`: the commune's central sync server. `serve` runs the HTTPS
//! API devices sync with; `admin` sets up the commune (villages, teams,
//! members), issues enrollment codes and manages devices, working on the
//! data folder directly. This crate owns HTTP, TLS, the command line, the
//! office's web pages, the registry import and the report files; every rule
//! lives in `gocua-core` and all SQL in `gocua-central`. It must never link
//! the device store (`gocua-device`): its one contract with devices is
//! `gocua-wire`.

mod admin;
mod admin_backup;
mod announce;
mod app;
mod args;
mod backups;
mod conn;
mod data_dir;
mod error;
mod extract;
mod import;
mod key_file;
mod limit;
mod pg_backup;
mod projector;
mod proof;
mod push_queue;
mod qr;
mod report;
mod routes;
mod serve;
mod tls;
mod training;
mod web;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let result = match cli.command {
        args::Command::Serve(a) => serve::run(a),
        args::Command::Admin(a) => admin::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            admin::print_error(&e);
            ExitCode::FAILURE
        }
    }
}
