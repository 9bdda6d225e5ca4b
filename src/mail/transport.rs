use lettre::{AsyncFileTransport, AsyncTransport, Message, Tokio1Executor};

use super::{failure::RelayFailure, smtp::SmtpRelay};
use crate::config::{MailSettings, MailTransportKind};

/// How a message failed; see [`super::failure::classify`] for which is which.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The recipient's address or mailbox was refused for good.
    #[error("the recipient was refused: {0}")]
    Bounced(String),
    /// Not taken this time; the message is tried again later.
    #[error("not sent this time: {0}")]
    RetryLater(String),
    /// The relay refuses us as a whole; no message can go out until that is fixed.
    #[error("the mail relay refused us ({kind}): {error}")]
    RelayRefused { kind: RelayFailure, error: String },
}

/// The configured transport. Two variants, so an enum rather than a trait object.
#[derive(Clone)]
pub enum Mailer {
    Smtp(std::sync::Arc<SmtpRelay>),
    File(AsyncFileTransport<Tokio1Executor>),
}

impl Mailer {
    /// Fails (naming the key) when the transport cannot be set up, e.g. an unreadable
    /// `mail.smtp_ca_file`, so a bad setting stops start-up rather than the first send.
    pub fn from_settings(settings: &MailSettings) -> Result<Self, String> {
        match settings.transport {
            MailTransportKind::File => {
                std::fs::create_dir_all(&settings.outbox_dir)
                    .map_err(|e| format!("mail.outbox_dir `{}`: {e}", settings.outbox_dir))?;
                Ok(Self::File(AsyncFileTransport::new(&settings.outbox_dir)))
            }
            MailTransportKind::Smtp => Ok(Self::Smtp(std::sync::Arc::new(
                SmtpRelay::from_settings(settings)?,
            ))),
        }
    }

    pub async fn send(&self, message: Message) -> Result<(), SendError> {
        match self {
            Self::Smtp(relay) => relay.send(&message).await,
            Self::File(transport) => transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| SendError::RetryLater(e.to_string())),
        }
    }
}
