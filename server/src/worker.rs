//! Background work beside the web server. A worker is a plain async `step` (claim one
//! piece of due work, do it, record the outcome) run in a loop: again at once while it
//! finds work, otherwise after its interval, until the application shuts down. Time
//! comes from the state's clock and the loop never sleeps inside a step, so tests call
//! `step` directly with the manual clock. A worker may have an alarm instead of its
//! interval: the report scheduler is woken by tokio-cron-scheduler (`scheduled::timer`).
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use tokio::sync::{watch, Notify};

use crate::state::AppState;
use crate::storage::StoreResult;

/// What one step did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepOutcome {
    /// Some work was done: there may be more, step again at once.
    Worked,
    /// Nothing was due: wait for the interval.
    Idle,
}

#[async_trait::async_trait]
pub trait Worker: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    /// How long to wait after an idle step, and at most after a failed one.
    fn interval(&self) -> Duration;
    async fn step(&self, state: &AppState) -> anyhow::Result<StepOutcome>;
    /// What wakes the worker after an idle step, when it is not its interval: a timer
    /// outside the loop rings it (a ring during a step is kept for after it).
    fn alarm(&self) -> Option<&Notify> {
        None
    }
    /// Waits for the work this worker's steps handed to other tasks (after the last step,
    /// at shutdown).
    async fn finish(&self) {}
}

/// The first retry after a failed step; each further failure in a row doubles it, up to
/// the worker's interval.
const FIRST_RETRY: Duration = Duration::from_secs(1);

/// Runs `worker` until `shutdown` turns true; a step in progress finishes first.
pub async fn run(worker: Arc<dyn Worker>, state: AppState, mut shutdown: watch::Receiver<bool>) {
    tracing::info!(worker = worker.name(), "worker started");
    let mut retry = FIRST_RETRY;
    while !*shutdown.borrow() {
        // A panicking step is a failed step: without this the task would end, and the
        // worker with it, without a word in the log.
        let outcome = AssertUnwindSafe(worker.step(&state)).catch_unwind().await.unwrap_or_else(|panic| Err(panicked(panic)));
        let failed = outcome.is_err();
        if !failed {
            retry = FIRST_RETRY;
        }
        let wait = match outcome {
            Ok(StepOutcome::Worked) => {
                // Let the other tasks of this thread in between two steps.
                tokio::task::yield_now().await;
                continue;
            }
            Ok(StepOutcome::Idle) => worker.interval(),
            Err(e) => {
                // Never fatal: log the cause chain, back off (1 s, 2 s, 4 s… up to the
                // interval: a passing outage delays the work by seconds, a lasting one
                // is logged once per interval), try again.
                let wait = retry.min(worker.interval());
                retry = retry.saturating_mul(2);
                tracing::error!(worker = worker.name(), retry_in_secs = wait.as_secs_f64(), "worker step failed: {e:#}");
                wait
            }
        };
        match (worker.alarm(), failed) {
            // A failed step is retried after its backoff, whatever the alarm says.
            (Some(alarm), false) => tokio::select! {
                _ = alarm.notified() => {}
                _ = shutdown.changed() => {}
            },
            _ => tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => {}
            },
        }
    }
    worker.finish().await;
    tracing::info!(worker = worker.name(), "worker stopped");
}

fn panicked(panic: Box<dyn std::any::Any + Send>) -> anyhow::Error {
    let message = match panic.downcast::<String>() {
        Ok(s) => *s,
        Err(panic) => panic.downcast_ref::<&str>().map_or("(no message)", |s| s).to_string(),
    };
    anyhow::anyhow!("the step panicked: {message}")
}

/// What a purge removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PurgeOutcome {
    pub sessions: u64,
    pub tokens: u64,
}

/// Deletes expired login sessions and download tokens (tokens are kept a day after
/// expiry so that a late click still says "expired").
pub async fn purge_expired(state: &AppState) -> StoreResult<PurgeOutcome> {
    let now = state.clock.now();
    let sessions = state.store.delete_expired_sessions(now).await?;
    let tokens = state.store.delete_expired_tokens(now).await?;
    Ok(PurgeOutcome { sessions, tokens })
}

