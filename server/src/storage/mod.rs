//! Persistence behind one trait, with one implementation per database (SQLite embedded
//! by default, PostgreSQL for larger deployments), each with its own migrations under
//! `migrations/<backend>/`. The backend is chosen from the URL at start.
mod postgres;
pub mod reception;
mod sqlite;
mod users;

use std::sync::Arc;

use app::auth::{Permission, UserView};
use chrono::{DateTime, Utc};
use uuid::Uuid;

pub use postgres::PgStore;
pub use reception::ReceptionStore;
pub use sqlite::SqliteStore;

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
    /// The SQLite export reader (see `sqlite.rs`).
    #[error("database error")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored value that this version cannot read back.
    #[error("corrupt value in the database: {0}")]
    Corrupt(String),
    #[error("unsupported DATABASE_URL {0:?}: use sqlite://... or postgres://...")]
    UnsupportedUrl(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A user with the secret the login check needs.
#[derive(Clone, Debug)]
pub struct UserRecord {
    pub user: UserView,
    pub password_hash: String,
}

#[derive(Clone, Debug)]
pub struct NewUser {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub active: bool,
    pub permissions: Vec<Permission>,
    pub now: DateTime<Utc>,
}

/// Fields to change; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct UserChanges {
    pub username: Option<String>,
    pub display_name: Option<String>,
    pub password_hash: Option<String>,
    pub permissions: Option<Vec<Permission>>,
    pub active: Option<bool>,
}

/// Login attempts counted for one username since its last success or lock.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Throttle {
    pub failures: i64,
    pub locked_until: Option<DateTime<Utc>>,
}

/// Everything the application persists; reception lives in its own trait so that each
/// domain's storage stays readable.
#[async_trait::async_trait]
pub trait Store: ReceptionStore + Send + Sync + 'static {
    /// `"sqlite"` or `"postgres"`, for logs and health.
    fn backend(&self) -> &'static str;
    async fn migrate(&self) -> StoreResult<()>;
    async fn ping(&self) -> StoreResult<()>;

    async fn count_users(&self) -> StoreResult<i64>;
    async fn insert_user(&self, user: &NewUser) -> StoreResult<()>;
    async fn update_user(&self, id: Uuid, changes: &UserChanges, now: DateTime<Utc>) -> StoreResult<()>;
    async fn user_by_id(&self, id: Uuid) -> StoreResult<Option<UserRecord>>;
    async fn user_by_username(&self, username: &str) -> StoreResult<Option<UserRecord>>;
    async fn list_users(&self) -> StoreResult<Vec<UserView>>;

    async fn insert_session(&self, token_hash: &str, user_id: Uuid, now: DateTime<Utc>, expires_at: DateTime<Utc>) -> StoreResult<()>;
    /// The user of a session that has not expired at `now`.
    async fn session_user(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<UserRecord>>;
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;
    async fn delete_user_sessions(&self, user_id: Uuid) -> StoreResult<()>;
    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64>;

    /// Counts one login attempt for `username`, atomically, before its password is
    /// checked (so parallel guesses are all counted); an expired lock starts the count
    /// again. Returns the count and any lock still in force.
    async fn register_login_attempt(&self, username: &str, now: DateTime<Utc>) -> StoreResult<Throttle>;
    async fn lock_login(&self, username: &str, until: DateTime<Utc>) -> StoreResult<()>;
    async fn clear_login_failures(&self, username: &str) -> StoreResult<()>;
}

/// Opens the database named by `url` and applies its migrations.
pub async fn connect(url: &str) -> StoreResult<Arc<dyn Store>> {
    let store: Arc<dyn Store> = if url.starts_with("sqlite:") {
        Arc::new(SqliteStore::connect(url).await?)
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Arc::new(PgStore::connect(url).await?)
    } else {
        return Err(StoreError::UnsupportedUrl(url.to_string()));
    };
    store.migrate().await?;
    Ok(store)
}

/// Permissions are stored as sorted, comma-separated names.
fn permissions_to_text(perms: &[Permission]) -> String {
    let mut v: Vec<&str> = perms.iter().map(|p| p.as_str()).collect();
    v.sort_unstable();
    v.dedup();
    v.join(",")
}

fn permissions_from_text(text: &str) -> StoreResult<Vec<Permission>> {
    let mut out = text
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| Permission::parse(s).map_err(|_| StoreError::Corrupt(format!("permission {s:?}"))))
        .collect::<StoreResult<Vec<_>>>()?;
    out.sort();
    Ok(out)
}

/// Maps a unique-constraint violation to [`StoreError::Conflict`].
fn unique_as_conflict(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what),
        _ => StoreError::Database(e),
    }
}

/// Storage errors that reach a service unmapped are unexpected: logged with their cause
/// chain, shown to the user as an internal error. Services map the expected ones
/// (conflicts, missing rows) to precise messages before they get here.
impl From<StoreError> for app::error::AppError {
    fn from(e: StoreError) -> Self {
        crate::error::internal(e)
    }
}
