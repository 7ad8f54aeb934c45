//! One read snapshot per export: every sheet of an export sees the same state of the
//! database, whatever is written meanwhile.
use std::io::{Cursor, Read};

use app::filter::Filter;
use app::reception::ReceptionFilter;
use reqwest::StatusCode;
use serde_json::json;
use server::clock::Clock;

use crate::both_backends;
use crate::helpers::*;

both_backends!(sheets_of_an_export_read_one_snapshot, summary_equals_details_while_lines_are_written,);

/// Deterministic: lines written after the snapshot's first read are invisible to its
/// later reads, and visible to a fresh read.
async fn sheets_of_an_export_read_one_snapshot(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    app.open_poste(&app.client).await;
    let t = app.new_ticket(&app.client).await;
    let cat = app.category_id("Mobilier").await;
    for kg in [1.5, 2.25, 3.0] {
        app.add_line(&app.client, &t, json!({"poids_kg": kg, "category_id": cat, "destination": "revente"})).await;
    }
    let admin = app.state.store.user_by_username(ADMIN).await.unwrap().unwrap().user;
    let filter = || ReceptionFilter::from_pairs([("period", "today")], &[]).unwrap().scope(&admin).resolve(app.clock.now());

    let mut snap = app.state.store.reception_snapshot().await.unwrap();
    let summary = snap.summary(&filter()).await.unwrap();
    assert_eq!(summary.iter().map(|r| r.grams).sum::<i64>(), 6_750);

    // Written after the snapshot's first read, committed before its next ones.
    app.add_line(&app.client, &t, json!({"poids_kg": 100, "category_id": cat, "destination": "revente"})).await;
    let t2 = app.new_ticket(&app.client).await;
    app.add_line(&app.client, &t2, json!({"poids_kg": 7, "category_id": cat, "destination": "don"})).await;

    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let sent = snap.lines(&filter(), &tx).await.unwrap();
    drop(tx);
    let mut grams = 0;
    while let Some(batch) = rx.recv().await {
        grams += batch.unwrap().iter().map(|l| l.poids.grams()).sum::<i64>();
    }
    assert_eq!((sent, grams), (3, 6_750), "the snapshot's lines agree with its summary");
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    assert_eq!(snap.tickets(&filter(), &tx).await.unwrap(), 1, "the second ticket came after the snapshot");
    drop(tx);
    let tickets = rx.recv().await.unwrap().unwrap();
    assert_eq!(tickets[0].entry_weight_kg.grams(), 6_750, "ticket totals from the snapshot too");
    drop(snap);

    let mut fresh = app.state.store.reception_snapshot().await.unwrap();
    let now = fresh.summary(&filter()).await.unwrap();
    assert_eq!(now.iter().map(|r| r.grams).sum::<i64>(), 113_750, "a new snapshot sees the new lines");
}

/// Through HTTP: a ZIP export runs while another client keeps adding lines; the
/// summary's totals equal the sum of the exported lines, and each ticket's totals the
/// sum of its lines.
async fn summary_equals_details_while_lines_are_written(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    app.open_poste(&app.client).await;
    let cat = app.category_id("Mobilier").await;
    let mut tickets = Vec::new();
    for _ in 0..4 {
        tickets.push(app.new_ticket(&app.client).await);
    }
    for i in 0..120 {
        app.add_line(&app.client, &tickets[i % 4], json!({"poids_kg": format!("{}.{:03}", i + 1, i), "category_id": cat, "destination": "revente"})).await;
    }
    let writer = {
        let (c, url, cat) = (app.client.clone(), app.url(&format!("/v1/reception/tickets/{}/lignes", tickets[0])), cat.clone());
        tokio::spawn(async move {
            let mut written = 0;
            for i in 0..60 {
                let r = c.post(&url).json(&json!({"poids_kg": 1000 + i, "category_id": cat, "destination": "don"})).send().await.unwrap();
                assert_eq!(r.status(), StatusCode::CREATED);
                written += 1;
            }
            written
        })
    };
    let mut exports = 0;
    while !writer.is_finished() || exports == 0 {
        let r = app.client.post(app.url("/v1/admin/reports/reception-tickets/export-bulk")).json(&json!({"period": "today", "format": "zip"})).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let mut zip = zip::ZipArchive::new(Cursor::new(r.bytes().await.unwrap().to_vec())).unwrap();
        let read = |zip: &mut zip::ZipArchive<Cursor<Vec<u8>>>, name: &str| {
            let mut s = String::new();
            zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
            s
        };
        let grams = |field: &str| -> i64 {
            let (kg, g) = field.split_once(',').unwrap();
            kg.parse::<i64>().unwrap() * 1000 + g.parse::<i64>().unwrap()
        };
        let summary = read(&mut zip, "synthese.csv");
        let total: i64 = summary.lines().filter(|l| l.starts_with("Total entrées")).map(|l| grams(l.split(';').nth(6).unwrap())).sum();
        let lines = read(&mut zip, "lignes.csv");
        let detail: i64 = lines.lines().skip(1).map(|l| grams(l.split(';').nth(11).unwrap())).sum();
        assert_eq!(total, detail, "summary and lines from one snapshot");
        let tickets_csv = read(&mut zip, "tickets.csv");
        let per_tickets: i64 = tickets_csv.lines().skip(1).map(|l| grams(l.split(';').nth(9).unwrap())).sum();
        assert_eq!(per_tickets, detail, "ticket totals and lines from one snapshot");
        exports += 1;
    }
    assert_eq!(writer.await.unwrap(), 60);
    assert!(exports >= 1);
}
