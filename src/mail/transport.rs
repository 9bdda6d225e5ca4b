use std::os::unix::fs::{DirBuilderExt, PermissionsExt};

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
    File {
        transport: AsyncFileTransport<Tokio1Executor>,
        dir: std::path::PathBuf,
    },
}

impl Mailer {
    /// Fails (naming the key) when the transport cannot be set up, e.g. an unreadable
    /// `mail.smtp_ca_file`, so a bad setting stops start-up rather than the first send.
    pub fn from_settings(settings: &MailSettings) -> Result<Self, String> {
        match settings.transport {
            MailTransportKind::File => {
                // Emails carry personal links: only the owner may enter the folder.
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(&settings.outbox_dir)
                    .map_err(|e| format!("mail.outbox_dir `{}`: {e}", settings.outbox_dir))?;
                Ok(Self::File {
                    transport: AsyncFileTransport::new(&settings.outbox_dir),
                    dir: settings.outbox_dir.clone().into(),
                })
            }
            MailTransportKind::Smtp => Ok(Self::Smtp(std::sync::Arc::new(
                SmtpRelay::from_settings(settings)?,
            ))),
        }
    }

    pub async fn send(&self, message: Message) -> Result<(), SendError> {
        match self {
            Self::Smtp(relay) => relay.send(&message).await,
            Self::File { transport, dir } => {
                let id = transport
                    .send(message)
                    .await
                    .map_err(|e| SendError::RetryLater(e.to_string()))?;
                // Readable by the owner only, like the database and the key file. The
                // message is written either way (its folder is the owner's alone), so a
                // failure here is logged, not retried into a second copy.
                let file = dir.join(format!("{id}.eml"));
                if let Err(e) =
                    tokio::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).await
                {
                    tracing::warn!(file = %file.display(), "cannot make the email private: {e}");
                }
                Ok(())
            }
        }
    }
}
