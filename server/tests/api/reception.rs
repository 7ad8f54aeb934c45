use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::*;

both_backends!(
    postes_open_close_and_refuse_with_open_tickets,
    deferred_postes_date_their_tickets,
    lines_are_exact_and_frozen_once_closed,
    reception_routes_check_auth_and_permissions,
    live_stats_count_today_in_paris,
    categories_tree_and_archive,
    ticket_lists_filter_by_status_period_poste_and_benevole,
    closing_races_with_line_writes_without_losing_the_rule,
    a_line_sent_again_with_its_id_is_added_once,
    the_poste_list_pages_with_its_total,
);

/// Thirty line inserts race one close: every insert is either in the ticket as closed
/// (201) or refused (409); no line lands on the ticket after it closed.
async fn closing_races_with_line_writes_without_losing_the_rule(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    app.open_poste(&app.client).await;
    let t = app.new_ticket(&app.client).await;
    let cat = app.category_id("Mobilier").await;
    let url = app.url(&format!("/v1/reception/tickets/{t}/lignes"));
    let mut inserts = Vec::new();
    let mut close = None;
    for i in 0..30 {
        let (c, url, cat) = (app.client.clone(), url.clone(), cat.clone());
        inserts.push(tokio::spawn(async move {
            c.post(url).json(&json!({"poids_kg": i + 1, "category_id": cat, "destination": "don"})).send().await.unwrap().status()
        }));
        if i == 10 {
            let (c, url) = (app.client.clone(), app.url(&format!("/v1/reception/tickets/{t}/close")));
            close = Some(tokio::spawn(async move { c.post(url).send().await.unwrap().status() }));
        }
    }
    assert_eq!(close.unwrap().await.unwrap(), StatusCode::OK, "the close itself always succeeds");
    let (mut created, mut refused) = (0, 0);
    for h in inserts {
        match h.await.unwrap() {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => refused += 1,
            other => panic!("a line insert racing a close must answer 201 or 409, not {other}"),
        }
    }
    assert_eq!(created + refused, 30);
    let detail = app.get_json(&app.client, &format!("/v1/reception/tickets/{t}")).await;
    assert_eq!(detail["status"], "closed");
    assert_eq!(detail["lignes"].as_array().unwrap().len(), created, "every accepted line, and only those");
    // The same rule for postes: a poste closed while tickets are being created. Either
    // the close came first (it succeeds, every creation after it is refused), or a
    // ticket came first (it stays open and the close is refused).
    let poste = app.get_json(&app.client, "/v1/reception/postes/current").await["id"].as_str().unwrap().to_string();
    let mut creations = Vec::new();
    let mut close = None;
    for i in 0..10 {
        let c = app.client.clone();
        let (tickets, url) = (app.url("/v1/reception/tickets"), app.url(&format!("/v1/reception/postes/{poste}/close")));
        if i == 5 {
            close = Some(tokio::spawn(async move { c.post(url).send().await.unwrap().status() }));
        } else {
            creations.push(tokio::spawn(async move { c.post(tickets).send().await.unwrap().status() }));
        }
    }
    let close = close.unwrap().await.unwrap();
    let mut created = 0;
    for j in creations {
        match j.await.unwrap() {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {}
            other => panic!("a ticket creation racing a close must answer 201 or 409, not {other}"),
        }
    }
    let open = app.get_json(&app.client, &format!("/v1/reception/tickets?poste_id={poste}&status=opened")).await["items"].as_array().unwrap().len();
    let current = app.client.get(app.url("/v1/reception/postes/current")).send().await.unwrap().status();
    match close {
        StatusCode::OK => {
            assert_eq!(created, 0, "no ticket can have been created before a successful close");
            assert_eq!(open, 0);
            assert_eq!(current, StatusCode::NOT_FOUND, "the poste is closed");
        }
        StatusCode::CONFLICT => {
            assert!(created >= 1, "the close was refused because a ticket came first");
            assert_eq!(open, created, "the poste keeps every ticket created on it, open");
            assert_eq!(current, StatusCode::OK, "the poste is still open");
        }
        other => panic!("closing a poste must answer 200 or 409, not {other}"),
    }
}

