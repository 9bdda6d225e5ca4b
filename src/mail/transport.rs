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

impl Mailer {
    /// Readiness: the relay accepts a connection (no session, no login: probes come
    /// often), or the outbox folder takes a file.
    pub async fn check_reachable(&self) -> Result<(), String> {
        match self {
            Self::Smtp(relay) => relay.check_reachable().await,
            Self::File { dir, .. } => {
                let probe = dir.join(".nyttopuls-ready");
                let name = || format!("mail.outbox_dir `{}`", dir.display());
                tokio::fs::write(&probe, b"")
                    .await
                    .map_err(|e| format!("cannot write into {}: {e}", name()))?;
                match tokio::fs::remove_file(&probe).await {
                    // A probe running beside this one removed it first.
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        Err(format!("cannot remove a file from {}: {e}", name()))
                    }
                    _ => Ok(()),
                }
            }
        }
    }

    /// Deletes the written `.eml` files addressed to any of `addresses` (GDPR erasure:
    /// each holds a name, the address and personal links); returns how many. Nothing
    /// to do for SMTP, which keeps no copies.
    pub async fn delete_files_to(&self, addresses: &[String]) -> Result<u64, String> {
        let Self::File { dir, .. } = self else {
            return Ok(0);
        };
        let wanted: Vec<String> = addresses.iter().map(|a| a.to_lowercase()).collect();
        delete_eml_files(dir.clone(), move |path, _| {
            let text = std::fs::read(path).map_err(|e| e.to_string())?;
            Ok(addressed_to(&String::from_utf8_lossy(&text), &wanted))
        })
        .await
    }

    /// Deletes the written `.eml` files last written before `cutoff` (retention, like
    /// the outbox rows); returns how many.
    pub async fn delete_files_before(&self, cutoff: std::time::SystemTime) -> Result<u64, String> {
        let Self::File { dir, .. } = self else {
            return Ok(0);
        };
        delete_eml_files(dir.clone(), move |_, metadata| {
            Ok(metadata.modified().map_err(|e| e.to_string())? < cutoff)
        })
        .await
    }
}

/// Deletes each `.eml` file in `dir` for which `doomed` says so.
async fn delete_eml_files(
    dir: std::path::PathBuf,
    doomed: impl Fn(&std::path::Path, &std::fs::Metadata) -> Result<bool, String> + Send + 'static,
) -> Result<u64, String> {
    tokio::task::spawn_blocking(move || {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(format!("mail.outbox_dir `{}`: {e}", dir.display())),
        };
        let mut deleted = 0;
        for entry in entries {
            let entry = entry.map_err(|e| e.to_string())?;
            let path = entry.path();
            if path.extension().is_none_or(|ext| ext != "eml") {
                continue;
            }
            let metadata = entry.metadata().map_err(|e| e.to_string())?;
            if doomed(&path, &metadata)? {
                std::fs::remove_file(&path)
                    .map_err(|e| format!("cannot delete {}: {e}", path.display()))?;
                deleted += 1;
            }
        }
        Ok(deleted)
    })
    .await
    .map_err(|e| e.to_string())?
}

/// Whether the message's `To`/`Cc`/`Bcc` headers name one of `addresses` (lower case).
fn addressed_to(message: &str, addresses: &[String]) -> bool {
    let head = message
        .split("\r\n\r\n")
        .next()
        .unwrap_or_default()
        .replace("\r\n ", " ")
        .replace("\r\n\t", " ");
    head.lines().any(|line| {
        let lower = line.to_lowercase();
        let Some((name, value)) = lower.split_once(':') else {
            return false;
        };
        matches!(name.trim(), "to" | "cc" | "bcc")
            && value
                .split(|c: char| c == '<' || c == '>' || c == ',' || c.is_whitespace())
                .any(|word| addresses.iter().any(|address| address == word))
    })
}

#[cfg(test)]
mod tests {
    use super::addressed_to;

    #[test]
    fn a_message_is_matched_by_its_recipient_headers_only() {
        let message = "From: Nyttopuls <n@kommun.se>\r\nTo: Anna Berg\r\n <Anna@X.se>\r\nSubject: anna@x.se\r\n\r\nBody anna@x.se";
        assert!(addressed_to(message, &["anna@x.se".into()]));
        assert!(!addressed_to(message, &["nna@x.se".into()]));
        assert!(
            !addressed_to(message, &["n@kommun.se".into()]),
            "the sender is not a recipient"
        );
        assert!(addressed_to(
            "To: b@x.se, anna@x.se\r\n\r\n",
            &["anna@x.se".into()]
        ));
    }
}
