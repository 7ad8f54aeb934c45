//! Ticket numbers (sequential per Paris year, no gap, no duplicate, even when tickets
//! are created at once) and the paged ticket list.
use std::collections::BTreeSet;

use chrono::{Duration, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::*;

both_backends!(
    ticket_numbers_follow_each_other_per_year_under_concurrent_creation,
    ticket_list_pages_and_finds_by_number,
    the_migration_numbers_existing_tickets_in_date_order,
);

fn numbers(tickets: &[Value]) -> Vec<String> {
    tickets.iter().map(|t| t["number"].as_str().unwrap_or_else(|| panic!("no number in {t}")).to_string()).collect()
}

async fn ticket_numbers_follow_each_other_per_year_under_concurrent_creation(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    let (marie, _) = app.user_client("marie", &["reception.access"]).await;
    let (paul, _) = app.user_client("paul", &["reception.access"]).await;
    for c in [&app.client, &marie, &paul] {
        app.open_poste(c).await;
    }
    // 60 creations at once, from three users on three postes.
    let mut jobs = Vec::new();
    for i in 0..60 {
        let c = [&app.client, &marie, &paul][i % 3].clone();
        let url = app.url("/v1/reception/tickets");
        jobs.push(tokio::spawn(async move {
            let r = c.post(url).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::CREATED);
            r.json::<Value>().await.unwrap()
        }));
    }
    let mut created = Vec::new();
    for j in jobs {
        created.push(j.await.unwrap());
    }
    let got: BTreeSet<String> = numbers(&created).into_iter().collect();
    let expected: BTreeSet<String> = (1..=60).map(|n| format!("2026-{n:05}")).collect();
    assert_eq!(got, expected, "60 numbers, 2026-00001 to 2026-00060, no gap, no duplicate");
    // Read back, each ticket keeps the number it was given.
    for t in &created {
        let back = app.get_json(&app.client, &format!("/v1/reception/tickets/{}", t["id"].as_str().unwrap())).await;
        assert_eq!(back["number"], t["number"]);
    }

    // A creation refused (the poste closed) takes no number.
    let paul_tickets = app.get_json(&paul, "/v1/reception/tickets?status=opened&page_size=500").await;
    for t in paul_tickets["items"].as_array().unwrap() {
        app.close_ticket(&paul, t["id"].as_str().unwrap()).await;
    }
    let poste = app.get_json(&paul, "/v1/reception/postes/current").await["id"].as_str().unwrap().to_string();
    let r = paul.post(app.url(&format!("/v1/reception/postes/{poste}/close"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(paul.post(app.url("/v1/reception/tickets")).send().await.unwrap().status(), StatusCode::CONFLICT);
    let r = marie.post(app.url("/v1/reception/tickets")).send().await.unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["number"], "2026-00061");

    // New Year in Paris (23:30 UTC on December 31st): the sequence starts again.
    app.clock.set(Utc.with_ymd_and_hms(2026, 12, 31, 23, 30, 0).unwrap());
    assert_eq!(app.login_with(&marie, "marie", "motdepasse-marie").await.status(), StatusCode::OK);
    let r = marie.post(app.url("/v1/reception/tickets")).send().await.unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["number"], "2027-00001");
    // A deferred poste dated in 2025 numbers its tickets in 2025.
    app.login_admin().await;
    let admin_poste = app.get_json(&app.client, "/v1/reception/postes/current").await["id"].as_str().unwrap().to_string();
    let open = app.get_json(&app.client, &format!("/v1/reception/tickets?poste_id={admin_poste}&status=opened&page_size=500")).await;
    for t in open["items"].as_array().unwrap() {
        app.close_ticket(&app.client, t["id"].as_str().unwrap()).await;
    }
    assert_eq!(app.client.post(app.url(&format!("/v1/reception/postes/{admin_poste}/close"))).send().await.unwrap().status(), StatusCode::OK);
    let r = app.post_json(&app.client, "/v1/reception/postes/open", json!({"opened_at": "2025-06-02T09:00:00+02:00"})).await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    let r = app.client.post(app.url("/v1/reception/tickets")).send().await.unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["number"], "2025-00001");
}

