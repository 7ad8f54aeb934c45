//! The server functions behind the reception desk's helpers: the touch tiles of the
//! most used categories and the summary of a closed poste.
use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::*;

both_backends!(frequent_categories_are_the_most_used_lately, poste_summary_through_its_server_function);

async fn frequent_categories_are_the_most_used_lately(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    let (marie, _) = app.user_client("marie", &["reception.access"]).await;
    let (mobilier, textile, livres) = (app.category_id("Mobilier").await, app.category_id("Vêtements").await, app.category_id("Livres et médias").await);

    // Long ago (more than 90 days): Livres, many times; it no longer counts.
    app.clock.set(Utc.with_ymd_and_hms(2025, 10, 1, 9, 0, 0).unwrap());
    app.open_poste(&marie).await;
    let old = app.new_ticket(&marie).await;
    for _ in 0..5 {
        app.add_line(&marie, &old, json!({"poids_kg": 1, "category_id": livres, "destination": "don"})).await;
    }
    app.close_ticket(&marie, &old).await;
    // Lately: Vêtements three times, Mobilier once.
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 15, 10, 0, 0).unwrap());
    assert_eq!(app.login_with(&marie, "marie", "motdepasse-marie").await.status(), StatusCode::OK);
    app.login_admin().await;
    let t = app.new_ticket(&marie).await;
    for (cat, n) in [(&textile, 3), (&mobilier, 1)] {
        for _ in 0..n {
            app.add_line(&marie, &t, json!({"poids_kg": 2, "category_id": cat, "destination": "revente"})).await;
        }
    }
    let r = app.call_fn(&marie, "categories_frequent", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap(), json!([textile, mobilier]));

    // An archived category leaves the tiles.
    let archived = app.client.put(app.url(&format!("/v1/categories/{textile}"))).json(&json!({"archived": true})).send().await.unwrap();
    assert_eq!(archived.status(), StatusCode::OK, "{}", archived.text().await.unwrap());
    let r = app.call_fn(&marie, "categories_frequent", None).await;
    assert_eq!(r.json::<Value>().await.unwrap(), json!([mobilier]));

    // Reception access only.
    let (lea, _) = app.user_client("lea", &["caisse.access"]).await;
    assert_eq!(app.call_fn(&lea, "categories_frequent", None).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.call_fn(&app.other_client(), "categories_frequent", None).await.status(), StatusCode::UNAUTHORIZED);
}

async fn poste_summary_through_its_server_function(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    let (marie, _) = app.user_client("marie", &["reception.access"]).await;
    let mobilier = app.category_id("Mobilier").await;
    let poste = app.open_poste(&marie).await;
    let t = app.new_ticket(&marie).await;
    app.add_line(&marie, &t, json!({"poids_kg": "1,001", "category_id": mobilier, "destination": "recyclage"})).await;
    app.add_line(&marie, &t, json!({"poids_kg": 2, "category_id": mobilier, "destination": "recyclage", "is_exit": true})).await;
    app.close_ticket(&marie, &t).await;
    let r = app.call_fn(&marie, "reception_poste_summary", Some(json!({"id": poste}))).await;
    assert_eq!(r.status(), StatusCode::OK);
    let s: Value = r.json().await.unwrap();
    assert_eq!((s["tickets"].clone(), s["lines_count"].clone(), s["entry_weight_kg"].clone(), s["exit_weight_kg"].clone()), (json!(1), json!(2), json!(1.001), json!(2.0)));
    assert_eq!(s["by_destination"], json!([{"destination": "recyclage", "lines_count": 2, "entry_weight_kg": 1.001, "exit_weight_kg": 2.0}]));
    let (paul, _) = app.user_client("paul", &["reception.access"]).await;
    assert_eq!(app.call_fn(&paul, "reception_poste_summary", Some(json!({"id": poste}))).await.status(), StatusCode::FORBIDDEN);
    // A body that does not decode is a French 4xx, not a 500.
    let r = marie.post(app.url("/api/reception_poste_summary")).header("content-type", "application/json").body("{\"id\": 12").send().await.unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
}
