//! `/v1/admin/scheduled-reports`: the scheduled e-mail reports (admin only; the
//! permission is checked before the body is read).
use app::error::AppError;
use app::schedule::report::{ScheduledReport, ScheduledReportInput, ScheduledReportLog};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use app::ids::{ReportLogId, ScheduledReportId};

use super::error::{AdminOnly, Allowed, ApiError, ApiJson, ApiResult};
use crate::scheduled::service::RunStarted;
use crate::state::AppState;

type Admin = Allowed<AdminOnly>;

fn id(raw: &str) -> Result<ScheduledReportId, ApiError> {
    raw.parse().map_err(|_| ApiError(AppError::NotFound("Rapport programmé introuvable.".into())))
}

pub async fn list(State(s): State<AppState>, Allowed(actor, _): Admin) -> ApiResult<Json<Vec<ScheduledReport>>> {
    Ok(Json(crate::scheduled::list(&s, &actor).await?))
}

pub async fn create(
    State(s): State<AppState>,
    Allowed(actor, _): Admin,
    ApiJson(input): ApiJson<ScheduledReportInput>,
) -> ApiResult<(StatusCode, Json<ScheduledReport>)> {
    Ok((StatusCode::CREATED, Json(crate::scheduled::create(&s, &actor, input).await?)))
}

pub async fn update(
    State(s): State<AppState>,
    Allowed(actor, _): Admin,
    Path(raw): Path<String>,
    ApiJson(input): ApiJson<ScheduledReportInput>,
) -> ApiResult<Json<ScheduledReport>> {
    Ok(Json(crate::scheduled::update(&s, &actor, id(&raw)?, input).await?))
}

pub async fn delete(State(s): State<AppState>, Allowed(actor, _): Admin, Path(raw): Path<String>) -> ApiResult<StatusCode> {
    crate::scheduled::delete(&s, &actor, id(&raw)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn logs(State(s): State<AppState>, Allowed(actor, _): Admin, Path(raw): Path<String>) -> ApiResult<Json<Vec<ScheduledReportLog>>> {
    Ok(Json(crate::scheduled::logs(&s, &actor, id(&raw)?).await?))
}

pub async fn run_now(State(s): State<AppState>, Allowed(actor, _): Admin, Path(raw): Path<String>) -> ApiResult<(StatusCode, Json<RunStarted>)> {
    Ok((StatusCode::ACCEPTED, Json(crate::scheduled::run_now(&s, &actor, id(&raw)?).await?)))
}

pub async fn retry(State(s): State<AppState>, Allowed(actor, _): Admin, Path((raw, log)): Path<(String, String)>) -> ApiResult<(StatusCode, Json<RunStarted>)> {
    let log: ReportLogId = log.parse().map_err(|_| ApiError(AppError::NotFound("Entrée du journal introuvable.".into())))?;
    Ok((StatusCode::ACCEPTED, Json(crate::scheduled::retry_log(&s, &actor, id(&raw)?, log).await?)))
}
