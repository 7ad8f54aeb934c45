//! Server functions of the scheduled reports page; each one authorises the caller (an
//! admin) through [`crate::backend::authorize`] like the REST routes do.
use leptos::prelude::*;
use server_fn::codec::Json;

use crate::error::AppError;
use crate::ids::{ReportLogId, ScheduledReportId};
use crate::schedule::report::{ScheduledReport, ScheduledReportInput, ScheduledReportLog};
#[cfg(feature = "ssr")]
use crate::{auth::Permission, backend::authorize, backend::with_status};

#[server(prefix = "/api", endpoint = "scheduled_reports")]
pub async fn scheduled_reports() -> Result<Vec<ScheduledReport>, AppError> {
    with_status(
        async move {
            let (backend, actor) = authorize(Some(Permission::Admin)).await?;
            backend.list_scheduled_reports(&actor).await
        }
        .await,
    )
}

/// Creates (`id` none) or changes a report.
#[server(prefix = "/api", endpoint = "save_scheduled_report", input = Json)]
pub async fn save_scheduled_report(id: Option<ScheduledReportId>, input: ScheduledReportInput) -> Result<ScheduledReport, AppError> {
    with_status(
        async move {
            let (backend, actor) = authorize(Some(Permission::Admin)).await?;
            backend.save_scheduled_report(&actor, id, input).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "delete_scheduled_report", input = Json)]
pub async fn delete_scheduled_report(id: ScheduledReportId) -> Result<(), AppError> {
    with_status(
        async move {
            let (backend, actor) = authorize(Some(Permission::Admin)).await?;
            backend.delete_scheduled_report(&actor, id).await
        }
        .await,
    )
}

/// Sends the report now; `log_id` given: sends again the run of that log entry.
#[server(prefix = "/api", endpoint = "send_scheduled_report", input = Json)]
pub async fn send_scheduled_report(id: ScheduledReportId, log_id: Option<ReportLogId>) -> Result<String, AppError> {
    with_status(
        async move {
            let (backend, actor) = authorize(Some(Permission::Admin)).await?;
            backend.send_scheduled_report(&actor, id, log_id).await
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "scheduled_report_logs", input = Json)]
pub async fn scheduled_report_logs(id: ScheduledReportId) -> Result<Vec<ScheduledReportLog>, AppError> {
    with_status(
        async move {
            let (backend, actor) = authorize(Some(Permission::Admin)).await?;
            backend.scheduled_report_logs(&actor, id).await
        }
        .await,
    )
}

/// The header's badge: how many reports failed their last run or are paused. Admins
/// only, like the page it links to.
#[server(prefix = "/api", endpoint = "scheduled_reports_attention")]
pub async fn scheduled_reports_attention() -> Result<i64, AppError> {
    with_status(
        async move {
            let (backend, actor) = authorize(Some(Permission::Admin)).await?;
            backend.scheduled_reports_needing_attention(&actor).await
        }
        .await,
    )
}
