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
    /// Consecutive failed logins for one username before it is locked.
    pub login_max_failures: u32,
    pub login_lockout: Duration,
    /// A cash variance above this (either way) needs a comment to close a session.
    pub cash_variance_tolerance: app::money::Cents,
    /// How often expired sessions and download tokens are purged.
    pub purge_interval: Duration,
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
        }
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }
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
