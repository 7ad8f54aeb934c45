//! A real SMTP server for the tests: Python's aiosmtpd, storing what it receives in a
//! Maildir that the test reads back. [`SmtpServer::start_with_faults`] runs
//! `tests/smtp_faults.py` instead, whose answers a test scripts ([`SmtpServer::set_faults`]).
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct SmtpServer {
    child: Child,
    pub port: u16,
    maildir: tempfile::TempDir,
}

impl SmtpServer {
    pub async fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let maildir = tempfile::tempdir().unwrap();
        let child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir.path().join("mail"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 -m aiosmtpd (install with: python3 -m pip install aiosmtpd)");
        Self::wait_started(Self { child, port, maildir }).await
    }

    /// The scripted server of `tests/smtp_faults.py`: each message takes the next line
    /// of the script (`ok`, `421`, `451`, `550`, `drop`, `stall`; `…*` for all that follow).
    pub async fn start_with_faults(faults: &[&str]) -> Self {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let maildir = tempfile::tempdir().unwrap();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp_faults.py");
        let server = Self {
            child: Command::new("python3")
                .arg(script)
                .arg(port.to_string())
                .arg(maildir.path().join("mail"))
                .arg(maildir.path().join("faults"))
                .stdout(Stdio::null())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("python3 tests/smtp_faults.py (needs aiosmtpd)"),
            port,
            maildir,
        };
        server.set_faults(faults);
        Self::wait_started(server).await
    }

    /// Replaces the scripted answers of a server started with faults.
    pub fn set_faults(&self, faults: &[&str]) {
        std::fs::write(self.maildir.path().join("faults"), faults.iter().map(|f| format!("{f}\n")).collect::<String>()).unwrap();
    }

    /// The DATA commands the faulty server received, with the fault each one got.
    pub fn attempts(&self) -> Vec<String> {
        std::fs::read_to_string(self.maildir.path().join("attempts")).map(|s| s.lines().map(str::to_string).collect()).unwrap_or_default()
    }

    /// The messages accepted so far, without waiting.
    pub fn received(&self) -> usize {
        std::fs::read_dir(self.maildir.path().join("mail").join("new")).map(|rd| rd.count()).unwrap_or(0)
    }

    async fn wait_started(server: Self) -> Self {
        let port = server.port;
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(start.elapsed() < Duration::from_secs(15), "aiosmtpd did not start on port {port}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Waits for the `n`-th delivered message and returns the raw bytes of all of them.
    pub async fn wait_for_messages(&self, n: usize) -> Vec<Vec<u8>> {
        let dir: PathBuf = self.maildir.path().join("mail").join("new");
        let start = Instant::now();
        loop {
            let mut files: Vec<_> = std::fs::read_dir(&dir).map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect()).unwrap_or_default();
            if files.len() >= n {
                files.sort();
                return files.iter().map(|p| std::fs::read(p).unwrap()).collect();
            }
            assert!(start.elapsed() < Duration::from_secs(15), "no message received by the SMTP server");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
