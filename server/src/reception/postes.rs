use app::auth::{Permission, UserView};
use app::error::AppError;
use app::filter::Scoped;
use app::ids::{PosteId, UserId};
use app::paging::{Page, PageRequest};
use app::reception::{OpenPosteRequest, Poste, ReceptionFilter};
use app::time::parse_instant;
use uuid::Uuid;

use crate::auth::require;
use crate::state::AppState;
use crate::storage::reception::NewPoste;
use crate::storage::StoreError;

/// Opens the caller's poste. Admins may give a past `opened_at` (deferred entry of a
/// paper logbook): tickets of that poste then carry that date.
pub async fn open_poste(state: &AppState, actor: &UserView, req: OpenPosteRequest) -> Result<Poste, AppError> {
    require(actor, Permission::ReceptionAccess)?;
    let now = state.clock.now();
    let (opened_at, is_deferred) = match req.opened_at.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => (now, false),
        Some(raw) => {
            if !actor.has(Permission::Admin) {
                return Err(AppError::Forbidden("Seul un administrateur peut ouvrir un poste en saisie différée.".into()));
            }
            let at = parse_instant(raw)?;
            if at > now {
                return Err(AppError::invalid("La date d'ouverture ne peut pas être dans le futur."));
            }
            (at, true)
        }
    };
    let poste = NewPoste { id: PosteId(Uuid::new_v4()), opened_by: actor.id, opened_at, is_deferred, now };
    match state.store.insert_poste(&poste).await {
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::Conflict("Vous avez déjà un poste ouvert : fermez-le avant d'en ouvrir un autre.".into()))
        }
        other => other?,
    }
    tracing::info!(poste = %poste.id, user = actor.username, deferred = is_deferred, "poste opened");
    state.store.poste(poste.id).await?.ok_or_else(AppError::internal)
}

/// Postes opened in the filter's period, by its bénévole if it names one (a bénévole's
/// filter always does, once scoped), latest first, one page of them with the total.
pub async fn list_postes(state: &AppState, actor: &UserView, filter: Scoped<ReceptionFilter>, page: PageRequest) -> Result<Page<Poste>, AppError> {
    require(actor, Permission::ReceptionAccess)?;
    let f = filter.resolve(state.clock.now());
    let opened_by: Option<UserId> = f.filter().benevole_id;
    let (total, items) =
        tokio::try_join!(state.store.count_postes(opened_by, f.range()), state.store.list_postes(opened_by, f.range(), i64::from(page.page_size), page.offset()))?;
    Ok(Page { items, total, page: page.page, page_size: page.page_size })
}

pub async fn current_poste(state: &AppState, actor: &UserView) -> Result<Option<Poste>, AppError> {
    require(actor, Permission::ReceptionAccess)?;
    Ok(state.store.current_poste(actor.id).await?)
}

/// Closes a poste; refused (409) while one of its tickets is open.
/// The poste, if `actor` may act on it: the one who opened it, or an admin.
pub(super) async fn owned_poste(state: &AppState, actor: &UserView, id: PosteId) -> Result<Poste, AppError> {
    require(actor, Permission::ReceptionAccess)?;
    let poste = state.store.poste(id).await?.ok_or_else(|| AppError::NotFound("Poste introuvable.".into()))?;
    if poste.opened_by != actor.id && !actor.has(Permission::Admin) {
        return Err(AppError::Forbidden("Ce poste a été ouvert par un autre utilisateur.".into()));
    }
    Ok(poste)
}

pub async fn close_poste(state: &AppState, actor: &UserView, id: PosteId) -> Result<Poste, AppError> {
    let poste = owned_poste(state, actor, id).await?;
    if poste.closed_at.is_some() {
        return Err(AppError::Conflict("Ce poste est déjà fermé.".into()));
    }
    if !state.store.close_poste(id, actor.id, state.clock.now()).await? {
        let open = state.store.count_open_tickets(id).await?;
        return Err(AppError::Conflict(format!(
            "Impossible de fermer le poste : {open} ticket(s) encore ouvert(s). Fermez-les d'abord."
        )));
    }
    tracing::info!(poste = %id, user = actor.username, "poste closed");
    state.store.poste(id).await?.ok_or_else(AppError::internal)
}
