//! The HTTP edge: cross-site writes, content types, body limits, timeouts, JSON errors on
//! `/v1` and `/api`, security headers, server function redirects.
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::both_backends;
use crate::helpers::*;

both_backends!(
    cross_site_writes_are_refused,
    non_json_bodies_are_refused_where_json_is_expected,
    same_origin_form_login_works_without_javascript,
    server_function_redirects_stay_on_the_site,
    every_server_function_answers_bad_input_with_a_french_4xx,
    server_function_errors_carry_their_status,
    api_errors_are_json_in_french,
    oversized_bodies_get_413,
    security_headers_on_a_page_an_answer_and_a_download,
    https_gets_strict_transport_security,
    slow_and_idle_connections_are_closed,
    html_404_renders_with_the_backend,
    echoed_input_is_cut_short,
);

const EVIL: &str = "https://evil.example";

fn origin(app: &TestApp) -> String {
    app.addr.clone()
}

async fn detail_of(r: reqwest::Response) -> (StatusCode, String) {
    let status = r.status();
    let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let text = r.text().await.unwrap();
    assert!(ct.starts_with("application/json"), "{status}: content-type {ct:?}, body {text:?}");
    let body: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    (status, body["detail"].as_str().unwrap_or_else(|| panic!("no detail in {body}")).to_string())
}

/// A message a French user can read: no decoder English, no Rust.
fn assert_french(detail: &str) {
    for english in ["error", "Error", "deserializ", "expected", "missing field", "invalid type", "unknown field", "EOF", "line 1", "column"] {
        assert!(!detail.contains(english), "English in {detail:?}");
    }
    assert!(!detail.is_empty());
}

async fn users(app: &TestApp) -> Vec<String> {
    let list = app.get_json(&app.client, "/v1/admin/users").await;
    list.as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap().to_string()).collect()
}

