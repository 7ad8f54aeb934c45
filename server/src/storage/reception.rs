//! Reception storage: postes, tickets, lines, categories, download tokens, live-stat
//! aggregates and the export streams.
//!
//! The SQL is written once, in the subset both databases share (`$n` parameters,
//! `ON CONFLICT`, `RETURNING`, recursive CTEs, `CAST(SUM(..) AS BIGINT)`), and each backend
//! instantiates [`reception_store_impl!`] with its own encoding of ids and instants
//! (`bind_id`, `bind_ts`, `get_id`, `get_ts`...). Each backend keeps its own schema and
//! migrations; only the statements are shared, so a fix to a query fixes both.
use app::reception::{Category, Destination, Ligne, Poste, Status, Ticket, Weight};
pub use chrono::{DateTime, TimeZone, Utc};
pub use futures::stream::BoxStream;
pub use uuid::Uuid;

use super::StoreResult;

/// Instants used when a filter has no bound: inside PostgreSQL's range.
pub fn min_instant() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).unwrap()
}
pub fn max_instant() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(9999, 12, 31, 0, 0, 0).unwrap()
}

#[derive(Clone, Debug)]
pub struct NewPoste {
    pub id: Uuid,
    pub opened_by: Uuid,
    pub opened_at: DateTime<Utc>,
    pub is_deferred: bool,
    pub now: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct NewLigne {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub category_id: Uuid,
    pub poids: Weight,
    pub destination: Destination,
    pub notes: Option<String>,
    pub is_exit: bool,
    pub now: DateTime<Utc>,
}

#[derive(Clone, Debug, Default)]
pub struct LigneChanges {
    pub category_id: Option<Uuid>,
    pub poids: Option<Weight>,
    pub destination: Option<Destination>,
    /// `Some(None)` clears the notes.
    pub notes: Option<Option<String>>,
    pub is_exit: Option<bool>,
}

#[derive(Clone, Debug, Default)]
pub struct CategoryChanges {
    pub name: Option<String>,
    pub parent_id: Option<Option<Uuid>>,
    pub display_order: Option<i32>,
    pub visible_reception: Option<bool>,
    /// `Some(true)` archives now, `Some(false)` restores.
    pub archived: Option<bool>,
}

/// Filters shared by ticket lists and exports; instants are UTC bounds `[from, to)`.
#[derive(Clone, Debug)]
pub struct TicketFilter {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub status: Option<Status>,
    pub poste_id: Option<Uuid>,
    pub benevole_id: Option<Uuid>,
    pub ticket_id: Option<Uuid>,
    /// Lines of this category or any of its descendants.
    pub category_id: Option<Uuid>,
    pub destination: Option<Destination>,
    pub limit: i64,
}

impl Default for TicketFilter {
    fn default() -> Self {
        Self {
            from: min_instant(),
            to: max_instant(),
            status: None,
            poste_id: None,
            benevole_id: None,
            ticket_id: None,
            category_id: None,
            destination: None,
            limit: i64::MAX,
        }
    }
}

#[derive(Clone, Debug)]
pub struct TokenRecord {
    pub ticket_id: Uuid,
    pub user_id: Uuid,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

/// One aggregate cell of the day: lines of one poste, destination, category and flow.
#[derive(Clone, Debug)]
pub struct StatCell {
    pub poste_id: Uuid,
    pub destination: Destination,
    pub category_id: Uuid,
    pub is_exit: bool,
    pub lines: i64,
    pub grams: i64,
}

#[derive(Clone, Debug)]
pub struct PosteDay {
    pub poste_id: Uuid,
    pub opened_by_name: String,
    pub is_deferred: bool,
    pub tickets: i64,
}

#[derive(Clone, Debug, Default)]
pub struct DayStats {
    pub tickets_today: i64,
    pub tickets_open: i64,
    pub postes: Vec<PosteDay>,
    pub cells: Vec<StatCell>,
}

/// A line as exported, with what a spreadsheet user needs beside it. Ids are kept as
/// text: exports only print them, and a million parse-and-format round trips cost.
#[derive(Clone, Debug)]
pub struct ExportLine {
    pub ticket_id: String,
    pub ticket_at: DateTime<Utc>,
    pub ticket_status: Status,
    pub poste_id: String,
    pub is_deferred: bool,
    pub benevole_name: String,
    pub ligne_id: String,
    pub created_at: DateTime<Utc>,
    pub category_name: String,
    pub parent_category_name: Option<String>,
    pub poids: Weight,
    pub destination: Destination,
    pub notes: Option<String>,
    pub is_exit: bool,
}

/// Totals per category, destination and flow over a filter, for summary sheets.
#[derive(Clone, Debug)]
pub struct SummaryRow {
    pub category_name: String,
    pub parent_category_name: Option<String>,
    pub destination: Destination,
    pub is_exit: bool,
    pub lines: i64,
    pub grams: i64,
}

#[async_trait::async_trait]
pub trait ReceptionStore: Send + Sync {
    async fn list_categories(&self) -> StoreResult<Vec<Category>>;
    async fn category(&self, id: Uuid) -> StoreResult<Option<Category>>;
    async fn insert_category(&self, c: &Category, now: DateTime<Utc>) -> StoreResult<()>;
    async fn update_category(&self, id: Uuid, c: &CategoryChanges, now: DateTime<Utc>) -> StoreResult<()>;

