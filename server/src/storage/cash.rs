//! Cash storage: sites, registers, till sessions, sales with items and payments, and
//! the audit reads. A session carries running totals written in the same transaction
//! as each sale, so the audit list filters and sums sessions without scanning items.
use app::cash::{CashSession, CashSessionFilter, Payment, PaymentMethod, Register, Sale, SaleItem, SessionSort, SessionStatus, SessionTotals, Site};
use app::filter::Resolved;
use app::ids::{CashSessionId, CategoryId, RegisterId, SaleId, SiteId, UserId};
use app::money::Cents;
use app::weight::Weight;
use chrono::{DateTime, Utc};

use super::sql::{insert_rows, p, unique_as_conflict, values_placeholders, Database, FromRow, IdText, Param, Params, RowLock, RowReader, SqlStore};
use super::{StoreError, StoreResult};

#[derive(Clone, Debug)]
pub struct NewSession {
    pub id: CashSessionId,
    pub register_id: RegisterId,
    pub operator_id: UserId,
    pub opened_at: DateTime<Utc>,
    pub is_deferred: bool,
    pub opening_float: Cents,
    pub now: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct NewSaleItem {
    pub category_id: CategoryId,
    pub quantity: i64,
    pub weight: Option<Weight>,
    pub unit_price: Cents,
}

impl NewSaleItem {
    pub fn line_total(&self) -> Cents {
        Cents(self.quantity * self.unit_price.0)
    }
}

/// A sale's totals, as stored on its row and added to its session's running totals.
struct SaleSums {
    total: i64,
    items: i64,
    weight_g: i64,
    /// Cash, card, check, free.
    by_method: [i64; 4],
}

impl SaleSums {
    fn of(items: &[NewSaleItem], payments: &[Payment]) -> Self {
        let by = |m: PaymentMethod| payments.iter().filter(|x| x.method == m).map(|x| x.amount_cents.0).sum::<i64>();
        SaleSums {
            total: items.iter().map(|i| i.line_total().0).sum(),
            items: items.iter().map(|i| i.quantity).sum(),
            weight_g: items.iter().filter_map(|i| i.weight.map(|w| w.grams() * i.quantity)).sum(),
            by_method: [by(PaymentMethod::Cash), by(PaymentMethod::Card), by(PaymentMethod::Check), by(PaymentMethod::Free)],
        }
    }

    /// The values of the last six [`SALE_COLUMNS`], from `items_count` on.
    fn row_params(&self) -> [Param; 6] {
        let [cash, card, check, free] = self.by_method;
        [p(self.items), p(self.weight_g), p(cash), p(card), p(check), p(free)]
    }
}

/// The columns of a sale row, as both inserts (a sale at the till, past sales in bulk)
/// write them.
const SALE_COLUMNS: [&str; 14] = [
    "id", "session_id", "sold_at", "total_cents", "donation_cents", "note", "created_by", "created_at", "items_count", "weight_g", "cash_cents", "card_cents",
    "check_cents", "free_cents",
];

#[derive(Clone, Debug)]
pub struct NewSale {
    pub id: SaleId,
    pub session_id: CashSessionId,
    pub items: Vec<NewSaleItem>,
    pub payments: Vec<Payment>,
    pub donation: Cents,
    pub note: Option<String>,
    pub created_by: UserId,
    pub now: DateTime<Utc>,
}

/// A close as the service computed it; written only if the session is still open and
/// its payments are still those the expected amounts were computed from.
#[derive(Clone, Debug)]
pub struct SessionClose {
    pub id: CashSessionId,
    pub closed_by: UserId,
    pub closed_at: DateTime<Utc>,
    pub duration_seconds: i64,
    pub counted_cash: Cents,
    pub counted_card: Option<Cents>,
    pub counted_check: Option<Cents>,
    pub expected_cash: Cents,
    pub expected_card: Cents,
    pub expected_check: Cents,
    pub cash_variance: Cents,
    pub comment: Option<String>,
    /// The running totals read when the expected amounts were computed.
    pub seen_cash: Cents,
    pub seen_card: Cents,
    pub seen_check: Cents,
    /// The close report's mail, recorded with the close.
    pub report: Option<super::mail::NewDelivery>,
}

/// A closed session written whole by `generate-data`: its running totals and its close
/// as the service would have computed them.
#[derive(Clone, Debug)]
pub struct PastSession {
    pub id: CashSessionId,
    pub register_id: RegisterId,
    pub operator_id: UserId,
    pub opened_at: DateTime<Utc>,
    pub closed_at: DateTime<Utc>,
    pub opening_float: Cents,
    pub sales_count: i64,
    pub items_count: i64,
    pub total: Cents,
    pub donation: Cents,
    /// Payments by method, in [`PaymentMethod::ALL`] order.
    pub by_method: [Cents; 4],
    pub weight_g: i64,
    pub counted_cash: Cents,
    pub cash_variance: Cents,
    pub comment: Option<String>,
}

/// A sale of a [`PastSession`], with its items and payments.
#[derive(Clone, Debug)]
pub struct PastSale {
    pub id: SaleId,
    pub session_id: CashSessionId,
    pub sold_at: DateTime<Utc>,
    pub items: Vec<NewSaleItem>,
    pub payments: Vec<Payment>,
    pub donation: Cents,
    pub created_by: UserId,
}

/// Past cash activity written in bulk; sessions must come with (or before) their sales.
#[derive(Clone, Debug, Default)]
pub struct CashHistory {
    pub sessions: Vec<PastSession>,
    pub sales: Vec<PastSale>,
}

impl CashHistory {
    pub fn items(&self) -> usize {
        self.sales.iter().map(|s| s.items.len()).sum()
    }
}

#[async_trait::async_trait]
pub trait CashStore: Send + Sync {
    async fn list_sites(&self) -> StoreResult<Vec<Site>>;
    async fn site(&self, id: SiteId) -> StoreResult<Option<Site>>;
    /// `Conflict("site")` when the name is taken.
    async fn insert_site(&self, site: &Site) -> StoreResult<()>;
    async fn list_registers(&self) -> StoreResult<Vec<Register>>;
    async fn register(&self, id: RegisterId) -> StoreResult<Option<Register>>;
    /// `Conflict("register")` when the site already has a register of that name.
    async fn insert_register(&self, id: RegisterId, site_id: SiteId, name: &str, now: DateTime<Utc>) -> StoreResult<()>;

