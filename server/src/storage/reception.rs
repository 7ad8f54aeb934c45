//! Reception storage: postes, tickets, lines, categories, download tokens, the day's
//! aggregates and the dashboard's, and the export reads, which run in one snapshot.
//!
//! The SQL is written once, in the subset both databases share (`$n` parameters,
//! `ON CONFLICT`, `RETURNING`, recursive CTEs, `CAST(SUM(..) AS BIGINT)`); each row type
//! is mapped once, next to the `SELECT` whose columns it reads by position.
use app::filter::Resolved;
use app::ids::{CategoryId, LigneId, PosteId, TicketId, UserId};
use app::reception::{Category, Destination, Ligne, Poste, ReceptionFilter, Status, Ticket, TicketNumber};
use app::time::{DateRange, UtcRange};
use app::weight::Weight;
use chrono::{DateTime, Datelike, Utc};
use tokio::sync::mpsc;

use super::sql::{insert_rows, p, unique_as_conflict, Database, FromRow, IdText, Params, RowLock, RowReader, Snapshot, SqlStore};
use super::{StoreError, StoreResult};

#[derive(Clone, Debug)]
pub struct NewPoste {
    pub id: PosteId,
    pub opened_by: UserId,
    pub opened_at: DateTime<Utc>,
    pub is_deferred: bool,
    pub now: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct NewTicket {
    pub id: TicketId,
    pub poste_id: PosteId,
    pub benevole_id: UserId,
    pub ticket_at: DateTime<Utc>,
    /// The Paris year of `ticket_at`, whose sequence numbers the ticket.
    pub year: i32,
    pub now: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct NewLigne {
    pub id: LigneId,
    pub ticket_id: TicketId,
    pub category_id: CategoryId,
    pub poids: Weight,
    pub destination: Destination,
    pub notes: Option<String>,
    pub is_exit: bool,
    pub now: DateTime<Utc>,
}

/// A poste of the past, written as it was: opened, and closed by the same user when
/// `closed_at` is set.
#[derive(Clone, Debug)]
pub struct PastPoste {
    pub id: PosteId,
    pub opened_by: UserId,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub is_deferred: bool,
}

/// A ticket of the past, created at its `ticket_at`; closed when `closed_at` is set.
#[derive(Clone, Debug)]
pub struct PastTicket {
    pub id: TicketId,
    pub poste_id: PosteId,
    pub benevole_id: UserId,
    pub ticket_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// Reception activity written in bulk (generated data for demos and benchmarks): the
/// tickets' postes and the lines' tickets are in the same history or already stored.
#[derive(Clone, Debug, Default)]
pub struct ReceptionHistory {
    pub postes: Vec<PastPoste>,
    pub tickets: Vec<PastTicket>,
    /// Each line is created and last updated at its `now`.
    pub lignes: Vec<NewLigne>,
}

#[derive(Clone, Debug, Default)]
pub struct LigneChanges {
    pub category_id: Option<CategoryId>,
    pub poids: Option<Weight>,
    pub destination: Option<Destination>,
    /// `Some(None)` clears the notes.
    pub notes: Option<Option<String>>,
    pub is_exit: Option<bool>,
}

#[derive(Clone, Debug, Default)]
pub struct CategoryChanges {
    /// The new name with its comparison key (`reception::categories::name_key`).
    pub name: Option<(String, String)>,
    pub parent_id: Option<Option<CategoryId>>,
    pub display_order: Option<i32>,
    pub visible_reception: Option<bool>,
    /// `Some(true)` archives now, `Some(false)` restores.
    pub archived: Option<bool>,
}

/// A category written before name keys existed (see `set_category_key`).
#[derive(Clone, Debug)]
pub struct UnkeyedCategory {
    pub id: CategoryId,
    pub name: String,
}

impl FromRow for UnkeyedCategory {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        Ok(UnkeyedCategory { id: r.id(0)?, name: r.text(1)? })
    }
}

#[derive(Clone, Debug)]
pub struct TokenRecord {
    pub ticket_id: TicketId,
    pub user_id: UserId,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

/// One aggregate cell of the day: lines of one poste, destination, category and flow.
#[derive(Clone, Debug)]
pub struct StatCell {
    pub poste_id: PosteId,
    pub destination: Destination,
    pub category_id: CategoryId,
    pub is_exit: bool,
    pub lines: i64,
    pub grams: i64,
}

#[derive(Clone, Debug)]
pub struct PosteDay {
    pub poste_id: PosteId,
    pub opened_by_name: String,
    pub is_deferred: bool,
    pub tickets: i64,
}

/// One user's own tickets of the day: what the KPI banner shows a bénévole beside the
/// site's figures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OwnDay {
    pub tickets: i64,
    pub lines: i64,
    pub entry_grams: i64,
    pub exit_grams: i64,
}

impl FromRow for OwnDay {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        Ok(OwnDay { tickets: r.int(0)?, lines: r.int(1)?, entry_grams: r.int(2)?, exit_grams: r.int(3)? })
    }
}

#[derive(Clone, Debug, Default)]
pub struct DayStats {
    pub tickets_today: i64,
    pub tickets_open: i64,
    pub postes: Vec<PosteDay>,
    pub cells: Vec<StatCell>,
}

/// A line as exported, with what a spreadsheet user needs beside it. Ids are kept as
/// text: exports only print them.
#[derive(Clone, Debug)]
pub struct ExportLine {
    pub ticket_id: IdText,
    pub ticket_number: TicketNumber,
    pub ticket_at: DateTime<Utc>,
    pub ticket_status: Status,
    pub poste_id: IdText,
    pub is_deferred: bool,
    pub benevole_name: String,
    pub ligne_id: IdText,
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
    pub category_id: CategoryId,
    pub category_name: String,
    pub parent_category_name: Option<String>,
    pub destination: Destination,
    pub is_exit: bool,
    pub lines: i64,
    pub grams: i64,
}

/// Tickets and line totals of one bénévole within one bucket of instants (its index in
/// the list given), for the dashboard.
#[derive(Clone, Debug)]
pub struct BucketTotal {
    pub bucket: usize,
    pub benevole_id: UserId,
    pub benevole_name: String,
    pub tickets: i64,
    pub entry_grams: i64,
    pub exit_grams: i64,
}

/// Lines of one destination, category and flow within one bucket of instants.
#[derive(Clone, Debug)]
pub struct BucketCell {
    pub bucket: usize,
    pub destination: Destination,
    pub category_id: CategoryId,
    pub is_exit: bool,
    pub lines: i64,
    pub grams: i64,
}

#[async_trait::async_trait]
pub trait ReceptionStore: Send + Sync {
    async fn list_categories(&self) -> StoreResult<Vec<Category>>;
    async fn category(&self, id: CategoryId) -> StoreResult<Option<Category>>;
    /// `name_key` is the name as compared between siblings; `Conflict("category")` when
    /// an active sibling has it.
    async fn insert_category(&self, c: &Category, name_key: &str, now: DateTime<Utc>) -> StoreResult<()>;
    /// `Conflict("category")` when the category, active as changed, would share its
    /// name key with an active sibling.
    async fn update_category(&self, id: CategoryId, c: &CategoryChanges, now: DateTime<Utc>) -> StoreResult<()>;
    /// The categories written before name keys existed.
    async fn categories_without_key(&self) -> StoreResult<Vec<UnkeyedCategory>>;
    /// Sets a category's name key; `Conflict("category")` when an active sibling has it.
    async fn set_category_key(&self, id: CategoryId, name_key: &str) -> StoreResult<()>;