/// The purge of expired sessions and tokens, every `interval`.
pub struct Purge {
    pub interval: Duration,
}

#[async_trait::async_trait]
impl Worker for Purge {
    fn name(&self) -> &'static str {
        "purge"
    }

    fn interval(&self) -> Duration {
        self.interval
    }

    async fn step(&self, state: &AppState) -> anyhow::Result<StepOutcome> {
        let done = purge_expired(state).await?;
        if done != PurgeOutcome::default() {
            tracing::info!(sessions = done.sessions, tokens = done.tokens, "expired sessions and tokens purged");
        }
        // One pass removes everything due: nothing more until the next interval.
        Ok(StepOutcome::Idle)
    }
}

#[cfg(test)]
mod tests {
    //! The loop itself, with scripted workers. These wait on the wall clock (bounded);
    //! the steps of real workers are tested directly, in tests/api/worker.rs.
    use std::collections::VecDeque;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    use chrono::{TimeZone, Utc};
    use leptos::config::LeptosOptions;
    use tokio::sync::Notify;

    use super::*;
    use crate::clock::ManualClock;
    use crate::config::Settings;

    const BOUND: Duration = Duration::from_secs(10);

    async fn state(dir: &tempfile::TempDir) -> AppState {
        let url = format!("sqlite://{}/test.db", dir.path().display());
        let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 15, 10, 0, 0).unwrap()));
        let options = LeptosOptions::builder().output_name("recyclique").build();
        crate::startup::build_state(Settings::for_tests(url, dir.path().join("data")), options, clock).await.unwrap()
    }

    enum Script {
        Worked,
        Idle,
        Fail,
        Panic,
    }

    /// Plays its script, then is idle.
    struct Scripted {
        script: Mutex<VecDeque<Script>>,
        steps: AtomicUsize,
        interval: Duration,
    }

    impl Scripted {
        fn new(script: Vec<Script>, interval: Duration) -> Arc<Self> {
            Arc::new(Self { script: Mutex::new(script.into()), steps: AtomicUsize::new(0), interval })
        }
        fn steps(&self) -> usize {
            self.steps.load(Ordering::SeqCst)
        }
    }

    #[async_trait::async_trait]
    impl Worker for Scripted {
        fn name(&self) -> &'static str {
            "scripted"
        }
        fn interval(&self) -> Duration {
            self.interval
        }
        async fn step(&self, _state: &AppState) -> anyhow::Result<StepOutcome> {
            self.steps.fetch_add(1, Ordering::SeqCst);
            let next = self.script.lock().unwrap().pop_front();
            match next.unwrap_or(Script::Idle) {
                Script::Worked => Ok(StepOutcome::Worked),
                Script::Idle => Ok(StepOutcome::Idle),
                Script::Fail => Err(anyhow::anyhow!("connection refused").context("cannot claim a task")),
                Script::Panic => panic!("a bug in a step"),
            }
        }
    }

    async fn until(what: &str, condition: impl Fn() -> bool) {
        tokio::time::timeout(BOUND, async {
            while !condition() {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"));
    }

    /// Shuts down and expects the loop to return, without having panicked.
    async fn stop(shutdown: watch::Sender<bool>, running: tokio::task::JoinHandle<()>) {
        shutdown.send(true).unwrap();
        tokio::time::timeout(BOUND, running).await.expect("the loop returns after shutdown").expect("the loop did not panic");
    }

    #[tokio::test]
    async fn steps_again_at_once_after_work_and_waits_when_idle() {
        let dir = tempfile::tempdir().unwrap();
        // With an hour's interval, only "Worked" can bring the second and third steps.
        let worker = Scripted::new(vec![Script::Worked, Script::Worked, Script::Idle], Duration::from_secs(3600));
        let (shutdown, watch) = watch::channel(false);
        let running = tokio::spawn(run(worker.clone(), state(&dir).await, watch));
        until("three steps", || worker.steps() == 3).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(worker.steps(), 3, "an idle step waits for the interval");
        // Shutdown cuts the wait short.
        stop(shutdown, running).await;
        assert_eq!(worker.steps(), 3);
    }

    #[tokio::test]
    async fn failing_and_panicking_steps_do_not_stop_the_loop() {
        let dir = tempfile::tempdir().unwrap();
        let worker = Scripted::new(vec![Script::Fail, Script::Panic, Script::Fail, Script::Worked], Duration::from_millis(10));
        let (shutdown, watch) = watch::channel(false);
        let running = tokio::spawn(run(worker.clone(), state(&dir).await, watch));
        until("steps after the failures", || worker.steps() >= 6).await;
        stop(shutdown, running).await;
    }

    #[tokio::test]
    async fn a_failed_step_is_retried_within_seconds_not_after_the_interval() {
        let dir = tempfile::tempdir().unwrap();
        let worker = Scripted::new(vec![Script::Fail, Script::Idle], Duration::from_secs(3600));
        let (shutdown, watch) = watch::channel(false);
        let running = tokio::spawn(run(worker.clone(), state(&dir).await, watch));
        until("the retry", || worker.steps() == 2).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(worker.steps(), 2, "after a success, the interval again");
        stop(shutdown, running).await;
    }

    /// Idle at every step; woken by its alarm only.
    struct Alarmed {
        alarm: Notify,
        steps: AtomicUsize,
    }

    #[async_trait::async_trait]
    impl Worker for Alarmed {
        fn name(&self) -> &'static str {
            "alarmed"
        }
        fn interval(&self) -> Duration {
            Duration::from_millis(10)
        }
        async fn step(&self, _state: &AppState) -> anyhow::Result<StepOutcome> {
            self.steps.fetch_add(1, Ordering::SeqCst);
            Ok(StepOutcome::Idle)
        }
        fn alarm(&self) -> Option<&Notify> {
            Some(&self.alarm)
        }
    }

    #[tokio::test]
    async fn a_worker_with_an_alarm_waits_for_it_not_for_its_interval() {
        let dir = tempfile::tempdir().unwrap();
        let worker = Arc::new(Alarmed { alarm: Notify::new(), steps: AtomicUsize::new(0) });
        let (shutdown, watch) = watch::channel(false);
        let running = tokio::spawn(run(worker.clone(), state(&dir).await, watch));
        until("the first step", || worker.steps.load(Ordering::SeqCst) == 1).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(worker.steps.load(Ordering::SeqCst), 1, "ten intervals passed, no ring");
        worker.alarm.notify_one();
        until("the step the ring wakes", || worker.steps.load(Ordering::SeqCst) == 2).await;
        stop(shutdown, running).await;
    }

    /// Blocks in each step until released.
    struct Blocking {
        entered: Notify,
        release: Notify,
        steps: AtomicUsize,
        finished: AtomicUsize,
    }

    #[async_trait::async_trait]
    impl Worker for Blocking {
        fn name(&self) -> &'static str {
            "blocking"
        }
        fn interval(&self) -> Duration {
            Duration::from_millis(10)
        }
        async fn step(&self, _state: &AppState) -> anyhow::Result<StepOutcome> {
            self.steps.fetch_add(1, Ordering::SeqCst);
            self.entered.notify_one();
            self.release.notified().await;
            self.finished.fetch_add(1, Ordering::SeqCst);
            Ok(StepOutcome::Worked)
        }
    }

    #[tokio::test]
    async fn shutdown_lets_the_step_in_progress_finish_and_starts_no_other() {
        let dir = tempfile::tempdir().unwrap();
        let worker = Arc::new(Blocking { entered: Notify::new(), release: Notify::new(), steps: AtomicUsize::new(0), finished: AtomicUsize::new(0) });
        let (shutdown, watch) = watch::channel(false);
        let mut running = tokio::spawn(run(worker.clone(), state(&dir).await, watch));
        tokio::time::timeout(BOUND, worker.entered.notified()).await.expect("the first step starts");
        shutdown.send(true).unwrap();
        assert!(tokio::time::timeout(Duration::from_millis(100), &mut running).await.is_err(), "returned in the middle of a step");
        worker.release.notify_one();
        tokio::time::timeout(BOUND, running).await.expect("returns once the step is done").unwrap();
        assert_eq!(worker.finished.load(Ordering::SeqCst), 1, "the step ran to its end");
        assert_eq!(worker.steps.load(Ordering::SeqCst), 1, "no step after shutdown, although it reported work");
    }
}
