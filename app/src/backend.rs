//! The seam between the UI crate and the server crate. Server functions are compiled in
//! this crate but the storage, sessions and mail live in `server`; the server provides an
//! implementation of [`Backend`] through Leptos context, and every server function asks
//! it who is calling before it does anything (a server function is a public endpoint).
use std::sync::Arc;

use http::{HeaderMap, HeaderValue};
use leptos::prelude::*;

use crate::auth::{CreateUserRequest, LoginRequest, Permission, UpdateUserRequest, UserView};
use crate::cash::{
    CashSession, CashSessionDetail, CashSessionFilter, CloseOutcome, CloseSessionRequest, OpenSessionRequest, Register, RegisterInput, Sale, SaleInput,
    SessionPage, SessionSort, Site, SiteInput,
};
use crate::error::AppError;
use crate::mail::{MailDelivery, MailStatus, OutboxEntry};
use crate::ids::{CashSessionId, CategoryId, LigneId, PosteId, TicketId, UserId};
use crate::reception::{
    Category, CategoryInput, CategoryUpdate, DownloadToken, Ligne, LigneInput, LigneUpdate, OpenPosteRequest, Poste, ReceptionDashboard, ReceptionFilter, ReceptionLiveStats,
    Page, PageRequest, Ticket, TicketDetail,
};

#[async_trait::async_trait]
pub trait Backend: Send + Sync + 'static {
    /// The user behind the session cookie in `headers`, if the session is valid.
    async fn authenticate(&self, headers: &HeaderMap) -> Result<Option<UserView>, AppError>;
    /// Checks credentials and opens a session; returns the `Set-Cookie` value. `client`
    /// is the caller's address, for the per-address limits.
    async fn login(&self, headers: &HeaderMap, client: Option<std::net::IpAddr>, req: LoginRequest) -> Result<(UserView, HeaderValue), AppError>;
    /// Ends the session in `headers` (if any); returns the `Set-Cookie` that clears it.
    async fn logout(&self, headers: &HeaderMap) -> Result<HeaderValue, AppError>;

    async fn list_users(&self, actor: &UserView) -> Result<Vec<UserView>, AppError>;
    async fn create_user(&self, actor: &UserView, req: CreateUserRequest) -> Result<UserView, AppError>;
    /// `headers` name the caller's session: changing one's own password closes one's
    /// other sessions, not this one.
    async fn update_user(&self, headers: &HeaderMap, actor: &UserView, id: UserId, req: UpdateUserRequest) -> Result<UserView, AppError>;

    async fn mail_status(&self, actor: &UserView) -> Result<MailStatus, AppError>;
    async fn list_outbox(&self, actor: &UserView) -> Result<Vec<OutboxEntry>, AppError>;
    /// The recorded deliveries (reports, notifications) with their attempts, newest first.
    async fn list_deliveries(&self, actor: &UserView) -> Result<Vec<MailDelivery>, AppError>;
    async fn list_scheduled_reports(&self, actor: &UserView) -> Result<Vec<crate::schedule::report::ScheduledReport>, AppError>;
    /// Creates (`id` none) or changes a scheduled report.
    async fn save_scheduled_report(
        &self,
        actor: &UserView,
        id: Option<crate::ids::ScheduledReportId>,
        input: crate::schedule::report::ScheduledReportInput,
    ) -> Result<crate::schedule::report::ScheduledReport, AppError>;
    async fn delete_scheduled_report(&self, actor: &UserView, id: crate::ids::ScheduledReportId) -> Result<(), AppError>;
    /// Sends a report now, or again the run of a log entry; returns what to tell the user.
    async fn send_scheduled_report(&self, actor: &UserView, id: crate::ids::ScheduledReportId, log_id: Option<crate::ids::ReportLogId>) -> Result<String, AppError>;
    async fn scheduled_report_logs(&self, actor: &UserView, id: crate::ids::ScheduledReportId) -> Result<Vec<crate::schedule::report::ScheduledReportLog>, AppError>;
    /// How many scheduled reports failed their last run or are paused (the header's badge).
    async fn scheduled_reports_needing_attention(&self, actor: &UserView) -> Result<i64, AppError>;
    /// Sends a short test message, to check the mail configuration end to end.
    async fn send_test_mail(&self, actor: &UserView, to: &str) -> Result<(), AppError>;

    async fn current_poste(&self, actor: &UserView) -> Result<Option<Poste>, AppError>;
    async fn open_poste(&self, actor: &UserView, req: OpenPosteRequest) -> Result<Poste, AppError>;
    async fn close_poste(&self, actor: &UserView, id: PosteId) -> Result<Poste, AppError>;
    /// What a poste's shift took in and let out (its owner, or an admin).
    async fn poste_summary(&self, actor: &UserView, id: PosteId) -> Result<crate::reception::PosteSummary, AppError>;
    /// Tickets matching `filter`, once scoped to what `actor` may see.
    async fn list_tickets(&self, actor: &UserView, filter: ReceptionFilter, page: PageRequest) -> Result<Page<Ticket>, AppError>;
    /// Postes opened in the filter's period (and by its bénévole), once scoped.
    async fn list_postes(&self, actor: &UserView, filter: ReceptionFilter, page: PageRequest) -> Result<Page<Poste>, AppError>;
    async fn create_ticket(&self, actor: &UserView) -> Result<TicketDetail, AppError>;
    async fn get_ticket(&self, actor: &UserView, id: TicketId) -> Result<TicketDetail, AppError>;
    async fn close_ticket(&self, actor: &UserView, id: TicketId) -> Result<TicketDetail, AppError>;
    async fn add_ligne(&self, actor: &UserView, ticket_id: TicketId, input: LigneInput) -> Result<Ligne, AppError>;
    async fn update_ligne(&self, actor: &UserView, ticket_id: TicketId, ligne_id: LigneId, input: LigneUpdate) -> Result<Ligne, AppError>;
    async fn delete_ligne(&self, actor: &UserView, ticket_id: TicketId, ligne_id: LigneId) -> Result<(), AppError>;
    async fn download_token(&self, actor: &UserView, ticket_id: TicketId) -> Result<DownloadToken, AppError>;
    async fn live_stats(&self, actor: &UserView, exclude_deferred: bool) -> Result<ReceptionLiveStats, AppError>;
    /// The home page's dashboard of `filter`, once scoped (a bénévole's own figures).
    async fn reception_dashboard(&self, actor: &UserView, filter: ReceptionFilter) -> Result<ReceptionDashboard, AppError>;
    async fn list_categories(&self, actor: &UserView) -> Result<Vec<Category>, AppError>;
    /// The most used categories of the last 90 days, for the desk's touch tiles.
    async fn frequent_categories(&self, actor: &UserView) -> Result<Vec<CategoryId>, AppError>;
    async fn create_category(&self, actor: &UserView, input: CategoryInput) -> Result<Category, AppError>;
    async fn update_category(&self, actor: &UserView, id: CategoryId, input: CategoryUpdate) -> Result<Category, AppError>;

    async fn list_sites(&self, actor: &UserView) -> Result<Vec<Site>, AppError>;
    async fn create_site(&self, actor: &UserView, input: SiteInput) -> Result<Site, AppError>;
    async fn list_registers(&self, actor: &UserView) -> Result<Vec<Register>, AppError>;
    async fn create_register(&self, actor: &UserView, input: RegisterInput) -> Result<Register, AppError>;
    /// The category tree as the till needs it (cashiers need not have reception access).
    async fn sale_categories(&self, actor: &UserView) -> Result<Vec<Category>, AppError>;
    async fn current_cash_session(&self, actor: &UserView) -> Result<Option<CashSession>, AppError>;
    async fn open_cash_session(&self, actor: &UserView, req: OpenSessionRequest) -> Result<CashSession, AppError>;
    async fn get_cash_session(&self, actor: &UserView, id: CashSessionId) -> Result<CashSessionDetail, AppError>;
    async fn add_sale(&self, actor: &UserView, session_id: CashSessionId, input: SaleInput) -> Result<Sale, AppError>;
    async fn close_cash_session(&self, actor: &UserView, id: CashSessionId, req: CloseSessionRequest) -> Result<CloseOutcome, AppError>;
    /// One page of the sessions `filter` selects, once scoped, with the filtered set's totals.
    async fn list_cash_sessions(&self, actor: &UserView, filter: CashSessionFilter, sort: SessionSort, page: i64, page_size: i64) -> Result<SessionPage, AppError>;
}

