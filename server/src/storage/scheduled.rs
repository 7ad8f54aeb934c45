//! Scheduled reports, their runs and their log. The truth of the scheduler is here: a
//! report's `next_run` moves forward only through a compare-and-set in the same
//! transaction that records the run (unique per report and scheduled time) and its
//! mail delivery, so a run is claimed once whatever the number of instances.
use app::ids::{ReportLogId, ReportRunId, ScheduledReportId, UserId};
use app::schedule::report::{ScheduledReport, ScheduledReportLog};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::mail::{insert_delivery_statement, NewDelivery};
use super::sql::{p, Database, FromRow, Params, RowLock, RowReader, SqlStore};
use super::{StoreError, StoreResult};

/// A report's configuration as stored (checked by `ScheduledReportInput::check`).
#[derive(Clone, Debug)]
pub struct ReportRecord {
    pub id: ScheduledReportId,
    pub user_id: UserId,
    pub name: String,
    pub report_type: &'static str,
    pub frequency: String,
    pub time_of_day: Option<String>,
    pub weekday: Option<u32>,
    pub day_of_month: Option<u32>,
    pub cron_expression: Option<String>,
    pub timezone: String,
    pub recipients: Vec<String>,
    pub format: &'static str,
    pub filters_json: String,
    pub enabled: bool,
    pub notify_email: Option<String>,
    pub next_run: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
}

/// A run to record with its claim.
#[derive(Clone, Debug)]
pub struct NewRun {
    pub id: ReportRunId,
    pub report_id: ScheduledReportId,
    pub scheduled_for: DateTime<Utc>,
    /// `scheduled`, `catch_up`, `manual` or `retry`.
    pub origin: &'static str,
    pub now: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct RunRow {
    pub id: ReportRunId,
    pub report_id: ScheduledReportId,
    pub scheduled_for: DateTime<Utc>,
    pub origin: String,
}

/// A log row.
#[derive(Clone, Debug)]
pub struct NewLog {
    pub report_id: ScheduledReportId,
    pub run_id: Option<ReportRunId>,
    pub scheduled_for: DateTime<Utc>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub status: &'static str,
    pub attempt: i64,
    pub rows: Option<i64>,
    pub bytes: Option<i64>,
    pub recipients: Vec<String>,
    pub error: Option<String>,
}

/// How a run ended, for the report's counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunEnd {
    Success,
    Failed,
}

fn insert_log_statement(l: &NewLog) -> (String, Params) {
    let duration = l.finished_at.map(|f| (f - l.started_at).num_milliseconds());
    (
        "INSERT INTO scheduled_report_logs (id, report_id, run_id, scheduled_for, started_at, finished_at, duration_ms, status, attempt, rows_count, bytes, recipients, error)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
            .to_string(),
        vec![
            p(ReportLogId(Uuid::new_v4())),
            p(l.report_id),
            p(l.run_id),
            p(l.scheduled_for),
            p(l.started_at),
            p(l.finished_at),
            p(duration),
            p(l.status),
            p(l.attempt),
            p(l.rows),
            p(l.bytes),
            p(l.recipients.join(",")),
            p(l.error.clone()),
        ],
    )
}

fn insert_run_statement(r: &NewRun) -> (String, Params) {
    (
        "INSERT INTO scheduled_report_runs (id, report_id, scheduled_for, origin, status, created_at) VALUES ($1, $2, $3, $4, 'delivering', $5)".to_string(),
        vec![p(r.id), p(r.report_id), p(r.scheduled_for), p(r.origin), p(r.now)],
    )
}

fn split(s: &str) -> Vec<String> {
    s.split(',').map(str::trim).filter(|a| !a.is_empty()).map(str::to_string).collect()
}

