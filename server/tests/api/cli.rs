//! The operator commands of the server binary, run as an operator would.
use std::process::Command;

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;

/// The CLI admin's password (the first run on an empty database creates it).
pub const CLI_ADMIN_PASSWORD: &str = "admin-cli-motdepasse";

fn server(data: &std::path::Path, args: &[&str], password: Option<&str>) -> (bool, String) {
    server_on(&format!("sqlite://{}/cli.db", data.display()), data, args, password)
}

/// Runs the server binary with `args` on the database at `url`; returns whether it
/// succeeded and its output.
pub fn server_on(url: &str, data: &std::path::Path, args: &[&str], password: Option<&str>) -> (bool, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.args(args)
        .env("DATABASE_URL", url)
        .env("RECYCLIQUE_DATA_DIR", data)
        .env("RECYCLIQUE_ADMIN_PASSWORD", CLI_ADMIN_PASSWORD)
        .env_remove("RECYCLIQUE_ADMIN_USERNAME")
        .env("LEPTOS_OUTPUT_NAME", "recyclique")
        .env("RUST_LOG", "warn")
        .env_remove("RECYCLIQUE_NEW_PASSWORD");
    if let Some(p) = password {
        cmd.env("RECYCLIQUE_NEW_PASSWORD", p);
    }
    let out = cmd.output().expect("run the server binary");
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[tokio::test]
async fn operators_migrate_create_users_and_reset_passwords() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = server(dir.path(), &["migrate"], None);
    assert!(ok && out.contains("Migrations appliquées (sqlite)"), "{out}");

    let (ok, out) = server(dir.path(), &["create-user", "--username", "Marie", "--display-name", "Marie Curie", "--permission", "reception.access"], Some("motdepasse-marie"));
    assert!(ok && out.contains("Utilisateur « marie » créé (permissions : reception.access)"), "{out}");
    let (ok, out) = server(dir.path(), &["create-user", "--username", "marie"], Some("autre-motdepasse"));
    assert!(!ok && out.contains("déjà pris"), "{out}");
    let (ok, out) = server(dir.path(), &["create-user", "--username", "paul", "--permission", "root"], Some("motdepasse-paul"));
    assert!(!ok && out.contains("Permission inconnue"), "{out}");
    let (ok, out) = server(dir.path(), &["reset-password", "--username", "marie"], Some("court"));
    assert!(!ok && out.contains("au moins 8 caractères"), "{out}");
    let (ok, out) = server(dir.path(), &["reset-password", "--username", "marie"], Some("nouveau-motdepasse"));
    assert!(ok && out.contains("Mot de passe de « marie » réinitialisé"), "{out}");

    // The same database served by the application: the CLI's work is there.
    let url = format!("sqlite://{}/cli.db", dir.path().display());
    let app = spawn_app_on(url).await;
    assert_eq!(app.login_with(&app.client, "marie", "motdepasse-marie").await.status(), StatusCode::UNAUTHORIZED);
    let r = app.login_with(&app.client, "marie", "nouveau-motdepasse").await;
    assert_eq!(r.status(), StatusCode::OK);
    let me: Value = r.json().await.unwrap();
    assert_eq!((me["display_name"].as_str(), me["permissions"].clone()), (Some("Marie Curie"), serde_json::json!(["reception.access"])));
    // Users existed before the first start: no administrator was added behind the operator's back.
    assert_eq!(app.login_with(&app.other_client(), ADMIN, ADMIN_PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
}

/// The server binary serving HTTP, as an operator starts it; killed (SIGKILL) when
/// dropped, or on purpose by [`ServerProcess::kill`].
pub struct ServerProcess {
    child: std::process::Child,
    pub addr: String,
}

impl ServerProcess {
    /// Starts `server` on the database at `url` with `env` added, on a free port, and
    /// waits until `/health` answers.
    pub async fn start(url: &str, data: &std::path::Path, env: &[(&str, &str)]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
        cmd.env("DATABASE_URL", url)
            .env("RECYCLIQUE_DATA_DIR", data)
            .env("RECYCLIQUE_ADMIN_USERNAME", ADMIN)
            .env("RECYCLIQUE_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("LEPTOS_OUTPUT_NAME", "recyclique")
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn,server=info")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::inherit());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let server = Self { child: cmd.spawn().expect("start the server binary"), addr: format!("http://127.0.0.1:{port}") };
        let client = reqwest::Client::new();
        let start = std::time::Instant::now();
        loop {
            if let Ok(r) = client.get(format!("{}/health", server.addr)).send().await {
                if r.status() == StatusCode::OK {
                    return server;
                }
            }
            assert!(start.elapsed() < std::time::Duration::from_secs(30), "the server binary did not answer /health");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.addr)
    }

    /// SIGKILL: no shutdown, nothing flushed, as a crash or an OOM kill.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL the server");
        self.child.wait().unwrap();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