/// The client's address, resolved by the server's request gate (the peer, or a trusted
/// proxy's header) and kept in the request's extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub std::net::IpAddr);

/// The client address of the current server function call.
pub fn client_addr() -> Option<std::net::IpAddr> {
    use_context::<http::request::Parts>().and_then(|p| p.extensions.get::<ClientAddr>().map(|c| c.0))
}

/// What the server puts in context for server functions.
#[derive(Clone)]
pub struct BackendHandle(pub Arc<dyn Backend>);

/// The backend and the request headers of the current server function call.
pub async fn backend_and_headers() -> Result<(Arc<dyn Backend>, HeaderMap), AppError> {
    let backend = use_context::<BackendHandle>().ok_or_else(|| {
        leptos::logging::error!("BackendHandle missing from context");
        AppError::internal()
    })?;
    let headers: HeaderMap = leptos_axum::extract().await.map_err(|e| {
        leptos::logging::error!("could not read request headers: {e}");
        AppError::internal()
    })?;
    Ok((backend.0, headers))
}

/// Authenticates the caller and checks `permission` (admin implies all).
/// `None` only requires a valid session.
pub async fn authorize(permission: Option<Permission>) -> Result<(Arc<dyn Backend>, UserView), AppError> {
    let (backend, _, user) = authorize_with_headers(permission).await?;
    Ok((backend, user))
}

/// [`authorize`], keeping the request headers for calls that need the session.
pub async fn authorize_with_headers(permission: Option<Permission>) -> Result<(Arc<dyn Backend>, HeaderMap, UserView), AppError> {
    let (backend, headers) = backend_and_headers().await?;
    let user = backend.authenticate(&headers).await?.ok_or_else(AppError::unauthenticated)?;
    if let Some(p) = permission {
        crate::auth::require(&user, p)?;
    }
    Ok((backend, headers, user))
}

/// Whether the call is a plain HTML form post (no JavaScript): such a caller is
/// answered with a redirect, never with JSON.
pub fn is_form_post(headers: &HeaderMap) -> bool {
    headers.get(http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
}

/// Runs a server function body and, on error, sets the HTTP status the REST API would
/// use for the same error (401, 403, 422...), so that clients and logs see the truth
/// instead of a blanket 500. A plain form post keeps its redirect (back to the page,
/// the error in the URL): a browser does not follow a redirect with an error status.
pub fn with_status<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(e) = &result {
        let form_post = use_context::<http::request::Parts>().is_some_and(|p| is_form_post(&p.headers));
        if let (Some(options), false) = (use_context::<leptos_axum::ResponseOptions>(), form_post) {
            options.set_status(http::StatusCode::from_u16(e.status_code()).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR));
        }
    }
    result
}
