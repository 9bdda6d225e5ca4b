//! SMTP to the relay. lettre's pooled transport does not say which command a refusal
//! answered, and that decides whether it is about the recipient (bounce) or about us
//! (stop the run), so the session steps are driven here on lettre's connection type.
//! Sessions are kept open between messages, at most one per concurrent send.

use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

use lettre::{
    Message,
    address::Envelope,
    transport::smtp::{
        Error as LettreError,
        authentication::{Credentials, Mechanism},
        client::{AsyncSmtpConnection, Certificate, TlsParameters},
        commands::{Data, Mail, Rcpt},
        extension::{ClientId, Extension, MailBodyParameter, MailParameter},
    },
};

use super::{
    SendError,
    failure::{SmtpPhase, SmtpReply, Verdict, classify},
};
use crate::config::{MailSettings, SmtpTls};

/// A session unused for longer than this is closed rather than reused: relays drop
/// idle clients after a few minutes, and a dropped session costs a failed command.
const MAX_IDLE: Duration = Duration::from_secs(30);

enum Encryption {
    None,
    Starttls(TlsParameters),
    Wrapper(TlsParameters),
}

pub struct SmtpRelay {
    host: String,
    port: u16,
    encryption: Encryption,
    credentials: Option<Credentials>,
    hello: ClientId,
    timeout: Duration,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
    max_idle_sessions: usize,
}

/// A failed step: where, the relay's reply if there was one, and what happened.
struct StepError {
    phase: SmtpPhase,
    reply: Option<SmtpReply>,
    message: String,
}

impl StepError {
    fn at(phase: SmtpPhase) -> impl Fn(LettreError) -> Self {
        move |error| {
            let reply = error.status().map(|code| {
                let text = std::error::Error::source(&error)
                    .map(ToString::to_string)
                    .unwrap_or_default();
                SmtpReply::new(u16::from(code), &text)
            });
            Self {
                phase,
                reply,
                message: error.to_string(),
            }
        }
    }

    /// We refuse to go on (the relay lacks an extension we need): no reply.
    fn ours(phase: SmtpPhase, message: &str) -> Self {
        Self {
            phase,
            reply: None,
            message: message.to_owned(),
        }
    }
}

impl SmtpRelay {
    pub fn from_settings(settings: &MailSettings) -> Result<Self, String> {
        let tls = || tls_parameters(&settings.smtp_host, settings.smtp_ca_file.as_deref());
        let encryption = match settings.smtp_tls {
            SmtpTls::None => Encryption::None,
            SmtpTls::Starttls => Encryption::Starttls(tls()?),
            SmtpTls::Tls => Encryption::Wrapper(tls()?),
        };
        let credentials = match (&settings.smtp_username, &settings.smtp_password) {
            (Some(user), Some(password)) => Some(Credentials::new(
                user.expose().to_owned(),
                password.expose().to_owned(),
            )),
            _ => None,
        };
        Ok(Self {
            host: settings.smtp_host.clone(),
            port: settings.smtp_port,
            encryption,
            credentials,
            hello: ClientId::default(),
            timeout: Duration::from_secs(30),
            idle: Mutex::default(),
            max_idle_sessions: settings.concurrent_sends,
        })
    }

