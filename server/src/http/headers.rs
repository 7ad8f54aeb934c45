//! Security headers on every response. Pages get a Content-Security-Policy naming the
//! nonce Leptos puts on its inline scripts (set while the page renders, see
//! [`page_policy`]); every other answer gets one that allows nothing. Browsers are told
//! not to sniff types, not to frame the site, to send the referrer to this site only,
//! and (behind https) to come back through https only. API answers and downloads are
//! never cached.
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use crate::config::CookieSecure;
use crate::state::AppState;

/// What a page may load: its own scripts (those Leptos writes inline carry the nonce),
/// styles, images and the WASM module, all from this site.
fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// For everything that is not a page (JSON, files, scripts).
const NOTHING_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Called in the Leptos context of every page render: sets the page's policy with the
/// nonce of this render. Server functions have no nonce and get the default policy.
pub fn provide_page_policy() {
    use leptos::prelude::use_context;
    if let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>()) {
        if let Ok(v) = HeaderValue::from_str(&page_policy(&nonce)) {
            response.insert_header(header::CONTENT_SECURITY_POLICY, v);
        }
    }
}

/// Whether the client reached us through https (a TLS-terminating proxy says so in
/// `X-Forwarded-Proto`), with the same setting as the cookie's `Secure` flag.
pub fn is_https(headers: &HeaderMap, setting: CookieSecure) -> bool {
    match setting {
        CookieSecure::Always => true,
        CookieSecure::Never => false,
        CookieSecure::Auto => headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim().eq_ignore_ascii_case("https")),
    }
}

pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let https = is_https(req.headers(), state.settings.cookie_secure);
    let path = req.uri().path();
    let no_store = path.starts_with("/v1/") || path.starts_with("/api/") || path == "/health";
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::REFERRER_POLICY, "same-origin");
    if https {
        set(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000");
    }
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(NOTHING_POLICY));
    }
    if no_store {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