    /// `Conflict("poste")` when the user already has an open poste.
    async fn insert_poste(&self, p: &NewPoste) -> StoreResult<()>;
    async fn poste(&self, id: PosteId) -> StoreResult<Option<Poste>>;
    async fn current_poste(&self, user_id: UserId) -> StoreResult<Option<Poste>>;
    /// Postes opened within `range` (by `opened_by` if given), latest first.
    async fn list_postes(&self, opened_by: Option<UserId>, range: UtcRange, limit: i64, offset: i64) -> StoreResult<Vec<Poste>>;
    /// How many postes [`ReceptionStore::list_postes`] would give without a limit.
    async fn count_postes(&self, opened_by: Option<UserId>, range: UtcRange) -> StoreResult<i64>;
    /// Closes the poste only if it is open and has no open ticket; ticket inserts lock the
    /// poste row, so a ticket cannot slip in between the check and the close. False if
    /// refused.
    async fn close_poste(&self, id: PosteId, by: UserId, now: DateTime<Utc>) -> StoreResult<bool>;
    async fn count_open_tickets(&self, poste_id: PosteId) -> StoreResult<i64>;
    /// The active categories with the most lines on tickets dated since `since`, most
    /// used first.
    async fn frequent_categories(&self, since: DateTime<Utc>, limit: i64) -> StoreResult<Vec<CategoryId>>;
    /// A poste's tickets, and its lines summed by destination, category and flow.
    async fn poste_cells(&self, poste_id: PosteId) -> StoreResult<(i64, Vec<StatCell>)>;

    /// Inserts the ticket only if its poste is still open; false otherwise. Its number
    /// is the next of its year, taken in the same transaction: no gap, no duplicate.
    async fn insert_ticket(&self, t: &NewTicket) -> StoreResult<bool>;
    async fn ticket(&self, id: TicketId) -> StoreResult<Option<Ticket>>;
    /// Tickets matching the filter, latest first, `limit` of them after `offset`; with a
    /// line condition, only tickets having matching lines, and their totals count those
    /// lines only.
    async fn list_tickets(&self, f: &Resolved<ReceptionFilter>, limit: i64, offset: i64) -> StoreResult<Vec<Ticket>>;
    /// How many tickets [`ReceptionStore::list_tickets`] would give without a limit.
    async fn count_tickets(&self, f: &Resolved<ReceptionFilter>) -> StoreResult<i64>;
    async fn close_ticket(&self, id: TicketId, now: DateTime<Utc>) -> StoreResult<bool>;
    async fn lignes(&self, ticket_id: TicketId) -> StoreResult<Vec<Ligne>>;
    async fn ligne(&self, ticket_id: TicketId, ligne_id: LigneId) -> StoreResult<Option<Ligne>>;
    /// The line writes succeed only while the ticket is open; false otherwise. An
    /// insert whose id is taken is a [`StoreError::Conflict`].
    async fn insert_ligne(&self, l: &NewLigne) -> StoreResult<bool>;
    async fn update_ligne(&self, ticket_id: TicketId, ligne_id: LigneId, c: &LigneChanges, now: DateTime<Utc>) -> StoreResult<bool>;
    async fn delete_ligne(&self, ticket_id: TicketId, ligne_id: LigneId) -> StoreResult<bool>;

    async fn insert_download_token(&self, hash: &str, ticket_id: TicketId, user_id: UserId, now: DateTime<Utc>, expires_at: DateTime<Utc>) -> StoreResult<()>;
    async fn download_token(&self, hash: &str) -> StoreResult<Option<TokenRecord>>;
    /// Marks the token used if it is unused and unexpired; false if someone was first.
    async fn consume_download_token(&self, hash: &str, now: DateTime<Utc>) -> StoreResult<bool>;
    async fn delete_expired_tokens(&self, now: DateTime<Utc>) -> StoreResult<u64>;
    /// Keeps the `max` newest tokens of `user_id`, `newest` always among them.
    async fn cap_download_tokens(&self, user_id: UserId, newest: &str, max: u32) -> StoreResult<u64>;
    async fn count_download_tokens(&self, user_id: UserId) -> StoreResult<i64>;

    async fn day_stats(&self, day: UtcRange, exclude_deferred: bool) -> StoreResult<DayStats>;
    /// The day's tickets of one bénévole (`benevole_id`), with the same deferred rule.
    async fn own_day_stats(&self, day: UtcRange, exclude_deferred: bool, benevole: UserId) -> StoreResult<OwnDay>;

    /// Per bucket of ticket dates and per bénévole: the tickets `f` selects (as
    /// [`ReceptionStore::list_tickets`]) and the weights of their matching lines. `f`'s
    /// period must cover the buckets; it bounds the index scan. One query for any
    /// number of buckets, which may overlap (a day and its month).
    async fn bucket_totals(&self, f: &Resolved<ReceptionFilter>, buckets: &[UtcRange]) -> StoreResult<Vec<BucketTotal>>;
    /// Per bucket of ticket dates, destination, category and flow: the lines `f` selects.
    async fn bucket_cells(&self, f: &Resolved<ReceptionFilter>, buckets: &[UtcRange]) -> StoreResult<Vec<BucketCell>>;

    /// [`ReceptionStore::bucket_totals`] of a filter holding at most a bénévole, read from
    /// the per-day figures: `buckets` must be made of whole Paris days.
    async fn day_bucket_totals(&self, benevole: Option<UserId>, buckets: &[UtcRange]) -> StoreResult<Vec<BucketTotal>>;
    /// [`ReceptionStore::bucket_cells`] likewise.
    async fn day_bucket_cells(&self, benevole: Option<UserId>, buckets: &[UtcRange]) -> StoreResult<Vec<BucketCell>>;
    /// The first and last `ticket_at` of the tickets not yet counted in the per-day
    /// figures (tickets from before migration 0012).
    async fn undated_tickets(&self) -> StoreResult<Option<(DateTime<Utc>, DateTime<Utc>)>>;
    /// Counts the uncounted tickets of these Paris days (each range one whole day) and
    /// their lines in the per-day figures, and gives them their day, in one
    /// transaction. Returns the number of rows changed.
    async fn date_tickets(&self, days: &[UtcRange]) -> StoreResult<u64>;

    /// Writes `h` in one transaction, postes then tickets then lines, as multi-row
    /// inserts: a million lines in seconds on SQLite. The rows are written as given,
    /// without the guards of the desk's writes (a ticket on a closed poste...); the
    /// database's own constraints still hold (one open poste per user). Returns the
    /// number of rows written.
    async fn insert_history(&self, h: ReceptionHistory) -> StoreResult<u64>;

    /// A read snapshot for an export: all its reads see one state of the database.
    async fn reception_snapshot(&self) -> StoreResult<Box<dyn ReceptionSnapshot>>;
}

/// The export reads of reception, within one snapshot.
#[async_trait::async_trait]
pub trait ReceptionSnapshot: Send {
    /// The whole category tree (a small table), archived ones included, so that the
    /// summary's subtotals follow the tree the lines were counted with.
    async fn categories(&mut self) -> StoreResult<Vec<Category>>;
    async fn summary(&mut self, f: &Resolved<ReceptionFilter>) -> StoreResult<Vec<SummaryRow>>;
    /// Tickets as in [`ReceptionStore::list_tickets`] but in the order of their lines
    /// (ticket date, then number), sent in batches; returns the count.
    async fn tickets(&mut self, f: &Resolved<ReceptionFilter>, out: &mpsc::Sender<StoreResult<Vec<Ticket>>>) -> StoreResult<u64>;
    /// Lines matching the filter, by ticket date, number, then entry order, sent in
    /// batches; returns the count.
    async fn lines(&mut self, f: &Resolved<ReceptionFilter>, out: &mpsc::Sender<StoreResult<Vec<ExportLine>>>) -> StoreResult<u64>;
}

fn status_of(s: &str) -> StoreResult<Status> {
    Status::parse(s).map_err(|_| StoreError::Corrupt(format!("status {s:?}")))
}

fn destination_of(s: &str) -> StoreResult<Destination> {
    Destination::parse(s).map_err(|_| StoreError::Corrupt(format!("destination {s:?}")))
}

/// A ticket's number from its year and sequence columns, `i` and `i + 1`.
fn number_of(r: &impl RowReader, i: usize) -> StoreResult<TicketNumber> {
    let year = i32::try_from(r.int(i)?).map_err(|_| StoreError::Corrupt("ticket number year".into()))?;
    Ok(TicketNumber { year, seq: r.int(i + 1)? })
}

const CATEGORY_SELECT: &str = "SELECT id, parent_id, name, display_order, visible_reception, archived_at FROM categories";

impl FromRow for Category {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        Ok(Category {
            id: r.id(0)?,
            parent_id: r.opt_id(1)?,
            name: r.text(2)?,
            display_order: r.int32(3)?,
            visible_reception: r.bool(4)?,
            archived: r.opt_ts(5)?.is_some(),
        })
    }
}

