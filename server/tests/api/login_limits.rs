//! What bounds logins: the hashing gate, the per-address limit, a lockout that an
//! attacker elsewhere cannot turn against the admin, and throttle rows that expire.
use std::time::{Duration, Instant};

use chrono::Duration as Minutes;
use reqwest::StatusCode;
use serde_json::{json, Value};

use server::clock::Clock;

use crate::both_backends;
use crate::helpers::*;

both_backends!(
    a_login_burst_runs_two_hashes_at_a_time_and_turns_the_rest_away,
    too_many_attempts_from_one_address_are_refused,
    the_address_comes_from_the_proxy_header_only_when_configured,
    an_attacker_elsewhere_cannot_lock_the_admin_out,
    throttle_rows_expire,
);

const BUSY: &str = "Le serveur reçoit trop de demandes de connexion en ce moment. Réessayez dans quelques secondes.";
const WRONG: &str = "Identifiant ou mot de passe incorrect.";

impl TestApp {
    async fn login_from(&self, address: &str, username: &str, password: &str) -> reqwest::Response {
        self.other_client()
            .post(self.url("/v1/auth/login"))
            .header("x-forwarded-for", address)
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap()
    }
}

async fn status_and_detail(r: reqwest::Response) -> (StatusCode, Option<String>, String) {
    let status = r.status();
    let retry = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
    let body: Value = r.json().await.unwrap();
    (status, retry, body["detail"].as_str().unwrap().to_string())
}

async fn a_login_burst_runs_two_hashes_at_a_time_and_turns_the_rest_away(db: Db) {
    let app = spawn_app_configured(db, |s| {
        s.login_concurrency = 2;
        s.login_queue_timeout = Duration::from_millis(500);
        s.login_queue_max = 4;
        s.login_max_failures_per_address = 10_000;
    })
    .await;
    // 40 logins at once, each with another unknown username (no lock applies), half
    // through the REST API and half through the server function.
    let mut calls = Vec::new();
    for i in 0..40 {
        let (c, url) = (app.other_client(), app.addr.clone());
        calls.push(tokio::spawn(async move {
            let start = Instant::now();
            let r = if i % 2 == 0 {
                c.post(format!("{url}/v1/auth/login")).json(&json!({"username": format!("inconnu{i}"), "password": "pas-le-bon"})).send().await
            } else {
                c.post(format!("{url}/api/login"))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(format!("username=inconnu{i}&password=pas-le-bon"))
                    .send()
                    .await
            };
            let answer = status_and_detail(r.unwrap()).await;
            (answer, start.elapsed())
        }));
    }
    let (mut refused, mut busy) = (0, 0);
    for call in calls {
        let ((status, retry, detail), took) = call.await.unwrap();
        match status {
            StatusCode::UNAUTHORIZED => {
                assert_eq!(detail, WRONG);
                refused += 1;
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(detail, BUSY);
                assert_eq!(retry.as_deref(), Some("5"), "a 503 says when to come back");
                // Turned away at once, or after the queue's timeout at most.
                assert!(took < Duration::from_secs(3), "a refused login took {took:?}");
                busy += 1;
            }
            other => panic!("unexpected {other}: {detail}"),
        }
    }
    let stats = app.state.login_limits.gate.stats();
    assert_eq!(stats.slots, 2);
    assert_eq!(stats.peak_running, 2, "two hashes at a time, never more: {stats:?}");
    assert!(stats.peak_waiting <= 4, "at most four waiting: {stats:?}");
    assert_eq!((stats.running, stats.waiting), (0, 0));
    assert!(refused >= 2 && busy >= 1, "{refused} checked, {busy} turned away");
    assert_eq!(refused + busy, 40);
    // Once the burst is over, logins work again.
    assert_eq!(app.login_with(&app.client, ADMIN, ADMIN_PASSWORD).await.status(), StatusCode::OK);
}

