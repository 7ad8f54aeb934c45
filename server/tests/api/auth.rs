use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::*;

both_backends!(
    login_sets_a_session_cookie_and_me_returns_the_user,
    logout_ends_the_session,
    wrong_password_and_unknown_user_get_the_same_401,
    session_expires,
    inactive_user_cannot_log_in_and_loses_sessions,
    repeated_failures_lock_the_account_for_a_while,
    parallel_guesses_are_all_counted,
    cookie_is_secure_behind_https,
    health_reports_the_database,
    server_functions_check_permissions,
    bad_login_bodies_get_french_errors,
);

async fn login_sets_a_session_cookie_and_me_returns_the_user(db: Db) {
    let app = spawn_app(db).await;
    let r = app.login_with(&app.client, ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("recyclique_session="), "{cookie}");
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=3600"] {
        assert!(cookie.contains(attr), "{attr} missing in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http must not set Secure: {cookie}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["username"], "admin");
    assert!(body.get("password_hash").is_none());

    let me: Value = app.client.get(app.url("/v1/auth/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["username"], "admin");
    assert_eq!(me["display_name"], "Administrateur");
    assert_eq!(me["permissions"], json!(["admin"]));
    assert_eq!(me["active"], true);
}

async fn logout_ends_the_session(db: Db) {
    let app = spawn_app(db).await;
    let r = app.login_with(&app.client, ADMIN, ADMIN_PASSWORD).await;
    let raw_cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let r = app.client.post(app.url("/v1/auth/logout")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    assert_detail(app.client.get(app.url("/v1/auth/me")).send().await.unwrap(), StatusCode::UNAUTHORIZED, "Authentification requise").await;
    // The old cookie replayed by hand is dead too: the session row is gone.
    let other = app.other_client();
    let r = other.get(app.url("/v1/auth/me")).header("cookie", raw_cookie).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

async fn wrong_password_and_unknown_user_get_the_same_401(db: Db) {
    let app = spawn_app(db).await;
    let r = app.login_with(&app.client, ADMIN, "pas-le-bon-mot").await;
    assert!(r.headers().get("set-cookie").is_none());
    assert_detail(r, StatusCode::UNAUTHORIZED, "Identifiant ou mot de passe incorrect.").await;
    let r = app.login_with(&app.client, "personne", "pas-le-bon-mot").await;
    assert_detail(r, StatusCode::UNAUTHORIZED, "Identifiant ou mot de passe incorrect.").await;
    assert_eq!(app.client.get(app.url("/v1/auth/me")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
}

async fn session_expires(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    app.clock.advance(Duration::minutes(59));
    assert_eq!(app.client.get(app.url("/v1/auth/me")).send().await.unwrap().status(), StatusCode::OK);
    app.clock.advance(Duration::minutes(1));
    assert_detail(app.client.get(app.url("/v1/auth/me")).send().await.unwrap(), StatusCode::UNAUTHORIZED, "Authentification requise").await;
}

async fn inactive_user_cannot_log_in_and_loses_sessions(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    let user = app.create_user("marie", "motdepasse-marie", &["reception.access"]).await;
    let marie = app.other_client();
    assert_eq!(app.login_with(&marie, "marie", "motdepasse-marie").await.status(), StatusCode::OK);

    let r = app.client.put(app.url(&format!("/v1/admin/users/{}", user["id"].as_str().unwrap()))).json(&json!({"active": false})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["active"], false);

    assert_eq!(marie.get(app.url("/v1/auth/me")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    // The right password on an inactive account gets exactly the answer of a wrong
    // one: nothing tells that it was right.
    let right = app.login_with(&marie, "marie", "motdepasse-marie").await;
    let wrong = app.login_with(&marie, "marie", "mauvais-mot").await;
    assert_eq!((right.status(), wrong.status()), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
    assert!(right.headers().get("set-cookie").is_none());
    let (right, wrong): (Value, Value) = (right.json().await.unwrap(), wrong.json().await.unwrap());
    assert_eq!(right, json!({"detail": "Identifiant ou mot de passe incorrect."}));
    assert_eq!(right, wrong);
    // Through the server function too.
    let r = marie
        .post(app.url("/api/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=marie&password=motdepasse-marie")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.json::<Value>().await.unwrap()["detail"], "Identifiant ou mot de passe incorrect.");
}

async fn repeated_failures_lock_the_account_for_a_while(db: Db) {
    let app = spawn_app(db).await;
    for _ in 0..5 {
        assert_eq!(app.login_with(&app.client, ADMIN, "mauvais").await.status(), StatusCode::UNAUTHORIZED);
    }
    // Locked: even the right password is refused, without being checked.
    let r = app.login_with(&app.client, ADMIN, ADMIN_PASSWORD).await;
    assert_detail(r, StatusCode::TOO_MANY_REQUESTS, "Réessayez dans 15 minute(s)").await;
    app.clock.advance(Duration::minutes(14));
    assert_eq!(app.login_with(&app.client, ADMIN, ADMIN_PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);
    app.clock.advance(Duration::minutes(1));
    assert_eq!(app.login_with(&app.client, ADMIN, ADMIN_PASSWORD).await.status(), StatusCode::OK);
    // A success resets the count: four new failures do not lock.
    for _ in 0..4 {
        assert_eq!(app.login_with(&app.client, ADMIN, "mauvais").await.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(app.login_with(&app.client, ADMIN, ADMIN_PASSWORD).await.status(), StatusCode::OK);
}

async fn cookie_is_secure_behind_https(db: Db) {
    let app = spawn_app(db).await;
    let r = app
        .client
        .post(app.url("/v1/auth/login"))
        .header("x-forwarded-proto", "https")
        .json(&json!({"username": ADMIN, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(r.headers()["set-cookie"].to_str().unwrap().contains("; Secure"));
}

async fn health_reports_the_database(db: Db) {
    let app = spawn_app(db).await;
    let r = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");
    assert_eq!(body["backend"], match db { Db::Sqlite => "sqlite", Db::Postgres => "postgres" });
}

async fn server_functions_check_permissions(db: Db) {
    let app = spawn_app(db).await;
    let list = |c: &reqwest::Client| {
        c.post(app.url("/api/list_users")).header("content-type", "application/x-www-form-urlencoded").body("").send()
    };
    let anon = app.other_client();
    let r = list(&anon).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().contains("Authentification requise"));

    app.login_admin().await;
    app.create_user("paul", "motdepasse-paul", &["caisse.access"]).await;
    let paul = app.other_client();
    app.login_with(&paul, "paul", "motdepasse-paul").await;
    let r = list(&paul).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let r = list(&app.client).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let users: Value = r.json().await.unwrap();
    let names: Vec<_> = users.as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap().to_string()).collect();
    assert_eq!(names, ["admin", "paul"]);
}

async fn bad_login_bodies_get_french_errors(db: Db) {
    let app = spawn_app(db).await;
    let r = app.client.post(app.url("/v1/auth/login")).header("content-type", "application/json").body("{pas du json").send().await.unwrap();
    assert_detail(r, StatusCode::BAD_REQUEST, "Le corps de la requête n'est pas un JSON valide.").await;
    let r = app.client.post(app.url("/v1/auth/login")).json(&json!({"username": "admin"})).send().await.unwrap();
    assert_detail(r, StatusCode::UNPROCESSABLE_ENTITY, "Données invalides : champ manquant : « password ».").await;
    let r = app.login_with(&app.client, " ", "").await;
    assert_detail(r, StatusCode::UNPROCESSABLE_ENTITY, "Saisissez l'identifiant et le mot de passe.").await;
    // A NUL byte reaches no database (PostgreSQL would refuse it): just a failed login.
    let r = app.login_with(&app.client, "ad\u{0}min", "x").await;
    assert_detail(r, StatusCode::UNAUTHORIZED, "Identifiant ou mot de passe incorrect.").await;
    let r = app.client.get(app.url("/v1/nimporte-quoi")).send().await.unwrap();
    assert_detail(r, StatusCode::NOT_FOUND, "Ressource introuvable.").await;
}

async fn parallel_guesses_are_all_counted(db: Db) {
    let app = spawn_app(db).await;
    let mut guesses = Vec::new();
    for i in 0..20 {
        let (c, url) = (app.other_client(), app.url("/v1/auth/login"));
        guesses.push(tokio::spawn(async move {
            c.post(url).json(&json!({"username": ADMIN, "password": format!("essai-{i}")})).send().await.unwrap().status()
        }));
    }
    let mut checked = 0;
    for g in guesses {
        match g.await.unwrap() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert!(checked <= 5, "only five passwords may be tried, {checked} were");
    assert_eq!(app.login_with(&app.client, ADMIN, ADMIN_PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);
}
