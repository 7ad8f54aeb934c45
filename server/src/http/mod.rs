//! The HTTP edge shared by every route: the server loop and its timeouts ([`serve`]),
//! the request gate ([`guard`]: origin, content type, body limits, JSON errors) and the
//! security headers ([`headers`]).
pub mod guard;
pub mod headers;
mod serve;

use axum::Router;

pub use serve::{bind, serve};

use crate::state::AppState;

/// Applies the edge's layers to the application's routes (outermost first: headers on
/// every answer, even the gate's refusals).
pub fn security_layers(router: Router<AppState>, state: &AppState) -> Router<AppState> {
    router
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard::guard))
        .layer(axum::middleware::from_fn_with_state(state.clone(), headers::security_headers))
}
