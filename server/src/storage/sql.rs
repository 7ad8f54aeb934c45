//! The seam between the statements, written once in the SQL both databases share, and
//! the two drivers. A backend implements [`Database`] (run a statement with a list of
//! [`Param`]s, fetch rows, run a guarded write, open a read snapshot) and [`RowReader`]
//! for its rows; it decides how ids and instants are encoded (text and microseconds in
//! SQLite, native UUID and TIMESTAMPTZ in PostgreSQL). Everything above is ordinary
//! generic code over [`SqlStore<D>`], checked by the compiler: each row type is mapped
//! once ([`FromRow`]), each filter binds its parameters from one list for every driver.
use app::ids::{CashSessionId, CategoryId, DeliveryId, LigneId, PosteId, RegisterId, ReportLogId, ReportRunId, SaleId, ScheduledReportId, SiteId, TicketId, UserId};
use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::{StoreError, StoreResult};

/// One statement parameter, typed the way the application sees it. `None` binds NULL.
#[derive(Clone, Debug, PartialEq)]
pub enum Param {
    Id(Option<Uuid>),
    Ts(Option<DateTime<Utc>>),
    Text(Option<String>),
    Int(Option<i64>),
    Int32(Option<i32>),
    Bool(Option<bool>),
    /// A file's bytes (a mail attachment): BLOB in SQLite, BYTEA in PostgreSQL.
    Bytes(Option<Vec<u8>>),
}

/// Shorthand for building parameter lists: `vec![p(id), p(now), p("opened")]`.
pub fn p(v: impl Into<Param>) -> Param {
    v.into()
}

pub type Params = Vec<Param>;

/// One statement with its parameters, for [`Database::execute_all`].
pub type Statement = (String, Params);

/// A value that binds as one [`Param`]; `Option<T>` binds NULL for `None`.
pub trait SqlValue: Sized {
    fn param(v: Option<Self>) -> Param;
}

impl<T: SqlValue> From<T> for Param {
    fn from(v: T) -> Self {
        T::param(Some(v))
    }
}

impl<T: SqlValue> From<Option<T>> for Param {
    fn from(v: Option<T>) -> Self {
        T::param(v)
    }
}

impl SqlValue for Uuid {
    fn param(v: Option<Self>) -> Param {
        Param::Id(v)
    }
}
impl SqlValue for DateTime<Utc> {
    fn param(v: Option<Self>) -> Param {
        Param::Ts(v)
    }
}
impl SqlValue for String {
    fn param(v: Option<Self>) -> Param {
        Param::Text(v)
    }
}
impl SqlValue for &str {
    fn param(v: Option<Self>) -> Param {
        Param::Text(v.map(str::to_string))
    }
}
impl SqlValue for i64 {
    fn param(v: Option<Self>) -> Param {
        Param::Int(v)
    }
}
impl SqlValue for i32 {
    fn param(v: Option<Self>) -> Param {
        Param::Int32(v)
    }
}
impl SqlValue for bool {
    fn param(v: Option<Self>) -> Param {
        Param::Bool(v)
    }
}
impl SqlValue for Vec<u8> {
    fn param(v: Option<Self>) -> Param {
        Param::Bytes(v)
    }
}
impl SqlValue for UserId {
    fn param(v: Option<Self>) -> Param {
        Param::Id(v.map(|v| v.0))
    }
}
impl SqlValue for PosteId {
    fn param(v: Option<Self>) -> Param {
        Param::Id(v.map(|v| v.0))
    }
}
impl SqlValue for TicketId {
    fn param(v: Option<Self>) -> Param {
        Param::Id(v.map(|v| v.0))
    }
}
impl SqlValue for LigneId {
    fn param(v: Option<Self>) -> Param {
        Param::Id(v.map(|v| v.0))
    }
}
impl SqlValue for CategoryId {
    fn param(v: Option<Self>) -> Param {
        Param::Id(v.map(|v| v.0))
    }
}