    /// `Conflict("cash_session")` when the register or the operator already has an open
    /// session.
    async fn insert_cash_session(&self, s: &NewSession) -> StoreResult<()>;
    async fn cash_session(&self, id: CashSessionId) -> StoreResult<Option<CashSession>>;
    async fn open_session_of_register(&self, register_id: RegisterId) -> StoreResult<Option<CashSession>>;
    async fn open_session_of_operator(&self, operator_id: UserId) -> StoreResult<Option<CashSession>>;
    /// The sales of a session with their items and payments, in order.
    async fn sales(&self, session_id: CashSessionId) -> StoreResult<Vec<Sale>>;
    /// One sale with its items and payments.
    async fn sale(&self, id: SaleId) -> StoreResult<Option<Sale>>;
    /// Writes the sale, its items, its payments and the session's running totals in
    /// one transaction, only while the session is open; false otherwise.
    async fn insert_sale(&self, sale: &NewSale) -> StoreResult<bool>;
    /// False when the session closed meanwhile or a sale changed its payments.
    async fn close_session(&self, c: &SessionClose) -> StoreResult<bool>;
    /// Deletes an open session without any sale; false otherwise.
    async fn delete_empty_session(&self, id: CashSessionId) -> StoreResult<bool>;

    /// One page of the sessions a filter selects.
    async fn list_sessions(&self, f: &Resolved<CashSessionFilter>, sort: SessionSort, limit: i64, offset: i64) -> StoreResult<Vec<CashSession>>;
    /// Totals over every session the filter selects.
    async fn session_totals(&self, f: &Resolved<CashSessionFilter>) -> StoreResult<SessionTotals>;
    /// A read snapshot for an export: all its reads see one state of the database.
    async fn cash_snapshot(&self) -> StoreResult<Box<dyn CashSnapshot>>;
    /// Writes past sessions, sales, items and payments in one transaction (bulk
    /// inserts); returns the rows written.
    async fn insert_cash_history(&self, h: CashHistory) -> StoreResult<u64>;
    /// The day's figures (sales dated within `day`), without the day itself.
    async fn cash_day_stats(&self, day: app::time::UtcRange) -> StoreResult<app::cash::CashLiveStats>;
}

const SITE_SELECT: &str = "SELECT id, name, created_at FROM sites";

impl FromRow for Site {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        Ok(Site { id: r.id(0)?, name: r.text(1)?, created_at: r.ts(2)? })
    }
}

const REGISTER_SELECT: &str = "SELECT r.id, r.site_id, si.name, r.name, r.created_at FROM registers r JOIN sites si ON si.id = r.site_id";

impl FromRow for Register {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        Ok(Register { id: r.id(0)?, site_id: r.id(1)?, site_name: r.text(2)?, name: r.text(3)?, created_at: r.ts(4)? })
    }
}

/// The columns [`CashSession::from_row`] reads, in order.
const SESSION_SELECT: &str = "SELECT s.id, s.register_id, r.name, r.site_id, si.name, s.operator_id, u.display_name,
            s.opened_at, s.closed_at, s.is_deferred, s.opening_float_cents,
            s.sales_count, s.items_count, s.total_cents, s.donation_cents,
            s.cash_cents, s.card_cents, s.check_cents, s.free_cents, s.weight_g,
            s.counted_cash_cents, s.counted_card_cents, s.counted_check_cents,
            s.expected_cash_cents, s.expected_card_cents, s.expected_check_cents,
            s.cash_variance_cents, s.comment
     FROM cash_sessions s
     JOIN registers r ON r.id = s.register_id
     JOIN sites si ON si.id = r.site_id
     JOIN users u ON u.id = s.operator_id";