const REPORT_COLUMNS: &str = "r.id, r.user_id, u.display_name, r.name, r.type, r.frequency, r.time_of_day, r.weekday, r.day_of_month, r.cron_expression, r.timezone,
     r.recipients, r.format, r.filters_json, r.enabled, r.paused_reason, r.consecutive_failures, r.last_run, r.last_status, r.next_run, r.created_at, r.updated_at, r.notify_email";

impl FromRow for ScheduledReport {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        let filters = r.text(13)?;
        let mut report = ScheduledReport {
            id: r.id(0)?,
            user_id: r.id(1)?,
            owner_name: r.text(2)?,
            name: r.text(3)?,
            report_type: r.text(4)?,
            frequency: r.text(5)?,
            time_of_day: r.opt_text(6)?,
            weekday: r.opt_int(7)?.map(|v| v as u32),
            day_of_month: r.opt_int(8)?.map(|v| v as u32),
            cron_expression: r.opt_text(9)?,
            timezone: r.text(10)?,
            recipients: split(&r.text(11)?),
            format: r.text(12)?,
            filters_json: serde_json::from_str(&filters).map_err(|_| StoreError::Corrupt(format!("filters_json {filters:?}")))?,
            enabled: r.bool(14)?,
            notify_email: r.opt_text(22)?,
            paused_reason: r.opt_text(15)?,
            consecutive_failures: r.int(16)?,
            last_run: r.opt_ts(17)?,
            last_status: r.opt_text(18)?,
            next_run: r.opt_ts(19)?,
            description: String::new(),
            created_at: r.ts(20)?,
            updated_at: r.ts(21)?,
        };
        report.description = app::schedule::Schedule::from_fields(&app::schedule::ScheduleFields {
            frequency: report.frequency.clone(),
            time_of_day: report.time_of_day.clone(),
            weekday: report.weekday,
            day_of_month: report.day_of_month,
            cron_expression: report.cron_expression.clone(),
            timezone: Some(report.timezone.clone()),
        })
        .map(|s| s.describe())
        .unwrap_or_default();
        Ok(report)
    }
}

impl FromRow for RunRow {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        Ok(RunRow {
            id: r.id(0)?,
            report_id: r.id(1)?,
            scheduled_for: r.ts(2)?,
            origin: r.text(3)?,
        })
    }
}

const LOG_COLUMNS: &str = "id, report_id, scheduled_for, started_at, finished_at, duration_ms, status, attempt, rows_count, bytes, recipients, error";

impl FromRow for ScheduledReportLog {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        Ok(ScheduledReportLog {
            id: r.id(0)?,
            report_id: r.id(1)?,
            scheduled_for: r.ts(2)?,
            started_at: r.ts(3)?,
            finished_at: r.opt_ts(4)?,
            duration_ms: r.opt_int(5)?,
            status: r.text(6)?,
            attempt: r.int(7)?,
            rows: r.opt_int(8)?,
            bytes: r.opt_int(9)?,
            recipients: split(&r.text(10)?),
            error: r.opt_text(11)?,
        })
    }
}

