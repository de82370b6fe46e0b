//! Throwaway PostgreSQL schemas for tests: each test makes its own, so
//! tests run in parallel against one database and leave nothing behind
//! (the schema is dropped with everything in it when the guard goes).

use crate::CentralError;
use postgres::{Client, Config, NoTls};

/// A fresh, empty schema in the database at a base URL.
pub struct ScratchSchema {
    base: String,
    name: String,
    url: String,
}

impl ScratchSchema {
    /// Make a schema with a random name in the database at `base_url`
    /// (`postgres://user:password@host:port/db`, without a query string).
    pub fn create(base_url: &str) -> Result<ScratchSchema, CentralError> {
        let name = format!("gocua_t_{}", hex::encode(&crate::random_32()[..8]));
        let mut client = connect(base_url)?;
        client.batch_execute(&format!("CREATE SCHEMA {name}"))?;
        let sep = if base_url.contains('?') { '&' } else { '?' };
        let url = format!("{base_url}{sep}options=-csearch_path%3D{name}");
        Ok(ScratchSchema {
            base: base_url.to_string(),
            name,
            url,
        })
    }

    /// The URL that works inside this schema.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Every value stored in the schema's tables, as text (for tests that
    /// secrets are kept only hashed).
    pub fn all_text(&self) -> Result<String, CentralError> {
        let mut client = connect(&self.base)?;
        let tables: Vec<String> = client
            .query(
                "SELECT table_name::TEXT FROM information_schema.tables
                 WHERE table_schema = $1 ORDER BY table_name",
                &[&self.name],
            )?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;
        let mut all = String::new();
        for t in tables {
            let sql = format!("SELECT t::TEXT FROM {}.{t} t", self.name);
            for row in client.query(&sql, &[])? {
                all.push_str(&row.try_get::<_, String>(0)?);
                all.push('\n');
            }
        }
        Ok(all)
    }
}

fn connect(url: &str) -> Result<Client, CentralError> {
    let config: Config = url.parse()?;
    Ok(config.connect(NoTls)?)
}

impl Drop for ScratchSchema {
    fn drop(&mut self) {
        let dropped = connect(&self.base).and_then(|mut c| {
            c.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name))
                .map_err(CentralError::from)
        });
        if let Err(e) = dropped {
            eprintln!("could not drop test schema {}: {e}", self.name);
        }
    }
}