    /// `Conflict("poste")` when the user already has an open poste.
    async fn insert_poste(&self, p: &NewPoste) -> StoreResult<()>;
    async fn poste(&self, id: Uuid) -> StoreResult<Option<Poste>>;
    async fn current_poste(&self, user_id: Uuid) -> StoreResult<Option<Poste>>;
    /// Closes the poste only if it is open and has no open ticket; ticket inserts lock the
    /// poste row, so a ticket cannot slip in between the check and the close. False if
    /// refused.
    async fn close_poste(&self, id: Uuid, by: Uuid, now: DateTime<Utc>) -> StoreResult<bool>;
    async fn count_open_tickets(&self, poste_id: Uuid) -> StoreResult<i64>;

    /// Inserts the ticket only if its poste is still open; false otherwise.
    async fn insert_ticket(&self, id: Uuid, poste_id: Uuid, benevole_id: Uuid, ticket_at: DateTime<Utc>, now: DateTime<Utc>) -> StoreResult<bool>;
    async fn ticket(&self, id: Uuid) -> StoreResult<Option<Ticket>>;
    async fn list_tickets(&self, f: &TicketFilter) -> StoreResult<Vec<Ticket>>;
    async fn close_ticket(&self, id: Uuid, now: DateTime<Utc>) -> StoreResult<bool>;
    async fn lignes(&self, ticket_id: Uuid) -> StoreResult<Vec<Ligne>>;
    /// The line writes succeed only while the ticket is open; false otherwise.
    async fn insert_ligne(&self, l: &NewLigne) -> StoreResult<bool>;
    async fn update_ligne(&self, ticket_id: Uuid, ligne_id: Uuid, c: &LigneChanges, now: DateTime<Utc>) -> StoreResult<bool>;
    async fn delete_ligne(&self, ticket_id: Uuid, ligne_id: Uuid) -> StoreResult<bool>;
    async fn ligne_exists(&self, ticket_id: Uuid, ligne_id: Uuid) -> StoreResult<bool>;

    async fn insert_download_token(&self, hash: &str, ticket_id: Uuid, user_id: Uuid, now: DateTime<Utc>, expires_at: DateTime<Utc>) -> StoreResult<()>;
    async fn download_token(&self, hash: &str) -> StoreResult<Option<TokenRecord>>;
    /// Marks the token used if it is unused and unexpired; false if someone was first.
    async fn consume_download_token(&self, hash: &str, now: DateTime<Utc>) -> StoreResult<bool>;
    async fn delete_expired_tokens(&self, now: DateTime<Utc>) -> StoreResult<u64>;

    async fn day_stats(&self, from: DateTime<Utc>, to: DateTime<Utc>, exclude_deferred: bool) -> StoreResult<DayStats>;