async fn ticket_list_pages_and_finds_by_number(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    let (marie, _) = app.user_client("marie", &["reception.access"]).await;
    app.open_poste(&app.client).await;
    app.open_poste(&marie).await;
    let mut ids = Vec::new();
    for i in 0..120 {
        app.clock.advance(Duration::seconds(10));
        ids.push(app.new_ticket(if i % 4 == 3 { &marie } else { &app.client }).await);
    }
    let page = |q: &str| {
        let path = format!("/v1/reception/tickets?{q}");
        let app = &app;
        async move { app.get_json(&app.client, &path).await }
    };
    let p1 = page("page=1&page_size=50").await;
    assert_eq!((p1["total"].clone(), p1["page"].clone(), p1["page_size"].clone()), (json!(120), json!(1), json!(50)));
    assert_eq!(p1["items"].as_array().unwrap().len(), 50);
    // Latest first, across pages, each ticket once.
    let mut seen = Vec::new();
    for n in 1..=3 {
        let p = page(&format!("page={n}&page_size=50")).await;
        seen.extend(p["items"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap().to_string()));
    }
    let mut latest_first = ids.clone();
    latest_first.reverse();
    assert_eq!(seen, latest_first);
    assert!(page("page=4&page_size=50").await["items"].as_array().unwrap().is_empty());
    // Defaults: page 1 of 50.
    let d = page("").await;
    assert_eq!((d["page"].clone(), d["page_size"].clone(), d["items"].as_array().unwrap().len()), (json!(1), json!(50), 50));
    assert_eq!(page("page_size=500").await["items"].as_array().unwrap().len(), 120);
    // Filters and paging together: Marie's 30 tickets, second page of 20.
    let m = page("benevole_id=&status=opened&page=2&page_size=20").await;
    assert_eq!(m["total"], 120);
    let mine = app.get_json(&marie, "/v1/reception/tickets?page=2&page_size=20").await;
    assert_eq!((mine["total"].clone(), mine["items"].as_array().unwrap().len()), (json!(30), 10));

    for (q, field) in [("page_size=501", "page_size"), ("page_size=0", "page_size"), ("page=0", "page"), ("page=deux", "page"), ("number=123", "number")] {
        let r = app.client.get(app.url(&format!("/v1/reception/tickets?{q}"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{q}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["field"], field, "{q}: {body}");
        assert!(body["detail"].as_str().unwrap().contains(field), "{body}");
    }

    // By number: the 7th ticket of the year, written in full or short.
    for n in ["2026-00007", "2026-7"] {
        let found = page(&format!("number={n}")).await;
        assert_eq!(found["total"], 1, "{n}");
        assert_eq!(found["items"][0]["id"].as_str(), Some(ids[6].as_str()));
        assert_eq!(found["items"][0]["number"], "2026-00007");
    }
    assert_eq!(page("number=2025-00007").await["total"], 0);
    // A bénévole finds only their own tickets by number: #4 is Marie's, #5 the admin's.
    assert_eq!(app.get_json(&marie, "/v1/reception/tickets?number=2026-00004").await["total"], 1);
    assert_eq!(app.get_json(&marie, "/v1/reception/tickets?number=2026-00005").await["total"], 0);

    // The server function the page calls: the filter apart from the page.
    let r = app
        .client
        .post(app.url("/api/reception_list_tickets"))
        .json(&json!({"filter": {"status": "opened"}, "page": {"page": 3, "page_size": 50}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!((v["total"].clone(), v["page"].clone(), v["items"].as_array().unwrap().len()), (json!(120), json!(3), 20));
    let r = app.client.post(app.url("/api/reception_list_tickets")).json(&json!({"filter": {}, "page": {"page": 1, "page_size": 1000}})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Paging is no filter: exports refuse it as an unknown field.
    let r = app.client.get(app.url("/v1/reception/lignes/export-csv?period=this_month&page=2")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

/// Migration 0006 on a database holding tickets made before it: they are numbered in
/// date order within their Paris year, and the counters continue from there.
async fn the_migration_numbers_existing_tickets_in_date_order(db: Db) {
    use sqlx::migrate::Migrator;
    let folder = match db {
        Db::Sqlite => "migrations/sqlite",
        Db::Postgres => "migrations/postgres",
    };
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(folder);
    let full = Migrator::new(folder.clone()).await.unwrap();
    let mut before = Migrator::new(folder).await.unwrap();
    before.migrations = before.migrations.iter().filter(|m| m.version < 6).cloned().collect::<Vec<_>>().into();
    let (user, poste) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    // Inserted out of order; 2025-12-31 23:30 UTC is already 2026 in Paris.
    let at = |y, mo, d, h, mi| Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap();
    let tickets = [
        (uuid::Uuid::new_v4(), at(2026, 3, 1, 9, 0)),
        (uuid::Uuid::new_v4(), at(2025, 12, 31, 23, 30)),
        (uuid::Uuid::new_v4(), at(2025, 12, 31, 22, 30)),
        (uuid::Uuid::new_v4(), at(2026, 2, 1, 9, 0)),
        (uuid::Uuid::new_v4(), at(2025, 6, 1, 9, 0)),
    ];
    let numbered: Vec<(String, i64, i64)>;
    let counters: Vec<(i64, i64)>;
    match db {
        Db::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(dir.path().join("m.db")).create_if_missing(true);
            let pool = sqlx::SqlitePool::connect_with(opts).await.unwrap();
            before.run(&pool).await.unwrap();
            sqlx::query("INSERT INTO users (id, username, display_name, password_hash, permissions, created_at, updated_at) VALUES ($1, 'marie', 'Marie', 'x', '', 0, 0)")
                .bind(user.to_string()).execute(&pool).await.unwrap();
            sqlx::query("INSERT INTO postes (id, opened_by, opened_at, is_deferred, created_at) VALUES ($1, $2, 0, 0, 0)")
                .bind(poste.to_string()).bind(user.to_string()).execute(&pool).await.unwrap();
            for (id, t) in &tickets {
                sqlx::query("INSERT INTO tickets (id, poste_id, benevole_id, status, ticket_at, created_at) VALUES ($1, $2, $3, 'closed', $4, $4)")
                    .bind(id.to_string()).bind(poste.to_string()).bind(user.to_string()).bind(t.timestamp_micros()).execute(&pool).await.unwrap();
            }
            full.run(&pool).await.unwrap();
            numbered = sqlx::query_as("SELECT id, number_year, number_seq FROM tickets").fetch_all(&pool).await.unwrap();
            counters = sqlx::query_as("SELECT year, last FROM ticket_counters ORDER BY year").fetch_all(&pool).await.unwrap();
        }
        Db::Postgres => {
            let pool = sqlx::PgPool::connect(&fresh_postgres_url().await).await.unwrap();
            before.run(&pool).await.unwrap();
            sqlx::query("INSERT INTO users (id, username, display_name, password_hash, permissions, created_at, updated_at) VALUES ($1, 'marie', 'Marie', 'x', '', now(), now())")
                .bind(user).execute(&pool).await.unwrap();
            sqlx::query("INSERT INTO postes (id, opened_by, opened_at, is_deferred, created_at) VALUES ($1, $2, now(), FALSE, now())")
                .bind(poste).bind(user).execute(&pool).await.unwrap();
            for (id, t) in &tickets {
                sqlx::query("INSERT INTO tickets (id, poste_id, benevole_id, status, ticket_at, created_at) VALUES ($1, $2, $3, 'closed', $4, $4)")
                    .bind(id).bind(poste).bind(user).bind(t).execute(&pool).await.unwrap();
            }
            full.run(&pool).await.unwrap();
            let rows: Vec<(uuid::Uuid, i64, i64)> = sqlx::query_as("SELECT id, number_year, number_seq FROM tickets").fetch_all(&pool).await.unwrap();
            numbered = rows.into_iter().map(|(id, y, n)| (id.to_string(), y, n)).collect();
            counters = sqlx::query_as("SELECT year, last FROM ticket_counters ORDER BY year").fetch_all(&pool).await.unwrap();
        }
    }
    let number_of = |id: &uuid::Uuid| numbered.iter().find(|(x, _, _)| *x == id.to_string()).map(|(_, y, n)| format!("{y}-{n:05}")).unwrap();
    // June 2025 comes before December 31st 2025 (Paris) in 2025's sequence.
    assert_eq!(number_of(&tickets[4].0), "2025-00001");
    assert_eq!(number_of(&tickets[2].0), "2025-00002");
    assert_eq!(number_of(&tickets[1].0), "2026-00001");
    assert_eq!(number_of(&tickets[3].0), "2026-00002");
    assert_eq!(number_of(&tickets[0].0), "2026-00003");
    assert_eq!(counters, vec![(2025, 2), (2026, 3)]);
}
