//! Scheduled e-mail reports (issue 11, story B45-P8): the admin service, the scheduler
//! worker, and how a run follows its mail.
//!
//! The database is the scheduler's truth. Each report stores its `next_run`, computed
//! in its own time zone with `app::schedule` at every occurrence (so daylight saving is
//! followed, unlike a timer created once with a fixed UTC offset). The [`Scheduler`]
//! worker's step reads the reports due, and for each one, in one transaction, moves
//! `next_run` forward by compare-and-set, records the run (unique per report and
//! scheduled time) and its mail delivery: two instances on one database can never both
//! claim a run. The mail worker (`mail::delivery`) renders the report with the report
//! renderer and sends it; each attempt is logged here through [`after_attempt`].
//!
//! The step is woken by tokio-cron-scheduler ([`timer`]) every
//! `RECYCLIQUE_SCHEDULER_INTERVAL_SECS` (1 s) and at the start of every minute: the
//! in-process timer is only a wake-up, so creating, editing, disabling or deleting a
//! report takes effect at the next step, without restart. Runs missed while
//! no server was running: the latest one is caught up if it is within the grace window
//! (`REPORT_GRACE_MINUTES`), every other one is logged as `missed`.
pub mod service;
pub mod timer;

pub use service::{create, delete, list, logs, needing_attention, retry_log, run_now, update};

use app::cash::CashSessionFilter;
use app::filter::Filter;
use app::reception::ReceptionFilter;
use app::schedule::report::{ReportType, ScheduledReport};
use app::schedule::{Schedule, ScheduleFields};
use app::time::Period;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use app::ids::{DeliveryId, ReportRunId, ScheduledReportId};
use uuid::Uuid;

use crate::mail::delivery::{AttemptReport, ReportAttachment};
use crate::state::AppState;
use crate::storage::mail::NewDelivery;
use crate::storage::scheduled::{NewLog, NewRun, RunEnd};
use crate::worker::{StepOutcome, Worker};

pub const KIND: &str = "scheduled_report";

/// Reports claimed per step at most.
const CLAIM_BATCH: i64 = 50;
/// Missed runs logged one by one for a report at most; beyond, one row says how many.
const MAX_MISSED_LOGS: usize = 100;

pub fn schedule_of(r: &ScheduledReport) -> Result<Schedule, app::error::AppError> {
    Schedule::from_fields(&ScheduleFields {
        frequency: r.frequency.clone(),
        time_of_day: r.time_of_day.clone(),
        weekday: r.weekday,
        day_of_month: r.day_of_month,
        cron_expression: r.cron_expression.clone(),
        timezone: Some(r.timezone.clone()),
    })
}

/// The filter of `r` with its relative period fixed as of `at` in the report's zone
/// (`last_week` sent on Monday 23 November means 16 to 22 November), and those dates.
fn fixed_filters(r: &ScheduledReport, tz: Tz, at: DateTime<Utc>) -> Result<(serde_json::Value, Option<app::time::DateRange>), app::error::AppError> {
    let fix = |p: Option<Period>| p.map(|p| p.resolve_in(tz, at));
    Ok(match ReportType::parse(&r.report_type)? {
        ReportType::CashSession => {
            let mut f = CashSessionFilter::from_json(&r.filters_json)?;
            let dates = fix(f.period);
            f.period = dates.map(Period::Dates);
            (f.to_json(), dates)
        }
        ReportType::ReceptionTicket => {
            let mut f = ReceptionFilter::from_json(&r.filters_json)?;
            let dates = fix(f.period);
            f.period = dates.map(Period::Dates);
            (f.to_json(), dates)
        }
    })
}

/// The filters in words (`Statut : Fermée ; Site : Boutique`), as the sheets' caption
/// says them.
fn filters_in_words(report_type: ReportType, filters: &serde_json::Value, names: &std::collections::HashMap<Uuid, String>) -> String {
    let name_of = |id: Uuid| names.get(&id).cloned();
    let parts = match report_type {
        ReportType::CashSession => CashSessionFilter::from_json(filters).map(|f| f.describe(&name_of)),
        ReportType::ReceptionTicket => ReceptionFilter::from_json(filters).map(|f| f.describe(&name_of)),
    }
    .unwrap_or_default();
    if parts.is_empty() {
        "aucun (toutes les données de la période)".into()
    } else {
        parts.join(" ; ")
    }
}