    /// Lines matching `f`, ordered by ticket date, streamed from the database.
    fn stream_export_lines(&self, f: TicketFilter) -> BoxStream<'static, StoreResult<ExportLine>>;
    /// Tickets matching `f`, streamed; with a line filter, only tickets having matching
    /// lines, and their totals count those lines only.
    fn stream_export_tickets(&self, f: TicketFilter) -> BoxStream<'static, StoreResult<Ticket>>;
    async fn export_summary(&self, f: &TicketFilter) -> StoreResult<Vec<SummaryRow>>;
}

pub(super) const CATEGORY_COLUMNS: &str = "id, parent_id, name, display_order, visible_reception, archived_at";

pub(super) const POSTE_SELECT: &str = "SELECT p.id, p.opened_by, u.display_name AS opened_by_name, p.opened_at, p.closed_at, p.is_deferred
     FROM postes p JOIN users u ON u.id = p.opened_by";

/// Ticket columns with line totals; entries are lines that are not exits. `lines` is
/// the condition on `l` that the totals count (`TRUE` for all of a ticket's lines).
pub(super) fn ticket_select(lines: &str) -> String {
    format!(
        "SELECT t.id, t.poste_id, t.benevole_id, u.display_name AS benevole_name, t.status,
                t.ticket_at, t.created_at, t.closed_at, p.is_deferred,
                (SELECT COUNT(*) FROM lignes l WHERE l.ticket_id = t.id AND {lines}) AS lines_count,
                CAST(COALESCE((SELECT SUM(l.poids_g) FROM lignes l WHERE l.ticket_id = t.id AND l.is_exit = FALSE AND {lines}), 0) AS BIGINT) AS entry_g,
                CAST(COALESCE((SELECT SUM(l.poids_g) FROM lignes l WHERE l.ticket_id = t.id AND l.is_exit = TRUE AND {lines}), 0) AS BIGINT) AS exit_g
         FROM tickets t JOIN users u ON u.id = t.benevole_id JOIN postes p ON p.id = t.poste_id"
    )
}

/// The line conditions of [`LINE_FILTER_WHERE`] ($3 category with descendants, $4
/// destination), for totals that match a filtered export.
pub(super) const LINE_ONLY_FILTER: &str = "($3 IS NULL OR l.category_id IN (SELECT id FROM cat_filter)) AND ($4 IS NULL OR l.destination = $4)";

pub(super) const LIGNE_SELECT: &str = "SELECT l.id, l.ticket_id, l.category_id, c.name AS category_name, l.poids_g, l.destination,
            l.notes, l.is_exit, l.created_at, l.updated_at
     FROM lignes l JOIN categories c ON c.id = l.category_id";

/// The filter every export and list shares. Parameters: $1..$2 period, $3 category
/// (with descendants; `UNION` rather than `UNION ALL`, so a cycle cannot loop), $4 destination, $5 poste, $6 ticket, $7 bénévole, $8 status.
pub(super) const FILTER_CTE: &str = "WITH RECURSIVE cat_filter(id) AS (
        SELECT c.id FROM categories c WHERE c.id = $3
        UNION SELECT c.id FROM categories c JOIN cat_filter f ON c.parent_id = f.id)";

pub(super) const LINE_FILTER_WHERE: &str = "t.ticket_at >= $1 AND t.ticket_at < $2
        AND ($3 IS NULL OR l.category_id IN (SELECT id FROM cat_filter))
        AND ($4 IS NULL OR l.destination = $4)
        AND ($5 IS NULL OR t.poste_id = $5)
        AND ($6 IS NULL OR t.id = $6)
        AND ($7 IS NULL OR t.benevole_id = $7)
        AND ($8 IS NULL OR t.status = $8)";

pub(super) fn status_of(s: &str) -> StoreResult<Status> {
    Status::parse(s).map_err(|_| super::StoreError::Corrupt(format!("status {s:?}")))
}

pub(super) fn destination_of(s: &str) -> StoreResult<Destination> {
    Destination::parse(s).map_err(|_| super::StoreError::Corrupt(format!("destination {s:?}")))
}

/// The export of lines, ordered by ticket date. Parameters as in [`LINE_FILTER_WHERE`].
pub(super) fn export_lines_sql() -> String {
    format!(
        "{FILTER_CTE}
         SELECT t.id AS ticket_id, t.ticket_at, t.status, t.poste_id, p.is_deferred, u.display_name AS benevole_name,
                l.id AS ligne_id, l.created_at, c.name AS category_name, pc.name AS parent_name,
                l.poids_g, l.destination, l.notes, l.is_exit
         FROM lignes l
         JOIN tickets t ON t.id = l.ticket_id
         JOIN postes p ON p.id = t.poste_id
         JOIN users u ON u.id = t.benevole_id
         JOIN categories c ON c.id = l.category_id
         LEFT JOIN categories pc ON pc.id = c.parent_id
         WHERE {LINE_FILTER_WHERE}
         ORDER BY t.ticket_at, t.id, l.created_at, l.id"
    )
}

/// Implements [`ReceptionStore`] for a backend. Expects in scope: the types `Db` and `DbRow`,
/// the constant `ROW_LOCKS` (whether guarded writes must lock their parent row first),
/// and `bind_id`, `bind_id_opt`, `bind_ts`, `bind_ts_opt`, `get_id`, `get_id_opt`,
/// `get_ts`, `get_ts_opt` converting ids and instants to and from that backend's types,
/// and an inherent `export_lines_stream` on the store.
macro_rules! reception_store_impl {
    ($store:ty) => {
        use $crate::storage::reception::*;

        fn category_row(r: &DbRow) -> StoreResult<Category> {
            Ok(Category {
                id: get_id(r, "id")?,
                parent_id: get_id_opt(r, "parent_id")?,
                name: r.try_get("name")?,
                display_order: r.try_get("display_order")?,
                visible_reception: r.try_get("visible_reception")?,
                archived: get_ts_opt(r, "archived_at")?.is_some(),
            })
        }

        fn poste_row(r: &DbRow) -> StoreResult<Poste> {
            let closed_at = get_ts_opt(r, "closed_at")?;
            Ok(Poste {
                id: get_id(r, "id")?,
                opened_by: get_id(r, "opened_by")?,
                opened_by_name: r.try_get("opened_by_name")?,
                opened_at: get_ts(r, "opened_at")?,
                closed_at,
                is_deferred: r.try_get("is_deferred")?,
                status: if closed_at.is_some() { Status::Closed } else { Status::Opened },
            })
        }

        fn ticket_row(r: &DbRow) -> StoreResult<Ticket> {
            Ok(Ticket {
                id: get_id(r, "id")?,
                poste_id: get_id(r, "poste_id")?,
                benevole_id: get_id(r, "benevole_id")?,
                benevole_name: r.try_get("benevole_name")?,
                status: status_of(&r.try_get::<String, _>("status")?)?,
                ticket_at: get_ts(r, "ticket_at")?,
                created_at: get_ts(r, "created_at")?,
                closed_at: get_ts_opt(r, "closed_at")?,
                is_deferred: r.try_get("is_deferred")?,
                lines_count: r.try_get("lines_count")?,
                entry_weight_kg: Weight::from_grams(r.try_get("entry_g")?),
                exit_weight_kg: Weight::from_grams(r.try_get("exit_g")?),
            })
        }

        fn ligne_row(r: &DbRow) -> StoreResult<Ligne> {
            Ok(Ligne {
                id: get_id(r, "id")?,
                ticket_id: get_id(r, "ticket_id")?,
                category_id: get_id(r, "category_id")?,
                category_name: r.try_get("category_name")?,
                poids_kg: Weight::from_grams(r.try_get("poids_g")?),
                destination: destination_of(&r.try_get::<String, _>("destination")?)?,
                notes: r.try_get("notes")?,
                is_exit: r.try_get("is_exit")?,
                created_at: get_ts(r, "created_at")?,
                updated_at: get_ts(r, "updated_at")?,
            })
        }

        type Query<'q> = sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments<'q>>;

        /// Locks a parent row for the rest of the transaction where the database needs it
        /// (see `ROW_LOCKS`): the guarded statement that follows then sees every child
        /// row committed before it, and nobody changes the parent under it.
        async fn lock_row(tx: &mut sqlx::Transaction<'static, Db>, table: &str, id: Uuid, mode: &str) -> StoreResult<()> {
            if ROW_LOCKS {
                sqlx::query(&format!("SELECT id FROM {table} WHERE id = $1 {mode}")).bind(bind_id(id)).execute(&mut **tx).await?;
            }
            Ok(())
        }

        /// Runs a guarded write (one whose `WHERE` checks the parent's state) after locking
        /// the parent row; true if it changed exactly one row.
        async fn guarded_write(pool: &sqlx::Pool<Db>, table: &str, id: Uuid, mode: &str, write: Query<'_>) -> StoreResult<bool> {
            let mut tx = pool.begin().await?;
            lock_row(&mut tx, table, id, mode).await?;
            let done = write.execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(done.rows_affected() == 1)
        }

        /// Binds $1..$8 of [`LINE_FILTER_WHERE`].
        fn bind_filter<'q>(q: Query<'q>, f: &TicketFilter) -> Query<'q> {
            q.bind(bind_ts(f.from))
                .bind(bind_ts(f.to))
                .bind(bind_id_opt(f.category_id))
                .bind(f.destination.map(|d| d.as_str()))
                .bind(bind_id_opt(f.poste_id))
                .bind(bind_id_opt(f.ticket_id))
                .bind(bind_id_opt(f.benevole_id))
                .bind(f.status.map(|s| s.as_str()))
        }

