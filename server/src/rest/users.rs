use app::auth::{CreateUserRequest, Permission, UpdateUserRequest, UserView};
use app::error::AppError;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use app::ids::UserId;

use super::error::{ApiError, ApiJson, ApiResult, Caller};
use crate::state::AppState;

pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<UserView>>> {
    let actor = caller.require(Permission::Admin)?;
    Ok(Json(crate::auth::list_users(&state, actor).await?))
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateUserRequest>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    let actor = caller.require(Permission::Admin)?;
    Ok((StatusCode::CREATED, Json(crate::auth::create_user(&state, actor, req).await?)))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<UpdateUserRequest>,
) -> ApiResult<Json<UserView>> {
    let actor = caller.require(Permission::Admin)?;
    let id: UserId = id.parse().map_err(|_| ApiError(AppError::NotFound("Utilisateur introuvable.".into())))?;
    Ok(Json(crate::auth::update_user(&state, actor, crate::auth::session_hash(&headers).as_deref(), id, req).await?))
}
