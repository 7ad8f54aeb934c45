//! Cash: sites, registers, till sessions, sales, the close, and the audit list.
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::*;

both_backends!(
    sites_registers_and_permissions,
    a_session_from_opening_to_a_reconciled_close,
    an_empty_session_is_deleted_on_close,
    thousands_of_sales_add_up_to_the_cent,
    sales_racing_the_close_are_all_or_nothing,
    deferred_sessions_date_their_sales_on_the_session_day,
    the_audit_filters_alone_and_combined,
    the_export_applies_every_filter_with_typed_cells,
    live_stats_carry_the_days_cash_block,
);

impl TestApp {
    /// A site and a register, as the admin; returns the register id.
    async fn register(&self, site: &str, name: &str) -> String {
        let sites = self.get_json(&self.client, "/v1/admin/sites").await;
        let site_id = match sites.as_array().unwrap().iter().find(|s| s["name"] == site) {
            Some(s) => s["id"].as_str().unwrap().to_string(),
            None => {
                let r = self.post_json(&self.client, "/v1/admin/sites", json!({"name": site})).await;
                assert_eq!(r.status(), StatusCode::CREATED);
                r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string()
            }
        };
        let r = self.post_json(&self.client, "/v1/admin/registers", json!({"name": name, "site_id": site_id})).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
        r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string()
    }

    async fn open_cash(&self, c: &Client, register: &str, float: i64) -> String {
        let r = self.post_json(c, "/v1/cash-sessions/open", json!({"register_id": register, "opening_float_cents": float})).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
        r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string()
    }

    /// One item of `price` cents, paid as given.
    /// `item` is (quantity, unit price in cents).
    async fn sell(&self, c: &Client, session: &str, cat: &str, item: (i64, i64), payments: Value, donation: i64) -> reqwest::Response {
        let (qty, price) = item;
        let body = json!({"items": [{"category_id": cat, "quantity": qty, "unit_price_cents": price}], "payments": payments, "donation_cents": donation});
        self.post_json(c, &format!("/v1/cash-sessions/{session}/sales"), body).await
    }

    async fn close_cash(&self, c: &Client, session: &str, body: Value) -> reqwest::Response {
        self.post_json(c, &format!("/v1/cash-sessions/{session}/close"), body).await
    }
}

async fn sites_registers_and_permissions(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    let reg = app.register("Boutique centre", "Caisse 1").await;
    let sites = app.get_json(&app.client, "/v1/admin/sites").await;
    assert_eq!(sites.as_array().unwrap().len(), 1);
    assert_detail(app.post_json(&app.client, "/v1/admin/sites", json!({"name": " boutique CENTRE "})).await, StatusCode::CONFLICT, "s'appelle déjà").await;
    let site_id = sites[0]["id"].as_str().unwrap();
    assert_detail(app.post_json(&app.client, "/v1/admin/registers", json!({"name": "caisse 1", "site_id": site_id})).await, StatusCode::CONFLICT, "a déjà une caisse").await;
    let r = app.post_json(&app.client, "/v1/admin/registers", json!({"name": "Caisse 2", "site_id": uuid::Uuid::new_v4()})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "site_id");
    assert_detail(app.post_json(&app.client, "/v1/admin/sites", json!({"name": "  "})).await, StatusCode::UNPROCESSABLE_ENTITY, "obligatoire").await;
    let registers = app.get_json(&app.client, "/v1/admin/registers").await;
    assert_eq!((registers[0]["id"].as_str(), registers[0]["site_name"].as_str()), (Some(reg.as_str()), Some("Boutique centre")));

    // Permissions: anonymous 401, reception-only 403, cashiers only their part.
    let (benevole, _) = app.user_client("paul", &["reception.access"]).await;
    let (cashier, _) = app.user_client("lea", &["caisse.access"]).await;
    let anon = app.other_client();
    let sid = uuid::Uuid::new_v4();
    let routes: Vec<(&str, String, bool)> = vec![
        ("GET", "/v1/admin/sites".into(), true),
        ("POST", "/v1/admin/sites".into(), true),
        ("GET", "/v1/admin/registers".into(), true),
        ("POST", "/v1/admin/registers".into(), true),
        ("GET", "/v1/admin/cash-sessions".into(), true),
        ("POST", "/v1/admin/reports/cash-sessions/export-bulk".into(), true),
        ("GET", "/v1/cash/registers".into(), false),
        ("POST", "/v1/cash-sessions/open".into(), false),
        ("GET", "/v1/cash-sessions/current".into(), false),
        ("GET", format!("/v1/cash-sessions/{sid}"), false),
        ("POST", format!("/v1/cash-sessions/{sid}/sales"), false),
        ("POST", format!("/v1/cash-sessions/{sid}/close"), false),
    ];
    for (method, path, admin_only) in routes {
        let send = |c: &Client| {
            let req = if method == "GET" { c.get(app.url(&path)) } else { c.post(app.url(&path)).json(&json!({})) };
            req.send()
        };
        assert_eq!(send(&anon).await.unwrap().status(), StatusCode::UNAUTHORIZED, "{method} {path}");
        assert_eq!(send(&benevole).await.unwrap().status(), StatusCode::FORBIDDEN, "{method} {path}");
        let as_cashier = send(&cashier).await.unwrap().status();
        if admin_only {
            assert_eq!(as_cashier, StatusCode::FORBIDDEN, "{method} {path}");
        } else {
            assert_ne!(as_cashier, StatusCode::FORBIDDEN, "{method} {path}");
        }
        // The admin passes the permission check (what follows may still refuse the body).
        let as_admin = send(&app.client).await.unwrap().status();
        assert!(![StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN].contains(&as_admin), "{method} {path}: {as_admin}");
    }
    let listed = app.get_json(&cashier, "/v1/cash/registers").await;
    assert_eq!(listed[0]["name"], "Caisse 1");
}