#[async_trait::async_trait]
pub trait ScheduledStore: Send + Sync {
    async fn insert_report(&self, r: &ReportRecord) -> StoreResult<()>;
    /// Replaces the configuration; `reenable` clears a pause and its failure count.
    async fn update_report(&self, r: &ReportRecord, reenable: bool) -> StoreResult<bool>;
    /// Deletes the report, its runs and log, and cancels its mails not yet sent.
    async fn delete_report(&self, id: ScheduledReportId, now: DateTime<Utc>) -> StoreResult<bool>;
    async fn report(&self, id: ScheduledReportId) -> StoreResult<Option<ScheduledReport>>;
    async fn list_reports(&self) -> StoreResult<Vec<ScheduledReport>>;
    /// How many reports need an admin's eye: their last run failed, or the scheduler
    /// paused them.
    async fn count_needing_attention(&self) -> StoreResult<i64>;
    /// Enabled reports whose next run is due at `now`, earliest first.
    async fn due_reports(&self, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<ScheduledReport>>;
    /// Claims the runs of `report_id` due until now: moves `next_run` from `expected`
    /// to `next` (false, and nothing written, when another claimer did it first), and
    /// in the same transaction records `run` with its `delivery` and the `missed` logs.
    async fn claim_runs(
        &self,
        report_id: ScheduledReportId,
        expected: DateTime<Utc>,
        next: Option<DateTime<Utc>>,
        run: Option<(&NewRun, &NewDelivery)>,
        missed: &[NewLog],
    ) -> StoreResult<bool>;
    /// Records a run asked for by an admin (send now, retry) with its delivery.
    async fn insert_run(&self, run: &NewRun, delivery: &NewDelivery) -> StoreResult<()>;
    async fn run(&self, id: ReportRunId) -> StoreResult<Option<RunRow>>;
    async fn insert_log(&self, l: &NewLog) -> StoreResult<()>;
    /// Ends a run: its status, the report's last status and failure count; pauses the
    /// report with `pause_reason` once `max_failures` runs in a row have failed.
    /// Returns whether the report was paused by this call.
    async fn end_run(&self, run_id: ReportRunId, report_id: ScheduledReportId, end: RunEnd, now: DateTime<Utc>, max_failures: i64, pause_reason: &str) -> StoreResult<bool>;
    /// Sets the report's last status (an attempt that will be retried).
    async fn set_last_status(&self, report_id: ScheduledReportId, status: &str) -> StoreResult<()>;
    async fn logs(&self, report_id: ScheduledReportId, limit: i64) -> StoreResult<Vec<ScheduledReportLog>>;
    /// A log row with the run it belongs to.
    async fn log(&self, log_id: ReportLogId) -> StoreResult<Option<(ScheduledReportLog, Option<ReportRunId>)>>;
    /// Takes the report's one failure notice of the day: true at most once per 24 h.
    async fn take_notice(&self, report_id: ScheduledReportId, now: DateTime<Utc>) -> StoreResult<bool>;
}

struct LogWithRun(ScheduledReportLog, Option<ReportRunId>);

impl FromRow for LogWithRun {
    fn from_row(r: &impl RowReader) -> StoreResult<Self> {
        Ok(LogWithRun(ScheduledReportLog::from_row(r)?, r.opt_id(12)?))
    }
}

fn record_params(r: &ReportRecord) -> Params {
    vec![
        p(r.id),
        p(r.user_id),
        p(r.name.as_str()),
        p(r.report_type),
        p(r.frequency.as_str()),
        p(r.time_of_day.clone()),
        p(r.weekday.map(i64::from)),
        p(r.day_of_month.map(i64::from)),
        p(r.cron_expression.clone()),
        p(r.timezone.as_str()),
        p(r.recipients.join(",")),
        p(r.format),
        p(r.filters_json.as_str()),
        p(r.enabled),
        p(r.next_run),
        p(r.now),
        p(r.notify_email.clone()),
    ]
}

#[async_trait::async_trait]
impl<D: Database> ScheduledStore for SqlStore<D> {
    async fn insert_report(&self, r: &ReportRecord) -> StoreResult<()> {
        let sql = "INSERT INTO scheduled_reports (id, user_id, name, type, frequency, time_of_day, weekday, day_of_month, cron_expression, timezone, recipients, format, filters_json, enabled, next_run, created_at, updated_at, notify_email)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, $17)";
        self.db.execute(sql, record_params(r)).await.map(|_| ())
    }

    async fn update_report(&self, r: &ReportRecord, reenable: bool) -> StoreResult<bool> {
        let sql = "UPDATE scheduled_reports SET name = $3, type = $4, frequency = $5, time_of_day = $6, weekday = $7, day_of_month = $8, cron_expression = $9,
                       timezone = $10, recipients = $11, format = $12, filters_json = $13, enabled = $14, next_run = $15, updated_at = $16, notify_email = $17,
                       paused_reason = CASE WHEN $18 THEN NULL ELSE paused_reason END,
                       consecutive_failures = CASE WHEN $18 THEN 0 ELSE consecutive_failures END
                   WHERE id = $1 AND user_id = $2";
        let mut params = record_params(r);
        params.push(p(reenable));
        Ok(self.db.execute(sql, params).await? == 1)
    }

