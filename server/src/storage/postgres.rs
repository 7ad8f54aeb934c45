//! PostgreSQL implementation, for larger deployments and several server instances:
//! native UUID and TIMESTAMPTZ columns; everything that must hold across instances
//! (sessions, throttling) lives in the database, never in process memory.
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{PgPool, Row};
use uuid::Uuid;

use super::*;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

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

mod users_impl {
    use super::*;
    use app::auth::UserView;
    crate::storage::users::user_store_impl!(PgStore, "postgres");
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
