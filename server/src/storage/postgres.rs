//! PostgreSQL implementation, for larger deployments and several server instances:
//! native UUID and TIMESTAMPTZ columns; everything that must hold across instances
//! (sessions, throttling) lives in the database, never in process memory.
use std::str::FromStr;
use std::time::Duration;

use app::auth::UserView;
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{PgPool, Row};
use uuid::Uuid;

use super::*;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.password_hash, u.active, u.permissions, u.created_at, u.updated_at";

pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = PgConnectOptions::from_str(url)?.application_name("recyclique");
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

fn user_record(row: &PgRow) -> StoreResult<UserRecord> {
    Ok(UserRecord {
        user: UserView {
            id: row.try_get("id")?,
            username: row.try_get("username")?,
            display_name: row.try_get("display_name")?,
            active: row.try_get("active")?,
            permissions: permissions_from_text(&row.try_get::<String, _>("permissions")?)?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        },
        password_hash: row.try_get("password_hash")?,
    })
}

#[async_trait::async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn count_users(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&self.pool).await?)
    }

    async fn insert_user(&self, u: &NewUser) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO users (id, username, display_name, password_hash, active, permissions, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(u.id)
        .bind(&u.username)
        .bind(&u.display_name)
        .bind(&u.password_hash)
        .bind(u.active)
        .bind(permissions_to_text(&u.permissions))
        .bind(u.now)
        .execute(&self.pool)
        .await
        .map_err(unique_as_conflict("username"))?;
        Ok(())
    }

    async fn update_user(&self, id: Uuid, c: &UserChanges, now: DateTime<Utc>) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE users SET
                username = COALESCE($1, username),
                display_name = COALESCE($2, display_name),
                password_hash = COALESCE($3, password_hash),
                permissions = COALESCE($4, permissions),
                active = COALESCE($5, active),
                updated_at = $6
             WHERE id = $7",
        )
        .bind(c.username.as_deref())
        .bind(c.display_name.as_deref())
        .bind(c.password_hash.as_deref())
        .bind(c.permissions.as_deref().map(permissions_to_text))
        .bind(c.active)
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(unique_as_conflict("username"))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn user_by_id(&self, id: Uuid) -> StoreResult<Option<UserRecord>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(user_record).transpose()
    }

    async fn user_by_username(&self, username: &str) -> StoreResult<Option<UserRecord>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.username = $1");
        let row = sqlx::query(&sql).bind(username).fetch_optional(&self.pool).await?;
        row.as_ref().map(user_record).transpose()
    }

    async fn list_users(&self) -> StoreResult<Vec<UserView>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.username");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(|r| user_record(r).map(|u| u.user)).collect()
    }

    async fn insert_session(&self, token_hash: &str, user_id: Uuid, now: DateTime<Utc>, expires_at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash)
            .bind(user_id)
            .bind(now)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn session_user(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<UserRecord>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.expires_at > $2"
        );
        let row = sqlx::query(&sql).bind(token_hash).bind(now).fetch_optional(&self.pool).await?;
        row.as_ref().map(user_record).transpose()
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&self.pool).await?;
        Ok(())
    }

    async fn delete_user_sessions(&self, user_id: Uuid) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&self.pool).await?;
        Ok(())
    }

    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(&self.pool).await?;
        Ok(done.rows_affected())
    }

    async fn register_login_attempt(&self, username: &str, now: DateTime<Utc>) -> StoreResult<Throttle> {
        let row = sqlx::query(
            "INSERT INTO login_throttle (username, failures, locked_until) VALUES ($1, 1, NULL)
             ON CONFLICT (username) DO UPDATE SET
                failures = CASE WHEN login_throttle.locked_until <= $2 THEN 1 ELSE login_throttle.failures + 1 END,
                locked_until = CASE WHEN login_throttle.locked_until <= $2 THEN NULL ELSE login_throttle.locked_until END
             RETURNING failures, locked_until",
        )
        .bind(username)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(Throttle { failures: i64::from(row.try_get::<i32, _>("failures")?), locked_until: row.try_get("locked_until")? })
    }

    async fn lock_login(&self, username: &str, until: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE login_throttle SET failures = 0, locked_until = $2 WHERE username = $1")
            .bind(username)
            .bind(until)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn clear_login_failures(&self, username: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM login_throttle WHERE username = $1").bind(username).execute(&self.pool).await?;
        Ok(())
    }
}

// Encodings for the shared reception statements: native UUID and TIMESTAMPTZ.
type Db = sqlx::Postgres;
type DbRow = PgRow;

/// Under READ COMMITTED a guard such as `NOT EXISTS (open tickets)` does not see rows
/// being written by other transactions: the parent row is locked first.
const ROW_LOCKS: bool = true;

fn bind_id(id: Uuid) -> Uuid {
    id
}
fn bind_id_opt(id: Option<Uuid>) -> Option<Uuid> {
    id
}
fn bind_ts(t: DateTime<Utc>) -> DateTime<Utc> {
    t
}
fn get_id(r: &DbRow, col: &str) -> StoreResult<Uuid> {
    Ok(r.try_get(col)?)
}
fn get_id_opt(r: &DbRow, col: &str) -> StoreResult<Option<Uuid>> {
    Ok(r.try_get(col)?)
}
fn get_ts(r: &DbRow, col: &str) -> StoreResult<DateTime<Utc>> {
    Ok(r.try_get(col)?)
}
fn get_ts_opt(r: &DbRow, col: &str) -> StoreResult<Option<DateTime<Utc>>> {
    Ok(r.try_get(col)?)
}

mod reception_impl {
    use super::*;
    use app::reception::{Category, Ligne, Poste, Status, Ticket, Weight};
    crate::storage::reception::reception_store_impl!(PgStore);

    fn export_line_row(r: &DbRow) -> StoreResult<ExportLine> {
        Ok(ExportLine {
            ticket_id: get_id(r, "ticket_id")?.to_string(),
            ticket_at: get_ts(r, "ticket_at")?,
            ticket_status: status_of(&r.try_get::<String, _>("status")?)?,
            poste_id: get_id(r, "poste_id")?.to_string(),
            is_deferred: r.try_get("is_deferred")?,
            benevole_name: r.try_get("benevole_name")?,
            ligne_id: get_id(r, "ligne_id")?.to_string(),
            created_at: get_ts(r, "created_at")?,
            category_name: r.try_get("category_name")?,
            parent_category_name: r.try_get("parent_name")?,
            poids: Weight::from_grams(r.try_get("poids_g")?),
            destination: destination_of(&r.try_get::<String, _>("destination")?)?,
            notes: r.try_get("notes")?,
            is_exit: r.try_get("is_exit")?,
        })
    }

    impl PgStore {
        /// Rows straight from the server as they arrive (sqlx streams the result).
        pub(super) fn export_lines_stream(&self, f: TicketFilter) -> BoxStream<'static, StoreResult<ExportLine>> {
            let pool = self.pool.clone();
            Box::pin(async_stream::try_stream! {
                let sql = export_lines_sql();
                let mut rows = bind_filter(sqlx::query(&sql), &f).fetch(&pool);
                while let Some(row) = futures::TryStreamExt::try_next(&mut rows).await? {
                    yield export_line_row(&row)?;
                }
            })
        }
    }
}
