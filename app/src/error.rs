//! The one error type that crosses the wire: REST answers map it to a status code and
//! `{"detail": "..."}`, server functions serialise it to the WASM client. Messages are
//! French because they are shown to users as they are; internal causes never travel
//! (the server logs their chain where it converts them).
use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Not logged in, or the session expired (401).
    #[error("{0}")]
    Unauthorized(String),
    /// Logged in but lacking the permission (403).
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// Bad input, with a message that says what to fix (422).
    #[error("{0}")]
    Invalid(String),
    /// The request conflicts with the current state (409).
    #[error("{0}")]
    Conflict(String),
    /// Too many attempts (429).
    #[error("{0}")]
    TooManyRequests(String),
    /// Something failed on the server; the details are in the server log (500).
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    pub fn unauthenticated() -> Self {
        AppError::Unauthorized("Authentification requise.".into())
    }
    pub fn forbidden() -> Self {
        AppError::Forbidden("Vous n'avez pas la permission d'effectuer cette action.".into())
    }
    pub fn internal() -> Self {
        AppError::Internal("Erreur interne du serveur. Réessayez ou contactez l'administrateur.".into())
    }
    pub fn invalid(msg: impl Into<String>) -> Self {
        AppError::Invalid(msg.into())
    }
    /// HTTP status code of this error on the REST API.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Unauthorized(_) => 401,
            AppError::Forbidden(_) => 403,
            AppError::NotFound(_) => 404,
            AppError::Invalid(_) => 422,
            AppError::Conflict(_) => 409,
            AppError::TooManyRequests(_) => 429,
            AppError::Internal(_) => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => {
                AppError::Internal("Le serveur ne répond pas. Vérifiez la connexion.".into())
            }
            other => AppError::Internal(format!("Erreur de communication : {other}")),
        }
    }
}
