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

pub async fn fresh_postgres_url() -> String {
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
    /// Stops the server and its workers.
    pub shutdown: server::startup::ShutdownHandle,
    /// The running application: done once it has stopped.
    pub running: tokio::task::JoinHandle<std::io::Result<()>>,
    /// The database's URL, for tests that fill it directly.
    pub db_url: String,
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
    spawn_app_configured(db, move |s| s.smtp_url = opts.smtp_url).await
}

/// The application with some settings changed from the tests' defaults.
pub async fn spawn_app_configured(db: Db, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let url = fresh_database_url(db, data_dir.path()).await;
    build_app(url, data_dir, configure).await
}

/// The application on an existing database (made by the CLI, say).
pub async fn spawn_app_on(url: String) -> TestApp {
    build_app(url, tempfile::tempdir().expect("temp dir"), |_| {}).await
}

/// The application on an existing database, with some settings changed: a second
/// instance beside another test app.
pub async fn spawn_app_on_configured(url: String, configure: impl FnOnce(&mut Settings)) -> TestApp {
    build_app(url, tempfile::tempdir().expect("temp dir"), configure).await
}

async fn build_app(url: String, data_dir: tempfile::TempDir, configure: impl FnOnce(&mut Settings)) -> TestApp {
    // Server logs go to the test's captured output: shown when a test fails.
    let _ = tracing_subscriber::fmt().with_env_filter("warn,server=info").with_test_writer().try_init();
    let mut settings = Settings::for_tests(url, data_dir.path().join("data"));
    settings.admin_username = Some(ADMIN.into());
    settings.admin_password = Some(ADMIN_PASSWORD.into());
    configure(&mut settings);
    let mut leptos = LeptosOptions::builder().output_name("recyclique").build();
    leptos.site_addr = "127.0.0.1:0".parse().unwrap();
    // A fixed instant: 2026-03-15 10:00 UTC (11:00 in Paris).
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 15, 10, 0, 0).unwrap()));
    let db_url = settings.database_url.clone();
    let application = Application::build(settings, leptos, clock.clone()).await.expect("build application");
    let addr = format!("http://{}", application.local_addr());
    let state = application.state().clone();
    let shutdown = application.shutdown_handle();
    let running = tokio::spawn(application.run_until_stopped());
    TestApp { addr, client: new_client(), clock, state, shutdown, running, db_url, _data_dir: data_dir }
}

/// Every request of a test gives up after [`REQUEST_TIMEOUT`]: a request that never
/// gets its answer fails its test with the request's URL in the error, rather than
/// holding the whole suite until CI's limit. Far above the slowest export a test makes.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

pub fn new_client() -> Client {
    Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).timeout(REQUEST_TIMEOUT).build().unwrap()
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

    /// Calls server function `name` as the browser does: JSON arguments, or an empty
    /// form for a function without any.
    pub async fn call_fn(&self, c: &Client, name: &str, args: Option<Value>) -> Response {
        let req = c.post(self.url(&format!("/api/{name}")));
        let req = match args {
            Some(v) => req.json(&v),
            None => req.header("content-type", "application/x-www-form-urlencoded").body(""),
        };
        req.send().await.unwrap()
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

    /// The start of most desk scenarios: the admin logged in on `self.client`, and a
    /// bénévole "marie" logged in on her own client, her poste open and a new ticket on
    /// it. Returns her client and the ticket's id.
    pub async fn marie_at_the_desk(&self) -> (Client, String) {
        self.login_admin().await;
        let (c, _) = self.user_client("marie", &["reception.access"]).await;
        self.open_poste(&c).await;
        let t = self.new_ticket(&c).await;
        (c, t)
    }
}

