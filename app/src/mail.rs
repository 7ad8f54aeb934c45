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

/// One recorded mail delivery (close report, scheduled report, notification), whatever
/// the transport: the database keeps the message until it is sent or given up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailDelivery {
    pub id: crate::ids::DeliveryId,
    /// `cash_close_report`, `scheduled_report` or `notification`.
    pub kind: String,
    pub recipients: Vec<String>,
    pub subject: String,
    pub attachment_name: Option<String>,
    pub attachment_bytes: Option<i64>,
    /// `pending`, `claimed`, `sending`, `retrying`, `sent`, `failed` or `interrupted`.
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub attempt_log: Vec<DeliveryAttempt>,
}

/// One try at handing a delivery to the mail server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryAttempt {
    pub attempt: i64,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// `sending`, `sent`, `retrying`, `failed` or `interrupted`.
    pub status: String,
    pub error: Option<String>,
}

/// The French label of a delivery status.
pub fn delivery_status_label(status: &str) -> &'static str {
    match status {
        "pending" => "en attente",
        "claimed" => "en préparation",
        "sending" => "envoi en cours",
        "retrying" => "nouvel essai prévu",
        "sent" => "envoyé",
        "failed" => "échec",
        "interrupted" => "interrompu (non renvoyé)",
        _ => "inconnu",
    }
}
