//! The scheduler at scale (issue 11's benchmark; `scripts/bench.sh` runs it on both
//! backends). N enabled daily reports spread over a day, several a minute, on the
//! database of `DATABASE_URL` (a temporary SQLite file without it), mailed through
//! `SMTP_URL` (the bench's aiosmtpd sink; without it, the outbox). Prints:
//!
//! - the time to load them at start: every report read, with its schedule in words,
//!   and its next run computed (target < 1 s), and the scheduler's due query over all;
//! - then the real application runs (its tokio-cron-scheduler timer, the scheduler and
//!   mail workers, the wall clock) through the first WINDOW minutes of the day of
//!   reports, and it prints how late each run due in them was claimed (claim time −
//!   scheduled time, read from the runs table: p50, p99 with target < 1 s, max) and
//!   sent (SMTP accepted − scheduled time), and the messages the sink received
//!   (`BENCH_MAILDIR`: its Maildir) against the runs.
//!
//! cargo run -p server --release --example scheduler_bench -- 10000 3
use std::sync::Arc;
use std::time::Instant;

use app::ids::ScheduledReportId;
use app::schedule::report::ScheduledReportInput;
use chrono::{DateTime, Duration, Timelike, Utc};
use leptos::config::LeptosOptions;
use server::clock::SystemClock;
use server::config::Settings;
use server::startup::Application;
use server::storage::scheduled::ReportRecord;
use uuid::Uuid;

const ADMIN_PASSWORD: &str = "mot-de-passe-bench";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(10_000);
    let window: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(3).clamp(1, 60);
    let dir = tempfile::tempdir()?;
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| format!("sqlite://{}/bench.db", dir.path().display()));
    let mut settings = Settings::for_tests(url.clone(), dir.path().join("data"));
    settings.admin_username = Some("admin".into());
    settings.admin_password = Some(ADMIN_PASSWORD.into());
    settings.smtp_url = std::env::var("SMTP_URL").ok();
    settings.session_ttl = std::time::Duration::from_secs(86400);
    let mut leptos = LeptosOptions::builder().output_name("recyclique").build();
    leptos.site_addr = "127.0.0.1:0".parse()?;

    // The reports, through the store (the admin service would take as long a request
    // each): the first due two minutes or more from now, then one minute after
    // another through the day, n / 1440 a minute.
    let state = server::startup::build_state(settings.clone(), leptos.clone(), Arc::new(SystemClock)).await?;
    server::auth::ensure_initial_admin(&state).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let owner = state.store.user_by_username("admin").await?.expect("admin").user.id;
    let paris = chrono_tz::Europe::Paris;
    let now = Utc::now();
    let first = (now + Duration::seconds(150)).with_second(0).unwrap().with_nanosecond(0).unwrap();
    let record = |i: usize, at: DateTime<Utc>| -> anyhow::Result<ReportRecord> {
        let local = at.with_timezone(&paris);
        let time = format!("{:02}:{:02}", local.hour(), local.minute());
        let input = ScheduledReportInput {
            name: Some(format!("Rapport {i}")),
            report_type: Some("cash_session".into()),
            frequency: Some("daily".into()),
            time_of_day: Some(time.clone()),
            recipients: Some(vec![format!("compta{}@ressourcerie.test", i % 10)]),
            format: Some("csv".into()),
            filters_json: Some(serde_json::json!({"period": "yesterday"})),
            ..Default::default()
        };
        let c = input.check().map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(ReportRecord {
            id: ScheduledReportId(Uuid::new_v4()),
            user_id: owner,
            name: c.name.clone(),
            report_type: c.report_type.as_str(),
            frequency: "daily".into(),
            time_of_day: Some(time),
            weekday: None,
            day_of_month: None,
            cron_expression: None,
            timezone: "Europe/Paris".into(),
            recipients: c.recipients,
            format: c.format,
            filters_json: c.filters_json.to_string(),
            enabled: true,
            notify_email: None,
            next_run: c.schedule.next_run(now),
            now,
        })
    };
    // The application runs until just before the minute after the window; the runs of
    // the window are measured (those of the minutes before it, at the end of the day
    // of reports, may fall due during the set-up: they run, unmeasured).
    let end = first + Duration::minutes(window as i64) - Duration::seconds(5);
    let t = Instant::now();
    let mut due_in_window = 0;
    for i in 0..n {
        let r = record(i, first + Duration::minutes((i % 1440) as i64))?;
        if r.next_run.is_some_and(|t| t >= first && t <= end) {
            due_in_window += 1;
        }
        state.store.insert_report(&r).await?;
    }
    println!("backend {}: inserted {n} enabled reports in {:.1} s", state.store.backend(), t.elapsed().as_secs_f64());

    let t = Instant::now();
    let all = state.store.list_reports().await?;
    let mut computed = 0;
    for r in &all {
        if server::scheduled::schedule_of(r).map_err(|e| anyhow::anyhow!("{e}"))?.next_run(now).is_some() {
            computed += 1;
        }
    }
    let load = t.elapsed().as_secs_f64();
    println!("load at start: {} reports read with their schedule in words, {computed} next runs computed: {:.0} ms (target < 1000 ms)", all.len(), load * 1000.0);
    let t = Instant::now();
    let due = state.store.due_reports(Utc::now(), 50).await?;
    println!("the scheduler's due query over them: {:.1} ms ({} due)", t.elapsed().as_secs_f64() * 1000.0, due.len());
    drop(all);
    drop(state);

    // The real application on the wall clock through the window.
    if Utc::now() >= first {
        println!("warning: the set-up outlasted the margin, the first runs are claimed late (a catch-up)");
    }
    let app = Application::build(settings, leptos, Arc::new(SystemClock)).await?;
    let shutdown = app.shutdown_handle();
    let running = tokio::spawn(app.run_until_stopped());
    println!(
        "running the application until {} ({} runs due in the window from {})…",
        end.format("%H:%M:%S UTC"),
        due_in_window,
        first.format("%H:%M UTC")
    );
    tokio::time::sleep((end - Utc::now()).to_std().unwrap_or_default()).await;
    shutdown.shutdown();
    running.await??;

    let (claimed, sent, all_runs) = lateness(&url, first).await?;
    print_lateness("claim", &claimed, due_in_window, Some(1.0));
    print_lateness("send (SMTP accepted)", &sent, due_in_window, None);
    if let Ok(maildir) = std::env::var("BENCH_MAILDIR") {
        let received = std::fs::read_dir(std::path::Path::new(&maildir).join("new")).map(|d| d.count()).unwrap_or(0);
        println!("messages received by the SMTP sink: {received}, for {all_runs} runs claimed (the window's and those just before it)");
    }
    Ok(())
}

