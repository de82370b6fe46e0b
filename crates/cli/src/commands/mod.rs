//! One handler per command, by job: parse the words, call the store, print.
//! This module only dispatches.

mod household;
mod import;
mod input;
mod org;
mod quota;
mod relay;
mod review;
mod sync;
mod visit;

use crate::args::*;
use anyhow::Result;
use gocua_device::Store;

pub fn run(cli: Cli) -> Result<()> {
    // Only these make a database; every other command needs the device's.
    if !matches!(
        cli.command,
        Command::Init { .. } | Command::Enroll { .. } | Command::Demo { .. }
    ) {
        input::existing(&cli.db)?;
    }
    let key = input::key()?;
    let mut store = Store::open(&cli.db, &key)?;
    let json = cli.json;
    match cli.command {
        Command::Init { device_name } => org::init(&mut store, &device_name, json)?,
        Command::Status => sync::status(&store, json)?,
        Command::Enroll {
            target,
            code,
            device_name,
        } => sync::enroll(&mut store, &target, code.as_deref(), device_name, json)?,
        Command::Sync { relay: false } => sync::sync(&mut store, json)?,
        Command::Sync { relay: true } => relay::sync(&mut store, json)?,
        Command::Relay(cmd) => relay::run(store, cmd, json)?,
        Command::Quarantine(cmd) => sync::quarantine(&mut store, cmd, json)?,
        Command::Org(OrgCommand::Import { file }) => org::import(&mut store, &file, json)?,
        Command::Org(OrgCommand::Show) => org::show(&store, json)?,
        Command::Household(cmd) => household::run(&mut store, cmd, json)?,
        Command::Resident(cmd) => household::resident(&mut store, cmd, json)?,
        Command::Visit(cmd) => visit::run(&mut store, cmd, json)?,
        Command::Review(cmd) => review::run(&mut store, cmd, json)?,
        Command::Worklist {
            member,
            village,
            date,
            horizon_days,
        } => quota::worklist(&store, member, village, date, horizon_days, json)?,
        Command::Quota {
            month,
            member,
            team,
        } => quota::quota(&store, &month, member, team, json)?,
        Command::Catalogue(CatalogueCommand::List) => org::catalogue(&store, json)?,
        Command::Demo {
            households,
            actions,
            seed,
        } => org::demo(&mut store, households, actions, seed, json)?,
    }
    Ok(())
}
