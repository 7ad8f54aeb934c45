//! Durable mail deliveries (rows claimed by one worker, retried with backoff, never sent
//! twice) and the close report of a cash session, against a real SMTP server with
//! scripted faults. Steps are called directly with the manual clock; the background
//! mail worker is left out (zero interval) so that it does not race the test.
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::Duration;
use mail_parser::{MessageParser, MimeHeaders};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use server::clock::Clock;
use server::storage::mail::NewDelivery;
use server::worker::StepOutcome;
use uuid::Uuid;

use crate::both_backends;
use crate::helpers::*;
use crate::smtp::SmtpServer;

both_backends!(
    a_delivery_is_sent_once_and_listed_with_its_attempt,
    transient_failures_are_retried_with_backoff_then_given_up,
    a_transient_failure_then_success,
    permanent_failures_are_not_retried,
    a_delivery_interrupted_in_its_smtp_phase_is_never_sent_again,
    two_instances_send_each_delivery_exactly_once,
    at_most_report_concurrency_deliveries_are_sent_at_once_and_requests_go_on,
    the_close_report_reaches_its_recipients_with_the_session_report,
    with_smtp_down_the_close_succeeds_and_the_report_fails_visibly,
    no_recipients_no_close_report,
);

pub async fn app_with_smtp(db: Db, smtp_url: String, recipients: &[&str]) -> TestApp {
    let recipients: Vec<String> = recipients.iter().map(|s| s.to_string()).collect();
    spawn_app_configured(db, move |s| {
        s.smtp_url = Some(smtp_url);
        s.cash_close_report_recipients = recipients;
        s.mail_interval = std::time::Duration::ZERO;
        s.scheduler_interval = std::time::Duration::ZERO;
        // The tests move the clock by days: logins stay valid.
        s.session_ttl = std::time::Duration::from_secs(30 * 86400);
    })
    .await
}

pub fn notice(app: &TestApp, subject: &str) -> NewDelivery {
    NewDelivery {
        id: app::ids::DeliveryId(Uuid::new_v4()),
        kind: "notification",
        source_id: None,
        recipients: vec!["compta@ressourcerie.test".into()],
        subject: subject.into(),
        body: "Bonjour.".into(),
        render_json: None,
        now: app.clock.now(),
    }
}

/// Steps the mail worker until it finds nothing due.
pub async fn drain(app: &TestApp) -> usize {
    let mut n = 0;
    while server::mail::delivery::deliver_due(&app.state).await.unwrap() == StepOutcome::Worked {
        n += 1;
        assert!(n < 1000, "the mail worker never runs out of work");
    }
    n
}

async fn deliveries(app: &TestApp) -> Vec<Value> {
    app.login_admin().await;
    app.get_json(&app.client, "/v1/admin/mail/deliveries").await.as_array().unwrap().clone()
}