/// The postes of [`ReceptionStore::list_postes`]: $1 who opened them (or any), $2..$3
/// when.
const POSTE_WHERE: &str = "($1 IS NULL OR p.opened_by = $1) AND p.opened_at >= $2 AND p.opened_at < $3";

const POSTE_SELECT: &str = "SELECT p.id, p.opened_by, u.display_name, p.opened_at, p.closed_at, p.is_deferred
     FROM postes p JOIN users u ON u.id = p.opened_by";

impl FromRow for Poste {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        let closed_at = r.opt_ts(4)?;
        Ok(Poste {
            id: r.id(0)?,
            opened_by: r.id(1)?,
            opened_by_name: r.text(2)?,
            opened_at: r.ts(3)?,
            closed_at,
            is_deferred: r.bool(5)?,
            status: if closed_at.is_some() { Status::Closed } else { Status::Opened },
        })
    }
}

/// Ticket columns with line totals; entries are lines that are not exits. `lines` is
/// the condition on `l` that the totals count (`TRUE` for all of a ticket's lines).
fn ticket_select(lines: &str) -> String {
    format!(
        "SELECT t.id, t.poste_id, t.benevole_id, u.display_name, t.status,
                t.ticket_at, t.created_at, t.closed_at, p.is_deferred,
                (SELECT COUNT(*) FROM lignes l WHERE l.ticket_id = t.id AND {lines}),
                CAST(COALESCE((SELECT SUM(l.poids_g) FROM lignes l WHERE l.ticket_id = t.id AND l.is_exit = FALSE AND {lines}), 0) AS BIGINT),
                CAST(COALESCE((SELECT SUM(l.poids_g) FROM lignes l WHERE l.ticket_id = t.id AND l.is_exit = TRUE AND {lines}), 0) AS BIGINT),
                t.number_year, t.number_seq
         FROM tickets t JOIN users u ON u.id = t.benevole_id JOIN postes p ON p.id = t.poste_id"
    )
}

impl FromRow for Ticket {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        Ok(Ticket {
            id: r.id(0)?,
            poste_id: r.id(1)?,
            benevole_id: r.id(2)?,
            benevole_name: r.text(3)?,
            status: r.parse_text(4, status_of)?,
            ticket_at: r.ts(5)?,
            created_at: r.ts(6)?,
            closed_at: r.opt_ts(7)?,
            is_deferred: r.bool(8)?,
            lines_count: r.int(9)?,
            entry_weight_kg: Weight::from_grams(r.int(10)?),
            exit_weight_kg: Weight::from_grams(r.int(11)?),
            number: number_of(r, 12)?,
        })
    }
}

const LIGNE_SELECT: &str = "SELECT l.id, l.ticket_id, l.category_id, c.name, l.poids_g, l.destination,
            l.notes, l.is_exit, l.created_at, l.updated_at
     FROM lignes l JOIN categories c ON c.id = l.category_id";

impl FromRow for Ligne {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        Ok(Ligne {
            id: r.id(0)?,
            ticket_id: r.id(1)?,
            category_id: r.id(2)?,
            category_name: r.text(3)?,
            poids_kg: Weight::from_grams(r.int(4)?),
            destination: r.parse_text(5, destination_of)?,
            notes: r.opt_text(6)?,
            is_exit: r.bool(7)?,
            created_at: r.ts(8)?,
            updated_at: r.ts(9)?,
        })
    }
}

impl FromRow for TokenRecord {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        Ok(TokenRecord { ticket_id: r.id(0)?, user_id: r.id(1)?, expires_at: r.ts(2)?, used_at: r.opt_ts(3)? })
    }
}

impl FromRow for PosteDay {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        Ok(PosteDay { poste_id: r.id(0)?, opened_by_name: r.text(1)?, is_deferred: r.bool(2)?, tickets: r.int(3)? })
    }
}

/// A category and how many lines used it.
struct CategoryUse(CategoryId);

impl FromRow for CategoryUse {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        Ok(CategoryUse(r.id(0)?))
    }
}

impl FromRow for StatCell {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        Ok(StatCell {
            poste_id: r.id(0)?,
            destination: r.parse_text(1, destination_of)?,
            category_id: r.id(2)?,
            is_exit: r.bool(3)?,
            lines: r.int(4)?,
            grams: r.int(5)?,
        })
    }
}

impl FromRow for ExportLine {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        Ok(ExportLine {
            ticket_id: r.id_text(0)?,
            ticket_number: number_of(r, 14)?,
            ticket_at: r.ts(1)?,
            ticket_status: r.parse_text(2, status_of)?,
            poste_id: r.id_text(3)?,
            is_deferred: r.bool(4)?,
            benevole_name: r.text(5)?,
            ligne_id: r.id_text(6)?,
            created_at: r.ts(7)?,
            category_name: r.text(8)?,
            parent_category_name: r.opt_text(9)?,
            poids: Weight::from_grams(r.int(10)?),
            destination: r.parse_text(11, destination_of)?,
            notes: r.opt_text(12)?,
            is_exit: r.bool(13)?,
        })
    }
}

impl FromRow for SummaryRow {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        Ok(SummaryRow {
            category_id: r.id(0)?,
            category_name: r.text(1)?,
            parent_category_name: r.opt_text(2)?,
            destination: r.parse_text(3, destination_of)?,
            is_exit: r.bool(4)?,
            lines: r.int(5)?,
            grams: r.int(6)?,
        })
    }
}

impl FromRow for BucketTotal {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        Ok(BucketTotal {
            bucket: bucket_of(r)?,
            benevole_id: r.id(1)?,
            benevole_name: r.text(2)?,
            tickets: r.int(3)?,
            entry_grams: r.int(4)?,
            exit_grams: r.int(5)?,
        })
    }
}

impl FromRow for BucketCell {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        Ok(BucketCell {
            bucket: bucket_of(r)?,
            destination: r.parse_text(1, destination_of)?,
            category_id: r.id(2)?,
            is_exit: r.bool(3)?,
            lines: r.int(4)?,
            grams: r.int(5)?,
        })
    }
}

fn bucket_of(r: &impl RowReader) -> StoreResult<usize> {
    usize::try_from(r.int(0)?).map_err(|_| StoreError::Corrupt("bucket index".into()))
}

/// `buckets(i, lo, hi)`: the numbered instant ranges `[lo, hi)`, bound after the
/// filter's ten parameters ($11 on), three per bucket. Appended to [`FILTER_CTE`].
fn buckets_cte(n: usize) -> String {
    format!(", {}", buckets_values(n, 11))
}

/// `buckets(i, lo, hi) AS (VALUES ...)`, three parameters per bucket from `$first`.
fn buckets_values(n: usize, first: usize) -> String {
    let rows: Vec<String> = (0..n)
        .map(|k| {
            let first = first + 3 * k;
            format!("(${first}, ${}, ${})", first + 1, first + 2)
        })
        .collect();
    format!("buckets(i, lo, hi) AS (VALUES {})", rows.join(", "))
}

/// The parameters of [`buckets_values`]: index, start and end of each bucket.
fn push_buckets(params: &mut Params, buckets: &[UtcRange]) {
    for (i, b) in buckets.iter().enumerate() {
        params.push(p(i as i64));
        params.push(p(b.from));
        params.push(p(b.to));
    }
}

