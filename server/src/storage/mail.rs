//! Mail deliveries: a message to send is a row, claimed by one worker at a time, with a
//! row per attempt. See `mail/delivery.rs` for the protocol these statements serve.
use app::ids::DeliveryId;
use app::mail::{DeliveryAttempt, MailDelivery};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::sql::{p, Database, FromRow, Params, RowLock, RowReader, SqlStore};
use super::StoreResult;

/// A message to record. Either its attachment is already there, or `render_json`
/// describes the report the worker renders into it before the first send.
#[derive(Clone, Debug)]
pub struct NewDelivery {
    pub id: DeliveryId,
    pub kind: &'static str,
    /// What the mail is about, by kind: a cash session, a scheduled report's run, a
    /// scheduled report (its owner's notice).
    pub source_id: Option<Uuid>,
    pub recipients: Vec<String>,
    pub subject: String,
    pub body: String,
    pub render_json: Option<String>,
    pub now: DateTime<Utc>,
}

/// A claimed delivery, with what the worker needs to send it.
#[derive(Clone, Debug)]
pub struct DeliveryRow {
    pub id: DeliveryId,
    pub kind: String,
    pub source_id: Option<Uuid>,
    pub recipients: Vec<String>,
    pub subject: String,
    pub body: String,
    pub render_json: Option<String>,
    pub attachment_name: Option<String>,
    pub attachment_type: Option<String>,
    pub attachment: Option<Vec<u8>>,
    pub rows_count: Option<i64>,
    pub status: String,
    pub attempts: i64,
}

/// The attachment once rendered, and the body that describes it.
#[derive(Clone, Debug)]
pub struct RenderedAttachment {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub rows: i64,
    pub body: String,
}

/// How an SMTP attempt ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttemptEnd {
    Sent,
    /// A transient failure: try again at that time.
    Retry(DateTime<Utc>),
    /// Given up (a permanent failure, or the last retry).
    Failed,
}

impl AttemptEnd {
    fn statuses(&self) -> (&'static str, &'static str) {
        match self {
            AttemptEnd::Sent => ("sent", "sent"),
            AttemptEnd::Retry(_) => ("retrying", "retrying"),
            AttemptEnd::Failed => ("failed", "failed"),
        }
    }
}

/// A delivery found in the SMTP phase after its claim expired.
#[derive(Clone, Debug)]
pub struct Interrupted {
    pub id: DeliveryId,
    pub kind: String,
    pub source_id: Option<Uuid>,
    pub attempt: i64,
}

#[async_trait::async_trait]
pub trait MailStore: Send + Sync {
    async fn insert_delivery(&self, d: &NewDelivery) -> StoreResult<()>;
    /// Claims the delivery due first (pending or retrying, or claimed by a worker whose
    /// lease ran out before it reached the SMTP phase): one claimer wins, atomically.
    async fn claim_delivery(&self, now: DateTime<Utc>, lease_until: DateTime<Utc>) -> StoreResult<Option<DeliveryRow>>;
    /// Stores the rendered attachment of a claimed delivery.
    async fn store_rendered(&self, id: DeliveryId, r: &RenderedAttachment, now: DateTime<Utc>) -> StoreResult<bool>;
    /// Marks the SMTP phase (status `sending`, attempt row `sending`) before the
    /// server is contacted; false when the claim was lost.
    async fn begin_smtp(&self, id: DeliveryId, attempt: i64, now: DateTime<Utc>, lease_until: DateTime<Utc>) -> StoreResult<bool>;
    /// Records how attempt `attempt` ended.
    async fn finish_attempt(&self, id: DeliveryId, attempt: i64, end: &AttemptEnd, error: Option<&str>, now: DateTime<Utc>) -> StoreResult<bool>;
    /// Gives up a claimed delivery before any SMTP exchange (its report could not be
    /// rendered): status `failed`, with an attempt row saying why.
    async fn fail_unsent(&self, id: DeliveryId, attempt: i64, error: &str, now: DateTime<Utc>) -> StoreResult<bool>;
    /// Deliveries left in the SMTP phase past their lease: ended as `interrupted`,
    /// never sent again. Each is returned to exactly one caller.
    async fn interrupt_stale_deliveries(&self, now: DateTime<Utc>) -> StoreResult<Vec<Interrupted>>;
    /// The latest deliveries with their attempts, newest first.
    async fn list_deliveries(&self, limit: i64) -> StoreResult<Vec<MailDelivery>>;
    async fn delivery(&self, id: DeliveryId) -> StoreResult<Option<MailDelivery>>;
    /// The deliveries about `source_id` (a cash session, a scheduled run), oldest first.
    async fn deliveries_of(&self, source_id: Uuid) -> StoreResult<Vec<MailDelivery>>;
}

