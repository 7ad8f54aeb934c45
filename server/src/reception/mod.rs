//! Reception: postes (stations) opened and closed, deposit tickets, weighed lines, the
//! category tree, download tokens and live KPIs. REST handlers and server functions are
//! thin edges over these: they check the permission and scope filters to the caller;
//! the functions here check the permission again, so they are safe whoever calls them.
pub(crate) mod categories;
pub(crate) mod dashboard;
pub mod days;
pub mod export;
mod summary;
mod postes;
mod stats;
mod tickets;
mod tokens;

pub use categories::{create_category, frequent_categories, list_categories, update_category};
pub use dashboard::dashboard;
pub use postes::{close_poste, current_poste, list_postes, open_poste};
pub use stats::{live_stats, poste_summary};
pub use tickets::{add_ligne, close_ticket, create_ticket, delete_ligne, get_ticket, list_tickets, update_ligne};
pub use tokens::{authorize_ticket_download, issue_download_token};

use app::auth::{Permission, UserView};
use app::error::AppError;
use app::ids::TicketId;
use app::reception::Ticket;

use crate::auth::require;
use crate::state::AppState;

fn ticket_not_found() -> AppError {
    AppError::NotFound("Ticket introuvable.".into())
}

/// The ticket, if `actor` may see it: bénévoles see their own tickets, admins all.
async fn visible_ticket(state: &AppState, actor: &UserView, id: TicketId) -> Result<Ticket, AppError> {
    require(actor, Permission::ReceptionAccess)?;
    let ticket = state.store.ticket(id).await?.ok_or_else(ticket_not_found)?;
    if ticket.benevole_id != actor.id && !actor.has(Permission::Admin) {
        return Err(AppError::Forbidden("Ce ticket appartient à un autre bénévole.".into()));
    }
    Ok(ticket)
}
