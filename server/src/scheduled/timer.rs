//! The in-process timer of the report scheduler: tokio-cron-scheduler rings the
//! scheduler worker's alarm every `RECYCLIQUE_SCHEDULER_INTERVAL_SECS` and at second 0
//! of every minute, the instant runs fall due (schedules are whole minutes, in zones
//! whose offsets are whole minutes). It only wakes the step: what is due, and who
//! claimed it, is read from the database, so a timer that rings twice, late, or on
//! two instances at once sends nothing twice. Its jobs live in memory (no storage
//! backend): they are the same two jobs at every start.
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};

/// Second 0 of every minute (the crate's cron has a seconds field).
const EVERY_MINUTE: &str = "0 * * * * *";

/// The running timer; [`Timer::stop`] ends its jobs.
pub struct Timer {
    scheduler: JobScheduler,
}

impl Timer {
    /// Starts the jobs that ring `alarm`.
    pub async fn start(alarm: Arc<Notify>, interval: Duration) -> Result<Self, JobSchedulerError> {
        let scheduler = JobScheduler::new().await?;
        let ring = |alarm: Arc<Notify>| {
            move |_id, _scheduler| {
                let alarm = alarm.clone();
                Box::pin(async move { alarm.notify_one() })
                    as std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>
            }
        };
        scheduler
            .add(Job::new_repeated_async(interval, ring(alarm.clone()))?)
            .await?;
        scheduler
            .add(Job::new_async(EVERY_MINUTE, ring(alarm))?)
            .await?;
        scheduler.start().await?;
        Ok(Self { scheduler })
    }

    pub async fn stop(mut self) {
        if let Err(e) = self.scheduler.shutdown().await {
            tracing::warn!("stopping the scheduler's timer: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    //! The timer rings on the wall clock (bounded waits); the step it wakes is tested
    //! with the manual clock in tests/api/scheduled_reports.rs.
    use super::*;

    #[tokio::test]
    async fn rings_every_interval_until_stopped() {
        let alarm = Arc::new(Notify::new());
        let timer = Timer::start(alarm.clone(), Duration::from_secs(1))
            .await
            .unwrap();
        for _ in 0..2 {
            tokio::time::timeout(Duration::from_secs(5), alarm.notified())
                .await
                .expect("the timer rings within the interval and its tick");
        }
        timer.stop().await;
        // A ring already stored before the stop is taken; then silence.
        let _ = tokio::time::timeout(Duration::from_millis(100), alarm.notified()).await;
        assert!(
            tokio::time::timeout(Duration::from_secs(3), alarm.notified())
                .await
                .is_err(),
            "no ring after the timer is stopped"
        );
    }
}