async fn ticket_lists_filter_by_status_period_poste_and_benevole(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    let (marie, marie_user) = app.user_client("marie", &["reception.access"]).await;
    let (paul, paul_user) = app.user_client("paul", &["reception.access"]).await;
    let poste_marie = app.open_poste(&marie).await;
    let poste_paul = app.open_poste(&paul).await;
    let m1 = app.new_ticket(&marie).await;
    app.close_ticket(&marie, &m1).await;
    let m2 = app.new_ticket(&marie).await;
    let p1 = app.new_ticket(&paul).await;
    let ids = |v: Value| -> Vec<String> {
        let mut ids: Vec<String> = v["items"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap().to_string()).collect();
        ids.sort();
        ids
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let admin = |q: &str| {
        let path = format!("/v1/reception/tickets{q}");
        let app = &app;
        async move { app.get_json(&app.client, &path).await }
    };
    assert_eq!(ids(admin("").await), sorted(vec![m1.clone(), m2.clone(), p1.clone()]));
    assert_eq!(ids(admin("?status=closed").await), vec![m1.clone()]);
    assert_eq!(ids(admin(&format!("?poste_id={poste_paul}")).await), vec![p1.clone()]);
    assert_eq!(ids(admin(&format!("?benevole_id={}", marie_user["id"].as_str().unwrap())).await), sorted(vec![m1.clone(), m2.clone()]));
    assert_eq!(ids(admin(&format!("?poste_id={poste_marie}&status=opened")).await), vec![m2.clone()]);
    assert_eq!(ids(admin("?date_from=2026-03-15&date_to=2026-03-15").await).len(), 3);
    assert!(ids(admin("?date_from=2026-03-16&date_to=2026-03-20").await).is_empty());
    // A bénévole asking for someone else's tickets still gets only their own.
    let q = format!("/v1/reception/tickets?benevole_id={}", paul_user["id"].as_str().unwrap());
    assert_eq!(ids(app.get_json(&marie, &q).await), sorted(vec![m1.clone(), m2.clone()]));
    let bad = marie.get(app.url("/v1/reception/tickets?status=perdu")).send().await.unwrap();
    assert_detail(bad, StatusCode::UNPROCESSABLE_ENTITY, "Statut inconnu").await;
    let bad = marie.get(app.url("/v1/reception/tickets?date_from=2026-03-15")).send().await.unwrap();
    assert_detail(bad, StatusCode::UNPROCESSABLE_ENTITY, "date_to est obligatoire").await;
}

async fn postes_open_close_and_refuse_with_open_tickets(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    let (c, _) = app.user_client("marie", &["reception.access"]).await;
    assert_detail(c.get(app.url("/v1/reception/postes/current")).send().await.unwrap(), StatusCode::NOT_FOUND, "Aucun poste ouvert").await;
    assert_detail(c.post(app.url("/v1/reception/tickets")).send().await.unwrap(), StatusCode::CONFLICT, "Ouvrez d'abord un poste").await;

    let poste = app.open_poste(&c).await;
    let current = app.get_json(&c, "/v1/reception/postes/current").await;
    assert_eq!(current["id"], poste.as_str());
    assert_eq!(current["status"], "opened");
    assert_eq!(current["is_deferred"], false);
    assert_eq!(current["opened_at"], "2026-03-15T10:00:00Z");
    assert_eq!(current["opened_by_name"], "Bénévole marie");
    assert_detail(c.post(app.url("/v1/reception/postes/open")).send().await.unwrap(), StatusCode::CONFLICT, "déjà un poste ouvert").await;

    let t1 = app.new_ticket(&c).await;
    let t2 = app.new_ticket(&c).await;
    let mobilier = app.category_id("Mobilier").await;
    app.add_line(&c, &t1, json!({"poids_kg": 12.5, "category_id": mobilier, "destination": "revente"})).await;
    app.add_line(&c, &t1, json!({"poids_kg": 0.75, "category_id": mobilier, "destination": "revente"})).await;
    app.add_line(&c, &t2, json!({"poids_kg": 3.25, "category_id": mobilier, "destination": "destruction", "is_exit": true})).await;
    app.close_ticket(&c, &t1).await;
    let r = c.post(app.url(&format!("/v1/reception/postes/{poste}/close"))).send().await.unwrap();
    assert_detail(r, StatusCode::CONFLICT, "1 ticket(s) encore ouvert(s)").await;
    // Another reception user cannot close Marie's poste.
    let (paul, _) = app.user_client("paul", &["reception.access"]).await;
    assert_detail(paul.post(app.url(&format!("/v1/reception/postes/{poste}/close"))).send().await.unwrap(), StatusCode::FORBIDDEN, "autre utilisateur").await;

    let tickets = app.get_json(&c, "/v1/reception/tickets?status=opened").await;
    let open: Vec<_> = tickets["items"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(open.len(), 1);
    app.close_ticket(&c, &open[0]).await;
    assert_detail(c.post(app.url(&format!("/v1/reception/tickets/{}/close", open[0]))).send().await.unwrap(), StatusCode::CONFLICT, "déjà fermé").await;
    let r = c.post(app.url(&format!("/v1/reception/postes/{poste}/close"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "closed");
    assert_detail(c.post(app.url(&format!("/v1/reception/postes/{poste}/close"))).send().await.unwrap(), StatusCode::CONFLICT, "déjà fermé").await;
    assert_eq!(c.get(app.url("/v1/reception/postes/current")).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    // The shift's summary: its tickets, entries and exits by destination; for its owner
    // and admins only.
    let summary_url = format!("/v1/reception/postes/{poste}/summary");
    let s = app.get_json(&c, &summary_url).await;
    assert_eq!((s["tickets"].clone(), s["lines_count"].clone()), (json!(2), json!(3)));
    assert_eq!((s["entry_weight_kg"].clone(), s["exit_weight_kg"].clone()), (json!(13.25), json!(3.25)));
    assert_eq!(
        s["by_destination"],
        json!([
            {"destination": "revente", "lines_count": 2, "entry_weight_kg": 13.25, "exit_weight_kg": 0.0},
            {"destination": "destruction", "lines_count": 1, "entry_weight_kg": 0.0, "exit_weight_kg": 3.25}
        ])
    );
    assert!(s["closed_at"].is_string());
    assert_eq!(app.get_json(&app.client, &summary_url).await["tickets"], 2);
    assert_detail(paul.get(app.url(&summary_url)).send().await.unwrap(), StatusCode::FORBIDDEN, "autre utilisateur").await;
    assert_detail(c.get(app.url(&format!("/v1/reception/postes/{}/summary", uuid::Uuid::new_v4()))).send().await.unwrap(), StatusCode::NOT_FOUND, "introuvable").await;
    // A new poste can be opened once the old one is closed.
    app.open_poste(&c).await;
}

async fn deferred_postes_date_their_tickets(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    let (c, _) = app.user_client("marie", &["reception.access"]).await;
    let r = app.post_json(&c, "/v1/reception/postes/open", json!({"opened_at": "2026-03-01T09:00"})).await;
    assert_detail(r, StatusCode::FORBIDDEN, "Seul un administrateur").await;
    let r = app.post_json(&app.client, "/v1/reception/postes/open", json!({"opened_at": "2026-03-16T09:00"})).await;
    assert_detail(r, StatusCode::UNPROCESSABLE_ENTITY, "futur").await;
    let r = app.post_json(&app.client, "/v1/reception/postes/open", json!({"opened_at": "hier"})).await;
    assert_detail(r, StatusCode::UNPROCESSABLE_ENTITY, "Date et heure invalides").await;
    let r = app.post_json(&app.client, "/v1/reception/postes/open", json!({"opened_at": "1926-03-01T09:00"})).await;
    assert_detail(r, StatusCode::UNPROCESSABLE_ENTITY, "entre 2000 et 2100").await;

    // The paper logbook of March 1st, typed in Paris time.
    let r = app.post_json(&app.client, "/v1/reception/postes/open", json!({"opened_at": "2026-03-01T09:00"})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let poste: Value = r.json().await.unwrap();
    assert_eq!(poste["is_deferred"], true);
    assert_eq!(poste["opened_at"], "2026-03-01T08:00:00Z");
    let r = app.client.post(app.url("/v1/reception/tickets")).send().await.unwrap();
    let ticket: Value = r.json().await.unwrap();
    assert_eq!(ticket["ticket_at"], "2026-03-01T08:00:00Z", "a deferred ticket takes the poste's date");
    assert_eq!(ticket["created_at"], "2026-03-15T10:00:00Z");
    assert_eq!(ticket["is_deferred"], true);
    // Listed on its logbook day, not on the day it was typed.
    let on_day = app.get_json(&app.client, "/v1/reception/tickets?date_from=2026-03-01&date_to=2026-03-01").await;
    assert_eq!(on_day["items"].as_array().unwrap().len(), 1);
    let today = app.get_json(&app.client, "/v1/reception/tickets?date_from=2026-03-15&date_to=2026-03-15").await;
    assert_eq!(today["items"].as_array().unwrap().len(), 0);
}

async fn lines_are_exact_and_frozen_once_closed(db: Db) {
    let app = spawn_app(db).await;
    let (c, t) = app.marie_at_the_desk().await;
    let cat = app.category_id("Mobilier").await;
    let lines_url = format!("/v1/reception/tickets/{t}/lignes");

    let l1 = app.add_line(&c, &t, json!({"poids_kg": 12.345, "category_id": cat, "destination": "revente", "notes": "  Buffet en chêne  "})).await;
    assert_eq!(l1["poids_kg"], json!(12.345));
    assert_eq!(l1["notes"], "Buffet en chêne");
    assert_eq!(l1["is_exit"], false);
    assert_eq!(l1["category_name"], "Mobilier");
    let l2 = app.add_line(&c, &t, json!({"poids_kg": "0,1", "category_id": cat, "destination": "recyclage", "is_exit": true})).await;
    assert_eq!(l2["poids_kg"], json!(0.1));
    // 0.1 + 0.2 would not be 0.3 in floating point; grams are exact.
    app.add_line(&c, &t, json!({"poids_kg": 0.2, "category_id": cat, "destination": "don"})).await;

    let bad = [
        (json!({"poids_kg": 0, "category_id": cat, "destination": "don"}), "supérieur à 0"),
        (json!({"poids_kg": -1, "category_id": cat, "destination": "don"}), "Le poids doit être"),
        (json!({"poids_kg": 1.2345, "category_id": cat, "destination": "don"}), "au plus 3 décimales"),
        (json!({"poids_kg": 1, "category_id": cat, "destination": "poubelle"}), "Destination inconnue : « poubelle »"),
        (json!({"poids_kg": 1, "category_id": uuid::Uuid::new_v4(), "destination": "don"}), "Catégorie introuvable"),
        (json!({"poids_kg": 1, "category_id": cat, "destination": "don", "notes": "x".repeat(1001)}), "1000 caractères"),
        (json!({"poids_kg": 1, "category_id": cat, "destination": "don", "notes": "a\u{0}b"}), "caractères invalides"),
    ];
    for (body, detail) in bad {
        assert_detail(app.post_json(&c, &lines_url, body).await, StatusCode::UNPROCESSABLE_ENTITY, detail).await;
    }

    let id1 = l1["id"].as_str().unwrap();
    let r = c.put(app.url(&format!("{lines_url}/{id1}"))).json(&json!({"poids_kg": 20, "notes": ""})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let edited: Value = r.json().await.unwrap();
    assert_eq!((edited["poids_kg"].clone(), edited["notes"].clone(), edited["destination"].clone()), (json!(20.0), Value::Null, json!("revente")));
    let r = c.delete(app.url(&format!("{lines_url}/{}", l2["id"].as_str().unwrap()))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let missing = uuid::Uuid::new_v4();
    assert_detail(c.delete(app.url(&format!("{lines_url}/{missing}"))).send().await.unwrap(), StatusCode::NOT_FOUND, "Ligne introuvable").await;

    let detail = app.get_json(&c, &format!("/v1/reception/tickets/{t}")).await;
    assert_eq!(detail["lignes"].as_array().unwrap().len(), 2);
    assert_eq!(detail["lines_count"], 2);
    assert_eq!(detail["entry_weight_kg"], json!(20.2));
    assert_eq!(detail["exit_weight_kg"], json!(0.0));

    app.close_ticket(&c, &t).await;
    let frozen = "Ce ticket est fermé";
    assert_detail(app.post_json(&c, &lines_url, json!({"poids_kg": 1, "category_id": cat, "destination": "don"})).await, StatusCode::CONFLICT, frozen).await;
    assert_detail(c.put(app.url(&format!("{lines_url}/{id1}"))).json(&json!({"poids_kg": 1})).send().await.unwrap(), StatusCode::CONFLICT, frozen).await;
    assert_detail(c.delete(app.url(&format!("{lines_url}/{id1}"))).send().await.unwrap(), StatusCode::CONFLICT, frozen).await;
    let after = app.get_json(&c, &format!("/v1/reception/tickets/{t}")).await;
    assert_eq!(after["entry_weight_kg"], json!(20.2), "nothing changed after closing");
}

/// The desk retries a line whose answer was lost with the id it chose: the line saved
/// the first time is the answer, once, even racing itself or after the ticket closed;
/// the id of another ticket's line is refused.
async fn a_line_sent_again_with_its_id_is_added_once(db: Db) {
    let app = spawn_app(db).await;
    let (c, t) = app.marie_at_the_desk().await;
    let cat = app.category_id("Mobilier").await;
    let lines_url = format!("/v1/reception/tickets/{t}/lignes");
    let id = uuid::Uuid::new_v4();
    let body = json!({"id": id, "poids_kg": "6,6", "category_id": cat, "destination": "revente"});

    let first = app.add_line(&c, &t, body.clone()).await;
    assert_eq!(first["id"], json!(id.to_string()));
    let again = app.add_line(&c, &t, body.clone()).await;
    assert_eq!(again, first, "the same line, not a second one");

    // Eight sends of one new line at once: one line.
    let racing = uuid::Uuid::new_v4();
    let raced = json!({"id": racing, "poids_kg": 7.7, "category_id": cat, "destination": "revente"});
    let sends = (0..8).map(|_| c.post(app.url(&lines_url)).json(&raced).send());
    for r in futures::future::join_all(sends).await {
        let r = r.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let l: Value = r.json().await.unwrap();
        assert_eq!((l["id"].clone(), l["poids_kg"].clone()), (json!(racing.to_string()), json!(7.7)));
    }
    let detail = app.get_json(&c, &format!("/v1/reception/tickets/{t}")).await;
    // (The test clock stands still: lines of one instant come in id order.)
    let mut weights: Vec<f64> = detail["lignes"].as_array().unwrap().iter().map(|l| l["poids_kg"].as_f64().unwrap()).collect();
    weights.sort_by(f64::total_cmp);
    assert_eq!(weights, [6.6, 7.7]);

    // Another ticket cannot take a line's id.
    app.close_ticket(&c, &t).await;
    let other = app.new_ticket(&c).await;
    let stolen = app.post_json(&c, &format!("/v1/reception/tickets/{other}/lignes"), body.clone()).await;
    assert_detail(stolen, StatusCode::CONFLICT, "déjà pris par un autre ticket").await;
    // Once closed, the ticket still answers a late retry with the line it holds, and
    // refuses a new one.
    assert_eq!(app.add_line(&c, &t, body).await, first);
    let new = json!({"id": uuid::Uuid::new_v4(), "poids_kg": 1, "category_id": cat, "destination": "don"});
    assert_detail(app.post_json(&c, &lines_url, new).await, StatusCode::CONFLICT, "Ce ticket est fermé").await;
    assert_eq!(app.get_json(&c, &format!("/v1/reception/tickets/{t}")).await["lines_count"], 2);
}

/// The postes of a period come in pages with their total, none left out however many
/// (the list stopped silently at 200 before); a bénévole counts their own only.
async fn the_poste_list_pages_with_its_total(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    let (marie, _) = app.user_client("marie", &["reception.access"]).await;
    let mut opened = Vec::new();
    for _ in 0..3 {
        let id = app.open_poste(&app.client).await;
        let r = app.client.post(app.url(&format!("/v1/reception/postes/{id}/close"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        opened.push(id);
    }
    opened.push(app.open_poste(&marie).await);
    let url = |q: &str| format!("/v1/reception/postes?date_from=2026-03-15&date_to=2026-03-15&{q}");
    let mut seen = Vec::new();
    for page in 1..=3 {
        let p = app.get_json(&app.client, &url(&format!("page={page}&page_size=2"))).await;
        assert_eq!((p["total"].clone(), p["page"].clone(), p["page_size"].clone()), (json!(4), json!(page), json!(2)));
        seen.extend(p["items"].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap().to_string()));
        assert_eq!(p["items"].as_array().unwrap().len(), if page < 3 { 2 } else { 0 });
    }
    seen.sort();
    opened.sort();
    assert_eq!(seen, opened, "every poste once");
    let own = app.get_json(&marie, &url("")).await;
    assert_eq!((own["total"].clone(), own["items"][0]["opened_by_name"].clone()), (json!(1), json!("Bénévole marie")));
    let other_day = app.get_json(&app.client, "/v1/reception/postes?date_from=2026-03-16&date_to=2026-03-16").await;
    assert_eq!((other_day["total"].clone(), other_day["items"].clone()), (json!(0), json!([])));
    let r = app.client.get(app.url(&url("page_size=501"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("page_size"));
}

async fn reception_routes_check_auth_and_permissions(db: Db) {
    let app = spawn_app(db).await;
    let (marie, t) = app.marie_at_the_desk().await;
    let anon = app.other_client();
    let gets = [
        "/v1/reception/postes/current".to_string(),
        "/v1/reception/tickets".into(),
        format!("/v1/reception/tickets/{t}"),
        format!("/v1/reception/tickets/{t}/export-csv"),
        "/v1/reception/lignes/export-csv?date_from=2026-03-01&date_to=2026-03-31".into(),
        "/v1/reception/stats/live".into(),
        "/v1/categories".into(),
    ];
    // `/v1/stats/live` serves cashiers their own block (see cash.rs): anonymous only here.
    assert_detail(anon.get(app.url("/v1/stats/live")).send().await.unwrap(), StatusCode::UNAUTHORIZED, "Authentification requise").await;
    let posts = [
        "/v1/reception/postes/open".to_string(),
        "/v1/reception/tickets".into(),
        format!("/v1/reception/tickets/{t}/download-token"),
        format!("/v1/reception/tickets/{t}/close"),
        "/v1/admin/reports/reception-tickets/export-bulk".into(),
    ];
    for p in &gets {
        assert_detail(anon.get(app.url(p)).send().await.unwrap(), StatusCode::UNAUTHORIZED, "Authentification requise").await;
    }
    for p in &posts {
        assert_detail(anon.post(app.url(p)).json(&json!({})).send().await.unwrap(), StatusCode::UNAUTHORIZED, "Authentification requise").await;
    }
    let (caisse, _) = app.user_client("paul", &["caisse.access"]).await;
    for p in &gets {
        assert_detail(caisse.get(app.url(p)).send().await.unwrap(), StatusCode::FORBIDDEN, "permission").await;
    }
    for p in &posts {
        assert_detail(caisse.post(app.url(p)).json(&json!({})).send().await.unwrap(), StatusCode::FORBIDDEN, "permission").await;
    }
    // The permission is checked before the body is read: a body that does not even
    // parse still gets 403, so nobody learns how a body they may not send is checked.
    let garbage = |req: reqwest::RequestBuilder| req.header("content-type", "application/json").body("{not json").send();
    for p in posts.iter().chain([format!("/v1/reception/tickets/{t}/lignes"), "/v1/categories".into()].iter()) {
        assert_detail(garbage(caisse.post(app.url(p))).await.unwrap(), StatusCode::FORBIDDEN, "permission").await;
    }
    let l = uuid::Uuid::new_v4();
    assert_detail(garbage(caisse.put(app.url(&format!("/v1/reception/tickets/{t}/lignes/{l}")))).await.unwrap(), StatusCode::FORBIDDEN, "permission").await;
    for (p, put) in [("/v1/admin/users".to_string(), false), (format!("/v1/admin/users/{l}"), true), ("/v1/admin/mail/test".into(), false)] {
        let req = if put { caisse.put(app.url(&p)) } else { caisse.post(app.url(&p)) };
        assert_detail(garbage(req).await.unwrap(), StatusCode::FORBIDDEN, "permission").await;
    }
    // Another bénévole cannot read, write or export Marie's ticket; the admin can.
    let (lea, _) = app.user_client("lea", &["reception.access"]).await;
    for r in [
        lea.get(app.url(&format!("/v1/reception/tickets/{t}"))).send().await.unwrap(),
        lea.post(app.url(&format!("/v1/reception/tickets/{t}/download-token"))).send().await.unwrap(),
        lea.get(app.url(&format!("/v1/reception/tickets/{t}/export-csv"))).send().await.unwrap(),
        lea.post(app.url(&format!("/v1/reception/tickets/{t}/close"))).send().await.unwrap(),
    ] {
        assert_detail(r, StatusCode::FORBIDDEN, "autre bénévole").await;
    }
    assert!(app.get_json(&lea, "/v1/reception/tickets").await["items"].as_array().unwrap().is_empty(), "bénévoles list their own tickets");
    assert_eq!(app.get_json(&app.client, &format!("/v1/reception/tickets/{t}")).await["benevole_name"], "Bénévole marie");
    // Categories are created by admins only.
    let r = app.post_json(&marie, "/v1/categories", json!({"name": "Vélos"})).await;
    assert_detail(r, StatusCode::FORBIDDEN, "permission").await;
    let r = app.post_json(&marie, "/v1/admin/reports/reception-tickets/export-bulk", json!({"date_from": "2026-03-01", "date_to": "2026-03-31"})).await;
    assert_detail(r, StatusCode::FORBIDDEN, "permission").await;
}

async fn live_stats_count_today_in_paris(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    let (marie, _) = app.user_client("marie", &["reception.access"]).await;
    let mobilier = app.category_id("Mobilier").await;
    let textile = app.category_id("Vêtements").await;

    // Yesterday 23:30 Paris (22:30 UTC): not today.
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 14, 22, 30, 0).unwrap());
    let poste = app.open_poste(&marie).await;
    let t0 = app.new_ticket(&marie).await;
    app.add_line(&marie, &t0, json!({"poids_kg": 100, "category_id": mobilier, "destination": "revente"})).await;
    app.close_ticket(&marie, &t0).await;
    // Today 00:30 Paris (23:30 UTC the day before): today.
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 14, 23, 30, 0).unwrap());
    let t1 = app.new_ticket(&marie).await;
    app.add_line(&marie, &t1, json!({"poids_kg": 12.5, "category_id": mobilier, "destination": "revente"})).await;
    app.add_line(&marie, &t1, json!({"poids_kg": 2.25, "category_id": textile, "destination": "recyclage"})).await;
    app.add_line(&marie, &t1, json!({"poids_kg": 40, "category_id": mobilier, "destination": "destruction", "is_exit": true})).await;
    // An admin types in this morning's paper logbook: a deferred poste, today.
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 15, 10, 0, 0).unwrap());
    let r = app.post_json(&app.client, "/v1/reception/postes/open", json!({"opened_at": "2026-03-15T08:00"})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let td = app.new_ticket(&app.client).await;
    app.add_line(&app.client, &td, json!({"poids_kg": 1.001, "category_id": textile, "destination": "don"})).await;

    let s = app.get_json(&marie, "/v1/reception/stats/live").await;
    assert_eq!(s["day"], "2026-03-15");
    assert_eq!(s["tickets_today"], 2);
    assert_eq!(s["tickets_open"], 2);
    assert_eq!(s["lines_count"], 4);
    assert_eq!(s["total_weight_kg"], json!(15.751), "entries exclude exit lines");
    assert_eq!(s["exit_weight_kg"], json!(40.0));
    let by_poste = s["by_poste"].as_array().unwrap();
    assert_eq!(by_poste.len(), 2);
    let mine = by_poste.iter().find(|p| p["poste_id"] == poste.as_str()).unwrap();
    assert_eq!((mine["tickets"].clone(), mine["lines_count"].clone(), mine["entry_weight_kg"].clone()), (json!(1), json!(3), json!(14.75)));
    let dest = |name: &str| s["by_destination"].as_array().unwrap().iter().find(|d| d["destination"] == name).cloned().unwrap();
    assert_eq!(dest("revente")["entry_weight_kg"], json!(12.5));
    assert_eq!(dest("destruction")["exit_weight_kg"], json!(40.0));
    let cat = |name: &str| s["by_category"].as_array().unwrap().iter().find(|d| d["name"] == name).cloned().unwrap();
    assert_eq!(cat("Vêtements")["entry_weight_kg"], json!(3.251));
    assert_eq!(cat("Mobilier")["exit_weight_kg"], json!(40.0));
    // Marie's own figures beside the site's: her ticket of today, not yesterday's nor
    // the admin's deferred one; the admin oversees the site and gets no own block.
    assert_eq!(s["mine"], json!({"tickets": 1, "lines_count": 3, "entry_weight_kg": 14.75, "exit_weight_kg": 40.0}));
    let (paul, _) = app.user_client("paul", &["reception.access"]).await;
    assert_eq!(app.get_json(&paul, "/v1/reception/stats/live").await["mine"], json!({"tickets": 0, "lines_count": 0, "entry_weight_kg": 0.0, "exit_weight_kg": 0.0}));
    assert!(app.get_json(&app.client, "/v1/reception/stats/live").await.get("mine").is_none());

    let s = app.get_json(&marie, "/v1/reception/stats/live?exclude_deferred=true").await;
    assert_eq!((s["tickets_today"].clone(), s["tickets_open"].clone(), s["total_weight_kg"].clone()), (json!(1), json!(1), json!(14.75)));
    assert_eq!(s["exclude_deferred"], true);
    let all = app.get_json(&marie, "/v1/stats/live?exclude_deferred=true").await;
    assert_eq!(all["reception"]["total_weight_kg"], json!(14.75));
    assert_detail(marie.get(app.url("/v1/reception/stats/live?exclude_deferred=peut-etre")).send().await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "true ou false").await;

    // The next Paris day starts at 23:00 UTC: the counters start again.
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 15, 23, 0, 0).unwrap());
    assert_eq!(app.login_with(&marie, "marie", "motdepasse-marie").await.status(), StatusCode::OK);
    let s = app.get_json(&marie, "/v1/reception/stats/live").await;
    assert_eq!((s["day"].clone(), s["tickets_today"].clone(), s["lines_count"].clone()), (json!("2026-03-16"), json!(0), json!(0)));
}

async fn categories_tree_and_archive(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    let parent = app.category_id("Électroménager (DEEE)").await;
    let r = app.post_json(&app.client, "/v1/categories", json!({"name": "  Écrans  ", "parent_id": parent, "display_order": 5})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let ecrans: Value = r.json().await.unwrap();
    assert_eq!((ecrans["name"].clone(), ecrans["parent_id"].clone(), ecrans["visible_reception"].clone()), (json!("Écrans"), json!(parent), json!(true)));
    let id = ecrans["id"].as_str().unwrap();
    assert_detail(app.post_json(&app.client, "/v1/categories", json!({"name": " "})).await, StatusCode::UNPROCESSABLE_ENTITY, "obligatoire").await;
    assert_detail(app.post_json(&app.client, "/v1/categories", json!({"name": "X", "parent_id": uuid::Uuid::new_v4()})).await, StatusCode::UNPROCESSABLE_ENTITY, "parente introuvable").await;
    // No cycles: the parent cannot move under its own child.
    let r = app.client.put(app.url(&format!("/v1/categories/{parent}"))).json(&json!({"parent_id": id})).send().await.unwrap();
    assert_detail(r, StatusCode::UNPROCESSABLE_ENTITY, "sous elle-même").await;

    // A line in the category, then the category is archived: stats and exports keep it.
    let (c, _) = app.user_client("marie", &["reception.access"]).await;
    app.open_poste(&c).await;
    let t = app.new_ticket(&c).await;
    app.add_line(&c, &t, json!({"poids_kg": 7, "category_id": id, "destination": "recyclage"})).await;
    let r = app.client.put(app.url(&format!("/v1/categories/{id}"))).json(&json!({"archived": true})).send().await.unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["archived"], true);
    let r = app.post_json(&c, &format!("/v1/reception/tickets/{t}/lignes"), json!({"poids_kg": 1, "category_id": id, "destination": "don"})).await;
    assert_detail(r, StatusCode::UNPROCESSABLE_ENTITY, "archivée").await;
    let s = app.get_json(&c, "/v1/reception/stats/live").await;
    let cat = s["by_category"].as_array().unwrap().iter().find(|x| x["category_id"] == id).cloned().unwrap();
    assert_eq!((cat["name"].clone(), cat["archived"].clone(), cat["entry_weight_kg"].clone()), (json!("Écrans"), json!(true), json!(7.0)));
    let r = app.client.put(app.url(&format!("/v1/categories/{id}"))).json(&json!({"archived": false, "parent_id": null})).send().await.unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!((v["archived"].clone(), v["parent_id"].clone()), (json!(false), Value::Null));
}
