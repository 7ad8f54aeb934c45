use app::auth::{Permission, UserView};
use app::error::AppError;
use app::ids::CategoryId;
use app::reception::{Category, CategoryInput, CategoryUpdate};
use uuid::Uuid;

use crate::auth::require;
use crate::state::AppState;
use crate::storage::reception::CategoryChanges;
use crate::storage::StoreError;

fn clean_name(raw: &str) -> Result<String, AppError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(AppError::invalid("Le nom de la catégorie est obligatoire."));
    }
    if name.chars().count() > 100 {
        return Err(AppError::invalid("Le nom de la catégorie ne peut pas dépasser 100 caractères."));
    }
    if name.chars().any(char::is_control) {
        return Err(AppError::invalid("Le nom de la catégorie contient des caractères invalides."));
    }
    Ok(name.to_string())
}

/// Every category, archived ones included (statistics need them); the UI filters.
pub async fn list_categories(state: &AppState, actor: &UserView) -> Result<Vec<Category>, AppError> {
    require(actor, Permission::ReceptionAccess)?;
    Ok(state.store.list_categories().await?)
}

async fn check_parent(state: &AppState, id: Option<CategoryId>, parent: Option<CategoryId>) -> Result<(), AppError> {
    let Some(parent) = parent else { return Ok(()) };
    let all = state.store.list_categories().await?;
    if !all.iter().any(|c| c.id == parent) {
        return Err(AppError::invalid("Catégorie parente introuvable."));
    }
    // Walk up from the new parent: meeting the category itself would make a cycle.
    if let Some(id) = id {
        let mut cursor = Some(parent);
        // Bounded: a cycle already in the data (two admins at once) cannot spin forever.
        for _ in 0..=all.len() {
            let Some(c) = cursor else { break };
            if c == id {
                return Err(AppError::invalid("Une catégorie ne peut pas être rangée sous elle-même ou sous une de ses sous-catégories."));
            }
            cursor = all.iter().find(|x| x.id == c).and_then(|x| x.parent_id);
        }
    }
    Ok(())
}

pub async fn create_category(state: &AppState, actor: &UserView, input: CategoryInput) -> Result<Category, AppError> {
    require(actor, Permission::Admin)?;
    let name = clean_name(&input.name)?;
    check_parent(state, None, input.parent_id).await?;
    let c = Category {
        id: CategoryId(Uuid::new_v4()),
        parent_id: input.parent_id,
        name,
        display_order: input.display_order.unwrap_or(0),
        visible_reception: input.visible_reception.unwrap_or(true),
        archived: false,
    };
    state.store.insert_category(&c, state.clock.now()).await?;
    Ok(c)
}

pub async fn update_category(state: &AppState, actor: &UserView, id: CategoryId, input: CategoryUpdate) -> Result<Category, AppError> {
    require(actor, Permission::Admin)?;
    let changes = CategoryChanges {
        name: input.name.as_deref().map(clean_name).transpose()?,
        parent_id: input.parent_id,
        display_order: input.display_order,
        visible_reception: input.visible_reception,
        archived: input.archived,
    };
    if let Some(parent) = changes.parent_id {
        check_parent(state, Some(id), parent).await?;
    }
    match state.store.update_category(id, &changes, state.clock.now()).await {
        Err(StoreError::NotFound) => return Err(AppError::NotFound("Catégorie introuvable.".into())),
        other => other?,
    }
    state.store.category(id).await?.ok_or_else(|| AppError::NotFound("Catégorie introuvable.".into()))
}
