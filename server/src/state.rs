//! Everything a request handler needs, built once in `Application::build` and shared by
//! REST routes (axum state) and server functions (Leptos context).
use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::clock::Clock;
use crate::config::Settings;
use crate::mail::Mailer;
use crate::storage::Store;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub mailer: Arc<Mailer>,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
    pub leptos_options: LeptosOptions,
    /// The password hashing gate and the login throttle's housekeeping.
    pub login_limits: Arc<crate::auth::LoginLimits>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