async fn a_session_from_opening_to_a_reconciled_close(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    let reg1 = app.register("Boutique", "Caisse 1").await;
    let reg2 = app.register("Boutique", "Caisse 2").await;
    let cat = app.category_id("Mobilier").await;
    let (lea, _) = app.user_client("lea", &["caisse.access"]).await;
    let (max, _) = app.user_client("max", &["caisse.access"]).await;
    let session = app.open_cash(&lea, &reg1, 5000).await;
    assert_detail(app.post_json(&max, "/v1/cash-sessions/open", json!({"register_id": reg1, "opening_float_cents": 0})).await, StatusCode::CONFLICT, "déjà une session ouverte par Bénévole lea").await;
    assert_detail(app.post_json(&lea, "/v1/cash-sessions/open", json!({"register_id": reg2, "opening_float_cents": 0})).await, StatusCode::CONFLICT, "Vous avez déjà une session ouverte").await;
    let r = app.post_json(&max, "/v1/cash-sessions/open", json!({"register_id": reg2, "opening_float_cents": 1_000_001})).await;
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "opening_float_cents");
    let r = app.post_json(&max, "/v1/cash-sessions/open", json!({"register_id": reg2, "opening_float_cents": 0, "opened_at": "2026-03-01T09:00"})).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "only admins open deferred sessions");

    // 3 × 4,50 € paid 10 € cash + 3,50 € card, with a 1 € donation.
    let r = app.sell(&lea, &session, &cat, (3, 450), json!([{"method": "cash", "amount_cents": 1000}, {"method": "card", "amount_cents": 450}]), 100).await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
    let sale: Value = r.json().await.unwrap();
    assert_eq!((sale["total_cents"].as_i64(), sale["donation_cents"].as_i64()), (Some(1350), Some(100)));
    assert_eq!(sale["items"][0]["line_total_cents"], 1350);
    // A cheque, and a free sale (given away: no drawer receives it).
    assert_eq!(app.sell(&lea, &session, &cat, (1, 2000), json!([{"method": "check", "amount_cents": 2000}]), 0).await.status(), StatusCode::CREATED);
    assert_eq!(app.sell(&lea, &session, &cat, (2, 150), json!([{"method": "free", "amount_cents": 300}]), 0).await.status(), StatusCode::CREATED);
    // Payments must add up exactly; items must exist; quantities are positive.
    let r = app.sell(&lea, &session, &cat, (1, 500), json!([{"method": "cash", "amount_cents": 499}]), 0).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["field"], "payments");
    assert!(body["detail"].as_str().unwrap().contains("4,99 €") && body["detail"].as_str().unwrap().contains("5,00 €"), "{body}");
    assert_detail(app.sell(&lea, &session, &cat, (0, 500), json!([{"method": "cash", "amount_cents": 1}]), 0).await, StatusCode::UNPROCESSABLE_ENTITY, "quantité").await;
    assert_detail(app.sell(&lea, &session, &uuid::Uuid::new_v4().to_string(), (1, 500), json!([{"method": "cash", "amount_cents": 500}]), 0).await, StatusCode::UNPROCESSABLE_ENTITY, "catégorie introuvable").await;
    assert_detail(app.sell(&lea, &session, &cat, (1, 500), json!([{"method": "bitcoin", "amount_cents": 500}]), 0).await, StatusCode::UNPROCESSABLE_ENTITY, "Données invalides").await;
    // Another cashier cannot sell on Léa's session.
    assert_eq!(app.sell(&max, &session, &cat, (1, 100), json!([{"method": "cash", "amount_cents": 100}]), 0).await.status(), StatusCode::FORBIDDEN);

    let current = app.get_json(&lea, "/v1/cash-sessions/current").await;
    assert_eq!((current["sales_count"].as_i64(), current["items_count"].as_i64()), (Some(3), Some(6)), "articles count items, not sales");
    assert_eq!((current["total_cents"].as_i64(), current["cash_cents"].as_i64(), current["card_cents"].as_i64(), current["check_cents"].as_i64(), current["free_cents"].as_i64()), (Some(3650), Some(1000), Some(450), Some(2000), Some(300)));

    // Expected cash = 50 € float + 10 € cash; counted 59,94 €: 6 cents short, above the
    // 5-cent tolerance, so a comment is needed.
    let r = app.close_cash(&lea, &session, json!({"counted_cash_cents": 5994, "counted_card_cents": 450, "counted_check_cents": 1900})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["field"], "comment");
    assert!(body["detail"].as_str().unwrap().contains("-0,06 €"), "{body}");
    // Within the tolerance, no comment needed (not closed: checked on a copy below).
    let r = app.close_cash(&lea, &session, json!({"counted_cash_cents": 5994, "counted_card_cents": 450, "counted_check_cents": 1900, "comment": "Pièce de 5 cts perdue"})).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let rec: Value = r.json().await.unwrap();
    assert_eq!(rec["deleted"], false);
    assert_eq!((rec["expected_cash_cents"].as_i64(), rec["cash_variance_cents"].as_i64()), (Some(6000), Some(-6)));
    assert_eq!((rec["expected_card_cents"].as_i64(), rec["card_variance_cents"].as_i64()), (Some(450), Some(0)));
    assert_eq!((rec["expected_check_cents"].as_i64(), rec["check_variance_cents"].as_i64()), (Some(2000), Some(-100)));
    assert_eq!(rec["comment"], "Pièce de 5 cts perdue");

    // Frozen after close.
    assert_detail(app.sell(&lea, &session, &cat, (1, 100), json!([{"method": "cash", "amount_cents": 100}]), 0).await, StatusCode::CONFLICT, "fermée").await;
    assert_detail(app.close_cash(&lea, &session, json!({"counted_cash_cents": 0})).await, StatusCode::CONFLICT, "déjà fermée").await;
    assert_eq!(lea.get(app.url("/v1/cash-sessions/current")).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let detail = app.get_json(&app.client, &format!("/v1/cash-sessions/{session}")).await;
    assert_eq!(detail["status"], "closed");
    assert_eq!(detail["sales"].as_array().unwrap().len(), 3);
    let split = detail["sales"].as_array().unwrap().iter().find(|s| s["total_cents"] == 1350).unwrap();
    assert_eq!(split["payments"], json!([{"method": "card", "amount_cents": 450}, {"method": "cash", "amount_cents": 1000}]));
    assert_eq!(split["items"][0]["quantity"], 3);
    assert_eq!(detail["cash_variance_cents"], -6);
    assert_eq!(max.get(app.url(&format!("/v1/cash-sessions/{session}"))).send().await.unwrap().status(), StatusCode::FORBIDDEN);

    // Within the tolerance, closing needs no comment.
    let s2 = app.open_cash(&max, &reg2, 0).await;
    assert_eq!(app.sell(&max, &s2, &cat, (1, 100), json!([{"method": "cash", "amount_cents": 100}]), 0).await.status(), StatusCode::CREATED);
    let r = app.close_cash(&max, &s2, json!({"counted_cash_cents": 105})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let rec: Value = r.json().await.unwrap();
    assert_eq!((rec["cash_variance_cents"].as_i64(), rec["counted_card_cents"].clone()), (Some(5), Value::Null));
}

async fn an_empty_session_is_deleted_on_close(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    let reg = app.register("Boutique", "Caisse 1").await;
    let session = app.open_cash(&app.client, &reg, 2000).await;
    let r = app.close_cash(&app.client, &session, json!({"counted_cash_cents": 2000})).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"deleted": true}));
    assert_eq!(app.client.get(app.url(&format!("/v1/cash-sessions/{session}"))).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    // The register is free again.
    app.open_cash(&app.client, &reg, 0).await;
}

