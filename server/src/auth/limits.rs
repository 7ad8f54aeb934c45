//! What bounds the cost of logins: a gate in front of argon2 (each hash takes about
//! 19 MiB and tens of milliseconds of a core), and the client address logins are
//! counted by.
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use app::error::AppError;
use chrono::{DateTime, Utc};
use tokio::sync::{oneshot, OwnedSemaphorePermit, Semaphore};

use crate::config::Settings;

/// The gate logins pass through: at most `slots` of them are past it at once (counting
/// the attempt, then checking the password), up to `max_waiting` wait for their turn,
/// each at most `queue_timeout`, and the others are answered 503 at once. The password
/// hashes themselves run on `slots` threads of the gate's own, which reuse their
/// memory: whatever the number of logins, argon2 holds `slots` × 19 MiB, the database
/// sees `slots` logins at a time, and the async workers stay free for everything else.
pub struct PasswordGate {
    capacity: usize,
    slots: Arc<Semaphore>,
    queue_timeout: Duration,
    max_waiting: usize,
    waiting: AtomicUsize,
    running: Arc<AtomicUsize>,
    peak_running: Arc<AtomicUsize>,
    peak_waiting: AtomicUsize,
    jobs: mpsc::Sender<Job>,
}

type Job = Box<dyn FnOnce() + Send>;

/// Counters of a [`PasswordGate`], for tests and measurements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GateStats {
    pub slots: usize,
    /// Hashes running now, and callers waiting for a turn.
    pub running: usize,
    pub waiting: usize,
    /// The most hashes that ran at once, and the most callers that waited at once.
    pub peak_running: usize,
    pub peak_waiting: usize,
}

fn busy() -> AppError {
    AppError::Unavailable("Le serveur reçoit trop de demandes de connexion en ce moment. Réessayez dans quelques secondes.".into())
}

/// Decrements a counter when dropped: a caller that gives up (its client went away)
/// stops counting as waiting or running.
struct Count<'a>(&'a AtomicUsize);

impl Drop for Count<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Hashing threads yield the CPU to the request workers: a burst of logins then slows
/// logins, not every other request.
#[cfg(target_os = "linux")]
fn lower_priority() {
    // SAFETY: setpriority takes plain integers; on Linux, PRIO_PROCESS with 0 names the
    // calling thread only (a nice value is per thread). A failure leaves it as it was.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

/// A turn through the gate: held while a login counts its attempt, and given to the
/// hashing thread for its password check.
pub struct Turn<'a> {
    gate: &'a PasswordGate,
    permit: OwnedSemaphorePermit,
}

impl PasswordGate {
    pub fn new(slots: usize, queue_timeout: Duration, max_waiting: usize) -> Self {
        let slots = slots.max(1);
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..slots {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    lower_priority();
                    loop {
                        // The lock is released before the job runs (its own statement).
                        let next = queue.lock().expect("hash queue").recv();
                        match next {
                            Ok(job) => job(),
                            // The gate (the sender) is gone.
                            Err(_) => break,
                        }
                    }
                })
                .expect("cannot start a password hashing thread");
        }
        Self {
            capacity: slots,
            slots: Arc::new(Semaphore::new(slots)),
            queue_timeout,
            max_waiting,
            waiting: AtomicUsize::new(0),
            running: Arc::new(AtomicUsize::new(0)),
            peak_running: Arc::new(AtomicUsize::new(0)),
            peak_waiting: AtomicUsize::new(0),
            jobs,
        }
    }

    pub fn from_settings(s: &Settings) -> Self {
        Self::new(s.login_concurrency, s.login_queue_timeout, s.login_queue_max)
    }

    /// Waits for a turn (503 when too many wait, or after the queue's timeout).
    pub async fn enter(&self) -> Result<Turn<'_>, AppError> {
        let permit = match self.slots.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                let now_waiting = self.waiting.fetch_add(1, Ordering::SeqCst) + 1;
                let _waiting = Count(&self.waiting);
                if now_waiting > self.max_waiting {
                    return Err(busy());
                }
                self.peak_waiting.fetch_max(now_waiting, Ordering::SeqCst);
                match tokio::time::timeout(self.queue_timeout, self.slots.clone().acquire_owned()).await {
                    Ok(Ok(permit)) => permit,
                    _ => return Err(busy()),
                }
            }
        };
        Ok(Turn { gate: self, permit })
    }

    /// A hash (or check) with a turn of its own, for user administration.
    pub async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
        self.enter().await?.hash(work).await
    }

    pub fn stats(&self) -> GateStats {
        GateStats {
            slots: self.capacity,
            running: self.running.load(Ordering::SeqCst),
            waiting: self.waiting.load(Ordering::SeqCst),
            peak_running: self.peak_running.load(Ordering::SeqCst),
            peak_waiting: self.peak_waiting.load(Ordering::SeqCst),
        }
    }
}