/// The insert of a delivery, for a caller that writes it in its own transaction (the
/// close of a cash session records its report mail with the close).
pub fn insert_delivery_statement(d: &NewDelivery) -> (String, Params) {
    let sql =
        "INSERT INTO mail_deliveries (id, kind, source_id, recipients, subject, body, render_json, status, attempts, next_attempt_at, created_at, updated_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $8, $8)";
    let params = vec![
        p(d.id),
        p(d.kind),
        p(d.source_id),
        p(d.recipients.join(",")),
        p(d.subject.as_str()),
        p(d.body.as_str()),
        p(d.render_json.clone()),
        p(d.now),
    ];
    (sql.to_string(), params)
}

fn split_recipients(s: &str) -> Vec<String> {
    s.split(',').map(str::trim).filter(|a| !a.is_empty()).map(str::to_string).collect()
}

const ROW_COLUMNS: &str =
    "id, kind, source_id, recipients, subject, body, render_json, attachment_name, attachment_type, attachment, rows_count, status, attempts";

impl FromRow for DeliveryRow {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        Ok(DeliveryRow {
            id: r.id(0)?,
            kind: r.text(1)?,
            source_id: r.opt_uuid(2)?,
            recipients: split_recipients(&r.text(3)?),
            subject: r.text(4)?,
            body: r.text(5)?,
            render_json: r.opt_text(6)?,
            attachment_name: r.opt_text(7)?,
            attachment_type: r.opt_text(8)?,
            attachment: r.opt_bytes(9)?,
            rows_count: r.opt_int(10)?,
            status: r.text(11)?,
            attempts: r.int(12)?,
        })
    }
}

const VIEW_COLUMNS: &str =
    "d.id, d.kind, d.recipients, d.subject, d.attachment_name, CAST(LENGTH(d.attachment) AS BIGINT), d.status, d.attempts, d.next_attempt_at, d.last_error, d.created_at, d.sent_at";

impl FromRow for MailDelivery {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        Ok(MailDelivery {
            id: r.id(0)?,
            kind: r.text(1)?,
            recipients: split_recipients(&r.text(2)?),
            subject: r.text(3)?,
            attachment_name: r.opt_text(4)?,
            attachment_bytes: r.opt_int(5)?,
            status: r.text(6)?,
            attempts: r.int(7)?,
            next_attempt_at: r.opt_ts(8)?,
            last_error: r.opt_text(9)?,
            created_at: r.ts(10)?,
            sent_at: r.opt_ts(11)?,
            attempt_log: Vec::new(),
        })
    }
}

struct AttemptRow(DeliveryId, DeliveryAttempt);

impl FromRow for AttemptRow {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        Ok(AttemptRow(
            r.id(0)?,
            DeliveryAttempt {
                attempt: r.int(1)?,
                started_at: r.ts(2)?,
                finished_at: r.opt_ts(3)?,
                status: r.text(4)?,
                error: r.opt_text(5)?,
            },
        ))
    }
}

impl FromRow for Interrupted {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        Ok(Interrupted {
            id: r.id(0)?,
            kind: r.text(1)?,
            source_id: r.opt_uuid(2)?,
            attempt: r.int(3)?,
        })
    }
}

