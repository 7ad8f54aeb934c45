//! `/v1/reception/...`, `/v1/categories`, `/v1/stats/live` and the admin bulk export.
use app::auth::Permission;
use app::error::AppError;
use app::filter::Filter;
use app::ids::{CategoryId, LigneId, PosteId, TicketId};
use app::reception::{
    Category, CategoryInput, CategoryUpdate, DownloadToken, Ligne, LigneInput, LigneUpdate, OpenPosteRequest, Page, PageRequest, Poste, ReceptionDashboard, ReceptionFilter, ReceptionLiveStats,
    Ticket, TicketDetail,
};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use serde::Deserialize;

use super::error::{AdminOnly, Allowed, ApiError, ApiJson, ApiQuery, ApiResult, Caller, ReceptionOnly};
use crate::export::Dialect;
use crate::reception::export::{lines_report, ticket_report, tickets_report};
use crate::reports::ReportFormat;
use crate::state::AppState;

/// Path ids are read as text so that a malformed one is a French 404, not a plain 400.
fn id<T: std::str::FromStr>(raw: &str, what: &str) -> Result<T, ApiError> {
    raw.parse::<T>().map_err(|_| ApiError(AppError::NotFound(format!("{what} introuvable."))))
}

/// Query parameters as pairs: filters are parsed by their own parser.
type Pairs = Vec<(String, String)>;

fn pairs(q: &Pairs) -> impl Iterator<Item = (&str, &str)> {
    q.iter().map(|(k, v)| (k.as_str(), v.as_str()))
}

fn param<'a>(q: &'a Pairs, name: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// Reception routes: the permission is checked before any body is read.
type Reception = Allowed<ReceptionOnly>;
type Admin = Allowed<AdminOnly>;

/// The body is optional: an empty one opens a poste now.
pub async fn open_poste(State(s): State<AppState>, Allowed(actor, _): Reception, body: axum::body::Bytes) -> ApiResult<(StatusCode, Json<Poste>)> {
    let req: OpenPosteRequest = if body.iter().all(u8::is_ascii_whitespace) {
        OpenPosteRequest::default()
    } else {
        super::error::parse_json(&body)?
    };
    Ok((StatusCode::CREATED, Json(crate::reception::open_poste(&s, &actor, req).await?)))
}

pub async fn close_poste(State(s): State<AppState>, Allowed(actor, _): Reception, Path(p): Path<String>) -> ApiResult<Json<Poste>> {
    Ok(Json(crate::reception::close_poste(&s, &actor, id::<PosteId>(&p, "Poste")?).await?))
}

/// `GET /v1/reception/postes/{id}/summary`: tickets, entries and exits of the poste by
/// destination (its owner, or an admin).
pub async fn poste_summary(State(s): State<AppState>, Allowed(actor, _): Reception, Path(p): Path<String>) -> ApiResult<Json<app::reception::PosteSummary>> {
    Ok(Json(crate::reception::poste_summary(&s, &actor, id::<PosteId>(&p, "Poste")?).await?))
}

pub async fn current_poste(State(s): State<AppState>, Allowed(actor, _): Reception) -> ApiResult<Json<Poste>> {
    match crate::reception::current_poste(&s, &actor).await? {
        Some(p) => Ok(Json(p)),
        None => Err(ApiError(AppError::NotFound("Aucun poste ouvert.".into()))),
    }
}

pub async fn create_ticket(State(s): State<AppState>, Allowed(actor, _): Reception) -> ApiResult<(StatusCode, Json<TicketDetail>)> {
    Ok((StatusCode::CREATED, Json(crate::reception::create_ticket(&s, &actor).await?)))
}

/// `GET /v1/reception/tickets?period=…|date_from=…&date_to=…&status=…&poste_id=…&benevole_id=…&category_id=…&destination=…&number=…`
/// with `page` (from 1) and `page_size` (50, at most 500): `{"items", "total", "page", "page_size"}`.
pub async fn list_tickets(State(s): State<AppState>, Allowed(actor, _): Reception, ApiQuery(q): ApiQuery<Pairs>) -> ApiResult<Json<Page<Ticket>>> {
    let filter = ReceptionFilter::from_pairs(pairs(&q), &PageRequest::FIELDS)?.scope(&actor);
    let page = PageRequest::from_pairs(pairs(&q))?;
    Ok(Json(crate::reception::list_tickets(&s, &actor, filter, page).await?))
}

/// `GET /v1/reception/postes?period=…&benevole_id=…` with `page` and `page_size` (50, at
/// most 500): postes opened in the period, latest first, `{"items", "total", "page", "page_size"}`.
pub async fn list_postes(State(s): State<AppState>, Allowed(actor, _): Reception, ApiQuery(q): ApiQuery<Pairs>) -> ApiResult<Json<Page<Poste>>> {
    let filter = ReceptionFilter::from_pairs(pairs(&q), &PageRequest::FIELDS)?.scope(&actor);
    let page = PageRequest::from_pairs(pairs(&q))?;
    Ok(Json(crate::reception::list_postes(&s, &actor, filter, page).await?))
}