impl SqlValue for SiteId {
    fn param(v: Option<Self>) -> Param {
        Param::Id(v.map(|v| v.0))
    }
}
impl SqlValue for RegisterId {
    fn param(v: Option<Self>) -> Param {
        Param::Id(v.map(|v| v.0))
    }
}
impl SqlValue for CashSessionId {
    fn param(v: Option<Self>) -> Param {
        Param::Id(v.map(|v| v.0))
    }
}
impl SqlValue for SaleId {
    fn param(v: Option<Self>) -> Param {
        Param::Id(v.map(|v| v.0))
    }
}
impl SqlValue for ScheduledReportId {
    fn param(v: Option<Self>) -> Param {
        Param::Id(v.map(|v| v.0))
    }
}
impl SqlValue for ReportRunId {
    fn param(v: Option<Self>) -> Param {
        Param::Id(v.map(|v| v.0))
    }
}
impl SqlValue for ReportLogId {
    fn param(v: Option<Self>) -> Param {
        Param::Id(v.map(|v| v.0))
    }
}
impl SqlValue for DeliveryId {
    fn param(v: Option<Self>) -> Param {
        Param::Id(v.map(|v| v.0))
    }
}

/// Reading a result row by column position, whatever the driver.
pub trait RowReader {
    fn uuid(&self, i: usize) -> StoreResult<Uuid>;
    fn opt_uuid(&self, i: usize) -> StoreResult<Option<Uuid>>;
    /// An id as its hyphenated text: exports only print ids, and a million
    /// parse-and-format round trips (or allocations) cost.
    fn id_text(&self, i: usize) -> StoreResult<IdText>;
    fn ts(&self, i: usize) -> StoreResult<DateTime<Utc>>;
    fn opt_ts(&self, i: usize) -> StoreResult<Option<DateTime<Utc>>>;
    fn text(&self, i: usize) -> StoreResult<String>;
    /// A text column read in place by `parse` (a status, a destination): no copy.
    fn parse_text<T>(&self, i: usize, parse: fn(&str) -> StoreResult<T>) -> StoreResult<T>;
    fn opt_text(&self, i: usize) -> StoreResult<Option<String>>;
    fn int(&self, i: usize) -> StoreResult<i64>;
    fn opt_int(&self, i: usize) -> StoreResult<Option<i64>>;
    fn int32(&self, i: usize) -> StoreResult<i32>;
    fn bool(&self, i: usize) -> StoreResult<bool>;
    fn opt_bytes(&self, i: usize) -> StoreResult<Option<Vec<u8>>>;

    /// A typed id.
    fn id<T: From<Uuid>>(&self, i: usize) -> StoreResult<T> {
        self.uuid(i).map(T::from)
    }
    fn opt_id<T: From<Uuid>>(&self, i: usize) -> StoreResult<Option<T>> {
        Ok(self.opt_uuid(i)?.map(T::from))
    }
}

/// A value built from one result row, whatever the driver: each row type of the
/// application is mapped once, next to the `SELECT` whose columns it reads.
pub trait FromRow: Sized + Send + 'static {
    fn from_row(r: &impl RowReader) -> StoreResult<Self>;
}

/// A single number (`COUNT(*)`...).
impl FromRow for i64 {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        r.int(0)
    }
}

/// An id as its 36-character hyphenated text, held inline. Exports print ids and do
/// nothing else with them; a `String` per id was three allocations per exported line,
/// made on the database's thread and freed on the writer's.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct IdText([u8; 36]);

impl IdText {
    /// From the text a database stored (SQLite keeps ids as text), copied as it is:
    /// only its length is checked (the application wrote it; a parse per id is what
    /// this type saves).
    pub fn from_text(s: &str) -> StoreResult<Self> {
        s.as_bytes().try_into().map(Self).map_err(|_| StoreError::Corrupt(format!("uuid {s:?}")))
    }

    pub fn from_uuid(id: Uuid) -> Self {
        let mut bytes = [0u8; 36];
        id.hyphenated().encode_lower(&mut bytes);
        Self(bytes)
    }

    pub fn as_str(&self) -> &str {
        // Whole text of a `&str` or an encoded uuid: always UTF-8.
        std::str::from_utf8(&self.0).expect("an IdText holds the bytes of a str")
    }
}

impl std::fmt::Debug for IdText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

pub fn parse_uuid(s: &str) -> StoreResult<Uuid> {
    Uuid::parse_str(s).map_err(|_| StoreError::Corrupt(format!("uuid {s:?}")))
}

/// How a guarded write locks its parent row (PostgreSQL); SQLite's single writer
/// already serialises writes.
#[derive(Clone, Copy, Debug)]
pub enum LockMode {
    /// Others may read and share-lock the row, not change it.
    Share,
    /// Exclusive: the write that follows changes the parent's state.
    Update,
}

/// The parent row a guarded write locks before its statement runs.
#[derive(Clone, Copy, Debug)]
pub struct RowLock {
    pub table: &'static str,
    pub id: Uuid,
    pub mode: LockMode,
}

