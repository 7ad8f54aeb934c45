//! SQLite, the embedded default. WAL so that readers (exports, KPIs) never block the
//! reception desk's writes, foreign keys on, and a busy timeout so concurrent writers
//! wait instead of failing. Ids are stored as hyphenated text, instants as microseconds
//! since the epoch.
//!
//! Export snapshots read through rusqlite (the same libsqlite3 as sqlx) on a blocking
//! thread, in batches: sqlx's per-row hop between its worker thread and the runtime
//! costs more than SQLite itself on a million rows.
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use sqlx::sqlite::{SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{Row, Sqlite, SqlitePool};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::sql::{parse_uuid, Database, FromRow, IdText, Param, Params, RowLock, RowReader, Snapshot, Statement, BATCH};
use super::{StoreError, StoreResult};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");

/// The page cache of a bulk write ([`Database::execute_all`]), in KiB.
const BULK_CACHE_KIB: u32 = 256 * 1024;

pub struct SqliteDb {
    pool: SqlitePool,
    /// The database file, for the snapshot reader's own connection.
    path: PathBuf,
}

impl SqliteDb {
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        if let Some(parent) = options.get_filename().parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
            }
        }
        let path = options.get_filename().to_path_buf();
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        Ok(Self { pool, path })
    }
}

fn from_micros(v: i64) -> StoreResult<DateTime<Utc>> {
    Utc.timestamp_micros(v).single().ok_or_else(|| StoreError::Corrupt(format!("timestamp {v}")))
}

type Query<'q> = sqlx::query::Query<'q, Sqlite, SqliteArguments<'q>>;