pub async fn get_ticket(State(s): State<AppState>, Allowed(actor, _): Reception, Path(t): Path<String>) -> ApiResult<Json<TicketDetail>> {
    Ok(Json(crate::reception::get_ticket(&s, &actor, id::<TicketId>(&t, "Ticket")?).await?))
}

pub async fn close_ticket(State(s): State<AppState>, Allowed(actor, _): Reception, Path(t): Path<String>) -> ApiResult<Json<TicketDetail>> {
    Ok(Json(crate::reception::close_ticket(&s, &actor, id::<TicketId>(&t, "Ticket")?).await?))
}

pub async fn add_ligne(State(s): State<AppState>, Allowed(actor, _): Reception, Path(t): Path<String>, ApiJson(input): ApiJson<LigneInput>) -> ApiResult<(StatusCode, Json<Ligne>)> {
    Ok((StatusCode::CREATED, Json(crate::reception::add_ligne(&s, &actor, id::<TicketId>(&t, "Ticket")?, input).await?)))
}

pub async fn update_ligne(
    State(s): State<AppState>,
    Allowed(actor, _): Reception,
    Path((t, l)): Path<(String, String)>,
    ApiJson(input): ApiJson<LigneUpdate>,
) -> ApiResult<Json<Ligne>> {
    Ok(Json(crate::reception::update_ligne(&s, &actor, id::<TicketId>(&t, "Ticket")?, id::<LigneId>(&l, "Ligne")?, input).await?))
}

pub async fn delete_ligne(State(s): State<AppState>, Allowed(actor, _): Reception, Path((t, l)): Path<(String, String)>) -> ApiResult<StatusCode> {
    crate::reception::delete_ligne(&s, &actor, id::<TicketId>(&t, "Ticket")?, id::<LigneId>(&l, "Ligne")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn download_token(State(s): State<AppState>, Allowed(actor, _): Reception, Path(t): Path<String>) -> ApiResult<(StatusCode, Json<DownloadToken>)> {
    Ok((StatusCode::CREATED, Json(crate::reception::issue_download_token(&s, &actor, id::<TicketId>(&t, "Ticket")?).await?)))
}

#[derive(Deserialize)]
pub struct TicketExportQuery {
    token: Option<String>,
    dialect: Option<String>,
}

/// Session cookie or `?token=`: see `reception::authorize_ticket_download`, which
/// checks the permission of whoever the token or the session belongs to.
pub async fn ticket_csv(State(s): State<AppState>, headers: HeaderMap, Path(t): Path<String>, ApiQuery(q): ApiQuery<TicketExportQuery>) -> ApiResult<Response> {
    let ticket_id = id::<TicketId>(&t, "Ticket")?;
    let dialect = Dialect::parse(q.dialect.as_deref())?;
    let user = crate::reception::authorize_ticket_download(&s, &headers, ticket_id, q.token.as_deref()).await?;
    let filter = ReceptionFilter { ticket_id: Some(ticket_id), ..Default::default() }.scope(&user).resolve(s.clock.now());
    super::download::send(&s, ticket_report(filter, ticket_id, dialect)).await
}

/// `GET /v1/reception/lignes/export-csv` with the reception filter (a period required)
/// and `dialect`: a bénévole gets their own lines, an admin everyone's.
pub async fn lines_csv(State(s): State<AppState>, Allowed(actor, _): Reception, ApiQuery(q): ApiQuery<Pairs>) -> ApiResult<Response> {
    let dialect = Dialect::parse(param(&q, "dialect"))?;
    let filter = ReceptionFilter::from_pairs(pairs(&q), &["dialect"])?.scope(&actor).resolve(s.clock.now());
    super::download::send(&s, lines_report(filter, dialect)?).await
}

/// `POST /v1/admin/reports/reception-tickets/export-bulk`: the reception filter's fields
/// with `format` (`csv`, `xlsx`, `zip`) and `dialect`, in one JSON object.
pub async fn bulk_export(State(s): State<AppState>, Allowed(actor, _): Admin, ApiJson(mut body): ApiJson<serde_json::Value>) -> ApiResult<Response> {
    let mut take = |name: &str| -> Result<Option<String>, AppError> {
        match body.as_object_mut().and_then(|o| o.remove(name)) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(v)) => Ok(Some(v)),
            Some(_) => Err(AppError::field(name, format!("{name} doit être un texte."))),
        }
    };
    let format = ReportFormat::parse(take("format")?.as_deref(), ReportFormat::Csv)?;
    let dialect = Dialect::parse(take("dialect")?.as_deref())?;
    let filter = ReceptionFilter::from_json(&body)?.scope(&actor).resolve(s.clock.now());
    super::download::send(&s, tickets_report(filter, format, dialect)?).await
}

