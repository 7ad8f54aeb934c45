//! Settings read from the environment once at start. Every variable is listed, with its
//! default, in README.md and `.env.example`.
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CookieSecure {
    /// `Secure` when the request came through https (`X-Forwarded-Proto: https`).
    Auto,
    Always,
    Never,
}

#[derive(Clone, Debug)]
pub struct Settings {
    /// `sqlite://...` (embedded default) or `postgres://...`.
    pub database_url: String,
    /// Where the embedded database and the mail outbox live by default.
    pub data_dir: PathBuf,
    pub admin_username: Option<String>,
    pub admin_password: Option<String>,
    /// `smtp://`, `smtps://` or `smtp://...?tls=required` with optional credentials;
    /// `None` writes every message to `data_dir/outbox` instead.
    pub smtp_url: Option<String>,
    pub smtp_timeout: Duration,
    pub mail_from: String,
    pub session_ttl: Duration,
    pub cookie_secure: CookieSecure,
    /// Failed logins for one username (within `login_lockout`) before it is locked.
    pub login_max_failures: u32,
    pub login_lockout: Duration,
    /// A cash variance above this (either way) needs a comment to close a session.
    pub cash_variance_tolerance: app::money::Cents,
    /// How often expired sessions and download tokens are purged.
    pub purge_interval: Duration,
    /// Failed logins from one client address (within `login_lockout`, all usernames
    /// together) before that address is refused.
    pub login_max_failures_per_address: u32,
    /// Password hashes (argon2, about 19 MiB each) computed at once; more wait.
    pub login_concurrency: usize,
    /// How long a login waits for a hashing slot before a 503, and how many may wait.
    pub login_queue_timeout: Duration,
    pub login_queue_max: usize,
    /// Sessions one user may hold; opening one more closes the oldest.
    pub max_sessions_per_user: u32,
    /// Origins, besides the one the request was addressed to (`Host`), whose pages may
    /// send state-changing requests: the public address behind a reverse proxy.
    pub allowed_origins: Vec<String>,
    /// The request header holding the client's address, set by a trusted reverse proxy
    /// (`X-Forwarded-For`: its last entry; `X-Real-IP`). `None`: the peer's address.
    pub client_address_header: Option<http::HeaderName>,
    /// Largest request body accepted (413 beyond).
    pub max_body_bytes: usize,
    /// Longest wait for a request's headers, on a new or a kept-alive idle connection.
    pub header_timeout: Duration,
    /// Longest time to receive a request's body.
    pub body_timeout: Duration,
    /// Who receives the report of each closed cash session; empty: nobody.
    pub cash_close_report_recipients: Vec<String>,
    /// How often the mail worker looks for deliveries due when it found none.
    pub mail_interval: Duration,
    /// How often the report scheduler looks for due runs when it found none.
    pub scheduler_interval: Duration,
    /// A report file above this is zipped; a ZIP still above fails the run.
    pub report_max_bytes: u64,
    /// A run missed while the server was down is caught up within this window after
    /// its time; later, it is logged as missed.
    pub report_grace: Duration,
    /// Consecutive failed runs after which a scheduled report is paused.
    pub report_max_failures: u32,
    /// Report mails (scheduled runs, close reports, notices) rendered and sent at once
    /// by this instance: each holds a database connection, a blocking thread while it
    /// renders and an SMTP connection, so a burst of due runs queues here instead of
    /// taking them from the requests.
    pub report_concurrency: usize,
    /// How long a claim on a mail delivery holds: longer than any rendering and SMTP
    /// exchange, since past it the claimer is presumed dead (a delivery left in its SMTP
    /// phase then ends `interrupted`).
    pub mail_lease: Duration,
}

