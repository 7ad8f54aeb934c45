//! The gate every request passes before any route: where it comes from, what it may
//! carry, and how its errors read.
//!
//! - The client's address (the peer's, or a trusted proxy's header) is resolved once
//!   and put in the request's extensions ([`ClientAddr`]) for the login limits.
//! - State-changing requests (anything but GET, HEAD, OPTIONS) whose `Origin`, or
//!   `Referer` when there is no `Origin`, is not this site's are refused (403): an HTML
//!   form on another site cannot post to the API or to a server function. Requests
//!   without either are not from a browser page and pass (REST clients, scripts).
//! - On `/v1` and `/api`, a state-changing request carrying a body must say it is JSON
//!   (or form-encoded, for server functions: the Leptos form fallback); anything else,
//!   `text/plain` first, is a 415.
//! - Bodies are read here, with a size limit (413) and a time limit (408).
//! - On the way out, `/v1` and `/api` errors are JSON `{"detail"}` in French whatever
//!   produced them (axum's 405, an unknown path, a server function that could not decode
//!   its arguments...), server function errors get the status their error means instead
//!   of 500, and server function redirects stay on this site.
use std::net::{IpAddr, SocketAddr};

use app::backend::ClientAddr;
use app::error::{truncate, AppError};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;

use crate::config::Settings;
use crate::state::AppState;

/// Longer URIs are refused (414) before routing.
const MAX_URI_BYTES: usize = 8 * 1024;

pub async fn guard(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let settings = &state.settings;
    let path = req.uri().path().to_string();
    let scope = Scope::of(&path);
    if let Some(ip) = client_ip(&req, settings) {
        req.extensions_mut().insert(ClientAddr(ip));
    }
    if req.uri().path_and_query().map_or(0, |p| p.as_str().len()) > MAX_URI_BYTES {
        return detail(StatusCode::URI_TOO_LONG, "L'adresse demandée est trop longue.");
    }
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method {
        if let Err(origin) = check_origin(req.headers(), settings) {
            // Behind a reverse proxy that rewrites Host, the public origin belongs in
            // RECYCLIQUE_ALLOWED_ORIGINS: the host is logged to make that plain.
            let host = req.headers().get(header::HOST).map(|h| String::from_utf8_lossy(h.as_bytes()).into_owned()).unwrap_or_default();
            tracing::warn!(origin = %truncate(&origin), host = %truncate(&host), path = %truncate(&path), "cross-origin request refused");
            return detail(StatusCode::FORBIDDEN, "Requête refusée : elle provient d'un autre site.");
        }
        if scope != Scope::Other {
            if let Err(message) = check_content_type(req.headers(), scope) {
                return detail(StatusCode::UNSUPPORTED_MEDIA_TYPE, message);
            }
        }
    }
    let host = req.headers().get(header::HOST).cloned();
    let req = match read_body(req, settings).await {
        Ok(req) => req,
        Err(response) => return response,
    };
    let response = next.run(req).await;
    match scope {
        Scope::Other => response,
        Scope::Api | Scope::V1 => finish_api_response(response, scope, settings, host.as_ref()).await,
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Scope {
    /// Server functions.
    Api,
    /// The REST API.
    V1,
    /// Pages, static files, `/health`.
    Other,
}

impl Scope {
    fn of(path: &str) -> Self {
        if path == "/api" || path.starts_with("/api/") {
            Scope::Api
        } else if path == "/v1" || path.starts_with("/v1/") {
            Scope::V1
        } else {
            Scope::Other
        }
    }
}

/// A JSON `{"detail"}` error answered by the gate itself.
fn detail(status: StatusCode, message: impl Into<String>) -> Response {
    (status, axum::Json(serde_json::json!({ "detail": message.into() }))).into_response()
}

/// The client's address: the last entry of the trusted proxy header when one is
/// configured and present (the one the proxy itself appended), else the peer's.
fn client_ip(req: &Request, settings: &Settings) -> Option<IpAddr> {
    if let Some(name) = &settings.client_address_header {
        let last_line = req.headers().get_all(name).iter().next_back();
        if let Some(ip) = last_line.and_then(|v| v.to_str().ok()).and_then(|v| v.rsplit(',').next()).and_then(parse_ip) {
            return Some(ip);
        }
    }
    req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())
}

/// `203.0.113.7`, `203.0.113.7:4711`, `2001:db8::1` or `[2001:db8::1]:4711`.
fn parse_ip(raw: &str) -> Option<IpAddr> {
    let raw = raw.trim();
    raw.parse::<IpAddr>().ok().or_else(|| raw.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// `scheme://host[:port]` of a URL, lowercased.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    Some(format!("{}://{}", scheme.to_ascii_lowercase(), authority.to_ascii_lowercase()))
}

/// Whether `origin` is this site: the host the request was addressed to (through http or
/// https, a TLS-terminating proxy in front), or one of the configured origins.
fn is_own_origin(origin: &str, host: Option<&HeaderValue>, settings: &Settings) -> bool {
    if settings.allowed_origins.iter().any(|o| o == origin) {
        return true;
    }
    let Some(host) = host.and_then(|h| h.to_str().ok()).map(str::to_ascii_lowercase) else {
        return false;
    };
    origin == format!("http://{host}") || origin == format!("https://{host}")
}

/// `Err(origin)` when the request comes from another site's page.
fn check_origin(headers: &HeaderMap, settings: &Settings) -> Result<(), String> {
    let text = |name| headers.get(name).map(|v: &HeaderValue| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let claimed = match (text(header::ORIGIN), text(header::REFERER)) {
        (Some(o), _) => o,
        (None, Some(r)) => r,
        (None, None) => return Ok(()),
    };
    match origin_of(claimed.trim()) {
        Some(origin) if is_own_origin(&origin, headers.get(header::HOST), settings) => Ok(()),
        // "null" (a sandboxed frame, a data: page...) or another site.
        _ => Err(claimed),
    }
}

fn has_body(headers: &HeaderMap) -> bool {
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim() != "0")
}

fn check_content_type(headers: &HeaderMap, scope: Scope) -> Result<(), &'static str> {
    let essence = headers
        .get(header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).split(';').next().unwrap_or("").trim().to_ascii_lowercase());
    match essence.as_deref() {
        None if !has_body(headers) => Ok(()),
        Some("application/json") => Ok(()),
        // The body Leptos sends for server functions without arguments, and what a
        // form posts without JavaScript.
        Some("application/x-www-form-urlencoded") if scope == Scope::Api => Ok(()),
        _ => Err("Type de contenu refusé : le corps de la requête doit être du JSON (Content-Type: application/json)."),
    }
}