fn attempt_statuses(d: &Value) -> Vec<String> {
    d["attempt_log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_str().unwrap().to_string())
        .collect()
}

async fn a_delivery_is_sent_once_and_listed_with_its_attempt(db: Db) {
    let smtp = SmtpServer::start_with_faults(&[]).await;
    let app = app_with_smtp(db, smtp.url(), &[]).await;
    let d = notice(&app, "Rapport du jour");
    server::mail::delivery::enqueue(&app.state, &d).await.unwrap();
    assert_eq!(drain(&app).await, 1);
    assert_eq!(drain(&app).await, 0, "a sent delivery is not sent again");
    let raw = smtp.wait_for_messages(1).await.remove(0);
    let m = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(m.subject(), Some("Rapport du jour"));
    assert_eq!(smtp.attempts(), ["ok"]);

    let list = deliveries(&app).await;
    assert_eq!(list.len(), 1);
    assert_eq!((list[0]["status"].as_str(), list[0]["attempts"].as_i64()), (Some("sent"), Some(1)));
    assert_eq!(list[0]["recipients"], json!(["compta@ressourcerie.test"]));
    assert_eq!(attempt_statuses(&list[0]), ["sent"]);
    assert!(list[0]["sent_at"].is_string());
    // Admin only.
    let (cashier, _) = app.user_client("lea", &["caisse.access"]).await;
    assert_eq!(
        cashier.get(app.url("/v1/admin/mail/deliveries")).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.other_client().get(app.url("/v1/admin/mail/deliveries")).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn transient_failures_are_retried_with_backoff_then_given_up(db: Db) {
    let smtp = SmtpServer::start_with_faults(&["421", "451", "drop", "421"]).await;
    let app = app_with_smtp(db, smtp.url(), &[]).await;
    let d = notice(&app, "Toujours en échec");
    server::mail::delivery::enqueue(&app.state, &d).await.unwrap();
    assert_eq!(drain(&app).await, 1);
    // Backoff: 1, 2, then 4 minutes; nothing is tried before its time.
    for (wait_minutes, expected_attempts) in [(1, 2), (2, 3), (4, 4)] {
        app.clock.advance(Duration::minutes(wait_minutes) - Duration::seconds(1));
        assert_eq!(drain(&app).await, 0, "retried before its backoff ({wait_minutes} min)");
        app.clock.advance(Duration::seconds(1));
        assert_eq!(drain(&app).await, 1);
        assert_eq!(smtp.attempts().len(), expected_attempts);
    }
    app.clock.advance(Duration::hours(1));
    assert_eq!(drain(&app).await, 0, "three retries, then it is given up");
    assert_eq!(smtp.attempts(), ["421", "451", "drop", "421"]);
    assert_eq!(smtp.received(), 0);
    let d = app.state.store.delivery(d.id).await.unwrap().unwrap();
    assert_eq!((d.status.as_str(), d.attempts), ("failed", 4));
    let statuses: Vec<&str> = d.attempt_log.iter().map(|a| a.status.as_str()).collect();
    assert_eq!(statuses, ["retrying", "retrying", "retrying", "failed"]);
    assert!(
        d.attempt_log[0].error.as_deref().unwrap().contains("Échec temporaire SMTP"),
        "{:?}",
        d.attempt_log[0].error
    );
    assert!(d.attempt_log[0].error.as_deref().unwrap().contains("421"), "{:?}", d.attempt_log[0].error);
    assert!(d.last_error.unwrap().contains("421"));
}

async fn a_transient_failure_then_success(db: Db) {
    let smtp = SmtpServer::start_with_faults(&["451"]).await;
    let app = app_with_smtp(db, smtp.url(), &[]).await;
    let d = notice(&app, "Deuxième essai");
    server::mail::delivery::enqueue(&app.state, &d).await.unwrap();
    drain(&app).await;
    let listed = app.state.store.delivery(d.id).await.unwrap().unwrap();
    assert_eq!(listed.status, "retrying");
    assert_eq!(listed.next_attempt_at, Some(app.clock.now() + Duration::minutes(1)));
    app.clock.advance(Duration::minutes(1));
    drain(&app).await;
    assert_eq!(smtp.wait_for_messages(1).await.len(), 1);
    let d = app.state.store.delivery(d.id).await.unwrap().unwrap();
    assert_eq!((d.status.as_str(), d.attempts), ("sent", 2));
    assert_eq!(d.attempt_log.iter().map(|a| a.status.as_str()).collect::<Vec<_>>(), ["retrying", "sent"]);
}

async fn permanent_failures_are_not_retried(db: Db) {
    let smtp = SmtpServer::start_with_faults(&["550"]).await;
    let app = app_with_smtp(db, smtp.url(), &[]).await;
    let refused = notice(&app, "Refusé");
    server::mail::delivery::enqueue(&app.state, &refused).await.unwrap();
    let mut bad_address = notice(&app, "Mauvaise adresse");
    bad_address.recipients = vec!["pas-une-adresse".into()];
    server::mail::delivery::enqueue(&app.state, &bad_address).await.unwrap();
    assert_eq!(drain(&app).await, 2);
    app.clock.advance(Duration::hours(2));
    assert_eq!(drain(&app).await, 0);
    assert_eq!(smtp.attempts(), ["550"], "the bad address never reaches the server, the 550 is not retried");
    let d = app.state.store.delivery(refused.id).await.unwrap().unwrap();
    assert_eq!((d.status.as_str(), d.attempts), ("failed", 1));
    assert!(d.last_error.unwrap().contains("Refus définitif"));
    let d = app.state.store.delivery(bad_address.id).await.unwrap().unwrap();
    assert_eq!((d.status.as_str(), d.attempts), ("failed", 1));
    assert!(d.last_error.unwrap().contains("Adresse e-mail invalide"));
}

/// A server killed during the SMTP exchange leaves its delivery `sending`; the one that
/// finds it after the lease ends it as interrupted and does not send it. A server
/// killed before that phase (while rendering) leaves it `claimed`: that one is sent.
async fn a_delivery_interrupted_in_its_smtp_phase_is_never_sent_again(db: Db) {
    let smtp = SmtpServer::start_with_faults(&[]).await;
    let app = app_with_smtp(db, smtp.url(), &[]).await;
    let store = &app.state.store;
    let lease = server::mail::delivery::lease(&app.state);
    let in_smtp = notice(&app, "Coupé pendant l'envoi");
    store.insert_delivery(&in_smtp).await.unwrap();
    // The killed server's claim and SMTP mark, then nothing.
    let now = app.clock.now();
    let claimed = store.claim_delivery(now, now + lease).await.unwrap().unwrap();
    assert_eq!(claimed.id, in_smtp.id);
    assert!(store.begin_smtp(claimed.id, 1, now, now + lease).await.unwrap());
    let in_render = notice(&app, "Coupé pendant le rendu");
    store.insert_delivery(&in_render).await.unwrap();
    assert_eq!(store.claim_delivery(now, now + lease).await.unwrap().unwrap().id, in_render.id);

    // While the leases hold, nobody touches either.
    assert_eq!(drain(&app).await, 0);
    app.clock.advance(lease + Duration::seconds(1));
    assert_eq!(drain(&app).await, 1, "the delivery claimed before its SMTP phase is sent");
    assert_eq!(drain(&app).await, 0);
    let raw = smtp.wait_for_messages(1).await;
    assert_eq!(MessageParser::default().parse(&raw[0]).unwrap().subject(), Some("Coupé pendant le rendu"));
    assert_eq!(smtp.received(), 1, "the interrupted one is not sent");
    let d = store.delivery(in_smtp.id).await.unwrap().unwrap();
    assert_eq!(d.status, "interrupted");
    assert_eq!(d.attempt_log.len(), 1);
    assert_eq!(d.attempt_log[0].status, "interrupted");
    assert!(
        d.attempt_log[0].error.as_deref().unwrap().contains("pas renvoyé"),
        "{:?}",
        d.attempt_log[0].error
    );
    app.clock.advance(Duration::days(1));
    assert_eq!(drain(&app).await, 0);
    assert_eq!(smtp.received(), 1);
    let list = deliveries(&app).await;
    let shown = list.iter().find(|d| d["id"] == in_smtp.id.to_string()).unwrap();
    assert_eq!(shown["status"], "interrupted");
}

async fn two_instances_send_each_delivery_exactly_once(db: Db) {
    let smtp = SmtpServer::start_with_faults(&[]).await;
    let one = app_with_smtp(db, smtp.url(), &[]).await;
    let url = smtp.url();
    let two = spawn_app_on_configured(one.db_url.clone(), move |s| {
        s.smtp_url = Some(url);
        s.mail_interval = std::time::Duration::ZERO;
    })
    .await;
    two.clock.set(one.clock.now());
    const N: usize = 40;
    for i in 0..N {
        server::mail::delivery::enqueue(&one.state, &notice(&one, &format!("Message {i:02}")))
            .await
            .unwrap();
    }
    let (a, b) = tokio::join!(drain(&one), drain(&two));
    assert_eq!(a + b, N, "each delivery claimed once ({a} + {b})");
    let raw = smtp.wait_for_messages(N).await;
    let mut subjects: Vec<String> = raw
        .iter()
        .map(|m| MessageParser::default().parse(m).unwrap().subject().unwrap().to_string())
        .collect();
    subjects.sort();
    subjects.dedup();
    assert_eq!(subjects.len(), N, "no message sent twice");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(smtp.received(), N);
}

/// The background mail worker with `REPORT_CONCURRENCY` 2 and an SMTP server that
/// never answers DATA: two deliveries are in their SMTP exchange, the third waits for a
/// turn (not even claimed), and requests are answered meanwhile. Waits on the wall
/// clock (bounded).
async fn at_most_report_concurrency_deliveries_are_sent_at_once_and_requests_go_on(db: Db) {
    let smtp = SmtpServer::start_with_faults(&["stall*"]).await;
    let url = smtp.url();
    let app = spawn_app_configured(db, move |s| {
        s.smtp_url = Some(url);
        s.mail_interval = std::time::Duration::from_millis(50);
        s.scheduler_interval = std::time::Duration::ZERO;
        s.report_concurrency = 2;
    })
    .await;
    for i in 0..3 {
        server::mail::delivery::enqueue(&app.state, &notice(&app, &format!("Bloqué {i}"))).await.unwrap();
    }
    let both = tokio::time::timeout(std::time::Duration::from_secs(15), async {
        while smtp.attempts().len() < 2 {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(both.is_ok(), "two deliveries reach DATA: {:?}", smtp.attempts());
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert_eq!(smtp.attempts(), vec!["stall", "stall"], "a third one would exceed the limit");
    let mut statuses: Vec<String> = app.state.store.list_deliveries(10).await.unwrap().into_iter().map(|d| d.status).collect();
    statuses.sort();
    assert_eq!(statuses, vec!["pending", "sending", "sending"]);
    let t = std::time::Instant::now();
    let r = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(t.elapsed() < std::time::Duration::from_secs(1), "the server answers while deliveries stall: {:?}", t.elapsed());
    assert_eq!(smtp.received(), 0);
}

// --- The close report (issue 10) ---

async fn register(app: &TestApp, site: &str, name: &str) -> String {
    let sites = app.get_json(&app.client, "/v1/admin/sites").await;
    let site_id = match sites.as_array().unwrap().iter().find(|s| s["name"] == site) {
        Some(s) => s["id"].as_str().unwrap().to_string(),
        None => app
            .post_json(&app.client, "/v1/admin/sites", json!({"name": site}))
            .await
            .json::<Value>()
            .await
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string(),
    };
    let r = app
        .post_json(&app.client, "/v1/admin/registers", json!({"name": name, "site_id": site_id}))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string()
}

/// Opens a session on `register` for `c` and records two sales: 2 × 12,50 € (cash
/// 20 €, card 5 €) with a 1 € donation, and 1 × 8 € by cheque.
async fn session_with_sales(app: &TestApp, c: &Client, register: &str, cat: &str) -> String {
    let r = app
        .post_json(c, "/v1/cash-sessions/open", json!({"register_id": register, "opening_float_cents": 5000}))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let session = r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
    let sales = [
        json!({"items": [{"category_id": cat, "quantity": 2, "unit_price_cents": 1250}], "payments": [{"method": "cash", "amount_cents": 2100}, {"method": "card", "amount_cents": 500}], "donation_cents": 100}),
        json!({"items": [{"category_id": cat, "quantity": 1, "unit_price_cents": 800}], "payments": [{"method": "check", "amount_cents": 800}]}),
    ];
    for sale in sales {
        let r = app.post_json(c, &format!("/v1/cash-sessions/{session}/sales"), sale).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    }
    session
}

async fn the_close_report_reaches_its_recipients_with_the_session_report(db: Db) {
    let smtp = SmtpServer::start_with_faults(&[]).await;
    let app = app_with_smtp(db, smtp.url(), &["compta@ressourcerie.test", "direction@ressourcerie.test"]).await;
    app.login_admin().await;
    let reg = register(&app, "Boutique Été", "Caisse n°1").await;
    let other_reg = register(&app, "Boutique Été", "Caisse 2").await;
    let cat = app.category_id("Mobilier").await;
    let (lea, _) = app.user_client("lea", &["caisse.access"]).await;
    let (max, _) = app.user_client("max", &["caisse.access"]).await;
    let session = session_with_sales(&app, &lea, &reg, &cat).await;
    // Another session, still open: not in this report.
    session_with_sales(&app, &max, &other_reg, &cat).await;
    app.clock.advance(Duration::minutes(40));
    let r = app
        .post_json(
            &lea,
            &format!("/v1/cash-sessions/{session}/close"),
            json!({"counted_cash_cents": 7090, "counted_card_cents": 500, "comment": "Pièce de 10 cts perdue"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let close: Value = r.json().await.unwrap();
    assert_eq!(close["cash_variance_cents"], -10);

    // Recorded with the close, sent by the worker.
    let recorded = app.state.store.deliveries_of(Uuid::parse_str(&session).unwrap()).await.unwrap();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].status, "pending");
    assert_eq!(drain(&app).await, 1);
    let raw = smtp.wait_for_messages(1).await.remove(0);
    let m = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(m.subject(), Some("Clôture de caisse : Caisse n°1 (Boutique Été), 15/03/2026"));
    let to: Vec<_> = m.to().unwrap().iter().filter_map(|a| a.address()).collect();
    assert_eq!(to, ["compta@ressourcerie.test", "direction@ressourcerie.test"]);
    let body = m.body_text(0).unwrap();
    for expected in [
        "Bénévole lea",
        "Fond de caisse : 50,00 €",
        "Ventes : 2, articles : 3, total des ventes : 33,00 €, dons : 1,00 €",
        "Espèces (fond de caisse compris) : attendu 71,00 €, compté 70,90 €, écart -0,10 €",
        "Carte : attendu 5,00 €, compté 5,00 €, écart 0,00 €",
        "Chèques : attendu 8,00 €, non compté",
        "Commentaire : Pièce de 10 cts perdue",
        "Fichier joint : cloture-caisse-caisse-n-1-2026-03-15.xlsx",
    ] {
        assert!(body.contains(expected), "{expected:?} not in the mail:\n{body}");
    }
    let att = m.attachments().next().expect("the report is attached");
    assert_eq!(att.attachment_name(), Some("cloture-caisse-caisse-n-1-2026-03-15.xlsx"));
    let mut book = Xlsx::new(Cursor::new(att.contents().to_vec())).unwrap();
    assert_eq!(book.sheet_names(), ["Résumé", "Détails", "Détails Tickets"]);
    let details = book.worksheet_range("Détails").unwrap();
    assert_eq!(
        details.rows().nth(2).unwrap()[0],
        Data::String(format!("Filtres : Opérateur : Bénévole lea ; Session : {session}")),
        "scoped to the operator who closed it, and that session"
    );
    // Three caption lines, a blank one, the header, then the rows.
    let rows: Vec<_> = details.rows().skip(5).collect();
    assert_eq!(rows.len(), 1, "only the closed session");
    let last = rows[0].len() - 1;
    assert_eq!(rows[0][last], Data::String(session.clone()));
    let items = book.worksheet_range("Détails Tickets").unwrap();
    let items: Vec<_> = items.rows().skip(5).collect();
    assert_eq!(items.len(), 2, "one row per sale item");
    assert!(items.iter().all(|r| r[2] == Data::String(session.clone())));
    let d = &app.state.store.deliveries_of(Uuid::parse_str(&session).unwrap()).await.unwrap()[0];
    assert_eq!(
        (d.status.as_str(), d.attachment_name.as_deref()),
        ("sent", Some("cloture-caisse-caisse-n-1-2026-03-15.xlsx"))
    );
}

async fn with_smtp_down_the_close_succeeds_and_the_report_fails_visibly(db: Db) {
    // A port nobody listens on: connections are refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let app = app_with_smtp(db, format!("smtp://127.0.0.1:{port}"), &["compta@ressourcerie.test"]).await;
    app.login_admin().await;
    let reg = register(&app, "Boutique", "Caisse 1").await;
    let cat = app.category_id("Mobilier").await;
    let session = session_with_sales(&app, &app.client, &reg, &cat).await;
    let r = app
        .post_json(&app.client, &format!("/v1/cash-sessions/{session}/close"), json!({"counted_cash_cents": 7100}))
        .await;
    assert_eq!(r.status(), StatusCode::OK, "the close does not wait for the mail");
    assert_eq!(r.json::<Value>().await.unwrap()["cash_variance_cents"], 0);
    for _ in 0..4 {
        drain(&app).await;
        app.clock.advance(Duration::minutes(10));
    }
    assert_eq!(drain(&app).await, 0);
    let list = deliveries(&app).await;
    assert_eq!(list.len(), 1);
    let d = &list[0];
    assert_eq!(
        (d["status"].as_str(), d["attempts"].as_i64(), d["kind"].as_str()),
        (Some("failed"), Some(4), Some("cash_close_report"))
    );
    assert_eq!(attempt_statuses(d), ["retrying", "retrying", "retrying", "failed"]);
    assert!(d["last_error"].as_str().unwrap().contains("Échec temporaire SMTP"), "{d}");
    assert!(d["attachment_name"].as_str().unwrap().ends_with(".xlsx"), "rendered once, kept for the retries");
    // The session is closed all the same.
    let s = app.get_json(&app.client, &format!("/v1/cash-sessions/{session}")).await;
    assert_eq!(s["status"], "closed", "{s}");
}

async fn no_recipients_no_close_report(db: Db) {
    let smtp = SmtpServer::start_with_faults(&[]).await;
    let app = app_with_smtp(db, smtp.url(), &[]).await;
    app.login_admin().await;
    let reg = register(&app, "Boutique", "Caisse 1").await;
    let cat = app.category_id("Mobilier").await;
    let session = session_with_sales(&app, &app.client, &reg, &cat).await;
    let r = app
        .post_json(&app.client, &format!("/v1/cash-sessions/{session}/close"), json!({"counted_cash_cents": 7100}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(app.state.store.deliveries_of(Uuid::parse_str(&session).unwrap()).await.unwrap().is_empty());
    assert_eq!(drain(&app).await, 0);
}