    async fn delete_report(&self, id: ScheduledReportId, now: DateTime<Utc>) -> StoreResult<bool> {
        let cancel = (
            "UPDATE mail_deliveries SET status = 'failed', last_error = 'Rapport programmé supprimé avant l''envoi.', next_attempt_at = NULL, updated_at = $2
             WHERE source_id IN (SELECT id FROM scheduled_report_runs WHERE report_id = $1) AND status IN ('pending', 'retrying')"
                .to_string(),
            vec![p(id), p(now)],
        );
        let delete = ("DELETE FROM scheduled_reports WHERE id = $1".to_string(), vec![p(id)]);
        // The guard: the report exists (locked on PostgreSQL while its mails are cancelled).
        let guard = ("UPDATE scheduled_reports SET enabled = enabled WHERE id = $1".to_string(), vec![p(id)]);
        self.db
            .guarded_batch(RowLock::update("scheduled_reports", id), guard, vec![cancel, delete])
            .await
    }

    async fn report(&self, id: ScheduledReportId) -> StoreResult<Option<ScheduledReport>> {
        let sql = format!("SELECT {REPORT_COLUMNS} FROM scheduled_reports r JOIN users u ON u.id = r.user_id WHERE r.id = $1");
        self.db.fetch_optional(&sql, vec![p(id)]).await
    }

    async fn list_reports(&self) -> StoreResult<Vec<ScheduledReport>> {
        let sql = format!("SELECT {REPORT_COLUMNS} FROM scheduled_reports r JOIN users u ON u.id = r.user_id ORDER BY LOWER(r.name), r.id");
        self.db.fetch_all(&sql, vec![]).await
    }

    async fn count_needing_attention(&self) -> StoreResult<i64> {
        let sql = "SELECT COUNT(*) FROM scheduled_reports WHERE last_status = $1 OR paused_reason IS NOT NULL";
        self.db.fetch_one(sql, vec![p("failed")]).await
    }

