//! Server functions of the till and the cash admin pages. Each one authenticates and
//! checks the permission itself before calling the service (which checks again); the
//! audit filter is scoped to the caller by the backend.
use leptos::prelude::*;
use server_fn::codec::Json;

use crate::cash::{
    CashSession, CashSessionDetail, CashSessionFilter, CloseOutcome, CloseSessionRequest, Register, RegisterInput, Sale, SaleInput,
    SessionPage, Site, SiteInput,
};
use crate::error::AppError;
use crate::ids::{CashSessionId, RegisterId};
use crate::money::Cents;
use crate::reception::Category;
#[cfg(feature = "ssr")]
use crate::{auth::Permission, backend::authorize, backend::with_status};

#[cfg(feature = "ssr")]
async fn cashier() -> Result<(std::sync::Arc<dyn crate::backend::Backend>, crate::auth::UserView), AppError> {
    authorize(Some(Permission::CaisseAccess)).await
}

#[server(prefix = "/api", endpoint = "cash_list_sites")]
pub async fn list_sites() -> Result<Vec<Site>, AppError> {
    with_status(async move {
        let (b, u) = authorize(Some(Permission::Admin)).await?;
        b.list_sites(&u).await
    }.await)
}

#[server(prefix = "/api", endpoint = "cash_create_site", input = Json)]
pub async fn create_site(input: SiteInput) -> Result<Site, AppError> {
    with_status(async move {
        let (b, u) = authorize(Some(Permission::Admin)).await?;
        b.create_site(&u, input).await
    }.await)
}

/// Every register with its site: cashiers choose one to open a session.
#[server(prefix = "/api", endpoint = "cash_list_registers")]
pub async fn list_registers() -> Result<Vec<Register>, AppError> {
    with_status(async move {
        let (b, u) = cashier().await?;
        b.list_registers(&u).await
    }.await)
}

#[server(prefix = "/api", endpoint = "cash_create_register", input = Json)]
pub async fn create_register(input: RegisterInput) -> Result<Register, AppError> {
    with_status(async move {
        let (b, u) = authorize(Some(Permission::Admin)).await?;
        b.create_register(&u, input).await
    }.await)
}

#[server(prefix = "/api", endpoint = "cash_sale_categories")]
pub async fn sale_categories() -> Result<Vec<Category>, AppError> {
    with_status(async move {
        let (b, u) = cashier().await?;
        b.sale_categories(&u).await
    }.await)
}

#[server(prefix = "/api", endpoint = "cash_current_session")]
pub async fn current_session() -> Result<Option<CashSession>, AppError> {
    with_status(async move {
        let (b, u) = cashier().await?;
        b.current_cash_session(&u).await
    }.await)
}

/// `opened_at` (admins only) opens a deferred session: a paper sales book typed in later.
#[server(prefix = "/api", endpoint = "cash_open_session", input = Json)]
pub async fn open_session(register_id: RegisterId, opening_float_cents: Cents, opened_at: Option<String>) -> Result<CashSession, AppError> {
    with_status(async move {
        let (b, u) = cashier().await?;
        b.open_cash_session(&u, crate::cash::OpenSessionRequest { register_id, opening_float_cents, opened_at }).await
    }.await)
}

#[server(prefix = "/api", endpoint = "cash_get_session", input = Json)]
pub async fn get_session(id: CashSessionId) -> Result<CashSessionDetail, AppError> {
    with_status(async move {
        let (b, u) = cashier().await?;
        b.get_cash_session(&u, id).await
    }.await)
}

#[server(prefix = "/api", endpoint = "cash_add_sale", input = Json)]
pub async fn add_sale(session_id: CashSessionId, input: SaleInput) -> Result<Sale, AppError> {
    with_status(async move {
        let (b, u) = cashier().await?;
        b.add_sale(&u, session_id, input).await
    }.await)
}

#[server(prefix = "/api", endpoint = "cash_close_session", input = Json)]
pub async fn close_session(id: CashSessionId, req: CloseSessionRequest) -> Result<CloseOutcome, AppError> {
    with_status(async move {
        let (b, u) = cashier().await?;
        b.close_cash_session(&u, id, req).await
    }.await)
}

/// The audit list (admins): `sort` as in the REST API (`-opened_at` by default),
/// `page` from 1.
#[server(prefix = "/api", endpoint = "cash_list_sessions", input = Json)]
pub async fn list_sessions(filter: CashSessionFilter, sort: Option<String>, page: i64, page_size: i64) -> Result<SessionPage, AppError> {
    with_status(async move {
        let (b, u) = authorize(Some(Permission::Admin)).await?;
        let sort = crate::cash::SessionSort::parse(sort.as_deref())?;
        b.list_cash_sessions(&u, filter, sort, page, page_size).await
    }.await)
}