fn cents(r: &impl RowReader, i: usize) -> StoreResult<Cents> {
    r.int(i).map(Cents)
}

fn opt_cents(r: &impl RowReader, i: usize) -> StoreResult<Option<Cents>> {
    r.opt_int(i).map(|v| v.map(Cents))
}

impl FromRow for CashSession {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        let closed_at = r.opt_ts(8)?;
        Ok(CashSession {
            id: r.id(0)?,
            register_id: r.id(1)?,
            register_name: r.text(2)?,
            site_id: r.id(3)?,
            site_name: r.text(4)?,
            operator_id: r.id(5)?,
            operator_name: r.text(6)?,
            status: if closed_at.is_some() { SessionStatus::Closed } else { SessionStatus::Open },
            opened_at: r.ts(7)?,
            closed_at,
            is_deferred: r.bool(9)?,
            opening_float_cents: cents(r, 10)?,
            sales_count: r.int(11)?,
            items_count: r.int(12)?,
            total_cents: cents(r, 13)?,
            donation_cents: cents(r, 14)?,
            cash_cents: cents(r, 15)?,
            card_cents: cents(r, 16)?,
            check_cents: cents(r, 17)?,
            free_cents: cents(r, 18)?,
            weight_kg: Weight::from_grams(r.int(19)?),
            counted_cash_cents: opt_cents(r, 20)?,
            counted_card_cents: opt_cents(r, 21)?,
            counted_check_cents: opt_cents(r, 22)?,
            expected_cash_cents: opt_cents(r, 23)?,
            expected_card_cents: opt_cents(r, 24)?,
            expected_check_cents: opt_cents(r, 25)?,
            cash_variance_cents: opt_cents(r, 26)?,
            comment: r.opt_text(27)?,
        })
    }
}

impl FromRow for SessionTotals {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        Ok(SessionTotals {
            sessions: r.int(0)?,
            sales: r.int(1)?,
            items: r.int(2)?,
            total_cents: cents(r, 3)?,
            cash_cents: cents(r, 4)?,
            card_cents: cents(r, 5)?,
            check_cents: cents(r, 6)?,
            free_cents: cents(r, 7)?,
            donation_cents: cents(r, 8)?,
            cash_variance_cents: cents(r, 9)?,
            weight_kg: Weight::from_grams(r.int(10)?),
        })
    }
}

impl FromRow for app::cash::CashLiveStats {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        Ok(app::cash::CashLiveStats {
            day: chrono::NaiveDate::default(),
            sessions_open: r.int(0)?,
            sales_count: r.int(1)?,
            items_count: r.int(2)?,
            total_cents: cents(r, 3)?,
            donation_cents: cents(r, 4)?,
            cash_cents: cents(r, 5)?,
            card_cents: cents(r, 6)?,
            check_cents: cents(r, 7)?,
            free_cents: cents(r, 8)?,
            weight_sold_kg: Weight::from_grams(r.int(9)?),
        })
    }
}

/// A sale row, before its items and payments are attached.
struct SaleRow(Sale);

impl FromRow for SaleRow {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        Ok(SaleRow(Sale {
            id: r.id(0)?,
            session_id: r.id(1)?,
            sold_at: r.ts(2)?,
            total_cents: cents(r, 3)?,
            donation_cents: cents(r, 4)?,
            note: r.opt_text(5)?,
            items: Vec::new(),
            payments: Vec::new(),
        }))
    }
}

struct ItemRow(SaleId, SaleItem);

impl FromRow for ItemRow {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        Ok(ItemRow(
            r.id(0)?,
            SaleItem {
                category_id: r.id(1)?,
                category_name: r.text(2)?,
                quantity: r.int(3)?,
                weight_kg: r.opt_int(4)?.map(Weight::from_grams),
                unit_price_cents: cents(r, 5)?,
                line_total_cents: cents(r, 6)?,
            },
        ))
    }
}

struct PaymentRow(SaleId, Payment);

impl FromRow for PaymentRow {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        let method = r.text(1)?;
        let method = PaymentMethod::parse(&method).map_err(|_| StoreError::Corrupt(format!("payment method {method:?}")))?;
        Ok(PaymentRow(r.id(0)?, Payment { method, amount_cents: cents(r, 2)? }))
    }
}