fn bind(q: Query<'_>, p: Param) -> Query<'_> {
    match p {
        Param::Id(v) => q.bind(v.map(|u| u.to_string())),
        Param::Ts(v) => q.bind(v.map(|t| t.timestamp_micros())),
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

#[async_trait::async_trait]
impl Database for SqliteDb {
    const NAME: &'static str = "sqlite";
    type Snapshot = SqliteSnapshot;

    async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    async fn execute(&self, sql: &str, params: Params) -> StoreResult<u64> {
        Ok(query(sql, params).execute(&self.pool).await?.rows_affected())
    }

    /// With a page cache of [`BULK_CACHE_KIB`] for the transaction: the ids are random,
    /// so a bulk insert touches index pages all over the file, and SQLite's default
    /// cache (2 MB) would spill and re-read them for every few rows. The connection
    /// gets its default back afterwards, which frees the pages; a connection that
    /// failed midway is closed instead.
    async fn execute_all(&self, statements: Vec<Statement>) -> StoreResult<u64> {
        use sqlx::{Acquire, Connection};
        let mut conn = self.pool.acquire().await?;
        let run = async {
            sqlx::query(&format!("PRAGMA cache_size = -{BULK_CACHE_KIB}")).execute(&mut *conn).await?;
            let mut tx = conn.begin().await?;
            let mut changed = 0;
            for (sql, params) in statements {
                changed += query(&sql, params).execute(&mut *tx).await?.rows_affected();
            }
            tx.commit().await?;
            sqlx::query("PRAGMA cache_size = -2000").execute(&mut *conn).await?;
            Ok::<_, sqlx::Error>(changed)
        };
        match run.await {
            Ok(changed) => Ok(changed),
            Err(e) => {
                let _ = conn.detach().close().await;
                Err(e.into())
            }
        }
    }

    /// A bare `?`, numbered by its position. sqlx looks up the name of every parameter
    /// when it binds, and SQLite finds a name by scanning the statement's list of names:
    /// with `$n`, binding a 4500-parameter insert is quadratic and dominates a bulk load;
    /// a `?` has no name to look up.
    fn push_placeholder(sql: &mut String, _n: usize) {
        sql.push('?');
    }

    async fn fetch_all<T: FromRow>(&self, sql: &str, params: Params) -> StoreResult<Vec<T>> {
        query(sql, params).fetch_all(&self.pool).await?.iter().map(T::from_row).collect()
    }

    async fn fetch_optional<T: FromRow>(&self, sql: &str, params: Params) -> StoreResult<Option<T>> {
        query(sql, params).fetch_optional(&self.pool).await?.as_ref().map(T::from_row).transpose()
    }

    /// SQLite runs one writer at a time: the guarded statement is already atomic.
    async fn guarded_write(&self, _lock: RowLock, sql: &str, params: Params) -> StoreResult<u64> {
        self.execute(sql, params).await
    }

    async fn guarded_batch(&self, _lock: RowLock, guard: (String, Params), then: Vec<(String, Params)>) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        if query(&guard.0, guard.1).execute(&mut *tx).await?.rows_affected() != 1 {
            return Ok(false); // rolled back when dropped
        }
        for (sql, params) in then {
            query(&sql, params).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn snapshot(&self) -> StoreResult<SqliteSnapshot> {
        let path = self.path.clone();
        let conn = tokio::task::spawn_blocking(move || -> StoreResult<rusqlite::Connection> {
            use rusqlite::OpenFlags;
            let conn = rusqlite::Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
            conn.busy_timeout(Duration::from_secs(10))?;
            // A deferred read transaction: WAL fixes its snapshot at the first read and
            // keeps it until the connection is dropped.
            conn.execute_batch("BEGIN")?;
            Ok(conn)
        })
        .await
        .map_err(|e| StoreError::Corrupt(format!("snapshot thread: {e}")))??;
        Ok(SqliteSnapshot { conn: Some(conn) })
    }
}

impl RowReader for SqliteRow {
    fn uuid(&self, i: usize) -> StoreResult<Uuid> {
        parse_uuid(self.try_get::<&str, _>(i)?)
    }
    fn opt_uuid(&self, i: usize) -> StoreResult<Option<Uuid>> {
        self.try_get::<Option<&str>, _>(i)?.map(parse_uuid).transpose()
    }
    fn id_text(&self, i: usize) -> StoreResult<IdText> {
        IdText::from_text(self.try_get::<&str, _>(i)?)
    }
    fn ts(&self, i: usize) -> StoreResult<DateTime<Utc>> {
        from_micros(self.try_get(i)?)
    }
    fn opt_ts(&self, i: usize) -> StoreResult<Option<DateTime<Utc>>> {
        self.try_get::<Option<i64>, _>(i)?.map(from_micros).transpose()
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

/// A read transaction on a connection of its own; each read runs on a blocking thread
/// that borrows the connection and hands it back.
pub struct SqliteSnapshot {
    conn: Option<rusqlite::Connection>,
}

/// A rusqlite row, read like the others.
struct Lite<'a, 'stmt>(&'a rusqlite::Row<'stmt>);

impl Lite<'_, '_> {
    fn text_ref(&self, i: usize) -> StoreResult<Option<&str>> {
        use rusqlite::types::ValueRef;
        match self.0.get_ref(i)? {
            ValueRef::Null => Ok(None),
            ValueRef::Text(t) => std::str::from_utf8(t).map(Some).map_err(|_| StoreError::Corrupt("text is not UTF-8".into())),
            other => Err(StoreError::Corrupt(format!("text expected, found {:?}", other.data_type()))),
        }
    }
    fn required<T>(v: Option<T>) -> StoreResult<T> {
        v.ok_or_else(|| StoreError::Corrupt("unexpected NULL".into()))
    }
}

impl RowReader for Lite<'_, '_> {
    fn uuid(&self, i: usize) -> StoreResult<Uuid> {
        parse_uuid(Self::required(self.text_ref(i)?)?)
    }
    fn opt_uuid(&self, i: usize) -> StoreResult<Option<Uuid>> {
        self.text_ref(i)?.map(parse_uuid).transpose()
    }
    fn id_text(&self, i: usize) -> StoreResult<IdText> {
        IdText::from_text(Self::required(self.text_ref(i)?)?)
    }
    fn ts(&self, i: usize) -> StoreResult<DateTime<Utc>> {
        from_micros(self.0.get(i)?)
    }
    fn opt_ts(&self, i: usize) -> StoreResult<Option<DateTime<Utc>>> {
        self.0.get::<_, Option<i64>>(i)?.map(from_micros).transpose()
    }
    fn text(&self, i: usize) -> StoreResult<String> {
        Self::required(self.text_ref(i)?).map(str::to_string)
    }
    fn parse_text<T>(&self, i: usize, parse: fn(&str) -> StoreResult<T>) -> StoreResult<T> {
        parse(Self::required(self.text_ref(i)?)?)
    }
    fn opt_text(&self, i: usize) -> StoreResult<Option<String>> {
        Ok(self.text_ref(i)?.map(str::to_string))
    }
    fn int(&self, i: usize) -> StoreResult<i64> {
        Ok(self.0.get(i)?)
    }
    fn opt_int(&self, i: usize) -> StoreResult<Option<i64>> {
        Ok(self.0.get(i)?)
    }
    fn int32(&self, i: usize) -> StoreResult<i32> {
        Ok(self.0.get(i)?)
    }
    fn bool(&self, i: usize) -> StoreResult<bool> {
        Ok(self.0.get(i)?)
    }
    fn opt_bytes(&self, i: usize) -> StoreResult<Option<Vec<u8>>> {
        Ok(self.0.get(i)?)
    }
}

/// Prepares `sql` and binds `params` to its `$1`..`$n` (a statement may leave some out).
fn prepare<'c>(conn: &'c rusqlite::Connection, sql: &str, params: &[Param]) -> StoreResult<rusqlite::Statement<'c>> {
    use rusqlite::types::Value;
    let mut stmt = conn.prepare(sql)?;
    for (i, p) in params.iter().enumerate() {
        let Some(idx) = stmt.parameter_index(&format!("${}", i + 1))? else { continue };
        let v = match p {
            Param::Id(v) => v.map(|u| Value::Text(u.to_string())),
            Param::Ts(v) => v.map(|t| Value::Integer(t.timestamp_micros())),
            Param::Text(v) => v.clone().map(Value::Text),
            Param::Int(v) => v.map(Value::Integer),
            Param::Int32(v) => v.map(|n| Value::Integer(i64::from(n))),
            Param::Bool(v) => v.map(|b| Value::Integer(i64::from(b))),
            Param::Bytes(v) => v.clone().map(Value::Blob),
        };
        stmt.raw_bind_parameter(idx, v.unwrap_or(Value::Null))?;
    }
    Ok(stmt)
}

impl SqliteSnapshot {
    /// Runs `f` on the connection on a blocking thread.
    async fn with_conn<R: Send + 'static>(&mut self, f: impl FnOnce(&rusqlite::Connection) -> StoreResult<R> + Send + 'static) -> StoreResult<R> {
        let conn = self.conn.take().ok_or_else(|| StoreError::Corrupt("snapshot connection lost after an earlier failure".into()))?;
        let (conn, out) = tokio::task::spawn_blocking(move || {
            let out = f(&conn);
            (conn, out)
        })
        .await
        .map_err(|e| StoreError::Corrupt(format!("snapshot thread: {e}")))?;
        self.conn = Some(conn);
        out
    }
}

#[async_trait::async_trait]
impl Snapshot for SqliteSnapshot {
    async fn fetch_all<T: FromRow>(&mut self, sql: &str, params: Params) -> StoreResult<Vec<T>> {
        let sql = sql.to_string();
        self.with_conn(move |conn| {
            let mut stmt = prepare(conn, &sql, &params)?;
            let mut rows = stmt.raw_query();
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(T::from_row(&Lite(r))?);
            }
            Ok(out)
        })
        .await
    }

    async fn stream<T: FromRow>(&mut self, sql: &str, params: Params, out: &mpsc::Sender<StoreResult<Vec<T>>>) -> StoreResult<u64> {
        let sql = sql.to_string();
        let out = out.clone();
        self.with_conn(move |conn| {
            let mut stmt = prepare(conn, &sql, &params)?;
            let mut rows = stmt.raw_query();
            let mut batch = Vec::with_capacity(BATCH);
            let mut sent = 0u64;
            while let Some(r) = rows.next()? {
                batch.push(T::from_row(&Lite(r))?);
                if batch.len() == BATCH {
                    sent += BATCH as u64;
                    if out.blocking_send(Ok(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))).is_err() {
                        return Ok(sent); // the reader went away
                    }
                }
            }
            sent += batch.len() as u64;
            if !batch.is_empty() {
                let _ = out.blocking_send(Ok(batch));
            }
            Ok(sent)
        })
        .await
    }
}
