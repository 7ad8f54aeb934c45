//! `/v1/admin/sites`, `/v1/admin/registers`, `/v1/cash/registers`, `/v1/cash-sessions/...`
//! and the audit list `/v1/admin/cash-sessions`.
use app::cash::{
    CashSession, CashSessionDetail, CashSessionFilter, CloseOutcome, CloseSessionRequest, OpenSessionRequest, Register, RegisterInput, Sale, SaleInput,
    SessionPage, SessionSort, Site, SiteInput,
};
use app::error::AppError;
use app::filter::Filter;
use app::ids::CashSessionId;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

use super::error::{AdminOnly, Allowed, ApiError, ApiJson, ApiQuery, ApiResult, CaisseOnly};
use crate::state::AppState;

/// Handlers take `Admin` or `Cashier`: the permission is checked before the body is read.
type Admin = Allowed<AdminOnly>;
type Cashier = Allowed<CaisseOnly>;

fn session_id(raw: &str) -> Result<CashSessionId, ApiError> {
    raw.parse().map_err(|_| ApiError(AppError::NotFound("Session de caisse introuvable.".into())))
}

pub async fn list_sites(State(s): State<AppState>, Allowed(actor, _): Admin) -> ApiResult<Json<Vec<Site>>> {
    Ok(Json(crate::cash::list_sites(&s, &actor).await?))
}

pub async fn create_site(State(s): State<AppState>, Allowed(actor, _): Admin, ApiJson(input): ApiJson<SiteInput>) -> ApiResult<(StatusCode, Json<Site>)> {
    Ok((StatusCode::CREATED, Json(crate::cash::create_site(&s, &actor, input).await?)))
}

pub async fn list_registers_admin(State(s): State<AppState>, Allowed(actor, _): Admin) -> ApiResult<Json<Vec<Register>>> {
    Ok(Json(crate::cash::list_registers(&s, &actor).await?))
}

/// The registers a cashier may open a session on.
pub async fn list_registers(State(s): State<AppState>, Allowed(actor, _): Cashier) -> ApiResult<Json<Vec<Register>>> {
    Ok(Json(crate::cash::list_registers(&s, &actor).await?))
}

pub async fn create_register(State(s): State<AppState>, Allowed(actor, _): Admin, ApiJson(input): ApiJson<RegisterInput>) -> ApiResult<(StatusCode, Json<Register>)> {
    Ok((StatusCode::CREATED, Json(crate::cash::create_register(&s, &actor, input).await?)))
}

pub async fn open_session(State(s): State<AppState>, Allowed(actor, _): Cashier, ApiJson(req): ApiJson<OpenSessionRequest>) -> ApiResult<(StatusCode, Json<CashSession>)> {
    Ok((StatusCode::CREATED, Json(crate::cash::open_session(&s, &actor, req).await?)))
}

pub async fn current_session(State(s): State<AppState>, Allowed(actor, _): Cashier) -> ApiResult<Json<CashSession>> {
    match crate::cash::current_session(&s, &actor).await? {
        Some(session) => Ok(Json(session)),
        None => Err(ApiError(AppError::NotFound("Aucune session de caisse ouverte.".into()))),
    }
}

pub async fn get_session(State(s): State<AppState>, Allowed(actor, _): Cashier, Path(id): Path<String>) -> ApiResult<Json<CashSessionDetail>> {
    Ok(Json(crate::cash::get_session(&s, &actor, session_id(&id)?).await?))
}

pub async fn add_sale(State(s): State<AppState>, Allowed(actor, _): Cashier, Path(id): Path<String>, ApiJson(input): ApiJson<SaleInput>) -> ApiResult<(StatusCode, Json<Sale>)> {
    Ok((StatusCode::CREATED, Json(crate::cash::add_sale(&s, &actor, session_id(&id)?, input).await?)))
}

pub async fn close_session(State(s): State<AppState>, Allowed(actor, _): Cashier, Path(id): Path<String>, ApiJson(req): ApiJson<CloseSessionRequest>) -> ApiResult<Json<CloseOutcome>> {
    Ok(Json(crate::cash::close_session(&s, &actor, session_id(&id)?, req).await?))
}

/// `POST /v1/admin/reports/cash-sessions/export-bulk`
/// `{"filters": {...the audit filter...}, "format": "csv"|"xlsx"|"zip", "sort"?, "dialect"?}`.
pub async fn export_bulk(State(s): State<AppState>, Allowed(actor, _): Admin, ApiJson(body): ApiJson<serde_json::Value>) -> ApiResult<axum::response::Response> {
    let text = |name: &str| -> Result<Option<&str>, AppError> {
        match body.get(name) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(v)) => Ok(Some(v.as_str())),
            Some(_) => Err(AppError::field(name, format!("{name} doit être un texte."))),
        }
    };
    if let Some(unknown) = body.as_object().and_then(|o| o.keys().find(|k| !["filters", "format", "sort", "dialect"].contains(&k.as_str()))) {
        return Err(AppError::field(unknown.clone(), format!("Champ inconnu : « {} ».", app::error::truncate(unknown))).into());
    }
    let format = crate::reports::ReportFormat::parse(text("format")?, crate::reports::ReportFormat::Xlsx)?;
    let dialect = crate::export::Dialect::parse(text("dialect")?)?;
    let sort = SessionSort::parse(text("sort")?)?;
    let filter = CashSessionFilter::from_json(body.get("filters").unwrap_or(&serde_json::Value::Null))?.scope(&actor).resolve(s.clock.now());
    super::download::send(&s, crate::cash::export::sessions_report(filter, sort, format, dialect)).await
}

/// `GET /v1/admin/cash-sessions` with the cash-session filter, `sort`, `page` (from 1)
/// and `page_size` (at most 500).
pub async fn audit(State(s): State<AppState>, Allowed(actor, _): Admin, ApiQuery(q): ApiQuery<Vec<(String, String)>>) -> ApiResult<Json<SessionPage>> {
        let param = |name: &str| q.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let number = |name: &str, default: i64| -> Result<i64, AppError> {
        param(name)
            .filter(|v| !v.trim().is_empty())
            .map(|v| v.trim().parse::<i64>().map_err(|_| AppError::field(name, format!("{name} doit être un nombre entier."))))
            .transpose()
            .map(|v| v.unwrap_or(default))
    };
    let sort = SessionSort::parse(param("sort"))?;
    let (page, page_size) = (number("page", 1)?, number("page_size", 50)?);
    let filter = CashSessionFilter::from_pairs(q.iter().map(|(k, v)| (k.as_str(), v.as_str())), &["sort", "page", "page_size"])?.scope(&actor);
    Ok(Json(crate::cash::list_sessions(&s, &actor, filter, sort, page, page_size).await?))
}
