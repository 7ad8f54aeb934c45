//! Users, sessions and login throttling.
use app::auth::{Permission, UserView};
use app::ids::UserId;
use chrono::{DateTime, Utc};

use super::sql::{p, unique_as_conflict, Database, FromRow, RowReader, SqlStore};
use super::{StoreError, StoreResult};

/// A user with the secret the login check needs.
#[derive(Clone, Debug)]
pub struct UserRecord {
    pub user: UserView,
    pub password_hash: String,
}

#[derive(Clone, Debug)]
pub struct NewUser {
    pub id: UserId,
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

/// Login attempts counted for one username since its last success, its last lock, or
/// a quiet lockout period.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Throttle {
    pub failures: i64,
    pub locked_until: Option<DateTime<Utc>>,
}

/// What one login attempt finds once it is counted (see
/// [`UserStore::register_login_attempt`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoginAttempt {
    /// The username's count, this attempt included, and its lock.
    pub username: Throttle,
    /// Attempts from this address, all usernames together, within the window.
    pub address_failures: i64,
    /// Attempts from this address for this username within the window, as they stand
    /// once this attempt's username count is taken (so those made in parallel count).
    pub pair_failures: i64,
}

struct AddressCounts {
    address: i64,
    pair: i64,
}

impl FromRow for AddressCounts {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        Ok(AddressCounts { address: r.int(0)?, pair: r.int(1)? })
    }
}

#[async_trait::async_trait]
pub trait UserStore: Send + Sync {
    async fn count_users(&self) -> StoreResult<i64>;
    /// `Conflict("username")` when the username is taken.
    async fn insert_user(&self, user: &NewUser) -> StoreResult<()>;
    async fn update_user(&self, id: UserId, changes: &UserChanges, now: DateTime<Utc>) -> StoreResult<()>;
    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<UserRecord>>;
    async fn user_by_username(&self, username: &str) -> StoreResult<Option<UserRecord>>;
    async fn list_users(&self) -> StoreResult<Vec<UserView>>;

    async fn insert_session(&self, token_hash: &str, user_id: UserId, now: DateTime<Utc>, expires_at: DateTime<Utc>) -> StoreResult<()>;
    /// The user of a session that has not expired at `now`.
    async fn session_user(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<UserRecord>>;
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()>;
    /// Deletes the sessions of `user_id`, except `keep` (a token hash) if given.
    async fn delete_user_sessions(&self, user_id: UserId, keep: Option<&str>) -> StoreResult<()>;
    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64>;
    /// Keeps the `max` newest sessions of `user_id`, `newest` always among them, and
    /// deletes the others. Returns how many were deleted.
    async fn cap_user_sessions(&self, user_id: UserId, newest: &str, max: u32) -> StoreResult<u64>;
    /// Sessions `user_id` holds, expired ones included (until purged).
    async fn count_sessions(&self, user_id: UserId) -> StoreResult<i64>;

    /// Counts one login attempt for `username` from `address`, before its password is
    /// checked (so parallel guesses are all counted): once for the pair, then once for
    /// the username (an expired lock, or no attempt since `window_start`, starts its
    /// count again), then reads the address's and the pair's counts since
    /// `window_start`. Each count is one atomic statement.
    async fn register_login_attempt(&self, username: &str, address: &str, now: DateTime<Utc>, window_start: DateTime<Utc>) -> StoreResult<LoginAttempt>;
    async fn lock_login(&self, username: &str, until: DateTime<Utc>) -> StoreResult<()>;
    /// A successful login: the pair's attempts are forgotten, and the username's count
    /// too unless a lock is in force (it stays for the addresses that failed).
    async fn clear_login_failures(&self, username: &str, address: &str, now: DateTime<Utc>) -> StoreResult<()>;
    /// Deletes throttle rows without an attempt since `window_start` and without a
    /// lock in force at `now`. Returns the rows deleted.
    async fn purge_login_throttle(&self, now: DateTime<Utc>, window_start: DateTime<Utc>) -> StoreResult<u64>;
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

/// The columns [`UserRecord::from_row`] reads, in order.
const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.password_hash, u.active, u.permissions, u.created_at, u.updated_at";

impl FromRow for UserRecord {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        Ok(UserRecord {
            user: UserView {
                id: r.id(0)?,
                username: r.text(1)?,
                display_name: r.text(2)?,
                active: r.bool(4)?,
                permissions: permissions_from_text(&r.text(5)?)?,
                created_at: r.ts(6)?,
                updated_at: r.ts(7)?,
            },
            password_hash: r.text(3)?,
        })
    }
}

impl FromRow for Throttle {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        Ok(Throttle { failures: r.int(0)?, locked_until: r.opt_ts(1)? })
    }
}