        /// Tickets having at least one matching line when a line filter is set; their
        /// totals count the matching lines only, like the other sheets of an export.
        fn tickets_sql() -> String {
            format!(
                "{FILTER_CTE}
                 {select}
                 WHERE t.ticket_at >= $1 AND t.ticket_at < $2
                   AND ($5 IS NULL OR t.poste_id = $5)
                   AND ($6 IS NULL OR t.id = $6)
                   AND ($7 IS NULL OR t.benevole_id = $7)
                   AND ($8 IS NULL OR t.status = $8)
                   AND (($3 IS NULL AND $4 IS NULL) OR EXISTS (
                        SELECT 1 FROM lignes l WHERE l.ticket_id = t.id AND {LINE_ONLY_FILTER}))
                 ORDER BY t.ticket_at DESC, t.id
                 LIMIT $9",
                select = ticket_select(LINE_ONLY_FILTER)
            )
        }

        #[async_trait::async_trait]
        impl ReceptionStore for $store {
            async fn list_categories(&self) -> StoreResult<Vec<Category>> {
                let sql = format!("SELECT {CATEGORY_COLUMNS} FROM categories ORDER BY display_order, name");
                let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
                rows.iter().map(category_row).collect()
            }

            async fn category(&self, id: Uuid) -> StoreResult<Option<Category>> {
                let sql = format!("SELECT {CATEGORY_COLUMNS} FROM categories WHERE id = $1");
                let row = sqlx::query(&sql).bind(bind_id(id)).fetch_optional(&self.pool).await?;
                row.as_ref().map(category_row).transpose()
            }