/// The cells of worksheet `sheet` (1-based, workbook order) styled with Excel's
/// quote-prefix (text shown as typed, never a formula), e.g. `["N2"]`.
/// The XML of worksheet `sheet` (from 1) of an XLSX file.
pub fn sheet_xml(xlsx: &[u8], sheet: usize) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).expect("an xlsx is a zip");
    let mut s = String::new();
    zip.by_name(&format!("xl/worksheets/sheet{sheet}.xml")).expect("the worksheet").read_to_string(&mut s).unwrap();
    s
}

pub fn quote_prefixed_cells(xlsx: &[u8], sheet: usize) -> Vec<String> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).expect("an xlsx is a zip");
    let mut read = |name: &str| {
        let mut s = String::new();
        zip.by_name(name).unwrap_or_else(|_| panic!("{name} in the xlsx")).read_to_string(&mut s).unwrap();
        s
    };
    let styles = read("xl/styles.xml");
    let xfs = &styles[styles.find("<cellXfs").expect("cellXfs")..];
    let xfs = &xfs[..xfs.find("</cellXfs>").expect("end of cellXfs")];
    let quoted: Vec<usize> = xfs.split("<xf ").skip(1).enumerate().filter(|(_, xf)| xf.contains("quotePrefix=\"1\"")).map(|(i, _)| i).collect();
    let attr = |tag: &str, name: &str| -> Option<String> {
        let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(tag[start..start + tag[start..].find('"')?].to_string())
    };
    read(&format!("xl/worksheets/sheet{sheet}.xml"))
        .split("<c ")
        .skip(1)
        .filter_map(|c| {
            let tag = format!(" {}", &c[..c.find('>')?]);
            let style: usize = attr(&tag, "s")?.parse().ok()?;
            quoted.contains(&style).then(|| attr(&tag, "r")).flatten()
        })
        .collect()
}

impl TestApp {
    /// Runs `sql` (one or more statements) straight on the database, on a connection
    /// of its own: for tests that set up a state the API cannot make.
    pub async fn raw_sql(&self, sql: &str) {
        if self.db_url.starts_with("sqlite:") {
            sqlx::raw_sql(sql).execute(&sqlx::SqlitePool::connect(&self.db_url).await.unwrap()).await.unwrap();
        } else {
            sqlx::raw_sql(sql).execute(&sqlx::PgPool::connect(&self.db_url).await.unwrap()).await.unwrap();
        }
    }

