use app::auth::{Permission, UserView};
use app::error::AppError;
use app::filter::Scoped;
use app::ids::{CategoryId, LigneId, TicketId};
use app::reception::{Ligne, LigneInput, LigneUpdate, Page, PageRequest, ReceptionFilter, Status, Ticket, TicketDetail};
use app::text::clean_text;
use app::time::paris_date;
use chrono::Datelike;
use uuid::Uuid;

use super::visible_ticket;
use crate::auth::require;
use crate::state::AppState;
use crate::storage::reception::{LigneChanges, NewLigne, NewTicket};
use crate::storage::StoreError;

/// A new ticket on the caller's current poste, dated like the poste when it is deferred.
pub async fn create_ticket(state: &AppState, actor: &UserView) -> Result<TicketDetail, AppError> {
    require(actor, Permission::ReceptionAccess)?;
    let poste = state
        .store
        .current_poste(actor.id)
        .await?
        .ok_or_else(|| AppError::Conflict("Ouvrez d'abord un poste de réception.".into()))?;
    let now = state.clock.now();
    let ticket_at = if poste.is_deferred { poste.opened_at } else { now };
    let id = TicketId(Uuid::new_v4());
    // Numbered within the Paris year of its date (a deferred poste's year, say).
    let year = paris_date(ticket_at).year();
    if !state.store.insert_ticket(&NewTicket { id, poste_id: poste.id, benevole_id: actor.id, ticket_at, year, now }).await? {
        return Err(AppError::Conflict("Le poste a été fermé entre-temps.".into()));
    }
    get_ticket(state, actor, id).await
}

/// One page of the tickets matching the filter (scoped at the edge: bénévoles see
/// their own), latest first, with the count of them all.
pub async fn list_tickets(state: &AppState, actor: &UserView, filter: Scoped<ReceptionFilter>, page: PageRequest) -> Result<Page<Ticket>, AppError> {
    require(actor, Permission::ReceptionAccess)?;
    let f = filter.resolve(state.clock.now());
    let total = state.store.count_tickets(&f).await?;
    let items = state.store.list_tickets(&f, i64::from(page.page_size), page.offset()).await?;
    Ok(Page { items, total, page: page.page, page_size: page.page_size })
}

pub async fn get_ticket(state: &AppState, actor: &UserView, id: TicketId) -> Result<TicketDetail, AppError> {
    let ticket = visible_ticket(state, actor, id).await?;
    let lignes = state.store.lignes(id).await?;
    Ok(TicketDetail { ticket, lignes })
}

pub async fn close_ticket(state: &AppState, actor: &UserView, id: TicketId) -> Result<TicketDetail, AppError> {
    visible_ticket(state, actor, id).await?;
    if !state.store.close_ticket(id, state.clock.now()).await? {
        return Err(AppError::Conflict("Ce ticket est déjà fermé.".into()));
    }
    get_ticket(state, actor, id).await
}

fn closed() -> AppError {
    AppError::Conflict("Ce ticket est fermé : ses lignes ne peuvent plus être modifiées.".into())
}

/// A category usable for new entries: existing and not archived.
async fn check_category(state: &AppState, id: CategoryId) -> Result<(), AppError> {
    match state.store.category(id).await? {
        None => Err(AppError::invalid("Catégorie introuvable.")),
        Some(c) if c.archived => Err(AppError::invalid(format!("La catégorie « {} » est archivée.", c.name))),
        Some(_) => Ok(()),
    }
}

pub async fn add_ligne(state: &AppState, actor: &UserView, ticket_id: TicketId, input: LigneInput) -> Result<Ligne, AppError> {
    let ticket = visible_ticket(state, actor, ticket_id).await?;
    // A line sent again with its id (the answer to the first send was lost): the
    // line saved the first time is the answer, whatever became of the ticket since.
    if let Some(id) = input.id {
        if let Some(saved) = state.store.ligne(ticket_id, id).await? {
            return Ok(saved);
        }
    }
    if ticket.status == Status::Closed {
        return Err(closed());
    }
    check_category(state, input.category_id).await?;
    let line = NewLigne {
        id: input.id.unwrap_or_else(|| LigneId(Uuid::new_v4())),
        ticket_id,
        category_id: input.category_id,
        poids: input.poids_kg,
        destination: input.destination,
        notes: clean_text(input.notes.as_deref(), "notes")?,
        is_exit: input.is_exit,
        now: state.clock.now(),
    };
    match state.store.insert_ligne(&line).await {
        Ok(true) => {}
        Ok(false) => return Err(closed()),
        // The same line sent twice at once: the first insert won, it is the answer.
        // An id already taken by a line of another ticket is refused.
        Err(StoreError::Conflict(_)) => {
            return match state.store.ligne(ticket_id, line.id).await? {
                Some(saved) => Ok(saved),
                None => Err(AppError::Conflict("Cet identifiant de ligne est déjà pris par un autre ticket.".into())),
            }
        }
        Err(e) => return Err(e.into()),
    }
    find_ligne(state, ticket_id, line.id).await
}

async fn find_ligne(state: &AppState, ticket_id: TicketId, id: LigneId) -> Result<Ligne, AppError> {
    state.store.ligne(ticket_id, id).await?.ok_or_else(|| AppError::NotFound("Ligne introuvable.".into()))
}

/// Why a line write touched nothing: the line is not on this ticket, or the ticket closed.
async fn refused_write(state: &AppState, ticket_id: TicketId, ligne_id: LigneId) -> AppError {
    match state.store.ligne(ticket_id, ligne_id).await {
        Ok(None) => AppError::NotFound("Ligne introuvable.".into()),
        Ok(Some(_)) => closed(),
        Err(e) => e.into(),
    }
}

pub async fn update_ligne(state: &AppState, actor: &UserView, ticket_id: TicketId, ligne_id: LigneId, input: LigneUpdate) -> Result<Ligne, AppError> {
    visible_ticket(state, actor, ticket_id).await?;
    if let Some(c) = input.category_id {
        check_category(state, c).await?;
    }
    let changes = LigneChanges {
        category_id: input.category_id,
        poids: input.poids_kg,
        destination: input.destination,
        notes: input.notes.as_deref().map(|n| clean_text(Some(n), "notes")).transpose()?,
        is_exit: input.is_exit,
    };
    if !state.store.update_ligne(ticket_id, ligne_id, &changes, state.clock.now()).await? {
        return Err(refused_write(state, ticket_id, ligne_id).await);
    }
    find_ligne(state, ticket_id, ligne_id).await
}

pub async fn delete_ligne(state: &AppState, actor: &UserView, ticket_id: TicketId, ligne_id: LigneId) -> Result<(), AppError> {
    visible_ticket(state, actor, ticket_id).await?;
    if !state.store.delete_ligne(ticket_id, ligne_id).await? {
        return Err(refused_write(state, ticket_id, ligne_id).await);
    }
    Ok(())
}