#[async_trait::async_trait]
impl<D: Database> UserStore for SqlStore<D> {
    async fn count_users(&self) -> StoreResult<i64> {
        self.db.fetch_one("SELECT COUNT(*) FROM users", vec![]).await
    }

    async fn insert_user(&self, u: &NewUser) -> StoreResult<()> {
        self.db
            .execute(
                "INSERT INTO users (id, username, display_name, password_hash, active, permissions, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
                vec![p(u.id), p(u.username.as_str()), p(u.display_name.as_str()), p(u.password_hash.as_str()), p(u.active), p(permissions_to_text(&u.permissions)), p(u.now)],
            )
            .await
            .map_err(unique_as_conflict("username"))?;
        Ok(())
    }

    async fn update_user(&self, id: UserId, c: &UserChanges, now: DateTime<Utc>) -> StoreResult<()> {
        let done = self
            .db
            .execute(
                "UPDATE users SET
                    username = COALESCE($1, username),
                    display_name = COALESCE($2, display_name),
                    password_hash = COALESCE($3, password_hash),
                    permissions = COALESCE($4, permissions),
                    active = COALESCE($5, active),
                    updated_at = $6
                 WHERE id = $7",
                vec![
                    p(c.username.as_deref()),
                    p(c.display_name.as_deref()),
                    p(c.password_hash.as_deref()),
                    p(c.permissions.as_deref().map(permissions_to_text)),
                    p(c.active),
                    p(now),
                    p(id),
                ],
            )
            .await
            .map_err(unique_as_conflict("username"))?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<UserRecord>> {
        self.db.fetch_optional(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"), vec![p(id)]).await
    }

    async fn user_by_username(&self, username: &str) -> StoreResult<Option<UserRecord>> {
        self.db.fetch_optional(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.username = $1"), vec![p(username)]).await
    }

    async fn list_users(&self) -> StoreResult<Vec<UserView>> {
        let rows: Vec<UserRecord> = self.db.fetch_all(&format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.username"), vec![]).await?;
        Ok(rows.into_iter().map(|r| r.user).collect())
    }

    async fn insert_session(&self, token_hash: &str, user_id: UserId, now: DateTime<Utc>, expires_at: DateTime<Utc>) -> StoreResult<()> {
        self.db
            .execute("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)", vec![p(token_hash), p(user_id), p(now), p(expires_at)])
            .await?;
        Ok(())
    }

    async fn session_user(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<UserRecord>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.expires_at > $2"
        );
        self.db.fetch_optional(&sql, vec![p(token_hash), p(now)]).await
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        self.db.execute("DELETE FROM sessions WHERE token_hash = $1", vec![p(token_hash)]).await?;
        Ok(())
    }

    async fn delete_user_sessions(&self, user_id: UserId, keep: Option<&str>) -> StoreResult<()> {
        self.db
            .execute("DELETE FROM sessions WHERE user_id = $1 AND ($2 IS NULL OR token_hash <> $2)", vec![p(user_id), p(keep)])
            .await?;
        Ok(())
    }

    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        self.db.execute("DELETE FROM sessions WHERE expires_at <= $1", vec![p(now)]).await
    }

    async fn cap_user_sessions(&self, user_id: UserId, newest: &str, max: u32) -> StoreResult<u64> {
        self.db
            .execute(
                "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2 AND token_hash NOT IN (
                    SELECT token_hash FROM sessions WHERE user_id = $1 AND token_hash <> $2
                    ORDER BY created_at DESC, token_hash DESC LIMIT $3)",
                vec![p(user_id), p(newest), p(i64::from(max.max(1)) - 1)],
            )
            .await
    }

    async fn count_sessions(&self, user_id: UserId) -> StoreResult<i64> {
        self.db.fetch_one("SELECT COUNT(*) FROM sessions WHERE user_id = $1", vec![p(user_id)]).await
    }

    async fn register_login_attempt(&self, username: &str, address: &str, now: DateTime<Utc>, window_start: DateTime<Utc>) -> StoreResult<LoginAttempt> {
        let _: i64 = self
            .db
            .fetch_one(
                "INSERT INTO login_failures (address, username, failures, updated_at) VALUES ($1, $2, 1, $3)
                 ON CONFLICT (address, username) DO UPDATE SET
                    failures = CASE WHEN login_failures.updated_at <= $4 THEN 1 ELSE login_failures.failures + 1 END,
                    updated_at = $3
                 RETURNING CAST(failures AS BIGINT)",
                vec![p(address), p(username), p(now), p(window_start)],
            )
            .await?;
        let throttle: Throttle = self
            .db
            .fetch_one(
                "INSERT INTO login_throttle (username, failures, locked_until, updated_at) VALUES ($1, 1, NULL, $2)
                 ON CONFLICT (username) DO UPDATE SET
                    failures = CASE
                        WHEN login_throttle.locked_until <= $2 THEN 1
                        WHEN login_throttle.locked_until IS NULL AND login_throttle.updated_at <= $3 THEN 1
                        ELSE login_throttle.failures + 1 END,
                    locked_until = CASE WHEN login_throttle.locked_until <= $2 THEN NULL ELSE login_throttle.locked_until END,
                    updated_at = $2
                 RETURNING CAST(failures AS BIGINT) AS failures, locked_until",
                vec![p(username), p(now), p(window_start)],
            )
            .await?;
        let counts: AddressCounts = self
            .db
            .fetch_one(
                "SELECT CAST(COALESCE(SUM(failures), 0) AS BIGINT),
                        CAST(COALESCE(SUM(CASE WHEN username = $2 THEN failures ELSE 0 END), 0) AS BIGINT)
                 FROM login_failures WHERE address = $1 AND updated_at > $3",
                vec![p(address), p(username), p(window_start)],
            )
            .await?;
        Ok(LoginAttempt { username: throttle, address_failures: counts.address, pair_failures: counts.pair })
    }

    async fn lock_login(&self, username: &str, until: DateTime<Utc>) -> StoreResult<()> {
        self.db.execute("UPDATE login_throttle SET failures = 0, locked_until = $2 WHERE username = $1", vec![p(username), p(until)]).await?;
        Ok(())
    }

    async fn clear_login_failures(&self, username: &str, address: &str, now: DateTime<Utc>) -> StoreResult<()> {
        self.db.execute("DELETE FROM login_failures WHERE address = $1 AND username = $2", vec![p(address), p(username)]).await?;
        self.db
            .execute("DELETE FROM login_throttle WHERE username = $1 AND (locked_until IS NULL OR locked_until <= $2)", vec![p(username), p(now)])
            .await?;
        Ok(())
    }

    async fn purge_login_throttle(&self, now: DateTime<Utc>, window_start: DateTime<Utc>) -> StoreResult<u64> {
        let pairs = self.db.execute("DELETE FROM login_failures WHERE updated_at <= $1", vec![p(window_start)]).await?;
        let names = self
            .db
            .execute(
                "DELETE FROM login_throttle WHERE updated_at <= $1 AND (locked_until IS NULL OR locked_until <= $2)",
                vec![p(window_start), p(now)],
            )
            .await?;
        Ok(pairs + names)
    }
}