fn bucket_params(f: &Resolved<ReceptionFilter>, buckets: &[UtcRange]) -> Params {
    let mut params = filter_params(f);
    push_buckets(&mut params, buckets);
    params
}

/// Tickets and line weights per bucket and bénévole; a ticket without matching lines
/// still counts as a ticket (the LEFT JOIN), as in the ticket list.
fn bucket_totals_sql(n: usize) -> String {
    format!(
        "{FILTER_CTE}{buckets}
         SELECT b.i, t.benevole_id, u.display_name, COUNT(DISTINCT t.id),
                CAST(COALESCE(SUM(CASE WHEN l.is_exit = FALSE THEN l.poids_g ELSE 0 END), 0) AS BIGINT),
                CAST(COALESCE(SUM(CASE WHEN l.is_exit = TRUE THEN l.poids_g ELSE 0 END), 0) AS BIGINT)
         FROM buckets b
         JOIN tickets t ON t.ticket_at >= b.lo AND t.ticket_at < b.hi
         JOIN users u ON u.id = t.benevole_id
         LEFT JOIN lignes l ON l.ticket_id = t.id AND {LINE_ONLY_FILTER}
         WHERE {filter}
         GROUP BY b.i, t.benevole_id, u.display_name",
        buckets = buckets_cte(n),
        filter = TICKET_FILTER_WHERE.replace("{LINE_ONLY_FILTER}", LINE_ONLY_FILTER)
    )
}

fn bucket_cells_sql(n: usize) -> String {
    format!(
        "{FILTER_CTE}{buckets}
         SELECT b.i, l.destination, l.category_id, l.is_exit, COUNT(*), CAST(SUM(l.poids_g) AS BIGINT)
         FROM buckets b
         JOIN tickets t ON t.ticket_at >= b.lo AND t.ticket_at < b.hi
         JOIN lignes l ON l.ticket_id = t.id
         WHERE {LINE_FILTER_WHERE}
         GROUP BY b.i, l.destination, l.category_id, l.is_exit",
        buckets = buckets_cte(n)
    )
}

/// The end of an insert into `reception_day_lines`: a row already there is added to.
const ADD_TO_DAY_LINES: &str = "ON CONFLICT (day_at, benevole_id, category_id, destination, is_exit)
     DO UPDATE SET lines = reception_day_lines.lines + excluded.lines, grams = reception_day_lines.grams + excluded.grams";

/// Whether a line is added to or removed from its day's figures.
#[derive(Clone, Copy)]
enum Count {
    Add,
    Remove,
}

/// Adds line `l` of ticket `t`, as it is when the statement runs, to its ticket's day
/// (or takes it out). A ticket not yet dated is left alone: its day is counted whole
/// when it gets its date ([`ReceptionStore::date_tickets`]).
fn count_line(how: Count, t: TicketId, l: LigneId) -> (String, Params) {
    let sign = match how {
        Count::Add => "",
        Count::Remove => "-",
    };
    (
        format!(
            "INSERT INTO reception_day_lines (day_at, benevole_id, category_id, destination, is_exit, lines, grams)
             SELECT t.day_at, t.benevole_id, l.category_id, l.destination, l.is_exit, {sign}1, {sign}l.poids_g
             FROM lignes l JOIN tickets t ON t.id = l.ticket_id
             WHERE l.id = $1 AND l.ticket_id = $2 AND t.day_at IS NOT NULL
             {ADD_TO_DAY_LINES}"
        ),
        vec![p(l), p(t)],
    )
}

/// The per-day rows of ticket `t`'s day and bénévole that no line is left in.
fn drop_empty_days(t: TicketId) -> (String, Params) {
    (
        "DELETE FROM reception_day_lines WHERE lines = 0
           AND day_at = (SELECT t.day_at FROM tickets t WHERE t.id = $1)
           AND benevole_id = (SELECT t.benevole_id FROM tickets t WHERE t.id = $1)"
            .to_string(),
        vec![p(t)],
    )
}

/// The guard of a line's change: the line exists and its ticket is open (a write that
/// changes nothing, so that the figures can be taken from the line as it was).
fn line_of_open_ticket(t: TicketId, l: LigneId) -> (String, Params) {
    (
        "UPDATE lignes SET updated_at = updated_at WHERE id = $1 AND ticket_id = $2
           AND EXISTS (SELECT 1 FROM tickets t WHERE t.id = $2 AND t.status = 'opened')"
            .to_string(),
        vec![p(l), p(t)],
    )
}

/// The first and last instant of a `MIN`/`MAX` query, NULL when it found no row.
struct Span(Option<DateTime<Utc>>, Option<DateTime<Utc>>);

impl FromRow for Span {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        Ok(Span(r.opt_ts(0)?, r.opt_ts(1)?))
    }
}

/// The statements that count the uncounted tickets of these Paris days (each range one
/// whole day) and their lines in the per-day figures, and give them their day: for
/// [`ReceptionStore::date_tickets`] and for the batches of
/// [`ReceptionStore::insert_history`], whose tickets are written uncounted.
fn count_days(days: &[UtcRange]) -> Vec<(String, Params)> {
    let mut statements = Vec::with_capacity(days.len() * 4);
    for day in days {
        let range = || vec![p(day.from), p(day.to)];
        let dated = || vec![p(day.from), p(day.from), p(day.to)];
        // First lock the day's uncounted tickets (a write that changes nothing):
        // a line written meanwhile by another server waits for this commit, then
        // finds its ticket counted and counts itself.
        statements.push(("UPDATE tickets SET day_at = NULL WHERE day_at IS NULL AND ticket_at >= $1 AND ticket_at < $2".to_string(), range()));
        statements.push((
            "INSERT INTO reception_day_tickets (day_at, benevole_id, tickets)
             SELECT $1, t.benevole_id, COUNT(*) FROM tickets t WHERE t.day_at IS NULL AND t.ticket_at >= $2 AND t.ticket_at < $3
             GROUP BY t.benevole_id
             ON CONFLICT (day_at, benevole_id) DO UPDATE SET tickets = reception_day_tickets.tickets + excluded.tickets"
                .to_string(),
            dated(),
        ));
        statements.push((
            format!(
                "INSERT INTO reception_day_lines (day_at, benevole_id, category_id, destination, is_exit, lines, grams)
                 SELECT $1, t.benevole_id, l.category_id, l.destination, l.is_exit, COUNT(*), SUM(l.poids_g)
                 FROM tickets t JOIN lignes l ON l.ticket_id = t.id
                 WHERE t.day_at IS NULL AND t.ticket_at >= $2 AND t.ticket_at < $3
                 GROUP BY t.benevole_id, l.category_id, l.destination, l.is_exit
                 {ADD_TO_DAY_LINES}"
            ),
            dated(),
        ));
        statements.push(("UPDATE tickets SET day_at = $1 WHERE day_at IS NULL AND ticket_at >= $2 AND ticket_at < $3".to_string(), dated()));
    }
    statements
}

/// `$1` the bénévole (NULL: all), then the buckets from `$2`.
fn day_params(benevole: Option<UserId>, buckets: &[UtcRange]) -> Params {
    let mut params = vec![p(benevole)];
    push_buckets(&mut params, buckets);
    params
}

