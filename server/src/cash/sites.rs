use app::auth::{Permission, UserView};
use app::cash::{clean_name, Register, RegisterInput, Site, SiteInput};
use app::error::AppError;
use app::ids::{RegisterId, SiteId};
use uuid::Uuid;

use crate::auth::require;
use crate::state::AppState;
use crate::storage::StoreError;

pub async fn list_sites(state: &AppState, actor: &UserView) -> Result<Vec<Site>, AppError> {
    require(actor, Permission::CaisseAccess)?;
    Ok(state.store.list_sites().await?)
}

pub async fn create_site(state: &AppState, actor: &UserView, input: SiteInput) -> Result<Site, AppError> {
    require(actor, Permission::Admin)?;
    let site = Site { id: SiteId(Uuid::new_v4()), name: clean_name(&input.name, "du site")?, created_at: state.clock.now() };
    match state.store.insert_site(&site).await {
        Err(StoreError::Conflict(_)) => Err(AppError::Conflict(format!("Un site s'appelle déjà « {} ».", site.name))),
        other => Ok(other.map(|_| site)?),
    }
}

/// Every register with its site: cashiers choose one to open a session.
pub async fn list_registers(state: &AppState, actor: &UserView) -> Result<Vec<Register>, AppError> {
    require(actor, Permission::CaisseAccess)?;
    Ok(state.store.list_registers().await?)
}

pub async fn create_register(state: &AppState, actor: &UserView, input: RegisterInput) -> Result<Register, AppError> {
    require(actor, Permission::Admin)?;
    let name = clean_name(&input.name, "de la caisse")?;
    let site = state.store.site(input.site_id).await?.ok_or_else(|| AppError::field("site_id", "Site introuvable."))?;
    let id = RegisterId(Uuid::new_v4());
    match state.store.insert_register(id, site.id, &name, state.clock.now()).await {
        Err(StoreError::Conflict(_)) => return Err(AppError::Conflict(format!("Le site « {} » a déjà une caisse « {name} ».", site.name))),
        other => other?,
    }
    state.store.register(id).await?.ok_or_else(AppError::internal)
}
