//! The seam between the statements, written once in the SQL both databases share, and
//! the two drivers. A backend implements [`Database`] (run a statement with a list of
//! [`Param`]s, fetch rows, run a guarded write, open a read snapshot) and [`RowReader`]
//! for its rows; it decides how ids and instants are encoded (text and microseconds in
//! SQLite, native UUID and TIMESTAMPTZ in PostgreSQL). Everything above is ordinary
//! generic code over [`SqlStore<D>`], checked by the compiler: each row type is mapped
//! once ([`FromRow`]), each filter binds its parameters from one list for every driver.
use app::ids::{CashSessionId, CategoryId, LigneId, PosteId, RegisterId, SaleId, SiteId, TicketId, UserId};
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

/// Reading a result row by column position, whatever the driver.
pub trait RowReader {
    fn uuid(&self, i: usize) -> StoreResult<Uuid>;
    fn opt_uuid(&self, i: usize) -> StoreResult<Option<Uuid>>;
    /// An id as its hyphenated text: exports only print ids, and a million
    /// parse-and-format round trips cost.
    fn uuid_text(&self, i: usize) -> StoreResult<String>;
    fn ts(&self, i: usize) -> StoreResult<DateTime<Utc>>;
    fn opt_ts(&self, i: usize) -> StoreResult<Option<DateTime<Utc>>>;
    fn text(&self, i: usize) -> StoreResult<String>;
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