            async fn insert_category(&self, c: &Category, now: DateTime<Utc>) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO categories (id, parent_id, name, display_order, visible_reception, archived_at, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, NULL, $6, $6)",
                )
                .bind(bind_id(c.id))
                .bind(bind_id_opt(c.parent_id))
                .bind(&c.name)
                .bind(c.display_order)
                .bind(c.visible_reception)
                .bind(bind_ts(now))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn update_category(&self, id: Uuid, c: &CategoryChanges, now: DateTime<Utc>) -> StoreResult<()> {
                let done = sqlx::query(
                    "UPDATE categories SET
                        name = COALESCE($1, name),
                        parent_id = CASE WHEN $2 THEN $3 ELSE parent_id END,
                        display_order = COALESCE($4, display_order),
                        visible_reception = COALESCE($5, visible_reception),
                        archived_at = CASE WHEN $6 IS NULL THEN archived_at WHEN $6 THEN COALESCE(archived_at, $7) ELSE NULL END,
                        updated_at = $7
                     WHERE id = $8",
                )
                .bind(c.name.as_deref())
                .bind(c.parent_id.is_some())
                .bind(bind_id_opt(c.parent_id.flatten()))
                .bind(c.display_order)
                .bind(c.visible_reception)
                .bind(c.archived)
                .bind(bind_ts(now))
                .bind(bind_id(id))
                .execute(&self.pool)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                Ok(())
            }

            async fn insert_poste(&self, p: &NewPoste) -> StoreResult<()> {
                sqlx::query("INSERT INTO postes (id, opened_by, opened_at, closed_at, closed_by, is_deferred, created_at) VALUES ($1, $2, $3, NULL, NULL, $4, $5)")
                    .bind(bind_id(p.id))
                    .bind(bind_id(p.opened_by))
                    .bind(bind_ts(p.opened_at))
                    .bind(p.is_deferred)
                    .bind(bind_ts(p.now))
                    .execute(&self.pool)
                    .await
                    .map_err(unique_as_conflict("poste"))?;
                Ok(())
            }

            async fn poste(&self, id: Uuid) -> StoreResult<Option<Poste>> {
                let sql = format!("{POSTE_SELECT} WHERE p.id = $1");
                let row = sqlx::query(&sql).bind(bind_id(id)).fetch_optional(&self.pool).await?;
                row.as_ref().map(poste_row).transpose()
            }