/// Sales matching `condition` on `sa` (one parameter), with their items and payments.
async fn sales_where<D: Database>(db: &D, condition: &str, param: Param) -> StoreResult<Vec<Sale>> {
    let sales: Vec<SaleRow> = db
        .fetch_all(
            &format!("SELECT sa.id, sa.session_id, sa.sold_at, sa.total_cents, sa.donation_cents, sa.note FROM sales sa WHERE {condition} ORDER BY sa.sold_at, sa.created_at, sa.id"),
            vec![param.clone()],
        )
        .await?;
    let items: Vec<ItemRow> = db
        .fetch_all(
            &format!(
                "SELECT i.sale_id, i.category_id, c.name, i.quantity, i.weight_g, i.unit_price_cents, i.line_total_cents
                 FROM sale_items i JOIN sales sa ON sa.id = i.sale_id JOIN categories c ON c.id = i.category_id
                 WHERE {condition} ORDER BY i.sale_id, i.position"
            ),
            vec![param.clone()],
        )
        .await?;
    let payments: Vec<PaymentRow> = db
        .fetch_all(
            &format!("SELECT pa.sale_id, pa.method, pa.amount_cents FROM sale_payments pa JOIN sales sa ON sa.id = pa.sale_id WHERE {condition} ORDER BY pa.sale_id, pa.method"),
            vec![param],
        )
        .await?;
    let mut sales: Vec<Sale> = sales.into_iter().map(|s| s.0).collect();
    let index: std::collections::HashMap<SaleId, usize> = sales.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
    for ItemRow(sale, item) in items {
        if let Some(&i) = index.get(&sale) {
            sales[i].items.push(item);
        }
    }
    for PaymentRow(sale, payment) in payments {
        if let Some(&i) = index.get(&sale) {
            sales[i].payments.push(payment);
        }
    }
    Ok(sales)
}

/// The audit filter's conditions on `s` (sessions), `r` (registers) and `u` (the
/// operator). Parameters, from [`filter_params`]: $1..$2 opening period, $3 site,
/// $4 register, $5 operator, $6 status, $7..$8 total bounds, $9 has_variance,
/// $10 variance threshold, $11..$12 duration bounds (seconds), $13 any payment method
/// asked, $14..$17 cash, card, check, free asked, $18 has_donation, $19 search in names
/// and comments (`%text%`), $20 search as an id prefix (`text%`), $21 one session.
const SESSION_FILTER_WHERE: &str = "s.opened_at >= $1 AND s.opened_at < $2
     AND ($3 IS NULL OR r.site_id = $3)
     AND ($4 IS NULL OR s.register_id = $4)
     AND ($5 IS NULL OR s.operator_id = $5)
     AND ($6 IS NULL OR ($6 = 'open' AND s.closed_at IS NULL) OR ($6 = 'closed' AND s.closed_at IS NOT NULL))
     AND ($7 IS NULL OR s.total_cents >= $7)
     AND ($8 IS NULL OR s.total_cents <= $8)
     AND ($9 IS NULL OR ($9 = TRUE AND s.cash_variance_cents <> 0) OR ($9 = FALSE AND s.cash_variance_cents = 0))
     AND ($10 IS NULL OR (s.cash_variance_cents >= $10 OR -s.cash_variance_cents >= $10))
     AND ($11 IS NULL OR s.duration_seconds >= $11)
     AND ($12 IS NULL OR s.duration_seconds <= $12)
     AND ($13 = FALSE OR EXISTS (
          SELECT 1 FROM sales sa JOIN sale_payments pa ON pa.sale_id = sa.id
          WHERE sa.session_id = s.id
            AND ((pa.method = 'cash' AND $14 = TRUE) OR (pa.method = 'card' AND $15 = TRUE)
              OR (pa.method = 'check' AND $16 = TRUE) OR (pa.method = 'free' AND $17 = TRUE))))
     AND ($18 IS NULL OR ($18 = TRUE AND s.donation_cents > 0) OR ($18 = FALSE AND s.donation_cents = 0))
     AND ($19 IS NULL OR LOWER(u.display_name) LIKE $19 ESCAPE '\\' OR LOWER(COALESCE(s.comment, '')) LIKE $19 ESCAPE '\\'
          OR LOWER(CAST(s.id AS TEXT)) LIKE $20 ESCAPE '\\')
     AND ($21 IS NULL OR s.id = $21)";