/// For each run of the window (scheduled at `first` or later): seconds from its
/// scheduled time to its claim, and to its mail's send.
/// Also returns the number of runs of every time.
async fn lateness(url: &str, first: DateTime<Utc>) -> anyhow::Result<(Vec<f64>, Vec<f64>, usize)> {
    const JOIN: &str = "FROM scheduled_report_runs r LEFT JOIN mail_deliveries d ON d.source_id = r.id WHERE r.origin = 'scheduled'";
    let rows: Vec<(f64, f64, Option<f64>)> = if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await?;
        // Instants are microseconds in SQLite.
        let sql = format!("SELECT r.scheduled_for / 1e6, (r.created_at - r.scheduled_for) / 1e6, (d.sent_at - r.scheduled_for) / 1e6 {JOIN}");
        sqlx::query_as(&sql).fetch_all(&pool).await?
    } else {
        let pool = sqlx::PgPool::connect(url).await?;
        let sql = format!(
            "SELECT EXTRACT(EPOCH FROM r.scheduled_for)::float8, EXTRACT(EPOCH FROM r.created_at - r.scheduled_for)::float8, EXTRACT(EPOCH FROM d.sent_at - r.scheduled_for)::float8 {JOIN}"
        );
        sqlx::query_as(&sql).fetch_all(&pool).await?
    };
    let all_runs = rows.len();
    let rows: Vec<_> = rows.into_iter().filter(|r| r.0 >= first.timestamp() as f64).collect();
    let claimed = rows.iter().map(|r| r.1).collect();
    let sent = rows.iter().filter_map(|r| r.2).collect();
    Ok((claimed, sent, all_runs))
}

fn print_lateness(what: &str, values: &[f64], due: usize, target: Option<f64>) {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v.get(((q * v.len() as f64).ceil() as usize).saturating_sub(1)).copied().unwrap_or(f64::NAN);
    println!(
        "{what} lateness over {} of {due} due runs: p50 {:.3} s, p99 {:.3} s, max {:.3} s{}",
        v.len(),
        at(0.5),
        at(0.99),
        v.last().copied().unwrap_or(f64::NAN),
        target.map(|t| format!(" (target p99 < {t} s)")).unwrap_or_default()
    );
}
