//! The scheduler at scale, on SQLite: N enabled reports spread over a day (one a
//! minute), plus B due at the same minute. Prints the time to read them all (what a
//! start or the list page reads), to compute their next runs, and to claim the B due
//! runs with their mails (the step of one instance, from the first claim to the last).
//!
//! cargo run -p server --release --example scheduler_bench -- 10000 1000
use std::sync::Arc;
use std::time::Instant;

use app::schedule::report::ScheduledReportInput;
use chrono::{TimeZone, Utc};
use leptos::config::LeptosOptions;
use server::clock::ManualClock;
use server::config::Settings;
use server::storage::scheduled::ReportRecord;
use server::worker::StepOutcome;
use uuid::Uuid;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(10_000);
    let burst: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1_000);
    let dir = tempfile::tempdir()?;
    // 22:59:30 in Paris: only the reports of 23:00 are due a minute later.
    let start = Utc.with_ymd_and_hms(2026, 3, 15, 21, 59, 30).unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let mut settings = Settings::for_tests(format!("sqlite://{}/bench.db", dir.path().display()), dir.path().join("data"));
    settings.admin_username = Some("admin".into());
    settings.admin_password = Some("mot-de-passe-bench".into());
    let state = server::startup::build_state(settings, LeptosOptions::builder().output_name("recyclique").build(), clock.clone()).await?;
    server::auth::ensure_initial_admin(&state).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let owner = state.store.user_by_username("admin").await?.expect("admin").user.id;

    let record = |name: String, time: String| -> anyhow::Result<ReportRecord> {
        let input = ScheduledReportInput {
            name: Some(name.clone()),
            report_type: Some("cash_session".into()),
            frequency: Some("daily".into()),
            time_of_day: Some(time.clone()),
            recipients: Some(vec!["compta@ressourcerie.test".into()]),
            format: Some("excel".into()),
            filters_json: Some(serde_json::json!({"period": "yesterday"})),
            ..Default::default()
        };
        let c = input.check().map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(ReportRecord {
            id: app::ids::ScheduledReportId(Uuid::new_v4()),
            user_id: owner,
            name,
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
            next_run: c.schedule.next_run(start),
            now: start,
        })
    };
    let t = Instant::now();
    for i in 0..n {
        let minute = i % 1440;
        state
            .store
            .insert_report(&record(format!("Rapport {i}"), format!("{:02}:{:02}", minute / 60, minute % 60))?)
            .await?;
    }
    for i in 0..burst {
        state.store.insert_report(&record(format!("Rafale {i}"), "23:00".into())?).await?;
    }
    println!("inserted {} reports in {:.2} s", n + burst, t.elapsed().as_secs_f64());

    let t = Instant::now();
    let all = state.store.list_reports().await?;
    println!(
        "read all {} reports (with their schedule in words): {:.0} ms",
        all.len(),
        t.elapsed().as_secs_f64() * 1000.0
    );
    let t = Instant::now();
    let mut computed = 0;
    for r in &all {
        if server::scheduled::schedule_of(r).map_err(|e| anyhow::anyhow!("{e}"))?.next_run(start).is_some() {
            computed += 1;
        }
    }
    println!("next run of {computed} reports: {:.0} ms", t.elapsed().as_secs_f64() * 1000.0);

    // 23:00 Paris is 22:00 UTC: the burst and the report of that minute are due.
    clock.set(Utc.with_ymd_and_hms(2026, 3, 15, 22, 0, 1).unwrap());
    let t = Instant::now();
    let mut steps = 0;
    while server::scheduled::run_due(&state).await? == StepOutcome::Worked {
        steps += 1;
    }
    let elapsed = t.elapsed().as_secs_f64();
    let claimed = state.store.list_deliveries(1_000_000).await?.len();
    println!(
        "claimed {claimed} runs due at the same minute in {steps} steps: {:.2} s, the last one {:.2} s after the first step began ({:.2} ms a run)",
        elapsed,
        elapsed,
        elapsed * 1000.0 / claimed.max(1) as f64
    );
    Ok(())
}
