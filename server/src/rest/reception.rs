//! `/v1/reception/...`, `/v1/categories`, `/v1/stats/live` and the admin bulk export.
use app::auth::{Permission, UserView};
use app::error::AppError;
use app::reception::{
    Category, CategoryInput, CategoryUpdate, DownloadToken, Ligne, LigneInput, LigneUpdate, OpenPosteRequest, Poste, ReceptionLiveStats, Ticket,
    TicketDetail, TicketQuery,
};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use uuid::Uuid;

use super::error::{ApiError, ApiJson, ApiQuery, ApiResult, Caller};
use crate::export::{attachment_header, Dialect};
use crate::reception::export::{BulkExportRequest, Download, LinesQuery};
use crate::state::AppState;

/// Path ids are read as text so that a malformed one is a French 404, not a plain 400.
fn id(raw: &str, what: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError(AppError::NotFound(format!("{what} introuvable."))))
}

fn download(d: Download) -> Response {
    (
        [
            (header::CONTENT_TYPE, d.content_type.to_string()),
            (header::CONTENT_DISPOSITION, attachment_header(&d.filename)),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        d.body,
    )
        .into_response()
}

fn reception(caller: &Caller) -> Result<&UserView, ApiError> {
    caller.require(Permission::ReceptionAccess)
}

/// The body is optional: an empty one opens a poste now.
pub async fn open_poste(State(s): State<AppState>, caller: Caller, body: axum::body::Bytes) -> ApiResult<(StatusCode, Json<Poste>)> {
    let req: OpenPosteRequest = if body.iter().all(u8::is_ascii_whitespace) {
        OpenPosteRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError(AppError::invalid(format!("Données invalides : {e}"))))?
    };
    Ok((StatusCode::CREATED, Json(crate::reception::open_poste(&s, reception(&caller)?, req).await?)))
}

pub async fn close_poste(State(s): State<AppState>, caller: Caller, Path(p): Path<String>) -> ApiResult<Json<Poste>> {
    let actor = reception(&caller)?;
    Ok(Json(crate::reception::close_poste(&s, actor, id(&p, "Poste")?).await?))
}

pub async fn current_poste(State(s): State<AppState>, caller: Caller) -> ApiResult<Json<Poste>> {
    match crate::reception::current_poste(&s, reception(&caller)?).await? {
        Some(p) => Ok(Json(p)),
        None => Err(ApiError(AppError::NotFound("Aucun poste ouvert.".into()))),
    }
}

pub async fn create_ticket(State(s): State<AppState>, caller: Caller) -> ApiResult<(StatusCode, Json<TicketDetail>)> {
    Ok((StatusCode::CREATED, Json(crate::reception::create_ticket(&s, reception(&caller)?).await?)))
}

pub async fn list_tickets(State(s): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<TicketQueryText>) -> ApiResult<Json<Vec<Ticket>>> {
    let actor = reception(&caller)?;
    let q = TicketQuery {
        status: q.status,
        date_from: q.date_from,
        date_to: q.date_to,
        poste_id: q.poste_id.as_deref().filter(|v| !v.is_empty()).map(|v| Uuid::parse_str(v).map_err(|_| AppError::invalid("poste_id invalide."))).transpose()?,
        benevole_id: q.benevole_id.as_deref().filter(|v| !v.is_empty()).map(|v| Uuid::parse_str(v).map_err(|_| AppError::invalid("benevole_id invalide."))).transpose()?,
    };
    Ok(Json(crate::reception::list_tickets(&s, actor, q).await?))
}

#[derive(Deserialize)]
pub struct TicketQueryText {
    status: Option<String>,
    date_from: Option<String>,
    date_to: Option<String>,
    poste_id: Option<String>,
    benevole_id: Option<String>,
}

pub async fn get_ticket(State(s): State<AppState>, caller: Caller, Path(t): Path<String>) -> ApiResult<Json<TicketDetail>> {
    let actor = reception(&caller)?;
    Ok(Json(crate::reception::get_ticket(&s, actor, id(&t, "Ticket")?).await?))
}

pub async fn close_ticket(State(s): State<AppState>, caller: Caller, Path(t): Path<String>) -> ApiResult<Json<TicketDetail>> {
    let actor = reception(&caller)?;
    Ok(Json(crate::reception::close_ticket(&s, actor, id(&t, "Ticket")?).await?))
}

