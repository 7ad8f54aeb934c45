use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use crate::state::AppState;

/// Whether the process is up and its database answers.
pub async fn health(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ok", "database": "ok", "backend": state.store.backend() }))),
        Err(e) => {
            tracing::error!("health check: database unavailable: {:#}", anyhow::Error::from(e));
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "error", "database": "unavailable", "backend": state.store.backend() })),
            )
        }
    }
}