async fn thousands_of_sales_add_up_to_the_cent(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    let reg = app.register("Boutique", "Caisse 1").await;
    let cat = app.category_id("Vêtements").await;
    let session = app.open_cash(&app.client, &reg, 12_345).await;
    let (mut cash, mut card, mut check, mut free, mut total, mut donations) = (0i64, 0i64, 0i64, 0i64, 0i64, 0i64);
    for i in 0..1500i64 {
        // Prices like 0,07 € to 99,99 €, quantities 1 to 3, every third sale split.
        let (qty, price, donation) = (i % 3 + 1, (i * 7919) % 9999 + 7, if i % 11 == 0 { i % 50 + 1 } else { 0 });
        let due = qty * price + donation;
        let payments = match i % 4 {
            0 => {
                cash += due;
                json!([{"method": "cash", "amount_cents": due}])
            }
            1 => {
                card += due;
                json!([{"method": "card", "amount_cents": due}])
            }
            2 if due > 1 => {
                let part = due / 3;
                cash += part;
                check += due - part;
                json!([{"method": "cash", "amount_cents": part}, {"method": "check", "amount_cents": due - part}])
            }
            _ => {
                free += due;
                json!([{"method": "free", "amount_cents": due}])
            }
        };
        total += qty * price;
        donations += donation;
        let r = app.sell(&app.client, &session, &cat, (qty, price), payments, donation).await;
        assert_eq!(r.status(), StatusCode::CREATED, "sale {i}: {}", r.text().await.unwrap());
    }
    let s = app.get_json(&app.client, "/v1/cash-sessions/current").await;
    assert_eq!(s["sales_count"], 1500);
    assert_eq!((s["total_cents"].as_i64(), s["donation_cents"].as_i64()), (Some(total), Some(donations)));
    assert_eq!((s["cash_cents"].as_i64(), s["card_cents"].as_i64(), s["check_cents"].as_i64(), s["free_cents"].as_i64()), (Some(cash), Some(card), Some(check), Some(free)));
    assert_eq!(cash + card + check + free, total + donations, "every cent paid once");
    let detail = app.get_json(&app.client, &format!("/v1/cash-sessions/{session}")).await;
    let from_items: i64 = detail["sales"].as_array().unwrap().iter().flat_map(|s| s["items"].as_array().unwrap().iter()).map(|i| i["line_total_cents"].as_i64().unwrap()).sum();
    assert_eq!(from_items, total, "running totals equal the items");
    let r = app.close_cash(&app.client, &session, json!({"counted_cash_cents": 12_345 + cash, "counted_card_cents": card, "counted_check_cents": check})).await;
    let rec: Value = r.json().await.unwrap();
    assert_eq!((rec["cash_variance_cents"].as_i64(), rec["card_variance_cents"].as_i64(), rec["check_variance_cents"].as_i64()), (Some(0), Some(0), Some(0)));
}