impl<D: Database> SqlStore<D> {
    /// Fills in the attempts of `list`, in one query.
    async fn with_attempts(&self, mut list: Vec<MailDelivery>, condition: &str, params: Params) -> StoreResult<Vec<MailDelivery>> {
        let sql = format!(
            "SELECT a.delivery_id, a.attempt, a.started_at, a.finished_at, a.status, a.error FROM mail_delivery_attempts a
             WHERE a.delivery_id IN (SELECT d.id FROM mail_deliveries d WHERE {condition}) ORDER BY a.delivery_id, a.attempt"
        );
        let attempts: Vec<AttemptRow> = self.db.fetch_all(&sql, params).await?;
        for AttemptRow(id, a) in attempts {
            if let Some(d) = list.iter_mut().find(|d| d.id == id) {
                d.attempt_log.push(a);
            }
        }
        Ok(list)
    }
}

#[async_trait::async_trait]
impl<D: Database> MailStore for SqlStore<D> {
    async fn insert_delivery(&self, d: &NewDelivery) -> StoreResult<()> {
        let (sql, params) = insert_delivery_statement(d);
        self.db.execute(&sql, params).await.map(|_| ())
    }

    async fn claim_delivery(&self, now: DateTime<Utc>, lease_until: DateTime<Utc>) -> StoreResult<Option<DeliveryRow>> {
        const DUE: &str = "((status IN ('pending', 'retrying') AND next_attempt_at <= $1) OR (status = 'claimed' AND lease_until < $1))";
        // PostgreSQL: instances skip the row another one is claiming; the outer
        // condition is checked again on the row as it stands once locked, so a row is
        // never claimed twice. SQLite runs one writer at a time.
        let skip_locked = if D::NAME == "postgres" { " FOR UPDATE SKIP LOCKED" } else { "" };
        let sql = format!(
            "UPDATE mail_deliveries SET status = 'claimed', lease_until = $2, updated_at = $1
             WHERE id = (SELECT id FROM mail_deliveries WHERE {DUE} ORDER BY next_attempt_at, created_at LIMIT 1{skip_locked}) AND {DUE}
             RETURNING {ROW_COLUMNS}"
        );
        self.db.fetch_optional(&sql, vec![p(now), p(lease_until)]).await
    }

    async fn store_rendered(&self, id: DeliveryId, r: &RenderedAttachment, now: DateTime<Utc>) -> StoreResult<bool> {
        let sql = "UPDATE mail_deliveries SET attachment_name = $1, attachment_type = $2, attachment = $3, rows_count = $4, body = $5, render_json = NULL, updated_at = $6
                   WHERE id = $7 AND status = 'claimed'";
        let params = vec![
            p(r.name.as_str()),
            p(r.content_type.as_str()),
            p(r.bytes.clone()),
            p(r.rows),
            p(r.body.as_str()),
            p(now),
            p(id),
        ];
        Ok(self.db.execute(sql, params).await? == 1)
    }

    async fn begin_smtp(&self, id: DeliveryId, attempt: i64, now: DateTime<Utc>, lease_until: DateTime<Utc>) -> StoreResult<bool> {
        let guard = (
            "UPDATE mail_deliveries SET status = 'sending', attempts = $1, lease_until = $2, updated_at = $3 WHERE id = $4 AND status = 'claimed'".to_string(),
            vec![p(attempt), p(lease_until), p(now), p(id)],
        );
        let log = (
            "INSERT INTO mail_delivery_attempts (delivery_id, attempt, started_at, status) VALUES ($1, $2, $3, 'sending')".to_string(),
            vec![p(id), p(attempt), p(now)],
        );
        self.db.guarded_batch(RowLock::update("mail_deliveries", id), guard, vec![log]).await
    }