    /// Whether the relay accepts a TCP connection within a few seconds.
    pub async fn check_reachable(&self) -> Result<(), String> {
        let address = format!("{}:{}", self.host, self.port);
        let connect = tokio::net::TcpStream::connect((self.host.as_str(), self.port));
        match tokio::time::timeout(Duration::from_secs(3), connect).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(format!("the mail relay {address} refuses connections: {e}")),
            Err(_) => Err(format!(
                "the mail relay {address} did not answer within 3 s"
            )),
        }
    }

    pub async fn send(&self, message: &Message) -> Result<(), SendError> {
        let envelope = message.envelope();
        let content = message.formatted();
        let (mut session, reused) = match self.idle_session() {
            Some(session) => (session, true),
            None => (self.open().await.map_err(refusal)?, false),
        };
        let mut result = transaction(&mut session, envelope, &content).await;
        // A kept session the relay has meanwhile closed (silently, or with a 421) fails
        // on its first command; that says nothing about the relay, so try once more on a
        // fresh one.
        let closed_meanwhile = |e: &StepError| {
            e.phase == SmtpPhase::MailFrom && e.reply.is_none_or(|reply| reply.code == 421)
        };
        if reused && matches!(&result, Err(e) if closed_meanwhile(e)) {
            session.abort().await;
            session = self.open().await.map_err(refusal)?;
            result = transaction(&mut session, envelope, &content).await;
        }
        match result {
            Ok(()) => {
                self.keep(session);
                Ok(())
            }
            Err(error) => {
                session.abort().await;
                Err(refusal(error))
            }
        }
    }

    async fn open(&self) -> Result<AsyncSmtpConnection, StepError> {
        let connect = StepError::at(SmtpPhase::Connect);
        let wrapper = match &self.encryption {
            Encryption::Wrapper(tls) => Some(tls.clone()),
            _ => None,
        };
        let mut session = AsyncSmtpConnection::connect_tokio1(
            (self.host.as_str(), self.port),
            Some(self.timeout),
            &self.hello,
            wrapper,
            None,
        )
        .await
        .map_err(&connect)?;
        if let Encryption::Starttls(tls) = &self.encryption {
            session
                .starttls(tls.clone(), &self.hello)
                .await
                .map_err(&connect)?;
        }
        if let Some(credentials) = &self.credentials {
            session
                .auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .await
                .map_err(StepError::at(SmtpPhase::Auth))?;
        }
        Ok(session)
    }

    fn idle_session(&self) -> Option<AsyncSmtpConnection> {
        let mut idle = self.idle.lock().expect("SMTP session lock");
        while let Some((session, since)) = idle.pop() {
            if since.elapsed() < MAX_IDLE && !session.has_broken() {
                return Some(session);
            }
        }
        None
    }

    fn keep(&self, session: AsyncSmtpConnection) {
        let mut idle = self.idle.lock().expect("SMTP session lock");
        if idle.len() < self.max_idle_sessions {
            idle.push((session, Instant::now()));
        }
    }
}

/// MAIL, RCPT, DATA for one message, each step named in its error.
async fn transaction(
    session: &mut AsyncSmtpConnection,
    envelope: &Envelope,
    content: &[u8],
) -> Result<(), StepError> {
    let mut parameters = Vec::new();
    let info = session.server_info();
    let non_ascii_address = envelope
        .to()
        .iter()
        .chain(envelope.from())
        .any(|address| !AsRef::<str>::as_ref(address).is_ascii());
    if non_ascii_address {
        if !info.supports_feature(Extension::SmtpUtfEight) {
            return Err(StepError::ours(
                SmtpPhase::MailFrom,
                "the relay does not accept non-ASCII addresses (SMTPUTF8)",
            ));
        }
        parameters.push(MailParameter::SmtpUtfEight);
    }
    if !content.is_ascii() {
        if !info.supports_feature(Extension::EightBitMime) {
            return Err(StepError::ours(
                SmtpPhase::MailFrom,
                "the relay does not accept 8-bit messages (8BITMIME)",
            ));
        }
        parameters.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    session
        .command(Mail::new(envelope.from().cloned(), parameters))
        .await
        .map_err(StepError::at(SmtpPhase::MailFrom))?;
    for recipient in envelope.to() {
        session
            .command(Rcpt::new(recipient.clone(), Vec::new()))
            .await
            .map_err(StepError::at(SmtpPhase::RcptTo))?;
    }
    session
        .command(Data)
        .await
        .map_err(StepError::at(SmtpPhase::Data))?;
    session
        .message(content)
        .await
        .map_err(StepError::at(SmtpPhase::Data))?;
    Ok(())
}

fn refusal(step: StepError) -> SendError {
    let error = format!("{}: {}", step.phase, step.message);
    match classify(step.phase, step.reply) {
        Verdict::Bounced => SendError::Bounced(error),
        Verdict::RetryLater => SendError::RetryLater(error),
        Verdict::StopRun(kind) => SendError::RelayRefused { kind, error },
    }
}

/// TLS for `host`: the system's trusted roots plus, when set, the municipality's own CA.
fn tls_parameters(host: &str, ca_file: Option<&str>) -> Result<TlsParameters, String> {
    let mut builder = TlsParameters::builder(host.to_owned());
    if let Some(path) = ca_file {
        let problem = |what: String| format!("mail.smtp_ca_file `{path}`: {what}");
        let pem = std::fs::read(path).map_err(|e| problem(format!("cannot read it: {e}")))?;
        // lettre accepts a file with no certificate in it and adds nothing.
        if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
            return Err(problem("holds no PEM certificate".into()));
        }
        let certificate = Certificate::from_pem(&pem)
            .map_err(|e| problem(format!("not a PEM certificate: {e}")))?;
        builder = builder.add_root_certificate(certificate);
    }
    builder.build_rustls().map_err(|e| match ca_file {
        Some(path) => format!("mail.smtp_ca_file `{path}`: {e}"),
        None => format!("mail.smtp_tls: {e}"),
    })
}
