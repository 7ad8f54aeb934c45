//! The REST API under `/v1`, used by external clients, the end-to-end tests and our own
//! checks. Every handler takes an [`error::Allowed`] extractor for the permission it
//! needs, so the permission is checked before any body is read; the two exceptions are
//! `/v1/stats/live` (either permission: it takes a [`error::Caller`] and checks) and the
//! download of a ticket by token, which checks the token's owner. Filters are scoped to
//! the caller here, at the edge. `/v1/auth/login` and `/health` are open by nature.
mod auth;
mod cash;
mod download;
pub mod error;
mod health;
mod mail;
mod reception;
mod scheduled;
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
        .route("/admin/mail/deliveries", get(mail::deliveries))
        .route("/admin/scheduled-reports", get(scheduled::list).post(scheduled::create))
        .route("/admin/scheduled-reports/{id}", put(scheduled::update).delete(scheduled::delete))
        .route("/admin/scheduled-reports/{id}/logs", get(scheduled::logs))
        .route("/admin/scheduled-reports/{id}/run", post(scheduled::run_now))
        .route("/admin/scheduled-reports/{id}/logs/{log_id}/retry", post(scheduled::retry))
        .route("/admin/reports/reception-tickets/export-bulk", post(reception::bulk_export))
        .route("/admin/sites", get(cash::list_sites).post(cash::create_site))
        .route("/admin/registers", get(cash::list_registers_admin).post(cash::create_register))
        .route("/admin/cash-sessions", get(cash::audit))
        .route("/admin/reports/cash-sessions/export-bulk", post(cash::export_bulk))
        .route("/cash/registers", get(cash::list_registers))
        .route("/cash-sessions/open", post(cash::open_session))
        .route("/cash-sessions/current", get(cash::current_session))
        .route("/cash-sessions/{id}", get(cash::get_session))
        .route("/cash-sessions/{id}/sales", post(cash::add_sale))
        .route("/cash-sessions/{id}/close", post(cash::close_session))
        .route("/reception/postes/open", post(reception::open_poste))
        .route("/reception/postes", get(reception::list_postes))
        .route("/reception/postes/current", get(reception::current_poste))
        .route("/reception/postes/{id}/close", post(reception::close_poste))
        .route("/reception/postes/{id}/summary", get(reception::poste_summary))
        .route("/reception/tickets", get(reception::list_tickets).post(reception::create_ticket))
        .route("/reception/tickets/{id}", get(reception::get_ticket))
        .route("/reception/tickets/{id}/close", post(reception::close_ticket))
        .route("/reception/tickets/{id}/lignes", post(reception::add_ligne))
        .route("/reception/tickets/{id}/lignes/{ligne_id}", put(reception::update_ligne).delete(reception::delete_ligne))
        .route("/reception/tickets/{id}/download-token", post(reception::download_token))
        .route("/reception/tickets/{id}/export-csv", get(reception::ticket_csv))
        .route("/reception/lignes/export-csv", get(reception::lines_csv))
        .route("/reception/stats/live", get(reception::live_stats))
        .route("/reception/stats/dashboard", get(reception::dashboard))
        .route("/reception/stats/dashboard/export", get(reception::dashboard_export))
        .route("/stats/live", get(reception::all_live_stats))
        .route("/categories", get(reception::list_categories).post(reception::create_category))
        .route("/categories/{id}", put(reception::update_category))
        .fallback(error::not_found);
    Router::new().nest("/v1", v1).route("/health", get(health::health))
}