pub async fn add_ligne(State(s): State<AppState>, caller: Caller, Path(t): Path<String>, ApiJson(input): ApiJson<LigneInput>) -> ApiResult<(StatusCode, Json<Ligne>)> {
    let actor = reception(&caller)?;
    Ok((StatusCode::CREATED, Json(crate::reception::add_ligne(&s, actor, id(&t, "Ticket")?, input).await?)))
}

pub async fn update_ligne(
    State(s): State<AppState>,
    caller: Caller,
    Path((t, l)): Path<(String, String)>,
    ApiJson(input): ApiJson<LigneUpdate>,
) -> ApiResult<Json<Ligne>> {
    let actor = reception(&caller)?;
    Ok(Json(crate::reception::update_ligne(&s, actor, id(&t, "Ticket")?, id(&l, "Ligne")?, input).await?))
}

pub async fn delete_ligne(State(s): State<AppState>, caller: Caller, Path((t, l)): Path<(String, String)>) -> ApiResult<StatusCode> {
    let actor = reception(&caller)?;
    crate::reception::delete_ligne(&s, actor, id(&t, "Ticket")?, id(&l, "Ligne")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn download_token(State(s): State<AppState>, caller: Caller, Path(t): Path<String>) -> ApiResult<(StatusCode, Json<DownloadToken>)> {
    let actor = reception(&caller)?;
    Ok((StatusCode::CREATED, Json(crate::reception::issue_download_token(&s, actor, id(&t, "Ticket")?).await?)))
}

#[derive(Deserialize)]
pub struct TicketExportQuery {
    token: Option<String>,
    dialect: Option<String>,
}

/// Session cookie or `?token=`: see `reception::authorize_ticket_download`.
pub async fn ticket_csv(State(s): State<AppState>, headers: HeaderMap, Path(t): Path<String>, ApiQuery(q): ApiQuery<TicketExportQuery>) -> ApiResult<Response> {
    let ticket_id = id(&t, "Ticket")?;
    let dialect = Dialect::parse(q.dialect.as_deref())?;
    crate::reception::authorize_ticket_download(&s, &headers, ticket_id, q.token.as_deref()).await?;
    Ok(download(crate::reception::export::ticket_csv(&s, ticket_id, dialect)))
}

pub async fn lines_csv(State(s): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<LinesQuery>) -> ApiResult<Response> {
    Ok(download(crate::reception::export::lines_csv(&s, &caller.0, &q)?))
}

pub async fn bulk_export(State(s): State<AppState>, caller: Caller, ApiJson(req): ApiJson<BulkExportRequest>) -> ApiResult<Response> {
    Ok(download(crate::reception::export::bulk_export(&s, &caller.0, req).await?))
}

#[derive(Deserialize)]
pub struct StatsQuery {
    exclude_deferred: Option<String>,
}

fn flag(v: Option<&str>) -> Result<bool, AppError> {
    match v.map(str::trim) {
        None | Some("") | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(other) => Err(AppError::invalid(format!("exclude_deferred doit valoir true ou false, pas « {other} »."))),
    }
}

pub async fn live_stats(State(s): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<StatsQuery>) -> ApiResult<Json<ReceptionLiveStats>> {
    let actor = reception(&caller)?;
    Ok(Json(crate::reception::live_stats(&s, actor, flag(q.exclude_deferred.as_deref())?).await?))
}

/// The unified stats endpoint; the cash block joins it with the cash module.
pub async fn all_live_stats(State(s): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<StatsQuery>) -> ApiResult<Json<serde_json::Value>> {
    let actor = reception(&caller)?;
    let reception = crate::reception::live_stats(&s, actor, flag(q.exclude_deferred.as_deref())?).await?;
    Ok(Json(serde_json::json!({ "reception": reception })))
}

pub async fn list_categories(State(s): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<Category>>> {
    Ok(Json(crate::reception::list_categories(&s, &caller.0).await?))
}

pub async fn create_category(State(s): State<AppState>, caller: Caller, ApiJson(input): ApiJson<CategoryInput>) -> ApiResult<(StatusCode, Json<Category>)> {
    Ok((StatusCode::CREATED, Json(crate::reception::create_category(&s, &caller.0, input).await?)))
}

pub async fn update_category(State(s): State<AppState>, caller: Caller, Path(c): Path<String>, ApiJson(input): ApiJson<CategoryUpdate>) -> ApiResult<Json<Category>> {
    let cid = id(&c, "Catégorie")?;
    Ok(Json(crate::reception::update_category(&s, &caller.0, cid, input).await?))
}
