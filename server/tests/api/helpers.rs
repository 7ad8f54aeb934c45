//! `spawn_app`: builds the application exactly as `main` does, on port 0, with a fresh
//! database (a SQLite file in a temp dir, or a new PostgreSQL database named by a UUID)
//! and a manual clock, and returns a client that keeps cookies.
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use leptos::config::LeptosOptions;
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use server::clock::ManualClock;
use server::config::Settings;
use server::startup::Application;
use sqlx::Connection;

pub const ADMIN: &str = "admin";
pub const ADMIN_PASSWORD: &str = "mot-de-passe-admin";

#[derive(Clone, Copy, Debug)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// Generates one `#[tokio::test]` per backend for each listed `async fn name(db: Db)`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test] async fn $name() { super::$name($crate::helpers::Db::Sqlite).await } )*
        }
        mod postgres {
            $( #[tokio::test] async fn $name() {
                if $crate::helpers::postgres_enabled() { super::$name($crate::helpers::Db::Postgres).await }
            } )*
        }
    };
}

/// PostgreSQL tests run unless explicitly skipped; a missing server is a failure, not a
/// silent skip.
pub fn postgres_enabled() -> bool {
    if std::env::var("RECYCLIQUE_SKIP_POSTGRES").as_deref() == Ok("1") {
        eprintln!("!!! PostgreSQL test SKIPPED (RECYCLIQUE_SKIP_POSTGRES=1)");
        return false;
    }
    true
}

/// A new, empty database: a SQLite file in `dir`, or a new PostgreSQL database.
pub async fn fresh_database_url(db: Db, dir: &std::path::Path) -> String {
    match db {
        Db::Sqlite => format!("sqlite://{}/test.db", dir.display()),
        Db::Postgres => fresh_postgres_url().await,
    }
}

async fn fresh_postgres_url() -> String {
    let base = std::env::var("TEST_POSTGRES_URL")
        .expect("TEST_POSTGRES_URL is not set: run scripts/test.sh, or set RECYCLIQUE_SKIP_POSTGRES=1 to skip PostgreSQL");
    let name = format!("recyclique_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&base).await.expect("connect to TEST_POSTGRES_URL");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create test database");
    // Replace the database name (the last path segment) of the base URL.
    let (head, query) = match base.split_once('?') {
        Some((h, q)) => (h.to_string(), format!("?{q}")),
        None => (base.clone(), String::new()),
    };
    let scheme_end = head.find("://").map(|i| i + 3).unwrap_or(0);
    let root = match head[scheme_end..].find('/') {
        Some(i) => &head[..scheme_end + i],
        None => head.as_str(),
    };
    format!("{root}/{name}{query}")
}

pub struct TestApp {
    pub addr: String,
    pub client: Client,
    pub clock: Arc<ManualClock>,
    pub state: server::state::AppState,
    /// Held so the temporary directory lives as long as the app.
    pub _data_dir: tempfile::TempDir,
}

pub struct Options {
    pub smtp_url: Option<String>,
}

pub async fn spawn_app(db: Db) -> TestApp {
    spawn_app_with(db, Options { smtp_url: None }).await
}

pub async fn spawn_app_with(db: Db, opts: Options) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let url = fresh_database_url(db, data_dir.path()).await;
    build_app(url, data_dir, opts).await
}

/// The application on an existing database (made by the CLI, say).
pub async fn spawn_app_on(url: String) -> TestApp {
    build_app(url, tempfile::tempdir().expect("temp dir"), Options { smtp_url: None }).await
}

async fn build_app(url: String, data_dir: tempfile::TempDir, opts: Options) -> TestApp {
    let mut settings = Settings::for_tests(url, data_dir.path().join("data"));
    settings.admin_username = Some(ADMIN.into());
    settings.admin_password = Some(ADMIN_PASSWORD.into());
    settings.smtp_url = opts.smtp_url;
    let mut leptos = LeptosOptions::builder().output_name("recyclique").build();
    leptos.site_addr = "127.0.0.1:0".parse().unwrap();
    // A fixed instant: 2026-03-15 10:00 UTC (11:00 in Paris).
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 15, 10, 0, 0).unwrap()));
    let application = Application::build(settings, leptos, clock.clone()).await.expect("build application");
    let addr = format!("http://{}", application.local_addr());
    let state = application.state().clone();
    tokio::spawn(application.run_until_stopped());
    TestApp { addr, client: new_client(), clock, state, _data_dir: data_dir }
}