fn too_large(settings: &Settings) -> Response {
    let size = match settings.max_body_bytes {
        n if n >= 1024 * 1024 && n % (1024 * 1024) == 0 => format!("{} Mio", n / (1024 * 1024)),
        n if n >= 1024 && n % 1024 == 0 => format!("{} Kio", n / 1024),
        n => format!("{n} octets"),
    };
    detail(StatusCode::PAYLOAD_TOO_LARGE, format!("Le corps de la requête est trop volumineux ({size} au plus)."))
}

/// Reads the whole body (bounded in size and time) so that handlers only ever see a
/// complete, small body.
async fn read_body(req: Request, settings: &Settings) -> Result<Request, Response> {
    if !has_body(req.headers()) {
        return Ok(req);
    }
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > settings.max_body_bytes as u64) {
        return Err(too_large(settings));
    }
    let (parts, body) = req.into_parts();
    let limit = settings.max_body_bytes;
    let read = async move {
        let mut stream = body.into_data_stream();
        let mut buf = Vec::with_capacity(declared.unwrap_or(0) as usize);
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|_| detail(StatusCode::BAD_REQUEST, "Le corps de la requête n'a pas pu être lu."))?;
            if buf.len() + chunk.len() > limit {
                return Err(too_large(settings));
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(buf)
    };
    match tokio::time::timeout(settings.body_timeout, read).await {
        Ok(Ok(bytes)) => Ok(Request::from_parts(parts, Body::from(bytes))),
        Ok(Err(response)) => Err(response),
        Err(_) => {
            let mut r = detail(StatusCode::REQUEST_TIMEOUT, "Le corps de la requête est arrivé trop lentement.");
            r.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
            Err(r)
        }
    }
}

/// Server function error bodies are small JSON; anything larger is not one.
const MAX_ERROR_BODY: usize = 64 * 1024;

async fn finish_api_response(response: Response, scope: Scope, settings: &Settings, host: Option<&HeaderValue>) -> Response {
    let mut response = if scope == Scope::Api && response.status() == StatusCode::INTERNAL_SERVER_ERROR && response.headers().contains_key("serverfnerror") {
        // A server function's error, typically arguments that did not decode: answered
        // with the status its error means.
        let (mut parts, body) = response.into_parts();
        match axum::body::to_bytes(body, MAX_ERROR_BODY).await {
            Ok(bytes) => {
                if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
                    parts.status = StatusCode::from_u16(err.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                }
                Response::from_parts(parts, Body::from(bytes))
            }
            Err(_) => return detail(StatusCode::INTERNAL_SERVER_ERROR, AppError::internal().to_string()),
        }
    } else {
        response
    };
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if (status.is_client_error() || status.is_server_error()) && !is_json {
        let message = match status {
            StatusCode::BAD_REQUEST => "Requête invalide.",
            StatusCode::NOT_FOUND => "Ressource introuvable.",
            StatusCode::METHOD_NOT_ALLOWED => "Méthode non autorisée pour cette adresse.",
            StatusCode::PAYLOAD_TOO_LARGE => return too_large(settings),
            StatusCode::URI_TOO_LONG => "L'adresse demandée est trop longue.",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "Type de contenu refusé : le corps de la requête doit être du JSON (Content-Type: application/json).",
            s if s.is_server_error() => "Erreur interne du serveur. Réessayez ou contactez l'administrateur.",
            _ => "Requête refusée.",
        };
        let allow = response.headers().get(header::ALLOW).cloned();
        response = detail(status, message);
        if let Some(allow) = allow {
            response.headers_mut().insert(header::ALLOW, allow);
        }
    }
    if status == StatusCode::SERVICE_UNAVAILABLE && !response.headers().contains_key(header::RETRY_AFTER) {
        // Saturated for now (the login gate): a client may come back shortly.
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
    if scope == Scope::Api {
        keep_redirect_on_site(&mut response, host, settings);
    }
    response
}

/// Server functions called by a plain form redirect back to the `Referer`, which a
/// client chooses: only a path on this site is kept.
fn keep_redirect_on_site(response: &mut Response, host: Option<&HeaderValue>, settings: &Settings) {
    let Some(location) = response.headers().get(header::LOCATION).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()) else {
        return;
    };
    let safe = same_site_path(&location, host, settings).unwrap_or_else(|| "/".to_string());
    if safe != location {
        if let Ok(v) = HeaderValue::from_str(&safe) {
            response.headers_mut().insert(header::LOCATION, v);
        }
    }
}

