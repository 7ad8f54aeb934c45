//! SQLite implementation: the embedded default. WAL so that readers (exports, KPIs) never
//! block the reception desk's writes, foreign keys on, and a busy timeout so concurrent
//! writers wait instead of failing.
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use uuid::Uuid;

use super::*;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");

pub struct SqliteStore {
    pool: SqlitePool,
    /// The database file, for the export reader's own connection.
    path: std::path::PathBuf,
}

impl SqliteStore {
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

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// Instants are stored as microseconds since the epoch.
pub(crate) fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

pub(crate) fn from_micros(v: i64) -> StoreResult<DateTime<Utc>> {
    Utc.timestamp_micros(v).single().ok_or_else(|| StoreError::Corrupt(format!("timestamp {v}")))
}




// Encodings for the shared reception statements: ids as hyphenated text, instants as
// microseconds.
type Db = sqlx::Sqlite;
type DbRow = SqliteRow;

/// SQLite runs one writer at a time: a guarded statement is already atomic.
const ROW_LOCKS: bool = false;

fn bind_id(id: Uuid) -> String {
    id.to_string()
}
fn bind_id_opt(id: Option<Uuid>) -> Option<String> {
    id.map(bind_id)
}
fn bind_ts(t: DateTime<Utc>) -> i64 {
    micros(t)
}
fn get_id(r: &DbRow, col: &str) -> StoreResult<Uuid> {
    let s: String = r.try_get(col)?;
    Uuid::parse_str(&s).map_err(|_| StoreError::Corrupt(format!("uuid {s:?}")))
}
fn get_id_opt(r: &DbRow, col: &str) -> StoreResult<Option<Uuid>> {
    r.try_get::<Option<String>, _>(col)?
        .map(|s| Uuid::parse_str(&s).map_err(|_| StoreError::Corrupt(format!("uuid {s:?}"))))
        .transpose()
}
fn get_ts(r: &DbRow, col: &str) -> StoreResult<DateTime<Utc>> {
    from_micros(r.try_get(col)?)
}
fn get_ts_opt(r: &DbRow, col: &str) -> StoreResult<Option<DateTime<Utc>>> {
    r.try_get::<Option<i64>, _>(col)?.map(from_micros).transpose()
}

mod users_impl {
    use super::*;
    use app::auth::UserView;
    crate::storage::users::user_store_impl!(SqliteStore, "sqlite");
}

mod reception_impl {
    use super::*;
    use app::reception::{Category, Ligne, Poste, Status, Ticket, Weight};
    crate::storage::reception::reception_store_impl!(SqliteStore);

    /// Rows per message from the reader thread.
    const BATCH: usize = 1024;

    impl SqliteStore {
        /// Line exports are read on a blocking thread through rusqlite (the same
        /// libsqlite3 as sqlx) and handed over in batches: sqlx's per-row hop between its
        /// worker thread and the runtime costs more than SQLite itself on a million rows.
        /// WAL lets this read-only connection run beside the pool's writers. The channel
        /// is bounded, so a slow client slows the reader instead of filling memory, and
        /// a client that goes away stops it.
        pub(super) fn export_lines_stream(&self, f: TicketFilter) -> BoxStream<'static, StoreResult<ExportLine>> {
            let path = self.path.clone();
            let (tx, rx) = tokio::sync::mpsc::channel::<StoreResult<Vec<ExportLine>>>(4);
            tokio::task::spawn_blocking(move || {
                if let Err(e) = read_export(&path, &f, &tx) {
                    let _ = tx.blocking_send(Err(e));
                }
            });
            let batches = futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|b| (b, rx)) });
            Box::pin(futures::StreamExt::flat_map(batches, |batch| {
                let rows: Vec<StoreResult<ExportLine>> = match batch {
                    Ok(v) => v.into_iter().map(Ok).collect(),
                    Err(e) => vec![Err(e)],
                };
                futures::stream::iter(rows)
            }))
        }
    }

    fn read_export(path: &std::path::Path, f: &TicketFilter, tx: &tokio::sync::mpsc::Sender<StoreResult<Vec<ExportLine>>>) -> StoreResult<()> {
        use rusqlite::{types::ValueRef, OpenFlags};
        let conn = rusqlite::Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        let mut stmt = conn.prepare(&export_lines_sql())?;
        // The shared statement names its parameters `$1`..`$8`; bind them by name.
        let values: [rusqlite::types::Value; 8] = {
            use rusqlite::types::Value::{Integer, Null, Text};
            let text = |v: Option<String>| v.map_or(Null, Text);
            [
                Integer(micros(f.from)),
                Integer(micros(f.to)),
                text(bind_id_opt(f.category_id)),
                text(f.destination.map(|d| d.as_str().to_string())),
                text(bind_id_opt(f.poste_id)),
                text(bind_id_opt(f.ticket_id)),
                text(bind_id_opt(f.benevole_id)),
                text(f.status.map(|s| s.as_str().to_string())),
            ]
        };
        for (i, v) in values.iter().enumerate() {
            if let Some(idx) = stmt.parameter_index(&format!("${}", i + 1))? {
                stmt.raw_bind_parameter(idx, v)?;
            }
        }
        let text = |v: ValueRef<'_>| -> StoreResult<String> {
            match v {
                ValueRef::Text(t) => Ok(String::from_utf8_lossy(t).into_owned()),
                other => Err(StoreError::Corrupt(format!("text expected, found {:?}", other.data_type()))),
            }
        };
        let opt_text = |v: ValueRef<'_>| -> StoreResult<Option<String>> {
            match v {
                ValueRef::Null => Ok(None),
                other => text(other).map(Some),
            }
        };
        let mut rows = stmt.raw_query();
        let mut batch = Vec::with_capacity(BATCH);
        while let Some(r) = rows.next()? {
            batch.push(ExportLine {
                ticket_id: text(r.get_ref(0)?)?,
                ticket_at: from_micros(r.get(1)?)?,
                ticket_status: status_of(r.get_ref(2)?.as_str().map_err(rusqlite::Error::from)?)?,
                poste_id: text(r.get_ref(3)?)?,
                is_deferred: r.get(4)?,
                benevole_name: text(r.get_ref(5)?)?,
                ligne_id: text(r.get_ref(6)?)?,
                created_at: from_micros(r.get(7)?)?,
                category_name: text(r.get_ref(8)?)?,
                parent_category_name: opt_text(r.get_ref(9)?)?,
                poids: Weight::from_grams(r.get(10)?),
                destination: destination_of(r.get_ref(11)?.as_str().map_err(rusqlite::Error::from)?)?,
                notes: opt_text(r.get_ref(12)?)?,
                is_exit: r.get(13)?,
            });
            if batch.len() == BATCH && tx.blocking_send(Ok(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))).is_err() {
                return Ok(()); // the client went away
            }
        }
        if !batch.is_empty() {
            let _ = tx.blocking_send(Ok(batch));
        }
        Ok(())
    }
}
