//! Durable mail delivery: every report mail (the close report of a cash session, a
//! scheduled report, the owner's failure notice) is first a row of `mail_deliveries`,
//! written in the same transaction as what caused it, then sent by the [`Deliveries`]
//! worker. Nothing depends on a process staying alive between the two.
//!
//! One delivery goes through these states:
//!
//! - `pending`: recorded, due at `next_attempt_at`.
//! - `claimed`: one worker took it with a single conditional `UPDATE` (PostgreSQL
//!   adds `FOR UPDATE SKIP LOCKED`), holding a lease. It renders the report into the
//!   attachment if that is not done yet. A worker that dies here has not talked to
//!   the mail server: once the lease has run out, another claim takes it again.
//! - `sending`: marked, with an attempt row `sending`, *before* the SMTP server is
//!   contacted. Then `sent`, `retrying` (a transient failure: connection refused, a
//!   timeout, a 4xx; at most [`MAX_ATTEMPTS`] attempts, with exponential backoff) or
//!   `failed` (a 5xx answer, a bad address, a configuration problem, the last retry).
//! - `interrupted`: a delivery still `sending` when its lease has run out belonged to
//!   a server that was killed in the middle of the SMTP exchange.
//!
//! Why `interrupted` is final instead of sending again: SMTP has no idempotency key. A
//! server killed after the message was accepted (`250` to the final dot) but before
//! the row was updated cannot know whether the recipients have it; resending blindly
//! would, in the common case, mail a cash report twice to the accounts. We prefer at
//! most once, visibly: the attempt is logged as interrupted, with that explanation, on
//! the outbox page (and in the scheduled report's log, whose "retry" is an admin's
//! informed decision).
use std::io::{Read, Seek, Write};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use app::cash::{CashSessionFilter, SessionSort};
use app::filter::Filter;
use app::ids::{DeliveryId, UserId};
use app::reception::ReceptionFilter;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use futures::FutureExt;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{MailAttachment, MailError, OutgoingMail};
use crate::export::Dialect;
use crate::reports::{render, ReportFormat};
use crate::state::AppState;
use crate::storage::mail::{AttemptEnd, DeliveryRow, NewDelivery, RenderedAttachment};
use crate::storage::StoreResult;
use crate::worker::{StepOutcome, Worker};
use tokio::sync::Semaphore;

/// The first send and three retries.
pub const MAX_ATTEMPTS: i64 = 4;
/// The wait before the first retry; each further one doubles it (1, 2, 4 minutes).
pub const FIRST_BACKOFF: chrono::Duration = chrono::Duration::minutes(1);
/// How long a claim holds (`RECYCLIQUE_MAIL_LEASE_SECS`, 15 minutes by default).
/// Longer than any SMTP exchange (each command is bounded by `SMTP_TIMEOUT_SECS`):
/// past it, the claimer is presumed dead.
pub fn lease(state: &AppState) -> chrono::Duration {
    chrono::Duration::from_std(state.settings.mail_lease).unwrap_or(chrono::Duration::minutes(15))
}

/// When the retry after failed attempt `attempt` (1-based) is due.
pub fn retry_at(now: DateTime<Utc>, attempt: i64) -> DateTime<Utc> {
    now + FIRST_BACKOFF * 2i32.pow((attempt - 1).clamp(0, 10) as u32)
}

/// The report a delivery's attachment is rendered from, stored as JSON with the
/// delivery until rendered. Its filter's period is already fixed (a scheduled run
/// resolves its relative period at the scheduled time), so a retry sends the same
/// rows' report.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReportAttachment {
    /// `cash_session` or `reception_ticket`.
    #[serde(rename = "type")]
    pub report_type: String,
    pub filters: serde_json::Value,
    /// Whose view the report is: the filter is scoped to this user, as on screen.
    pub as_user: Uuid,
    /// `csv` or `xlsx`.
    pub format: String,
    /// The file name without extension (sanitised when used).
    pub file_stem: String,
    /// IANA zone in which the filter's days are counted.
    pub timezone: String,
    /// Above this the file is zipped; if the ZIP is still above, the delivery fails.
    pub max_bytes: u64,
    /// The mail's text; a line with the row count (or "aucune donnée") and the file is
    /// added once rendered.
    pub intro: String,
}

