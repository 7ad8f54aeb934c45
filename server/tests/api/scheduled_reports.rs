//! Scheduled e-mail reports (issue 11): the admin routes, the scheduler's step with the
//! manual clock (no sleeping), delivery to a real SMTP server with scripted faults, and
//! two instances on one database.
use std::io::Cursor;

use calamine::{Reader, Xlsx};
use chrono::{Duration, TimeZone, Utc};
use mail_parser::{MessageParser, MimeHeaders};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use server::clock::Clock;
use server::worker::StepOutcome;

use crate::both_backends;
use crate::deliveries::{app_with_smtp, drain};
use crate::helpers::*;
use crate::smtp::SmtpServer;

both_backends!(
    routes_check_every_field_and_the_permission,
    a_due_run_is_sent_once_with_the_report_of_its_period,
    a_report_without_rows_still_says_so,
    missed_runs_are_caught_up_once_within_the_grace_window_else_logged,
    failures_are_retried_logged_notified_once_and_pause_the_report,
    edits_disabling_and_deleting_take_effect_at_once,
    send_now_and_retry_from_the_log,
    a_file_over_the_size_limit_is_zipped_or_the_run_fails_with_the_reason,
    two_instances_deliver_each_due_report_exactly_once,
    the_application_runs_the_scheduler_and_the_mail_worker_in_the_background,
    a_run_whose_server_died_during_smtp_ends_logged_and_is_not_sent_twice,
    a_server_killed_during_a_delivery_and_restarted_sends_it_at_most_once,
    the_admin_page_lists_the_reports,
    a_long_outage_of_a_frequent_schedule_is_logged_in_bounded_rows,
    a_daily_0230_run_is_claimed_once_on_each_daylight_saving_night,
    the_same_filters_give_the_same_rows_in_the_mail_the_list_and_the_export,
);

/// Monday 16 March 2026, 07:00 in Paris (CET).
fn monday_7am() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 16, 6, 0, 0).unwrap()
}

fn weekly_cash() -> Value {
    json!({
        "name": "Caisse quotidienne",
        "type": "cash_session",
        "frequency": "daily",
        "time_of_day": "07:00",
        "recipients": ["compta@ressourcerie.test", "direction@ressourcerie.test"],
        "format": "excel",
        "filters_json": {"period": "yesterday", "status": "closed"}
    })
}