    async fn finish_attempt(&self, id: DeliveryId, attempt: i64, end: &AttemptEnd, error: Option<&str>, now: DateTime<Utc>) -> StoreResult<bool> {
        let (status, attempt_status) = end.statuses();
        let next = match end {
            AttemptEnd::Retry(at) => Some(*at),
            _ => None,
        };
        let sent_at = (*end == AttemptEnd::Sent).then_some(now);
        let guard = (
            "UPDATE mail_deliveries SET status = $1, next_attempt_at = $2, lease_until = NULL, last_error = $3, sent_at = $4, updated_at = $5
             WHERE id = $6 AND status = 'sending' AND attempts = $7"
                .to_string(),
            vec![p(status), p(next), p(error), p(sent_at), p(now), p(id), p(attempt)],
        );
        let log = (
            "UPDATE mail_delivery_attempts SET status = $1, finished_at = $2, error = $3 WHERE delivery_id = $4 AND attempt = $5".to_string(),
            vec![p(attempt_status), p(now), p(error), p(id), p(attempt)],
        );
        self.db.guarded_batch(RowLock::update("mail_deliveries", id), guard, vec![log]).await
    }

    async fn fail_unsent(&self, id: DeliveryId, attempt: i64, error: &str, now: DateTime<Utc>) -> StoreResult<bool> {
        let guard = (
            "UPDATE mail_deliveries SET status = 'failed', attempts = $1, lease_until = NULL, last_error = $2, updated_at = $3 WHERE id = $4 AND status = 'claimed'".to_string(),
            vec![p(attempt), p(error), p(now), p(id)],
        );
        let log = (
            "INSERT INTO mail_delivery_attempts (delivery_id, attempt, started_at, finished_at, status, error) VALUES ($1, $2, $3, $3, 'failed', $4)"
                .to_string(),
            vec![p(id), p(attempt), p(now), p(error)],
        );
        self.db.guarded_batch(RowLock::update("mail_deliveries", id), guard, vec![log]).await
    }

    async fn interrupt_stale_deliveries(&self, now: DateTime<Utc>) -> StoreResult<Vec<Interrupted>> {
        const ERROR: &str =
            "Envoi interrompu (serveur arrêté pendant l'échange SMTP) : le message a peut-être été remis, il n'est pas renvoyé automatiquement.";
        let found: Vec<Interrupted> = self
            .db
            .fetch_all(
                "UPDATE mail_deliveries SET status = 'interrupted', lease_until = NULL, last_error = $2, updated_at = $1
                 WHERE status = 'sending' AND lease_until < $1 RETURNING id, kind, source_id, attempts",
                vec![p(now), p(ERROR)],
            )
            .await?;
        for i in &found {
            self.db
                .execute(
                    "UPDATE mail_delivery_attempts SET status = 'interrupted', finished_at = $1, error = $2 WHERE delivery_id = $3 AND attempt = $4 AND status = 'sending'",
                    vec![p(now), p(ERROR), p(i.id), p(i.attempt)],
                )
                .await?;
        }
        Ok(found)
    }

    async fn list_deliveries(&self, limit: i64) -> StoreResult<Vec<MailDelivery>> {
        let sql = format!("SELECT {VIEW_COLUMNS} FROM mail_deliveries d ORDER BY d.created_at DESC, d.id LIMIT $1");
        let list = self.db.fetch_all(&sql, vec![p(limit)]).await?;
        let condition = "d.id IN (SELECT e.id FROM mail_deliveries e ORDER BY e.created_at DESC, e.id LIMIT $1)";
        self.with_attempts(list, condition, vec![p(limit)]).await
    }

    async fn delivery(&self, id: DeliveryId) -> StoreResult<Option<MailDelivery>> {
        let sql = format!("SELECT {VIEW_COLUMNS} FROM mail_deliveries d WHERE d.id = $1");
        let Some(d) = self.db.fetch_optional::<MailDelivery>(&sql, vec![p(id)]).await? else {
            return Ok(None);
        };
        Ok(self.with_attempts(vec![d], "d.id = $1", vec![p(id)]).await?.pop())
    }

    async fn deliveries_of(&self, source_id: Uuid) -> StoreResult<Vec<MailDelivery>> {
        let sql = format!("SELECT {VIEW_COLUMNS} FROM mail_deliveries d WHERE d.source_id = $1 ORDER BY d.created_at, d.id");
        let list = self.db.fetch_all(&sql, vec![p(source_id)]).await?;
        self.with_attempts(list, "d.source_id = $1", vec![p(source_id)]).await
    }
}