/// `LIKE` pattern text with `%`, `_` and `\` taken literally.
fn like_escape(s: &str) -> String {
    s.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

fn filter_params(f: &Resolved<CashSessionFilter>) -> Params {
    let (range, x) = (f.range(), f.filter());
    let asked = |m: PaymentMethod| x.payment_methods.contains(&m);
    let search = x.search.as_deref().map(like_escape);
    vec![
        p(range.from),
        p(range.to),
        p(x.site_id),
        p(x.register_id),
        p(x.operator_id),
        p(x.status.map(|s| s.as_str())),
        p(x.amount_min_cents.map(|c| c.0)),
        p(x.amount_max_cents.map(|c| c.0)),
        p(x.has_variance),
        p(x.variance_threshold_cents.map(|c| c.0)),
        p(x.duration_min_minutes.map(|m| m.saturating_mul(60))),
        p(x.duration_max_minutes.map(|m| m.saturating_mul(60))),
        p(!x.payment_methods.is_empty()),
        p(asked(PaymentMethod::Cash)),
        p(asked(PaymentMethod::Card)),
        p(asked(PaymentMethod::Check)),
        p(asked(PaymentMethod::Free)),
        p(x.has_donation),
        p(search.as_ref().map(|s| format!("%{s}%"))),
        p(search.as_ref().map(|s| format!("{s}%"))),
        p(x.session_id),
    ]
}

fn order_by(sort: SessionSort) -> &'static str {
    match sort {
        SessionSort::OpenedAt => "s.opened_at, s.id",
        SessionSort::OpenedAtDesc => "s.opened_at DESC, s.id",
        SessionSort::Total => "s.total_cents, s.opened_at DESC, s.id",
        SessionSort::TotalDesc => "s.total_cents DESC, s.opened_at DESC, s.id",
        SessionSort::Variance => "ABS(COALESCE(s.cash_variance_cents, 0)), s.opened_at DESC, s.id",
        SessionSort::VarianceDesc => "ABS(COALESCE(s.cash_variance_cents, 0)) DESC, s.opened_at DESC, s.id",
    }
}

#[async_trait::async_trait]
impl<D: Database> CashStore for SqlStore<D> {
    async fn list_sites(&self) -> StoreResult<Vec<Site>> {
        self.db.fetch_all(&format!("{SITE_SELECT} ORDER BY name"), vec![]).await
    }

    async fn site(&self, id: SiteId) -> StoreResult<Option<Site>> {
        self.db.fetch_optional(&format!("{SITE_SELECT} WHERE id = $1"), vec![p(id)]).await
    }

    async fn insert_site(&self, site: &Site) -> StoreResult<()> {
        self.db
            .execute("INSERT INTO sites (id, name, created_at) VALUES ($1, $2, $3)", vec![p(site.id), p(site.name.as_str()), p(site.created_at)])
            .await
            .map_err(unique_as_conflict("site"))?;
        Ok(())
    }

    async fn list_registers(&self) -> StoreResult<Vec<Register>> {
        self.db.fetch_all(&format!("{REGISTER_SELECT} ORDER BY si.name, r.name"), vec![]).await
    }

    async fn register(&self, id: RegisterId) -> StoreResult<Option<Register>> {
        self.db.fetch_optional(&format!("{REGISTER_SELECT} WHERE r.id = $1"), vec![p(id)]).await
    }

    async fn insert_register(&self, id: RegisterId, site_id: SiteId, name: &str, now: DateTime<Utc>) -> StoreResult<()> {
        self.db
            .execute("INSERT INTO registers (id, site_id, name, created_at) VALUES ($1, $2, $3, $4)", vec![p(id), p(site_id), p(name), p(now)])
            .await
            .map_err(unique_as_conflict("register"))?;
        Ok(())
    }

    async fn insert_cash_session(&self, s: &NewSession) -> StoreResult<()> {
        self.db
            .execute(
                "INSERT INTO cash_sessions (id, register_id, operator_id, opened_at, is_deferred, opening_float_cents, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                vec![p(s.id), p(s.register_id), p(s.operator_id), p(s.opened_at), p(s.is_deferred), p(s.opening_float.0), p(s.now)],
            )
            .await
            .map_err(unique_as_conflict("cash_session"))?;
        Ok(())
    }

    async fn cash_session(&self, id: CashSessionId) -> StoreResult<Option<CashSession>> {
        self.db.fetch_optional(&format!("{SESSION_SELECT} WHERE s.id = $1"), vec![p(id)]).await
    }

    async fn open_session_of_register(&self, register_id: RegisterId) -> StoreResult<Option<CashSession>> {
        self.db.fetch_optional(&format!("{SESSION_SELECT} WHERE s.register_id = $1 AND s.closed_at IS NULL"), vec![p(register_id)]).await
    }

    async fn open_session_of_operator(&self, operator_id: UserId) -> StoreResult<Option<CashSession>> {
        self.db.fetch_optional(&format!("{SESSION_SELECT} WHERE s.operator_id = $1 AND s.closed_at IS NULL"), vec![p(operator_id)]).await
    }

    async fn sales(&self, session_id: CashSessionId) -> StoreResult<Vec<Sale>> {
        sales_where(&self.db, "sa.session_id = $1", p(session_id)).await
    }

    async fn sale(&self, id: SaleId) -> StoreResult<Option<Sale>> {
        Ok(sales_where(&self.db, "sa.id = $1", p(id)).await?.pop())
    }

