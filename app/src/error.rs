//! The one error type that crosses the wire: REST answers map it to a status code and
//! `{"detail": "..."}`, server functions send it to the WASM client as the same
//! `{"detail": "...", "code": "..."}` (with the status code of the REST API). Messages
//! are French because they are shown to users as they are; internal causes never
//! travel (the server logs their chain where it converts them).
use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(into = "ErrorBody", from = "ErrorBody")]
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
    /// A request that cannot be read at all: not JSON, not the expected encoding (400).
    #[error("{0}")]
    BadRequest(String),
    /// The server is saturated for now; the client may retry shortly (503).
    #[error("{0}")]
    Unavailable(String),
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
            AppError::BadRequest(_) => 400,
            AppError::Unavailable(_) => 503,
            AppError::Internal(_) => 500,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            AppError::Unauthorized(_) => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::Invalid(_) | AppError::InvalidField { .. } => "invalid",
            AppError::Conflict(_) => "conflict",
            AppError::TooManyRequests(_) => "too_many_requests",
            AppError::BadRequest(_) => "bad_request",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    /// A body that could not be decoded into what an endpoint takes: 400 when it is not
    /// JSON at all, 422 when its shape is wrong. `raw` is the decoder's (English) text;
    /// the message says the same in French, without echoing the input.
    pub fn undecodable(raw: &str) -> Self {
        let (syntax, message) = french_decode_error(raw);
        if syntax {
            AppError::BadRequest(message)
        } else {
            AppError::Invalid(message)
        }
    }
}

/// How an [`AppError`] travels: the same `{"detail"}` as the REST API, with the kind of
/// error (and the field) beside it. A body without `code` (a 413 answered before any
/// server function ran, say) reads as a bad request.
#[derive(Serialize, Deserialize)]
struct ErrorBody {
    detail: String,
    #[serde(default)]
    code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    field: Option<String>,
}

impl From<AppError> for ErrorBody {
    fn from(e: AppError) -> Self {
        let code = Some(e.code().to_string());
        match e {
            AppError::InvalidField { field, message } => ErrorBody { detail: message, code, field: Some(field) },
            other => ErrorBody { detail: other.to_string(), code, field: None },
        }
    }
}

impl From<ErrorBody> for AppError {
    fn from(b: ErrorBody) -> Self {
        let d = b.detail;
        match (b.code.as_deref(), b.field) {
            (Some("invalid"), Some(field)) => AppError::InvalidField { field, message: d },
            (Some("unauthorized"), _) => AppError::Unauthorized(d),
            (Some("forbidden"), _) => AppError::Forbidden(d),
            (Some("not_found"), _) => AppError::NotFound(d),
            (Some("invalid"), None) => AppError::Invalid(d),
            (Some("conflict"), _) => AppError::Conflict(d),
            (Some("too_many_requests"), _) => AppError::TooManyRequests(d),
            (Some("unavailable"), _) => AppError::Unavailable(d),
            (Some("internal"), _) => AppError::Internal(d),
            _ => AppError::BadRequest(d),
        }
    }
}

/// The French for a JSON (or UUID) decoder's message: whether the body was not JSON at
/// all, and what to tell the user. Messages written by our own `Deserialize` impls are
/// French already and kept (shortened); serde's and serde_json's English ones are
/// translated; a field path in front (`req.username: ...`) is kept.
pub fn french_decode_error(raw: &str) -> (bool, String) {
    let raw = raw.trim();
    // serde_json appends the position: " at line 1 column 7".
    let raw = match raw.rfind(" at line ") {
        Some(i) if raw[i..].contains(" column ") => &raw[..i],
        _ => raw,
    };
    // A path in front, as serde_path_to_error writes it: `lignes[0].poids_kg: ...`.
    let (path, msg) = match raw.split_once(": ") {
        Some((p, m)) if !p.is_empty() && p.len() <= 80 && p.chars().all(|c| c.is_ascii_alphanumeric() || "._[]".contains(c)) => (Some(p), m),
        _ => (None, raw),
    };
    const SYNTAX: [&str; 16] = [
        "EOF while parsing",
        "expected value",
        "expected `",
        "expected ident",
        "invalid escape",
        "invalid number",
        "number out of range",
        "invalid unicode code point",
        "control character",
        "key must be",
        "lone leading surrogate",
        "trailing comma",
        "trailing characters",
        "unexpected end of hex escape",
        "recursion limit exceeded",
        "stream did not contain valid UTF-8",
    ];
    if SYNTAX.iter().any(|s| msg.starts_with(s)) {
        return (true, "Le corps de la requête n'est pas un JSON valide.".into());
    }
    let quoted = |m: &str| m.split('`').nth(1).map(|n| truncate(n).into_owned()).unwrap_or_default();
    let text = if msg.starts_with("missing field") {
        format!("champ manquant : « {} ».", quoted(msg))
    } else if msg.starts_with("unknown field") {
        format!("champ inconnu : « {} ».", quoted(msg))
    } else if msg.starts_with("duplicate field") {
        format!("champ en double : « {} ».", quoted(msg))
    } else if msg.starts_with("unknown variant") {
        format!("valeur inconnue : « {} ».", quoted(msg))
    } else if msg.starts_with("invalid type") {
        let got = msg.strip_prefix("invalid type: ").unwrap_or("");
        let what = match got.split([' ', ',']).next().unwrap_or("") {
            "null" => "null (valeur absente)",
            "string" => "un texte",
            "integer" | "floating" => "un nombre",
            "boolean" => "un booléen",
            "map" => "un objet",
            "sequence" => "une liste",
            _ => "une valeur",
        };
        format!("type de valeur invalide : {what} ne convient pas ici.")
    } else if msg.starts_with("invalid value") || msg.starts_with("data did not match") {
        "valeur invalide.".into()
    } else if msg.starts_with("invalid length") {
        "nombre d'éléments invalide.".into()
    } else if msg.starts_with("UUID parsing failed") {
        "identifiant invalide (UUID attendu).".into()
    } else if msg.is_ascii() && !msg.contains('«') {
        // Some other decoder's English: say it plainly, without echoing it.
        "données invalides.".into()
    } else {
        // One of our own messages (French already).
        truncate_to(msg, 300).into_owned()
    };
    let message = match path {
        Some(p) => format!("Données invalides : {p} : {text}"),
        None => format!("Données invalides : {text}"),
    };
    (false, message)
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => {
                AppError::Internal("Le serveur ne répond pas. Vérifiez la connexion.".into())
            }
            // On the server these are the caller's fault (a body that does not decode);
            // in the browser, an answer of the server that could not be read.
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Deserialization(m) | ServerFnErrorErr::Args(m) => AppError::undecodable(&m),
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::MissingArg(m) => AppError::Invalid(format!("Données invalides : champ manquant : « {} ».", truncate(&m))),
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::UnsupportedRequestMethod(_) => AppError::BadRequest("Méthode non prise en charge pour cette adresse.".into()),
            #[cfg(feature = "ssr")]
            other => {
                log_server_fn_failure(&other);
                AppError::internal()
            }
            #[cfg(not(feature = "ssr"))]
            _ => AppError::Internal("Réponse du serveur illisible. Rechargez la page.".into()),
        }
    }
}

