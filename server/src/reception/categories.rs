use app::auth::{Permission, UserView};
use app::error::AppError;
use app::ids::CategoryId;
use app::reception::{Category, CategoryInput, CategoryUpdate};
use unicode_normalization::UnicodeNormalization;
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

/// What two names must differ in to be told apart at the desk: not case, not accents,
/// not spacing ("Mobilier", "mobilier", "Mobilîer" and "MOBILIER " are one name).
fn name_key(name: &str) -> String {
    name.nfd().filter(|c| !unicode_normalization::char::is_combining_mark(*c)).flat_map(char::to_lowercase).collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The refusal of a name that an active sibling has, when the database's unique index
/// (migration 0010) caught what the check above could not see: two admins at once.
fn name_taken() -> AppError {
    AppError::field("name", "Une catégorie de ce nom vient d'être créée à cet endroit (majuscules et accents ne comptent pas) : choisissez un autre nom.")
}

/// Gives their name key to the categories written before keys existed (the default
/// tree of the first migration, older databases), at start. A key that an older
/// duplicate already holds is left out, with a warning: both categories stay, and
/// renaming one gives it its key.
pub async fn fill_name_keys(store: &dyn crate::storage::Store) -> Result<(), StoreError> {
    for c in store.categories_without_key().await? {
        match store.set_category_key(c.id, &name_key(&c.name)).await {
            Ok(()) => {}
            Err(StoreError::Conflict(_)) => tracing::warn!(category = %c.id, name = %c.name, "category name already used by an active sibling: left without key"),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Names are unique among the active children of one parent; archived categories do
/// not count. `id` is the category being changed, which may keep its own name.
fn check_unique_name(all: &[Category], id: Option<CategoryId>, parent: Option<CategoryId>, name: &str) -> Result<(), AppError> {
    let key = name_key(name);
    match all.iter().find(|c| Some(c.id) != id && c.parent_id == parent && !c.archived && name_key(&c.name) == key) {
        None => Ok(()),
        Some(twin) => {
            let place = match parent.and_then(|p| all.iter().find(|c| c.id == p)) {
                Some(p) => format!("sous « {} »", p.name),
                None => "au premier niveau".to_string(),
            };
            Err(AppError::field(
                "name",
                format!("Une catégorie « {} » existe déjà {place} (majuscules et accents ne comptent pas) : choisissez un autre nom.", twin.name),
            ))
        }
    }
}

/// Every category, archived ones included (statistics need them); the UI filters.
pub async fn list_categories(state: &AppState, actor: &UserView) -> Result<Vec<Category>, AppError> {
    require(actor, Permission::ReceptionAccess)?;
    Ok(state.store.list_categories().await?)
}

fn check_parent(all: &[Category], id: Option<CategoryId>, parent: Option<CategoryId>) -> Result<(), AppError> {
    let Some(parent) = parent else { return Ok(()) };
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
    let all = state.store.list_categories().await?;
    check_parent(&all, None, input.parent_id)?;
    check_unique_name(&all, None, input.parent_id, &name)?;
    let c = Category {
        id: CategoryId(Uuid::new_v4()),
        parent_id: input.parent_id,
        name,
        display_order: input.display_order.unwrap_or(0),
        visible_reception: input.visible_reception.unwrap_or(true),
        archived: false,
    };
    match state.store.insert_category(&c, &name_key(&c.name), state.clock.now()).await {
        Err(StoreError::Conflict(_)) => Err(name_taken()),
        other => other.map(|()| c).map_err(Into::into),
    }
}

pub async fn update_category(state: &AppState, actor: &UserView, id: CategoryId, input: CategoryUpdate) -> Result<Category, AppError> {
    require(actor, Permission::Admin)?;
    let changes = CategoryChanges {
        name: input.name.as_deref().map(clean_name).transpose()?.map(|name| {
            let key = name_key(&name);
            (name, key)
        }),
        parent_id: input.parent_id,
        display_order: input.display_order,
        visible_reception: input.visible_reception,
        archived: input.archived,
    };
    let all = state.store.list_categories().await?;
    let current = all.iter().find(|c| c.id == id).ok_or_else(|| AppError::NotFound("Catégorie introuvable.".into()))?;
    if let Some(parent) = changes.parent_id {
        check_parent(&all, Some(id), parent)?;
    }
    // The category as it will be: if it is active, its name must be free among its siblings.
    let parent = changes.parent_id.unwrap_or(current.parent_id);
    if !changes.archived.unwrap_or(current.archived) {
        check_unique_name(&all, Some(id), parent, changes.name.as_ref().map_or(&current.name, |(name, _)| name))?;
    }
    match state.store.update_category(id, &changes, state.clock.now()).await {
        Err(StoreError::NotFound) => return Err(AppError::NotFound("Catégorie introuvable.".into())),
        Err(StoreError::Conflict(_)) => return Err(name_taken()),
        other => other?,
    }
    state.store.category(id).await?.ok_or_else(|| AppError::NotFound("Catégorie introuvable.".into()))
}

/// The categories of the touch tiles at the desk: the most used over the last 90 days.
pub async fn frequent_categories(state: &AppState, actor: &UserView) -> Result<Vec<CategoryId>, AppError> {
    require(actor, Permission::ReceptionAccess)?;
    let since = state.clock.now() - chrono::Duration::days(90);
    Ok(state.store.frequent_categories(since, 8).await?)
}

#[cfg(test)]
mod tests {
    use super::name_key;

    #[test]
    fn names_differing_in_case_accents_or_spacing_are_one() {
        assert_eq!(name_key("Mobilier"), name_key("mobilier"));
        assert_eq!(name_key("Mobilier"), name_key("Mobilîer"));
        assert_eq!(name_key("Mobilier"), name_key("  MOBILIER "));
        assert_eq!(name_key("Petit électroménager"), name_key("petit  ELECTROMÉNAGER"));
        assert_ne!(name_key("Mobilier"), name_key("Mobiliers"));
    }
}
