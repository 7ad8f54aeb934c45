//! The admin side: create, change, delete, list scheduled reports, read their log, send
//! one now, retry a logged run. Every function checks the admin permission again.
use app::auth::{Permission, UserView};
use app::error::AppError;
use app::schedule::report::{ReportConfig, ScheduledReport, ScheduledReportInput, ScheduledReportLog};
use app::ids::{DeliveryId, ReportLogId, ReportRunId, ScheduledReportId};
use uuid::Uuid;

use super::run_delivery;
use crate::auth::require;
use crate::state::AppState;
use crate::storage::scheduled::{NewRun, ReportRecord};

fn not_found() -> AppError {
    AppError::NotFound("Rapport programmé introuvable.".into())
}

/// The checks the browser cannot make: each address as the mail library reads it.
fn check_server_side(c: &ReportConfig) -> Result<(), AppError> {
    for a in c.recipients.iter().chain(c.notify_email.iter()) {
        if a.parse::<lettre::Address>().is_err() {
            return Err(AppError::field(
                "recipients",
                format!("Adresse e-mail invalide : « {} ».", app::error::truncate(a)),
            ));
        }
    }
    Ok(())
}

fn record(id: ScheduledReportId, owner: app::ids::UserId, c: &ReportConfig, now: chrono::DateTime<chrono::Utc>) -> ReportRecord {
    let f = &c.schedule_fields;
    ReportRecord {
        id,
        user_id: owner,
        name: c.name.clone(),
        report_type: c.report_type.as_str(),
        frequency: c.schedule.frequency.as_str().to_string(),
        time_of_day: f.time_of_day.clone().filter(|_| c.schedule.frequency != app::schedule::Frequency::Custom),
        weekday: f.weekday.filter(|_| c.schedule.frequency == app::schedule::Frequency::Weekly),
        day_of_month: f.day_of_month.filter(|_| c.schedule.frequency == app::schedule::Frequency::Monthly),
        cron_expression: f.cron_expression.clone().filter(|_| c.schedule.frequency == app::schedule::Frequency::Custom),
        timezone: c.schedule.tz.name().to_string(),
        recipients: c.recipients.clone(),
        format: c.format,
        filters_json: c.filters_json.to_string(),
        enabled: c.enabled,
        notify_email: c.notify_email.clone(),
        // Computed from now: an edit takes effect at the next step.
        next_run: if c.enabled { c.schedule.next_run(now) } else { None },
        now,
    }
}

pub async fn list(state: &AppState, actor: &UserView) -> Result<Vec<ScheduledReport>, AppError> {
    require(actor, Permission::Admin)?;
    Ok(state.store.list_reports().await?)
}

/// The header's badge: the reports whose last run failed or which are paused.
pub async fn needing_attention(state: &AppState, actor: &UserView) -> Result<i64, AppError> {
    require(actor, Permission::Admin)?;
    Ok(state.store.count_needing_attention().await?)
}

pub async fn create(state: &AppState, actor: &UserView, input: ScheduledReportInput) -> Result<ScheduledReport, AppError> {
    require(actor, Permission::Admin)?;
    let c = input.check()?;
    check_server_side(&c)?;
    let id = ScheduledReportId(Uuid::new_v4());
    state.store.insert_report(&record(id, actor.id, &c, state.clock.now())).await?;
    tracing::info!(report = %id, user = actor.username, "scheduled report created");
    state.store.report(id).await?.ok_or_else(AppError::internal)
}

/// Applies the fields given over the stored ones. Enabling a paused report clears its
/// pause and its failure count.
pub async fn update(state: &AppState, actor: &UserView, id: ScheduledReportId, input: ScheduledReportInput) -> Result<ScheduledReport, AppError> {
    require(actor, Permission::Admin)?;
    let existing = state.store.report(id).await?.ok_or_else(not_found)?;
    let c = input.over(existing.as_input()).check()?;
    check_server_side(&c)?;
    let reenable = c.enabled && (!existing.enabled || existing.paused_reason.is_some());
    if !state
        .store
        .update_report(&record(id, existing.user_id, &c, state.clock.now()), reenable)
        .await?
    {
        return Err(not_found());
    }
    state.store.report(id).await?.ok_or_else(not_found)
}

pub async fn delete(state: &AppState, actor: &UserView, id: ScheduledReportId) -> Result<(), AppError> {
    require(actor, Permission::Admin)?;
    if !state.store.delete_report(id, state.clock.now()).await? {
        return Err(not_found());
    }
    tracing::info!(report = %id, user = actor.username, "scheduled report deleted");
    Ok(())
}

pub async fn logs(state: &AppState, actor: &UserView, id: ScheduledReportId) -> Result<Vec<ScheduledReportLog>, AppError> {
    require(actor, Permission::Admin)?;
    state.store.report(id).await?.ok_or_else(not_found)?;
    Ok(state.store.logs(id, 500).await?)
}

/// What a send now or a retry recorded.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RunStarted {
    pub run_id: ReportRunId,
    pub delivery_id: DeliveryId,
    pub detail: String,
}

/// Sends the report now (also a disabled one: a test send), for the period as it is now.
pub async fn run_now(state: &AppState, actor: &UserView, id: ScheduledReportId) -> Result<RunStarted, AppError> {
    require(actor, Permission::Admin)?;
    let r = state.store.report(id).await?.ok_or_else(not_found)?;
    let now = state.clock.now();
    start_run(state, &r, "manual", now, now).await
}

/// Sends again the run of a log entry, for that run's period.
pub async fn retry_log(state: &AppState, actor: &UserView, id: ScheduledReportId, log_id: ReportLogId) -> Result<RunStarted, AppError> {
    require(actor, Permission::Admin)?;
    let r = state.store.report(id).await?.ok_or_else(not_found)?;
    let (log, _) = state
        .store
        .log(log_id)
        .await?
        .filter(|(l, _)| l.report_id == id)
        .ok_or_else(|| AppError::NotFound("Entrée du journal introuvable.".into()))?;
    if log.status == "success" {
        return Err(AppError::Conflict(
            "Cet envoi a réussi : utilisez « Envoyer maintenant » pour un nouvel envoi.".into(),
        ));
    }
    start_run(state, &r, "retry", log.scheduled_for, state.clock.now()).await
}

async fn start_run(
    state: &AppState,
    r: &ScheduledReport,
    origin: &'static str,
    period_at: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<RunStarted, AppError> {
    let run = NewRun {
        id: ReportRunId(Uuid::new_v4()),
        report_id: r.id,
        scheduled_for: now,
        origin,
        now,
    };
    let names = crate::reports::names(&*state.store).await.map_err(crate::error::internal)?;
    let delivery = run_delivery(state, r, run.id, period_at, now, &names)?;
    match state.store.insert_run(&run, &delivery).await {
        Err(crate::storage::StoreError::Conflict(_)) => {
            return Err(AppError::Conflict(
                "Un envoi de ce rapport vient d'être demandé : réessayez dans un instant.".into(),
            ))
        }
        Err(crate::storage::StoreError::NotFound) => return Err(not_found()),
        other => other?,
    }
    tracing::info!(report = %r.id, run = %run.id, origin, "scheduled report run requested");
    Ok(RunStarted {
        run_id: run.id,
        delivery_id: delivery.id,
        detail: "Envoi programmé : il part dans quelques secondes.".into(),
    })
}
