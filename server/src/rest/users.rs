use app::auth::{CreateUserRequest, UpdateUserRequest, UserView};
use app::error::AppError;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use app::ids::UserId;

use super::error::{AdminOnly, Allowed, ApiError, ApiJson, ApiResult};
use crate::state::AppState;

pub async fn list(State(state): State<AppState>, Allowed(actor, _): Allowed<AdminOnly>) -> ApiResult<Json<Vec<UserView>>> {
    Ok(Json(crate::auth::list_users(&state, &actor).await?))
}

pub async fn create(
    State(state): State<AppState>,
    Allowed(actor, _): Allowed<AdminOnly>,
    ApiJson(req): ApiJson<CreateUserRequest>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    Ok((StatusCode::CREATED, Json(crate::auth::create_user(&state, &actor, req).await?)))
}

pub async fn update(
    State(state): State<AppState>,
    Allowed(actor, _): Allowed<AdminOnly>,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<UpdateUserRequest>,
) -> ApiResult<Json<UserView>> {
    let id: UserId = id.parse().map_err(|_| ApiError(AppError::NotFound("Utilisateur introuvable.".into())))?;
    Ok(Json(crate::auth::update_user(&state, &actor, crate::auth::session_hash(&headers).as_deref(), id, req).await?))
}