    async fn insert_sale(&self, s: &NewSale) -> StoreResult<bool> {
        let sums = SaleSums::of(&s.items, &s.payments);
        let mut sale = vec![p(s.id), p(s.session_id), p(s.now), p(sums.total), p(s.donation.0), p(s.note.as_deref()), p(s.created_by)];
        sale.extend(sums.row_params());
        let guard = (
            format!(
                "INSERT INTO sales ({})
                 SELECT $1, cs.id, CASE WHEN cs.is_deferred THEN cs.opened_at ELSE $3 END, $4, $5, $6, $7, $3, $8, $9, $10, $11, $12, $13
                 FROM cash_sessions cs WHERE cs.id = $2 AND cs.closed_at IS NULL",
                SALE_COLUMNS.join(", ")
            ),
            sale,
        );
        let mut items: Params = Vec::with_capacity(s.items.len() * 8);
        for (position, i) in s.items.iter().enumerate() {
            items.extend([
                p(uuid::Uuid::new_v4()),
                p(s.id),
                p(position as i64),
                p(i.category_id),
                p(i.quantity),
                p(i.weight.map(|w| w.grams())),
                p(i.unit_price.0),
                p(i.line_total().0),
            ]);
        }
        let items_sql = format!(
            "INSERT INTO sale_items (id, sale_id, position, category_id, quantity, weight_g, unit_price_cents, line_total_cents) VALUES {}",
            values_placeholders(s.items.len(), 8, 1)
        );
        let mut payments: Params = Vec::with_capacity(s.payments.len() * 4);
        for pay in &s.payments {
            payments.extend([p(uuid::Uuid::new_v4()), p(s.id), p(pay.method.as_str()), p(pay.amount_cents.0)]);
        }
        let payments_sql = format!("INSERT INTO sale_payments (id, sale_id, method, amount_cents) VALUES {}", values_placeholders(s.payments.len(), 4, 1));
        let totals = (
            "UPDATE cash_sessions SET sales_count = sales_count + 1, items_count = items_count + $2, total_cents = total_cents + $3,
                donation_cents = donation_cents + $4, cash_cents = cash_cents + $5, card_cents = card_cents + $6,
                check_cents = check_cents + $7, free_cents = free_cents + $8, weight_g = weight_g + $9
             WHERE id = $1"
                .to_string(),
            {
                let [cash, card, check, free] = sums.by_method;
                vec![p(s.session_id), p(sums.items), p(sums.total), p(s.donation.0), p(cash), p(card), p(check), p(free), p(sums.weight_g)]
            },
        );
        self.db
            // Exclusive: the sale also updates the session's running totals, and two
            // sales holding shared locks would deadlock upgrading them.
            .guarded_batch(RowLock::update("cash_sessions", s.session_id), guard, vec![(items_sql, items), (payments_sql, payments), totals])
            .await
    }

    async fn close_session(&self, c: &SessionClose) -> StoreResult<bool> {
        let sql = "UPDATE cash_sessions SET closed_at = $1, closed_by = $2, duration_seconds = $3,
                      counted_cash_cents = $4, counted_card_cents = $5, counted_check_cents = $6,
                      expected_cash_cents = $7, expected_card_cents = $8, expected_check_cents = $9,
                      cash_variance_cents = $10, comment = $11
                   WHERE id = $12 AND closed_at IS NULL AND sales_count > 0
                     AND cash_cents = $13 AND card_cents = $14 AND check_cents = $15";
        let params = vec![
            p(c.closed_at),
            p(c.closed_by),
            p(c.duration_seconds),
            p(c.counted_cash.0),
            p(c.counted_card.map(|v| v.0)),
            p(c.counted_check.map(|v| v.0)),
            p(c.expected_cash.0),
            p(c.expected_card.0),
            p(c.expected_check.0),
            p(c.cash_variance.0),
            p(c.comment.as_deref()),
            p(c.id),
            p(c.seen_cash.0),
            p(c.seen_card.0),
            p(c.seen_check.0),
        ];
        // The close report's mail is recorded in the same transaction: a closed session
        // always has its delivery, and a refused close leaves none.
        let then: Vec<_> = c.report.iter().map(super::mail::insert_delivery_statement).collect();
        self.db.guarded_batch(RowLock::update("cash_sessions", c.id), (sql.to_string(), params), then).await
    }

    async fn delete_empty_session(&self, id: CashSessionId) -> StoreResult<bool> {
        let sql = "DELETE FROM cash_sessions WHERE id = $1 AND closed_at IS NULL AND sales_count = 0";
        Ok(self.db.guarded_write(RowLock::update("cash_sessions", id), sql, vec![p(id)]).await? == 1)
    }

    async fn list_sessions(&self, f: &Resolved<CashSessionFilter>, sort: SessionSort, limit: i64, offset: i64) -> StoreResult<Vec<CashSession>> {
        let sql = format!("{SESSION_SELECT} WHERE {SESSION_FILTER_WHERE} ORDER BY {} LIMIT $22 OFFSET $23", order_by(sort));
        let mut params = filter_params(f);
        params.extend([p(limit), p(offset)]);
        self.db.fetch_all(&sql, params).await
    }

