use std::time::Duration;

use lettre::{
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    transport::smtp::{
        PoolConfig,
        authentication::Credentials,
        client::{Tls, TlsParameters},
    },
};

use crate::config::{MailSettings, MailTransportKind, SmtpTls};

/// How a message failed: a transient failure is retried, a permanent one (SMTP 5xx)
/// means the address bounced.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("temporary failure: {0}")]
    Transient(String),
    #[error("permanent failure: {0}")]
    Permanent(String),
}

/// The configured transport. Two variants, so an enum rather than a trait object.
#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>),
}

impl Mailer {
    pub fn from_settings(settings: &MailSettings) -> Result<Self, String> {
        match settings.transport {
            MailTransportKind::File => {
                std::fs::create_dir_all(&settings.outbox_dir)
                    .map_err(|e| format!("mail.outbox_dir `{}`: {e}", settings.outbox_dir))?;
                Ok(Self::File(AsyncFileTransport::new(&settings.outbox_dir)))
            }
            MailTransportKind::Smtp => {
                let host = settings.smtp_host.as_str();
                let tls = || {
                    TlsParameters::new(host.to_owned()).map_err(|e| format!("mail.smtp_tls: {e}"))
                };
                let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                    .port(settings.smtp_port)
                    .timeout(Some(Duration::from_secs(30)))
                    .pool_config(PoolConfig::new().max_size(settings.concurrent_sends as u32));
                builder = match settings.smtp_tls {
                    SmtpTls::None => builder.tls(Tls::None),
                    SmtpTls::Starttls => builder.tls(Tls::Required(tls()?)),
                    SmtpTls::Tls => builder.tls(Tls::Wrapper(tls()?)),
                };
                if let (Some(user), Some(password)) =
                    (&settings.smtp_username, &settings.smtp_password)
                {
                    builder = builder.credentials(Credentials::new(
                        user.expose().to_owned(),
                        password.expose().to_owned(),
                    ));
                }
                Ok(Self::Smtp(builder.build()))
            }
        }
    }

    pub async fn send(&self, message: Message) -> Result<(), SendError> {
        match self {
            Self::Smtp(transport) => transport.send(message).await.map(|_| ()).map_err(|e| {
                if e.is_permanent() {
                    SendError::Permanent(e.to_string())
                } else {
                    SendError::Transient(e.to_string())
                }
            }),
            Self::File(transport) => transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| SendError::Transient(e.to_string())),
        }
    }
}
