//! `gocua`: a headless client over the device store, for scripting, support
//! at the commune office, and load simulation. It owns argument parsing and
//! printing only; every rule lives in `gocua-core`, every query in
//! `gocua-device`, sync in `gocua-sync`.

#[macro_use]
mod print;
mod args;
mod commands;
mod fail;
mod usage;

use std::process::ExitCode;

fn main() -> ExitCode {
    // SIGPIPE stays ignored (Rust's default): with its default action a
    // connection reset while sending to the server would kill the process
    // mid-sync (a write to a reset socket raises it), with no error noted
    // and no retry. A closed stdout (`gocua … | head -1`) is handled where
    // we print (`print::out_line`): the rest of the output is dropped
    // quietly and the command still ends as it should.
    let cli = match usage::parse() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    match commands::run(cli) {
        Ok(()) if print::stdout_failed() => ExitCode::FAILURE,
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            print::error(&e);
            ExitCode::FAILURE
        }
    }
}
