//! Generated data (`generate-data`), on both backends, checked through the REST API: the
//! postes, tickets and lines it reports are all there, weigh what it says, cover every
//! day of the range, and only today's postes are still open.
use std::collections::{BTreeMap, BTreeSet, HashSet};

use app::reception::{Poste, Status, Ticket};
use app::time::paris_date;
use app::weight::Weight;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use reqwest::StatusCode;
use server::clock::Clock;
use server::generate::{generate, Generated};

use crate::both_backends;
use crate::cli::{server_on, CLI_ADMIN_PASSWORD};
use crate::helpers::*;

both_backends!(generated_history_is_complete_and_consistent, generate_data_command_works_and_runs_again_on_the_same_database, generated_cash_is_complete_and_consistent);

/// A line of the standard-dialect CSV export, the columns this test reads.
struct CsvLine {
    ticket_id: String,
    /// Paris day of the ticket date.
    ticket_day: NaiveDate,
    ligne_id: String,
    poids: Weight,
    is_exit: bool,
}

/// What the REST API shows of the period `from..=to`, as an admin sees it.
struct Seen {
    postes: Vec<Poste>,
    tickets: Vec<Ticket>,
    lines: Vec<CsvLine>,
}

async fn seen(app: &TestApp, from: NaiveDate, to: NaiveDate) -> Seen {
    let period = format!("date_from={from}&date_to={to}");
    let postes: app::paging::Page<Poste> =
        app.client.get(app.url(&format!("/v1/reception/postes?{period}&page_size=500"))).send().await.unwrap().json().await.unwrap();
    assert!(postes.total <= 500, "one page holds the period's {} postes", postes.total);
    let postes = postes.items;
    // Every page of the ticket list (at most 500 a page).
    let mut tickets: Vec<Ticket> = Vec::new();
    for page in 1.. {
        let p: app::paging::Page<Ticket> =
            app.client.get(app.url(&format!("/v1/reception/tickets?{period}&page={page}&page_size=500"))).send().await.unwrap().json().await.unwrap();
        let last = p.items.len() < 500;
        tickets.extend(p.items);
        if last {
            assert_eq!(tickets.len() as i64, p.total);
            break;
        }
    }
    let r = app.client.get(app.url(&format!("/v1/reception/lignes/export-csv?{period}&dialect=standard"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap();
    let mut rows = csv.split("\r\n").filter(|l| !l.is_empty());
    assert_eq!(
        rows.next(),
        Some("ticket_id,ticket_number,ticket_at,ticket_status,poste_id,is_deferred,benevole,ligne_id,ligne_created_at,category,parent_category,poids_kg,destination,flow,notes")
    );
    // Notes, the last column, are the only cells that may hold commas (and quotes).
    let lines = rows
        .map(|row| {
            let f: Vec<&str> = row.splitn(15, ',').collect();
            let ticket_at = DateTime::parse_from_rfc3339(f[2]).unwrap_or_else(|e| panic!("{row}: {e}"));
            CsvLine {
                ticket_id: f[0].to_string(),
                ticket_day: paris_date(ticket_at.with_timezone(&Utc)),
                ligne_id: f[7].to_string(),
                poids: Weight::parse(f[11]).unwrap(),
                is_exit: f[13] == "sortie",
            }
        })
        .collect();
    Seen { postes, tickets, lines }
}

fn kg(lines: &[CsvLine], exit: bool) -> Weight {
    Weight::from_grams(lines.iter().filter(|l| l.is_exit == exit).map(|l| l.poids.grams()).sum())
}

/// Everything `g` reports is seen over `first..=today`, on every day, and the open
/// postes and tickets are today's.
fn assert_complete(s: &Seen, g: &Generated, first: NaiveDate, today: NaiveDate) {
    let days: BTreeSet<NaiveDate> = first.iter_days().take_while(|d| *d <= today).collect();
    assert_eq!(s.postes.len() as u64, g.postes);
    let mut postes_per_day = BTreeMap::new();
    for p in &s.postes {
        let day = paris_date(p.opened_at);
        *postes_per_day.entry(day).or_insert(0) += 1;
        assert_eq!(p.status == Status::Opened, day == today, "only today's postes are open: {p:?}");
        assert_eq!(p.closed_at.is_none(), p.status == Status::Opened);
    }
    assert_eq!(postes_per_day.keys().copied().collect::<BTreeSet<_>>(), days, "postes on every day");
    assert!(postes_per_day.values().all(|&n| n == 3), "three postes a day: {postes_per_day:?}");

    assert_eq!(s.tickets.len() as u64, g.tickets);
    let numbers: HashSet<String> = s.tickets.iter().map(|t| t.number.to_string()).collect();
    assert_eq!(numbers.len(), s.tickets.len(), "every generated ticket has a number of its own");
    assert_eq!(s.tickets.iter().map(|t| t.lines_count as u64).sum::<u64>(), g.lines);
    assert_eq!(Weight::from_grams(s.tickets.iter().map(|t| t.entry_weight_kg.grams()).sum()), g.entry_weight);
    assert_eq!(Weight::from_grams(s.tickets.iter().map(|t| t.exit_weight_kg.grams()).sum()), g.exit_weight);
    let open_postes: HashSet<_> = s.postes.iter().filter(|p| p.status == Status::Opened).map(|p| p.id).collect();
    for t in s.tickets.iter().filter(|t| t.status == Status::Opened) {
        assert!(open_postes.contains(&t.poste_id), "an open ticket is on an open poste: {t:?}");
    }

    assert_eq!(s.lines.len() as u64, g.lines, "every line is exported");
    assert_eq!(s.lines.iter().map(|l| l.ligne_id.as_str()).collect::<HashSet<_>>().len(), s.lines.len(), "distinct line ids");
    let ticket_ids: HashSet<String> = s.tickets.iter().map(|t| t.id.to_string()).collect();
    assert!(s.lines.iter().all(|l| ticket_ids.contains(&l.ticket_id)), "every line is on a listed ticket");
    assert_eq!((kg(&s.lines, false), kg(&s.lines, true)), (g.entry_weight, g.exit_weight), "the weights generate reported");
    assert!(g.entry_weight.grams() > 0 && g.exit_weight.grams() > 0, "entries and exits: {g:?}");
    assert_eq!(s.lines.iter().map(|l| l.ticket_day).collect::<BTreeSet<_>>(), days, "lines on every day of the range");
}

/// The generator over the application's store and clock, checked through the API.
async fn generated_history_is_complete_and_consistent(db: Db) {
    let app = spawn_app(db).await;
    app.login_admin().await;
    for name in ["anne", "bruno", "chloe"] {
        app.create_user(name, &format!("motdepasse-{name}"), &["reception.access"]).await;
    }
    let today = NaiveDate::from_ymd_opt(2026, 3, 15).unwrap();
    assert_eq!(paris_date(app.clock.now()), today);
    let g = generate(app.state.store.as_ref(), 437, 9, app.clock.now()).await.unwrap();
    assert_eq!((g.postes, g.tickets, g.lines), (27, 55, 437), "{g:?}");

    let first = today - Duration::days(8);
    assert_complete(&seen(&app, first, today).await, &g, first, today);
    let day_before = seen(&app, first - Duration::days(1), first - Duration::days(1)).await;
    assert!(day_before.postes.is_empty() && day_before.tickets.is_empty() && day_before.lines.is_empty(), "nothing before the range");

    let live = app.get_json(&app.client, "/v1/reception/stats/live").await;
    let today_tickets = seen(&app, today, today).await.tickets;
    assert_eq!(live["tickets_today"], today_tickets.len());
    assert_eq!(live["tickets_open"], 3, "today's last three tickets are open");
    assert_eq!(live["lines_count"], today_tickets.iter().map(|t| t.lines_count).sum::<i64>());
}

/// Grams of `… poids : 1234,567 kg entrés, 8,900 kg sortis.` in the command's output.
fn reported_weights(out: &str) -> (Weight, Weight) {
    let after = |marker: &str| -> Weight {
        let start = out.find(marker).unwrap_or_else(|| panic!("no {marker:?} in {out}")) + marker.len();
        // Always three decimals: the digits are the grams.
        let text = out[start..].split(" kg").next().unwrap();
        Weight::from_grams(text.replace(',', "").parse().unwrap_or_else(|_| panic!("weight {text:?} in {out}")))
    };
    (after("poids : "), after("kg entrés, "))
}

/// The operator command, on each backend, run twice on the same database: the second
/// run adds as much again, and leaves the first run's open postes open.
async fn generate_data_command_works_and_runs_again_on_the_same_database(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(db, dir.path()).await;
    let args = ["generate-data", "--lines", "300", "--days", "4", "--users", "3"];
    let (ok, first) = server_on(&url, dir.path(), &args, None);
    let backend = match db {
        Db::Sqlite => "(sqlite)",
        Db::Postgres => "(postgres)",
    };
    assert!(ok && first.contains("300 lignes, 38 tickets, 12 postes générés en ") && first.contains(backend), "{first}");
    assert!(first.contains("75 articles vendus, ") && first.contains(" sessions de caisse générés en "), "a quarter as many sale items: {first}");
    let (ok, second) = server_on(&url, dir.path(), &args, None);
    assert!(ok && second.contains("300 lignes, 38 tickets, 12 postes générés en "), "{second}");
    let (w1, w2) = (reported_weights(&first), reported_weights(&second));
    assert_eq!(w1, w2, "the same seed, the same weights");

    let app = spawn_app_on(url).await;
    assert_eq!(app.login_with(&app.client, ADMIN, CLI_ADMIN_PASSWORD).await.status(), StatusCode::OK);
    // The command ran on the real clock: a wide period is safe around midnight.
    let today = paris_date(Utc::now());
    let s = seen(&app, today - Duration::days(10), today + Duration::days(1)).await;
    assert_eq!((s.postes.len(), s.tickets.len(), s.lines.len()), (24, 76, 600));
    assert_eq!(s.postes.iter().filter(|p| p.status == Status::Opened).count(), 3, "one open poste per bénévole, from the first run");
    assert_eq!((kg(&s.lines, false).grams(), kg(&s.lines, true).grams()), (w1.0.grams() * 2, w1.1.grams() * 2));
}

/// Cash data (`generate-data`'s cash part): every session, sale and item it reports is
/// in the audit, each session's close is computed as the service would (expected cash =
/// float + cash payments, variance = counted - expected, a comment beyond the
/// tolerance), payments add up to the sales and donations, and every day has its
/// sessions.
async fn generated_cash_is_complete_and_consistent(db: Db) {
    use server::generate::cash::generate_cash;
    let app = spawn_app(db).await;
    app.login_admin().await;
    let mut operators = Vec::new();
    for name in ["lea", "marc"] {
        app.create_user(name, &format!("motdepasse-{name}"), &["caisse.access"]).await;
    }
    for u in app.state.store.list_users().await.unwrap() {
        if u.username != ADMIN {
            operators.push(u.id);
        }
    }
    let categories: Vec<_> = app.state.store.list_categories().await.unwrap().into_iter().map(|c| c.id).collect();
    let today = paris_date(app.clock.now());
    let g = generate_cash(app.state.store.as_ref(), 250, 6, &operators, &categories, app.clock.now()).await.unwrap();
    assert_eq!((g.sessions, g.items), (12, 250), "{g:?}");

    let first = today - Duration::days(5);
    let page = app.get_json(&app.client, &format!("/v1/admin/cash-sessions?date_from={first}&date_to={today}&page_size=500")).await;
    let totals = &page["totals"];
    assert_eq!((totals["sessions"].as_u64(), totals["sales"].as_u64()), (Some(g.sessions), Some(g.sales)), "{totals}");
    assert_eq!((totals["total_cents"].as_i64(), totals["donation_cents"].as_i64()), (Some(g.total.0), Some(g.donations.0)));
    let paid: i64 = ["cash_cents", "card_cents", "check_cents", "free_cents"].iter().map(|k| totals[k].as_i64().unwrap()).sum();
    assert_eq!(paid, g.total.0 + g.donations.0, "payments add up to the sales and donations");
    let sessions = page["items"].as_array().unwrap();
    assert_eq!(sessions.len() as u64, g.sessions);
    let mut per_day: BTreeMap<NaiveDate, usize> = BTreeMap::new();
    for s in sessions {
        let cents = |k: &str| s[k].as_i64().unwrap_or_else(|| panic!("{k} in {s}"));
        assert_eq!(s["status"], "closed");
        assert_eq!(cents("expected_cash_cents"), cents("opening_float_cents") + cents("cash_cents"), "{s}");
        assert_eq!(cents("cash_variance_cents"), cents("counted_cash_cents") - cents("expected_cash_cents"), "{s}");
        assert_eq!(s["comment"].is_string(), cents("cash_variance_cents").abs() > 5, "a comment beyond the tolerance only: {s}");
        let opened: DateTime<Utc> = serde_json::from_value(s["opened_at"].clone()).unwrap();
        *per_day.entry(paris_date(opened)).or_default() += 1;
    }
    assert_eq!(per_day.keys().copied().collect::<Vec<_>>(), first.iter_days().take(6).collect::<Vec<_>>());
    assert!(per_day.values().all(|&n| n == 2), "a session a day on each register: {per_day:?}");
    // Every item is in the export's "Détails Tickets" sheet.
    let r = app
        .client
        .post(app.url("/v1/admin/reports/cash-sessions/export-bulk"))
        .json(&serde_json::json!({"filters": {"date_from": first.to_string(), "date_to": today.to_string()}, "format": "xlsx"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap().to_vec();
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let rows = book.worksheet_range("Détails Tickets").unwrap().rows().count();
    assert_eq!(rows as u64, g.items + 5, "caption (3 lines), an empty row, the header, then one row per item");
    // Again on the same database: the site and registers are reused.
    generate_cash(app.state.store.as_ref(), 10, 1, &operators, &categories, app.clock.now()).await.unwrap();
    let registers = app.get_json(&app.client, "/v1/admin/registers").await;
    assert_eq!(registers.as_array().unwrap().len(), 2, "{registers}");
}