/// [`bucket_totals_sql`] from the per-day figures. Every line has its ticket, so the
/// tickets drive the rows as they do there.
fn day_totals_sql(n: usize) -> String {
    format!(
        "WITH {buckets},
         w AS (SELECT b.i, d.benevole_id,
                      SUM(CASE WHEN d.is_exit = FALSE THEN d.grams ELSE 0 END) AS e,
                      SUM(CASE WHEN d.is_exit = TRUE THEN d.grams ELSE 0 END) AS x
               FROM buckets b JOIN reception_day_lines d ON d.day_at >= b.lo AND d.day_at < b.hi
               WHERE $1 IS NULL OR d.benevole_id = $1
               GROUP BY b.i, d.benevole_id),
         n AS (SELECT b.i, d.benevole_id, SUM(d.tickets) AS tickets
               FROM buckets b JOIN reception_day_tickets d ON d.day_at >= b.lo AND d.day_at < b.hi
               WHERE $1 IS NULL OR d.benevole_id = $1
               GROUP BY b.i, d.benevole_id)
         SELECT n.i, n.benevole_id, u.display_name, CAST(n.tickets AS BIGINT),
                CAST(COALESCE(w.e, 0) AS BIGINT), CAST(COALESCE(w.x, 0) AS BIGINT)
         FROM n JOIN users u ON u.id = n.benevole_id
         LEFT JOIN w ON w.i = n.i AND w.benevole_id = n.benevole_id",
        buckets = buckets_values(n, 2)
    )
}

/// [`bucket_cells_sql`] from the per-day figures.
fn day_cells_sql(n: usize) -> String {
    format!(
        "WITH {buckets}
         SELECT b.i, d.destination, d.category_id, d.is_exit, CAST(SUM(d.lines) AS BIGINT), CAST(SUM(d.grams) AS BIGINT)
         FROM buckets b JOIN reception_day_lines d ON d.day_at >= b.lo AND d.day_at < b.hi
         WHERE $1 IS NULL OR d.benevole_id = $1
         GROUP BY b.i, d.destination, d.category_id, d.is_exit
         HAVING SUM(d.lines) <> 0",
        buckets = buckets_values(n, 2)
    )
}

/// The parameters of [`FILTER_CTE`] and [`LINE_FILTER_WHERE`], in order, for every
/// driver: $1..$2 the period, $3 category (with descendants), $4 destination, $5 poste,
/// $6 ticket, $7 bénévole, $8 status, $9..$10 the ticket number's year and sequence.
fn filter_params(f: &Resolved<ReceptionFilter>) -> Params {
    let (range, x) = (f.range(), f.filter());
    vec![
        p(range.from),
        p(range.to),
        p(x.category_id),
        p(x.destination.map(|d| d.as_str())),
        p(x.poste_id),
        p(x.ticket_id),
        p(x.benevole_id),
        p(x.status.map(|s| s.as_str())),
        p(x.number.map(|n| i64::from(n.year))),
        p(x.number.map(|n| n.seq)),
    ]
}

/// The category of the filter and its descendants (`UNION`, not `UNION ALL`, so a
/// cycle cannot loop).
const FILTER_CTE: &str = "WITH RECURSIVE cat_filter(id) AS (
        SELECT c.id FROM categories c WHERE c.id = $3
        UNION SELECT c.id FROM categories c JOIN cat_filter f ON c.parent_id = f.id)";

const LINE_FILTER_WHERE: &str = "t.ticket_at >= $1 AND t.ticket_at < $2
        AND ($3 IS NULL OR l.category_id IN (SELECT id FROM cat_filter))
        AND ($4 IS NULL OR l.destination = $4)
        AND ($5 IS NULL OR t.poste_id = $5)
        AND ($6 IS NULL OR t.id = $6)
        AND ($7 IS NULL OR t.benevole_id = $7)
        AND ($8 IS NULL OR t.status = $8)
        AND ($9 IS NULL OR (t.number_year = $9 AND t.number_seq = $10))";

/// The line conditions alone ($3 category, $4 destination), for ticket totals that
/// match a filtered export.
const LINE_ONLY_FILTER: &str = "($3 IS NULL OR l.category_id IN (SELECT id FROM cat_filter)) AND ($4 IS NULL OR l.destination = $4)";

/// The tickets of the filter: with a line condition, only tickets having matching
/// lines.
const TICKET_FILTER_WHERE: &str = "t.ticket_at >= $1 AND t.ticket_at < $2
           AND ($5 IS NULL OR t.poste_id = $5)
           AND ($6 IS NULL OR t.id = $6)
           AND ($7 IS NULL OR t.benevole_id = $7)
           AND ($8 IS NULL OR t.status = $8)
           AND ($9 IS NULL OR (t.number_year = $9 AND t.number_seq = $10))
           AND (($3 IS NULL AND $4 IS NULL) OR EXISTS (
                SELECT 1 FROM lignes l WHERE l.ticket_id = t.id AND {LINE_ONLY_FILTER}))";

/// The order of a ticket query.
#[derive(Clone, Copy)]
enum TicketOrder {
    /// The list on the pages and in REST: the latest ticket first.
    LatestFirst,
    /// Exports: ticket date, then ticket number, the order their lines come in, so
    /// that the Tickets and Lignes sheets read alike.
    Chronological,
}

/// Tickets of the filter ($11 the limit, $12 the offset); with a line condition, their
/// totals count the matching lines only.
fn tickets_sql(order: TicketOrder) -> String {
    format!(
        "{FILTER_CTE}
         {select}
         WHERE {filter}
         ORDER BY {order}
         LIMIT $11 OFFSET $12",
        select = ticket_select(LINE_ONLY_FILTER),
        filter = TICKET_FILTER_WHERE.replace("{LINE_ONLY_FILTER}", LINE_ONLY_FILTER),
        order = match order {
            TicketOrder::LatestFirst => "t.ticket_at DESC, t.number_year DESC, t.number_seq DESC",
            TicketOrder::Chronological => "t.ticket_at, t.number_year, t.number_seq",
        }
    )
}

fn count_tickets_sql() -> String {
    format!(
        "{FILTER_CTE}
         SELECT COUNT(*) FROM tickets t WHERE {filter}",
        filter = TICKET_FILTER_WHERE.replace("{LINE_ONLY_FILTER}", LINE_ONLY_FILTER)
    )
}

/// The export of lines, in the order of the exported tickets ([`TicketOrder::Chronological`]),
/// then entry order.
fn export_lines_sql() -> String {
    format!(
        "{FILTER_CTE}
         SELECT t.id, t.ticket_at, t.status, t.poste_id, p.is_deferred, u.display_name,
                l.id, l.created_at, c.name, pc.name, l.poids_g, l.destination, l.notes, l.is_exit,
                t.number_year, t.number_seq
         FROM lignes l
         JOIN tickets t ON t.id = l.ticket_id
         JOIN postes p ON p.id = t.poste_id
         JOIN users u ON u.id = t.benevole_id
         JOIN categories c ON c.id = l.category_id
         LEFT JOIN categories pc ON pc.id = c.parent_id
         WHERE {LINE_FILTER_WHERE}
         ORDER BY t.ticket_at, t.number_year, t.number_seq, l.created_at, l.id"
    )
}

fn summary_sql() -> String {
    format!(
        "{FILTER_CTE}
         SELECT c.id, c.name, pc.name, l.destination, l.is_exit, COUNT(*), CAST(SUM(l.poids_g) AS BIGINT)
         FROM lignes l
         JOIN tickets t ON t.id = l.ticket_id
         JOIN categories c ON c.id = l.category_id
         LEFT JOIN categories pc ON pc.id = c.parent_id
         WHERE {LINE_FILTER_WHERE}
         GROUP BY c.id, c.name, pc.name, l.destination, l.is_exit
         -- Each top-level category, then its children; NULLs sort differently
         -- in SQLite and PostgreSQL, so the order never relies on them.
         ORDER BY COALESCE(pc.name, c.name), CASE WHEN pc.name IS NULL THEN 0 ELSE 1 END, c.name, l.destination, l.is_exit"
    )
}

#[async_trait::async_trait]
impl<D: Database> ReceptionStore for SqlStore<D> {
    async fn list_categories(&self) -> StoreResult<Vec<Category>> {
        self.db.fetch_all(&format!("{CATEGORY_SELECT} ORDER BY display_order, name"), vec![]).await
    }

    async fn category(&self, id: CategoryId) -> StoreResult<Option<Category>> {
        self.db.fetch_optional(&format!("{CATEGORY_SELECT} WHERE id = $1"), vec![p(id)]).await
    }

