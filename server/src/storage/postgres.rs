//! PostgreSQL, for larger deployments and several server instances: native UUID and
//! TIMESTAMPTZ columns; everything that must hold across instances (sessions,
//! throttling, claims) lives in the database, never in process memory.
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{PgPool, Postgres, Row};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::sql::{Database, FromRow, IdText, LockMode, Param, Params, RowLock, RowReader, Snapshot, Statement, BATCH};
use super::StoreResult;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

pub struct PgDb {
    pool: PgPool,
}

impl PgDb {
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = PgConnectOptions::from_str(url)?.application_name("recyclique");
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        Ok(Self { pool })
    }
}

type Query<'q> = sqlx::query::Query<'q, Postgres, PgArguments>;

fn bind(q: Query<'_>, p: Param) -> Query<'_> {
    match p {
        Param::Id(v) => q.bind(v),
        Param::Ts(v) => q.bind(v),
        Param::Text(v) => q.bind(v),
        Param::Int(v) => q.bind(v),
        Param::Int32(v) => q.bind(v),
        Param::Bool(v) => q.bind(v),
        Param::Bytes(v) => q.bind(v),
    }
}

fn query(sql: &str, params: Params) -> Query<'_> {
    params.into_iter().fold(sqlx::query(sql), bind)
}

/// Locks the parent row of a guarded write for the rest of the transaction: under READ
/// COMMITTED the guard would not see rows other transactions are writing.
async fn lock_row(tx: &mut sqlx::Transaction<'static, Postgres>, lock: RowLock) -> StoreResult<()> {
    let mode = match lock.mode {
        LockMode::Share => "FOR SHARE",
        LockMode::Update => "FOR UPDATE",
    };
    sqlx::query(&format!("SELECT id FROM {} WHERE id = $1 {mode}", lock.table)).bind(lock.id).execute(&mut **tx).await?;
    Ok(())
}

#[async_trait::async_trait]
impl Database for PgDb {
    const NAME: &'static str = "postgres";
    type Snapshot = PgSnapshot;

    async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    async fn execute(&self, sql: &str, params: Params) -> StoreResult<u64> {
        Ok(query(sql, params).execute(&self.pool).await?.rows_affected())
    }

    async fn execute_all(&self, statements: Vec<Statement>) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await?;
        let mut changed = 0;
        for (sql, params) in statements {
            changed += query(&sql, params).execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok(changed)
    }

    fn push_placeholder(sql: &mut String, n: usize) {
        use std::fmt::Write;
        let _ = write!(sql, "${n}");
    }

    async fn fetch_all<T: FromRow>(&self, sql: &str, params: Params) -> StoreResult<Vec<T>> {
        query(sql, params).fetch_all(&self.pool).await?.iter().map(T::from_row).collect()
    }

    async fn fetch_optional<T: FromRow>(&self, sql: &str, params: Params) -> StoreResult<Option<T>> {
        query(sql, params).fetch_optional(&self.pool).await?.as_ref().map(T::from_row).transpose()
    }

    async fn guarded_write(&self, lock: RowLock, sql: &str, params: Params) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await?;
        lock_row(&mut tx, lock).await?;
        let done = query(sql, params).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    async fn guarded_batch(&self, lock: RowLock, guard: (String, Params), then: Vec<(String, Params)>) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        lock_row(&mut tx, lock).await?;
        if query(&guard.0, guard.1).execute(&mut *tx).await?.rows_affected() != 1 {
            return Ok(false); // rolled back when dropped
        }
        for (sql, params) in then {
            query(&sql, params).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn snapshot(&self) -> StoreResult<PgSnapshot> {
        let mut tx = self.pool.begin().await?;
        // Without parallel workers: a snapshot feeds one export writer, which sets the
        // pace; workers would only add a merge of their sorted parts and take cores
        // from that writer.
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
        sqlx::query("SET LOCAL max_parallel_workers_per_gather = 0").execute(&mut *tx).await?;
        Ok(PgSnapshot { tx })
    }
}

impl RowReader for PgRow {
    fn uuid(&self, i: usize) -> StoreResult<Uuid> {
        Ok(self.try_get(i)?)
    }
    fn opt_uuid(&self, i: usize) -> StoreResult<Option<Uuid>> {
        Ok(self.try_get(i)?)
    }
    fn id_text(&self, i: usize) -> StoreResult<IdText> {
        Ok(IdText::from_uuid(self.try_get::<Uuid, _>(i)?))
    }
    fn ts(&self, i: usize) -> StoreResult<DateTime<Utc>> {
        Ok(self.try_get(i)?)
    }
    fn opt_ts(&self, i: usize) -> StoreResult<Option<DateTime<Utc>>> {
        Ok(self.try_get(i)?)
    }
    fn text(&self, i: usize) -> StoreResult<String> {
        Ok(self.try_get(i)?)
    }
    fn parse_text<T>(&self, i: usize, parse: fn(&str) -> StoreResult<T>) -> StoreResult<T> {
        parse(self.try_get::<&str, _>(i)?)
    }
    fn opt_text(&self, i: usize) -> StoreResult<Option<String>> {
        Ok(self.try_get(i)?)
    }
    fn int(&self, i: usize) -> StoreResult<i64> {
        Ok(self.try_get(i)?)
    }
    fn opt_int(&self, i: usize) -> StoreResult<Option<i64>> {
        Ok(self.try_get(i)?)
    }
    fn int32(&self, i: usize) -> StoreResult<i32> {
        Ok(self.try_get(i)?)
    }
    fn bool(&self, i: usize) -> StoreResult<bool> {
        Ok(self.try_get(i)?)
    }
    fn opt_bytes(&self, i: usize) -> StoreResult<Option<Vec<u8>>> {
        Ok(self.try_get(i)?)
    }
}

/// A `REPEATABLE READ READ ONLY` transaction: every read sees the state of its first
/// one. Rolled back when dropped (it wrote nothing).
pub struct PgSnapshot {
    tx: sqlx::Transaction<'static, Postgres>,
}

#[async_trait::async_trait]
impl Snapshot for PgSnapshot {
    async fn fetch_all<T: FromRow>(&mut self, sql: &str, params: Params) -> StoreResult<Vec<T>> {
        query(sql, params).fetch_all(&mut *self.tx).await?.iter().map(T::from_row).collect()
    }

    async fn stream<T: FromRow>(&mut self, sql: &str, params: Params, out: &mpsc::Sender<StoreResult<Vec<T>>>) -> StoreResult<u64> {
        let mut rows = query(sql, params).fetch(&mut *self.tx);
        let mut batch = Vec::with_capacity(BATCH);
        let mut sent = 0u64;
        while let Some(row) = rows.try_next().await? {
            batch.push(T::from_row(&row)?);
            if batch.len() == BATCH {
                sent += BATCH as u64;
                if out.send(Ok(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))).await.is_err() {
                    return Ok(sent);
                }
            }
        }
        sent += batch.len() as u64;
        if !batch.is_empty() {
            let _ = out.send(Ok(batch)).await;
        }
        Ok(sent)
    }
}
