//! The worker beside the web server: its step called directly with the manual clock,
//! and one shutdown for the server and the workers.
use chrono::Duration;
use reqwest::StatusCode;

use crate::both_backends;
use crate::helpers::*;

both_backends!(
    the_purge_removes_expired_sessions_and_tokens_only,
    one_shutdown_stops_the_server_and_its_workers,
    the_application_runs_the_purge_in_the_background,
);

async fn the_purge_removes_expired_sessions_and_tokens_only(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    app.open_poste(&app.client).await;
    let t = app.new_ticket(&app.client).await;
    let r = app.client.post(app.url(&format!("/v1/reception/tickets/{t}/download-token"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let (marie, _) = app.user_client("marie", &["reception.access"]).await;

    // Nothing is due yet.
    assert_eq!(server::worker::purge_expired(&app.state).await.unwrap(), server::worker::PurgeOutcome::default());

    // Two hours later the one-hour sessions have expired; the token (5 minutes) is kept
    // a day after its expiry so that a late click still says "expired".
    app.clock.advance(Duration::hours(2));
    let fresh = app.other_client();
    assert_eq!(app.login_with(&fresh, ADMIN, ADMIN_PASSWORD).await.status(), StatusCode::OK);
    let done = server::worker::purge_expired(&app.state).await.unwrap();
    assert_eq!((done.sessions, done.tokens), (2, 0), "the admin's and Marie's sessions");
    assert_eq!(server::worker::purge_expired(&app.state).await.unwrap().sessions, 0, "the rows are gone");
    assert_eq!(marie.get(app.url("/v1/auth/me")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(fresh.get(app.url("/v1/auth/me")).send().await.unwrap().status(), StatusCode::OK, "a session still valid stays");

    app.clock.advance(Duration::days(1));
    let done = server::worker::purge_expired(&app.state).await.unwrap();
    assert_eq!((done.sessions, done.tokens), (1, 1));
}

async fn one_shutdown_stops_the_server_and_its_workers(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    assert_eq!(app.client.get(app.url("/health")).send().await.unwrap().status(), StatusCode::OK);
    app.shutdown.shutdown();
    let stopped = tokio::time::timeout(std::time::Duration::from_secs(10), app.running).await;
    assert!(matches!(stopped, Ok(Ok(Ok(())))), "the application stopped cleanly: {stopped:?}");
    let addr = app.addr.trim_start_matches("http://").to_string();
    assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "nothing listens any more");
}

/// The step is tested above with the manual clock; this checks that the application
/// runs it, so it waits (boundedly) for the loop on the wall clock.
async fn the_application_runs_the_purge_in_the_background(db: Db) {
    let app = spawn_app_configured(db, |s| s.purge_interval = std::time::Duration::from_millis(50)).await;
    app.login_admin().await;
    app.open_poste(&app.client).await;
    let t = app.new_ticket(&app.client).await;
    let r = app.client.post(app.url(&format!("/v1/reception/tickets/{t}/download-token"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let token = r.json::<serde_json::Value>().await.unwrap()["token"].as_str().unwrap().to_string();
    // Past the token's expiry and the day it is kept: the next purge removes it.
    app.clock.advance(Duration::days(2));
    // Reading does not consume it: a stored expired token is refused as expired, a
    // purged one as unknown.
    let anon = app.other_client();
    let url = app.url(&format!("/v1/reception/tickets/{t}/export-csv?token={token}"));
    let purged = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            let r = anon.get(&url).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
            let body: serde_json::Value = r.json().await.unwrap();
            let detail = body["detail"].as_str().unwrap_or_default();
            if detail.contains("Jeton de téléchargement invalide") {
                return;
            }
            assert!(detail.contains("expiré"), "unexpected refusal: {body}");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(purged.is_ok(), "the background purge did not remove the expired token within 10 s");
}