/// The mail of one run of `r`: its report's period is that of `period_at`.
pub fn run_delivery(
    state: &AppState,
    r: &ScheduledReport,
    run_id: ReportRunId,
    period_at: DateTime<Utc>,
    now: DateTime<Utc>,
    names: &std::collections::HashMap<Uuid, String>,
) -> Result<NewDelivery, app::error::AppError> {
    let tz: Tz = app::schedule::parse_timezone(Some(&r.timezone))?;
    let (filters, dates) = fixed_filters(r, tz, period_at)?;
    let report_type = ReportType::parse(&r.report_type)?;
    let period = dates
        .map(|d| format!("du {} au {}", app::time::french_date(d.from), app::time::french_date(d.to)))
        .unwrap_or_else(|| "toutes les dates".into());
    let stem = match dates {
        Some(d) => format!("rapport-{}-{}_{}", crate::reports::slug(&r.name), d.from, d.to),
        None => format!("rapport-{}", crate::reports::slug(&r.name)),
    };
    let intro = format!(
        "Bonjour,\n\nVoici le rapport programmé « {} » ({}).\n\nPériode : {period}\nFiltres : {}\nEnvoi : {} (fuseau {})\n",
        r.name,
        report_type.label(),
        filters_in_words(report_type, &filters, names),
        schedule_of(r).map(|s| s.describe()).unwrap_or_default(),
        r.timezone,
    );
    let spec = ReportAttachment {
        report_type: r.report_type.clone(),
        filters,
        as_user: r.user_id.0,
        format: if r.format == "csv" { "csv".into() } else { "xlsx".into() },
        file_stem: stem,
        timezone: r.timezone.clone(),
        max_bytes: state.settings.report_max_bytes,
        intro,
    };
    Ok(NewDelivery {
        id: DeliveryId(Uuid::new_v4()),
        kind: KIND,
        source_id: Some(run_id.0),
        recipients: r.recipients.clone(),
        subject: format!("Rapport programmé : {} ({period})", r.name),
        body: String::new(),
        render_json: Some(serde_json::to_string(&spec).expect("a report description serialises")),
        now,
    })
}

/// One step of the scheduler: claims the runs of every report due at the clock's
/// time, each with its mail, or logs them as missed.
pub async fn run_due(state: &AppState) -> anyhow::Result<StepOutcome> {
    let now = state.clock.now();
    let due = state.store.due_reports(now, CLAIM_BATCH).await?;
    if due.is_empty() {
        return Ok(StepOutcome::Idle);
    }
    let grace = chrono::Duration::from_std(state.settings.report_grace).unwrap_or(chrono::Duration::hours(6));
    // The names of the ids the filters may hold, read once for all the mails of the step.
    let names = crate::reports::names(&*state.store).await?;
    for r in &due {
        let Some(expected) = r.next_run else { continue };
        let schedule = match schedule_of(r) {
            Ok(s) => s,
            Err(e) => {
                // Stored before a rule changed: stop it, visibly, instead of looping.
                tracing::error!(report = %r.id, "scheduled report with an unusable schedule: {e}");
                state.store.claim_runs(r.id, expected, None, None, &[]).await?;
                continue;
            }
        };
        // The occurrences due until now, the stored one first: the first ones one by
        // one, then (a long outage of a frequent schedule) only the latest one, found
        // from the day before now.
        let mut due_times = vec![expected];
        let mut skipped = false;
        while let Some(t) = schedule.next_run(*due_times.last().expect("not empty")).filter(|t| *t <= now) {
            if due_times.len() >= MAX_MISSED_LOGS {
                skipped = true;
                let recent = schedule
                    .next_runs(now - chrono::Duration::days(2), 24 * 60 * 3)
                    .into_iter()
                    .rfind(|t| *t <= now);
                if let Some(latest) = recent.filter(|l| *l > t) {
                    due_times.push(latest);
                } else {
                    due_times.push(t);
                }
                break;
            }
            due_times.push(t);
        }
        let next = schedule.next_run(now);
        let latest = *due_times.last().expect("not empty");
        let catch_up = now - latest <= grace;
        let missed_times = if catch_up { &due_times[..due_times.len() - 1] } else { &due_times[..] };
        let reason = if catch_up {
            format!(
                "Envoi manqué (serveur arrêté) : remplacé par un seul envoi de rattrapage, pour l'échéance du {}.",
                app::format::paris_datetime(latest)
            )
        } else {
            format!(
                "Envoi manqué (serveur arrêté) : plus de {} h après l'heure prévue, il n'est pas rattrapé.",
                grace.num_hours()
            )
        };
        let mut missed: Vec<NewLog> = missed_times
            .iter()
            .map(|t| NewLog {
                report_id: r.id,
                run_id: None,
                scheduled_for: *t,
                started_at: now,
                finished_at: Some(now),
                status: "missed",
                attempt: 0,
                rows: None,
                bytes: None,
                recipients: r.recipients.clone(),
                error: Some(reason.clone()),
            })
            .collect();
        if skipped {
            if let Some(last_detailed) = missed.get_mut(MAX_MISSED_LOGS - 1) {
                last_detailed.error = Some(format!(
                    "{reason} (d'autres échéances manquées entre celle-ci et la suivante ne sont pas détaillées une à une.)"
                ));
            }
        }
        // The run records when it was claimed (the step's later claims are later), so
        // that its lateness can be read from the database.
        let claimed_at = state.clock.now();
        let run = NewRun {
            id: ReportRunId(Uuid::new_v4()),
            report_id: r.id,
            scheduled_for: latest,
            origin: if now - latest > chrono::Duration::minutes(5) {
                "catch_up"
            } else {
                "scheduled"
            },
            now: claimed_at,
        };
        let delivery = if catch_up {
            Some(run_delivery(state, r, run.id, latest, claimed_at, &names).map_err(|e| anyhow::anyhow!("{e}"))?)
        } else {
            None
        };
        let claimed = state
            .store
            .claim_runs(r.id, expected, next, delivery.as_ref().map(|d| (&run, d)), &missed)
            .await?;
        if claimed {
            tracing::info!(report = %r.id, scheduled_for = %latest, missed = missed.len(), sent = catch_up, "scheduled report run claimed");
        }
    }
    Ok(StepOutcome::Worked)
}