impl RowLock {
    pub fn share(table: &'static str, id: impl Into<Uuid>) -> Self {
        Self { table, id: id.into(), mode: LockMode::Share }
    }
    pub fn update(table: &'static str, id: impl Into<Uuid>) -> Self {
        Self { table, id: id.into(), mode: LockMode::Update }
    }
}

/// One database backend: what the shared statements need from a driver.
#[async_trait::async_trait]
pub trait Database: Send + Sync + 'static {
    /// `"sqlite"` or `"postgres"`, for logs and health.
    const NAME: &'static str;
    type Snapshot: Snapshot;

    async fn migrate(&self) -> StoreResult<()>;
    async fn execute(&self, sql: &str, params: Params) -> StoreResult<u64>;
    async fn fetch_all<T: FromRow>(&self, sql: &str, params: Params) -> StoreResult<Vec<T>>;
    async fn fetch_optional<T: FromRow>(&self, sql: &str, params: Params) -> StoreResult<Option<T>>;

    async fn fetch_one<T: FromRow>(&self, sql: &str, params: Params) -> StoreResult<T> {
        self.fetch_optional(sql, params).await?.ok_or(StoreError::NotFound)
    }

    /// Runs the statements in order in one transaction: all of them or none. Returns
    /// the number of rows they changed. Bulk loads go through it (see [`insert_rows`]).
    async fn execute_all(&self, statements: Vec<Statement>) -> StoreResult<u64>;

    /// Appends the `n`th parameter (from 1) of a statement built at run time where each
    /// parameter appears once, in order ([`insert_rows`]). The statements written by
    /// hand use `$n` on both databases.
    fn push_placeholder(sql: &mut String, n: usize);

    /// A write whose `WHERE` checks the state of a parent row (a ticket still open, a
    /// poste without open tickets...): in one transaction, the parent row is locked
    /// where the database needs it (PostgreSQL under READ COMMITTED would not see rows
    /// other transactions are writing), then the statement runs, then it commits.
    /// Returns the number of rows changed. Every domain's guarded writes go through it.
    async fn guarded_write(&self, lock: RowLock, sql: &str, params: Params) -> StoreResult<u64>;

    /// Several statements in one transaction, the first one guarded like
    /// [`Database::guarded_write`]: when it changes no row, nothing is written and the
    /// result is false. For writes that span tables (a sale with its items, its
    /// payments and its session's running totals).
    async fn guarded_batch(&self, lock: RowLock, guard: (String, Params), then: Vec<(String, Params)>) -> StoreResult<bool>;

    /// A read-only transaction that sees one state of the database for all its reads,
    /// whatever is written meanwhile: an export reads all its sheets in one.
    async fn snapshot(&self) -> StoreResult<Self::Snapshot>;
}

/// Reads within one snapshot (see [`Database::snapshot`]).
#[async_trait::async_trait]
pub trait Snapshot: Send + 'static {
    async fn fetch_all<T: FromRow>(&mut self, sql: &str, params: Params) -> StoreResult<Vec<T>>;
    /// Sends the rows to `out` in batches of [`BATCH`] as they are read. Stops early,
    /// without error, when the receiver is gone (the client went away). Returns the
    /// number of rows sent.
    async fn stream<T: FromRow>(&mut self, sql: &str, params: Params, out: &mpsc::Sender<StoreResult<Vec<T>>>) -> StoreResult<u64>;
}

/// Rows per batch handed from a snapshot to an export writer.
pub const BATCH: usize = 1024;

/// The most parameters one statement may bind on both databases: SQLite's limit
/// (`SQLITE_MAX_VARIABLE_NUMBER`, 32766 since 3.32); PostgreSQL's is 65535.
pub const MAX_PARAMS: usize = 32766;

/// Rows per multi-row `INSERT`: a few hundred rows already amortise the round trip and
/// the statement's preparation; longer statements gain nothing.
pub const ROWS_PER_INSERT: usize = 500;