    async fn session_totals(&self, f: &Resolved<CashSessionFilter>) -> StoreResult<SessionTotals> {
        self.db.fetch_one(&totals_sql(), filter_params(f)).await
    }

    async fn cash_day_stats(&self, day: app::time::UtcRange) -> StoreResult<app::cash::CashLiveStats> {
        // The day's sales alone (index on `sold_at`): each row carries its own totals
        // (migration 0011), so no item or payment is visited.
        let sum = |c: &str| format!("CAST(COALESCE(SUM(sa.{c}), 0) AS BIGINT)");
        let sql = format!(
            "SELECT (SELECT COUNT(*) FROM cash_sessions WHERE closed_at IS NULL), COUNT(*), {}, {}, {}, {}, {}, {}, {}, {}
             FROM sales sa WHERE sa.sold_at >= $1 AND sa.sold_at < $2",
            sum("items_count"),
            sum("total_cents"),
            sum("donation_cents"),
            sum("cash_cents"),
            sum("card_cents"),
            sum("check_cents"),
            sum("free_cents"),
            sum("weight_g"),
        );
        self.db.fetch_one(&sql, vec![p(day.from), p(day.to)]).await
    }

    async fn insert_cash_history(&self, h: CashHistory) -> StoreResult<u64> {
        let sessions = h
            .sessions
            .iter()
            .map(|x| {
                let [cash, card, check, free] = x.by_method;
                let expected_cash = Cents(x.opening_float.0 + cash.0);
                vec![
                    p(x.id),
                    p(x.register_id),
                    p(x.operator_id),
                    p(x.opened_at),
                    p(x.opening_float.0),
                    p(x.sales_count),
                    p(x.items_count),
                    p(x.total.0),
                    p(x.donation.0),
                    p(cash.0),
                    p(card.0),
                    p(check.0),
                    p(free.0),
                    p(x.weight_g),
                    p(x.closed_at),
                    p(x.operator_id),
                    p(x.counted_cash.0),
                    p(card.0),
                    p(check.0),
                    p(expected_cash.0),
                    p(card.0),
                    p(check.0),
                    p((x.closed_at - x.opened_at).num_seconds()),
                    p(x.cash_variance.0),
                    p(x.comment.as_deref()),
                    p(x.opened_at),
                ]
            })
            .collect();
        let mut sales = Vec::with_capacity(h.sales.len());
        let mut items = Vec::with_capacity(h.items());
        let mut payments = Vec::with_capacity(h.sales.len());
        for s in h.sales {
            let sums = SaleSums::of(&s.items, &s.payments);
            let mut sale = vec![p(s.id), p(s.session_id), p(s.sold_at), p(sums.total), p(s.donation.0), p(None::<&str>), p(s.created_by), p(s.sold_at)];
            sale.extend(sums.row_params());
            sales.push(sale);
            for (position, i) in s.items.iter().enumerate() {
                items.push(vec![
                    p(uuid::Uuid::new_v4()),
                    p(s.id),
                    p(position as i64),
                    p(i.category_id),
                    p(i.quantity),
                    p(i.weight.map(|w| w.grams())),
                    p(i.unit_price.0),
                    p(i.line_total().0),
                ]);
            }
            for pay in &s.payments {
                payments.push(vec![p(uuid::Uuid::new_v4()), p(s.id), p(pay.method.as_str()), p(pay.amount_cents.0)]);
            }
        }
        let mut statements = insert_rows::<D>(
            "cash_sessions",
            &[
                "id", "register_id", "operator_id", "opened_at", "opening_float_cents", "sales_count", "items_count", "total_cents", "donation_cents",
                "cash_cents", "card_cents", "check_cents", "free_cents", "weight_g", "closed_at", "closed_by", "counted_cash_cents", "counted_card_cents",
                "counted_check_cents", "expected_cash_cents", "expected_card_cents", "expected_check_cents", "duration_seconds", "cash_variance_cents",
                "comment", "created_at",
            ],
            sessions,
        );
        statements.extend(insert_rows::<D>("sales", &SALE_COLUMNS, sales));
        statements.extend(insert_rows::<D>(
            "sale_items",
            &["id", "sale_id", "position", "category_id", "quantity", "weight_g", "unit_price_cents", "line_total_cents"],
            items,
        ));
        statements.extend(insert_rows::<D>("sale_payments", &["id", "sale_id", "method", "amount_cents"], payments));
        self.db.execute_all(statements).await
    }

    async fn cash_snapshot(&self) -> StoreResult<Box<dyn CashSnapshot>> {
        Ok(Box::new(CashSnap(self.db.snapshot().await?)))
    }
}

