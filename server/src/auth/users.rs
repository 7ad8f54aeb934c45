//! User administration: the rules behind `/v1/admin/users` and the admin page.
use app::auth::{CreateUserRequest, DisplayName, NewPassword, Permission, UpdateUserRequest, UserView, Username};
use app::error::AppError;
use app::ids::UserId;
use uuid::Uuid;

use super::{hash_password, require};
use crate::state::AppState;
use crate::storage::{NewUser, StoreError, UserChanges};

fn duplicate_username() -> AppError {
    AppError::Conflict("Ce nom d'utilisateur est déjà pris.".into())
}

fn not_found() -> AppError {
    AppError::NotFound("Utilisateur introuvable.".into())
}

/// Hashes through the login gate: user administration shares the bound on argon2.
async fn hash(state: &AppState, password: NewPassword) -> Result<String, AppError> {
    state.login_limits.gate.run(move || hash_password(password.expose())).await?
}

pub async fn list_users(state: &AppState, actor: &UserView) -> Result<Vec<UserView>, AppError> {
    require(actor, Permission::Admin)?;
    Ok(state.store.list_users().await?)
}

pub async fn create_user(state: &AppState, actor: &UserView, req: CreateUserRequest) -> Result<UserView, AppError> {
    require(actor, Permission::Admin)?;
    insert_user(state, req).await
}

/// Validates and stores a new user; no permission check (used by the CLI and first start).
async fn insert_user(state: &AppState, req: CreateUserRequest) -> Result<UserView, AppError> {
    let username = Username::parse(&req.username)?;
    let display_name = match req.display_name.as_deref().map(str::trim) {
        Some(d) if !d.is_empty() => DisplayName::parse(d)?,
        _ => DisplayName::parse(username.as_str())?,
    };
    let password = NewPassword::parse(&req.password)?;
    let permissions = Permission::parse_list(&req.permissions)?;
    let new = NewUser {
        id: UserId(Uuid::new_v4()),
        username: username.into_inner(),
        display_name: display_name.into_inner(),
        password_hash: hash(state, password).await?,
        active: req.active.unwrap_or(true),
        permissions,
        now: state.clock.now(),
    };
    match state.store.insert_user(&new).await {
        Err(StoreError::Conflict(_)) => return Err(duplicate_username()),
        other => other?,
    }
    tracing::info!(username = new.username, "user created");
    state.store.user_by_id(new.id).await?.map(|r| r.user).ok_or_else(not_found)
}

/// `current_session` is the stored hash of the caller's session token: changing one's
/// own password closes one's other sessions and keeps this one.
pub async fn update_user(state: &AppState, actor: &UserView, current_session: Option<&str>, id: UserId, req: UpdateUserRequest) -> Result<UserView, AppError> {
    require(actor, Permission::Admin)?;
    let current = state.store.user_by_id(id).await?.ok_or_else(not_found)?.user;
    let mut changes = UserChanges {
        username: req.username.as_deref().map(Username::parse).transpose()?.map(Username::into_inner),
        display_name: req.display_name.as_deref().map(DisplayName::parse).transpose()?.map(DisplayName::into_inner),
        permissions: req.permissions.as_deref().map(Permission::parse_list).transpose()?,
        active: req.active,
        password_hash: None,
    };
    if actor.id == id {
        // An admin must not lock themself (and possibly everyone) out by mistake.
        if changes.active == Some(false) {
            return Err(AppError::invalid("Vous ne pouvez pas désactiver votre propre compte."));
        }
        if changes.permissions.as_ref().is_some_and(|p| !p.contains(&Permission::Admin)) {
            return Err(AppError::invalid("Vous ne pouvez pas retirer votre propre permission d'administration."));
        }
    }
    let new_password = match req.password.as_deref() {
        Some(p) if !p.is_empty() => Some(NewPassword::parse(p)?),
        _ => None,
    };
    if let Some(p) = new_password {
        changes.password_hash = Some(hash(state, p).await?);
    }
    match state.store.update_user(id, &changes, state.clock.now()).await {
        Err(StoreError::Conflict(_)) => return Err(duplicate_username()),
        Err(StoreError::NotFound) => return Err(not_found()),
        other => other?,
    }
    // A deactivated account, or one whose password changed, loses its open sessions;
    // whoever changed their own password keeps the one they did it from.
    let deactivated = current.active && changes.active == Some(false);
    match (deactivated, changes.password_hash.is_some(), actor.id == id) {
        (true, _, _) | (false, true, false) => state.store.delete_user_sessions(id, None).await?,
        (false, true, true) => state.store.delete_user_sessions(id, current_session).await?,
        (false, false, _) => {}
    }
    tracing::info!(user = %id, by = actor.username, "user updated");
    state.store.user_by_id(id).await?.map(|r| r.user).ok_or_else(not_found)
}

/// Operator command: sets a new password and closes the user's sessions.
pub async fn reset_password(state: &AppState, username: &str, password: &str) -> Result<UserView, AppError> {
    let username = Username::parse(username)?;
    let user = state.store.user_by_username(username.as_str()).await?.ok_or_else(not_found)?.user;
    let changes = UserChanges { password_hash: Some(hash(state, NewPassword::parse(password)?).await?), ..Default::default() };
    state.store.update_user(user.id, &changes, state.clock.now()).await?;
    state.store.delete_user_sessions(user.id, None).await?;
    Ok(user)
}

/// Operator command: creates a user without a session (CLI).
pub async fn create_user_unchecked(state: &AppState, req: CreateUserRequest) -> Result<UserView, AppError> {
    insert_user(state, req).await
}

/// What the first start did about the initial administrator.
#[derive(Debug)]
pub enum InitialAdmin {
    /// Users exist already: nothing done.
    Existing,
    /// Created from RECYCLIQUE_ADMIN_USERNAME / RECYCLIQUE_ADMIN_PASSWORD.
    FromEnv(String),
    /// Created with a generated password, to be shown once.
    Generated { username: String, password: String },
}

/// On an empty database, creates the first administrator so that someone can log in.
pub async fn ensure_initial_admin(state: &AppState) -> Result<InitialAdmin, AppError> {
    if state.store.count_users().await? > 0 {
        return Ok(InitialAdmin::Existing);
    }
    let username = state.settings.admin_username.clone().unwrap_or_else(|| "admin".into());
    let (password, generated) = match state.settings.admin_password.clone() {
        Some(p) => (p, false),
        None => {
            use rand::{distributions::Alphanumeric, Rng};
            (rand::thread_rng().sample_iter(&Alphanumeric).take(20).map(char::from).collect(), true)
        }
    };
    let user = insert_user(
        state,
        CreateUserRequest {
            username,
            display_name: Some("Administrateur".into()),
            password: password.clone(),
            permissions: vec![Permission::Admin.as_str().into()],
            active: Some(true),
        },
    )
    .await?;
    Ok(if generated {
        InitialAdmin::Generated { username: user.username, password }
    } else {
        InitialAdmin::FromEnv(user.username)
    })
}
