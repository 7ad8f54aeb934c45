//! Persistence: one storage trait per domain ([`UserStore`], [`ReceptionStore`],
//! [`CashStore`]), each
//! written once as generic code over [`sql::Database`], which each backend implements
//! with its own pool, encodings and migrations (`migrations/<backend>/`): SQLite
//! embedded by default, PostgreSQL for larger deployments. The backend is chosen from
//! the URL at start.
pub mod cash;
pub mod mail;
mod postgres;
pub mod reception;
pub mod scheduled;
pub mod sql;
mod sqlite;
pub mod users;

use std::sync::Arc;

pub use cash::CashStore;
pub use mail::MailStore;
pub use scheduled::ScheduledStore;
pub use postgres::PgDb;
pub use reception::{PastPoste, PastTicket, ReceptionHistory, ReceptionSnapshot, ReceptionStore};
pub use sql::SqlStore;
pub use sqlite::SqliteDb;
pub use users::{LoginAttempt, NewUser, Throttle, UserChanges, UserRecord, UserStore};

use sql::Database;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write; the payload names what was duplicated.
    #[error("duplicate {0}")]
    Conflict(&'static str),
    #[error("not found")]
    NotFound,
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The SQLite snapshot reader (see `sqlite.rs`).
    #[error("database error")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored value that this version cannot read back.
    #[error("corrupt value in the database: {0}")]
    Corrupt(String),
    #[error("unsupported DATABASE_URL {0:?}: use sqlite://... or postgres://...")]
    UnsupportedUrl(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Everything the application persists, over one backend.
#[async_trait::async_trait]
pub trait Store: UserStore + ReceptionStore + CashStore + MailStore + ScheduledStore + Send + Sync + 'static {
    /// `"sqlite"` or `"postgres"`, for logs and health.
    fn backend(&self) -> &'static str;
    async fn migrate(&self) -> StoreResult<()>;
    async fn ping(&self) -> StoreResult<()>;
    /// Refreshes the query planner's statistics, after a bulk load.
    async fn analyze(&self) -> StoreResult<()>;
}

#[async_trait::async_trait]
impl<D: Database> Store for SqlStore<D> {
    fn backend(&self) -> &'static str {
        D::NAME
    }

    async fn migrate(&self) -> StoreResult<()> {
        self.db.migrate().await
    }

    async fn ping(&self) -> StoreResult<()> {
        self.db.fetch_one::<i64>("SELECT CAST(1 AS BIGINT)", vec![]).await.map(|_| ())
    }

    async fn analyze(&self) -> StoreResult<()> {
        self.db.execute("ANALYZE", vec![]).await.map(|_| ())
    }
}

/// Opens the database named by `url` and applies its migrations.
pub async fn connect(url: &str) -> StoreResult<Arc<dyn Store>> {
    let store: Arc<dyn Store> = if url.starts_with("sqlite:") {
        Arc::new(SqlStore::new(SqliteDb::connect(url).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Arc::new(SqlStore::new(PgDb::connect(url).await?))
    } else {
        return Err(StoreError::UnsupportedUrl(url.to_string()));
    };
    store.migrate().await?;
    Ok(store)
}

/// Storage errors that reach a service unmapped are unexpected: logged with their cause
/// chain, shown to the user as an internal error. Services map the expected ones
/// (conflicts, missing rows) to precise messages before they get here.
impl From<StoreError> for app::error::AppError {
    fn from(e: StoreError) -> Self {
        crate::error::internal(e)
    }
}