/// Logs a server function failure that is not the caller's fault (the app crate has no
/// `tracing`; Leptos' logging macro goes to the same subscriber's stderr).
#[cfg(feature = "ssr")]
fn log_server_fn_failure(e: &ServerFnErrorErr) {
    leptos::logging::error!("server function failed: {}", truncate_to(&e.to_string(), 300));
}

/// User input echoed in a message: at most 80 characters, so that a megabyte typed into
/// a field never comes back whole in an error or a log line.
pub fn truncate(input: &str) -> std::borrow::Cow<'_, str> {
    truncate_to(input, 80)
}

/// `input` cut to `max` characters, with an ellipsis when it was longer.
pub fn truncate_to(input: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match input.char_indices().nth(max) {
        None => std::borrow::Cow::Borrowed(input),
        Some((cut, _)) => std::borrow::Cow::Owned(format!("{}…", &input[..cut])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoder_messages_become_french() {
        let cases = [
            ("expected value at line 1 column 1", true, "Le corps de la requête n'est pas un JSON valide."),
            ("EOF while parsing an object at line 1 column 12", true, "Le corps de la requête n'est pas un JSON valide."),
            ("missing field `username` at line 1 column 2", false, "Données invalides : champ manquant : « username »."),
            ("req.display_name: invalid type: integer `5`, expected a string", false, "Données invalides : req.display_name : type de valeur invalide : un nombre ne convient pas ici."),
            ("invalid type: null, expected a string at line 1 column 17", false, "Données invalides : type de valeur invalide : null (valeur absente) ne convient pas ici."),
            ("id: UUID parsing failed: invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `z` at 1", false, "Données invalides : id : identifiant invalide (UUID attendu)."),
            ("unknown variant `root`, expected one of `admin`", false, "Données invalides : valeur inconnue : « root »."),
            ("poids_kg: Le poids doit être supérieur à 0 kg.", false, "Données invalides : poids_kg : Le poids doit être supérieur à 0 kg."),
            ("something else entirely", false, "Données invalides : données invalides."),
        ];
        for (raw, syntax, french) in cases {
            assert_eq!(french_decode_error(raw), (syntax, french.to_string()), "{raw}");
        }
        // Input is never echoed whole.
        let long = format!("missing field `{}`", "x".repeat(10_000));
        assert!(french_decode_error(&long).1.chars().count() < 200);
    }

    #[test]
    fn errors_travel_as_detail_and_code() {
        let e = AppError::field("period", "period : période inconnue.");
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json, serde_json::json!({"detail": "period : période inconnue.", "code": "invalid", "field": "period"}));
        assert_eq!(serde_json::from_value::<AppError>(json).unwrap(), e);
        for e in [AppError::unauthenticated(), AppError::forbidden(), AppError::internal(), AppError::Unavailable("x".into()), AppError::BadRequest("y".into())] {
            assert_eq!(serde_json::from_value::<AppError>(serde_json::to_value(&e).unwrap()).unwrap(), e);
        }
        let bare: AppError = serde_json::from_str(r#"{"detail":"Trop gros."}"#).unwrap();
        assert_eq!(bare, AppError::BadRequest("Trop gros.".into()));
    }
}
