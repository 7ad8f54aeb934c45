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
    /// Bad input in one named field of a form, a filter or a body (422); REST answers
    /// carry the field's name beside the message so a form can show it in place.
    #[error("{message}")]
    InvalidField { field: String, message: String },
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
    /// Bad input in `field`; the message should name the field in French too.
    pub fn field(field: impl Into<String>, msg: impl Into<String>) -> Self {
        AppError::InvalidField { field: field.into(), message: msg.into() }
    }
    /// The field in error, if the error names one.
    pub fn field_name(&self) -> Option<&str> {
        match self {
            AppError::InvalidField { field, .. } => Some(field),
            _ => None,
        }
    }
    /// HTTP status code of this error on the REST API.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Unauthorized(_) => 401,
            AppError::Forbidden(_) => 403,
            AppError::NotFound(_) => 404,
            AppError::Invalid(_) | AppError::InvalidField { .. } => 422,
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

/// User input echoed in a message: at most 80 characters, so that a megabyte typed into
/// a field never comes back whole in an error or a log line.
pub fn truncate(input: &str) -> std::borrow::Cow<'_, str> {
    const MAX: usize = 80;
    match input.char_indices().nth(MAX) {
        None => std::borrow::Cow::Borrowed(input),
        Some((cut, _)) => std::borrow::Cow::Owned(format!("{}…", &input[..cut])),
    }
}
