//! Types of the mail outbox shown to admins.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One message written to the file outbox (no SMTP configured).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// File stem of the `.eml` file: the handle used to open or download it.
    pub id: String,
    pub date: Option<DateTime<Utc>>,
    pub recipients: Vec<String>,
    pub subject: String,
    pub attachments: Vec<String>,
    pub size_bytes: u64,
}

/// The decoded text of a stored message, for the "open" view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    pub entry: OutboxEntry,
    pub from: String,
    pub body_text: String,
}

/// What the mail subsystem is configured to do, shown on the outbox page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailStatus {
    /// `"smtp"` or `"outbox"`.
    pub transport: String,
    pub from: String,
}
