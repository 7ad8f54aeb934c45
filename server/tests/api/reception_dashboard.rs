//! The reception dashboard: Paris days (also across the spring change), deferred
//! postes on their logbook day, a bénévole's own figures, permissions.
use app::filter::Filter;
use app::reception::ReceptionFilter;
use app::time::{paris_date, DateRange, UtcRange};
use chrono::{NaiveDate, TimeZone, Utc};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use server::clock::Clock;

use crate::both_backends;
use crate::helpers::*;

both_backends!(
    dashboard_counts_paris_days_and_deferred_postes,
    dashboard_checks_auth_and_the_filter,
    dashboard_figures_export_as_the_json_says,
    per_day_figures_follow_every_change_of_the_lines,
);

/// The week of the spring change (DST starts on Sunday 2026-03-29 at 02:00):
/// - A, marie: Sunday 29/03 23:30 Paris (21:30 UTC), 10 kg Mobilier, recyclage;
/// - B, marie: Monday 30/03 00:30 Paris (22:30 UTC on the 29th, a UTC day would say
///   Sunday): 2,5 kg Mobilier revente, and an exit of 1,2 kg Vêtements, revente;
/// - D, admin, deferred poste of 10/03 09:00: 4,5 kg Vêtements, don;
/// - E and F, admin, deferred poste of 20/02 10:00: 7,25 kg Livres, recyclage; F empty.
///
/// Read on Monday 30/03 at 10:00 Paris.
async fn seed(app: &TestApp) -> (Client, Value) {
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 29, 21, 30, 0).unwrap());
    app.login_admin().await;
    let (marie, marie_user) = app.user_client("marie", &["reception.access"]).await;
    let mobilier = app.category_id("Mobilier").await;
    let vetements = app.category_id("Vêtements").await;
    let livres = app.category_id("Livres et médias").await;

    app.open_poste(&marie).await;
    let a = app.new_ticket(&marie).await;
    app.add_line(&marie, &a, json!({"poids_kg": 10, "category_id": mobilier, "destination": "recyclage"})).await;
    app.close_ticket(&marie, &a).await;
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 29, 22, 30, 0).unwrap());
    let b = app.new_ticket(&marie).await;
    app.add_line(&marie, &b, json!({"poids_kg": "2,5", "category_id": mobilier, "destination": "revente"})).await;
    app.add_line(&marie, &b, json!({"poids_kg": 1.2, "category_id": vetements, "destination": "revente", "is_exit": true})).await;

    let deferred = |opened_at: &'static str| async move {
        let r = app.post_json(&app.client, "/v1/reception/postes/open", json!({ "opened_at": opened_at })).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string()
    };
    let close_poste = |id: String| async move {
        let r = app.client.post(app.url(&format!("/v1/reception/postes/{id}/close"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    };
    let p = deferred("2026-03-10T09:00").await;
    let d = app.new_ticket(&app.client).await;
    app.add_line(&app.client, &d, json!({"poids_kg": 4.5, "category_id": vetements, "destination": "don"})).await;
    app.close_ticket(&app.client, &d).await;
    close_poste(p).await;
    let p = deferred("2026-02-20T10:00").await;
    let e = app.new_ticket(&app.client).await;
    app.add_line(&app.client, &e, json!({"poids_kg": 7.25, "category_id": livres, "destination": "recyclage"})).await;
    app.close_ticket(&app.client, &e).await;
    let f = app.new_ticket(&app.client).await;
    app.close_ticket(&app.client, &f).await;
    close_poste(p).await;

    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 30, 8, 0, 0).unwrap());
    (marie, marie_user)
}

fn period<'a>(d: &'a Value, name: &str) -> &'a Value {
    d["periods"].as_array().unwrap().iter().find(|p| p["period"] == name).unwrap_or_else(|| panic!("no period {name} in {d}"))
}

/// (tickets, entries, exits) of a period or a chart point.
fn figures(v: &Value) -> (Value, Value, Value) {
    (v["tickets"].clone(), v["entry_weight_kg"].clone(), v["exit_weight_kg"].clone())
}

