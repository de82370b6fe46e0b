//! The PostgreSQL backend: a pool of synchronous `postgres` clients (each
//! call borrows one; the server calls from its blocking threads), each
//! keeping its prepared statements. Values cross as `Val`, converted to
//! whatever type the server inferred for each placeholder. The schema is
//! `migrations/server-pg/`, applied under an advisory lock so two processes
//! starting at once do not race.

use crate::CentralError;
use crate::backend::migrate::{self, Migration};
use crate::backend::sql::{Row, Tx, Val};
use bytes::BytesMut;
use gocua_core::CommuneId;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, Config, Statement};
use std::collections::HashMap;
use std::error::Error;
use std::time::Duration;
use tokio_postgres_rustls::MakeRustlsConnect;

/// The advisory lock key migrations hold ("gocua-mg").
const MIGRATION_LOCK: i64 = 0x676f_6375_612d_6d67;

pub(crate) struct PgDb {
    pool: r2d2::Pool<Manager>,
}

/// A pooled connection and its prepared statements.
pub(crate) struct PgConn {
    client: Client,
    statements: HashMap<String, Statement>,
}

struct Manager {
    config: Config,
    /// Carries out the URL's `sslmode` (`pg_tls.rs`).
    tls: MakeRustlsConnect,
}

impl r2d2::ManageConnection for Manager {
    type Connection = PgConn;
    type Error = postgres::Error;

    fn connect(&self) -> Result<PgConn, postgres::Error> {
        Ok(PgConn {
            client: self.config.connect(self.tls.clone())?,
            statements: HashMap::new(),
        })
    }

    fn is_valid(&self, conn: &mut PgConn) -> Result<(), postgres::Error> {
        conn.client.simple_query("").map(drop)
    }

    fn has_broken(&self, conn: &mut PgConn) -> bool {
        conn.client.is_closed()
    }
}

fn pool_error(e: r2d2::Error) -> CentralError {
    CentralError::Backend(format!("PostgreSQL connection pool: {e}"))
}

impl PgDb {
    pub(crate) fn connect(url: &str, pool_size: u32) -> Result<PgDb, CentralError> {
        let (client_url, tls) = crate::backend::pg_tls::link(url)?;
        let mut config: Config = client_url.parse()?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        config.application_name("gocua-server");
        // The first connection's failure with its cause (a TLS handshake
        // says why only there: an unknown authority, a wrong name).
        let mut client = config.connect(tls.clone()).map_err(|e| {
            let mut text = e.to_string();
            let mut source = e.source();
            while let Some(s) = source {
                text.push_str(&format!(": {s}"));
                source = s.source();
            }
            CentralError::Backend(text)
        })?;
        run_migrations(&mut client, migrate::SERVER_PG_MIGRATIONS)?;
        drop(client);
        let pool = r2d2::Pool::builder()
            .max_size(pool_size)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(30))
            .build(Manager { config, tls })
            .map_err(pool_error)?;
        Ok(PgDb { pool })
    }

    /// Run `f` in a transaction on a pooled connection (READ COMMITTED;
    /// writers of one commune take turns through `lock_commune`).
    pub(crate) fn transaction<T>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T, CentralError>,
    ) -> Result<T, CentralError> {
        let mut conn = self.pool.get().map_err(pool_error)?;
        let PgConn { client, statements } = &mut *conn;
        let mut tx = client.transaction()?;
        // Dropping `tx` on an error rolls it back.
        let out = f(&mut PgTx {
            tx: &mut tx,
            statements,
        })?;
        tx.commit()?;
        Ok(out)
    }
}