pub fn new_client() -> Client {
    Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.addr, path)
    }

    /// A second client with its own cookie jar (another browser).
    pub fn other_client(&self) -> Client {
        new_client()
    }

    pub async fn login_with(&self, client: &Client, username: &str, password: &str) -> Response {
        client
            .post(self.url("/v1/auth/login"))
            .json(&json!({ "username": username, "password": password }))
            .send()
            .await
            .unwrap()
    }

    pub async fn login_admin(&self) {
        let r = self.login_with(&self.client, ADMIN, ADMIN_PASSWORD).await;
        assert_eq!(r.status(), StatusCode::OK, "admin login: {}", r.text().await.unwrap());
    }

    /// Creates a user as the (logged-in) admin client and returns its JSON.
    pub async fn create_user(&self, username: &str, password: &str, permissions: &[&str]) -> Value {
        let r = self
            .client
            .post(self.url("/v1/admin/users"))
            .json(&json!({ "username": username, "display_name": format!("Bénévole {username}"), "password": password, "permissions": permissions }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        r.json().await.unwrap()
    }
}

/// Asserts the status and the French `detail` of an error response.
pub async fn assert_detail(r: Response, status: StatusCode, detail_contains: &str) {
    assert_eq!(r.status(), status);
    assert_eq!(r.headers()["content-type"], "application/json");
    let body: Value = r.json().await.unwrap();
    let detail = body["detail"].as_str().unwrap_or_else(|| panic!("no detail in {body}"));
    assert!(detail.contains(detail_contains), "detail {detail:?} does not contain {detail_contains:?}");
}

impl TestApp {
    pub async fn get_json(&self, client: &Client, path: &str) -> Value {
        let r = client.get(self.url(path)).send().await.unwrap();
        assert!(r.status().is_success(), "GET {path}: {} {}", r.status(), r.text().await.unwrap());
        r.json().await.unwrap()
    }

    pub async fn post_json(&self, client: &Client, path: &str, body: Value) -> Response {
        client.post(self.url(path)).json(&body).send().await.unwrap()
    }

    /// Id of a seeded category by name.
    pub async fn category_id(&self, name: &str) -> String {
        let cats = self.get_json(&self.client, "/v1/categories").await;
        cats.as_array().unwrap().iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("no category {name}"))["id"].as_str().unwrap().to_string()
    }

    /// Opens a poste for `client` and returns its id.
    pub async fn open_poste(&self, client: &Client) -> String {
        let r = client.post(self.url("/v1/reception/postes/open")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
        r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string()
    }

    pub async fn new_ticket(&self, client: &Client) -> String {
        let r = client.post(self.url("/v1/reception/tickets")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
        r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string()
    }

    pub async fn add_line(&self, client: &Client, ticket: &str, body: Value) -> Value {
        let r = self.post_json(client, &format!("/v1/reception/tickets/{ticket}/lignes"), body).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text().await.unwrap());
        r.json().await.unwrap()
    }

    pub async fn close_ticket(&self, client: &Client, ticket: &str) {
        let r = client.post(self.url(&format!("/v1/reception/tickets/{ticket}/close"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    }

    /// A logged-in client for a new user with the given permissions.
    pub async fn user_client(&self, username: &str, permissions: &[&str]) -> (Client, Value) {
        let password = format!("motdepasse-{username}");
        let user = self.create_user(username, &password, permissions).await;
        let c = self.other_client();
        assert_eq!(self.login_with(&c, username, &password).await.status(), StatusCode::OK);
        (c, user)
    }
}
