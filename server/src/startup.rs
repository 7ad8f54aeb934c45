//! One way to build the application, used by `main` and by the integration tests: the
//! tests run exactly what production runs, on port 0 with a fresh database.
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use app::backend::BackendHandle;
use axum::Router;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::trace::TraceLayer;

use crate::auth::InitialAdmin;
use crate::clock::Clock;
use crate::config::Settings;
use crate::mail::Mailer;
use crate::state::AppState;

/// Files and directories the server creates are its user's alone: the database, the
/// mail outbox, and the temporary files of exports, rust_xlsxwriter's included (the
/// `tempfile` crate opens its unnamed files with the default mode, 0644 under the usual
/// umask). Called before anything is created, by every command.
pub fn keep_new_files_private() {
    #[cfg(unix)]
    // SAFETY: umask only replaces the process's file creation mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
}

/// Opens the database (applying migrations) and the mailer.
pub async fn build_state(settings: Settings, leptos_options: LeptosOptions, clock: Arc<dyn Clock>) -> anyhow::Result<AppState> {
    let store = crate::storage::connect(&settings.database_url)
        .await
        .with_context(|| format!("cannot open the database {}", redact(&settings.database_url)))?;
    crate::reception::categories::fill_name_keys(&*store).await.context("giving the categories their name keys")?;
    crate::reception::days::count_undated(&*store).await.context("counting older tickets in the per-day figures")?;
    let mailer = Mailer::from_settings(&settings)?;
    let login_limits = Arc::new(crate::auth::LoginLimits::from_settings(&settings));
    Ok(AppState { store, mailer: Arc::new(mailer), clock, settings: Arc::new(settings), leptos_options, login_limits })
}

/// The URL without its password, for logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].find(':') {
            Some(colon) => format!("{}:***{}", &url[..s + 3 + colon], &url[at..]),
            None => url.to_string(),
        },
        _ => url.to_string(),
    }
}

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(app::App);
    let handle = BackendHandle(Arc::new(state.clone()));
    let shell_options = state.leptos_options.clone();
    // What every page render and server function finds in context; the fallback (a
    // page not found renders the app too) gets the same.
    let context = move || {
        provide_context(handle.clone());
        crate::http::headers::provide_page_policy();
    };
    let routes = Router::new()
        .merge(crate::rest::router())
        .leptos_routes_with_context(&state, routes, context.clone(), move || app::shell(shell_options.clone()))
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, app::shell));
    crate::http::security_layers(routes, &state)
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}

/// The request's span: method and path, cut short, never the query (download tokens
/// travel there).
fn request_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    tracing::debug_span!("request", method = %req.method(), path = %app::error::truncate(req.uri().path()))
}

/// The HTTP server and the background workers, stopped together.
pub struct Application {
    listener: tokio::net::TcpListener,
    router: Router,
    state: AppState,
    shutdown: tokio::sync::watch::Sender<bool>,
}

/// Stops a running [`Application`]: the server drains its requests, each worker
/// finishes its current step, then `run_until_stopped` returns.
#[derive(Clone)]
pub struct ShutdownHandle(tokio::sync::watch::Sender<bool>);

impl ShutdownHandle {
    pub fn shutdown(&self) {
        let _ = self.0.send(true);
    }
}

impl Application {
    /// Binds `leptos_options.site_addr` (port 0 picks a free port) and prepares the app.
    pub async fn build(settings: Settings, leptos_options: LeptosOptions, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        keep_new_files_private();
        let addr = leptos_options.site_addr;
        let state = build_state(settings, leptos_options, clock).await?;
        match crate::auth::ensure_initial_admin(&state).await.map_err(|e| anyhow::anyhow!("{e}"))? {
            InitialAdmin::Existing => {}
            InitialAdmin::FromEnv(u) => tracing::info!("initial administrator {u:?} created from RECYCLIQUE_ADMIN_*"),
            InitialAdmin::Generated { username, password } => {
                // Shown once, on the console of whoever started the first instance.
                println!(
                    "\n==================== RecyClique ====================\n\
                     Administrateur initial créé :\n  identifiant : {username}\n  mot de passe : {password}\n\
                     Notez-le maintenant : il ne sera plus affiché.\n\
                     ====================================================\n"
                );
            }
        }
        prepare_tmp_dir(&state.settings.tmp_dir())?;
        let listener = crate::http::bind(addr).with_context(|| format!("cannot listen on {addr}"))?;
        let router = router(state.clone());
        let (shutdown, _) = tokio::sync::watch::channel(false);
        Ok(Self { listener, router, state, shutdown })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound listener has an address")
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle(self.shutdown.clone())
    }

    /// The background workers this application runs. A zero interval (tests only: the
    /// settings read from the environment are at least a second) leaves a worker out,
    /// for tests that call its step themselves.
    fn workers(&self, scheduler_alarm: Arc<tokio::sync::Notify>) -> Vec<Arc<dyn crate::worker::Worker>> {
        let all: Vec<Arc<dyn crate::worker::Worker>> = vec![
            Arc::new(crate::worker::Purge { interval: self.state.settings.purge_interval }),
            Arc::new(crate::mail::delivery::Deliveries::new(self.state.settings.mail_interval, self.state.settings.report_concurrency)),
            Arc::new(crate::scheduled::Scheduler { interval: self.state.settings.scheduler_interval, alarm: scheduler_alarm }),
        ];
        all.into_iter().filter(|w| !w.interval().is_zero()).collect()
    }

    /// Serves HTTP and runs the workers until Ctrl-C, SIGTERM or the shutdown handle.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        tracing::info!("RecyClique listening on http://{} ({} database)", self.local_addr(), self.state.store.backend());
        // The scheduler's timer (tokio-cron-scheduler) rings its worker's alarm.
        let alarm = Arc::new(tokio::sync::Notify::new());
        let interval = self.state.settings.scheduler_interval;
        let timer = if interval.is_zero() {
            None
        } else {
            Some(crate::scheduled::timer::Timer::start(alarm.clone(), interval).await.map_err(std::io::Error::other)?)
        };
        let workers: Vec<_> = self
            .workers(alarm)
            .into_iter()
            .map(|w| tokio::spawn(crate::worker::run(w, self.state.clone(), self.shutdown.subscribe())))
            .collect();
        let signals = ShutdownHandle(self.shutdown.clone());
        let on_signal = tokio::spawn(async move {
            shutdown_signal().await;
            signals.shutdown();
        });
        let mut stop = self.shutdown.subscribe();
        let header_timeout = self.state.settings.header_timeout;
        let served = crate::http::serve(self.listener, self.router, header_timeout, async move {
            let _ = stop.wait_for(|s| *s).await;
        })
        .await;
        // The server may also stop on an error: the workers stop with it.
        let _ = self.shutdown.send(true);
        on_signal.abort();
        if let Some(timer) = timer {
            timer.stop().await;
        }
        for w in workers {
            if let Err(e) = w.await {
                tracing::error!("a worker task ended abnormally: {e}");
            }
        }
        served
    }
}

/// Empties the directory where exports assemble temporary files (what a crash may
/// have left) and makes it private to the server's user.
fn prepare_tmp_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("cannot empty {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(super::redact("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(super::redact("sqlite://data/x.db"), "sqlite://data/x.db");
    }
}
