//! The province on PostgreSQL: generated in the database (a scratch schema,
//! dropped after), then one commune's reports timed the same way as on
//! SQLite.

use super::{Knobs, Timing, sqlite};
use anyhow::Result;
use chrono::{Datelike, NaiveDate};
use gocua_central::scratch::ScratchSchema;
use gocua_central::{CentralDb, SyntheticProvince, synthetic_province};
use std::io::Write;
use std::time::Instant;

/// The rows, and how many communes the province had.
pub fn run(url: &str, k: &Knobs, today: NaiveDate) -> Result<(Vec<Timing>, usize)> {
    if let Ok(name) = std::env::var("GOCUA_REPORT_BENCH_PG_SCHEMA") {
        return measure_kept(url, &name, k, today);
    }
    let schema = ScratchSchema::create(url)?;
    let db = CentralDb::connect(schema.url(), 4, &super::bench_key())?;
    let spec = SyntheticProvince {
        communes: k.pg_communes,
        villages: 15,
        households: 6_250,
        residents: 25_000,
        actions: 125_000,
        year: today.year(),
        days: today.ordinal(),
    };
    let started = Instant::now();
    let communes = synthetic_province(schema.url(), &spec, |n| {
        print!("\rPostgreSQL: generating commune {n}/{}", spec.communes);
        let _ = std::io::stdout().flush();
    })?;
    println!(
        "\rPostgreSQL: a province of {} communes — {} residents, {} actions, {} households — \
         generated in {:.0} s",
        spec.communes,
        spec.communes * spec.residents,
        spec.communes * spec.actions,
        spec.communes * spec.households,
        started.elapsed().as_secs_f64()
    );
    let commune = communes[communes.len() / 2];
    let rows = sqlite::measure(&db, commune, today, k, 200.0)?;
    drop(db);
    if std::env::var("GOCUA_REPORT_BENCH_KEEP").is_ok() {
        println!("PostgreSQL: kept schema {}", schema.name());
        std::mem::forget(schema);
    }
    Ok((rows, spec.communes))
}

/// A province kept by an earlier run (GOCUA_REPORT_BENCH_KEEP=1 printed its
/// schema), measured again without generating it: its middle commune.
fn measure_kept(
    url: &str,
    schema: &str,
    k: &Knobs,
    today: NaiveDate,
) -> Result<(Vec<Timing>, usize)> {
    if !schema.starts_with("gocua_t_")
        || !schema
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        anyhow::bail!("GOCUA_REPORT_BENCH_PG_SCHEMA={schema}: not a schema this benchmark made");
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    let db = CentralDb::connect(
        &format!("{url}{sep}options=-csearch_path%3D{schema}"),
        4,
        &super::bench_key(),
    )?;
    let communes = db.communes()?;
    let commune = communes
        .get(communes.len() / 2)
        .map(|c| c.id)
        .ok_or_else(|| anyhow::anyhow!("schema {schema} holds no commune"))?;
    println!(
        "PostgreSQL: measuring the kept schema {schema} ({} communes)",
        communes.len()
    );
    Ok((
        sqlite::measure(&db, commune, today, k, 200.0)?,
        communes.len(),
    ))
}