impl Settings {
    pub fn from_env() -> anyhow::Result<Self> {
        let data_dir = PathBuf::from(var("RECYCLIQUE_DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = var("DATABASE_URL").unwrap_or_else(|| format!("sqlite://{}/recyclique.db", data_dir.display()));
        let cookie_secure = match var("RECYCLIQUE_COOKIE_SECURE").as_deref() {
            None | Some("auto") => CookieSecure::Auto,
            Some("true") | Some("1") => CookieSecure::Always,
            Some("false") | Some("0") => CookieSecure::Never,
            Some(other) => bail!("RECYCLIQUE_COOKIE_SECURE must be auto, true or false, not {other:?}"),
        };
        Ok(Self {
            database_url,
            data_dir,
            admin_username: var("RECYCLIQUE_ADMIN_USERNAME"),
            admin_password: var("RECYCLIQUE_ADMIN_PASSWORD"),
            smtp_url: var("SMTP_URL"),
            smtp_timeout: Duration::from_secs(number("SMTP_TIMEOUT_SECS", 30)?),
            mail_from: var("MAIL_FROM").unwrap_or_else(|| "RecyClique <noreply@localhost>".into()),
            session_ttl: Duration::from_secs(60 * number("RECYCLIQUE_SESSION_TTL_MINUTES", 12 * 60)?),
            cookie_secure,
            login_max_failures: number("RECYCLIQUE_LOGIN_MAX_FAILURES", 5)? as u32,
            login_lockout: Duration::from_secs(60 * number("RECYCLIQUE_LOGIN_LOCKOUT_MINUTES", 15)?),
            cash_variance_tolerance: app::money::Cents(number("CASH_VARIANCE_TOLERANCE_CENTS", 5)? as i64),
            purge_interval: Duration::from_secs(number("RECYCLIQUE_PURGE_INTERVAL_SECS", 3600)?.max(1)),
            login_max_failures_per_address: number("RECYCLIQUE_LOGIN_MAX_FAILURES_PER_ADDRESS", 30)? as u32,
            login_concurrency: match number("RECYCLIQUE_LOGIN_CONCURRENCY", 0)? {
                0 => default_concurrency(),
                n => n as usize,
            },
            login_queue_timeout: Duration::from_millis(number("RECYCLIQUE_LOGIN_QUEUE_TIMEOUT_MS", 3000)?),
            login_queue_max: number("RECYCLIQUE_LOGIN_QUEUE_MAX", 64)? as usize,
            max_sessions_per_user: number("RECYCLIQUE_MAX_SESSIONS_PER_USER", 10)?.max(1) as u32,
            allowed_origins: var("RECYCLIQUE_ALLOWED_ORIGINS").map(|v| parse_origins(&v)).transpose()?.unwrap_or_default(),
            client_address_header: var("RECYCLIQUE_CLIENT_ADDRESS_HEADER")
                .map(|v| http::HeaderName::from_bytes(v.trim().as_bytes()).with_context(|| format!("RECYCLIQUE_CLIENT_ADDRESS_HEADER: {v:?} is not a header name")))
                .transpose()?,
            max_body_bytes: number("RECYCLIQUE_MAX_BODY_BYTES", 64 * 1024)? as usize,
            header_timeout: Duration::from_secs(number("RECYCLIQUE_HEADER_TIMEOUT_SECS", 10)?.max(1)),
            body_timeout: Duration::from_secs(number("RECYCLIQUE_BODY_TIMEOUT_SECS", 30)?.max(1)),
            cash_close_report_recipients: var("CASH_CLOSE_REPORT_RECIPIENTS").map(|v| parse_recipients(&v)).transpose()?.unwrap_or_default(),
            mail_interval: Duration::from_secs(number("RECYCLIQUE_MAIL_INTERVAL_SECS", 2)?.max(1)),
            scheduler_interval: Duration::from_secs(number("RECYCLIQUE_SCHEDULER_INTERVAL_SECS", 1)?.max(1)),
            report_max_bytes: number("REPORT_MAX_BYTES", 10 * 1024 * 1024)?.max(1024),
            report_grace: Duration::from_secs(60 * number("REPORT_GRACE_MINUTES", 6 * 60)?),
            report_max_failures: number("REPORT_MAX_CONSECUTIVE_FAILURES", 5)?.max(1) as u32,
            report_concurrency: number("REPORT_CONCURRENCY", 2)?.clamp(1, 64) as usize,
            mail_lease: Duration::from_secs(number("RECYCLIQUE_MAIL_LEASE_SECS", 15 * 60)?.max(1)),
        })
    }

    /// Where exports assemble their temporary files (XLSX); emptied at start.
    pub fn tmp_dir(&self) -> PathBuf {
        self.data_dir.join("tmp")
    }

    /// Settings for a test instance: everything under `data_dir`, mail to the outbox.
    pub fn for_tests(database_url: String, data_dir: PathBuf) -> Self {
        Self {
            database_url,
            data_dir,
            admin_username: None,
            admin_password: None,
            smtp_url: None,
            smtp_timeout: Duration::from_secs(10),
            mail_from: "RecyClique <noreply@recyclique.test>".into(),
            session_ttl: Duration::from_secs(3600),
            cookie_secure: CookieSecure::Auto,
            login_max_failures: 5,
            login_lockout: Duration::from_secs(15 * 60),
            cash_variance_tolerance: app::money::Cents(5),
            purge_interval: Duration::from_secs(3600),
            login_max_failures_per_address: 30,
            login_concurrency: default_concurrency(),
            login_queue_timeout: Duration::from_secs(3),
            login_queue_max: 64,
            max_sessions_per_user: 10,
            allowed_origins: Vec::new(),
            client_address_header: None,
            max_body_bytes: 64 * 1024,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            cash_close_report_recipients: Vec::new(),
            mail_interval: Duration::from_secs(2),
            scheduler_interval: Duration::from_secs(1),
            report_max_bytes: 10 * 1024 * 1024,
            report_grace: Duration::from_secs(6 * 3600),
            report_max_failures: 5,
            report_concurrency: 2,
            mail_lease: Duration::from_secs(15 * 60),
        }
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }
}

/// One password hash per core: more would only queue inside the CPU.
fn default_concurrency() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)
}

