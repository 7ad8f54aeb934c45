//! The header's badge of scheduled reports needing attention: its server function
//! (`/api/scheduled_reports_attention`) checks the admin permission itself and counts
//! the reports whose last run failed or which the scheduler paused; the server's render
//! of any page shows it to admins, and nothing when the count is zero.
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

use crate::both_backends;
use crate::deliveries::drain;
use crate::helpers::*;
use crate::smtp::SmtpServer;

both_backends!(the_badge_counts_failed_and_paused_reports_for_admins_only);

async fn attention(app: &TestApp, c: &Client) -> (StatusCode, Value) {
    let r = c
        .post(app.url("/api/scheduled_reports_attention"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap())
}

async fn count(app: &TestApp) -> i64 {
    let (status, body) = attention(app, &app.client).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_i64().unwrap_or_else(|| panic!("a number: {body}"))
}

async fn header_html(app: &TestApp, c: &Client) -> String {
    let r = c.get(app.url("/admin")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.text().await.unwrap()
}

async fn create(app: &TestApp, name: &str) -> String {
    let body = json!({
        "name": name,
        "type": "cash_session",
        "frequency": "daily",
        "time_of_day": "07:00",
        "recipients": ["compta@ressourcerie.test"],
        "format": "csv",
        "filters_json": {"period": "yesterday"}
    });
    let r = app
        .post_json(&app.client, "/v1/admin/scheduled-reports", body)
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A send now, a minute after the previous one (one run per report and instant).
async fn send_now(app: &TestApp, id: &str) {
    app.clock.advance(chrono::Duration::minutes(1));
    let r = app
        .post_json(
            &app.client,
            &format!("/v1/admin/scheduled-reports/{id}/run"),
            json!({}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::ACCEPTED,
        "{}",
        r.text().await.unwrap()
    );
    drain(app).await;
}

async fn put(app: &TestApp, id: &str, body: Value) -> Value {
    let r = app
        .client
        .put(app.url(&format!("/v1/admin/scheduled-reports/{id}")))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

async fn the_badge_counts_failed_and_paused_reports_for_admins_only(db: Db) {
    // Two permanent refusals, then the messages are accepted.
    let smtp = SmtpServer::start_with_faults(&["550", "550"]).await;
    let url = smtp.url();
    let app = spawn_app_configured(db, move |s| {
        s.smtp_url = Some(url);
        s.mail_interval = std::time::Duration::ZERO;
        s.scheduler_interval = std::time::Duration::ZERO;
        s.report_max_failures = 2;
    })
    .await;

    app.login_admin().await;
    // The function checks the session and the permission itself.
    let (status, body) = attention(&app, &app.other_client()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (cashier, _) = app.user_client("lea", &["caisse.access"]).await;
    let (status, body) = attention(&app, &cashier).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "a French message: {body}"
    );

    let failing = create(&app, "Caisse en échec").await;
    let healthy = create(&app, "Caisse sans souci").await;
    assert_eq!(count(&app).await, 0);
    assert!(
        !header_html(&app, &app.client)
            .await
            .contains("header-attention"),
        "no badge at zero"
    );

    // A refused run: its report needs attention, the admin's header says so.
    send_now(&app, &failing).await;
    assert_eq!(count(&app).await, 1);
    let html = header_html(&app, &app.client).await;
    assert!(
        html.contains(r#"data-testid="header-attention""#),
        "the badge is in the server's render"
    );
    assert!(
        html.contains(r#"href="/admin/scheduled-reports""#)
            && html.contains("1 rapport programmé en échec ou en pause")
    );
    assert!(
        !header_html(&app, &cashier)
            .await
            .contains("header-attention"),
        "not shown to a cashier"
    );

    // The second failure in a row pauses it: still one report to look at.
    send_now(&app, &failing).await;
    let list = app
        .get_json(&app.client, "/v1/admin/scheduled-reports")
        .await;
    let paused = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == failing.as_str())
        .unwrap()
        .clone();
    assert!(paused["paused_reason"].is_string(), "{paused}");
    assert_eq!(count(&app).await, 1);
    // A report disabled by an admin is not a problem to signal.
    put(&app, &healthy, json!({"enabled": false})).await;
    assert_eq!(count(&app).await, 1);

    // Enabled again, its last run still failed until one succeeds.
    put(&app, &failing, json!({"enabled": true})).await;
    assert_eq!(count(&app).await, 1);
    send_now(&app, &failing).await;
    assert_eq!(smtp.attempts().len(), 3);
    assert_eq!(count(&app).await, 0);
    assert!(!header_html(&app, &app.client)
        .await
        .contains("header-attention"));
}