fn run_migrations(client: &mut Client, migrations: &[Migration]) -> Result<(), CentralError> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version     BIGINT PRIMARY KEY,
             name        TEXT NOT NULL,
             applied_at  TEXT NOT NULL
         )",
    )?;
    let current: i64 = tx
        .query_one(
            "SELECT coalesce(max(version), 0)::BIGINT FROM schema_migrations",
            &[],
        )?
        .try_get(0)?;
    let known = migrations.last().map(|m| m.0).unwrap_or(0);
    if current > known {
        return Err(CentralError::SchemaTooNew {
            found: current,
            known,
        });
    }
    for (version, name, sql) in migrations.iter().filter(|m| m.0 > current) {
        tx.batch_execute(sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            &[
                version,
                name,
                &chrono::Utc::now().to_rfc3339() as &(dyn ToSql + Sync),
            ],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// 64 bits of the commune's UUID for its advisory locks (v4/v7 randomness
/// sits in both halves; a collision only makes two communes take turns).
fn lock_key(commune: CommuneId) -> i64 {
    let b = commune.0.as_bytes();
    i64::from_be_bytes([b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]])
        ^ i64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
}

struct PgTx<'a, 'c> {
    tx: &'a mut postgres::Transaction<'c>,
    statements: &'a mut HashMap<String, Statement>,
}

impl PgTx<'_, '_> {
    fn statement(&mut self, sql: &str) -> Result<Statement, CentralError> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.tx.prepare(sql)?;
        self.statements.insert(sql.to_string(), s.clone());
        Ok(s)
    }
}

/// A `Val` sent as the type PostgreSQL expects for its placeholder.
#[derive(Debug)]
struct PgVal<'a>(&'a Val);