#[derive(Deserialize)]
pub struct StatsQuery {
    exclude_deferred: Option<String>,
}

fn flag(v: Option<&str>) -> Result<bool, AppError> {
    match v.map(str::trim) {
        None | Some("") | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(other) => Err(AppError::invalid(format!("exclude_deferred doit valoir true ou false, pas « {} ».", app::error::truncate(other)))),
    }
}

pub async fn live_stats(State(s): State<AppState>, Allowed(actor, _): Reception, ApiQuery(q): ApiQuery<StatsQuery>) -> ApiResult<Json<ReceptionLiveStats>> {
    Ok(Json(crate::reception::live_stats(&s, &actor, flag(q.exclude_deferred.as_deref())?).await?))
}

/// `GET /v1/reception/stats/dashboard` with the reception filter's fields but the
/// period (poste, category, destination…): today, this week, this month, this year, the
/// last 30 days and 12 months. A bénévole gets their own figures.
pub async fn dashboard(State(s): State<AppState>, Allowed(actor, _): Reception, ApiQuery(q): ApiQuery<Pairs>) -> ApiResult<Json<ReceptionDashboard>> {
    let filter = ReceptionFilter::from_pairs(pairs(&q), &[])?.scope(&actor);
    Ok(Json(crate::reception::dashboard(&s, &actor, filter).await?))
}

/// `GET /v1/reception/stats/dashboard/export` with the dashboard's filter, `format`
/// (`csv` by default, `xlsx`) and `dialect`: the same figures as the JSON, a row per
/// period card, per day and per month, for the same reader.
pub async fn dashboard_export(State(s): State<AppState>, Allowed(actor, _): Reception, ApiQuery(q): ApiQuery<Pairs>) -> ApiResult<Response> {
    let dialect = Dialect::parse(param(&q, "dialect"))?;
    let format = match ReportFormat::parse(param(&q, "format"), ReportFormat::Csv)? {
        ReportFormat::Zip => return Err(AppError::field("format", "Le tableau de bord s'exporte en csv ou en xlsx.").into()),
        f => f,
    };
    let filter = ReceptionFilter::from_pairs(pairs(&q), &["dialect", "format"])?.scope(&actor);
    let d = crate::reception::dashboard(&s, &actor, filter).await?;
    super::download::send(&s, crate::reception::dashboard::figures_report(d, format, dialect)).await
}

/// The unified stats endpoint: the `reception` block for reception users, the `cash`
/// block for cashiers, both for admins; 403 for anyone with neither.
pub async fn all_live_stats(State(s): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<StatsQuery>) -> ApiResult<Json<serde_json::Value>> {
    let actor = &caller.0;
    let exclude_deferred = flag(q.exclude_deferred.as_deref())?;
    let (sees_reception, sees_cash) = (actor.has(Permission::ReceptionAccess), actor.has(Permission::CaisseAccess));
    if !sees_reception && !sees_cash {
        return Err(AppError::forbidden().into());
    }
    // The two blocks are read at once, each on a connection of its own: the answer
    // takes the slower of them, not their sum.
    let reception = async {
        match sees_reception {
            true => crate::reception::live_stats(&s, actor, exclude_deferred).await.map(Some),
            false => Ok(None),
        }
    };
    let cash = async {
        match sees_cash {
            true => crate::cash::live_stats(&s, actor).await.map(Some),
            false => Ok(None),
        }
    };
    let (reception, cash) = tokio::try_join!(reception, cash)?;
    let mut out = serde_json::Map::new();
    if let Some(r) = reception {
        out.insert("reception".into(), serde_json::to_value(r).map_err(crate::error::internal)?);
    }
    if let Some(c) = cash {
        out.insert("cash".into(), serde_json::to_value(c).map_err(crate::error::internal)?);
    }
    Ok(Json(serde_json::Value::Object(out)))
}

pub async fn list_categories(State(s): State<AppState>, Allowed(actor, _): Reception) -> ApiResult<Json<Vec<Category>>> {
    Ok(Json(crate::reception::list_categories(&s, &actor).await?))
}

pub async fn create_category(State(s): State<AppState>, Allowed(actor, _): Admin, ApiJson(input): ApiJson<CategoryInput>) -> ApiResult<(StatusCode, Json<Category>)> {
    Ok((StatusCode::CREATED, Json(crate::reception::create_category(&s, &actor, input).await?)))
}

pub async fn update_category(State(s): State<AppState>, Allowed(actor, _): Admin, Path(c): Path<String>, ApiJson(input): ApiJson<CategoryUpdate>) -> ApiResult<Json<Category>> {
    let cid = id::<CategoryId>(&c, "Catégorie")?;
    Ok(Json(crate::reception::update_category(&s, &actor, cid, input).await?))
}
