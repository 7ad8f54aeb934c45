//! Where internal failures become user-facing errors: the whole cause chain goes to the
//! log, the user gets a French message without internals.
use app::error::AppError;

/// Logs `err` with its cause chain and returns the generic internal error.
pub fn internal(err: impl Into<anyhow::Error>) -> AppError {
    let err = err.into();
    tracing::error!("internal error: {err:#}");
    AppError::internal()
}