    async fn insert_category(&self, c: &Category, name_key: &str, now: DateTime<Utc>) -> StoreResult<()> {
        self.db
            .execute(
                "INSERT INTO categories (id, parent_id, name, name_key, display_order, visible_reception, archived_at, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $7)",
                vec![p(c.id), p(c.parent_id), p(c.name.as_str()), p(name_key), p(c.display_order), p(c.visible_reception), p(now)],
            )
            .await
            .map_err(unique_as_conflict("category"))?;
        Ok(())
    }

    async fn categories_without_key(&self) -> StoreResult<Vec<UnkeyedCategory>> {
        self.db.fetch_all("SELECT id, name FROM categories WHERE name_key IS NULL ORDER BY created_at, id", vec![]).await
    }

    async fn set_category_key(&self, id: CategoryId, name_key: &str) -> StoreResult<()> {
        self.db.execute("UPDATE categories SET name_key = $1 WHERE id = $2", vec![p(name_key), p(id)]).await.map_err(unique_as_conflict("category"))?;
        Ok(())
    }

    async fn update_category(&self, id: CategoryId, c: &CategoryChanges, now: DateTime<Utc>) -> StoreResult<()> {
        let done = self
            .db
            .execute(
                "UPDATE categories SET
                    name = COALESCE($1, name),
                    name_key = COALESCE($9, name_key),
                    parent_id = CASE WHEN $2 THEN $3 ELSE parent_id END,
                    display_order = COALESCE($4, display_order),
                    visible_reception = COALESCE($5, visible_reception),
                    archived_at = CASE WHEN $6 IS NULL THEN archived_at WHEN $6 THEN COALESCE(archived_at, $7) ELSE NULL END,
                    updated_at = $7
                 WHERE id = $8",
                vec![
                    p(c.name.as_ref().map(|(name, _)| name.as_str())),
                    p(c.parent_id.is_some()),
                    p(c.parent_id.flatten()),
                    p(c.display_order),
                    p(c.visible_reception),
                    p(c.archived),
                    p(now),
                    p(id),
                    p(c.name.as_ref().map(|(_, key)| key.as_str())),
                ],
            )
            .await
            .map_err(unique_as_conflict("category"))?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn insert_poste(&self, x: &NewPoste) -> StoreResult<()> {
        self.db
            .execute(
                "INSERT INTO postes (id, opened_by, opened_at, closed_at, closed_by, is_deferred, created_at) VALUES ($1, $2, $3, NULL, NULL, $4, $5)",
                vec![p(x.id), p(x.opened_by), p(x.opened_at), p(x.is_deferred), p(x.now)],
            )
            .await
            .map_err(unique_as_conflict("poste"))?;
        Ok(())
    }

    async fn poste(&self, id: PosteId) -> StoreResult<Option<Poste>> {
        self.db.fetch_optional(&format!("{POSTE_SELECT} WHERE p.id = $1"), vec![p(id)]).await
    }

    async fn current_poste(&self, user_id: UserId) -> StoreResult<Option<Poste>> {
        self.db.fetch_optional(&format!("{POSTE_SELECT} WHERE p.opened_by = $1 AND p.closed_at IS NULL"), vec![p(user_id)]).await
    }

    async fn list_postes(&self, opened_by: Option<UserId>, range: UtcRange, limit: i64, offset: i64) -> StoreResult<Vec<Poste>> {
        let sql = format!("{POSTE_SELECT} WHERE {POSTE_WHERE} ORDER BY p.opened_at DESC, p.id LIMIT $4 OFFSET $5");
        self.db.fetch_all(&sql, vec![p(opened_by), p(range.from), p(range.to), p(limit), p(offset)]).await
    }

    async fn count_postes(&self, opened_by: Option<UserId>, range: UtcRange) -> StoreResult<i64> {
        let sql = format!("SELECT COUNT(*) FROM postes p WHERE {POSTE_WHERE}");
        self.db.fetch_one(&sql, vec![p(opened_by), p(range.from), p(range.to)]).await
    }

    async fn close_poste(&self, id: PosteId, by: UserId, now: DateTime<Utc>) -> StoreResult<bool> {
        let sql = "UPDATE postes SET closed_at = $1, closed_by = $2
                   WHERE id = $3 AND closed_at IS NULL
                     AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.poste_id = $3 AND t.status = 'opened')";
        Ok(self.db.guarded_write(RowLock::update("postes", id), sql, vec![p(now), p(by), p(id)]).await? == 1)
    }

    async fn count_open_tickets(&self, poste_id: PosteId) -> StoreResult<i64> {
        self.db.fetch_one("SELECT COUNT(*) FROM tickets WHERE poste_id = $1 AND status = 'opened'", vec![p(poste_id)]).await
    }

