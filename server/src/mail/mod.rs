//! Outgoing mail. With `SMTP_URL` set, messages go through lettre's async SMTP transport;
//! without it (the embedded default), each message is written as an `.eml` file under
//! `data/outbox/`, which admins can list, open and download.
pub mod delivery;
mod outbox;

use std::path::PathBuf;
use std::str::FromStr;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp;
use lettre::{Address, AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Settings;
pub use outbox::{list_outbox, read_outbox, read_outbox_raw};


/// A file attached to a message.
#[derive(Clone, Debug)]
pub struct MailAttachment {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

#[derive(Clone, Debug)]
pub struct OutgoingMail {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub attachments: Vec<MailAttachment>,
}

/// Send failures, classified so that callers retry only what may succeed later.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid e-mail address {0:?}")]
    InvalidAddress(String),
    #[error("the message could not be built")]
    Build(#[source] lettre::error::Error),
    /// A 4xx answer, a timeout or a lost connection: worth retrying.
    #[error("temporary SMTP failure")]
    Transient(#[source] smtp::Error),
    /// A 5xx answer: retrying the same message will fail again.
    #[error("permanent SMTP failure")]
    Permanent(#[source] smtp::Error),
    /// TLS or other configuration problems: an operator must act.
    #[error("SMTP configuration problem")]
    Config(#[source] smtp::Error),
    #[error("could not write the message to the outbox")]
    Outbox(#[source] lettre::transport::file::Error),
}

impl MailError {
    fn from_smtp(e: smtp::Error) -> Self {
        if e.is_permanent() {
            MailError::Permanent(e)
        } else if e.is_transient() || e.is_timeout() || e.is_response() {
            MailError::Transient(e)
        } else if e.is_tls() || e.is_client() {
            MailError::Config(e)
        } else {
            // Connection errors and the like.
            MailError::Transient(e)
        }
    }
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(AsyncFileTransport<Tokio1Executor>),
}

pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    outbox_dir: PathBuf,
}

impl Mailer {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        let from = Mailbox::from_str(&settings.mail_from)
            .map_err(|e| anyhow::anyhow!("MAIL_FROM {:?} is not a valid address: {e}", settings.mail_from))?;
        let outbox_dir = settings.outbox_dir();
        let transport = match &settings.smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("SMTP_URL is not usable: {e}"))?
                    .timeout(Some(settings.smtp_timeout))
                    .build(),
            ),
            None => {
                std::fs::create_dir_all(&outbox_dir)?;
                Transport::Outbox(AsyncFileTransport::new(&outbox_dir))
            }
        };
        Ok(Self { transport, from, outbox_dir })
    }

    pub fn transport_name(&self) -> &'static str {
        match self.transport {
            Transport::Smtp(_) => "smtp",
            Transport::Outbox(_) => "outbox",
        }
    }

    pub fn from_address(&self) -> String {
        self.from.to_string()
    }

    pub fn outbox_dir(&self) -> &std::path::Path {
        &self.outbox_dir
    }

    pub async fn send(&self, mail: OutgoingMail) -> Result<(), MailError> {
        let message = self.build(mail)?;
        match &self.transport {
            Transport::Smtp(t) => t.send(message).await.map(|_| ()).map_err(MailError::from_smtp),
            Transport::Outbox(t) => t.send(message).await.map(|_| ()).map_err(MailError::Outbox),
        }
    }

    fn build(&self, mail: OutgoingMail) -> Result<Message, MailError> {
        let mut builder = Message::builder().from(self.from.clone()).subject(mail.subject);
        for to in &mail.to {
            let address = Address::from_str(to.trim()).map_err(|_| MailError::InvalidAddress(app::error::truncate(to).into_owned()))?;
            builder = builder.to(Mailbox::new(None, address));
        }
        let text = SinglePart::plain(mail.text);
        let message = if mail.attachments.is_empty() {
            builder.singlepart(text)
        } else {
            let mut parts = MultiPart::mixed().singlepart(text);
            for a in mail.attachments {
                let ct = ContentType::parse(&a.content_type)
                    .unwrap_or_else(|_| ContentType::parse("application/octet-stream").expect("static content type"));
                parts = parts.singlepart(Attachment::new(a.filename).body(a.bytes, ct));
            }
            builder.multipart(parts)
        };
        message.map_err(MailError::Build)
    }
}

/// Sends the admin's test message (with a small attachment, so attachments are checked
/// too) and turns delivery failures into messages an admin can act on.
pub async fn send_test_mail(state: &crate::state::AppState, actor: &app::auth::UserView, to: &str) -> Result<(), app::error::AppError> {
    use app::error::AppError;
    crate::auth::require(actor, app::auth::Permission::Admin)?;
    let to = to.trim();
    if to.is_empty() {
        return Err(AppError::invalid("Saisissez l'adresse du destinataire."));
    }
    let now = app::format::paris_datetime(state.clock.now());
    let mail = OutgoingMail {
        to: vec![to.to_string()],
        subject: "RecyClique : e-mail de test".into(),
        text: format!(
            "Bonjour,\n\nCet e-mail de test a été demandé par {} le {now}.\nSi vous le recevez, l'envoi des e-mails de RecyClique fonctionne.\n",
            actor.display_name
        ),
        attachments: vec![MailAttachment {
            filename: "test-recyclique.txt".into(),
            content_type: "text/plain; charset=utf-8".into(),
            bytes: format!("Pièce jointe de test RecyClique ({now}).\n").into_bytes(),
        }],
    };
    state.mailer.send(mail).await.map_err(|e| user_error(&e))
}

/// The message shown to an admin when a send fails; the cause chain goes to the log
/// (an address typed wrong is the caller's doing: a warning, already cut short).
pub fn user_error(e: &MailError) -> app::error::AppError {
    use app::error::AppError;
    if let MailError::InvalidAddress(a) = e {
        tracing::warn!(address = %a, "mail refused: invalid address");
        return AppError::invalid(format!("Adresse e-mail invalide : « {a} »."));
    }
    tracing::error!("mail send failed: {:#}", anyhow::anyhow!("{e}").context(format!("{:?}", e)));
    match e {
        MailError::Transient(inner) => AppError::Internal(format!("Serveur SMTP momentanément indisponible ({inner}). Réessayez plus tard.")),
        MailError::Permanent(inner) => AppError::Internal(format!("Le serveur SMTP a refusé le message : {inner}.")),
        MailError::Config(inner) => AppError::Internal(format!("Configuration SMTP incorrecte : {inner}.")),
        MailError::InvalidAddress(_) | MailError::Build(_) | MailError::Outbox(_) => AppError::internal(),
    }
}