fn names(v: &Value, key: &str, name: &str) -> Vec<String> {
    v[key].as_array().unwrap().iter().map(|x| x[name].as_str().unwrap().to_string()).collect()
}

async fn dashboard_counts_paris_days_and_deferred_postes(db: Db) {
    let app = spawn_app_configured(db, |s| s.session_ttl = std::time::Duration::from_secs(7 * 24 * 3600)).await;
    let (marie, marie_user) = seed(&app).await;

    let d = app.get_json(&app.client, "/v1/reception/stats/dashboard").await;
    assert_eq!(d["today"], "2026-03-30");
    assert_eq!(d["own_figures"], false);
    assert_eq!(names(&d, "periods", "period"), ["today", "this_week", "this_month", "this_year"]);
    let today = period(&d, "today");
    assert_eq!(figures(today), (json!(1), json!(2.5), json!(1.2)), "B only: 00:30 Paris is Monday");
    assert_eq!((today["date_from"].clone(), today["date_to"].clone()), (json!("2026-03-30"), json!("2026-03-30")));
    assert_eq!(today["by_destination"], json!([{"destination": "revente", "lines_count": 2, "entry_weight_kg": 2.5, "exit_weight_kg": 1.2}]));
    assert_eq!(names(today, "top_categories", "name"), ["Mobilier"], "a category with exits only is not among the entries");
    let week = period(&d, "this_week");
    assert_eq!((week["date_from"].clone(), week["date_to"].clone()), (json!("2026-03-30"), json!("2026-04-05")));
    assert_eq!(figures(week), (json!(1), json!(2.5), json!(1.2)), "Sunday 23:30 belongs to last week");

    let month = period(&d, "this_month");
    assert_eq!(figures(month), (json!(3), json!(17.0), json!(1.2)), "A, B and the deferred D");
    assert_eq!(names(month, "by_destination", "destination"), ["recyclage", "revente", "don"]);
    assert_eq!(month["by_destination"][2]["entry_weight_kg"], json!(4.5));
    assert_eq!(names(month, "top_categories", "name"), ["Mobilier", "Vêtements"]);
    assert_eq!(figures(&month["top_categories"][1]).1, json!(4.5));
    assert_eq!(month["top_categories"][1]["exit_weight_kg"], json!(1.2));
    assert_eq!(month["top_categories"][1]["lines_count"], json!(2));
    let by_benevole = month["by_benevole"].as_array().unwrap();
    assert_eq!(by_benevole.len(), 2);
    assert_eq!(by_benevole[0]["benevole_id"], marie_user["id"]);
    assert_eq!(figures(&by_benevole[0]), (json!(2), json!(12.5), json!(1.2)));
    assert_eq!(figures(&by_benevole[1]), (json!(1), json!(4.5), json!(0.0)));

    let year = period(&d, "this_year");
    assert_eq!(figures(year), (json!(5), json!(24.25), json!(1.2)), "F has no line but is a ticket");
    assert_eq!(names(year, "top_categories", "name"), ["Mobilier", "Livres et médias", "Vêtements"]);
    assert_eq!(figures(&year["by_benevole"][1]), (json!(3), json!(11.75), json!(0.0)));

    // Thirty Paris days, today last; the 29th is a 23-hour day that still ends at
    // midnight Paris (22:00 UTC), so A is on it and B on the 30th.
    let daily = d["daily"].as_array().unwrap();
    assert_eq!(daily.len(), 30);
    assert_eq!((daily[0]["date_from"].clone(), daily[29]["date_to"].clone()), (json!("2026-03-01"), json!("2026-03-30")));
    assert_eq!(figures(&daily[28]), (json!(1), json!(10.0), json!(0.0)));
    assert_eq!(figures(&daily[29]), (json!(1), json!(2.5), json!(1.2)));
    assert_eq!(daily[9]["date_from"], "2026-03-10");
    assert_eq!(figures(&daily[9]), (json!(1), json!(4.5), json!(0.0)), "the deferred poste's day, not the day it was typed");
    let busy: Vec<usize> = (0..30).filter(|i| daily[*i]["tickets"] != 0).collect();
    assert_eq!(busy, [9, 28, 29]);
    let monthly = d["monthly"].as_array().unwrap();
    assert_eq!(monthly.len(), 12);
    assert_eq!((monthly[0]["date_from"].clone(), monthly[11]["date_to"].clone()), (json!("2025-04-01"), json!("2026-03-31")));
    assert_eq!(figures(&monthly[10]), (json!(2), json!(7.25), json!(0.0)));
    assert_eq!(figures(&monthly[11]), (json!(3), json!(17.0), json!(1.2)));
    assert!(monthly[..10].iter().all(|m| m["tickets"] == 0));

    // Line conditions narrow like the ticket list: tickets having such lines, their weight.
    let r = app.get_json(&app.client, "/v1/reception/stats/dashboard?destination=recyclage").await;
    assert_eq!(figures(period(&r, "this_year")), (json!(2), json!(17.25), json!(0.0)));

    // A bénévole: their own figures only, whatever they ask.
    for path in ["/v1/reception/stats/dashboard".to_string(), format!("/v1/reception/stats/dashboard?benevole_id={}", app_admin_id(&app).await)] {
        let m = app.get_json(&marie, &path).await;
        assert_eq!(m["own_figures"], true);
        assert_eq!(figures(period(&m, "this_month")), (json!(2), json!(12.5), json!(1.2)));
        assert_eq!(figures(period(&m, "this_year")), (json!(2), json!(12.5), json!(1.2)));
        assert_eq!(figures(period(&m, "today")), (json!(1), json!(2.5), json!(1.2)));
        assert!(m["periods"].as_array().unwrap().iter().all(|p| p["by_benevole"] == json!([])));
        assert_eq!(figures(&m["daily"][9]), (json!(0), json!(0.0), json!(0.0)));
        assert_eq!(m["monthly"][10]["tickets"], 0);
    }
}

