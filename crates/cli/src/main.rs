//! `gocua`: a headless client over the device store, for scripting, support
//! at the commune office, and load simulation. It owns argument parsing and
//! printing only; every rule lives in `gocua-core`, every query in
//! `gocua-device`, sync in `gocua-sync`.

mod args;
mod commands;
mod print;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // `gocua … | head` should end quietly, as other Unix tools do, instead of
    // panicking on the closed pipe: restore the default SIGPIPE action.
    #[cfg(unix)]
    // SAFETY: called first thing, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = args::Cli::parse();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            print::error(&e);
            ExitCode::FAILURE
        }
    }
}