    async fn frequent_categories(&self, since: DateTime<Utc>, limit: i64) -> StoreResult<Vec<CategoryId>> {
        let rows: Vec<CategoryUse> = self
            .db
            .fetch_all(
                "SELECT l.category_id, COUNT(*) FROM lignes l JOIN tickets t ON t.id = l.ticket_id JOIN categories c ON c.id = l.category_id
                 WHERE t.ticket_at >= $1 AND c.archived_at IS NULL
                 GROUP BY l.category_id ORDER BY COUNT(*) DESC, l.category_id LIMIT $2",
                vec![p(since), p(limit)],
            )
            .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    async fn poste_cells(&self, poste_id: PosteId) -> StoreResult<(i64, Vec<StatCell>)> {
        let tickets = self.db.fetch_one("SELECT COUNT(*) FROM tickets WHERE poste_id = $1", vec![p(poste_id)]).await?;
        let cells = self
            .db
            .fetch_all(
                "SELECT t.poste_id, l.destination, l.category_id, l.is_exit, COUNT(*), CAST(SUM(l.poids_g) AS BIGINT)
                 FROM tickets t JOIN lignes l ON l.ticket_id = t.id
                 WHERE t.poste_id = $1
                 GROUP BY t.poste_id, l.destination, l.category_id, l.is_exit",
                vec![p(poste_id)],
            )
            .await?;
        Ok((tickets, cells))
    }

    async fn insert_ticket(&self, t: &NewTicket) -> StoreResult<bool> {
        // First the year's counter, only while the poste is open (nothing is written
        // otherwise): its row stays locked until the commit, so concurrent creations take
        // their numbers one after the other. Then the ticket, with the counter's value.
        let year = i64::from(t.year);
        let bump = "INSERT INTO ticket_counters (year, last)
                    SELECT $1, 1 FROM postes p WHERE p.id = $2 AND p.closed_at IS NULL
                    ON CONFLICT (year) DO UPDATE SET last = ticket_counters.last + 1";
        let insert = "INSERT INTO tickets (id, poste_id, benevole_id, status, ticket_at, created_at, closed_at, number_year, number_seq, day_at)
                      SELECT $1, $2, $3, 'opened', $4, $5, NULL, c.year, c.last, $7 FROM ticket_counters c WHERE c.year = $6";
        let day = app::time::paris_day_start(t.ticket_at);
        let params = vec![p(t.id), p(t.poste_id), p(t.benevole_id), p(t.ticket_at), p(t.now), p(year), p(day)];
        let count = "INSERT INTO reception_day_tickets (day_at, benevole_id, tickets) VALUES ($1, $2, 1)
                     ON CONFLICT (day_at, benevole_id) DO UPDATE SET tickets = reception_day_tickets.tickets + 1";
        self.db
            .guarded_batch(
                RowLock::share("postes", t.poste_id),
                (bump.to_string(), vec![p(year), p(t.poste_id)]),
                vec![(insert.to_string(), params), (count.to_string(), vec![p(day), p(t.benevole_id)])],
            )
            .await
    }

    async fn ticket(&self, id: TicketId) -> StoreResult<Option<Ticket>> {
        self.db.fetch_optional(&format!("{} WHERE t.id = $1", ticket_select("TRUE")), vec![p(id)]).await
    }

    async fn list_tickets(&self, f: &Resolved<ReceptionFilter>, limit: i64, offset: i64) -> StoreResult<Vec<Ticket>> {
        let mut params = filter_params(f);
        params.push(p(limit));
        params.push(p(offset));
        self.db.fetch_all(&tickets_sql(TicketOrder::LatestFirst), params).await
    }

    async fn count_tickets(&self, f: &Resolved<ReceptionFilter>) -> StoreResult<i64> {
        self.db.fetch_one(&count_tickets_sql(), filter_params(f)).await
    }

    async fn close_ticket(&self, id: TicketId, now: DateTime<Utc>) -> StoreResult<bool> {
        let done = self.db.execute("UPDATE tickets SET status = 'closed', closed_at = $1 WHERE id = $2 AND status = 'opened'", vec![p(now), p(id)]).await?;
        Ok(done == 1)
    }

    async fn lignes(&self, ticket_id: TicketId) -> StoreResult<Vec<Ligne>> {
        self.db.fetch_all(&format!("{LIGNE_SELECT} WHERE l.ticket_id = $1 ORDER BY l.created_at, l.id"), vec![p(ticket_id)]).await
    }

    async fn ligne(&self, ticket_id: TicketId, ligne_id: LigneId) -> StoreResult<Option<Ligne>> {
        self.db.fetch_optional(&format!("{LIGNE_SELECT} WHERE l.id = $1 AND l.ticket_id = $2"), vec![p(ligne_id), p(ticket_id)]).await
    }

    async fn insert_ligne(&self, l: &NewLigne) -> StoreResult<bool> {
        let sql = "INSERT INTO lignes (id, ticket_id, category_id, poids_g, destination, notes, is_exit, created_at, updated_at)
                   SELECT $1, t.id, $3, $4, $5, $6, $7, $8, $8 FROM tickets t WHERE t.id = $2 AND t.status = 'opened'";
        let params = vec![
            p(l.id),
            p(l.ticket_id),
            p(l.category_id),
            p(l.poids.grams()),
            p(l.destination.as_str()),
            p(l.notes.as_deref()),
            p(l.is_exit),
            p(l.now),
        ];
        self.db
            .guarded_batch(RowLock::share("tickets", l.ticket_id), (sql.to_string(), params), vec![count_line(Count::Add, l.ticket_id, l.id)])
            .await
            .map_err(unique_as_conflict("ligne"))
    }

    async fn update_ligne(&self, ticket_id: TicketId, ligne_id: LigneId, c: &LigneChanges, now: DateTime<Utc>) -> StoreResult<bool> {
        let sql = "UPDATE lignes SET
                      category_id = COALESCE($1, category_id),
                      poids_g = COALESCE($2, poids_g),
                      destination = COALESCE($3, destination),
                      notes = CASE WHEN $4 THEN $5 ELSE notes END,
                      is_exit = COALESCE($6, is_exit),
                      updated_at = $7
                   WHERE id = $8 AND ticket_id = $9";
        let params = vec![
            p(c.category_id),
            p(c.poids.map(|w| w.grams())),
            p(c.destination.map(|d| d.as_str())),
            p(c.notes.is_some()),
            p(c.notes.clone().flatten()),
            p(c.is_exit),
            p(now),
            p(ligne_id),
            p(ticket_id),
        ];
        // The line leaves its day's figures as it was and comes back as it is now.
        let then = vec![count_line(Count::Remove, ticket_id, ligne_id), (sql.to_string(), params), count_line(Count::Add, ticket_id, ligne_id), drop_empty_days(ticket_id)];
        self.db.guarded_batch(RowLock::share("tickets", ticket_id), line_of_open_ticket(ticket_id, ligne_id), then).await
    }

    async fn delete_ligne(&self, ticket_id: TicketId, ligne_id: LigneId) -> StoreResult<bool> {
        let sql = "DELETE FROM lignes WHERE id = $1 AND ticket_id = $2";
        let then = vec![count_line(Count::Remove, ticket_id, ligne_id), (sql.to_string(), vec![p(ligne_id), p(ticket_id)]), drop_empty_days(ticket_id)];
        self.db.guarded_batch(RowLock::share("tickets", ticket_id), line_of_open_ticket(ticket_id, ligne_id), then).await
    }

    async fn insert_download_token(&self, hash: &str, ticket_id: TicketId, user_id: UserId, now: DateTime<Utc>, expires_at: DateTime<Utc>) -> StoreResult<()> {
        self.db
            .execute(
                "INSERT INTO download_tokens (token_hash, ticket_id, user_id, created_at, expires_at, used_at) VALUES ($1, $2, $3, $4, $5, NULL)",
                vec![p(hash), p(ticket_id), p(user_id), p(now), p(expires_at)],
            )
            .await?;
        Ok(())
    }

    async fn download_token(&self, hash: &str) -> StoreResult<Option<TokenRecord>> {
        self.db.fetch_optional("SELECT ticket_id, user_id, expires_at, used_at FROM download_tokens WHERE token_hash = $1", vec![p(hash)]).await
    }

    async fn consume_download_token(&self, hash: &str, now: DateTime<Utc>) -> StoreResult<bool> {
        let done = self
            .db
            .execute("UPDATE download_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1", vec![p(now), p(hash)])
            .await?;
        Ok(done == 1)
    }

    async fn delete_expired_tokens(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        // Kept a day after expiry so that a late click still gets "expired", not "unknown".
        self.db.execute("DELETE FROM download_tokens WHERE expires_at < $1", vec![p(now - chrono::Duration::days(1))]).await
    }

    async fn cap_download_tokens(&self, user_id: UserId, newest: &str, max: u32) -> StoreResult<u64> {
        self.db
            .execute(
                "DELETE FROM download_tokens WHERE user_id = $1 AND token_hash <> $2 AND token_hash NOT IN (
                    SELECT token_hash FROM download_tokens WHERE user_id = $1 AND token_hash <> $2
                    ORDER BY created_at DESC, token_hash DESC LIMIT $3)",
                vec![p(user_id), p(newest), p(i64::from(max.max(1)) - 1)],
            )
            .await
    }

    async fn count_download_tokens(&self, user_id: UserId) -> StoreResult<i64> {
        self.db.fetch_one("SELECT COUNT(*) FROM download_tokens WHERE user_id = $1", vec![p(user_id)]).await
    }

    async fn day_stats(&self, day: UtcRange, exclude_deferred: bool) -> StoreResult<DayStats> {
        let tickets_open: i64 = self
            .db
            .fetch_one(
                "SELECT COUNT(*) FROM tickets t JOIN postes p ON p.id = t.poste_id
                 WHERE t.status = 'opened' AND ($1 = FALSE OR p.is_deferred = FALSE)",
                vec![p(exclude_deferred)],
            )
            .await?;
        // Both queries cover the day's tickets: $1..$2 the day, $3 exclude_deferred.
        let params = || vec![p(day.from), p(day.to), p(exclude_deferred)];
        let postes: Vec<PosteDay> = self
            .db
            .fetch_all(
                "SELECT t.poste_id, u.display_name, p.is_deferred, COUNT(*)
                 FROM tickets t JOIN postes p ON p.id = t.poste_id JOIN users u ON u.id = p.opened_by
                 WHERE t.ticket_at >= $1 AND t.ticket_at < $2 AND ($3 = FALSE OR p.is_deferred = FALSE)
                 GROUP BY t.poste_id, u.display_name, p.is_deferred
                 ORDER BY u.display_name",
                params(),
            )
            .await?;
        let cells = self
            .db
            .fetch_all(
                "SELECT t.poste_id, l.destination, l.category_id, l.is_exit, COUNT(*), CAST(SUM(l.poids_g) AS BIGINT)
                 FROM tickets t JOIN postes p ON p.id = t.poste_id JOIN lignes l ON l.ticket_id = t.id
                 WHERE t.ticket_at >= $1 AND t.ticket_at < $2 AND ($3 = FALSE OR p.is_deferred = FALSE)
                 GROUP BY t.poste_id, l.destination, l.category_id, l.is_exit",
                params(),
            )
            .await?;
        Ok(DayStats { tickets_today: postes.iter().map(|p| p.tickets).sum(), tickets_open, postes, cells })
    }