async fn app_admin_id(app: &TestApp) -> String {
    app.get_json(&app.client, "/v1/auth/me").await["id"].as_str().unwrap().to_string()
}

async fn dashboard_checks_auth_and_the_filter(db: Db) {
    let app = spawn_app(db).await;
    let anon = app.other_client();
    assert_detail(anon.get(app.url("/v1/reception/stats/dashboard")).send().await.unwrap(), StatusCode::UNAUTHORIZED, "Authentification requise").await;
    app.login_admin().await;
    let (cashier, _) = app.user_client("caissier", &["caisse.access"]).await;
    let r = cashier.get(app.url("/v1/reception/stats/dashboard")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.json::<Value>().await.unwrap()["detail"].as_str().is_some());
    // The dashboard has its own periods; other fields are checked like everywhere.
    let r = app.client.get(app.url("/v1/reception/stats/dashboard?period=today")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "period");
    let r = app.client.get(app.url("/v1/reception/stats/dashboard?destination=mer")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // An empty database: every figure is zero, every bucket is there.
    let d = app.get_json(&app.client, "/v1/reception/stats/dashboard").await;
    assert_eq!(d["today"], "2026-03-15");
    assert_eq!(figures(period(&d, "this_year")), (json!(0), json!(0.0), json!(0.0)));
    assert_eq!((d["daily"].as_array().unwrap().len(), d["monthly"].as_array().unwrap().len()), (30, 12));
}

/// The export of the dashboard's figures holds the JSON's figures, row for row: the
/// period cards, the 30 days, the 12 months; French words and decimal commas for
/// people, codes for programs, a workbook sheet; a bénévole's file has their own.
async fn dashboard_figures_export_as_the_json_says(db: Db) {
    let app = spawn_app_configured(db, |s| s.session_ttl = std::time::Duration::from_secs(7 * 24 * 3600)).await;
    let (marie, _) = seed(&app).await;
    let get = |c: &Client, q: &str| {
        let url = app.url(&format!("/v1/reception/stats/dashboard/export{q}"));
        let c = c.clone();
        async move {
            let r = c.get(url).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            let disposition = r.headers()["content-disposition"].to_str().unwrap().to_string();
            (disposition, r.bytes().await.unwrap().to_vec())
        }
    };
    let d = app.get_json(&app.client, "/v1/reception/stats/dashboard").await;
    // The JSON's rows, as the standard dialect writes them.
    let kg = |v: &Value| format!("{:.3}", v.as_f64().unwrap());
    let row = |series: &str, p: &Value| format!("{series},{},{},{},{},{}", p["date_from"].as_str().unwrap(), p["date_to"].as_str().unwrap(), p["tickets"], kg(&p["entry_weight_kg"]), kg(&p["exit_weight_kg"]));
    let mut expected = vec!["series,date_from,date_to,tickets,entry_weight_kg,exit_weight_kg".to_string()];
    expected.extend(d["periods"].as_array().unwrap().iter().map(|p| row(p["period"].as_str().unwrap(), p)));
    expected.extend(d["daily"].as_array().unwrap().iter().map(|p| row("day", p)));
    expected.extend(d["monthly"].as_array().unwrap().iter().map(|p| row("month", p)));
    let (disposition, bytes) = get(&app.client, "?dialect=standard").await;
    assert!(disposition.contains("reception-tableau-de-bord-2026-03-30.csv"), "{disposition}");
    let standard = String::from_utf8(bytes).unwrap();
    assert_eq!(standard.split("\r\n").filter(|l| !l.is_empty()).collect::<Vec<_>>(), expected);
    assert_eq!(expected.len(), 1 + 4 + 30 + 12);
    assert!(standard.contains("\r\nthis_month,2026-03-01,2026-03-31,3,17.000,1.200\r\n"), "{standard}");

    // For people: the same rows in words, with decimal commas.
    let (_, bytes) = get(&app.client, "").await;
    let french = String::from_utf8(bytes).unwrap();
    let lines: Vec<&str> = french.trim_start_matches('\u{feff}').split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], "Série;Du;Au;Tickets;Entrées (kg);Sorties (kg)");
    assert_eq!(lines[1], "Aujourd'hui;2026-03-30;2026-03-30;1;2,500;1,200");
    assert_eq!(lines[3], "Ce mois-ci;2026-03-01;2026-03-31;3;17,000;1,200");
    assert_eq!(lines[4 + 30], "Jour;2026-03-30;2026-03-30;1;2,500;1,200", "the last of the 30 days");
    assert_eq!(lines.len(), expected.len());

    // A workbook: one sheet with the same rows, numbers as numbers.
    let (disposition, bytes) = get(&app.client, "?format=xlsx").await;
    assert!(disposition.contains(".xlsx"), "{disposition}");
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), ["Tableau de bord"]);
    let rows: Vec<Vec<Data>> = book.worksheet_range("Tableau de bord").unwrap().rows().map(|r| r.to_vec()).collect();
    assert_eq!(rows.len(), expected.len());
    assert_eq!(rows[3][0], Data::String("Ce mois-ci".into()));
    assert_eq!((rows[3][3].clone(), rows[3][4].clone()), (Data::Float(3.0), Data::Float(17.0)));

    // A bénévole's file: their own figures, as their dashboard.
    let own = app.get_json(&marie, "/v1/reception/stats/dashboard").await;
    let (_, bytes) = get(&marie, "?dialect=standard").await;
    let mine = String::from_utf8(bytes).unwrap();
    let month = &own["periods"].as_array().unwrap()[2];
    assert!(mine.contains(&format!("\r\n{}\r\n", row("this_month", month))), "{mine}");
    assert!(mine.contains("\r\nthis_month,2026-03-01,2026-03-31,2,12.500,1.200\r\n"), "{mine}");

    // A zip has no sense here; nobody without reception access gets the file.
    assert_detail(app.client.get(app.url("/v1/reception/stats/dashboard/export?format=zip")).send().await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "csv ou en xlsx").await;
    let (cashier, _) = app.user_client("caissier", &["caisse.access"]).await;
    assert_eq!(cashier.get(app.url("/v1/reception/stats/dashboard/export")).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(Client::new().get(app.url("/v1/reception/stats/dashboard/export")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
}

/// The rows of the dashboard's two reads over `buckets`, sorted, from the lines
/// themselves (`raw`) or from the per-day figures: (bucket, bénévole, tickets, entry
/// grams, exit grams) and (bucket, destination, category, exit, lines, grams).
type Totals = Vec<(usize, String, i64, i64, i64)>;
type Cells = Vec<(usize, String, String, bool, i64, i64)>;

async fn bucket_figures(app: &TestApp, benevole: Option<&str>, buckets: &[UtcRange], raw: bool) -> (Totals, Cells) {
    let store = &app.state.store;
    let admin = store.user_by_username(ADMIN).await.unwrap().unwrap().user;
    let pairs: Vec<(&str, &str)> = benevole.map(|b| ("benevole_id", b)).into_iter().collect();
    let filter = ReceptionFilter::from_pairs(pairs, &[]).unwrap();
    let benevole_id = filter.benevole_id;
    let span = DateRange::new(paris_date(buckets[0].from), paris_date(buckets[buckets.len() - 1].to - chrono::Duration::seconds(1))).unwrap();
    let resolved = filter.scope(&admin).over(span);
    let (totals, cells) = if raw {
        (store.bucket_totals(&resolved, buckets).await.unwrap(), store.bucket_cells(&resolved, buckets).await.unwrap())
    } else {
        (store.day_bucket_totals(benevole_id, buckets).await.unwrap(), store.day_bucket_cells(benevole_id, buckets).await.unwrap())
    };
    let mut totals: Totals = totals.into_iter().map(|t| (t.bucket, t.benevole_id.to_string(), t.tickets, t.entry_grams, t.exit_grams)).collect();
    let mut cells: Cells = cells.into_iter().map(|c| (c.bucket, c.destination.as_str().to_string(), c.category_id.to_string(), c.is_exit, c.lines, c.grams)).collect();
    totals.sort();
    cells.sort();
    (totals, cells)
}

/// Checks that the per-day figures say what the lines say, for everyone and for one
/// bénévole, per day from 1 January to 6 April and per month: returns the days' totals.
async fn assert_per_day_figures_equal_the_lines(app: &TestApp, marie: &str, when: &str) -> Totals {
    let first = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let days: Vec<UtcRange> = (0..96).map(|k| DateRange::day(first + chrono::Duration::days(k)).utc_bounds()).collect();
    let months: Vec<UtcRange> = (1..=4)
        .map(|m| DateRange::new(NaiveDate::from_ymd_opt(2026, m, 1).unwrap(), NaiveDate::from_ymd_opt(2026, m + 1, 1).unwrap().pred_opt().unwrap()).unwrap().utc_bounds())
        .collect();
    for buckets in [&days, &months] {
        for who in [None, Some(marie)] {
            let raw = bucket_figures(app, who, buckets, true).await;
            assert!(!raw.0.is_empty(), "{when}: the lines have figures");
            assert_eq!(bucket_figures(app, who, buckets, false).await, raw, "{when}: the per-day figures of {who:?}");
        }
    }
    bucket_figures(app, None, &days, true).await.0
}

/// The per-day figures the dashboard reads equal the lines after every kind of change
/// (a line added, sent again, changed in each field, deleted, refused on a closed
/// ticket; an empty ticket; a generated history), and when counted again at start
/// from nothing (tickets from before the figures existed).
async fn per_day_figures_follow_every_change_of_the_lines(db: Db) {
    let app = spawn_app_configured(db, |s| s.session_ttl = std::time::Duration::from_secs(7 * 24 * 3600)).await;
    let (marie, marie_user) = seed(&app).await;
    let marie_id = marie_user["id"].as_str().unwrap().to_string();
    assert_per_day_figures_equal_the_lines(&app, &marie_id, "seeded").await;

    let livres = app.category_id("Livres et médias").await;
    let vetements = app.category_id("Vêtements").await;
    // Ticket B (Monday 30/03 Paris, still open): each field of its lines changes.
    let tickets = app.get_json(&marie, "/v1/reception/tickets?status=opened").await;
    let b = tickets["items"][0]["id"].as_str().unwrap().to_string();
    let detail = app.get_json(&marie, &format!("/v1/reception/tickets/{b}")).await;
    let ids: Vec<String> = detail["lignes"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids.len(), 2);
    let line_url = |id: &str| app.url(&format!("/v1/reception/tickets/{b}/lignes/{id}"));
    for change in [json!({"poids_kg": "3,75"}), json!({"category_id": livres}), json!({"is_exit": true}), json!({"destination": "don"}), json!({"is_exit": false, "poids_kg": 0.4})] {
        let r = marie.put(line_url(&ids[0])).json(&change).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{change}: {}", r.text().await.unwrap());
        assert_per_day_figures_equal_the_lines(&app, &marie_id, &change.to_string()).await;
    }
    assert_eq!(marie.delete(line_url(&ids[1])).send().await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_per_day_figures_equal_the_lines(&app, &marie_id, "a line deleted").await;
    // A line sent twice (a retry) counts once; a new ticket, and an empty one, count.
    let c = app.new_ticket(&marie).await;
    let again = json!({"id": uuid::Uuid::new_v4(), "poids_kg": 12, "category_id": vetements, "destination": "recyclage"});
    app.add_line(&marie, &c, again.clone()).await;
    let r = app.post_json(&marie, &format!("/v1/reception/tickets/{c}/lignes"), again).await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    app.new_ticket(&marie).await;
    // A change refused (the ticket closed) changes nothing.
    app.close_ticket(&marie, &b).await;
    assert_eq!(marie.put(line_url(&ids[0])).json(&json!({"poids_kg": 99})).send().await.unwrap().status(), StatusCode::CONFLICT);
    assert_eq!(marie.delete(line_url(&ids[0])).send().await.unwrap().status(), StatusCode::CONFLICT);
    let after_desk = assert_per_day_figures_equal_the_lines(&app, &marie_id, "at the desk").await;
    let monday = after_desk.iter().filter(|t| t.0 == 88 && t.1 == marie_id).collect::<Vec<_>>();
    assert_eq!(monday, [&(88, marie_id.clone(), 3, 12_400, 0)], "Monday 30/03 (day 88): B with its 0,4 kg, C with 12 kg once, and an empty ticket: {after_desk:?}");

    // A generated history of 40 days (written in one batch) is counted with it.
    let g = server::generate::generate(app.state.store.as_ref(), 600, 40, app.clock.now()).await.unwrap();
    assert_eq!(g.lines, 600);
    let generated = assert_per_day_figures_equal_the_lines(&app, &marie_id, "generated").await;

    // From nothing, as after the migration on a database of older tickets.
    app.raw_sql("UPDATE tickets SET day_at = NULL; DELETE FROM reception_day_tickets; DELETE FROM reception_day_lines;").await;
    assert!(app.state.store.undated_tickets().await.unwrap().is_some());
    // Meanwhile the dashboard reads the lines: its figures are still right.
    let d = app.get_json(&app.client, "/v1/reception/stats/dashboard").await;
    assert_eq!(period(&d, "today")["tickets"], json!(generated.iter().filter(|t| t.0 == 88).map(|t| t.2).sum::<i64>()));
    assert!(server::reception::days::count_undated(app.state.store.as_ref()).await.unwrap() > 0);
    assert!(app.state.store.undated_tickets().await.unwrap().is_none());
    assert_eq!(assert_per_day_figures_equal_the_lines(&app, &marie_id, "counted at start").await, generated);
    assert_eq!(server::reception::days::count_undated(app.state.store.as_ref()).await.unwrap(), 0, "a second start counts nothing");
    assert_eq!(assert_per_day_figures_equal_the_lines(&app, &marie_id, "a second start").await, generated);
}

