//! Background work beside the web server. A worker is a plain async `step` (claim one
//! piece of due work, do it, record the outcome) run in a loop: again at once while it
//! finds work, otherwise after its interval, until the application shuts down. Time
//! comes from the state's clock and the loop never sleeps inside a step, so tests call
//! `step` directly with the manual clock. The report scheduler will be the next worker.
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

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
    /// How long to wait after an idle step (and after a failed one).
    fn interval(&self) -> Duration;
    async fn step(&self, state: &AppState) -> anyhow::Result<StepOutcome>;
}

/// Runs `worker` until `shutdown` turns true; a step in progress finishes first.
pub async fn run(worker: Arc<dyn Worker>, state: AppState, mut shutdown: watch::Receiver<bool>) {
    tracing::info!(worker = worker.name(), "worker started");
    while !*shutdown.borrow() {
        let wait = match worker.step(&state).await {
            Ok(StepOutcome::Worked) => continue,
            Ok(StepOutcome::Idle) => worker.interval(),
            Err(e) => {
                // Never fatal: log the cause chain, back off, try again.
                tracing::error!(worker = worker.name(), "worker step failed: {e:#}");
                worker.interval()
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => {}
        }
    }
    tracing::info!(worker = worker.name(), "worker stopped");
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