            async fn current_poste(&self, user_id: Uuid) -> StoreResult<Option<Poste>> {
                let sql = format!("{POSTE_SELECT} WHERE p.opened_by = $1 AND p.closed_at IS NULL");
                let row = sqlx::query(&sql).bind(bind_id(user_id)).fetch_optional(&self.pool).await?;
                row.as_ref().map(poste_row).transpose()
            }

            async fn close_poste(&self, id: Uuid, by: Uuid, now: DateTime<Utc>) -> StoreResult<bool> {
                let write = sqlx::query(
                    "UPDATE postes SET closed_at = $1, closed_by = $2
                     WHERE id = $3 AND closed_at IS NULL
                       AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.poste_id = $3 AND t.status = 'opened')",
                )
                .bind(bind_ts(now))
                .bind(bind_id(by))
                .bind(bind_id(id));
                guarded_write(&self.pool, "postes", id, "FOR UPDATE", write).await
            }

            async fn count_open_tickets(&self, poste_id: Uuid) -> StoreResult<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM tickets WHERE poste_id = $1 AND status = 'opened'")
                    .bind(bind_id(poste_id))
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn insert_ticket(&self, id: Uuid, poste_id: Uuid, benevole_id: Uuid, ticket_at: DateTime<Utc>, now: DateTime<Utc>) -> StoreResult<bool> {
                let write = sqlx::query(
                    "INSERT INTO tickets (id, poste_id, benevole_id, status, ticket_at, created_at, closed_at)
                     SELECT $1, p.id, $3, 'opened', $4, $5, NULL FROM postes p WHERE p.id = $2 AND p.closed_at IS NULL",
                )
                .bind(bind_id(id))
                .bind(bind_id(poste_id))
                .bind(bind_id(benevole_id))
                .bind(bind_ts(ticket_at))
                .bind(bind_ts(now));
                guarded_write(&self.pool, "postes", poste_id, "FOR SHARE", write).await
            }

            async fn ticket(&self, id: Uuid) -> StoreResult<Option<Ticket>> {
                let sql = format!("{} WHERE t.id = $1", ticket_select("TRUE"));
                let row = sqlx::query(&sql).bind(bind_id(id)).fetch_optional(&self.pool).await?;
                row.as_ref().map(ticket_row).transpose()
            }

            async fn list_tickets(&self, f: &TicketFilter) -> StoreResult<Vec<Ticket>> {
                let sql = tickets_sql();
                let rows = bind_filter(sqlx::query(&sql), &f).bind(f.limit).fetch_all(&self.pool).await?;
                rows.iter().map(ticket_row).collect()
            }

            async fn close_ticket(&self, id: Uuid, now: DateTime<Utc>) -> StoreResult<bool> {
                let done = sqlx::query("UPDATE tickets SET status = 'closed', closed_at = $1 WHERE id = $2 AND status = 'opened'")
                    .bind(bind_ts(now))
                    .bind(bind_id(id))
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn lignes(&self, ticket_id: Uuid) -> StoreResult<Vec<Ligne>> {
                let sql = format!("{LIGNE_SELECT} WHERE l.ticket_id = $1 ORDER BY l.created_at, l.id");
                let rows = sqlx::query(&sql).bind(bind_id(ticket_id)).fetch_all(&self.pool).await?;
                rows.iter().map(ligne_row).collect()
            }

            async fn insert_ligne(&self, l: &NewLigne) -> StoreResult<bool> {
                let write = sqlx::query(
                    "INSERT INTO lignes (id, ticket_id, category_id, poids_g, destination, notes, is_exit, created_at, updated_at)
                     SELECT $1, t.id, $3, $4, $5, $6, $7, $8, $8 FROM tickets t WHERE t.id = $2 AND t.status = 'opened'",
                )
                .bind(bind_id(l.id))
                .bind(bind_id(l.ticket_id))
                .bind(bind_id(l.category_id))
                .bind(l.poids.grams())
                .bind(l.destination.as_str())
                .bind(l.notes.as_deref())
                .bind(l.is_exit)
                .bind(bind_ts(l.now));
                guarded_write(&self.pool, "tickets", l.ticket_id, "FOR SHARE", write).await
            }

            async fn update_ligne(&self, ticket_id: Uuid, ligne_id: Uuid, c: &LigneChanges, now: DateTime<Utc>) -> StoreResult<bool> {
                let write = sqlx::query(
                    "UPDATE lignes SET
                        category_id = COALESCE($1, category_id),
                        poids_g = COALESCE($2, poids_g),
                        destination = COALESCE($3, destination),
                        notes = CASE WHEN $4 THEN $5 ELSE notes END,
                        is_exit = COALESCE($6, is_exit),
                        updated_at = $7
                     WHERE id = $8 AND ticket_id = $9
                       AND EXISTS (SELECT 1 FROM tickets t WHERE t.id = $9 AND t.status = 'opened')",
                )
                .bind(bind_id_opt(c.category_id))
                .bind(c.poids.map(|w| w.grams()))
                .bind(c.destination.map(|d| d.as_str()))
                .bind(c.notes.is_some())
                .bind(c.notes.clone().flatten())
                .bind(c.is_exit)
                .bind(bind_ts(now))
                .bind(bind_id(ligne_id))
                .bind(bind_id(ticket_id));
                guarded_write(&self.pool, "tickets", ticket_id, "FOR SHARE", write).await
            }

            async fn delete_ligne(&self, ticket_id: Uuid, ligne_id: Uuid) -> StoreResult<bool> {
                let write = sqlx::query(
                    "DELETE FROM lignes WHERE id = $1 AND ticket_id = $2
                       AND EXISTS (SELECT 1 FROM tickets t WHERE t.id = $2 AND t.status = 'opened')",
                )
                .bind(bind_id(ligne_id))
                .bind(bind_id(ticket_id));
                guarded_write(&self.pool, "tickets", ticket_id, "FOR SHARE", write).await
            }

            async fn ligne_exists(&self, ticket_id: Uuid, ligne_id: Uuid) -> StoreResult<bool> {
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM lignes WHERE id = $1 AND ticket_id = $2")
                    .bind(bind_id(ligne_id))
                    .bind(bind_id(ticket_id))
                    .fetch_one(&self.pool)
                    .await?;
                Ok(n > 0)
            }

            async fn insert_download_token(&self, hash: &str, ticket_id: Uuid, user_id: Uuid, now: DateTime<Utc>, expires_at: DateTime<Utc>) -> StoreResult<()> {
                sqlx::query("INSERT INTO download_tokens (token_hash, ticket_id, user_id, created_at, expires_at, used_at) VALUES ($1, $2, $3, $4, $5, NULL)")
                    .bind(hash)
                    .bind(bind_id(ticket_id))
                    .bind(bind_id(user_id))
                    .bind(bind_ts(now))
                    .bind(bind_ts(expires_at))
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn download_token(&self, hash: &str) -> StoreResult<Option<TokenRecord>> {
                let row = sqlx::query("SELECT ticket_id, user_id, expires_at, used_at FROM download_tokens WHERE token_hash = $1")
                    .bind(hash)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| {
                    Ok(TokenRecord {
                        ticket_id: get_id(&r, "ticket_id")?,
                        user_id: get_id(&r, "user_id")?,
                        expires_at: get_ts(&r, "expires_at")?,
                        used_at: get_ts_opt(&r, "used_at")?,
                    })
                })
                .transpose()
            }

            async fn consume_download_token(&self, hash: &str, now: DateTime<Utc>) -> StoreResult<bool> {
                let done = sqlx::query("UPDATE download_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1")
                    .bind(bind_ts(now))
                    .bind(hash)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn delete_expired_tokens(&self, now: DateTime<Utc>) -> StoreResult<u64> {
                // Kept a day after expiry so that a late click still gets "expired", not "unknown".
                let done = sqlx::query("DELETE FROM download_tokens WHERE expires_at < $1")
                    .bind(bind_ts(now - chrono::Duration::days(1)))
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn day_stats(&self, from: DateTime<Utc>, to: DateTime<Utc>, exclude_deferred: bool) -> StoreResult<DayStats> {
                let tickets_open: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM tickets t JOIN postes p ON p.id = t.poste_id
                     WHERE t.status = 'opened' AND ($1 = FALSE OR p.is_deferred = FALSE)",
                )
                .bind(exclude_deferred)
                .fetch_one(&self.pool)
                .await?;
                // Both queries cover the day's tickets: $1..$2 the day, $3 exclude_deferred.
                let day = |sql: &'static str| sqlx::query(sql).bind(bind_ts(from)).bind(bind_ts(to)).bind(exclude_deferred);
                let poste_rows = day(
                    "SELECT t.poste_id, u.display_name, p.is_deferred, COUNT(*) AS tickets
                     FROM tickets t JOIN postes p ON p.id = t.poste_id JOIN users u ON u.id = p.opened_by
                     WHERE t.ticket_at >= $1 AND t.ticket_at < $2 AND ($3 = FALSE OR p.is_deferred = FALSE)
                     GROUP BY t.poste_id, u.display_name, p.is_deferred
                     ORDER BY u.display_name",
                )
                .fetch_all(&self.pool)
                .await?;
                let postes = poste_rows
                    .iter()
                    .map(|r| {
                        Ok(PosteDay {
                            poste_id: get_id(r, "poste_id")?,
                            opened_by_name: r.try_get("display_name")?,
                            is_deferred: r.try_get("is_deferred")?,
                            tickets: r.try_get("tickets")?,
                        })
                    })
                    .collect::<StoreResult<Vec<_>>>()?;
                let cell_rows = day(
                    "SELECT t.poste_id, l.destination, l.category_id, l.is_exit, COUNT(*) AS lines, CAST(SUM(l.poids_g) AS BIGINT) AS grams
                     FROM tickets t JOIN postes p ON p.id = t.poste_id JOIN lignes l ON l.ticket_id = t.id
                     WHERE t.ticket_at >= $1 AND t.ticket_at < $2 AND ($3 = FALSE OR p.is_deferred = FALSE)
                     GROUP BY t.poste_id, l.destination, l.category_id, l.is_exit",
                )
                .fetch_all(&self.pool)
                .await?;
                let cells = cell_rows
                    .iter()
                    .map(|r| {
                        Ok(StatCell {
                            poste_id: get_id(r, "poste_id")?,
                            destination: destination_of(&r.try_get::<String, _>("destination")?)?,
                            category_id: get_id(r, "category_id")?,
                            is_exit: r.try_get("is_exit")?,
                            lines: r.try_get("lines")?,
                            grams: r.try_get("grams")?,
                        })
                    })
                    .collect::<StoreResult<Vec<_>>>()?;
                Ok(DayStats { tickets_today: postes.iter().map(|p| p.tickets).sum(), tickets_open, postes, cells })
            }

            fn stream_export_lines(&self, f: TicketFilter) -> BoxStream<'static, StoreResult<ExportLine>> {
                // The biggest stream of the application: each backend reads it its fastest way.
                self.export_lines_stream(f)
            }

            fn stream_export_tickets(&self, f: TicketFilter) -> BoxStream<'static, StoreResult<Ticket>> {
                let pool = self.pool.clone();
                Box::pin(async_stream::try_stream! {
                    let sql = tickets_sql();
                    let mut rows = bind_filter(sqlx::query(&sql), &f).bind(f.limit).fetch(&pool);
                    while let Some(row) = futures::TryStreamExt::try_next(&mut rows).await? {
                        yield ticket_row(&row)?;
                    }
                })
            }

            async fn export_summary(&self, f: &TicketFilter) -> StoreResult<Vec<SummaryRow>> {
                let sql = format!(
                    "{FILTER_CTE}
                     SELECT c.id, c.name AS category_name, pc.name AS parent_name, l.destination, l.is_exit,
                            COUNT(*) AS lines, CAST(SUM(l.poids_g) AS BIGINT) AS grams
                     FROM lignes l
                     JOIN tickets t ON t.id = l.ticket_id
                     JOIN categories c ON c.id = l.category_id
                     LEFT JOIN categories pc ON pc.id = c.parent_id
                     WHERE {LINE_FILTER_WHERE}
                     GROUP BY c.id, c.name, pc.name, l.destination, l.is_exit
                     -- Each top-level category, then its children; NULLs sort differently
                     -- in SQLite and PostgreSQL, so the order never relies on them.
                     ORDER BY COALESCE(pc.name, c.name), CASE WHEN pc.name IS NULL THEN 0 ELSE 1 END, c.name, l.destination, l.is_exit"
                );
                let rows = bind_filter(sqlx::query(&sql), &f).fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|r| {
                        Ok(SummaryRow {
                            category_name: r.try_get("category_name")?,
                            parent_category_name: r.try_get("parent_name")?,
                            destination: destination_of(&r.try_get::<String, _>("destination")?)?,
                            is_exit: r.try_get("is_exit")?,
                            lines: r.try_get("lines")?,
                            grams: r.try_get("grams")?,
                        })
                    })
                    .collect()
            }
        }
    };
}
pub(crate) use reception_store_impl;
