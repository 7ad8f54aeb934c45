//! Where an XLSX export's temporary files live and that they never outlive it: under the
//! data directory (never /tmp), private (0600 in a 0700 directory), without a name
//! anyone could open, and gone when the export ends, however it ends.
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::both_backends;
use crate::helpers::*;

both_backends!(
    a_cancelled_xlsx_export_leaves_no_file,
    an_xlsx_export_dropped_while_downloading_leaves_no_file,
    leftovers_are_removed_at_start,
);

/// Enough lines for the workbook to take a while to assemble (seconds in a debug build).
const LINES: usize = 15_000;

/// The files this process (the server runs in the test's process) holds open under
/// `dir`, deleted or not, with their permission bits.
fn open_files_in(dir: &Path) -> Vec<(PathBuf, u32)> {
    let dir = dir.canonicalize().unwrap();
    let mut out = Vec::new();
    for fd in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        let Ok(target) = std::fs::read_link(fd.path()) else { continue };
        if target.starts_with(&dir) {
            if let Ok(meta) = std::fs::metadata(fd.path()) {
                out.push((target, meta.permissions().mode() & 0o777));
            }
        }
    }
    out
}

fn names_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect()
}

async fn wait_until(what: &str, limit: Duration, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The admin's session cookie, for raw HTTP requests.
async fn admin_cookie(app: &TestApp) -> String {
    let r = app.login_with(&app.other_client(), ADMIN, ADMIN_PASSWORD).await;
    r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string()
}

fn bulk_request(host: &str, cookie: &str) -> String {
    let body = r#"{"period":"today","format":"xlsx"}"#;
    format!(
        "POST /v1/admin/reports/reception-tickets/export-bulk HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

async fn a_cancelled_xlsx_export_leaves_no_file(db: Db) {
    let app = spawn_app(db).await;
    app.fill_lines(LINES).await;
    let tmp = app.state.settings.tmp_dir();
    assert!(tmp.starts_with(&app.state.settings.data_dir), "{tmp:?} is not under the data directory");
    assert_eq!(std::fs::metadata(&tmp).unwrap().permissions().mode() & 0o777, 0o700);
    assert!(names_in(&tmp).is_empty());

    let host = app.addr.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
    stream.write_all(bulk_request(&host, &admin_cookie(&app).await).as_bytes()).await.unwrap();
    // The workbook is being assembled: its files are open, private, and have no name.
    wait_until("the export opens its temporary files", Duration::from_secs(30), || !open_files_in(&tmp).is_empty()).await;
    let files = open_files_in(&tmp);
    for (path, mode) in &files {
        assert_eq!(*mode, 0o600, "{path:?} is not private");
        assert!(path.to_string_lossy().ends_with("(deleted)"), "{path:?} has a name in the directory");
    }
    assert!(names_in(&tmp).is_empty(), "{:?}", names_in(&tmp));
    // The client goes away before the first byte.
    drop(stream);
    let dropped = Instant::now();
    wait_until("the cancelled export closes its files", Duration::from_secs(10), || open_files_in(&tmp).is_empty()).await;
    let cleanup = dropped.elapsed();
    // And nothing comes back later.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(open_files_in(&tmp).is_empty() && names_in(&tmp).is_empty());
    // Nothing of it went to the system's temporary directory either (rust_xlsxwriter's
    // default): no open file lies there directly.
    let system_tmp = std::env::temp_dir().canonicalize().unwrap();
    // Only nameless (deleted) files count: the test runner's own output may be a
    // file there (`bash .ci/run > /tmp/ci.log`), held open by this very process.
    let stray: Vec<_> = open_files_in(&system_tmp)
        .into_iter()
        .filter(|(p, _)| p.parent() == Some(system_tmp.as_path()) && p.to_string_lossy().ends_with("(deleted)"))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");

    // The server is none the worse: the same export, read to the end, is a workbook.
    app.login_admin().await;
    let full = Instant::now();
    let r = app
        .client
        .post(app.url("/v1/admin/reports/reception-tickets/export-bulk"))
        .json(&serde_json::json!({"period": "today", "format": "xlsx"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK"), "not a zip container");
    // The cancelled export stopped at once instead of assembling its workbook for
    // nobody (about 30 ms against seconds here).
    assert!(cleanup * 4 < full.elapsed(), "cancelled after {cleanup:?}, a whole export takes {:?}", full.elapsed());
    wait_until("the finished export closes its files", Duration::from_secs(10), || open_files_in(&tmp).is_empty()).await;
    assert!(names_in(&tmp).is_empty());
}

async fn an_xlsx_export_dropped_while_downloading_leaves_no_file(db: Db) {
    let app = spawn_app(db).await;
    app.fill_lines(LINES).await;
    let tmp = app.state.settings.tmp_dir();
    let host = app.addr.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
    stream.write_all(bulk_request(&host, &admin_cookie(&app).await).as_bytes()).await.unwrap();
    // Read the head and the first bytes of the workbook, then go away.
    let mut first = [0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(60), stream.read(&mut first)).await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first[..n]).starts_with("HTTP/1.1 200"));
    drop(stream);
    wait_until("the dropped download closes its files", Duration::from_secs(10), || open_files_in(&tmp).is_empty()).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(open_files_in(&tmp).is_empty() && names_in(&tmp).is_empty());
}

async fn leftovers_are_removed_at_start(db: Db) {
    let mut tmp = PathBuf::new();
    // What a crash could have left (a named temporary file, readable by all).
    let app = spawn_app_configured(db, |s| {
        tmp = s.tmp_dir();
        std::fs::create_dir_all(&tmp).unwrap();
        std::fs::write(tmp.join(".tmpAbCdEf"), "Nom;Notes\nMarie;confidentiel\n").unwrap();
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755)).unwrap();
    })
    .await;
    assert_eq!(app.state.settings.tmp_dir(), tmp);
    assert!(names_in(&tmp).is_empty(), "{:?}", names_in(&tmp));
    assert_eq!(std::fs::metadata(&tmp).unwrap().permissions().mode() & 0o777, 0o700);
}
