//! Reading back the `.eml` files of the file outbox for the admin page.
use std::path::{Path, PathBuf};

use app::error::AppError;
use app::mail::{OutboxEntry, OutboxMessage};
use chrono::{DateTime, TimeZone, Utc};
use mail_parser::{Address, MessageParser, MimeHeaders};
use uuid::Uuid;

fn addresses(a: Option<&Address<'_>>) -> Vec<String> {
    a.map(|a| a.iter().filter_map(|x| x.address().map(str::to_string)).collect()).unwrap_or_default()
}

fn entry(id: String, bytes: &[u8], modified: Option<DateTime<Utc>>) -> (OutboxEntry, String, String) {
    let parsed = MessageParser::default().parse(bytes);
    let Some(m) = parsed else {
        let entry = OutboxEntry { id, date: modified, recipients: vec![], subject: "(illisible)".into(), attachments: vec![], size_bytes: bytes.len() as u64 };
        return (entry, String::new(), String::new());
    };
    let date = m.date().and_then(|d| Utc.timestamp_opt(d.to_timestamp(), 0).single()).or(modified);
    let entry = OutboxEntry {
        id,
        date,
        recipients: addresses(m.to()),
        subject: m.subject().unwrap_or("(sans objet)").to_string(),
        attachments: m.attachments().map(|p| p.attachment_name().unwrap_or("(sans nom)").to_string()).collect(),
        size_bytes: bytes.len() as u64,
    };
    let from = addresses(m.from()).join(", ");
    let body = m.body_text(0).map(|b| b.into_owned()).unwrap_or_default();
    (entry, from, body)
}

/// The path of message `id`, refusing anything that is not one of our UUID file names.
fn path_of(dir: &Path, id: &str) -> Result<PathBuf, AppError> {
    let id = Uuid::parse_str(id).map_err(|_| AppError::NotFound("Message introuvable.".into()))?;
    Ok(dir.join(format!("{}.eml", id.hyphenated())))
}

/// Every stored message, newest first.
pub async fn list_outbox(dir: &Path) -> Result<Vec<OutboxEntry>, AppError> {
    let mut out = Vec::new();
    let mut rd = match tokio::fs::read_dir(dir).await {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(crate::error::internal(e)),
    };
    while let Some(f) = rd.next_entry().await.map_err(crate::error::internal)? {
        let path = f.path();
        if path.extension().and_then(|e| e.to_str()) != Some("eml") {
            continue;
        }
        let Some(id) = path.file_stem().and_then(|s| s.to_str()).map(str::to_string) else { continue };
        let modified = f.metadata().await.ok().and_then(|m| m.modified().ok()).map(DateTime::<Utc>::from);
        let bytes = tokio::fs::read(&path).await.map_err(crate::error::internal)?;
        out.push(entry(id, &bytes, modified).0);
    }
    out.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.id.cmp(&b.id)));
    Ok(out)
}

pub async fn read_outbox_raw(dir: &Path, id: &str) -> Result<Vec<u8>, AppError> {
    let path = path_of(dir, id)?;
    match tokio::fs::read(&path).await {
        Ok(b) => Ok(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(AppError::NotFound("Message introuvable.".into())),
        Err(e) => Err(crate::error::internal(e)),
    }
}

pub async fn read_outbox(dir: &Path, id: &str) -> Result<OutboxMessage, AppError> {
    let bytes = read_outbox_raw(dir, id).await?;
    let (entry, from, body_text) = entry(id.to_string(), &bytes, None);
    Ok(OutboxMessage { entry, from, body_text })
}