impl ToSql for PgVal<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match self.0 {
            Val::Null => Ok(IsNull::Yes),
            Val::Int(n) => {
                if *ty == Type::INT8 {
                    n.to_sql(ty, out)
                } else if *ty == Type::INT4 {
                    i32::try_from(*n)?.to_sql(ty, out)
                } else if *ty == Type::INT2 {
                    i16::try_from(*n)?.to_sql(ty, out)
                } else if *ty == Type::FLOAT8 {
                    (*n as f64).to_sql(ty, out)
                } else if *ty == Type::BOOL {
                    (*n != 0).to_sql(ty, out)
                } else {
                    Err(format!("an integer cannot be sent as {ty}").into())
                }
            }
            Val::Real(x) => {
                if *ty == Type::FLOAT8 {
                    x.to_sql(ty, out)
                } else if *ty == Type::FLOAT4 {
                    (*x as f32).to_sql(ty, out)
                } else {
                    Err(format!("a number cannot be sent as {ty}").into())
                }
            }
            Val::Text(s) => s.as_str().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// Column `i` of `row` into `out`'s column `i`, text without allocating.
fn refill(row: &postgres::Row, i: usize, out: &mut Row) -> Result<(), CentralError> {
    let ty = row.columns()[i].type_();
    if [
        Type::INT8,
        Type::INT4,
        Type::INT2,
        Type::BOOL,
        Type::FLOAT8,
        Type::FLOAT4,
        Type::VOID,
    ]
    .contains(ty)
    {
        out.set(i, column(row, i)?);
    } else {
        match row.try_get::<_, Option<&str>>(i)? {
            Some(t) => out.set_text(i, t),
            None => out.set(i, Val::Null),
        }
    }
    Ok(())
}

fn column(row: &postgres::Row, i: usize) -> Result<Val, CentralError> {
    let ty = row.columns()[i].type_();
    let v = if *ty == Type::INT8 {
        row.try_get::<_, Option<i64>>(i)?.map(Val::Int)
    } else if *ty == Type::INT4 {
        row.try_get::<_, Option<i32>>(i)?
            .map(|n| Val::Int(n.into()))
    } else if *ty == Type::INT2 {
        row.try_get::<_, Option<i16>>(i)?
            .map(|n| Val::Int(n.into()))
    } else if *ty == Type::BOOL {
        row.try_get::<_, Option<bool>>(i)?
            .map(|b| Val::Int(b.into()))
    } else if *ty == Type::FLOAT8 {
        row.try_get::<_, Option<f64>>(i)?.map(Val::Real)
    } else if *ty == Type::FLOAT4 {
        row.try_get::<_, Option<f32>>(i)?
            .map(|x| Val::Real(x.into()))
    } else if *ty == Type::VOID {
        None
    } else {
        // TEXT, VARCHAR, NAME…: anything else is refused by `String`.
        row.try_get::<_, Option<String>>(i)?.map(Val::Text)
    };
    Ok(v.unwrap_or(Val::Null))
}

impl Tx for PgTx<'_, '_> {
    fn execute(&mut self, sql: &str, params: &[Val]) -> Result<u64, CentralError> {
        let stmt = self.statement(sql)?;
        let vals: Vec<PgVal<'_>> = params.iter().map(PgVal).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = vals.iter().map(|v| v as _).collect();
        Ok(self.tx.execute(&stmt, &refs)?)
    }

    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>, CentralError> {
        let stmt = self.statement(sql)?;
        let vals: Vec<PgVal<'_>> = params.iter().map(PgVal).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = vals.iter().map(|v| v as _).collect();
        self.tx
            .query(&stmt, &refs)?
            .iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| column(r, i))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Row)
            })
            .collect()
    }

    fn each(
        &mut self,
        sql: &str,
        params: &[Val],
        f: &mut dyn FnMut(&Row) -> Result<(), CentralError>,
    ) -> Result<(), CentralError> {
        let stmt = self.statement(sql)?;
        let vals: Vec<PgVal<'_>> = params.iter().map(PgVal).collect();
        let mut rows = self.tx.query_raw(&stmt, vals.iter())?;
        let mut out = Row::empty(stmt.columns().len());
        while let Some(r) = rows.next()? {
            for i in 0..r.len() {
                refill(&r, i, &mut out)?;
            }
            f(&out)?;
        }
        Ok(())
    }

    fn lock_commune(&mut self, commune: CommuneId) -> Result<(), CentralError> {
        self.execute(
            "SELECT pg_advisory_xact_lock($1)",
            &[Val::Int(lock_key(commune))],
        )
        .map(drop)
    }

    fn lock_reports(&mut self, commune: CommuneId) -> Result<(), CentralError> {
        // The two-key form: its keys never meet the one-key form's.
        let key = lock_key(commune);
        self.execute(
            "SELECT pg_advisory_xact_lock($1::int4, $2::int4)",
            &[Val::Int(key >> 32), Val::Int(key as i32 as i64)],
        )
        .map(drop)
    }

    #[cfg(test)]
    fn explain(&mut self, sql: &str, params: &[Val]) -> Result<String, CentralError> {
        let rows = self.query(&format!("EXPLAIN {sql}"), params)?;
        let lines = rows
            .iter()
            .map(|r| r.string(0))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(lines.join(" | "))
    }
}

#[cfg(test)]
mod tests {
    use crate::CentralDb;
    use crate::backend::scratch::ScratchSchema;

    /// Migration 0015 names the constraints PostgreSQL made (`IF EXISTS`
    /// would pass over a wrong name): the rows every push writes carry no
    /// foreign key, the organisation's tables keep theirs.
    #[test]
    fn the_change_log_and_records_carry_no_foreign_keys() {
        let Ok(url) = std::env::var("GOCUA_TEST_PG_URL") else {
            eprintln!("GOCUA_TEST_PG_URL is not set: PostgreSQL not tested");
            return;
        };
        let schema = ScratchSchema::create(&url).unwrap();
        let db = CentralDb::connect(schema.url(), 1, &crate::ServerKey::generate()).unwrap();
        let count = |table: &'static str| {
            db.read(|tx| {
                tx.query_opt(
                    "SELECT count(*) FROM pg_constraint
                     WHERE contype = 'f' AND conrelid = to_regclass($1)",
                    crate::backend::sql::vals![table],
                )?
                .map_or(Ok(-1), |r| r.int(0))
            })
            .unwrap()
        };
        assert_eq!(count("changes"), 0);
        assert_eq!(count("records"), 0);
        assert!(count("members") > 0);
    }
}