/// A sale item as exported, with its sale and session.
#[derive(Clone, Debug)]
pub struct ExportItem {
    pub sale_id: IdText,
    pub sold_at: DateTime<Utc>,
    pub session_id: IdText,
    pub register_name: String,
    pub operator_name: String,
    pub category_name: String,
    pub parent_category_name: Option<String>,
    pub quantity: i64,
    pub weight: Option<Weight>,
    pub unit_price: Cents,
    pub line_total: Cents,
    /// Which methods paid the sale: cash, card, check, free.
    pub paid_by: [bool; 4],
}

impl FromRow for ExportItem {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        Ok(ExportItem {
            sale_id: r.id_text(0)?,
            sold_at: r.ts(1)?,
            session_id: r.id_text(2)?,
            register_name: r.text(3)?,
            operator_name: r.text(4)?,
            category_name: r.text(5)?,
            parent_category_name: r.opt_text(6)?,
            quantity: r.int(7)?,
            weight: r.opt_int(8)?.map(Weight::from_grams),
            unit_price: cents(r, 9)?,
            line_total: cents(r, 10)?,
            paid_by: [r.bool(11)?, r.bool(12)?, r.bool(13)?, r.bool(14)?],
        })
    }
}

/// The export reads of the cash audit, within one snapshot.
#[async_trait::async_trait]
pub trait CashSnapshot: Send {
    async fn totals(&mut self, f: &Resolved<CashSessionFilter>) -> StoreResult<SessionTotals>;
    /// Every session of the filter, in `sort` order, in batches.
    async fn sessions(&mut self, f: &Resolved<CashSessionFilter>, sort: SessionSort, out: &tokio::sync::mpsc::Sender<StoreResult<Vec<CashSession>>>) -> StoreResult<u64>;
    /// Every sale item of the filter's sessions, by session opening then sale.
    async fn items(&mut self, f: &Resolved<CashSessionFilter>, out: &tokio::sync::mpsc::Sender<StoreResult<Vec<ExportItem>>>) -> StoreResult<u64>;
}

struct CashSnap<S: super::sql::Snapshot>(S);

fn totals_sql() -> String {
    let sum = |c: &str| format!("CAST(COALESCE(SUM({c}), 0) AS BIGINT)");
    format!(
        "SELECT COUNT(*), {}, {}, {}, {}, {}, {}, {}, {}, {}, {}
         FROM cash_sessions s JOIN registers r ON r.id = s.register_id JOIN users u ON u.id = s.operator_id
         WHERE {SESSION_FILTER_WHERE}",
        sum("s.sales_count"),
        sum("s.items_count"),
        sum("s.total_cents"),
        sum("s.cash_cents"),
        sum("s.card_cents"),
        sum("s.check_cents"),
        sum("s.free_cents"),
        sum("s.donation_cents"),
        sum("s.cash_variance_cents"),
        sum("s.weight_g"),
    )
}

#[async_trait::async_trait]
impl<S: super::sql::Snapshot> CashSnapshot for CashSnap<S> {
    async fn totals(&mut self, f: &Resolved<CashSessionFilter>) -> StoreResult<SessionTotals> {
        self.0.fetch_all(&totals_sql(), filter_params(f)).await?.pop().ok_or(StoreError::NotFound)
    }

    async fn sessions(&mut self, f: &Resolved<CashSessionFilter>, sort: SessionSort, out: &tokio::sync::mpsc::Sender<StoreResult<Vec<CashSession>>>) -> StoreResult<u64> {
        let sql = format!("{SESSION_SELECT} WHERE {SESSION_FILTER_WHERE} ORDER BY {}", order_by(sort));
        self.0.stream(&sql, filter_params(f), out).await
    }

    async fn items(&mut self, f: &Resolved<CashSessionFilter>, out: &tokio::sync::mpsc::Sender<StoreResult<Vec<ExportItem>>>) -> StoreResult<u64> {
        let paid = |m: &str| format!("EXISTS (SELECT 1 FROM sale_payments pm WHERE pm.sale_id = sa.id AND pm.method = '{m}')");
        let sql = format!(
            "SELECT sa.id, sa.sold_at, s.id, r.name, u.display_name, c.name, pc.name, i.quantity, i.weight_g,
                    i.unit_price_cents, i.line_total_cents, {}, {}, {}, {}
             FROM sale_items i
             JOIN sales sa ON sa.id = i.sale_id
             JOIN cash_sessions s ON s.id = sa.session_id
             JOIN registers r ON r.id = s.register_id
             JOIN users u ON u.id = s.operator_id
             JOIN categories c ON c.id = i.category_id
             LEFT JOIN categories pc ON pc.id = c.parent_id
             WHERE {SESSION_FILTER_WHERE}
             ORDER BY s.opened_at, s.id, sa.sold_at, sa.created_at, sa.id, i.position",
            paid("cash"),
            paid("card"),
            paid("check"),
            paid("free"),
        );
        self.0.stream(&sql, filter_params(f), out).await
    }
}