/// Why an attachment could not be made.
#[derive(Debug)]
enum RenderError {
    /// Will not get better by trying again (a file too large, a filter that no longer
    /// parses, an owner who is gone): the delivery fails with this reason.
    Refused(String),
    /// The database or the disk failed: the claim runs out and another try comes.
    Failed(anyhow::Error),
}

impl<E: Into<anyhow::Error>> From<E> for RenderError {
    fn from(e: E) -> Self {
        RenderError::Failed(e.into())
    }
}

fn refused(msg: impl Into<String>) -> RenderError {
    RenderError::Refused(msg.into())
}

/// `1,5 Mo`, `12 ko`.
pub fn human_size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} Mo", bytes as f64 / (1024.0 * 1024.0)).replace('.', ",")
    } else if bytes >= 1024 {
        format!("{} ko", bytes.div_ceil(1024))
    } else {
        format!("{bytes} octets")
    }
}

/// Renders `spec` with the one report renderer (one read snapshot), into a temporary
/// file; zips it above the size limit.
async fn render_attachment(state: &AppState, spec: &ReportAttachment) -> Result<RenderedAttachment, RenderError> {
    let owner = state
        .store
        .user_by_id(UserId(spec.as_user))
        .await?
        .ok_or_else(|| refused("Le propriétaire du rapport n'existe plus."))?
        .user;
    if !owner.active {
        return Err(refused(format!(
            "Le compte de {} est désactivé : le rapport n'est plus envoyé en son nom.",
            owner.display_name
        )));
    }
    let tz: Tz = spec
        .timezone
        .parse()
        .map_err(|_| refused(format!("Fuseau horaire inconnu : {}.", spec.timezone)))?;
    let format = match spec.format.as_str() {
        "csv" => ReportFormat::Csv,
        _ => ReportFormat::Xlsx,
    };
    let now = state.clock.now();
    let bad_filter = |e: app::error::AppError| refused(format!("Filtres invalides : {e}"));
    let report = match spec.report_type.as_str() {
        "cash_session" => {
            let f = CashSessionFilter::from_json(&spec.filters)
                .map_err(bad_filter)?
                .scope(&owner)
                .resolve_in(tz, now);
            crate::cash::export::sessions_report(f, SessionSort::OpenedAt, format, Dialect::French)
        }
        "reception_ticket" => {
            let f = ReceptionFilter::from_json(&spec.filters).map_err(bad_filter)?.scope(&owner).resolve_in(tz, now);
            crate::reception::export::tickets_report(f, format, Dialect::French).map_err(bad_filter)?
        }
        other => return Err(refused(format!("Type de rapport inconnu : {other}."))),
    };
    let tmp_dir = state.settings.tmp_dir();
    std::fs::create_dir_all(&tmp_dir)?;
    let mut file = tempfile::tempfile_in(&tmp_dir)?;
    let rendered = render(state.store.clone(), report.clone(), file.try_clone()?, tmp_dir.clone()).await?;
    // Counted from the rows of the file, read in its one snapshot: the mail's "no data"
    // and the attachment cannot disagree (a separate count could see another state).
    let empty = rendered.subject_rows(&report.kind) == 0;
    let stem = crate::export::safe_filename(&spec.file_stem);
    let inner_name = format!("{stem}.{}", format.extension());
    let (name, content_type, bytes) = if rendered.bytes > spec.max_bytes {
        let zipped = tokio::task::spawn_blocking(move || zip_one(&mut file, &inner_name)).await??;
        if zipped.len() as u64 > spec.max_bytes {
            return Err(refused(format!(
                "Fichier trop volumineux : {} ({} compressé), au-delà de la limite de {}.",
                human_size(rendered.bytes),
                human_size(zipped.len() as u64),
                human_size(spec.max_bytes)
            )));
        }
        (format!("{stem}.zip"), ReportFormat::Zip.content_type().to_string(), zipped)
    } else {
        let mut bytes = Vec::with_capacity(rendered.bytes as usize);
        file.rewind()?;
        file.read_to_end(&mut bytes)?;
        (inner_name, format.content_type().to_string(), bytes)
    };
    let rows_line = if empty {
        "Aucune donnée sur la période : le fichier joint ne contient que les en-têtes.".to_string()
    } else {
        format!("Lignes de données : {}.", rendered.rows)
    };
    let body = format!(
        "{}\n\n{rows_line}\nFichier joint : {name} ({}).\n",
        spec.intro.trim_end(),
        human_size(bytes.len() as u64)
    );
    Ok(RenderedAttachment {
        name,
        content_type,
        rows: if empty { 0 } else { rendered.rows as i64 },
        bytes,
        body,
    })
}

