//! Server functions of the reception pages. Each one authenticates and checks the
//! permission itself before calling the service (which checks again).
use leptos::prelude::*;
use server_fn::codec::Json;

use crate::error::AppError;
use crate::ids::{CategoryId, LigneId, PosteId, TicketId};
use crate::reception::{
    Category, CategoryInput, CategoryUpdate, DownloadToken, Ligne, LigneInput, LigneUpdate, Page, PageRequest, Poste, ReceptionDashboard, ReceptionFilter, ReceptionLiveStats, Ticket,
    TicketDetail,
};
#[cfg(feature = "ssr")]
use crate::{auth::Permission, backend::authorize, backend::with_status};

#[cfg(feature = "ssr")]
async fn reception() -> Result<(std::sync::Arc<dyn crate::backend::Backend>, crate::auth::UserView), AppError> {
    authorize(Some(Permission::ReceptionAccess)).await
}

#[server(prefix = "/api", endpoint = "reception_current_poste")]
pub async fn current_poste() -> Result<Option<Poste>, AppError> {
    with_status(async move {
        let (b, u) = reception().await?;
        b.current_poste(&u).await
    }.await)
}

#[server(prefix = "/api", endpoint = "reception_open_poste", input = Json)]
pub async fn open_poste(opened_at: Option<String>) -> Result<Poste, AppError> {
    with_status(async move {
        let (b, u) = reception().await?;
        b.open_poste(&u, crate::reception::OpenPosteRequest { opened_at }).await
    }.await)
}

/// The summary of a poste's shift, shown once it is closed.
#[server(prefix = "/api", endpoint = "reception_poste_summary", input = Json)]
pub async fn poste_summary(id: PosteId) -> Result<crate::reception::PosteSummary, AppError> {
    with_status(async move {
        let (b, u) = reception().await?;
        b.poste_summary(&u, id).await
    }.await)
}

#[server(prefix = "/api", endpoint = "reception_close_poste", input = Json)]
pub async fn close_poste(id: PosteId) -> Result<Poste, AppError> {
    with_status(async move {
        let (b, u) = reception().await?;
        b.close_poste(&u, id).await
    }.await)
}

#[server(prefix = "/api", endpoint = "reception_list_tickets", input = Json)]
pub async fn list_tickets(filter: ReceptionFilter, page: PageRequest) -> Result<Page<Ticket>, AppError> {
    with_status(async move {
        let (b, u) = reception().await?;
        b.list_tickets(&u, filter, page).await
    }.await)
}

#[server(prefix = "/api", endpoint = "reception_list_postes", input = Json)]
pub async fn list_postes(filter: ReceptionFilter, page: PageRequest) -> Result<Page<Poste>, AppError> {
    with_status(async move {
        let (b, u) = reception().await?;
        b.list_postes(&u, filter, page).await
    }.await)
}

#[server(prefix = "/api", endpoint = "reception_create_ticket", input = Json)]
pub async fn create_ticket() -> Result<TicketDetail, AppError> {
    with_status(async move {
        let (b, u) = reception().await?;
        b.create_ticket(&u).await
    }.await)
}

#[server(prefix = "/api", endpoint = "reception_get_ticket", input = Json)]
pub async fn get_ticket(id: TicketId) -> Result<TicketDetail, AppError> {
    with_status(async move {
        let (b, u) = reception().await?;
        b.get_ticket(&u, id).await
    }.await)
}

#[server(prefix = "/api", endpoint = "reception_close_ticket", input = Json)]
pub async fn close_ticket(id: TicketId) -> Result<TicketDetail, AppError> {
    with_status(async move {
        let (b, u) = reception().await?;
        b.close_ticket(&u, id).await
    }.await)
}

#[server(prefix = "/api", endpoint = "reception_add_ligne", input = Json)]
pub async fn add_ligne(ticket_id: TicketId, input: LigneInput) -> Result<Ligne, AppError> {
    with_status(async move {
        let (b, u) = reception().await?;
        b.add_ligne(&u, ticket_id, input).await
    }.await)
}

#[server(prefix = "/api", endpoint = "reception_update_ligne", input = Json)]
pub async fn update_ligne(ticket_id: TicketId, ligne_id: LigneId, input: LigneUpdate) -> Result<Ligne, AppError> {
    with_status(async move {
        let (b, u) = reception().await?;
        b.update_ligne(&u, ticket_id, ligne_id, input).await
    }.await)
}

#[server(prefix = "/api", endpoint = "reception_delete_ligne", input = Json)]
pub async fn delete_ligne(ticket_id: TicketId, ligne_id: LigneId) -> Result<(), AppError> {
    with_status(async move {
        let (b, u) = reception().await?;
        b.delete_ligne(&u, ticket_id, ligne_id).await
    }.await)
}

#[server(prefix = "/api", endpoint = "reception_download_token", input = Json)]
pub async fn issue_download_token(ticket_id: TicketId) -> Result<DownloadToken, AppError> {
    with_status(async move {
        let (b, u) = reception().await?;
        b.download_token(&u, ticket_id).await
    }.await)
}

#[server(prefix = "/api", endpoint = "reception_live_stats", input = Json)]
pub async fn live_stats(exclude_deferred: bool) -> Result<ReceptionLiveStats, AppError> {
    with_status(async move {
        let (b, u) = reception().await?;
        b.live_stats(&u, exclude_deferred).await
    }.await)
}

/// The home page's dashboard: the caller's figures (a bénévole) or the site's (an admin).
#[server(prefix = "/api", endpoint = "reception_dashboard", input = Json)]
pub async fn dashboard(filter: ReceptionFilter) -> Result<ReceptionDashboard, AppError> {
    with_status(async move {
        let (b, u) = reception().await?;
        b.reception_dashboard(&u, filter).await
    }.await)
}

#[server(prefix = "/api", endpoint = "categories_list")]
pub async fn list_categories() -> Result<Vec<Category>, AppError> {
    with_status(async move {
        let (b, u) = reception().await?;
        b.list_categories(&u).await
    }.await)
}

/// The categories of the desk's touch tiles (most used of the last 90 days).
#[server(prefix = "/api", endpoint = "categories_frequent")]
pub async fn frequent_categories() -> Result<Vec<CategoryId>, AppError> {
    with_status(async move {
        let (b, u) = reception().await?;
        b.frequent_categories(&u).await
    }.await)
}

#[server(prefix = "/api", endpoint = "categories_create", input = Json)]
pub async fn create_category(input: CategoryInput) -> Result<Category, AppError> {
    with_status(async move {
        let (b, u) = authorize(Some(Permission::Admin)).await?;
        b.create_category(&u, input).await
    }.await)
}

#[server(prefix = "/api", endpoint = "categories_update", input = Json)]
pub async fn update_category(id: CategoryId, input: CategoryUpdate) -> Result<Category, AppError> {
    with_status(async move {
        let (b, u) = authorize(Some(Permission::Admin)).await?;
        b.update_category(&u, id, input).await
    }.await)
}
