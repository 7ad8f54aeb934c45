//! The server functions behind the cash pages (`/api/cash_*`): each checks the
//! permission itself (401, 403) and reaches the same services as the REST API.
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::*;

both_backends!(cash_server_functions_check_permissions, the_till_through_server_functions);

async fn ok(r: Response) -> Value {
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

const NIL: &str = "00000000-0000-4000-8000-000000000000";

fn calls() -> Vec<(&'static str, Option<Value>, bool)> {
    // (name, arguments, admin only)
    vec![
        ("cash_list_sites", None, true),
        ("cash_create_site", Some(json!({"input": {"name": "Site interdit"}})), true),
        ("cash_create_register", Some(json!({"input": {"name": "Caisse interdite", "site_id": NIL}})), true),
        ("cash_list_sessions", Some(json!({"filter": {}, "sort": null, "page": 1, "page_size": 50})), true),
        ("cash_list_registers", None, false),
        ("cash_sale_categories", None, false),
        ("cash_current_session", None, false),
        ("cash_open_session", Some(json!({"register_id": NIL, "opening_float_cents": 0, "opened_at": null})), false),
        ("cash_get_session", Some(json!({"id": NIL})), false),
        ("cash_add_sale", Some(json!({"session_id": NIL, "input": {"items": [], "payments": []}})), false),
        ("cash_close_session", Some(json!({"id": NIL, "req": {"counted_cash_cents": 0}})), false),
    ]
}

async fn cash_server_functions_check_permissions(db: Db) {
    let app = spawn_app(db).await;
    let anon = app.other_client();
    for (name, args, _) in calls() {
        assert_detail(app.call_fn(&anon, name, args).await, StatusCode::UNAUTHORIZED, "Authentification requise").await;
    }
    app.login_admin().await;
    let (reception, _) = app.user_client("lea", &["reception.access"]).await;
    let (cashier, _) = app.user_client("paul", &["caisse.access"]).await;
    for (name, args, admin_only) in calls() {
        let r = app.call_fn(&reception, name, args.clone()).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{name} for a reception user");
        let r = app.call_fn(&cashier, name, args).await;
        if admin_only {
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{name} for a cashier");
        } else {
            assert_ne!(r.status(), StatusCode::FORBIDDEN, "{name} for a cashier");
            assert_ne!(r.status(), StatusCode::UNAUTHORIZED, "{name} for a cashier");
        }
    }
    // Nothing was written by the refused calls.
    assert_eq!(ok(app.call_fn(&app.client, "cash_list_sites", None).await).await, json!([]));
}

async fn the_till_through_server_functions(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    let site = ok(app.call_fn(&app.client, "cash_create_site", Some(json!({"input": {"name": "Boutique"}}))).await).await;
    let register = ok(app.call_fn(&app.client, "cash_create_register", Some(json!({"input": {"name": "Caisse 1", "site_id": site["id"]}}))).await).await;
    assert_eq!(register["site_name"], "Boutique");
    let r = app.call_fn(&app.client, "cash_create_site", Some(json!({"input": {"name": "boutique"}}))).await;
    assert_detail(r, StatusCode::CONFLICT, "Un site s'appelle déjà").await;

    // A cashier without reception access still gets the categories to sell.
    let (paul, _) = app.user_client("paul", &["caisse.access"]).await;
    let cats = ok(app.call_fn(&paul, "cash_sale_categories", None).await).await;
    let textile = cats.as_array().unwrap().iter().find(|c| c["name"] == "Vêtements").expect("seeded categories")["id"].clone();
    let registers = ok(app.call_fn(&paul, "cash_list_registers", None).await).await;
    assert_eq!(registers.as_array().unwrap().len(), 1);
    assert_eq!(ok(app.call_fn(&paul, "cash_current_session", None).await).await, Value::Null);

    let session = ok(app.call_fn(&paul, "cash_open_session", Some(json!({"register_id": register["id"], "opening_float_cents": 1000, "opened_at": null}))).await).await;
    let id = session["id"].clone();
    assert_eq!(ok(app.call_fn(&paul, "cash_current_session", None).await).await["id"], id);
    // Only admins open deferred sessions.
    let r = app.call_fn(&paul, "cash_open_session", Some(json!({"register_id": register["id"], "opening_float_cents": 0, "opened_at": "2026-01-05T09:00"}))).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // A sale as the till sends it: no weight is a null, a weight is exact.
    let sale = |weight: Value, payments: Value, donation: Value| {
        json!({"session_id": id, "input": {
            "items": [{"category_id": textile, "quantity": 2, "weight_kg": weight, "unit_price_cents": 150}],
            "payments": payments, "donation_cents": donation, "note": null}})
    };
    let s1 = ok(app.call_fn(&paul, "cash_add_sale", Some(sale(Value::Null, json!([{"method": "cash", "amount_cents": 300}]), Value::Null))).await).await;
    assert_eq!((s1["total_cents"].as_i64(), s1["items"][0]["weight_kg"].clone()), (Some(300), Value::Null));
    let payments = json!([{"method": "card", "amount_cents": 400}, {"method": "cash", "amount_cents": 100}]);
    let s2 = ok(app.call_fn(&paul, "cash_add_sale", Some(sale(json!(1.25), payments, json!(200)))).await).await;
    assert_eq!((s2["donation_cents"].as_i64(), s2["items"][0]["weight_kg"].as_f64()), (Some(200), Some(1.25)));
    // Payments that do not add up are refused, in French, on the field.
    let r = app.call_fn(&paul, "cash_add_sale", Some(sale(Value::Null, json!([{"method": "cash", "amount_cents": 299}]), Value::Null))).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["field"], "payments", "{body}");
    assert!(body["detail"].as_str().unwrap().contains("doivent égaler exactement"), "{body}");

    let detail = ok(app.call_fn(&paul, "cash_get_session", Some(json!({"id": id}))).await).await;
    assert_eq!((detail["sales"].as_array().unwrap().len(), detail["sales_count"].as_i64(), detail["cash_cents"].as_i64()), (2, Some(2), Some(400)));
    // Another cashier does not see it.
    let (marie, _) = app.user_client("marie", &["caisse.access"]).await;
    assert_eq!(app.call_fn(&marie, "cash_get_session", Some(json!({"id": id}))).await.status(), StatusCode::FORBIDDEN);

    // Expected cash 10,00 + 4,00 = 14,00; counted 13,00: the comment is required, on its field.
    let close = |comment: Value| json!({"id": id, "req": {"counted_cash_cents": 1300, "counted_card_cents": 400, "counted_check_cents": null, "comment": comment}});
    let r = app.call_fn(&paul, "cash_close_session", Some(close(Value::Null))).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["field"], "comment", "{body}");
    let closed = ok(app.call_fn(&paul, "cash_close_session", Some(close(json!("Pièce perdue")))).await).await;
    assert_eq!(
        (closed["deleted"].as_bool(), closed["expected_cash_cents"].as_i64(), closed["cash_variance_cents"].as_i64(), closed["card_variance_cents"].as_i64()),
        (Some(false), Some(1400), Some(-100), Some(0))
    );

    // The audit (admins): a filter, its totals; a bad filter names its field.
    let page = ok(app.call_fn(&app.client, "cash_list_sessions", Some(json!({"filter": {"has_variance": "true", "payment_methods": ["card"]}, "sort": "-total", "page": 1, "page_size": 50}))).await).await;
    assert_eq!((page["total"].as_i64(), page["totals"]["sales"].as_i64(), page["totals"]["donation_cents"].as_i64()), (Some(1), Some(2), Some(200)));
    assert_eq!(page["items"][0]["comment"], "Pièce perdue");
    let empty = ok(app.call_fn(&app.client, "cash_list_sessions", Some(json!({"filter": {"has_variance": "false"}, "sort": null, "page": 1, "page_size": 50}))).await).await;
    assert_eq!(empty["total"].as_i64(), Some(0));
    let r = app.call_fn(&app.client, "cash_list_sessions", Some(json!({"filter": {}, "sort": "nom", "page": 1, "page_size": 50}))).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "sort");
}