/// One file in a ZIP (deflate), for an attachment over the size limit.
fn zip_one(file: &mut std::fs::File, name: &str) -> anyhow::Result<Vec<u8>> {
    file.rewind()?;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    out.start_file(name, options)?;
    std::io::copy(file, &mut out)?;
    let cursor = out.finish()?;
    let mut bytes = cursor.into_inner();
    bytes.flush()?;
    Ok(bytes)
}

/// The French text of a send failure, kept in the attempt's log.
pub fn failure_text(e: &MailError) -> String {
    let chain = |e: &dyn std::error::Error| {
        let mut s = e.to_string();
        let mut source = e.source();
        while let Some(inner) = source {
            s.push_str(" : ");
            s.push_str(&inner.to_string());
            source = inner.source();
        }
        s
    };
    let text = match e {
        MailError::InvalidAddress(a) => format!("Adresse e-mail invalide : « {a} »"),
        MailError::Build(inner) => format!("Message impossible à construire : {}", chain(inner)),
        MailError::Transient(inner) => format!("Échec temporaire SMTP : {}", chain(inner)),
        MailError::Permanent(inner) => {
            format!("Refus définitif du serveur SMTP : {}", chain(inner))
        }
        MailError::Config(inner) => format!("Configuration SMTP incorrecte : {}", chain(inner)),
        MailError::Outbox(inner) => format!("Écriture dans la boîte d'envoi impossible : {}", chain(inner)),
    };
    app::error::truncate_to(&text, 500).into_owned()
}

/// Whether trying the same message again later may succeed.
fn retryable(e: &MailError) -> bool {
    matches!(e, MailError::Transient(_) | MailError::Outbox(_))
}

/// What became of one attempt, for the hooks of the kinds that follow their mails
/// (a scheduled report logs each attempt).
#[derive(Clone, Debug)]
pub struct AttemptReport {
    pub delivery_id: DeliveryId,
    pub kind: String,
    pub source_id: Option<Uuid>,
    pub attempt: i64,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// `success`, `retrying`, `failed` or `interrupted`.
    pub status: &'static str,
    pub rows: Option<i64>,
    pub bytes: Option<i64>,
    pub recipients: Vec<String>,
    pub error: Option<String>,
}

/// The deliveries an admin sees on the outbox page (the latest 200).
pub async fn list(state: &AppState, actor: &app::auth::UserView) -> Result<Vec<app::mail::MailDelivery>, app::error::AppError> {
    crate::auth::require(actor, app::auth::Permission::Admin)?;
    Ok(state.store.list_deliveries(200).await?)
}

/// Records a delivery on its own (a notification, a test): the worker sends it.
pub async fn enqueue(state: &AppState, d: &NewDelivery) -> StoreResult<()> {
    state.store.insert_delivery(d).await
}