async fn sales_racing_the_close_are_all_or_nothing(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    let reg = app.register("Boutique", "Caisse 1").await;
    let cat = app.category_id("Jouets").await;
    let session = app.open_cash(&app.client, &reg, 1000).await;
    assert_eq!(app.sell(&app.client, &session, &cat, (1, 100), json!([{"method": "cash", "amount_cents": 100}]), 0).await.status(), StatusCode::CREATED);
    let url = app.url(&format!("/v1/cash-sessions/{session}/sales"));
    let mut sales = Vec::new();
    let mut close = None;
    for i in 0..24i64 {
        let (c, url, cat) = (app.client.clone(), url.clone(), cat.clone());
        sales.push(tokio::spawn(async move {
            let body = json!({"items": [{"category_id": cat, "quantity": 1, "unit_price_cents": 100 + i}], "payments": [{"method": "cash", "amount_cents": 100 + i}]});
            (100 + i, c.post(url).json(&body).send().await.unwrap().status())
        }));
        if i == 8 {
            let (c, u) = (app.client.clone(), app.url(&format!("/v1/cash-sessions/{session}/close")));
            close = Some(tokio::spawn(async move {
                let r = c.post(u).json(&json!({"counted_cash_cents": 0, "comment": "clôture pendant les ventes"})).send().await.unwrap();
                (r.status(), r.json::<Value>().await.unwrap())
            }));
        }
    }
    let mut accepted = 100; // the first sale
    for s in sales {
        match s.await.unwrap() {
            (amount, StatusCode::CREATED) => accepted += amount,
            (_, StatusCode::CONFLICT) => {}
            (_, other) => panic!("a sale racing a close must answer 201 or 409, not {other}"),
        }
    }
    let (status, body) = close.unwrap().await.unwrap();
    let detail = app.get_json(&app.client, &format!("/v1/cash-sessions/{session}")).await;
    let recorded: i64 = detail["sales"].as_array().unwrap().iter().map(|s| s["total_cents"].as_i64().unwrap()).sum();
    assert_eq!(recorded, accepted, "every accepted sale, and only those");
    assert_eq!(detail["cash_cents"].as_i64(), Some(accepted));
    match status {
        StatusCode::OK => {
            assert_eq!(detail["status"], "closed");
            assert_eq!(body["expected_cash_cents"].as_i64(), Some(1000 + accepted), "the close counted exactly the sales before it: {body}");
        }
        StatusCode::CONFLICT => assert_eq!(detail["status"], "open", "a refused close leaves the session open"),
        other => panic!("the close must answer 200 or 409, not {other}: {body}"),
    }
}

