use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx};
use chrono::{Duration, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::*;

both_backends!(
    ticket_csv_has_the_exact_french_profile,
    download_tokens_are_single_use_short_and_bound,
    period_export_includes_the_whole_end_day_in_paris,
    period_export_filters_and_validation,
    bulk_export_xlsx_zip_and_csv,
    relative_periods_mean_the_same_rows_in_lists_and_exports,
    people_read_french_words_and_programs_read_codes,
    tickets_and_lines_come_in_one_order,
    the_summary_adds_up_to_the_lines,
);

async fn ticket_csv_has_the_exact_french_profile(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    let (c, _) = app.user_client("marie", &["reception.access"]).await;
    let poste = app.open_poste(&c).await;
    let t = app.new_ticket(&c).await;
    let petit = app.category_id("Petit électroménager").await;
    let l1 = app.add_line(&c, &t, json!({"poids_kg": 12.5, "category_id": petit, "destination": "revente", "notes": "=SOMME(A1:A9); \"grille-pain\""})).await;
    app.clock.advance(Duration::seconds(75));
    let l2 = app.add_line(&c, &t, json!({"poids_kg": 0.001, "category_id": app.category_id("Mobilier").await, "destination": "recyclage", "is_exit": true})).await;

    let r = c.get(app.url(&format!("/v1/reception/tickets/{t}/export-csv"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(r.headers()["content-disposition"], format!("attachment; filename=\"ticket-{t}.csv\"").as_str());
    let body = r.bytes().await.unwrap();
    let expected = format!(
        "\u{feff}Ticket;N° de ticket;Date du ticket;Statut du ticket;Poste;Saisie différée;Bénévole;Ligne;Saisie de la ligne;Catégorie;Catégorie parente;Poids (kg);Destination;Flux;Notes\r\n\
         {t};2026-00001;2026-03-15 11:00:00;ouvert;{poste};non;Bénévole marie;{l1};2026-03-15 11:00:00;Petit électroménager;Électroménager (DEEE);12,500;Revente;Entrée;\"'=SOMME(A1:A9); \"\"grille-pain\"\"\"\r\n\
         {t};2026-00001;2026-03-15 11:00:00;ouvert;{poste};non;Bénévole marie;{l2};2026-03-15 11:01:15;Mobilier;;0,001;Recyclage;Sortie;\r\n",
        l1 = l1["id"].as_str().unwrap(),
        l2 = l2["id"].as_str().unwrap(),
    );
    assert_eq!(String::from_utf8(body.to_vec()).unwrap(), expected);
    assert!(body.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM");

    let r = c.get(app.url(&format!("/v1/reception/tickets/{t}/export-csv?dialect=standard"))).send().await.unwrap();
    let text = r.text().await.unwrap();
    assert!(text.starts_with("ticket_id,ticket_number,ticket_at,ticket_status,poste_id,is_deferred,benevole,ligne_id,ligne_created_at,category,parent_category,poids_kg,destination,flow,notes\r\n"), "{text}");
    // The standard dialect keeps the machine codes.
    assert!(text.contains(",2026-00001,2026-03-15T11:00:00+01:00,opened,") && text.contains(",12.500,revente,entrée,\"'=SOMME"), "{text}");
    assert!(text.contains(",0.001,recyclage,sortie,\r\n") && !text.contains("ouvert") && !text.contains("Revente"), "{text}");
}

async fn download_tokens_are_single_use_short_and_bound(db: Db) {
    let app = spawn_app(db).await;
    let (marie, t) = app.marie_at_the_desk().await;
    let other_ticket = app.new_ticket(&marie).await;
    app.add_line(&marie, &t, json!({"poids_kg": 3, "category_id": app.category_id("Jouets").await, "destination": "don"})).await;
    let issue = || async {
        let r = marie.post(app.url(&format!("/v1/reception/tickets/{t}/download-token"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        r.json::<Value>().await.unwrap()
    };
    let tok = issue().await;
    assert_eq!(tok["expires_at"], "2026-03-15T10:05:00Z", "five minutes");
    let token = tok["token"].as_str().unwrap().to_string();
    assert!(token.len() >= 32);

    // A plain browser navigation (no cookie) with the token downloads once.
    let anon = app.other_client();
    let url = |ticket: &str, token: &str| app.url(&format!("/v1/reception/tickets/{ticket}/export-csv?token={token}"));
    let r = anon.get(url(&t, &token)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains(";3,000;Don;"));
    assert_detail(anon.get(url(&t, &token)).send().await.unwrap(), StatusCode::UNAUTHORIZED, "déjà été utilisé").await;

    let expired = issue().await["token"].as_str().unwrap().to_string();
    app.clock.advance(Duration::minutes(5));
    assert_detail(anon.get(url(&t, &expired)).send().await.unwrap(), StatusCode::UNAUTHORIZED, "expiré").await;

    let foreign = issue().await["token"].as_str().unwrap().to_string();
    assert_detail(anon.get(url(&other_ticket, &foreign)).send().await.unwrap(), StatusCode::FORBIDDEN, "ne permet pas de télécharger ce ticket").await;
    // Someone else's session presenting Marie's token is refused, and the token survives.
    let (lea, _) = app.user_client("lea", &["reception.access"]).await;
    assert_detail(lea.get(url(&t, &foreign)).send().await.unwrap(), StatusCode::FORBIDDEN, "autre utilisateur").await;
    assert_eq!(anon.get(url(&t, &foreign)).send().await.unwrap().status(), StatusCode::OK);

    assert_detail(anon.get(url(&t, "0123456789abcdef0123456789abcdef")).send().await.unwrap(), StatusCode::UNAUTHORIZED, "invalide").await;
    assert_detail(anon.get(app.url(&format!("/v1/reception/tickets/{t}/export-csv"))).send().await.unwrap(), StatusCode::UNAUTHORIZED, "Authentification requise").await;

    // A token stops working when its owner loses reception access.
    let last = issue().await["token"].as_str().unwrap().to_string();
    let me: Value = app.get_json(&marie, "/v1/auth/me").await;
    let r = app.client.put(app.url(&format!("/v1/admin/users/{}", me["id"].as_str().unwrap()))).json(&json!({"permissions": ["caisse.access"]})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_detail(anon.get(url(&t, &last)).send().await.unwrap(), StatusCode::FORBIDDEN, "n'a plus accès").await;
}

/// Creates a ticket at `at` with one line of `kg` and returns the line id.
async fn line_at(app: &TestApp, at: chrono::DateTime<Utc>, kg: f64, category: &str, destination: &str, notes: Option<&str>) -> String {
    app.clock.set(at);
    // Jumping weeks ahead expires the one-hour test session: log in again.
    app.login_admin().await;
    let t = app.new_ticket(&app.client).await;
    let l = app.add_line(&app.client, &t, json!({"poids_kg": kg, "category_id": category, "destination": destination, "notes": notes})).await;
    app.close_ticket(&app.client, &t).await;
    l["id"].as_str().unwrap().to_string()
}

async fn period_export_includes_the_whole_end_day_in_paris(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    app.clock.set(Utc.with_ymd_and_hms(2026, 2, 28, 12, 0, 0).unwrap());
    app.open_poste(&app.client).await;
    let cat = app.category_id("Textile").await;
    // March 1st 00:10 Paris (Feb 28 23:10 UTC): first minutes of the period.
    let first = line_at(&app, Utc.with_ymd_and_hms(2026, 2, 28, 23, 10, 0).unwrap(), 1.0, &cat, "don", None).await;
    // Feb 28 23:50 Paris: before the period.
    let before = line_at(&app, Utc.with_ymd_and_hms(2026, 2, 28, 22, 50, 0).unwrap(), 2.0, &cat, "don", None).await;
    // March 31st 23:30 Paris, summer time (21:30 UTC): last day, included.
    let last = line_at(&app, Utc.with_ymd_and_hms(2026, 3, 31, 21, 30, 0).unwrap(), 3.0, &cat, "don", None).await;
    // April 1st 00:30 Paris (March 31st 22:30 UTC): after the period.
    let after = line_at(&app, Utc.with_ymd_and_hms(2026, 3, 31, 22, 30, 0).unwrap(), 4.0, &cat, "don", None).await;

    let r = app.client.get(app.url("/v1/reception/lignes/export-csv?date_from=2026-03-01&date_to=2026-03-31")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-disposition"], "attachment; filename=\"reception-lignes-2026-03-01_2026-03-31.csv\"");
    let csv = r.text().await.unwrap();
    let rows: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(rows.len(), 3, "{csv}");
    assert!(rows[1].contains(&first) && rows[1].contains(";2026-03-01 00:10:00;"), "{}", rows[1]);
    assert!(rows[2].contains(&last) && rows[2].contains(";2026-03-31 23:30:00;"), "{}", rows[2]);
    assert!(!csv.contains(&before) && !csv.contains(&after));

    let april = app.client.get(app.url("/v1/reception/lignes/export-csv?date_from=2026-04-01&date_to=2026-04-01")).send().await.unwrap().text().await.unwrap();
    assert!(april.contains(&after) && april.contains(";2026-04-01 00:30:00;") && !april.contains(&last));
}

async fn period_export_filters_and_validation(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    let (marie, _) = app.user_client("marie", &["reception.access"]).await;
    let poste_admin = app.open_poste(&app.client).await;
    let deee = app.category_id("Électroménager (DEEE)").await;
    let petit = app.category_id("Petit électroménager").await;
    let livres = app.category_id("Livres et médias").await;
    let t = Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap();
    let l_petit = line_at(&app, t, 5.0, &petit, "revente", Some("@cmd|' /C calc'!A0")).await;
    let l_deee = line_at(&app, t, 6.0, &deee, "recyclage", Some("+33 6 12")).await;
    let l_livres = line_at(&app, t, 7.0, &livres, "revente", Some("-moins")).await;

    // Marie has no lines of her own in the period: her export is the header alone, even
    // when she names the admin's poste.
    let mine = marie.get(app.url("/v1/reception/lignes/export-csv?date_from=2026-03-01&date_to=2026-03-31")).send().await.unwrap().text().await.unwrap();
    assert_eq!(mine.lines().count(), 1, "{mine}");
    let theirs = marie.get(app.url(&format!("/v1/reception/lignes/export-csv?date_from=2026-03-01&date_to=2026-03-31&poste_id={poste_admin}"))).send().await.unwrap().text().await.unwrap();
    assert_eq!(theirs.lines().count(), 1, "{theirs}");

    let export = |q: &str| {
        let q = q.to_string();
        let c = app.client.clone();
        let base = app.url("/v1/reception/lignes/export-csv?date_from=2026-03-01&date_to=2026-03-31");
        async move { c.get(format!("{base}{q}")).send().await.unwrap() }
    };
    let all = export("").await.text().await.unwrap();
    for (id, neutralised) in [(&l_petit, "'@cmd|' /C calc'!A0"), (&l_deee, "'+33 6 12"), (&l_livres, "'-moins")] {
        assert!(all.lines().any(|l| l.contains(id.as_str()) && l.ends_with(neutralised)), "{id} with {neutralised:?} in {all}");
    }
    // A parent category includes its children.
    let by_parent = export(&format!("&category_id={deee}")).await.text().await.unwrap();
    assert!(by_parent.contains(&l_petit) && by_parent.contains(&l_deee) && !by_parent.contains(&l_livres));
    let by_child = export(&format!("&category_id={petit}")).await.text().await.unwrap();
    assert!(by_child.contains(&l_petit) && !by_child.contains(&l_deee));
    let revente = export("&destination=revente").await.text().await.unwrap();
    assert!(revente.contains(&l_petit) && revente.contains(&l_livres) && !revente.contains(&l_deee));
    let other_poste = export(&format!("&poste_id={}", uuid::Uuid::new_v4())).await.text().await.unwrap();
    assert_eq!(other_poste.lines().count(), 1, "header only");
    let same_poste = export(&format!("&poste_id={poste_admin}")).await.text().await.unwrap();
    assert_eq!(same_poste.lines().count(), 4);

    let bad = |q: &'static str, detail: &'static str| {
        let c = marie.clone();
        let url = app.url(&format!("/v1/reception/lignes/export-csv?{q}"));
        async move { assert_detail(c.get(url).send().await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, detail).await }
    };
    bad("date_from=2026-03-01", "date_to est obligatoire").await;
    bad("date_to=2026-03-01", "date_from est obligatoire").await;
    bad("date_from=2026-03-02&date_to=2026-03-01", "postérieure ou égale").await;
    bad("date_from=01/03/2026&date_to=2026-03-31", "format attendu AAAA-MM-JJ").await;
    bad("date_from=2026-03-01&date_to=2026-03-31&destination=poubelle", "Destination inconnue").await;
    bad("date_from=2026-03-01&date_to=2026-03-31&category_id=abc", "category_id invalide").await;
    bad("date_from=2026-03-01&date_to=2026-03-31&dialect=tsv", "Dialecte CSV inconnu").await;
    bad("date_from=-262143-01-01&date_to=2026-03-31", "entre 2000 et 2100").await;
    bad("date_from=1999-12-31&date_to=2026-03-31", "entre 2000 et 2100").await;
    bad("date_from=2026-03-01&date_to=2026-03-31&destination=don&destination=revente", "Paramètres invalides").await;
}

async fn bulk_export_xlsx_zip_and_csv(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap());
    app.open_poste(&app.client).await;
    let mobilier = app.category_id("Mobilier").await;
    let vetements = app.category_id("Vêtements").await;
    let t = Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap();
    line_at(&app, t, 12.345, &mobilier, "revente", Some("=1+1")).await;
    line_at(&app, t + Duration::hours(1), 0.655, &mobilier, "revente", None).await;
    line_at(&app, t + Duration::hours(2), 30.0, &vetements, "recyclage", None).await;
    app.clock.set(t + Duration::minutes(150));
    let exit_ticket = app.new_ticket(&app.client).await;
    app.add_line(&app.client, &exit_ticket, json!({"poids_kg": 100, "category_id": mobilier, "destination": "destruction", "is_exit": true})).await;

    let bulk = |body: Value| app.client.post(app.url("/v1/admin/reports/reception-tickets/export-bulk")).json(&body).send();
    let r = bulk(json!({"date_from": "2026-03-01", "date_to": "2026-03-31", "format": "xlsx"})).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert_eq!(r.headers()["content-disposition"], "attachment; filename=\"reception-tickets-2026-03-01_2026-03-31.xlsx\"");
    let bytes = r.bytes().await.unwrap().to_vec();
    // The formula-looking note (=1+1) reads as typed, styled quote-prefix; nothing else is.
    assert_eq!(quote_prefixed_cells(&bytes, 3), ["O2"]);
    assert!(quote_prefixed_cells(&bytes, 1).is_empty() && quote_prefixed_cells(&bytes, 2).is_empty());
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("a valid xlsx");
    assert_eq!(book.sheet_names(), ["Synthèse", "Tickets", "Lignes"]);

    // The summary opens with what it selects; its figures are checked against the
    // Lignes sheet in `the_summary_adds_up_to_the_lines`.
    let summary = book.worksheet_range("Synthèse").unwrap();
    let rows: Vec<Vec<Data>> = summary.rows().map(|r| r.to_vec()).collect();
    assert_eq!(rows[1][0], Data::String("Période : du 01/03/2026 au 31/03/2026".into()));
    assert_eq!(rows[2][0], Data::String("Filtres : aucun".into()));
    assert_eq!(rows[4][6], Data::String("Poids (kg)".into()));
    let find = |label: &str| rows.iter().find(|r| r.iter().any(|c| *c == Data::String(label.into()))).cloned().unwrap();
    let mobilier_revente =
        rows.iter().find(|r| r[0] == Data::String("Détail".into()) && r[2] == Data::String("Mobilier".into()) && r[3] == Data::String("Revente".into())).unwrap();
    assert_eq!(mobilier_revente[5], Data::Float(2.0));
    assert_eq!(mobilier_revente[6], Data::Float(13.0), "12.345 + 0.655 summed exactly, as a number");
    assert_eq!(find("Total entrées")[6], Data::Float(43.0));
    assert_eq!(find("Total sorties")[6], Data::Float(100.0));

    let lines = book.worksheet_range("Lignes").unwrap();
    assert_eq!(lines.height(), 5, "header + 4 lines");
    let first: Vec<Data> = lines.rows().nth(1).unwrap().to_vec();
    assert_eq!(first[11], Data::Float(12.345));
    assert_eq!(first[14], Data::String("=1+1".into()), "a formula-looking note is a string cell, exactly as typed");
    assert_eq!(first[1], Data::String("2026-00001".into()), "the ticket number beside its UUID");
    match &first[2] {
        Data::Float(serial) => assert!((serial - 46091.416666).abs() < 1e-4, "2026-03-10 10:00 Paris as a date cell, got {serial}"),
        Data::DateTime(d) => assert!((d.as_f64() - 46091.416666).abs() < 1e-4),
        other => panic!("date cell expected, got {other:?}"),
    }
    let tickets = book.worksheet_range("Tickets").unwrap();
    assert_eq!(tickets.height(), 5);

    // Filters apply to every sheet.
    let r = bulk(json!({"date_from": "2026-03-01", "date_to": "2026-03-31", "format": "xlsx", "destination": "recyclage"})).await.unwrap();
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(r.bytes().await.unwrap().to_vec())).unwrap();
    assert_eq!(book.worksheet_range("Lignes").unwrap().height(), 2);

    let r = bulk(json!({"date_from": "2026-03-01", "date_to": "2026-03-31", "format": "zip"})).await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/zip");
    let mut zip = zip::ZipArchive::new(Cursor::new(r.bytes().await.unwrap().to_vec())).expect("a valid zip");
    let names: Vec<String> = (0..zip.len()).map(|i| zip.by_index(i).unwrap().name().unwrap().to_string()).collect();
    assert_eq!(names, ["synthese.csv", "tickets.csv", "lignes.csv"]);
    let mut lignes = String::new();
    zip.by_name("lignes.csv").unwrap().read_to_string(&mut lignes).unwrap();
    assert!(lignes.starts_with("\u{feff}Ticket;") && lignes.contains(";12,345;Revente;Entrée;'=1+1\r\n"), "{lignes}");
    assert_eq!(lignes.lines().count(), 5);

    // With a line filter, ticket totals count the matching lines only, like the other sheets.
    let r = bulk(json!({"date_from": "2026-03-01", "date_to": "2026-03-31", "destination": "revente"})).await.unwrap();
    let csv = r.text().await.unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{csv}");
    assert!(rows.iter().any(|r| r.ends_with(";1;12,345;0,000")) && rows.iter().any(|r| r.ends_with(";1;0,655;0,000")), "{csv}");

    let r = bulk(json!({"date_from": "2026-03-01", "date_to": "2026-03-31", "status": "opened"})).await.unwrap();
    assert_eq!(r.headers()["content-disposition"], "attachment; filename=\"reception-tickets-2026-03-01_2026-03-31.csv\"");
    let csv = r.text().await.unwrap();
    assert_eq!(csv.lines().count(), 2, "only the open ticket: {csv}");
    assert!(csv.contains(&exit_ticket) && csv.ends_with(";1;0,000;100,000\r\n"), "{csv}");

    assert_detail(bulk(json!({"date_from": "2026-03-01", "date_to": "2026-03-31", "format": "pdf"})).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "Format inconnu").await;
    assert_detail(bulk(json!({"date_to": "2026-03-31"})).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "date_from est obligatoire").await;
}

/// `period=last_month` resolved on 2026-04-05 (Paris) selects March in the ticket list,
/// the lines export and the bulk export alike; an unknown period names the field.
async fn relative_periods_mean_the_same_rows_in_lists_and_exports(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    app.clock.set(Utc.with_ymd_and_hms(2026, 2, 27, 8, 0, 0).unwrap());
    app.open_poste(&app.client).await;
    let mobilier = app.category_id("Mobilier").await;
    // Feb 28th 23:30 UTC is March 1st in Paris; March 31st 21:30 UTC is still March 31st.
    let feb = line_at(&app, Utc.with_ymd_and_hms(2026, 2, 28, 22, 30, 0).unwrap(), 1.0, &mobilier, "revente", None).await;
    let first = line_at(&app, Utc.with_ymd_and_hms(2026, 2, 28, 23, 30, 0).unwrap(), 2.0, &mobilier, "revente", None).await;
    let last = line_at(&app, Utc.with_ymd_and_hms(2026, 3, 31, 21, 30, 0).unwrap(), 3.0, &mobilier, "don", None).await;
    let april = line_at(&app, Utc.with_ymd_and_hms(2026, 3, 31, 22, 30, 0).unwrap(), 4.0, &mobilier, "don", None).await;
    app.clock.set(Utc.with_ymd_and_hms(2026, 4, 5, 10, 0, 0).unwrap());
    app.login_admin().await;

    let listed = app.get_json(&app.client, "/v1/reception/tickets?period=last_month").await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 2, "{listed}");
    let lines = app.client.get(app.url("/v1/reception/lignes/export-csv?period=last_month")).send().await.unwrap();
    assert_eq!(lines.headers()["content-disposition"], "attachment; filename=\"reception-lignes-2026-03-01_2026-03-31.csv\"");
    let lines = lines.text().await.unwrap();
    assert!(lines.contains(&first) && lines.contains(&last) && !lines.contains(&feb) && !lines.contains(&april), "{lines}");
    let dates = app.client.get(app.url("/v1/reception/lignes/export-csv?date_from=2026-03-01&date_to=2026-03-31")).send().await.unwrap().text().await.unwrap();
    assert_eq!(lines, dates, "the relative period means the same days as the fixed one");
    let bulk = app.client.post(app.url("/v1/admin/reports/reception-tickets/export-bulk")).json(&json!({"period": "last_month"})).send().await.unwrap();
    let bulk = bulk.text().await.unwrap();
    assert_eq!(bulk.lines().count(), 3, "header and the two March tickets: {bulk}");
    let now = app.get_json(&app.client, "/v1/reception/tickets?period=this_month").await;
    assert_eq!(now["items"].as_array().unwrap().len(), 1, "April's ticket: {now}");

    let r = app.client.get(app.url("/v1/reception/tickets?period=le_mois_dernier")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["field"], "period", "{body}");
    assert!(body["detail"].as_str().unwrap().contains("période inconnue"), "{body}");
    let r = app.client.get(app.url("/v1/reception/lignes/export-csv?period=last_month&date_from=2026-03-01&date_to=2026-03-02")).send().await.unwrap();
    assert_detail(r, StatusCode::UNPROCESSABLE_ENTITY, "pas les deux").await;
    let r = app.client.get(app.url("/v1/reception/tickets?date_form=2026-03-01")).send().await.unwrap();
    assert_detail(r, StatusCode::UNPROCESSABLE_ENTITY, "Filtre inconnu").await;
    let r = app.client.get(app.url("/v1/reception/lignes/export-csv")).send().await.unwrap();
    assert_detail(r, StatusCode::UNPROCESSABLE_ENTITY, "Choisissez une période").await;
}

/// The bulk export (`format`, `dialect`) of March 2026, as bytes.
async fn bulk_bytes(app: &TestApp, mut body: Value) -> Vec<u8> {
    body["date_from"] = json!("2026-03-01");
    body["date_to"] = json!("2026-03-31");
    let r = app.client.post(app.url("/v1/admin/reports/reception-tickets/export-bulk")).json(&body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.bytes().await.unwrap().to_vec()
}

/// The CSV files of a ZIP export, by name.
fn zip_files(bytes: Vec<u8>) -> BTreeMap<String, String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a valid zip");
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut s = String::new();
            f.read_to_string(&mut s).unwrap();
            (f.name().unwrap().to_string(), s)
        })
        .collect()
}

fn sheet(bytes: &[u8], name: &str) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).expect("a valid xlsx");
    book.worksheet_range(name).unwrap().rows().map(|r| r.to_vec()).collect()
}

fn text(s: &str) -> Data {
    Data::String(s.into())
}

/// Statuses, destinations and flows: French words in the French CSV profile and in the
/// workbook (`fermé`, `Revente`, `Entrée`), machine codes in the standard dialect.
async fn people_read_french_words_and_programs_read_codes(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap());
    app.open_poste(&app.client).await;
    let mobilier = app.category_id("Mobilier").await;
    let t = Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap();
    line_at(&app, t, 2.0, &mobilier, "revente", None).await;
    app.clock.set(t + Duration::minutes(30));
    let open = app.new_ticket(&app.client).await;
    app.add_line(&app.client, &open, json!({"poids_kg": 5, "category_id": mobilier, "destination": "destruction", "is_exit": true})).await;

    let fr = zip_files(bulk_bytes(&app, json!({"format": "zip"})).await);
    assert!(fr["tickets.csv"].contains(";fermé;") && fr["tickets.csv"].contains(";ouvert;"), "{}", fr["tickets.csv"]);
    let lignes = &fr["lignes.csv"];
    assert!(lignes.contains(";2,000;Revente;Entrée;\r\n") && lignes.contains(";5,000;Destruction;Sortie;\r\n"), "{lignes}");
    assert!(lignes.contains(";fermé;") && lignes.contains(";ouvert;") && !lignes.contains("opened") && !lignes.contains("revente"), "{lignes}");
    let synthese = &fr["synthese.csv"];
    for row in [
        "Catégorie;;Mobilier;;Entrée;1;2,000",
        "Détail;;Mobilier;Revente;Entrée;1;2,000",
        "Destination;;;Destruction;Sortie;1;5,000",
        "Total sorties;;;;Sortie;1;5,000",
        "Total général;;;;;2;7,000",
    ] {
        assert!(synthese.lines().any(|l| l == row), "{row} in {synthese}");
    }

    let std = zip_files(bulk_bytes(&app, json!({"format": "zip", "dialect": "standard"})).await);
    assert!(std["tickets.csv"].contains(",closed,") && std["tickets.csv"].contains(",opened,"), "{}", std["tickets.csv"]);
    assert!(std["lignes.csv"].contains(",2.000,revente,entrée,\r\n") && std["lignes.csv"].contains(",5.000,destruction,sortie,\r\n"), "{}", std["lignes.csv"]);
    for row in ["category,,Mobilier,,entrée,1,2.000", "detail,,Mobilier,revente,entrée,1,2.000", "flow,,,,sortie,1,5.000", "total,,,,,2,7.000"] {
        assert!(std["synthese.csv"].lines().any(|l| l == row), "{row} in {}", std["synthese.csv"]);
    }
    for (name, file) in &std {
        for word in ["fermé", "ouvert", "Revente", "Entrée", "Sortie;"] {
            assert!(!file.contains(word), "{word} in the standard {name}: {file}");
        }
    }

    // The one-table CSV follows the same rule.
    let csv = String::from_utf8(bulk_bytes(&app, json!({})).await).unwrap();
    assert!(csv.contains(";fermé;") && !csv.contains("closed"), "{csv}");
    let csv = String::from_utf8(bulk_bytes(&app, json!({"dialect": "standard"})).await).unwrap();
    assert!(csv.contains(",closed,") && !csv.contains("fermé"), "{csv}");

    // A workbook is for people: French words only.
    let xlsx = bulk_bytes(&app, json!({"format": "xlsx"})).await;
    let tickets = sheet(&xlsx, "Tickets");
    assert_eq!(tickets[1..].iter().map(|r| r[3].clone()).collect::<Vec<_>>(), [text("fermé"), text("ouvert")]);
    let lines = sheet(&xlsx, "Lignes");
    assert_eq!(lines[1..].iter().map(|r| (r[3].clone(), r[12].clone())).collect::<Vec<_>>(), [(text("fermé"), text("Revente")), (text("ouvert"), text("Destruction"))]);
    let summary = sheet(&xlsx, "Synthèse");
    let flows: Vec<Data> = summary.iter().filter(|r| r[0] == text("Détail")).map(|r| r[4].clone()).collect();
    assert_eq!(flows, [text("Entrée"), text("Sortie")]);
}

/// Every reception export lists tickets in one order, the order of their lines: ticket
/// date (a deferred poste's date for its tickets), then ticket number, then the lines
/// in entry order, whatever order the lines were typed in.
async fn tickets_and_lines_come_in_one_order(db: Db) {
    let app = spawn_app(db).await;
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 10, 8, 0, 0).unwrap());
    app.login_admin().await;
    app.open_poste(&app.client).await;
    let cat = app.category_id("Mobilier").await;
    // Tickets 1 and 2 at the same instant, ticket 3 half an hour later.
    let (a, b) = (app.new_ticket(&app.client).await, app.new_ticket(&app.client).await);
    app.clock.advance(Duration::minutes(30));
    let c = app.new_ticket(&app.client).await;
    // Ticket 4 comes last but is dated the day before: a paper logbook typed in later.
    let (chef, _) = app.user_client("chef", &["admin"]).await;
    let r = app.post_json(&chef, "/v1/reception/postes/open", json!({"opened_at": "2026-03-09T10:00"})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let d = app.new_ticket(&chef).await;
    // Lines typed in another order than their tickets.
    let line = |client: &reqwest::Client, ticket: &str, kg: u32| {
        app.clock.advance(Duration::minutes(1));
        let req = client.post(app.url(&format!("/v1/reception/tickets/{ticket}/lignes"))).json(&json!({"poids_kg": kg, "category_id": cat, "destination": "revente"}));
        async move { assert_eq!(req.send().await.unwrap().status(), StatusCode::CREATED) }
    };
    line(&app.client, &c, 1).await;
    line(&app.client, &b, 2).await;
    line(&app.client, &a, 3).await;
    line(&chef, &d, 4).await;
    line(&app.client, &a, 5).await;
    line(&app.client, &b, 6).await;
    let tickets = [d.as_str(), a.as_str(), b.as_str(), c.as_str()];
    let numbers = ["2026-00004", "2026-00001", "2026-00002", "2026-00003"];
    let weights = [4.0, 3.0, 5.0, 2.0, 6.0, 1.0];

    let xlsx = bulk_bytes(&app, json!({"format": "xlsx"})).await;
    let t = sheet(&xlsx, "Tickets");
    assert_eq!(t[1..].iter().map(|r| r[0].clone()).collect::<Vec<_>>(), tickets.map(text));
    assert_eq!(t[1..].iter().map(|r| r[1].clone()).collect::<Vec<_>>(), numbers.map(text));
    let l = sheet(&xlsx, "Lignes");
    assert_eq!(l[1..].iter().map(|r| r[11].clone()).collect::<Vec<_>>(), weights.map(Data::Float));
    let mut in_lines: Vec<Data> = l[1..].iter().map(|r| r[0].clone()).collect();
    in_lines.dedup();
    assert_eq!(in_lines, tickets.map(text), "the Lignes sheet walks the tickets in the Tickets sheet's order");

    // The one-table CSV, the ZIP and the lines export agree.
    let csv = String::from_utf8(bulk_bytes(&app, json!({"dialect": "standard"})).await).unwrap();
    let ids: Vec<&str> = csv.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(ids, tickets);
    let zip = zip_files(bulk_bytes(&app, json!({"format": "zip", "dialect": "standard"})).await);
    assert_eq!(zip["tickets.csv"].lines().skip(1).map(|l| l.split(',').next().unwrap()).collect::<Vec<_>>(), tickets);
    let period = app.client.get(app.url("/v1/reception/lignes/export-csv?date_from=2026-03-01&date_to=2026-03-31&dialect=standard")).send().await.unwrap().text().await.unwrap();
    assert_eq!(period, zip["lignes.csv"]);
    let kg: Vec<&str> = period.lines().skip(1).map(|l| l.split(',').nth(11).unwrap()).collect();
    assert_eq!(kg, ["4.000", "3.000", "5.000", "2.000", "6.000", "1.000"]);

    // The ticket list on the pages stays latest first.
    let listed = app.get_json(&app.client, "/v1/reception/tickets?date_from=2026-03-01&date_to=2026-03-31").await;
    let listed: Vec<&str> = listed["items"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(listed, [c.as_str(), b.as_str(), a.as_str(), d.as_str()]);
}

/// An exact weight cell in grams.
fn grams(d: &Data) -> i64 {
    match d {
        Data::Float(f) => (f * 1000.0).round() as i64,
        Data::Int(i) => i * 1000,
        other => panic!("a weight, got {other:?}"),
    }
}

/// The summary sheet: the period and filters at the top, then subtotals by category
/// (parents with their children, never double counted), by destination and by flow,
/// and the grand total, each equal to the sums of the Lignes sheet; weights formatted
/// with a thousands separator; an autofilter and a frozen header on every sheet; the
/// ZIP's summary is the same table.
async fn the_summary_adds_up_to_the_lines(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap());
    app.open_poste(&app.client).await;
    let t = Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap();
    let lines = [
        ("Textile", 1.5, "don", false),
        ("Vêtements", 30.0, "recyclage", false),
        ("Vêtements", 2.25, "revente", false),
        ("Linge de maison", 4.0, "revente", true),
        ("Mobilier", 1234.5, "revente", false),
        ("Petit électroménager", 0.75, "recyclage", false),
        ("Mobilier", 100.0, "destruction", true),
    ];
    app.clock.set(t);
    app.login_admin().await;
    let ticket = app.new_ticket(&app.client).await;
    for (name, kg, destination, exit) in lines {
        let cat = app.category_id(name).await;
        app.add_line(&app.client, &ticket, json!({"poids_kg": kg, "category_id": cat, "destination": destination, "is_exit": exit})).await;
    }

    let xlsx = bulk_bytes(&app, json!({"format": "xlsx"})).await;
    let summary = sheet(&xlsx, "Synthèse");
    let caption: Vec<Data> = summary[..3].iter().map(|r| r[0].clone()).collect();
    assert_eq!(caption, [text("RecyClique · Réception : tickets et lignes"), text("Période : du 01/03/2026 au 31/03/2026"), text("Filtres : aucun")]);
    assert_eq!(summary[4][..7], ["Rubrique", "Catégorie parente", "Catégorie", "Destination", "Flux", "Lignes", "Poids (kg)"].map(text));
    let body = &summary[5..];

    // The same sums, computed from the Lignes sheet (a two-level tree: the top level
    // is the parent when there is one).
    let l = sheet(&xlsx, "Lignes");
    let mut by_top: BTreeMap<(String, bool), i64> = BTreeMap::new();
    let mut by_category: BTreeMap<(String, bool), i64> = BTreeMap::new();
    let mut by_destination: BTreeMap<(String, bool), i64> = BTreeMap::new();
    let mut by_flow: BTreeMap<bool, (i64, i64)> = BTreeMap::new();
    for r in &l[1..] {
        let (category, parent, g, destination, exit) = (r[9].to_string(), r[10].to_string(), grams(&r[11]), r[12].to_string(), r[13] == text("Sortie"));
        let top = if parent.is_empty() { category.clone() } else { parent };
        *by_top.entry((top, exit)).or_default() += g;
        *by_category.entry((category, exit)).or_default() += g;
        *by_destination.entry((destination, exit)).or_default() += g;
        let f = by_flow.entry(exit).or_default();
        *f = (f.0 + 1, f.1 + g);
    }
    let rows_of = |section: &str, key: usize| -> BTreeMap<(String, bool), i64> {
        body.iter().filter(|r| r[0] == text(section)).map(|r| ((r[key].to_string(), r[4] == text("Sortie")), grams(&r[6]))).collect()
    };
    assert_eq!(rows_of("Catégorie", 2), by_top, "top-level categories with their children");
    assert_eq!(rows_of("Catégorie", 2)[&("Textile".to_string(), false)], 33_750, "Textile's own line and its Vêtements, once each");
    let subs = rows_of("Sous-catégorie", 2);
    let children: BTreeMap<(String, bool), i64> =
        by_category.into_iter().filter(|((c, _), _)| ["Vêtements", "Linge de maison", "Petit électroménager"].contains(&c.as_str())).collect();
    assert_eq!(subs, children, "sub-categories on their own");
    assert_eq!(rows_of("Destination", 3), by_destination);
    let flow = |label: &str| body.iter().find(|r| r[0] == text(label)).unwrap_or_else(|| panic!("{label}"));
    for (exit, label) in [(false, "Total entrées"), (true, "Total sorties")] {
        let r = flow(label);
        assert_eq!((r[5].clone(), grams(&r[6])), (Data::Float(by_flow[&exit].0 as f64), by_flow[&exit].1), "{label}");
    }
    assert_eq!(grams(&flow("Total entrées")[6]), 1_269_000);
    let total = body.last().unwrap();
    assert_eq!((total[0].clone(), total[5].clone(), grams(&total[6])), (text("Total général"), Data::Float(7.0), 1_373_000));
    // Sections come in that order: categories, detail, destinations, flows, total.
    let mut sections: Vec<String> = body.iter().map(|r| r[0].to_string()).collect();
    sections.dedup();
    assert_eq!(sections, ["Catégorie", "Sous-catégorie", "Catégorie", "Sous-catégorie", "Détail", "Destination", "Total entrées", "Total sorties", "Total général"]);

    // Weights show a thousands separator (1 234,500 in a French Excel); every sheet has
    // filter buttons over its rows and a frozen header.
    let mut styles = String::new();
    zip::ZipArchive::new(Cursor::new(xlsx.clone())).unwrap().by_name("xl/styles.xml").unwrap().read_to_string(&mut styles).unwrap();
    assert!(styles.contains("formatCode=\"#,##0.000\""), "{styles}");
    assert!(!styles.contains("formatCode=\"0.000\""), "{styles}");
    for (n, header_row, last_column, rows) in [(1, 5, 'G', summary.len()), (2, 1, 'K', sheet(&xlsx, "Tickets").len()), (3, 1, 'O', l.len())] {
        let xml = sheet_xml(&xlsx, n);
        assert!(xml.contains(&format!("<autoFilter ref=\"A{header_row}:{last_column}{rows}\"/>")), "sheet {n}: {}", &xml[xml.len().saturating_sub(300)..]);
        assert!(xml.contains(&format!("ySplit=\"{header_row}\"")), "sheet {n} frozen under its header");
    }

    // The ZIP's summary is the same table, without the caption.
    let zip = zip_files(bulk_bytes(&app, json!({"format": "zip"})).await);
    let csv: Vec<&str> = zip["synthese.csv"].lines().collect();
    assert_eq!(csv[0], "\u{feff}Rubrique;Catégorie parente;Catégorie;Destination;Flux;Lignes;Poids (kg)");
    assert_eq!(csv.len(), body.len() + 1);
    assert_eq!(*csv.last().unwrap(), "Total général;;;;;7;1373,000");
    assert!(csv.contains(&"Catégorie;;Textile;;Entrée;3;33,750"), "{csv:?}");

    // A category filter says so at the top, and keeps that category's subtree.
    let textile = app.category_id("Textile").await;
    let xlsx = bulk_bytes(&app, json!({"format": "xlsx", "category_id": textile})).await;
    let summary = sheet(&xlsx, "Synthèse");
    assert_eq!(summary[2][0], text("Filtres : Catégorie (et sous-catégories) : Textile"));
    let tops: Vec<Data> = summary[5..].iter().filter(|r| r[0] == text("Catégorie")).map(|r| r[2].clone()).collect();
    assert_eq!(tops, [text("Textile"), text("Textile")], "entries and exits of Textile only");
    assert_eq!(grams(&summary.last().unwrap()[6]), 37_750);
}
