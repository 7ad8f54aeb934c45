use app::auth::{LoginRequest, UserView};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::{Extension, Json};
use app::backend::ClientAddr;

use super::error::{ApiJson, ApiResult, Caller};
use crate::state::AppState;

pub async fn login(
    State(state): State<AppState>,
    client: Option<Extension<ClientAddr>>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<impl IntoResponse> {
    let (user, cookie) = crate::auth::login(&state, &headers, client.map(|c| c.0 .0), req).await?;
    Ok(([(header::SET_COOKIE, cookie)], Json(user)))
}

pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<impl IntoResponse> {
    let cookie = crate::auth::logout(&state, &headers).await?;
    Ok((StatusCode::OK, [(header::SET_COOKIE, cookie)], Json(serde_json::json!({ "detail": "Déconnecté." }))))
}

pub async fn me(Caller(user): Caller) -> Json<UserView> {
    Json(user)
}
