//! The REST API under `/v1`, used by external clients, the end-to-end tests and our own
//! checks. Every handler authenticates through [`error::Caller`] and checks the
//! permission it needs before anything else.
mod auth;
pub mod error;
mod health;
mod mail;
mod users;

use axum::routing::{get, post, put};
use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    let v1 = Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/me", get(auth::me))
        .route("/admin/users", get(users::list).post(users::create))
        .route("/admin/users/{id}", put(users::update))
        .route("/admin/outbox", get(mail::list))
        .route("/admin/outbox/{id}", get(mail::download))
        .route("/admin/mail/test", post(mail::send_test))
        .fallback(error::not_found);
    Router::new().nest("/v1", v1).route("/health", get(health::health))
}