/// The multi-row `INSERT`s that write `rows` into `table`, each row giving one value
/// per column of `columns`, in order: `INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)...`
/// (placeholders as `D` writes them) with at most [`ROWS_PER_INSERT`] rows and
/// [`MAX_PARAMS`] parameters per statement. Every statement but the last has the same
/// text, so each driver prepares it once. Run them with [`Database::execute_all`].
pub fn insert_rows<D: Database>(table: &str, columns: &[&str], rows: Vec<Params>) -> Vec<Statement> {
    assert!(!columns.is_empty(), "insert_rows into {table}: no columns");
    let per_statement = ROWS_PER_INSERT.min(MAX_PARAMS / columns.len()).max(1);
    let head = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut out = Vec::with_capacity(rows.len().div_ceil(per_statement));
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut sql = head.clone();
        let mut params = Vec::with_capacity(per_statement * columns.len());
        for (i, row) in rows.by_ref().take(per_statement).enumerate() {
            assert_eq!(row.len(), columns.len(), "insert_rows into {table}: a row of {} values for {} columns", row.len(), columns.len());
            sql.push_str(if i == 0 { "(" } else { ", (" });
            for c in 0..columns.len() {
                if c > 0 {
                    sql.push_str(", ");
                }
                D::push_placeholder(&mut sql, params.len() + c + 1);
            }
            sql.push(')');
            params.extend(row);
        }
        out.push((sql, params));
    }
    out
}

/// The storage of every domain over one backend: the statements are written once, in
/// `users.rs`, `reception.rs`..., as ordinary generic code over `D`.
pub struct SqlStore<D: Database> {
    pub(super) db: D,
}

impl<D: Database> SqlStore<D> {
    pub fn new(db: D) -> Self {
        Self { db }
    }
}

/// `($1, $2, $3), ($4, $5, $6)`: the placeholders of a multi-row `VALUES`, numbered
/// from `first`.
pub fn values_placeholders(rows: usize, columns: usize, first: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", (0..columns).map(|c| format!("${}", first + r * columns + c)).collect::<Vec<_>>().join(", ")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Maps a unique-constraint violation to [`StoreError::Conflict`].
pub fn unique_as_conflict(what: &'static str) -> impl FnOnce(StoreError) -> StoreError {
    move |e| match &e {
        StoreError::Database(sqlx::Error::Database(db)) if db.is_unique_violation() => StoreError::Conflict(what),
        _ => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{PgDb, SqliteDb};

    #[test]
    fn insert_rows_numbers_parameters_and_splits_statements() {
        let rows: Vec<Params> = (0..ROWS_PER_INSERT as i64 + 2).map(|i| vec![p(i), p("x")]).collect();
        let stmts = insert_rows::<PgDb>("t", &["a", "b"], rows.clone());
        assert_eq!(stmts.len(), 2);
        assert!(stmts[0].0.starts_with("INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4), "), "{}", &stmts[0].0[..60]);
        assert!(stmts[0].0.ends_with(&format!("(${}, ${})", 2 * ROWS_PER_INSERT - 1, 2 * ROWS_PER_INSERT)));
        assert_eq!(stmts[0].1.len(), 2 * ROWS_PER_INSERT);
        assert_eq!(stmts[1], ("INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)".to_string(), vec![p(500i64), p("x"), p(501i64), p("x")]));
        assert!(insert_rows::<PgDb>("t", &["a"], vec![]).is_empty());
        // SQLite: bare `?`, bound by position.
        let stmts = insert_rows::<SqliteDb>("t", &["a", "b"], rows);
        assert!(stmts[0].0.starts_with("INSERT INTO t (a, b) VALUES (?, ?), (?, ?), "));
        assert_eq!(stmts[1].0, "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)");
    }

    #[test]
    fn insert_rows_keeps_under_the_parameter_limit() {
        let columns: Vec<String> = (0..100).map(|c| format!("c{c}")).collect();
        let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
        let rows: Vec<Params> = (0..1000).map(|_| vec![p(1i64); 100]).collect();
        let stmts = insert_rows::<PgDb>("t", &columns, rows);
        assert!(stmts.iter().all(|(_, params)| params.len() <= MAX_PARAMS));
        assert_eq!(stmts.iter().map(|(_, params)| params.len()).sum::<usize>(), 100_000);
    }

    #[test]
    fn id_text_is_the_hyphenated_id_from_either_database() {
        let id = Uuid::parse_str("0f8e5a4c-1b2d-4e3f-9a8b-7c6d5e4f3a2b").unwrap();
        // PostgreSQL hands a uuid, SQLite the text it stored: the same text comes out.
        assert_eq!(IdText::from_uuid(id).as_str(), "0f8e5a4c-1b2d-4e3f-9a8b-7c6d5e4f3a2b");
        assert_eq!(IdText::from_text(&id.to_string()).unwrap(), IdText::from_uuid(id));
        for bad in ["", "0f8e5a4c", "0f8e5a4c-1b2d-4e3f-9a8b-7c6d5e4f3a2b0"] {
            assert!(matches!(IdText::from_text(bad), Err(StoreError::Corrupt(_))), "{bad:?}");
        }
    }
}