/// The scheduler worker: its step runs when the [`timer::Timer`] rings its alarm (and
/// at once again while it finds work).
pub struct Scheduler {
    pub interval: std::time::Duration,
    pub alarm: std::sync::Arc<tokio::sync::Notify>,
}

#[async_trait::async_trait]
impl Worker for Scheduler {
    fn name(&self) -> &'static str {
        "scheduler"
    }

    fn interval(&self) -> std::time::Duration {
        self.interval
    }

    async fn step(&self, state: &AppState) -> anyhow::Result<StepOutcome> {
        run_due(state).await
    }

    fn alarm(&self) -> Option<&tokio::sync::Notify> {
        Some(&self.alarm)
    }
}

/// Logs an attempt of a run's mail, and ends the run when the mail is sent or given
/// up: counts the failure, pauses the report after too many in a row, and tells the
/// owner once a day.
pub async fn after_attempt(state: &AppState, a: &AttemptReport) -> anyhow::Result<()> {
    let Some(run_id) = a.source_id else { return Ok(()) };
    // A report deleted meanwhile takes its runs with it.
    let Some(run) = state.store.run(ReportRunId(run_id)).await? else { return Ok(()) };
    state
        .store
        .insert_log(&NewLog {
            report_id: run.report_id,
            run_id: Some(run.id),
            scheduled_for: run.scheduled_for,
            started_at: a.started_at,
            finished_at: Some(a.finished_at),
            status: a.status,
            attempt: a.attempt,
            rows: a.rows,
            bytes: a.bytes,
            recipients: a.recipients.clone(),
            error: a.error.clone(),
        })
        .await?;
    let now = state.clock.now();
    match a.status {
        "retrying" => state.store.set_last_status(run.report_id, "retrying").await?,
        "success" => {
            state.store.end_run(run.id, run.report_id, RunEnd::Success, now, 0, "").await?;
        }
        _ => {
            let max = i64::from(state.settings.report_max_failures);
            let reason = format!("Mis en pause après {max} envois échoués de suite : vérifiez les destinataires et la messagerie, puis réactivez-le.");
            let paused = state.store.end_run(run.id, run.report_id, RunEnd::Failed, now, max, &reason).await?;
            notify_owner(state, run.report_id, a, paused).await?;
        }
    }
    Ok(())
}

/// The failure notice to the report's owner, at most once a day per report. Accounts
/// have no e-mail address: the report carries the owner's (`notify_email`); without
/// it the owner sees the failure in the application only (the report's status, pause
/// and log), never in a mail to someone else.
async fn notify_owner(state: &AppState, report_id: ScheduledReportId, a: &AttemptReport, paused: bool) -> anyhow::Result<()> {
    let Some(report) = state.store.report(report_id).await? else { return Ok(()) };
    let Some(address) = report.notify_email.clone() else { return Ok(()) };
    let Some(owner) = state.store.user_by_id(report.user_id).await? else {
        return Ok(());
    };
    if !state.store.take_notice(report_id, state.clock.now()).await? {
        return Ok(());
    }
    let mut body = format!(
        "Bonjour {},\n\nL'envoi du rapport programmé « {} » a échoué (tentative {}).\nErreur : {}\nDestinataires : {}\n",
        owner.user.display_name,
        report.name,
        a.attempt,
        a.error.as_deref().unwrap_or("inconnue"),
        a.recipients.join(", "),
    );
    if paused {
        body.push_str(&format!(
            "\nLe rapport est mis en pause après {} échecs de suite ; réactivez-le une fois le problème corrigé.\n",
            state.settings.report_max_failures
        ));
    }
    body.push_str("\nLe journal des envois du rapport donne le détail. Vous ne recevrez pas d'autre avis pour ce rapport avant demain.\n");
    let notice = NewDelivery {
        id: DeliveryId(Uuid::new_v4()),
        kind: "notification",
        source_id: Some(report_id.0),
        recipients: vec![address],
        subject: format!("Échec du rapport programmé « {} »", report.name),
        body,
        render_json: None,
        now: state.clock.now(),
    };
    state.store.insert_delivery(&notice).await?;
    Ok(())
}