/// One step of the delivery worker, all of it in this task (the tests' step): ends
/// deliveries interrupted in their SMTP phase, then claims the delivery due first,
/// renders its attachment if needed, and makes one attempt at sending it.
pub async fn deliver_due(state: &AppState) -> anyhow::Result<StepOutcome> {
    let Some(d) = claim_due(state).await? else {
        return Ok(StepOutcome::Idle);
    };
    send_claimed(state, d).await?;
    Ok(StepOutcome::Worked)
}

/// Ends the deliveries interrupted in their SMTP phase, then claims the delivery due
/// first, if any.
pub async fn claim_due(state: &AppState) -> anyhow::Result<Option<DeliveryRow>> {
    let now = state.clock.now();
    for i in state.store.interrupt_stale_deliveries(now).await? {
        tracing::warn!(delivery = %i.id, attempt = i.attempt, "mail delivery interrupted during its SMTP exchange: not sent again");
        let report = AttemptReport {
            delivery_id: i.id,
            kind: i.kind,
            source_id: i.source_id,
            attempt: i.attempt,
            started_at: now,
            finished_at: now,
            status: "interrupted",
            rows: None,
            bytes: None,
            recipients: Vec::new(),
            error: Some("Envoi interrompu pendant l'échange SMTP : non renvoyé pour ne pas envoyer deux fois.".into()),
        };
        after_attempt(state, &report).await;
    }
    Ok(state.store.claim_delivery(now, now + lease(state)).await?)
}

/// Renders (if needed) and sends a claimed delivery, and records the attempt.
pub async fn send_claimed(state: &AppState, mut d: DeliveryRow) -> anyhow::Result<()> {
    let attempt = d.attempts + 1;
    if let Some(json) = d.render_json.clone() {
        let started = state.clock.now();
        let rendered = match serde_json::from_str::<ReportAttachment>(&json) {
            Ok(spec) => render_attachment(state, &spec).await,
            Err(e) => Err(refused(format!("Description du rapport illisible : {e}"))),
        };
        match rendered {
            Ok(r) => {
                state.store.store_rendered(d.id, &r, state.clock.now()).await?;
                d.attachment_name = Some(r.name);
                d.attachment_type = Some(r.content_type);
                d.rows_count = Some(r.rows);
                d.attachment = Some(r.bytes);
                d.body = r.body;
            }
            Err(RenderError::Refused(reason)) => {
                let now = state.clock.now();
                tracing::warn!(delivery = %d.id, "mail delivery failed before sending: {reason}");
                state.store.fail_unsent(d.id, attempt, &reason, now).await?;
                let report = report_of(&d, attempt, started, now, "failed", Some(reason));
                after_attempt(state, &report).await;
                return Ok(());
            }
            // Left claimed: the lease runs out and the delivery is taken again.
            Err(RenderError::Failed(e)) => return Err(e.context(format!("rendering the attachment of delivery {}", d.id))),
        }
    }
    let started = state.clock.now();
    if !state.store.begin_smtp(d.id, attempt, started, started + lease(state)).await? {
        tracing::warn!(delivery = %d.id, "mail delivery claim lost before sending");
        return Ok(());
    }
    let attachments = match (&d.attachment_name, &d.attachment) {
        (Some(name), Some(bytes)) => vec![MailAttachment {
            filename: name.clone(),
            content_type: d.attachment_type.clone().unwrap_or_else(|| "application/octet-stream".into()),
            bytes: bytes.clone(),
        }],
        _ => Vec::new(),
    };
    let mail = OutgoingMail {
        to: d.recipients.clone(),
        subject: d.subject.clone(),
        text: d.body.clone(),
        attachments,
    };
    let sent = state.mailer.send(mail).await;
    let finished = state.clock.now();
    let (end, error) = match &sent {
        Ok(()) => (AttemptEnd::Sent, None),
        Err(e) if retryable(e) && attempt < MAX_ATTEMPTS => (AttemptEnd::Retry(retry_at(finished, attempt)), Some(failure_text(e))),
        Err(e) => (AttemptEnd::Failed, Some(failure_text(e))),
    };
    state.store.finish_attempt(d.id, attempt, &end, error.as_deref(), finished).await?;
    let status = match end {
        AttemptEnd::Sent => "success",
        AttemptEnd::Retry(_) => "retrying",
        AttemptEnd::Failed => "failed",
    };
    match &error {
        None => tracing::info!(delivery = %d.id, kind = d.kind, attempt, "mail delivered"),
        Some(e) => {
            tracing::warn!(delivery = %d.id, kind = d.kind, attempt, status, "mail delivery attempt failed: {e}")
        }
    }
    after_attempt(state, &report_of(&d, attempt, started, finished, status, error)).await;
    Ok(())
}