async fn create(app: &TestApp, body: Value) -> Value {
    let r = app.post_json(&app.client, "/v1/admin/scheduled-reports", body).await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

async fn logs(app: &TestApp, id: &str) -> Vec<Value> {
    app.get_json(&app.client, &format!("/v1/admin/scheduled-reports/{id}/logs"))
        .await
        .as_array()
        .unwrap()
        .clone()
}

async fn report(app: &TestApp, id: &str) -> Value {
    let list = app.get_json(&app.client, "/v1/admin/scheduled-reports").await;
    list.as_array().unwrap().iter().find(|r| r["id"] == id).cloned().unwrap_or(Value::Null)
}

async fn schedule_step(app: &TestApp) -> StepOutcome {
    server::scheduled::run_due(&app.state).await.unwrap()
}

/// A closed till session today (15 March) with one sale of 2 × 12,50 € in cash.
async fn closed_session_today(app: &TestApp) -> String {
    let sites = app
        .post_json(&app.client, "/v1/admin/sites", json!({"name": "Boutique"}))
        .await
        .json::<Value>()
        .await
        .unwrap();
    let reg = app
        .post_json(&app.client, "/v1/admin/registers", json!({"name": "Caisse 1", "site_id": sites["id"]}))
        .await
        .json::<Value>()
        .await
        .unwrap();
    let cat = app.category_id("Mobilier").await;
    let s = app
        .post_json(
            &app.client,
            "/v1/cash-sessions/open",
            json!({"register_id": reg["id"], "opening_float_cents": 0}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    let id = s["id"].as_str().unwrap().to_string();
    let sale = json!({"items": [{"category_id": cat, "quantity": 2, "unit_price_cents": 1250}], "payments": [{"method": "cash", "amount_cents": 2500}]});
    assert_eq!(
        app.post_json(&app.client, &format!("/v1/cash-sessions/{id}/sales"), sale).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        app.post_json(&app.client, &format!("/v1/cash-sessions/{id}/close"), json!({"counted_cash_cents": 2500}))
            .await
            .status(),
        StatusCode::OK
    );
    id
}

async fn routes_check_every_field_and_the_permission(db: Db) {
    let app = app_with_smtp(db, "smtp://127.0.0.1:9".into(), &[]).await;
    app.login_admin().await;
    let created = create(&app, weekly_cash()).await;
    assert_eq!(created["description"], "tous les jours à 07:00");
    assert_eq!(created["timezone"], "Europe/Paris");
    assert_eq!(created["enabled"], true);
    assert_eq!(created["owner_name"], "Administrateur");
    assert_eq!(created["next_run"], json!(monday_7am()), "the next 07:00 in Paris");
    assert_eq!(created["filters_json"], json!({"period": "yesterday", "status": "closed"}));
    let id = created["id"].as_str().unwrap().to_string();

    // Each bad field is a 422 naming it.
    let bad = |patch: Value| {
        let mut body = weekly_cash();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    for (patch, field) in [
        (json!({"name": " "}), "name"),
        (json!({"type": "stock"}), "type"),
        (json!({"frequency": "hourly"}), "frequency"),
        (json!({"time_of_day": "7h"}), "time_of_day"),
        (json!({"frequency": "weekly", "weekday": 9}), "weekday"),
        (json!({"frequency": "monthly", "day_of_month": 32}), "day_of_month"),
        (json!({"frequency": "custom", "cron_expression": "0 7 * * lundi"}), "cron_expression"),
        (json!({"timezone": "Europe/Lutece"}), "timezone"),
        (json!({"recipients": []}), "recipients"),
        (json!({"recipients": ["compta@ressourcerie.test", "COMPTA@ressourcerie.test"]}), "recipients"),
        (json!({"recipients": ["compta"]}), "recipients"),
        (json!({"format": "pdf"}), "format"),
        (json!({"filters_json": {"period": "la_semaine_derniere"}}), "filters_json"),
        (json!({"filters_json": {"couleur": "rouge"}}), "filters_json"),
        (json!({"type": "reception_ticket", "filters_json": {}}), "filters_json"),
    ] {
        let r = app.post_json(&app.client, "/v1/admin/scheduled-reports", bad(patch.clone())).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{patch}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["field"], field, "{patch}: {body}");
        assert!(body["detail"].as_str().unwrap().len() > 10);
    }
    assert_eq!(
        app.get_json(&app.client, "/v1/admin/scheduled-reports").await.as_array().unwrap().len(),
        1,
        "nothing written by refused requests"
    );

    // PUT changes what it is given; the schedule takes effect at once.
    let r = app
        .client
        .put(app.url(&format!("/v1/admin/scheduled-reports/{id}")))
        .json(&json!({"frequency": "custom", "cron_expression": "30 8 * * 1-5"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let updated: Value = r.json().await.unwrap();
    assert_eq!(updated["description"], "du lundi au vendredi à 08:30");
    assert_eq!(updated["next_run"], json!(monday_7am() + Duration::minutes(90)));
    assert_eq!(updated["name"], "Caisse quotidienne");
    let r = app
        .client
        .put(app.url(&format!("/v1/admin/scheduled-reports/{id}")))
        .json(&json!({"recipients": ["pas une adresse"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "recipients");

    // Admin only, every route.
    let (cashier, _) = app.user_client("lea", &["caisse.access", "reception.access"]).await;
    let anon = app.other_client();
    let log = uuid::Uuid::new_v4();
    for (method, path) in [
        ("GET", "/v1/admin/scheduled-reports".to_string()),
        ("POST", "/v1/admin/scheduled-reports".to_string()),
        ("PUT", format!("/v1/admin/scheduled-reports/{id}")),
        ("DELETE", format!("/v1/admin/scheduled-reports/{id}")),
        ("GET", format!("/v1/admin/scheduled-reports/{id}/logs")),
        ("POST", format!("/v1/admin/scheduled-reports/{id}/run")),
        ("POST", format!("/v1/admin/scheduled-reports/{id}/logs/{log}/retry")),
    ] {
        let send = |c: &Client| {
            let url = app.url(&path);
            match method {
                "GET" => c.get(url),
                "POST" => c.post(url).json(&weekly_cash()),
                "PUT" => c.put(url).json(&json!({})),
                _ => c.delete(url),
            }
            .send()
        };
        assert_eq!(send(&anon).await.unwrap().status(), StatusCode::UNAUTHORIZED, "{method} {path}");
        assert_eq!(send(&cashier).await.unwrap().status(), StatusCode::FORBIDDEN, "{method} {path}");
    }
    assert_eq!(report(&app, &id).await["name"], "Caisse quotidienne", "untouched by the refused requests");

    let r = app.client.delete(app.url(&format!("/v1/admin/scheduled-reports/{id}"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(app.get_json(&app.client, "/v1/admin/scheduled-reports").await.as_array().unwrap().is_empty());
    assert_detail(
        app.client.delete(app.url(&format!("/v1/admin/scheduled-reports/{id}"))).send().await.unwrap(),
        StatusCode::NOT_FOUND,
        "introuvable",
    )
    .await;
    assert_detail(
        app.client.get(app.url(&format!("/v1/admin/scheduled-reports/{id}/logs"))).send().await.unwrap(),
        StatusCode::NOT_FOUND,
        "introuvable",
    )
    .await;
}

async fn a_due_run_is_sent_once_with_the_report_of_its_period(db: Db) {
    let smtp = SmtpServer::start_with_faults(&[]).await;
    let app = app_with_smtp(db, smtp.url(), &[]).await;
    app.login_admin().await;
    let session = closed_session_today(&app).await;
    let id = create(&app, weekly_cash()).await["id"].as_str().unwrap().to_string();
    assert_eq!(schedule_step(&app).await, StepOutcome::Idle, "not due yet");
    app.clock.set(monday_7am() - Duration::seconds(1));
    assert_eq!(schedule_step(&app).await, StepOutcome::Idle);
    app.clock.set(monday_7am() + Duration::seconds(1));
    assert_eq!(schedule_step(&app).await, StepOutcome::Worked);
    assert_eq!(schedule_step(&app).await, StepOutcome::Idle, "claimed once");
    assert_eq!(drain(&app).await, 1);
    assert_eq!(drain(&app).await, 0);

    let raw = smtp.wait_for_messages(1).await.remove(0);
    let m = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(m.subject(), Some("Rapport programmé : Caisse quotidienne (du 15/03/2026 au 15/03/2026)"));
    let to: Vec<_> = m.to().unwrap().iter().filter_map(|a| a.address()).collect();
    assert_eq!(to, ["compta@ressourcerie.test", "direction@ressourcerie.test"]);
    let body = m.body_text(0).unwrap();
    for expected in [
        "« Caisse quotidienne » (Sessions de caisse)",
        "Période : du 15/03/2026 au 15/03/2026",
        "Filtres : Statut : Fermée",
        "tous les jours à 07:00",
        "Lignes de données :",
    ] {
        assert!(body.contains(expected), "{expected:?} not in:\n{body}");
    }
    let att = m.attachments().next().unwrap();
    assert_eq!(att.attachment_name(), Some("rapport-caisse-quotidienne-2026-03-15_2026-03-15.xlsx"));
    let mut book = Xlsx::new(Cursor::new(att.contents().to_vec())).unwrap();
    let details = book.worksheet_range("Détails").unwrap();
    // Three caption lines, a blank one, the header, then the rows.
    let rows: Vec<_> = details.rows().skip(5).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][rows[0].len() - 1], calamine::Data::String(session));

    let log = logs(&app, &id).await;
    assert_eq!(log.len(), 1);
    assert_eq!((log[0]["status"].as_str(), log[0]["attempt"].as_i64()), (Some("success"), Some(1)));
    assert_eq!(log[0]["scheduled_for"], json!(monday_7am()));
    assert!(log[0]["rows"].as_i64().unwrap() >= 3, "{}", log[0]);
    assert_eq!(log[0]["bytes"].as_i64().unwrap() as usize, att.contents().len());
    assert_eq!(log[0]["recipients"], json!(["compta@ressourcerie.test", "direction@ressourcerie.test"]));
    assert!(log[0]["duration_ms"].is_i64());
    let r = report(&app, &id).await;
    assert_eq!((r["last_status"].as_str(), r["last_run"].clone()), (Some("success"), json!(monday_7am())));
    assert_eq!(r["next_run"], json!(monday_7am() + Duration::days(1)));
}

async fn a_report_without_rows_still_says_so(db: Db) {
    let smtp = SmtpServer::start_with_faults(&[]).await;
    let app = app_with_smtp(db, smtp.url(), &[]).await;
    app.login_admin().await;
    let mut body = weekly_cash();
    body["name"] = json!("Réception d'hier");
    body["type"] = json!("reception_ticket");
    body["format"] = json!("csv");
    body["filters_json"] = json!({"period": "yesterday"});
    create(&app, body).await;
    app.clock.set(monday_7am());
    schedule_step(&app).await;
    drain(&app).await;
    let raw = smtp.wait_for_messages(1).await.remove(0);
    let m = MessageParser::default().parse(&raw).unwrap();
    assert!(m.body_text(0).unwrap().contains("Aucune donnée sur la période"), "{}", m.body_text(0).unwrap());
    let att = m.attachments().next().unwrap();
    assert_eq!(att.attachment_name(), Some("rapport-reception-d-hier-2026-03-15_2026-03-15.csv"));
    let csv = String::from_utf8(att.contents().to_vec()).unwrap();
    assert_eq!(csv.lines().count(), 1, "the header row only: {csv}");
}

async fn missed_runs_are_caught_up_once_within_the_grace_window_else_logged(db: Db) {
    let smtp = SmtpServer::start_with_faults(&[]).await;
    let app = app_with_smtp(db, smtp.url(), &[]).await;
    app.login_admin().await;
    let a = create(&app, weekly_cash()).await["id"].as_str().unwrap().to_string();
    let mut late = weekly_cash();
    late["name"] = json!("Rapport de 00:30");
    late["time_of_day"] = json!("00:30");
    let b = create(&app, late).await["id"].as_str().unwrap().to_string();
    // The server was down from Sunday to Wednesday 09:00 (Paris): 07:00 was 2 h ago,
    // 00:30 8 h 30 ago.
    app.clock.set(monday_7am() + Duration::days(2) + Duration::hours(2));
    assert_eq!(schedule_step(&app).await, StepOutcome::Worked);
    assert_eq!(schedule_step(&app).await, StepOutcome::Idle);
    assert_eq!(drain(&app).await, 1, "one catch-up run, for the 07:00 report only");
    let raw = smtp.wait_for_messages(1).await;
    let m = MessageParser::default().parse(&raw[0]).unwrap();
    assert_eq!(
        m.subject(),
        Some("Rapport programmé : Caisse quotidienne (du 17/03/2026 au 17/03/2026)"),
        "the period of the run caught up"
    );

    let log_a = logs(&app, &a).await;
    let statuses: Vec<&str> = log_a.iter().map(|l| l["status"].as_str().unwrap()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == "missed").count(), 2, "Monday and Tuesday: {statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == "success").count(), 1);
    assert!(log_a.iter().any(|l| l["status"] == "missed" && l["scheduled_for"] == json!(monday_7am())));
    assert!(log_a.iter().find(|l| l["status"] == "missed").unwrap()["error"]
        .as_str()
        .unwrap()
        .contains("rattrapage"));
    let log_b = logs(&app, &b).await;
    assert_eq!(log_b.len(), 3, "Monday, Tuesday and Wednesday 00:30, all missed");
    assert!(
        log_b
            .iter()
            .all(|l| l["status"] == "missed" && l["error"].as_str().unwrap().contains("n'est pas rattrapé")),
        "{log_b:?}"
    );
    let rb = report(&app, &b).await;
    assert_eq!(rb["last_status"], "missed");
    assert_eq!(
        rb["next_run"],
        json!(Utc.with_ymd_and_hms(2026, 3, 18, 23, 30, 0).unwrap()),
        "Thursday 00:30 Paris"
    );
    assert_eq!(smtp.received(), 1);
}

async fn failures_are_retried_logged_notified_once_and_pause_the_report(db: Db) {
    // Four failed attempts of the first run, the owner's notice, then a 550.
    let smtp = SmtpServer::start_with_faults(&["421", "451", "drop", "421", "ok", "550"]).await;
    let url = smtp.url();
    let app = spawn_app_configured(db, move |s| {
        s.smtp_url = Some(url);
        s.mail_interval = std::time::Duration::ZERO;
        s.scheduler_interval = std::time::Duration::ZERO;
        s.session_ttl = std::time::Duration::from_secs(30 * 86400);
        s.report_max_failures = 2;
    })
    .await;
    app.login_admin().await;
    // The owner gives the address of their failure notices.
    let (owner, _) = app.user_client("chef", &["admin"]).await;
    let mut body = weekly_cash();
    body["notify_email"] = json!("chef@ressourcerie.test");
    let r = app.post_json(&owner, "/v1/admin/scheduled-reports", body).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();

    app.clock.set(monday_7am());
    schedule_step(&app).await;
    for _ in 0..4 {
        drain(&app).await;
        app.clock.advance(Duration::minutes(5));
    }
    drain(&app).await;
    let log = logs(&app, &id).await;
    let mut statuses: Vec<(i64, String)> = log
        .iter()
        .map(|l| (l["attempt"].as_i64().unwrap(), l["status"].as_str().unwrap().to_string()))
        .collect();
    statuses.sort();
    assert_eq!(
        statuses,
        [(1, "retrying".into()), (2, "retrying".into()), (3, "retrying".into()), (4, "failed".into())]
    );
    assert!(log.iter().all(|l| l["error"].as_str().unwrap().contains("Échec temporaire SMTP")));
    let r = report(&app, &id).await;
    assert_eq!(
        (r["last_status"].as_str(), r["consecutive_failures"].as_i64(), r["enabled"].as_bool()),
        (Some("failed"), Some(1), Some(true))
    );
    let notice = smtp.wait_for_messages(1).await.remove(0);
    let m = MessageParser::default().parse(&notice).unwrap();
    assert_eq!(m.subject(), Some("Échec du rapport programmé « Caisse quotidienne »"));
    assert_eq!(m.to().unwrap().first().unwrap().address(), Some("chef@ressourcerie.test"));

    // A permanent refusal the same day: not retried, no second notice, and the second
    // failure in a row pauses the report.
    let r = app.post_json(&owner, &format!("/v1/admin/scheduled-reports/{id}/run"), json!({})).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    drain(&app).await;
    app.clock.advance(Duration::hours(1));
    drain(&app).await;
    assert_eq!(smtp.attempts(), ["421", "451", "drop", "421", "ok", "550"]);
    assert_eq!(smtp.received(), 1, "one notice only");
    let r = report(&app, &id).await;
    assert_eq!((r["enabled"].as_bool(), r["consecutive_failures"].as_i64()), (Some(false), Some(2)));
    assert!(r["paused_reason"].as_str().unwrap().contains("Mis en pause après 2 envois échoués"), "{r}");
    assert_eq!(r["next_run"], Value::Null);
    app.clock.advance(Duration::days(2));
    assert_eq!(schedule_step(&app).await, StepOutcome::Idle, "paused: nothing runs");

    // Enabling it again clears the pause and the count.
    let r = app
        .client
        .put(app.url(&format!("/v1/admin/scheduled-reports/{id}")))
        .json(&json!({"enabled": true}))
        .send()
        .await
        .unwrap();
    let r: Value = r.json().await.unwrap();
    assert_eq!(
        (r["enabled"].as_bool(), r["consecutive_failures"].as_i64(), r["paused_reason"].clone()),
        (Some(true), Some(0), Value::Null)
    );
    assert!(r["next_run"].is_string());
}

async fn edits_disabling_and_deleting_take_effect_at_once(db: Db) {
    let smtp = SmtpServer::start_with_faults(&[]).await;
    let app = app_with_smtp(db, smtp.url(), &[]).await;
    app.login_admin().await;
    let id = create(&app, weekly_cash()).await["id"].as_str().unwrap().to_string();
    let put = |body: Value| app.client.put(app.url(&format!("/v1/admin/scheduled-reports/{id}"))).json(&body).send();
    assert_eq!(put(json!({"enabled": false})).await.unwrap().status(), StatusCode::OK);
    app.clock.set(monday_7am() + Duration::minutes(1));
    assert_eq!(schedule_step(&app).await, StepOutcome::Idle, "disabled");
    // Enabled again at 07:01: the next run is tomorrow's, today's 07:00 is past.
    let r: Value = put(json!({"enabled": true})).await.unwrap().json().await.unwrap();
    assert_eq!(r["next_run"], json!(monday_7am() + Duration::days(1)));
    // Moved to 07:30 today: due at 07:30.
    let r: Value = put(json!({"time_of_day": "07:30"})).await.unwrap().json().await.unwrap();
    assert_eq!(r["next_run"], json!(monday_7am() + Duration::minutes(30)));
    app.clock.set(monday_7am() + Duration::minutes(30));
    assert_eq!(schedule_step(&app).await, StepOutcome::Worked);
    // Deleted before its mail left: the mail is cancelled, nothing is sent.
    assert_eq!(
        app.client
            .delete(app.url(&format!("/v1/admin/scheduled-reports/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(drain(&app).await, 0);
    let deliveries = app.get_json(&app.client, "/v1/admin/mail/deliveries").await;
    assert_eq!(deliveries[0]["status"], "failed");
    assert!(deliveries[0]["last_error"].as_str().unwrap().contains("supprimé"));
    assert_eq!(smtp.received(), 0);
}

async fn send_now_and_retry_from_the_log(db: Db) {
    let smtp = SmtpServer::start_with_faults(&["550"]).await;
    let app = app_with_smtp(db, smtp.url(), &[]).await;
    app.login_admin().await;
    closed_session_today(&app).await;
    let mut body = weekly_cash();
    body["filters_json"] = json!({"period": "today"});
    body["enabled"] = json!(false);
    let id = create(&app, body).await["id"].as_str().unwrap().to_string();
    // Send now works on a disabled report (a test send): the 550 fails it at once.
    let r = app.post_json(&app.client, &format!("/v1/admin/scheduled-reports/{id}/run"), json!({})).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let started: Value = r.json().await.unwrap();
    assert!(started["delivery_id"].is_string());
    drain(&app).await;
    let log = logs(&app, &id).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["status"], "failed");
    assert!(log[0]["error"].as_str().unwrap().contains("550"), "{}", log[0]);
    // Retried from the log, later: the period is the one of the failed run (15 March).
    app.clock.advance(Duration::days(1));
    let log_id = log[0]["id"].as_str().unwrap();
    let r = app
        .post_json(&app.client, &format!("/v1/admin/scheduled-reports/{id}/logs/{log_id}/retry"), json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    drain(&app).await;
    let raw = smtp.wait_for_messages(1).await.remove(0);
    let m = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(m.subject(), Some("Rapport programmé : Caisse quotidienne (du 15/03/2026 au 15/03/2026)"));
    let log = logs(&app, &id).await;
    assert_eq!(log.iter().filter(|l| l["status"] == "success").count(), 1);
    let success = log.iter().find(|l| l["status"] == "success").unwrap()["id"].as_str().unwrap().to_string();
    assert_detail(
        app.post_json(&app.client, &format!("/v1/admin/scheduled-reports/{id}/logs/{success}/retry"), json!({}))
            .await,
        StatusCode::CONFLICT,
        "a réussi",
    )
    .await;
    let unknown = uuid::Uuid::new_v4();
    assert_detail(
        app.post_json(&app.client, &format!("/v1/admin/scheduled-reports/{id}/logs/{unknown}/retry"), json!({}))
            .await,
        StatusCode::NOT_FOUND,
        "introuvable",
    )
    .await;
}

async fn a_file_over_the_size_limit_is_zipped_or_the_run_fails_with_the_reason(db: Db) {
    let smtp = SmtpServer::start_with_faults(&[]).await;
    let url = smtp.url();
    let app = spawn_app_configured(db, move |s| {
        s.smtp_url = Some(url);
        s.mail_interval = std::time::Duration::ZERO;
        s.scheduler_interval = std::time::Duration::ZERO;
        s.session_ttl = std::time::Duration::from_secs(30 * 86400);
        s.report_max_bytes = 8 * 1024;
    })
    .await;
    app.login_admin().await;
    // 2000 reception lines today (250 tickets): a CSV of tens of kB that compresses well.
    app.fill_lines(2000).await;
    let mut csv = weekly_cash();
    csv["name"] = json!("Réception du jour");
    csv["type"] = json!("reception_ticket");
    csv["format"] = json!("csv");
    csv["filters_json"] = json!({"period": "today"});
    let zipped = create(&app, csv.clone()).await["id"].as_str().unwrap().to_string();
    app.post_json(&app.client, &format!("/v1/admin/scheduled-reports/{zipped}/run"), json!({}))
        .await;
    drain(&app).await;
    let raw = smtp.wait_for_messages(1).await.remove(0);
    let m = MessageParser::default().parse(&raw).unwrap();
    let att = m.attachments().next().unwrap();
    assert_eq!(att.attachment_name(), Some("rapport-reception-du-jour-2026-03-15_2026-03-15.zip"));
    let mut zip = zip::ZipArchive::new(Cursor::new(att.contents().to_vec())).unwrap();
    assert_eq!(zip.by_index(0).unwrap().name().unwrap(), "rapport-reception-du-jour-2026-03-15_2026-03-15.csv");
    assert!(zip.by_index(0).unwrap().size() > 8 * 1024);

    // An XLSX is already compressed: zipping does not bring it under the limit.
    csv["name"] = json!("Réception du jour en Excel");
    csv["format"] = json!("excel");
    let too_big = create(&app, csv).await["id"].as_str().unwrap().to_string();
    app.post_json(&app.client, &format!("/v1/admin/scheduled-reports/{too_big}/run"), json!({}))
        .await;
    drain(&app).await;
    let log = logs(&app, &too_big).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["status"], "failed");
    assert!(log[0]["error"].as_str().unwrap().contains("Fichier trop volumineux"), "{}", log[0]);
    assert_eq!(smtp.received(), 1, "nothing sent without its file");
}

/// Two application instances on one database, many reports due at the same minute:
/// each report is claimed and delivered exactly once.
async fn two_instances_deliver_each_due_report_exactly_once(db: Db) {
    let smtp = SmtpServer::start_with_faults(&[]).await;
    let one = app_with_smtp(db, smtp.url(), &[]).await;
    let url = smtp.url();
    let two = spawn_app_on_configured(one.db_url.clone(), move |s| {
        s.smtp_url = Some(url);
        s.mail_interval = std::time::Duration::ZERO;
        s.scheduler_interval = std::time::Duration::ZERO;
        s.session_ttl = std::time::Duration::from_secs(30 * 86400);
    })
    .await;
    one.login_admin().await;
    const N: usize = 25;
    for i in 0..N {
        let mut body = weekly_cash();
        body["name"] = json!(format!("Rapport {i:02}"));
        body["recipients"] = json!([format!("r{i}@ressourcerie.test")]);
        create(&one, body).await;
    }
    one.clock.set(monday_7am() + Duration::seconds(5));
    two.clock.set(monday_7am() + Duration::seconds(5));
    let steps = |app: &TestApp| {
        let state = app.state.clone();
        async move { while server::scheduled::run_due(&state).await.unwrap() == StepOutcome::Worked {} }
    };
    tokio::join!(steps(&one), steps(&two));
    let (a, b) = tokio::join!(drain(&one), drain(&two));
    assert_eq!(a + b, N, "{a} + {b} deliveries");
    let raw = smtp.wait_for_messages(N).await;
    let mut to: Vec<String> = raw
        .iter()
        .map(|m| {
            MessageParser::default()
                .parse(m)
                .unwrap()
                .to()
                .unwrap()
                .first()
                .unwrap()
                .address()
                .unwrap()
                .to_string()
        })
        .collect();
    to.sort();
    to.dedup();
    assert_eq!(to.len(), N, "every report once");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(smtp.received(), N);
    for r in one.get_json(&one.client, "/v1/admin/scheduled-reports").await.as_array().unwrap() {
        let log = logs(&one, r["id"].as_str().unwrap()).await;
        assert_eq!(log.len(), 1, "{}", r["name"]);
        assert_eq!(log[0]["status"], "success");
    }
}

/// The steps are tested above with the manual clock; this checks that the application
/// runs them, with their default intervals (1 and 2 s), so it waits (boundedly) on the
/// wall clock.
async fn the_application_runs_the_scheduler_and_the_mail_worker_in_the_background(db: Db) {
    let smtp = SmtpServer::start_with_faults(&[]).await;
    let url = smtp.url();
    let app = spawn_app_configured(db, move |s| {
        s.smtp_url = Some(url);
        s.session_ttl = std::time::Duration::from_secs(30 * 86400);
    })
    .await;
    app.login_admin().await;
    let id = create(&app, weekly_cash()).await["id"].as_str().unwrap().to_string();
    app.clock.set(monday_7am() + Duration::seconds(1));
    let raw = smtp.wait_for_messages(1).await;
    assert_eq!(
        MessageParser::default().parse(&raw[0]).unwrap().subject(),
        Some("Rapport programmé : Caisse quotidienne (du 15/03/2026 au 15/03/2026)")
    );
    let logged = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            if logs(&app, &id).await.iter().any(|l| l["status"] == "success") {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    })
    .await;
    assert!(logged.is_ok(), "the success was not logged within 10 s");
    assert_eq!(smtp.received(), 1);
}

/// The state a server killed during the SMTP exchange of a run leaves behind (its claim
/// and SMTP mark written, nothing after), then another instance (or the restarted one)
/// once the lease has run out: the run ends logged as interrupted, counted as a
/// failure, and is not sent; the next day's run goes out normally.
async fn a_run_whose_server_died_during_smtp_ends_logged_and_is_not_sent_twice(db: Db) {
    let smtp = SmtpServer::start_with_faults(&[]).await;
    let app = app_with_smtp(db, smtp.url(), &[]).await;
    app.login_admin().await;
    let id = create(&app, weekly_cash()).await["id"].as_str().unwrap().to_string();
    app.clock.set(monday_7am());
    assert_eq!(schedule_step(&app).await, StepOutcome::Worked);
    // The dying server: claimed the delivery and marked its SMTP phase.
    let store = &app.state.store;
    let lease = server::mail::delivery::lease(&app.state);
    let now = monday_7am();
    let d = store.claim_delivery(now, now + lease).await.unwrap().expect("the run's delivery");
    assert!(store.begin_smtp(d.id, 1, now, now + lease).await.unwrap());
    assert_eq!(drain(&app).await, 0, "nobody touches it while the lease holds");
    app.clock.advance(lease + Duration::seconds(1));
    drain(&app).await;
    let log = logs(&app, &id).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["status"], "interrupted");
    assert!(log[0]["error"].as_str().unwrap().contains("non renvoyé"), "{}", log[0]);
    let r = report(&app, &id).await;
    assert_eq!((r["last_status"].as_str(), r["consecutive_failures"].as_i64()), (Some("failed"), Some(1)));
    assert_eq!(smtp.received(), 0);
    // The next run is sent, once.
    app.clock.set(monday_7am() + Duration::days(1));
    schedule_step(&app).await;
    assert_eq!(drain(&app).await, 1);
    assert_eq!(smtp.wait_for_messages(1).await.len(), 1);
    assert_eq!(report(&app, &id).await["consecutive_failures"], 0);
}

/// The real server binary, with its background workers on the wall clock, delivering a
/// run to an SMTP server that never answers DATA: SIGKILL in the middle of that
/// exchange, start it again on the same database. The run ends logged as interrupted,
/// the SMTP server has seen its DATA once and stored nothing (at most once), and the
/// restarted server sends the next run normally. The lease is 2 s here (15 min by
/// default) so that the restarted server may take over within the test.
async fn a_server_killed_during_a_delivery_and_restarted_sends_it_at_most_once(db: Db) {
    use crate::cli::ServerProcess;
    let smtp = SmtpServer::start_with_faults(&["stall"]).await;
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(db, dir.path()).await;
    let smtp_url = smtp.url();
    let env = [
        ("SMTP_URL", smtp_url.as_str()),
        ("RECYCLIQUE_MAIL_INTERVAL_SECS", "1"),
        ("RECYCLIQUE_MAIL_LEASE_SECS", "2"),
    ];
    let data = dir.path().join("data");
    let first = ServerProcess::start(&url, &data, &env).await;
    let client = new_client();
    let r = client
        .post(first.url("/v1/auth/login"))
        .json(&json!({"username": ADMIN, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = client.post(first.url("/v1/admin/scheduled-reports")).json(&weekly_cash()).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string();
    let r = client.post(first.url(&format!("/v1/admin/scheduled-reports/{id}/run"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let in_data = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        while smtp.attempts().is_empty() {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(in_data.is_ok(), "the run's mail reached DATA");
    first.kill();

    let second = ServerProcess::start(&url, &data, &env).await;
    let logs_of = |server: &ServerProcess| {
        let (client, url) = (client.clone(), server.url(&format!("/v1/admin/scheduled-reports/{id}/logs")));
        async move { client.get(url).send().await.unwrap().json::<Vec<Value>>().await.unwrap() }
    };
    let ended = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        loop {
            let log = logs_of(&second).await;
            if !log.is_empty() {
                return log;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the run ends logged after the restart (the session cookie is in the database)");
    assert_eq!(ended.len(), 1, "{ended:?}");
    assert_eq!(ended[0]["status"], "interrupted");
    assert!(ended[0]["error"].as_str().unwrap().contains("non renvoyé"), "{}", ended[0]);
    // More mail worker rounds: still one DATA, nothing stored.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(smtp.attempts(), vec!["stall"], "not sent again");
    assert_eq!(smtp.received(), 0);
    assert_eq!(logs_of(&second).await.len(), 1);
    let reports: Vec<Value> = client.get(second.url("/v1/admin/scheduled-reports")).send().await.unwrap().json().await.unwrap();
    assert_eq!(reports[0]["last_status"], "failed");

    // The restarted server sends the next run, once.
    let r = client.post(second.url(&format!("/v1/admin/scheduled-reports/{id}/run"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    smtp.wait_for_messages(1).await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!((smtp.attempts().len(), smtp.received()), (2, 1));
}

/// The page is rendered on the server with the list (the browser tests drive the modal).
async fn the_admin_page_lists_the_reports(db: Db) {
    let app = app_with_smtp(db, "smtp://127.0.0.1:9".into(), &[]).await;
    app.login_admin().await;
    create(&app, weekly_cash()).await;
    let r = app.client.get(app.url("/admin/scheduled-reports")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("Rapports programmés"), "{html}");
    assert!(
        html.contains("Caisse quotidienne") && html.contains("tous les jours à 07:00"),
        "the list is in the page"
    );
    let (cashier, _) = app.user_client("lea", &["caisse.access"]).await;
    let html = cashier.get(app.url("/admin/scheduled-reports")).send().await.unwrap().text().await.unwrap();
    assert!(!html.contains("Caisse quotidienne"), "not shown to a cashier");
}

/// A report every minute and twenty days without a server: the first missed runs are
/// logged one by one (100), the rest in words, and the latest one is caught up.
async fn a_long_outage_of_a_frequent_schedule_is_logged_in_bounded_rows(db: Db) {
    let smtp = SmtpServer::start_with_faults(&[]).await;
    let app = app_with_smtp(db, smtp.url(), &[]).await;
    app.login_admin().await;
    let mut body = weekly_cash();
    body["frequency"] = json!("custom");
    body["cron_expression"] = json!("* * * * *");
    let id = create(&app, body).await["id"].as_str().unwrap().to_string();
    app.clock.advance(Duration::days(20) + Duration::seconds(30));
    assert_eq!(schedule_step(&app).await, StepOutcome::Worked);
    assert_eq!(schedule_step(&app).await, StepOutcome::Idle);
    let log = logs(&app, &id).await;
    assert_eq!(log.iter().filter(|l| l["status"] == "missed").count(), 100);
    assert_eq!(
        log.iter()
            .filter(|l| l["status"] == "missed" && l["error"].as_str().unwrap().contains("pas détaillées"))
            .count(),
        1
    );
    assert_eq!(drain(&app).await, 1, "the latest run is caught up");
    let now = app.clock.now();
    let r = report(&app, &id).await;
    let next: chrono::DateTime<Utc> = serde_json::from_value(r["next_run"].clone()).unwrap();
    assert!(next > now && next - now <= Duration::minutes(1), "next run {next} after {now}");
}

/// Steps the scheduler every minute from `from` to `to` (the manual clock, as the timer
/// would wake it at each minute) and returns, for each step that claimed a run, the
/// clock's time and the run's scheduled time.
async fn walk(app: &TestApp, id: &str, from: chrono::DateTime<Utc>, to: chrono::DateTime<Utc>) -> Vec<(chrono::DateTime<Utc>, chrono::DateTime<Utc>)> {
    let mut claims = Vec::new();
    let mut t = from;
    while t <= to {
        app.clock.set(t);
        if schedule_step(app).await == StepOutcome::Worked {
            let r = report(app, id).await;
            claims.push((t, serde_json::from_value(r["last_run"].clone()).unwrap()));
        }
        t += Duration::minutes(1);
    }
    claims
}

/// A daily 02:30 report in Europe/Paris, the scheduler's step called every minute
/// through the two nights of 2026 whose clocks change: on 29 March 02:30 does not
/// exist (02:00 CET becomes 03:00 CEST) and the run is claimed once, at 03:30 CEST
/// (01:30 UTC); on 25 October 02:30 happens twice (CEST, then CET) and the run is
/// claimed once, at the first one (00:30 UTC). The next runs follow the new offset.
async fn a_daily_0230_run_is_claimed_once_on_each_daylight_saving_night(db: Db) {
    let smtp = SmtpServer::start_with_faults(&[]).await;
    let app = app_with_smtp(db, smtp.url(), &[]).await;
    let utc = |m: u32, d: u32, h: u32, min: u32| Utc.with_ymd_and_hms(2026, m, d, h, min, 0).unwrap();
    let mut body = weekly_cash();
    body["time_of_day"] = json!("02:30");

    app.clock.set(utc(3, 28, 12, 0));
    app.login_admin().await;
    let id = create(&app, body.clone()).await["id"].as_str().unwrap().to_string();
    assert_eq!(report(&app, &id).await["next_run"], json!(utc(3, 29, 1, 30)));
    let claims = walk(&app, &id, utc(3, 28, 22, 0), utc(3, 29, 4, 0)).await;
    assert_eq!(claims, vec![(utc(3, 29, 1, 30), utc(3, 29, 1, 30))], "spring: once, at 03:30 CEST");
    assert_eq!(report(&app, &id).await["next_run"], json!(utc(3, 30, 0, 30)), "then 02:30 CEST");
    assert_eq!(drain(&app).await, 1);

    app.clock.set(utc(10, 24, 12, 0));
    app.login_admin().await;
    let r = app.client.delete(app.url(&format!("/v1/admin/scheduled-reports/{id}"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let id = create(&app, body).await["id"].as_str().unwrap().to_string();
    assert_eq!(report(&app, &id).await["next_run"], json!(utc(10, 25, 0, 30)));
    let claims = walk(&app, &id, utc(10, 24, 22, 0), utc(10, 25, 4, 0)).await;
    assert_eq!(claims, vec![(utc(10, 25, 0, 30), utc(10, 25, 0, 30))], "autumn: once, at the first 02:30 (CEST)");
    assert_eq!(report(&app, &id).await["next_run"], json!(utc(10, 26, 1, 30)), "then 02:30 CET");
    assert_eq!(drain(&app).await, 1);
    assert_eq!(smtp.wait_for_messages(2).await.len(), 2);
}

/// Data rows of a CSV file (the header excluded).
fn csv_rows(bytes: &[u8]) -> usize {
    String::from_utf8(bytes.to_vec()).unwrap().lines().filter(|l| !l.is_empty()).count() - 1
}

/// Sends `filters` now as a CSV scheduled report of `report_type` and returns the data
/// rows of the attachment and the mail's row line.
async fn mailed_rows(app: &TestApp, smtp: &SmtpServer, report_type: &str, filters: &Value) -> (usize, String) {
    // Every earlier mail was waited for: this one is the next.
    let before = smtp.received();
    let name = format!("Contrôle {}", before + 1);
    let mut body = weekly_cash();
    body["name"] = json!(name);
    body["type"] = json!(report_type);
    body["format"] = json!("csv");
    body["filters_json"] = filters.clone();
    let id = create(app, body).await["id"].as_str().unwrap().to_string();
    let r = app.post_json(&app.client, &format!("/v1/admin/scheduled-reports/{id}/run"), json!({})).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert_eq!(drain(app).await, 1);
    for raw in smtp.wait_for_messages(before + 1).await {
        let m = MessageParser::default().parse(&raw).unwrap();
        if !m.subject().unwrap().contains(&name) {
            continue;
        }
        let text = m.body_text(0).unwrap().to_string();
        let line = text.lines().find(|l| l.starts_with("Lignes de données") || l.starts_with("Aucune donnée")).unwrap().to_string();
        return (csv_rows(m.attachments().next().unwrap().contents()), line);
    }
    panic!("no mail for {name}");
}

fn query_of(filters: &Value) -> String {
    filters.as_object().unwrap().iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap())).collect::<Vec<_>>().join("&")
}

/// One `filters_json`, three readers: the scheduled report's attachment, the REST list's
/// `total` and the bulk export have the same rows, for the cash audit and for reception
/// tickets, with a relative period and a status that leaves rows out.
async fn the_same_filters_give_the_same_rows_in_the_mail_the_list_and_the_export(db: Db) {
    let smtp = SmtpServer::start_with_faults(&[]).await;
    let app = app_with_smtp(db, smtp.url(), &[]).await;
    app.login_admin().await;

    // Cash: a closed session and an open one, today.
    closed_session_today(&app).await;
    let registers = app.get_json(&app.client, "/v1/admin/registers").await;
    let register = registers[0]["id"].clone();
    let r = app.post_json(&app.client, "/v1/cash-sessions/open", json!({"register_id": register, "opening_float_cents": 0})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    for (filters, expected) in [(json!({"period": "today", "status": "closed"}), 1), (json!({"period": "today"}), 2), (json!({"period": "yesterday"}), 0)] {
        let list = app.get_json(&app.client, &format!("/v1/admin/cash-sessions?{}&page_size=500", query_of(&filters))).await;
        let r = app
            .post_json(&app.client, "/v1/admin/reports/cash-sessions/export-bulk", json!({"filters": filters, "format": "csv"}))
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let exported = csv_rows(&r.bytes().await.unwrap());
        let (mailed, line) = mailed_rows(&app, &smtp, "cash_session", &filters).await;
        assert_eq!((list["total"].as_u64().unwrap() as usize, exported, mailed), (expected, expected, expected), "{filters}");
        assert_eq!(line.starts_with("Aucune donnée"), expected == 0, "{filters}: {line}");
    }

    // Reception: three tickets today, two of them closed.
    app.open_poste(&app.client).await;
    let cat = app.category_id("Mobilier").await;
    for i in 0..3 {
        let t = app.new_ticket(&app.client).await;
        app.add_line(&app.client, &t, json!({"poids_kg": 2, "category_id": cat, "destination": "revente"})).await;
        if i < 2 {
            app.close_ticket(&app.client, &t).await;
        }
    }
    for (filters, expected) in [(json!({"period": "today", "status": "closed"}), 2), (json!({"period": "this_week"}), 3), (json!({"period": "last_month"}), 0)] {
        let list = app.get_json(&app.client, &format!("/v1/reception/tickets?{}&page_size=500", query_of(&filters))).await;
        let mut export = filters.clone();
        export["format"] = json!("csv");
        let r = app.post_json(&app.client, "/v1/admin/reports/reception-tickets/export-bulk", export).await;
        assert_eq!(r.status(), StatusCode::OK);
        let exported = csv_rows(&r.bytes().await.unwrap());
        let (mailed, line) = mailed_rows(&app, &smtp, "reception_ticket", &filters).await;
        assert_eq!((list["total"].as_u64().unwrap() as usize, exported, mailed), (expected, expected, expected), "{filters}");
        assert_eq!(line.starts_with("Aucune donnée"), expected == 0, "{filters}: {line}");
    }
}