impl Turn<'_> {
    /// Runs `work` on a hashing thread. The turn goes with it: it ends when `work`
    /// returns, even if the caller has given up meanwhile.
    pub async fn hash<T: Send + 'static>(self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
        let (tx, rx) = oneshot::channel();
        let (permit, running, peak) = (self.permit, self.gate.running.clone(), self.gate.peak_running.clone());
        let job: Job = Box::new(move || {
            let now_running = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now_running, Ordering::SeqCst);
            // A panic must not take the thread down with it.
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
            running.fetch_sub(1, Ordering::SeqCst);
            drop(permit);
            let _ = tx.send(out);
        });
        self.gate.jobs.send(job).map_err(|_| crate::error::internal(anyhow::anyhow!("the password hashing threads are gone")))?;
        match rx.await {
            Ok(Ok(out)) => Ok(out),
            _ => Err(crate::error::internal(anyhow::anyhow!("a password hash panicked"))),
        }
    }
}

/// The login side of the state: the hashing gate and when the throttle tables were
/// last purged.
pub struct LoginLimits {
    pub gate: PasswordGate,
    last_purge: Mutex<Option<DateTime<Utc>>>,
}

impl LoginLimits {
    pub fn from_settings(s: &Settings) -> Self {
        Self { gate: PasswordGate::from_settings(s), last_purge: Mutex::new(None) }
    }

    /// Whether the throttle tables are due for a purge (at most once a minute), taking
    /// the turn if so.
    pub fn purge_due(&self, now: DateTime<Utc>) -> bool {
        let mut last = self.last_purge.lock().expect("purge lock");
        match *last {
            Some(t) if now - t < chrono::Duration::minutes(1) && now >= t => false,
            _ => {
                *last = Some(now);
                true
            }
        }
    }
}

/// The key logins are counted by for a client address: the IPv4 address, or the /64
/// of an IPv6 one (a single subscriber commonly holds a whole /64).
pub fn address_key(ip: Option<IpAddr>) -> String {
    match ip.map(|ip| ip.to_canonical()) {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        None => "inconnue".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_keyed_by_ipv4_or_ipv6_prefix() {
        assert_eq!(address_key(Some("203.0.113.7".parse().unwrap())), "203.0.113.7");
        assert_eq!(address_key(Some("::ffff:203.0.113.7".parse().unwrap())), "203.0.113.7");
        assert_eq!(address_key(Some("2001:db8:1:2:3:4:5:6".parse().unwrap())), "2001:db8:1:2::/64");
        assert_eq!(address_key(Some("2001:db8:1:2:ffff::1".parse().unwrap())), "2001:db8:1:2::/64");
        assert_eq!(address_key(None), "inconnue");
    }

    #[tokio::test]
    async fn the_gate_bounds_running_and_waiting() {
        let gate = Arc::new(PasswordGate::new(2, Duration::from_millis(200), 3));
        let mut calls = Vec::new();
        for _ in 0..10 {
            let g = gate.clone();
            calls.push(tokio::spawn(async move { g.run(|| std::thread::sleep(Duration::from_millis(150))).await }));
        }
        let mut ok = 0;
        for c in calls {
            match c.await.unwrap() {
                Ok(()) => ok += 1,
                Err(e) => assert_eq!(e.status_code(), 503),
            }
        }
        let stats = gate.stats();
        assert_eq!(stats.peak_running, 2);
        assert!(stats.peak_waiting <= 3);
        // Two ran at once, at most three waited (200 ms: one more turn each).
        assert!((2..=5).contains(&ok), "{ok}");
        assert_eq!((stats.running, stats.waiting), (0, 0));
    }
}
