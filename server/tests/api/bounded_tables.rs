//! Tables an anonymous or a logged-in client can grow stay bounded: sessions per user,
//! download tokens per user (throttle rows: see login_limits.rs).
use chrono::Duration;
use reqwest::StatusCode;
use serde_json::Value;

use crate::both_backends;
use crate::helpers::*;

both_backends!(sessions_per_user_are_capped_oldest_first, expired_sessions_are_purged, download_tokens_are_capped_and_purged);

async fn admin_id(app: &TestApp) -> app::ids::UserId {
    app.state.store.user_by_username(ADMIN).await.unwrap().unwrap().user.id
}

async fn sessions_per_user_are_capped_oldest_first(db: Db) {
    let app = spawn_app_configured(db, |s| s.max_sessions_per_user = 3).await;
    let mut browsers = Vec::new();
    for _ in 0..4 {
        let c = app.other_client();
        assert_eq!(app.login_with(&c, ADMIN, ADMIN_PASSWORD).await.status(), StatusCode::OK);
        browsers.push(c);
        app.clock.advance(Duration::seconds(1));
    }
    assert_eq!(app.state.store.count_sessions(admin_id(&app).await).await.unwrap(), 3);
    // The oldest was closed; the three newest work.
    assert_detail(browsers[0].get(app.url("/v1/auth/me")).send().await.unwrap(), StatusCode::UNAUTHORIZED, "Authentification requise.").await;
    for c in &browsers[1..] {
        assert_eq!(c.get(app.url("/v1/auth/me")).send().await.unwrap().status(), StatusCode::OK);
    }
}

async fn expired_sessions_are_purged(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    app.clock.advance(Duration::minutes(61));
    let other = app.other_client();
    assert_eq!(app.login_with(&other, ADMIN, ADMIN_PASSWORD).await.status(), StatusCode::OK);
    assert_eq!(app.state.store.count_sessions(admin_id(&app).await).await.unwrap(), 2, "kept until the purge worker runs");
    // The background worker's step, called directly.
    assert_eq!(server::worker::purge_expired(&app.state).await.unwrap().sessions, 1);
    assert_eq!(app.state.store.count_sessions(admin_id(&app).await).await.unwrap(), 1, "the expired session is gone");
}

async fn download_tokens_are_capped_and_purged(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    app.open_poste(&app.client).await;
    let t = app.new_ticket(&app.client).await;
    let mut tokens = Vec::new();
    for _ in 0..25 {
        let r = app.client.post(app.url(&format!("/v1/reception/tickets/{t}/download-token"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        tokens.push(r.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string());
        app.clock.advance(Duration::seconds(1));
    }
    let admin = admin_id(&app).await;
    assert_eq!(app.state.store.count_download_tokens(admin).await.unwrap(), 20);
    let anon = app.other_client();
    let csv = |token: &str| anon.get(app.url(&format!("/v1/reception/tickets/{t}/export-csv?token={token}"))).send();
    assert_detail(csv(&tokens[0]).await.unwrap(), StatusCode::UNAUTHORIZED, "Jeton de téléchargement invalide.").await;
    assert_eq!(csv(&tokens[24]).await.unwrap().status(), StatusCode::OK);
    // Expired ones go (a day after expiry, so that a late click still reads "expiré").
    app.clock.advance(Duration::days(1) + Duration::minutes(10));
    app.login_admin().await;
    let r = app.client.post(app.url(&format!("/v1/reception/tickets/{t}/download-token"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(server::worker::purge_expired(&app.state).await.unwrap().tokens, 19, "the background worker's step: the 19 expired ones (the cap already dropped one more)");
    assert_eq!(app.state.store.count_download_tokens(admin).await.unwrap(), 1);
}
