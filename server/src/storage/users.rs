//! Users, sessions and login throttling: the statements are written once, in the SQL
//! both databases share, and each backend instantiates [`user_store_impl!`] with its own
//! encodings (as for reception, see `reception.rs`).

/// Implements [`super::Store`] for a backend. Expects in scope: `MIGRATOR`, the type
/// `DbRow`, and `bind_id`, `bind_ts`, `get_id`, `get_ts`, `get_ts_opt`.
macro_rules! user_store_impl {
    ($store:ty, $backend:literal) => {
        const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.password_hash, u.active, u.permissions, u.created_at, u.updated_at";

        fn user_record(row: &DbRow) -> StoreResult<UserRecord> {
            Ok(UserRecord {
                user: UserView {
                    id: get_id(row, "id")?,
                    username: row.try_get("username")?,
                    display_name: row.try_get("display_name")?,
                    active: row.try_get::<bool, _>("active")?,
                    permissions: permissions_from_text(&row.try_get::<String, _>("permissions")?)?,
                    created_at: get_ts(row, "created_at")?,
                    updated_at: get_ts(row, "updated_at")?,
                },
                password_hash: row.try_get("password_hash")?,
            })
        }

        #[async_trait::async_trait]
        impl Store for $store {
            fn backend(&self) -> &'static str {
                $backend
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
                .bind(bind_id(u.id))
                .bind(&u.username)
                .bind(&u.display_name)
                .bind(&u.password_hash)
                .bind(u.active)
                .bind(permissions_to_text(&u.permissions))
                .bind(bind_ts(u.now))
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
                .bind(bind_ts(now))
                .bind(bind_id(id))
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
                let row = sqlx::query(&sql).bind(bind_id(id)).fetch_optional(&self.pool).await?;
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
                    .bind(bind_id(user_id))
                    .bind(bind_ts(now))
                    .bind(bind_ts(expires_at))
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn session_user(&self, token_hash: &str, now: DateTime<Utc>) -> StoreResult<Option<UserRecord>> {
                let sql = format!(
                    "SELECT {USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id
                     WHERE s.token_hash = $1 AND s.expires_at > $2"
                );
                let row = sqlx::query(&sql).bind(token_hash).bind(bind_ts(now)).fetch_optional(&self.pool).await?;
                row.as_ref().map(user_record).transpose()
            }

            async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&self.pool).await?;
                Ok(())
            }

            async fn delete_user_sessions(&self, user_id: Uuid) -> StoreResult<()> {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(bind_id(user_id)).execute(&self.pool).await?;
                Ok(())
            }

            async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64> {
                let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(bind_ts(now)).execute(&self.pool).await?;
                Ok(done.rows_affected())
            }

            async fn register_login_attempt(&self, username: &str, now: DateTime<Utc>) -> StoreResult<Throttle> {
                let row = sqlx::query(
                    "INSERT INTO login_throttle (username, failures, locked_until) VALUES ($1, 1, NULL)
                     ON CONFLICT (username) DO UPDATE SET
                        failures = CASE WHEN login_throttle.locked_until <= $2 THEN 1 ELSE login_throttle.failures + 1 END,
                        locked_until = CASE WHEN login_throttle.locked_until <= $2 THEN NULL ELSE login_throttle.locked_until END
                     RETURNING CAST(failures AS BIGINT) AS failures, locked_until",
                )
                .bind(username)
                .bind(bind_ts(now))
                .fetch_one(&self.pool)
                .await?;
                Ok(Throttle { failures: row.try_get("failures")?, locked_until: get_ts_opt(&row, "locked_until")? })
            }

            async fn lock_login(&self, username: &str, until: DateTime<Utc>) -> StoreResult<()> {
                sqlx::query("UPDATE login_throttle SET failures = 0, locked_until = $2 WHERE username = $1")
                    .bind(username)
                    .bind(bind_ts(until))
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn clear_login_failures(&self, username: &str) -> StoreResult<()> {
                sqlx::query("DELETE FROM login_throttle WHERE username = $1").bind(username).execute(&self.pool).await?;
                Ok(())
            }
        }
    };
}
pub(crate) use user_store_impl;