    /// Inserts `n` reception lines dated now (8 per closed ticket, on one closed poste of
    /// the admin) straight into the database: enough rows for a long export, in a
    /// fraction of the time the API would take.
    pub async fn fill_lines(&self, n: usize) {
        use server::clock::Clock;
        use sqlx::QueryBuilder;
        use uuid::Uuid;
        let admin = self.state.store.user_by_username(ADMIN).await.unwrap().unwrap().user.id.0;
        let category = self.state.store.list_categories().await.unwrap()[0].id.0;
        let now = self.clock.now();
        let poste = Uuid::new_v4();
        let tickets: Vec<Uuid> = (0..n.div_ceil(8)).map(|_| Uuid::new_v4()).collect();
        let lines: Vec<(Uuid, Uuid, i64)> = (0..n).map(|i| (Uuid::new_v4(), tickets[i / 8], 100 + i as i64)).collect();
        // Numbered after the tickets the test made, as the server would (then the counter).
        let year = i64::from(chrono::Datelike::year(&app::time::paris_date(now)));
        let last = "SELECT COALESCE(MAX(number_seq), 0) FROM tickets WHERE number_year = $1";
        let counter = "INSERT INTO ticket_counters (year, last) SELECT number_year, MAX(number_seq) FROM tickets WHERE number_year = $1 GROUP BY number_year
                       ON CONFLICT (year) DO UPDATE SET last = excluded.last";
        if self.db_url.starts_with("sqlite:") {
            let pool = sqlx::SqlitePool::connect(&self.db_url).await.unwrap();
            let t = now.timestamp_micros();
            sqlx::query("INSERT INTO postes (id, opened_by, opened_at, closed_at, closed_by, is_deferred, created_at) VALUES ($1, $2, $3, $3, $2, 0, $3)")
                .bind(poste.to_string())
                .bind(admin.to_string())
                .bind(t)
                .execute(&pool)
                .await
                .unwrap();
            let base: i64 = sqlx::query_scalar(last).bind(year).fetch_one(&pool).await.unwrap();
            let numbered: Vec<(Uuid, i64)> = tickets.iter().enumerate().map(|(i, id)| (*id, base + i as i64 + 1)).collect();
            for chunk in numbered.chunks(500) {
                let mut q: QueryBuilder<sqlx::Sqlite> =
                    QueryBuilder::new("INSERT INTO tickets (id, poste_id, benevole_id, status, ticket_at, created_at, closed_at, number_year, number_seq) ");
                q.push_values(chunk, |mut b, (id, seq)| {
                    b.push_bind(id.to_string()).push_bind(poste.to_string()).push_bind(admin.to_string()).push_bind("closed").push_bind(t).push_bind(t).push_bind(t);
                    b.push_bind(year).push_bind(*seq);
                });
                q.build().execute(&pool).await.unwrap();
            }
            sqlx::query(counter).bind(year).execute(&pool).await.unwrap();
            for chunk in lines.chunks(500) {
                let mut q: QueryBuilder<sqlx::Sqlite> =
                    QueryBuilder::new("INSERT INTO lignes (id, ticket_id, category_id, poids_g, destination, notes, is_exit, created_at, updated_at) ");
                q.push_values(chunk, |mut b, (id, ticket, grams)| {
                    b.push_bind(id.to_string()).push_bind(ticket.to_string()).push_bind(category.to_string()).push_bind(*grams).push_bind("don");
                    b.push_bind(format!("Note {grams} : confidentiel")).push_bind(0).push_bind(t).push_bind(t);
                });
                q.build().execute(&pool).await.unwrap();
            }
        } else {
            let pool = sqlx::PgPool::connect(&self.db_url).await.unwrap();
            sqlx::query("INSERT INTO postes (id, opened_by, opened_at, closed_at, closed_by, is_deferred, created_at) VALUES ($1, $2, $3, $3, $2, FALSE, $3)")
                .bind(poste)
                .bind(admin)
                .bind(now)
                .execute(&pool)
                .await
                .unwrap();
            let base: i64 = sqlx::query_scalar(last).bind(year).fetch_one(&pool).await.unwrap();
            let numbered: Vec<(Uuid, i64)> = tickets.iter().enumerate().map(|(i, id)| (*id, base + i as i64 + 1)).collect();
            for chunk in numbered.chunks(500) {
                let mut q: QueryBuilder<sqlx::Postgres> =
                    QueryBuilder::new("INSERT INTO tickets (id, poste_id, benevole_id, status, ticket_at, created_at, closed_at, number_year, number_seq) ");
                q.push_values(chunk, |mut b, (id, seq)| {
                    b.push_bind(*id).push_bind(poste).push_bind(admin).push_bind("closed").push_bind(now).push_bind(now).push_bind(now);
                    b.push_bind(year).push_bind(*seq);
                });
                q.build().execute(&pool).await.unwrap();
            }
            sqlx::query(counter).bind(year).execute(&pool).await.unwrap();
            for chunk in lines.chunks(500) {
                let mut q: QueryBuilder<sqlx::Postgres> =
                    QueryBuilder::new("INSERT INTO lignes (id, ticket_id, category_id, poids_g, destination, notes, is_exit, created_at, updated_at) ");
                q.push_values(chunk, |mut b, (id, ticket, grams)| {
                    b.push_bind(*id).push_bind(*ticket).push_bind(category).push_bind(*grams).push_bind("don");
                    b.push_bind(format!("Note {grams} : confidentiel")).push_bind(false).push_bind(now).push_bind(now);
                });
                q.build().execute(&pool).await.unwrap();
            }
        }
    }
}