fn report_of(d: &DeliveryRow, attempt: i64, started: DateTime<Utc>, finished: DateTime<Utc>, status: &'static str, error: Option<String>) -> AttemptReport {
    AttemptReport {
        delivery_id: d.id,
        kind: d.kind.clone(),
        source_id: d.source_id,
        attempt,
        started_at: started,
        finished_at: finished,
        status,
        rows: d.rows_count,
        bytes: d.attachment.as_ref().map(|b| b.len() as i64),
        recipients: d.recipients.clone(),
        error,
    }
}

/// Lets the kind that asked for the mail follow it. A failure here is logged, never
/// undoes what was recorded about the send.
async fn after_attempt(state: &AppState, report: &AttemptReport) {
    let outcome: anyhow::Result<()> = match report.kind.as_str() {
        crate::scheduled::KIND => crate::scheduled::after_attempt(state, report).await,
        _ => Ok(()),
    };
    if let Err(e) = outcome {
        tracing::error!(delivery = %report.delivery_id, "recording the outcome of a mail attempt failed: {e:#}");
    }
}

/// The worker that sends recorded deliveries: its step claims one and hands it to a
/// task of its own, at most `REPORT_CONCURRENCY` at once (the step waits for a turn
/// before it claims, so nothing is claimed that could not start). Rendering runs on
/// blocking threads, so neither blocks request handling. At shutdown the loop waits
/// for the deliveries in progress to end.
pub struct Deliveries {
    interval: Duration,
    turns: Arc<Semaphore>,
    concurrency: u32,
}

impl Deliveries {
    pub fn new(interval: Duration, concurrency: usize) -> Self {
        let concurrency = concurrency.clamp(1, Semaphore::MAX_PERMITS) as u32;
        Self { interval, turns: Arc::new(Semaphore::new(concurrency as usize)), concurrency }
    }
}

#[async_trait::async_trait]
impl Worker for Deliveries {
    fn name(&self) -> &'static str {
        "mail"
    }

    fn interval(&self) -> Duration {
        self.interval
    }

    async fn step(&self, state: &AppState) -> anyhow::Result<StepOutcome> {
        let turn = self.turns.clone().acquire_owned().await?;
        let Some(d) = claim_due(state).await? else {
            return Ok(StepOutcome::Idle);
        };
        let state = state.clone();
        tokio::spawn(async move {
            let id = d.id;
            // A failure leaves the delivery claimed: its lease runs out and another
            // step takes it again. A panic is logged the same way.
            match AssertUnwindSafe(send_claimed(&state, d)).catch_unwind().await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::error!(delivery = %id, "mail delivery failed: {e:#}"),
                Err(_) => tracing::error!(delivery = %id, "mail delivery panicked"),
            }
            drop(turn);
        });
        Ok(StepOutcome::Worked)
    }

    async fn finish(&self) {
        // Every turn back: no delivery is in progress any more.
        let _ = self.turns.acquire_many(self.concurrency).await;
    }
}