async fn cross_site_writes_are_refused(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    // What an HTML form with enctype=text/plain on another site sends, with the
    // admin's cookie: refused before anything runs.
    let body = r#"{"req":{"username":"intrus","display_name":"Intrus","password":"motdepasse-intrus","permissions":["admin"]}}"#;
    let r = app.client.post(app.url("/api/create_user")).header("origin", EVIL).header("content-type", "text/plain").body(body).send().await.unwrap();
    assert_eq!(detail_of(r).await, (StatusCode::FORBIDDEN, "Requête refusée : elle provient d'un autre site.".into()));
    // Even as JSON: the origin decides.
    let r = app.client.post(app.url("/api/create_user")).header("origin", EVIL).header("content-type", "application/json").body(body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(!users(&app).await.contains(&"intrus".to_string()));
    // Without Origin, the Referer tells; "null" (a sandboxed frame) is refused too.
    let r = app.client.post(app.url("/v1/reception/postes/open")).header("referer", format!("{EVIL}/page")).send().await.unwrap();
    assert_eq!(detail_of(r).await.0, StatusCode::FORBIDDEN);
    let r = app.client.post(app.url("/v1/reception/tickets")).header("origin", "null").send().await.unwrap();
    assert_eq!(detail_of(r).await.0, StatusCode::FORBIDDEN);
    // Login CSRF: another site cannot log a browser into an account.
    let other = app.other_client();
    let r = other
        .post(app.url("/api/login"))
        .header("origin", EVIL)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("username={ADMIN}&password={ADMIN_PASSWORD}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.headers().get("set-cookie").is_none());
    let r = other.post(app.url("/v1/auth/logout")).header("origin", EVIL).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // The same requests from the site's own pages pass.
    let r = app
        .client
        .post(app.url("/api/create_user"))
        .header("origin", origin(&app))
        .json(&json!({"req": {"username": "marie", "display_name": "Marie", "password": "motdepasse-marie", "permissions": ["reception.access"]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let r = app.client.post(app.url("/v1/reception/postes/open")).header("referer", app.url("/reception")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    // And through a reverse proxy, the configured public origin.
    let proxied = spawn_app_configured(db, |s| s.allowed_origins = vec!["https://recyclique.example.org".into()]).await;
    let r = proxied.login_with_origin("https://recyclique.example.org").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(proxied.login_with_origin(EVIL).await.status(), StatusCode::FORBIDDEN);
}

impl TestApp {
    async fn login_with_origin(&self, origin: &str) -> reqwest::Response {
        self.other_client()
            .post(self.url("/v1/auth/login"))
            .header("origin", origin)
            .json(&json!({"username": ADMIN, "password": ADMIN_PASSWORD}))
            .send()
            .await
            .unwrap()
    }
}

async fn non_json_bodies_are_refused_where_json_is_expected(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    const REFUSED: &str = "Type de contenu refusé : le corps de la requête doit être du JSON (Content-Type: application/json).";
    // Routes without a body refuse a body of another type (an HTML form's).
    for path in ["/v1/reception/postes/open", "/v1/reception/tickets", "/v1/auth/logout"] {
        let r = app.client.post(app.url(path)).header("content-type", "text/plain").body("x=1").send().await.unwrap();
        assert_eq!(detail_of(r).await, (StatusCode::UNSUPPORTED_MEDIA_TYPE, REFUSED.into()), "{path}");
        let r = app.client.post(app.url(path)).header("content-type", "multipart/form-data; boundary=x").body("--x--").send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "{path}");
    }
    // A JSON server function refuses text/plain, and a form body is no JSON.
    let r = app.client.post(app.url("/api/send_test_mail")).header("content-type", "text/plain").body(r#"{"to":"a@b.c"}"#).send().await.unwrap();
    assert_eq!(detail_of(r).await, (StatusCode::UNSUPPORTED_MEDIA_TYPE, REFUSED.into()));
    let r = app.client.post(app.url("/api/send_test_mail")).header("content-type", "application/x-www-form-urlencoded").body("to=a%40b.c").send().await.unwrap();
    assert_eq!(detail_of(r).await, (StatusCode::BAD_REQUEST, "Le corps de la requête n'est pas un JSON valide.".into()));
    // A body with no type at all is refused; no body, no type is fine (curl -X POST).
    let r = app.client.post(app.url("/v1/reception/postes/open")).body("{}").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let r = app.client.post(app.url("/v1/reception/postes/open")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = app.client.post(app.url("/v1/reception/tickets")).header("content-type", "application/json; charset=utf-8").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
}

async fn same_origin_form_login_works_without_javascript(db: Db) {
    let app = spawn_app(db).await;
    let browser = app.other_client();
    // What the login form posts when JavaScript is off.
    let form = |password: &str| {
        browser
            .post(app.url("/api/login"))
            .header("origin", origin(&app))
            .header("referer", app.url("/login"))
            .header("accept", "text/html,application/xhtml+xml")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("username={ADMIN}&password={password}"))
    };
    let r = form("pas-le-bon").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/login?") && location.contains("__err="), "{location}");
    // The login page shows the error it carries, rendered on the server.
    let page = browser.get(app.url(&location)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Identifiant ou mot de passe incorrect."), "{page}");

    let r = form(ADMIN_PASSWORD).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    assert_eq!(r.headers()["location"], "/");
    assert!(r.headers()["set-cookie"].to_str().unwrap().starts_with("recyclique_session="));
    let me = app.get_json(&browser, "/v1/auth/me").await;
    assert_eq!(me["username"], ADMIN);
    // The page's form posts there, form-encoded.
    let page = app.client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(r#"method="post""#) && page.contains(r#"action="/api/login""#), "{page}");
}

async fn server_function_redirects_stay_on_the_site(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    let post = |referer: String| {
        app.client
            .post(app.url("/api/current_user"))
            .header("origin", origin(&app))
            .header("referer", referer)
            .header("accept", "text/html")
            .header("content-type", "application/x-www-form-urlencoded")
            .send()
    };
    let r = post(app.url("/reception?vue=1")).await.unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    assert_eq!(r.headers()["location"], "/reception?vue=1");
    // A Referer elsewhere is never followed.
    let r = post(format!("{EVIL}/piege")).await.unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    assert_eq!(r.headers()["location"], "/");
}

/// Bodies that do not decode into any server function's arguments.
const MALFORMED: [&str; 6] = [
    "{pas du json",
    "null",
    "[]",
    "\"texte\"",
    r#"{"id":"pas-un-uuid","ticket_id":"zz","ligne_id":5,"req":5,"input":null,"filter":7,"username":5,"password":null,"to":1,"exclude_deferred":"oui","opened_at":3}"#,
    r#"{"ticket_id":"00000000-0000-0000-0000-000000000000","input":{"poids_kg":"1e308","category_id":"00000000-0000-0000-0000-000000000000","destination":"don"}}"#,
];

async fn every_server_function_answers_bad_input_with_a_french_4xx(db: Db) {
    let app = spawn_app(db).await;
    let paths: Vec<String> = leptos::server_fn::axum::server_fn_paths().map(|(p, _)| p.to_string()).collect();
    assert!(paths.len() >= 24, "{paths:?}");
    let admin = app.other_client();
    assert_eq!(app.login_with(&admin, ADMIN, ADMIN_PASSWORD).await.status(), StatusCode::OK);
    // Anonymous (reachable without logging in) and as an admin.
    for client in [&app.client, &admin] {
        for path in &paths {
            for body in MALFORMED {
                let r = client.post(app.url(path)).header("content-type", "application/json").body(body).send().await.unwrap();
                let status = r.status();
                assert!(!status.is_server_error(), "{path} {body}: {status} {}", r.text().await.unwrap());
                if status.is_client_error() {
                    let (_, detail) = detail_of(r).await;
                    assert_french(&detail);
                }
            }
        }
    }
    let post = |path: &str, body: &str| app.client.post(app.url(path)).header("content-type", "application/json").body(body.to_string()).send();
    let cases = [
        ("/api/create_user", "{pas du json", StatusCode::BAD_REQUEST, "Le corps de la requête n'est pas un JSON valide."),
        ("/api/create_user", "null", StatusCode::UNPROCESSABLE_ENTITY, "Données invalides : type de valeur invalide : null (valeur absente) ne convient pas ici."),
        ("/api/create_user", r#"{"req":{"username":5}}"#, StatusCode::UNPROCESSABLE_ENTITY, "Données invalides : type de valeur invalide : un nombre ne convient pas ici."),
        ("/api/reception_get_ticket", r#"{"id":"pas-un-uuid"}"#, StatusCode::UNPROCESSABLE_ENTITY, "Données invalides : identifiant invalide (UUID attendu)."),
        ("/api/reception_get_ticket", "{}", StatusCode::UNPROCESSABLE_ENTITY, "Données invalides : champ manquant : « id »."),
        ("/api/reception_add_ligne", MALFORMED[5], StatusCode::UNPROCESSABLE_ENTITY, "Données invalides : Le poids"),
    ];
    for (path, body, status, expected) in cases {
        let r = post(path, body).await.unwrap();
        let body: Value = {
            assert_eq!(r.status(), status, "{path} {body}");
            r.json().await.unwrap()
        };
        let detail = body["detail"].as_str().unwrap();
        assert!(detail.starts_with(expected), "{path}: {detail:?}");
        assert!(body["code"].is_string(), "{body}");
    }
}

async fn server_function_errors_carry_their_status(db: Db) {
    let app = spawn_app(db).await;
    let r = app.client.post(app.url("/api/list_users")).header("content-type", "application/x-www-form-urlencoded").send().await.unwrap();
    let body: Value = {
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        r.json().await.unwrap()
    };
    assert_eq!(body, json!({"detail": "Authentification requise.", "code": "unauthorized"}));
}

async fn api_errors_are_json_in_french(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    let get = |path: &str| app.client.get(app.url(path)).send();
    assert_eq!(detail_of(get("/v1/nimporte-quoi").await.unwrap()).await, (StatusCode::NOT_FOUND, "Ressource introuvable.".into()));
    assert_eq!(detail_of(get("/api/nimporte_quoi").await.unwrap()).await, (StatusCode::NOT_FOUND, "Ressource introuvable.".into()));
    let r = get("/v1/auth/login").await.unwrap();
    assert_eq!(r.headers()["allow"], "POST");
    assert_eq!(detail_of(r).await, (StatusCode::METHOD_NOT_ALLOWED, "Méthode non autorisée pour cette adresse.".into()));
    assert_eq!(detail_of(get("/api/login").await.unwrap()).await.0, StatusCode::METHOD_NOT_ALLOWED);
    // A path segment that is not UTF-8: axum's 400, in French.
    assert_eq!(detail_of(get("/v1/reception/tickets/%FF").await.unwrap()).await, (StatusCode::BAD_REQUEST, "Requête invalide.".into()));
    let long = format!("/v1/reception/tickets?period={}", "x".repeat(10_000));
    assert_eq!(detail_of(get(&long).await.unwrap()).await, (StatusCode::URI_TOO_LONG, "L'adresse demandée est trop longue.".into()));
    let long = format!("/api/login?{}", "x".repeat(10_000));
    assert_eq!(detail_of(app.client.post(app.url(&long)).send().await.unwrap()).await.0, StatusCode::URI_TOO_LONG);
}

async fn oversized_bodies_get_413(db: Db) {
    let app = spawn_app(db).await;
    let big = format!(r#"{{"username":"admin","password":"{}"}}"#, "x".repeat(2 * 1024 * 1024));
    const TOO_BIG: &str = "Le corps de la requête est trop volumineux (64 Kio au plus).";
    for path in ["/v1/auth/login", "/api/create_user"] {
        let r = app.client.post(app.url(path)).header("content-type", "application/json").body(big.clone()).send().await.unwrap();
        assert_eq!(detail_of(r).await, (StatusCode::PAYLOAD_TOO_LARGE, TOO_BIG.into()), "{path}");
    }
    // Without a Content-Length (chunked), the limit holds while reading.
    let host = app.addr.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
    let mut request = format!("POST /v1/auth/login HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
    for _ in 0..40 {
        request.push_str(&format!("1000\r\n{}\r\n", " ".repeat(4096)));
    }
    request.push_str("0\r\n\r\n");
    // The server may answer (and close) before reading it all.
    let _ = stream.write_all(request.as_bytes()).await;
    let (text, _, _) = read_until_closed(&mut stream, Duration::from_secs(10)).await;
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains(TOO_BIG), "{text}");
}

fn header<'a>(r: &'a reqwest::Response, name: &str) -> &'a str {
    r.headers().get(name).unwrap_or_else(|| panic!("no {name} header")).to_str().unwrap()
}

fn assert_common_headers(r: &reqwest::Response) {
    assert_eq!(header(r, "x-content-type-options"), "nosniff");
    assert_eq!(header(r, "x-frame-options"), "DENY");
    assert_eq!(header(r, "referrer-policy"), "same-origin");
    assert!(header(r, "content-security-policy").contains("frame-ancestors 'none'"));
    assert!(r.headers().get("strict-transport-security").is_none(), "plain http: no HSTS");
}

async fn security_headers_on_a_page_an_answer_and_a_download(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    // A page: its policy names the nonce its inline scripts carry.
    let r = app.client.get(app.url("/reception")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_common_headers(&r);
    let csp = header(&r, "content-security-policy").to_string();
    let nonce = csp.split("'nonce-").nth(1).and_then(|s| s.split('\'').next()).unwrap_or_else(|| panic!("no nonce in {csp}")).to_string();
    assert!(csp.starts_with("default-src 'self'; script-src 'self' 'nonce-"), "{csp}");
    assert!(csp.contains("'wasm-unsafe-eval'") && csp.contains("object-src 'none'"), "{csp}");
    let html = r.text().await.unwrap();
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "the page's scripts do not carry {nonce}");
    assert!(!html.contains("<script>"), "an inline script without nonce");
    // Another page load, another nonce.
    let again = app.client.get(app.url("/reception")).send().await.unwrap();
    assert_ne!(header(&again, "content-security-policy"), csp);

    // An API answer (and an error): nothing to load, never cached.
    for r in [app.client.get(app.url("/v1/auth/me")).send().await.unwrap(), app.other_client().get(app.url("/v1/auth/me")).send().await.unwrap()] {
        assert_common_headers(&r);
        assert_eq!(header(&r, "cache-control"), "no-store");
        assert!(header(&r, "content-security-policy").starts_with("default-src 'none'"));
    }
    let r = app.client.post(app.url("/api/current_user")).header("content-type", "application/x-www-form-urlencoded").send().await.unwrap();
    assert_common_headers(&r);
    assert_eq!(header(&r, "cache-control"), "no-store");

    // A download.
    app.open_poste(&app.client).await;
    let t = app.new_ticket(&app.client).await;
    let r = app.client.get(app.url(&format!("/v1/reception/tickets/{t}/export-csv"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_common_headers(&r);
    assert_eq!(header(&r, "cache-control"), "no-store");
    assert!(header(&r, "content-disposition").starts_with("attachment"));
}

async fn https_gets_strict_transport_security(db: Db) {
    let app = spawn_app(db).await;
    let r = app.client.get(app.url("/login")).header("x-forwarded-proto", "https").send().await.unwrap();
    assert_eq!(header(&r, "strict-transport-security"), "max-age=31536000");
    let r = app.client.get(app.url("/health")).header("x-forwarded-proto", "https").send().await.unwrap();
    assert_eq!(header(&r, "strict-transport-security"), "max-age=31536000");
}

/// Reads until the server closes the connection; returns what it sent and how long it
/// took (capped at `limit`).
async fn read_until_closed(stream: &mut tokio::net::TcpStream, limit: Duration) -> (String, Duration, bool) {
    let start = Instant::now();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(limit.saturating_sub(start.elapsed()), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&out).into_owned(), start.elapsed(), true),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&out).into_owned(), start.elapsed(), false),
        }
    }
}

async fn slow_and_idle_connections_are_closed(db: Db) {
    let app = spawn_app_configured(db, |s| {
        s.header_timeout = Duration::from_secs(1);
        s.body_timeout = Duration::from_secs(1);
    })
    .await;
    let host = app.addr.trim_start_matches("http://").to_string();
    let connect = || tokio::net::TcpStream::connect(host.clone());

    // Headers that never end.
    let mut s = connect().await.unwrap();
    s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let (_, took, closed) = read_until_closed(&mut s, Duration::from_secs(10)).await;
    assert!(closed && took < Duration::from_secs(4), "slow headers held {took:?}");

    // A connection that says nothing at all.
    let mut s = connect().await.unwrap();
    let (_, took, closed) = read_until_closed(&mut s, Duration::from_secs(10)).await;
    assert!(closed && took < Duration::from_secs(4), "silent connection held {took:?}");

    // A kept-alive connection left idle after its answer.
    let mut s = connect().await.unwrap();
    s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let (text, took, closed) = read_until_closed(&mut s, Duration::from_secs(10)).await;
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(closed && took < Duration::from_secs(4), "idle keep-alive held {took:?}");

    // A body that does not come: 408 with a French detail, and the connection closed.
    let mut s = connect().await.unwrap();
    s.write_all(format!("POST /v1/auth/login HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"user").as_bytes())
        .await
        .unwrap();
    let (text, took, closed) = read_until_closed(&mut s, Duration::from_secs(10)).await;
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains(r#"{"detail":"Le corps de la requête est arrivé trop lentement."}"#), "{text}");
    assert!(closed && took < Duration::from_secs(4), "slow body held {took:?}");

    // Ordinary requests are not affected.
    assert_eq!(app.client.get(app.url("/health")).send().await.unwrap().status(), StatusCode::OK);
}

async fn html_404_renders_with_the_backend(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    let r = app.client.get(app.url("/nulle-part")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(header(&r, "content-security-policy").contains("'nonce-"));
    let html = r.text().await.unwrap();
    assert!(html.contains("Page introuvable"));
    // The page's server functions reached the backend: the header knows who is there.
    assert!(html.contains("data-testid=\"header-user\"") && html.contains("Administrateur"), "{html}");
}

async fn echoed_input_is_cut_short(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    let long = "x".repeat(5000);
    let r = app.client.get(app.url(&format!("/v1/reception/tickets?period={long}"))).send().await.unwrap();
    let (status, detail) = detail_of(r).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(detail.starts_with("period : période inconnue « xxx") && detail.chars().count() < 400, "{detail}");
    let r = app.post_json(&app.client, "/v1/admin/mail/test", json!({"to": "y".repeat(50_000)})).await;
    let (status, detail) = detail_of(r).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(detail.starts_with("Adresse e-mail invalide : « yyy") && detail.chars().count() < 200, "{detail}");
    let r = app.post_json(&app.client, "/v1/reception/postes/open", json!({"opened_at": "z".repeat(50_000)})).await;
    let (_, detail) = detail_of(r).await;
    assert!(detail.chars().count() < 300, "{detail}");
}