async fn too_many_attempts_from_one_address_are_refused(db: Db) {
    let app = spawn_app_configured(db, |s| {
        s.login_max_failures_per_address = 5;
        s.client_address_header = Some(http::HeaderName::from_static("x-forwarded-for"));
    })
    .await;
    // Five unknown usernames from one address: none is locked, the address is.
    for i in 0..5 {
        let (status, _, detail) = status_and_detail(app.login_from("198.51.100.7", &format!("personne{i}"), "x").await).await;
        assert_eq!((status, detail.as_str()), (StatusCode::UNAUTHORIZED, WRONG));
    }
    let (status, _, detail) = status_and_detail(app.login_from("198.51.100.7", ADMIN, ADMIN_PASSWORD).await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(detail, "Trop de tentatives de connexion depuis votre adresse. Réessayez dans 15 minute(s).");
    // Another address is not concerned; nor is the same one once the period is over.
    assert_eq!(app.login_from("203.0.113.10", ADMIN, ADMIN_PASSWORD).await.status(), StatusCode::OK);
    app.clock.advance(Minutes::minutes(15));
    assert_eq!(app.login_from("198.51.100.7", ADMIN, ADMIN_PASSWORD).await.status(), StatusCode::OK);
    // An IPv6 client is counted by its /64.
    for i in 0..5 {
        let address = format!("2001:db8:1:2::{i}");
        assert_eq!(app.login_from(&address, &format!("personne{i}"), "x").await.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(app.login_from("2001:db8:1:2::ff", ADMIN, ADMIN_PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.login_from("2001:db8:1:3::1", ADMIN, ADMIN_PASSWORD).await.status(), StatusCode::OK);
}

async fn the_address_comes_from_the_proxy_header_only_when_configured(db: Db) {
    // Not configured: a client cannot pick its address by sending the header.
    let app = spawn_app_configured(db, |s| s.login_max_failures_per_address = 3).await;
    for i in 0..3 {
        assert_eq!(app.login_from(&format!("192.0.2.{i}"), &format!("personne{i}"), "x").await.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(app.login_from("192.0.2.99", ADMIN, ADMIN_PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);

    // Configured: the last entry, the one the proxy appended, counts; what the client
    // wrote in front of it does not.
    let app = spawn_app_configured(db, |s| {
        s.login_max_failures_per_address = 3;
        s.client_address_header = Some(http::HeaderName::from_static("x-forwarded-for"));
    })
    .await;
    for i in 0..3 {
        let chain = format!("10.0.0.{i}, 198.51.100.7");
        assert_eq!(app.login_from(&chain, &format!("personne{i}"), "x").await.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(app.login_from("10.0.0.99, 198.51.100.7", ADMIN, ADMIN_PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.login_from("198.51.100.7, 203.0.113.10", ADMIN, ADMIN_PASSWORD).await.status(), StatusCode::OK);
}

async fn an_attacker_elsewhere_cannot_lock_the_admin_out(db: Db) {
    let app = spawn_app_configured(db, |s| s.client_address_header = Some(http::HeaderName::from_static("x-forwarded-for"))).await;
    const ATTACKER: &str = "198.51.100.7";
    for _ in 0..5 {
        assert_eq!(app.login_from(ATTACKER, ADMIN, "devine").await.status(), StatusCode::UNAUTHORIZED);
    }
    // The username is locked for the attacker, even with the right password...
    let (status, _, detail) = status_and_detail(app.login_from(ATTACKER, ADMIN, ADMIN_PASSWORD).await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(detail, "Trop de tentatives de connexion échouées. Réessayez dans 15 minute(s).");
    // ...and from a second address that joins in, after one try.
    assert_eq!(app.login_from("198.51.100.8", ADMIN, "devine").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.login_from("198.51.100.8", ADMIN, ADMIN_PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);
    // The admin, from the office, gets in.
    let r = app.login_from("203.0.113.10", ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["username"], ADMIN);
    // The lock still holds for the attacker, within its 15 minutes.
    app.clock.advance(Minutes::minutes(14));
    assert_eq!(app.login_from(ATTACKER, ADMIN, ADMIN_PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);
    app.clock.advance(Minutes::minutes(1));
    assert_eq!(app.login_from(ATTACKER, ADMIN, ADMIN_PASSWORD).await.status(), StatusCode::OK);
}

async fn throttle_rows_expire(db: Db) {
    let app = spawn_app(db).await;
    let store = &app.state.store;
    for i in 0..20 {
        assert_eq!(app.login_with(&app.client, &format!("inconnu{i}"), "x").await.status(), StatusCode::UNAUTHORIZED);
    }
    let window = Minutes::minutes(15);
    let now = app.clock.now();
    // Nothing is old enough yet.
    assert_eq!(store.purge_login_throttle(now, now - window).await.unwrap(), 0);
    // A quarter of an hour later, the next login sweeps the 20 usernames and their
    // 20 (address, username) rows.
    app.clock.advance(Minutes::minutes(16));
    app.login_admin().await;
    let now = app.clock.now();
    assert_eq!(store.purge_login_throttle(now, now - window).await.unwrap(), 0, "already swept by the login");
    app.clock.advance(Minutes::minutes(16));
    let now = app.clock.now();
    assert_eq!(store.purge_login_throttle(now, now - window).await.unwrap(), 0, "a success leaves no row");
    // A lock in force is kept, whatever its age.
    for _ in 0..6 {
        app.login_with(&app.client, "marie", "x").await;
    }
    app.clock.advance(Minutes::minutes(14));
    let now = app.clock.now();
    assert_eq!(store.purge_login_throttle(now, now - Minutes::minutes(1)).await.unwrap(), 1, "the address row goes, the lock stays");
    let attempt = store.register_login_attempt("marie", "127.0.0.1", now, now - window).await.unwrap();
    assert_eq!(attempt.username.locked_until, Some(now + Minutes::minutes(1)));
}