    async fn own_day_stats(&self, day: UtcRange, exclude_deferred: bool, benevole: UserId) -> StoreResult<OwnDay> {
        let mine = "t.ticket_at >= $1 AND t.ticket_at < $2 AND ($3 = FALSE OR p.is_deferred = FALSE) AND t.benevole_id = $4";
        let sql = format!(
            "SELECT (SELECT COUNT(*) FROM tickets t JOIN postes p ON p.id = t.poste_id WHERE {mine}),
                    COUNT(l.id),
                    CAST(COALESCE(SUM(CASE WHEN l.is_exit THEN 0 ELSE l.poids_g END), 0) AS BIGINT),
                    CAST(COALESCE(SUM(CASE WHEN l.is_exit THEN l.poids_g ELSE 0 END), 0) AS BIGINT)
             FROM tickets t JOIN postes p ON p.id = t.poste_id JOIN lignes l ON l.ticket_id = t.id
             WHERE {mine}"
        );
        self.db.fetch_one(&sql, vec![p(day.from), p(day.to), p(exclude_deferred), p(benevole)]).await
    }

    async fn bucket_totals(&self, f: &Resolved<ReceptionFilter>, buckets: &[UtcRange]) -> StoreResult<Vec<BucketTotal>> {
        if buckets.is_empty() {
            return Ok(Vec::new());
        }
        self.db.fetch_all(&bucket_totals_sql(buckets.len()), bucket_params(f, buckets)).await
    }

    async fn bucket_cells(&self, f: &Resolved<ReceptionFilter>, buckets: &[UtcRange]) -> StoreResult<Vec<BucketCell>> {
        if buckets.is_empty() {
            return Ok(Vec::new());
        }
        self.db.fetch_all(&bucket_cells_sql(buckets.len()), bucket_params(f, buckets)).await
    }

    async fn day_bucket_totals(&self, benevole: Option<UserId>, buckets: &[UtcRange]) -> StoreResult<Vec<BucketTotal>> {
        if buckets.is_empty() {
            return Ok(Vec::new());
        }
        self.db.fetch_all(&day_totals_sql(buckets.len()), day_params(benevole, buckets)).await
    }

    async fn day_bucket_cells(&self, benevole: Option<UserId>, buckets: &[UtcRange]) -> StoreResult<Vec<BucketCell>> {
        if buckets.is_empty() {
            return Ok(Vec::new());
        }
        self.db.fetch_all(&day_cells_sql(buckets.len()), day_params(benevole, buckets)).await
    }

    async fn undated_tickets(&self) -> StoreResult<Option<(DateTime<Utc>, DateTime<Utc>)>> {
        let span: Span = self.db.fetch_one("SELECT MIN(ticket_at), MAX(ticket_at) FROM tickets WHERE day_at IS NULL", vec![]).await?;
        Ok(span.0.zip(span.1))
    }

    async fn date_tickets(&self, days: &[UtcRange]) -> StoreResult<u64> {
        self.db.execute_all(count_days(days)).await
    }

    async fn insert_history(&self, h: ReceptionHistory) -> StoreResult<u64> {
        let postes = h
            .postes
            .into_iter()
            .map(|x| vec![p(x.id), p(x.opened_by), p(x.opened_at), p(x.closed_at), p(x.closed_at.map(|_| x.opened_by)), p(x.is_deferred), p(x.opened_at)])
            .collect();
        // Tickets are numbered after their year's counter, in the order given: written
        // with a provisional negative sequence (unique within the batch), then renumbered
        // and the counters moved on, all in the batch's transaction.
        let days: Vec<UtcRange> = match (h.tickets.iter().map(|t| t.ticket_at).min(), h.tickets.iter().map(|t| t.ticket_at).max()) {
            (Some(first), Some(last)) => DateRange { from: app::time::paris_date(first), to: app::time::paris_date(last) }.each_day().map(|d| d.utc_bounds()).collect(),
            _ => Vec::new(),
        };
        let tickets = h
            .tickets
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                let status = if t.closed_at.is_some() { Status::Closed } else { Status::Opened };
                let year = i64::from(app::time::paris_date(t.ticket_at).year());
                vec![p(t.id), p(t.poste_id), p(t.benevole_id), p(status.as_str()), p(t.ticket_at), p(t.ticket_at), p(t.closed_at), p(year), p(-(i as i64) - 1)]
            })
            .collect();
        let lignes = h
            .lignes
            .into_iter()
            .map(|l| vec![p(l.id), p(l.ticket_id), p(l.category_id), p(l.poids.grams()), p(l.destination.as_str()), p(l.notes), p(l.is_exit), p(l.now), p(l.now)])
            .collect();
        let mut statements = insert_rows::<D>("postes", &["id", "opened_by", "opened_at", "closed_at", "closed_by", "is_deferred", "created_at"], postes);
        statements.extend(insert_rows::<D>(
            "tickets",
            &["id", "poste_id", "benevole_id", "status", "ticket_at", "created_at", "closed_at", "number_year", "number_seq"],
            tickets,
        ));
        statements.extend(insert_rows::<D>(
            "lignes",
            &["id", "ticket_id", "category_id", "poids_g", "destination", "notes", "is_exit", "created_at", "updated_at"],
            lignes,
        ));
        // The batch's tickets and their lines go into the per-day figures, as older
        // tickets do at start.
        statements.extend(count_days(&days));
        statements.push((
            "UPDATE tickets SET number_seq = r.n
             FROM (SELECT t.id, COALESCE((SELECT c.last FROM ticket_counters c WHERE c.year = t.number_year), 0)
                                + ROW_NUMBER() OVER (PARTITION BY t.number_year ORDER BY t.number_seq DESC) AS n
                   FROM tickets t WHERE t.number_seq < 0) AS r
             WHERE r.id = tickets.id"
                .to_string(),
            vec![],
        ));
        statements.push((
            "INSERT INTO ticket_counters (year, last) SELECT number_year, MAX(number_seq) FROM tickets WHERE true GROUP BY number_year
             ON CONFLICT (year) DO UPDATE SET last = excluded.last"
                .to_string(),
            vec![],
        ));
        self.db.execute_all(statements).await
    }

    async fn reception_snapshot(&self) -> StoreResult<Box<dyn ReceptionSnapshot>> {
        Ok(Box::new(ReceptionSnap(self.db.snapshot().await?)))
    }
}

/// The export reads over any backend's snapshot.
struct ReceptionSnap<S: Snapshot>(S);

#[async_trait::async_trait]
impl<S: Snapshot> ReceptionSnapshot for ReceptionSnap<S> {
    async fn categories(&mut self) -> StoreResult<Vec<Category>> {
        self.0.fetch_all(&format!("{CATEGORY_SELECT} ORDER BY display_order, name"), vec![]).await
    }

    async fn summary(&mut self, f: &Resolved<ReceptionFilter>) -> StoreResult<Vec<SummaryRow>> {
        self.0.fetch_all(&summary_sql(), filter_params(f)).await
    }

    async fn tickets(&mut self, f: &Resolved<ReceptionFilter>, out: &mpsc::Sender<StoreResult<Vec<Ticket>>>) -> StoreResult<u64> {
        let mut params = filter_params(f);
        params.push(p(i64::MAX));
        params.push(p(0i64));
        self.0.stream(&tickets_sql(TicketOrder::Chronological), params, out).await
    }

    async fn lines(&mut self, f: &Resolved<ReceptionFilter>, out: &mpsc::Sender<StoreResult<Vec<ExportLine>>>) -> StoreResult<u64> {
        self.0.stream(&export_lines_sql(), filter_params(f), out).await
    }
}