async fn deferred_sessions_date_their_sales_on_the_session_day(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    let reg = app.register("Boutique", "Caisse 1").await;
    let cat = app.category_id("Livres et médias").await;
    let r = app.post_json(&app.client, "/v1/cash-sessions/open", json!({"register_id": reg, "opening_float_cents": 0, "opened_at": "2026-03-01T09:30"})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let s: Value = r.json().await.unwrap();
    assert_eq!((s["is_deferred"].as_bool(), s["opened_at"].as_str()), (Some(true), Some("2026-03-01T08:30:00Z")));
    let session = s["id"].as_str().unwrap();
    let sale: Value = app.sell(&app.client, session, &cat, (1, 300), json!([{"method": "cash", "amount_cents": 300}]), 0).await.json().await.unwrap();
    assert_eq!(sale["sold_at"], "2026-03-01T08:30:00Z", "a deferred session's sales take its day");
    let r = app.post_json(&app.client, "/v1/cash-sessions/open", json!({"register_id": reg, "opening_float_cents": 0, "opened_at": "2099-01-01T09:00"})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "opened_at", "a date in the future is refused");
}

/// Sessions built to be told apart; each filter alone, then combined, against the
/// sessions a hand count expects, and the totals of the whole filtered set.
async fn the_audit_filters_alone_and_combined(db: Db) {
    use chrono::{Duration, TimeZone, Utc};
    let app = spawn_app(db).await;
    app.login_admin().await;
    let reg_a = app.register("Centre", "Caisse A").await;
    let reg_b = app.register("Annexe", "Caisse B").await;
    let cat = app.category_id("Mobilier").await;
    let (lea, lea_user) = app.user_client("lea", &["caisse.access"]).await;
    let (max, _) = app.user_client("max", &["caisse.access"]).await;
    let day = |d: u32, h: u32| Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0).unwrap();
    // (who, register, opened, minutes open, sales as (price, method), donation, counted cash delta, comment)
    struct Plan {
        c: Client,
        reg: String,
        at: chrono::DateTime<Utc>,
        minutes: i64,
        sales: Vec<(i64, &'static str)>,
        donation: i64,
        delta: i64,
        comment: Option<&'static str>,
    }
    let plans = vec![
        Plan { c: lea.clone(), reg: reg_a.clone(), at: day(2, 8), minutes: 240, sales: vec![(1000, "cash"), (500, "card")], donation: 0, delta: 0, comment: None },
        Plan { c: lea.clone(), reg: reg_a.clone(), at: day(3, 8), minutes: 30, sales: vec![(20000, "check")], donation: 200, delta: -300, comment: Some("Erreur de rendu monnaie") },
        Plan { c: max.clone(), reg: reg_b.clone(), at: day(4, 8), minutes: 600, sales: vec![(300, "free")], donation: 0, delta: 50, comment: Some("Trouvé 50 cts") },
        Plan { c: max.clone(), reg: reg_b.clone(), at: day(20, 8), minutes: 90, sales: vec![(4500, "cash"), (1200, "cash")], donation: 0, delta: 0, comment: None },
    ];
    let mut ids = Vec::new();
    for plan in &plans {
        app.clock.set(plan.at);
        app.login_admin().await;
        for c in [&lea, &max] {
            // Sessions expire after an hour of manual time: log the cashiers in again.
            let name = if std::ptr::eq(c, &lea) { "lea" } else { "max" };
            assert_eq!(app.login_with(c, name, &format!("motdepasse-{name}")).await.status(), StatusCode::OK);
        }
        let id = app.open_cash(&plan.c, &plan.reg, 1000).await;
        let mut cash = 0;
        for (i, (price, method)) in plan.sales.iter().enumerate() {
            let donation = if i == 0 { plan.donation } else { 0 };
            if *method == "cash" {
                cash += price + donation;
            }
            let r = app.sell(&plan.c, &id, &cat, (1, *price), json!([{"method": method, "amount_cents": price + donation}]), donation).await;
            assert_eq!(r.status(), StatusCode::CREATED);
        }
        app.clock.set(plan.at + Duration::minutes(plan.minutes));
        let name = if plan.reg == reg_a { "lea" } else { "max" };
        assert_eq!(app.login_with(&plan.c, name, &format!("motdepasse-{name}")).await.status(), StatusCode::OK);
        let r = app.close_cash(&plan.c, &id, json!({"counted_cash_cents": 1000 + cash + plan.delta, "comment": plan.comment})).await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        ids.push(id);
    }
    // Still open: Léa on register A on the 21st, one cash sale.
    app.clock.set(day(21, 9));
    app.login_admin().await;
    assert_eq!(app.login_with(&lea, "lea", "motdepasse-lea").await.status(), StatusCode::OK);
    let open = app.open_cash(&lea, &reg_a, 0).await;
    assert_eq!(app.sell(&lea, &open, &cat, (2, 250), json!([{"method": "cash", "amount_cents": 500}]), 0).await.status(), StatusCode::CREATED);
    ids.push(open);

    let audit = |q: String| {
        let (c, url) = (app.client.clone(), app.url(&format!("/v1/admin/cash-sessions?{q}")));
        async move {
            let r = c.get(url).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{q}: {}", r.text().await.unwrap());
            r.json::<Value>().await.unwrap()
        }
    };
    let found = |page: &Value| -> Vec<usize> {
        let mut v: Vec<usize> = page["items"].as_array().unwrap().iter().map(|s| ids.iter().position(|id| s["id"] == id.as_str()).unwrap()).collect();
        v.sort();
        v
    };
    let site_a = app.get_json(&app.client, "/v1/admin/registers").await.as_array().unwrap().iter().find(|r| r["id"] == reg_a.as_str()).unwrap()["site_id"].as_str().unwrap().to_string();
    let lea_id = lea_user["id"].as_str().unwrap();
    let prefix = &ids[2][..8];
    let cases: Vec<(String, Vec<usize>)> = vec![
        (String::new(), vec![0, 1, 2, 3, 4]),
        ("date_from=2026-03-01&date_to=2026-03-04".into(), vec![0, 1, 2]),
        ("date_from=2026-03-04&date_to=2026-03-04".into(), vec![2]),
        (format!("site_id={site_a}"), vec![0, 1, 4]),
        (format!("register_id={reg_b}"), vec![2, 3]),
        (format!("operator_id={lea_id}"), vec![0, 1, 4]),
        ("status=open".into(), vec![4]),
        ("status=closed".into(), vec![0, 1, 2, 3]),
        ("amount_min_cents=1500".into(), vec![0, 1, 3]),
        ("amount_max_cents=1500".into(), vec![0, 2, 4]),
        ("amount_min_cents=500&amount_max_cents=5700".into(), vec![0, 3, 4]),
        ("has_variance=true".into(), vec![1, 2]),
        ("has_variance=false".into(), vec![0, 3]),
        ("variance_threshold_cents=100".into(), vec![1]),
        ("variance_threshold_cents=50".into(), vec![1, 2]),
        ("duration_min_minutes=90".into(), vec![0, 2, 3]),
        ("duration_max_minutes=90".into(), vec![1, 3]),
        ("payment_methods=card".into(), vec![0]),
        ("payment_methods=check&payment_methods=free".into(), vec![1, 2]),
        ("payment_methods=cash".into(), vec![0, 3, 4]),
        ("has_donation=true".into(), vec![1]),
        ("has_donation=false".into(), vec![0, 2, 3, 4]),
        ("search=rendu".into(), vec![1]),
        ("search=B%C3%A9n%C3%A9vole%20max".into(), vec![2, 3]),
        (format!("search={prefix}"), vec![2]),
        ("search=100%25".into(), vec![]),
        // Combined: Léa's closed sessions with a variance, on site A, in early March.
        (format!("operator_id={lea_id}&status=closed&has_variance=true&site_id={site_a}&period=this_month"), vec![1]),
        ("payment_methods=cash&duration_max_minutes=300&date_from=2026-03-01&date_to=2026-03-10".into(), vec![0]),
    ];
    for (q, expected) in &cases {
        let page = audit(q.clone()).await;
        assert_eq!(&found(&page), expected, "filter {q:?}");
        assert_eq!(page["total"].as_i64(), Some(expected.len() as i64), "total for {q:?}");
    }
    // Totals of the whole filtered set, not of the page.
    let page = audit("status=closed&page_size=1&sort=-total".into()).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["id"], ids[1].as_str(), "largest total first");
    let t = &page["totals"];
    assert_eq!((t["sessions"].as_i64(), t["sales"].as_i64(), t["items"].as_i64()), (Some(4), Some(6), Some(6)));
    assert_eq!((t["total_cents"].as_i64(), t["cash_cents"].as_i64(), t["card_cents"].as_i64()), (Some(27500), Some(6700), Some(500)));
    assert_eq!((t["check_cents"].as_i64(), t["free_cents"].as_i64(), t["donation_cents"].as_i64(), t["cash_variance_cents"].as_i64()), (Some(20200), Some(300), Some(200), Some(-250)));
    let second = audit("status=closed&page_size=1&page=2&sort=-total".into()).await;
    assert_eq!(second["items"][0]["id"], ids[3].as_str());
    let by_variance = audit("sort=-variance&page_size=2".into()).await;
    assert_eq!(found(&by_variance), vec![1, 2]);
    // Bad input names its field.
    for (q, field) in [("sort=name", "sort"), ("page=0", "page"), ("page_size=501", "page_size"), ("has_variance=peut-etre", "has_variance"), ("payment_methods=troc", "payment_methods"), ("colour=red", "colour")] {
        let r = app.client.get(app.url(&format!("/v1/admin/cash-sessions?{q}"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{q}");
        assert_eq!(r.json::<Value>().await.unwrap()["field"], field, "{q}");
    }
}

/// The audit export: the filter applies to every sheet, numbers and dates are typed
/// cells, user text is neutralised, CSV is the "Détails" table in the French profile.
async fn the_export_applies_every_filter_with_typed_cells(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    let reg = app.register("Centre", "Caisse =1+1").await;
    let mobilier = app.category_id("Mobilier").await;
    let petit = app.category_id("Petit électroménager").await;
    // A balanced session, then one 2,50 € short with a formula-looking comment.
    let ok = app.open_cash(&app.client, &reg, 1000).await;
    assert_eq!(app.sell(&app.client, &ok, &mobilier, (1, 700), json!([{"method": "cash", "amount_cents": 700}]), 0).await.status(), StatusCode::CREATED);
    assert_eq!(app.close_cash(&app.client, &ok, json!({"counted_cash_cents": 1700})).await.status(), StatusCode::OK);
    let short = app.open_cash(&app.client, &reg, 1000).await;
    let body = json!({"items": [{"category_id": petit, "quantity": 2, "weight_kg": "1,250", "unit_price_cents": 1250}, {"category_id": mobilier, "quantity": 1, "unit_price_cents": 99}],
                      "payments": [{"method": "cash", "amount_cents": 1000}, {"method": "card", "amount_cents": 1699}], "donation_cents": 100});
    assert_eq!(app.post_json(&app.client, &format!("/v1/cash-sessions/{short}/sales"), body).await.status(), StatusCode::CREATED);
    assert_eq!(app.close_cash(&app.client, &short, json!({"counted_cash_cents": 1750, "comment": "=HYPERLINK(\"x\")"})).await.status(), StatusCode::OK);

    let export = |body: Value| app.client.post(app.url("/v1/admin/reports/cash-sessions/export-bulk")).json(&body).send();
    let r = export(json!({"filters": {"has_variance": true, "period": "today"}, "format": "xlsx"})).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-disposition"], "attachment; filename=\"caisse-sessions-2026-03-15_2026-03-15.xlsx\"");
    let bytes = r.bytes().await.unwrap().to_vec();
    let bytes_again = bytes.clone();
    // The comment =HYPERLINK(...) (Détails, column T, first row under the caption and
    // the header) is the only quote-prefixed cell.
    assert_eq!((quote_prefixed_cells(&bytes, 1), quote_prefixed_cells(&bytes, 2), quote_prefixed_cells(&bytes, 3)), (vec![], vec!["T6".to_string()], vec![]));
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("a valid xlsx");
    assert_eq!(book.sheet_names(), ["Résumé", "Détails", "Détails Tickets"]);
    // Every sheet opens with what it selects (three lines, then an empty row), then its
    // header row, frozen and with filter buttons.
    let caption = [
        "RecyClique · Audit des sessions de caisse",
        "Période : aujourd'hui (le 15/03/2026)",
        "Filtres : Avec écart de caisse : oui",
    ];
    let rows = |book: &mut Xlsx<Cursor<Vec<u8>>>, name: &str| -> Vec<Vec<Data>> {
        let all: Vec<Vec<Data>> = book.worksheet_range(name).unwrap().rows().map(|r| r.to_vec()).collect();
        let top: Vec<Data> = all[..3].iter().map(|r| r[0].clone()).collect();
        assert_eq!(top, caption.map(|l| Data::String(l.into())), "{name}");
        assert!(all[3].iter().all(|c| *c == Data::Empty), "{name}");
        all[4..].to_vec()
    };
    for (sheet, range) in [(1, "A5:J7"), (2, "A5:W6"), (3, "A5:L7")] {
        let xml = sheet_xml(&bytes_again, sheet);
        assert!(xml.contains(&format!("<autoFilter ref=\"{range}\"/>")), "sheet {sheet}: {}", &xml[xml.len().saturating_sub(400)..]);
        assert!(xml.contains("ySplit=\"5\""), "frozen under the header, sheet {sheet}");
    }
    let summary = rows(&mut book, "Résumé");
    assert_eq!(summary.len(), 3, "header, the one session with a variance, the total");
    assert!(matches!(summary[1][0], Data::Float(_) | Data::DateTime(_)), "opening as a date cell: {:?}", summary[1][0]);
    assert_eq!(summary[1][1], Data::String("Caisse =1+1".into()), "register names as typed");
    assert_eq!((summary[1][7].clone(), summary[1][8].clone(), summary[1][9].clone()), (Data::Float(25.99), Data::Float(1.0), Data::Float(-2.5)));
    assert_eq!(summary[2][0], Data::String("TOTAL".into()));
    assert_eq!((summary[2][4].clone(), summary[2][7].clone()), (Data::Float(1.0), Data::Float(25.99)));
    let details = rows(&mut book, "Détails");
    assert_eq!(details.len(), 2);
    assert_eq!(details[0][14], Data::String("Espèces attendues (€)".into()));
    assert_eq!((details[1][5].clone(), details[1][10].clone(), details[1][11].clone()), (Data::Float(10.0), Data::Float(10.0), Data::Float(16.99)));
    assert_eq!((details[1][14].clone(), details[1][15].clone(), details[1][16].clone()), (Data::Float(20.0), Data::Float(17.5), Data::Float(-2.5)));
    assert_eq!(details[1][22], Data::String(short.clone()));
    assert_eq!(details[1][19], Data::String("=HYPERLINK(\"x\")".into()), "a formula-looking comment is a string cell, exactly as typed");
    let items = rows(&mut book, "Détails Tickets");
    assert_eq!(items.len(), 3, "the two items of the session with a variance only");
    let petit_row = items.iter().find(|r| r[5] == Data::String("Petit électroménager".into())).unwrap();
    assert_eq!(petit_row[6], Data::String("Électroménager (DEEE)".into()));
    assert_eq!((petit_row[7].clone(), petit_row[8].clone(), petit_row[9].clone(), petit_row[10].clone()), (Data::Float(2.0), Data::Float(1.25), Data::Float(12.5), Data::Float(25.0)));
    assert_eq!(petit_row[11], Data::String("Espèces, Carte".into()), "payment methods as the till names them");
    assert_eq!((summary[1][4].clone(), details[1][20].clone()), (Data::String("fermée".into()), Data::String("fermée".into())), "statuses in French words");

    // CSV: the Détails rows in the French profile, every filter applied.
    let r = export(json!({"filters": {"has_variance": false}, "format": "csv"})).await.unwrap();
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = r.text().await.unwrap();
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert!(lines[0].starts_with("\u{feff}Ouverture;Fermeture;Opérateur;Caisse;Site;Fond de caisse (€);Total ventes (€);"), "{csv}");
    assert_eq!(lines.len(), 3, "header, the balanced session, and the final line end: {csv}");
    assert!(lines[1].starts_with("2026-03-15 11:00:00;2026-03-15 11:00:00;Administrateur;Caisse =1+1;Centre;10,00;7,00;1;1;0,00;7,00;0,00;0,00;0,00;17,00;17,00;0,00;;;;fermée;non;"), "{}", lines[1]);
    assert!(lines[1].ends_with(&ok), "{}", lines[1]);
    // The comment is neutralised in CSV.
    let r = export(json!({"filters": {"has_variance": true}, "format": "csv", "dialect": "standard"})).await.unwrap();
    let csv = r.text().await.unwrap();
    assert!(csv.contains(",\"'=HYPERLINK(\"\"x\"\")\",closed,false,"), "the standard dialect keeps the codes: {csv}");
    // The ZIP's sale items: payment methods in words for people, as codes for programs.
    for (dialect, expected) in [("excel", ";Espèces, Carte\r\n"), ("standard", ",\"cash,card\"\r\n")] {
        let r = export(json!({"filters": {"has_variance": true}, "format": "zip", "dialect": dialect})).await.unwrap();
        let mut zip = zip::ZipArchive::new(Cursor::new(r.bytes().await.unwrap().to_vec())).unwrap();
        let mut items = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("details_tickets.csv").unwrap(), &mut items).unwrap();
        assert_eq!(items.matches(expected).count(), 2, "{dialect}: {items}");
    }
    // Bad input names its field.
    for (body, field) in [(json!({"filters": {"status": "perdu"}}), "status"), (json!({"format": "pdf"}), "format"), (json!({"filtres": {}}), "filtres"), (json!({"sort": 3}), "sort")] {
        let r = export(body.clone()).await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(r.json::<Value>().await.unwrap()["field"], field, "{body}");
    }
    let (cashier, _) = app.user_client("lea", &["caisse.access"]).await;
    assert_eq!(cashier.post(app.url("/v1/admin/reports/cash-sessions/export-bulk")).json(&json!({})).send().await.unwrap().status(), StatusCode::FORBIDDEN);
}

/// `GET /v1/stats/live`: the cash block for cashiers, the reception block for reception
/// users, both for admins; sales dated today in Paris only.
async fn live_stats_carry_the_days_cash_block(db: Db) {
    use chrono::{Duration, TimeZone, Utc};
    let app = spawn_app(db).await;
    app.login_admin().await;
    let reg = app.register("Centre", "Caisse 1").await;
    let cat = app.category_id("Mobilier").await;
    let (lea, _) = app.user_client("lea", &["caisse.access"]).await;
    let (paul, _) = app.user_client("paul", &["reception.access"]).await;
    // Yesterday evening (22:30 Paris), then today.
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 14, 21, 30, 0).unwrap());
    assert_eq!(app.login_with(&lea, "lea", "motdepasse-lea").await.status(), StatusCode::OK);
    let session = app.open_cash(&lea, &reg, 0).await;
    assert_eq!(app.sell(&lea, &session, &cat, (1, 999), json!([{"method": "cash", "amount_cents": 999}]), 0).await.status(), StatusCode::CREATED);
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 14, 23, 30, 0).unwrap());
    assert_eq!(app.login_with(&lea, "lea", "motdepasse-lea").await.status(), StatusCode::OK);
    let body = json!({"items": [{"category_id": cat, "quantity": 2, "weight_kg": 1.5, "unit_price_cents": 500}], "payments": [{"method": "card", "amount_cents": 800}, {"method": "cash", "amount_cents": 300}], "donation_cents": 100});
    assert_eq!(app.post_json(&lea, &format!("/v1/cash-sessions/{session}/sales"), body).await.status(), StatusCode::CREATED);
    app.clock.advance(Duration::minutes(30));
    assert_eq!(app.sell(&lea, &session, &cat, (1, 200), json!([{"method": "free", "amount_cents": 200}]), 0).await.status(), StatusCode::CREATED);

    let cash = app.get_json(&lea, "/v1/stats/live").await;
    assert!(cash.get("reception").is_none(), "{cash}");
    let c = &cash["cash"];
    assert_eq!(c["day"], "2026-03-15");
    assert_eq!((c["sessions_open"].as_i64(), c["sales_count"].as_i64(), c["items_count"].as_i64()), (Some(1), Some(2), Some(3)));
    assert_eq!((c["total_cents"].as_i64(), c["donation_cents"].as_i64()), (Some(1200), Some(100)));
    assert_eq!((c["cash_cents"].as_i64(), c["card_cents"].as_i64(), c["check_cents"].as_i64(), c["free_cents"].as_i64()), (Some(300), Some(800), Some(0), Some(200)));
    assert_eq!(c["weight_sold_kg"], 3.0);

    // The figures come from each sale's own totals (migration 0011). Without them they
    // are zero; the migration's fill of older sales gives the same figures back.
    let migration = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations/sqlite/0011_sale_totals.sql")).unwrap();
    let fill = &migration[migration.find("UPDATE sales").unwrap()..];
    assert_eq!(fill, &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations/postgres/0011_sale_totals.sql")).unwrap()[migration.find("UPDATE sales").unwrap()..]);
    let zero = "UPDATE sales SET items_count = 0, weight_g = 0, cash_cents = 0, card_cents = 0, check_cents = 0, free_cents = 0";
    app.raw_sql(zero).await;
    let zeroed = app.get_json(&lea, "/v1/stats/live").await;
    assert_eq!((zeroed["cash"]["items_count"].as_i64(), zeroed["cash"]["card_cents"].as_i64()), (Some(0), Some(0)));
    app.raw_sql(fill).await;
    assert_eq!(app.get_json(&lea, "/v1/stats/live").await["cash"], *c, "the fill gives the figures back");

    assert_eq!(app.login_with(&paul, "paul", "motdepasse-paul").await.status(), StatusCode::OK);
    let reception = app.get_json(&paul, "/v1/stats/live").await;
    assert!(reception.get("cash").is_none() && reception.get("reception").is_some(), "{reception}");
    app.login_admin().await;
    let both = app.get_json(&app.client, "/v1/stats/live").await;
    assert!(both.get("cash").is_some() && both.get("reception").is_some());
    let (nobody, _) = app.user_client("zoe", &[]).await;
    assert_eq!(nobody.get(app.url("/v1/stats/live")).send().await.unwrap().status(), StatusCode::FORBIDDEN);
}