/// `https://a.example, http://b.example:8080` → normalised origins (scheme, host and
/// port only, lowercase, no trailing slash).
fn parse_origins(v: &str) -> anyhow::Result<Vec<String>> {
    v.split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|o| {
            let origin = o.trim_end_matches('/').to_ascii_lowercase();
            let rest = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"));
            match rest {
                Some(host) if !host.is_empty() && !host.contains(['/', '?', '#', '@']) => Ok(origin),
                _ => bail!("RECYCLIQUE_ALLOWED_ORIGINS: {o:?} is not an origin like https://recyclique.example.org"),
            }
        })
        .collect()
}

/// `compta@a.org, direction@a.org` → the addresses, each checked.
fn parse_recipients(v: &str) -> anyhow::Result<Vec<String>> {
    v.split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|a| match a.parse::<lettre::Address>() {
            Ok(_) => Ok(a.to_string()),
            Err(_) => bail!("CASH_CLOSE_REPORT_RECIPIENTS: {a:?} is not an e-mail address"),
        })
        .collect()
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn number(name: &str, default: u64) -> anyhow::Result<u64> {
    match var(name) {
        None => Ok(default),
        Some(v) => v.trim().parse().with_context(|| format!("{name} must be a whole number, not {v:?}")),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn origins_are_normalised_and_checked() {
        assert_eq!(super::parse_origins(" https://Recyclique.example.org/ , http://10.0.0.2:8080").unwrap(), vec!["https://recyclique.example.org", "http://10.0.0.2:8080"]);
        assert!(super::parse_origins("recyclique.example.org").is_err());
        assert!(super::parse_origins("https://a.example/path").is_err());
    }

    #[test]
    fn close_report_recipients_are_checked() {
        assert_eq!(super::parse_recipients(" compta@a.org, ,direction@a.org ").unwrap(), vec!["compta@a.org", "direction@a.org"]);
        assert!(super::parse_recipients("compta@a.org, pas une adresse").is_err());
    }
}