/// The path (with its query) of `location` when it stays on this site.
fn same_site_path(location: &str, host: Option<&HeaderValue>, settings: &Settings) -> Option<String> {
    let is_local_path = |p: &str| p.starts_with('/') && !p.starts_with("//") && !p.starts_with("/\\") && !p.contains(['\r', '\n']);
    if is_local_path(location) {
        return Some(location.to_string());
    }
    // An absolute URL: its path, when its origin is ours.
    let origin = origin_of(location)?;
    if !is_own_origin(&origin, host, settings) {
        return None;
    }
    let rest = &location[origin.len()..];
    let path = if rest.is_empty() { "/" } else { rest };
    is_local_path(path).then(|| path.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        let mut s = Settings::for_tests("sqlite::memory:".into(), "data".into());
        s.allowed_origins = vec!["https://recyclique.example.org".into()];
        s
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn origins_are_checked_against_the_host_and_the_configured_list() {
        let s = settings();
        assert!(check_origin(&headers(&[("host", "127.0.0.1:3000")]), &s).is_ok());
        assert!(check_origin(&headers(&[("host", "127.0.0.1:3000"), ("origin", "http://127.0.0.1:3000")]), &s).is_ok());
        assert!(check_origin(&headers(&[("host", "Recyclique.local"), ("origin", "https://recyclique.local")]), &s).is_ok());
        assert!(check_origin(&headers(&[("host", "10.0.0.5:3000"), ("origin", "https://recyclique.example.org")]), &s).is_ok());
        assert!(check_origin(&headers(&[("host", "127.0.0.1:3000"), ("referer", "http://127.0.0.1:3000/admin/users")]), &s).is_ok());
        assert_eq!(check_origin(&headers(&[("host", "127.0.0.1:3000"), ("origin", "https://evil.example")]), &s), Err("https://evil.example".into()));
        assert!(check_origin(&headers(&[("host", "127.0.0.1:3000"), ("origin", "null")]), &s).is_err());
        assert!(check_origin(&headers(&[("host", "127.0.0.1:3000"), ("referer", "https://evil.example/127.0.0.1:3000")]), &s).is_err());
        assert!(check_origin(&headers(&[("host", "127.0.0.1:3000"), ("origin", "http://127.0.0.1:3000.evil.example")]), &s).is_err());
        // Origin wins over Referer.
        assert!(check_origin(&headers(&[("host", "a.test"), ("origin", "http://b.test"), ("referer", "http://a.test/")]), &s).is_err());
    }

    #[test]
    fn redirects_stay_on_the_site() {
        let s = settings();
        let host = HeaderValue::from_static("127.0.0.1:3000");
        let path = |l| same_site_path(l, Some(&host), &s);
        assert_eq!(path("/login?x=1").as_deref(), Some("/login?x=1"));
        assert_eq!(path("http://127.0.0.1:3000/login?__err=x").as_deref(), Some("/login?__err=x"));
        assert_eq!(path("https://recyclique.example.org").as_deref(), Some("/"));
        assert_eq!(path("https://evil.example/login"), None);
        assert_eq!(path("http://127.0.0.1:3001/login"), None);
        assert_eq!(path("//evil.example/"), None);
        assert_eq!(path("/\\evil.example/"), None);
    }

    #[test]
    fn client_addresses_are_parsed_with_or_without_port() {
        assert_eq!(parse_ip(" 203.0.113.7 "), Some("203.0.113.7".parse().unwrap()));
        assert_eq!(parse_ip("203.0.113.7:4711"), Some("203.0.113.7".parse().unwrap()));
        assert_eq!(parse_ip("[2001:db8::1]:4711"), Some("2001:db8::1".parse().unwrap()));
        assert_eq!(parse_ip("unknown"), None);
    }
}