    async fn due_reports(&self, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<ScheduledReport>> {
        let sql = format!(
            "SELECT {REPORT_COLUMNS} FROM scheduled_reports r JOIN users u ON u.id = r.user_id
             WHERE r.enabled = $1 AND r.next_run <= $2 ORDER BY r.next_run, r.id LIMIT $3"
        );
        self.db.fetch_all(&sql, vec![p(true), p(now), p(limit)]).await
    }

    async fn claim_runs(
        &self,
        report_id: ScheduledReportId,
        expected: DateTime<Utc>,
        next: Option<DateTime<Utc>>,
        run: Option<(&NewRun, &NewDelivery)>,
        missed: &[NewLog],
    ) -> StoreResult<bool> {
        let last_run = run.map(|(r, _)| r.scheduled_for);
        let guard = (
            "UPDATE scheduled_reports SET next_run = $1, last_run = COALESCE($2, last_run), last_status = CASE WHEN $2 IS NULL THEN 'missed' ELSE last_status END
             WHERE id = $3 AND enabled = $4 AND next_run = $5"
                .to_string(),
            vec![p(next), p(last_run), p(report_id), p(true), p(expected)],
        );
        let mut then: Vec<(String, Params)> = missed.iter().map(insert_log_statement).collect();
        if let Some((r, d)) = run {
            then.push(insert_run_statement(r));
            then.push(insert_delivery_statement(d));
        }
        match self.db.guarded_batch(RowLock::update("scheduled_reports", report_id), guard, then).await {
            // The run of that time exists already: another instance recorded it.
            Err(StoreError::Database(sqlx::Error::Database(e))) if e.is_unique_violation() => Ok(false),
            other => other,
        }
    }

    async fn insert_run(&self, run: &NewRun, delivery: &NewDelivery) -> StoreResult<()> {
        let done = self
            .db
            .guarded_batch(
                RowLock::share("scheduled_reports", run.report_id),
                insert_run_statement(run),
                vec![insert_delivery_statement(delivery)],
            )
            .await
            .map_err(super::sql::unique_as_conflict("run"))?;
        if done {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }

    async fn run(&self, id: ReportRunId) -> StoreResult<Option<RunRow>> {
        self.db
            .fetch_optional(
                "SELECT id, report_id, scheduled_for, origin FROM scheduled_report_runs WHERE id = $1",
                vec![p(id)],
            )
            .await
    }

    async fn insert_log(&self, l: &NewLog) -> StoreResult<()> {
        let (sql, params) = insert_log_statement(l);
        self.db.execute(&sql, params).await.map(|_| ())
    }

    async fn end_run(&self, run_id: ReportRunId, report_id: ScheduledReportId, end: RunEnd, now: DateTime<Utc>, max_failures: i64, pause_reason: &str) -> StoreResult<bool> {
        let status = match end {
            RunEnd::Success => "success",
            RunEnd::Failed => "failed",
        };
        self.db
            .execute("UPDATE scheduled_report_runs SET status = $1 WHERE id = $2", vec![p(status), p(run_id)])
            .await?;
        let counted = match end {
            RunEnd::Success => "UPDATE scheduled_reports SET consecutive_failures = 0, last_status = 'success', updated_at = updated_at WHERE id = $1",
            RunEnd::Failed => "UPDATE scheduled_reports SET consecutive_failures = consecutive_failures + 1, last_status = 'failed' WHERE id = $1",
        };
        self.db.execute(counted, vec![p(report_id)]).await?;
        if end == RunEnd::Success {
            return Ok(false);
        }
        let paused = self
            .db
            .execute(
                "UPDATE scheduled_reports SET enabled = $1, paused_reason = $2, next_run = NULL, updated_at = $3 WHERE id = $4 AND enabled = $5 AND consecutive_failures >= $6",
                vec![p(false), p(pause_reason), p(now), p(report_id), p(true), p(max_failures)],
            )
            .await?;
        Ok(paused == 1)
    }

    async fn set_last_status(&self, report_id: ScheduledReportId, status: &str) -> StoreResult<()> {
        self.db
            .execute("UPDATE scheduled_reports SET last_status = $1 WHERE id = $2", vec![p(status), p(report_id)])
            .await
            .map(|_| ())
    }

    async fn logs(&self, report_id: ScheduledReportId, limit: i64) -> StoreResult<Vec<ScheduledReportLog>> {
        let sql = format!("SELECT {LOG_COLUMNS} FROM scheduled_report_logs WHERE report_id = $1 ORDER BY started_at DESC, attempt DESC, id LIMIT $2");
        self.db.fetch_all(&sql, vec![p(report_id), p(limit)]).await
    }

    async fn log(&self, log_id: ReportLogId) -> StoreResult<Option<(ScheduledReportLog, Option<ReportRunId>)>> {
        let sql = format!("SELECT {LOG_COLUMNS}, run_id FROM scheduled_report_logs WHERE id = $1");
        Ok(self
            .db
            .fetch_optional::<LogWithRun>(&sql, vec![p(log_id)])
            .await?
            .map(|LogWithRun(l, r)| (l, r)))
    }

    async fn take_notice(&self, report_id: ScheduledReportId, now: DateTime<Utc>) -> StoreResult<bool> {
        let n = self
            .db
            .execute(
                "UPDATE scheduled_reports SET last_notified_at = $1 WHERE id = $2 AND (last_notified_at IS NULL OR last_notified_at <= $3)",
                vec![p(now), p(report_id), p(now - chrono::Duration::days(1))],
            )
            .await?;
        Ok(n == 1)
    }
}
