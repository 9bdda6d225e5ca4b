//! Sending through a relay as a municipality runs one: STARTTLS with a certificate from
//! the municipality's own CA (`mail.smtp_ca_file`), AUTH PLAIN or LOGIN. A relay that
//! refuses us (credentials, certificate) fails the dispatch run, keeps every message
//! queued and bounces nobody; the email itself carries its links verbatim.

use crate::common::{TestApp, spawn_app_with, status_and_json};
use crate::mail_sink::{MailSink, Relay};
use mail_parser::MessageParser;
use mailin_embedded::AuthMechanism;
use nyttopuls::{
    app::Application,
    config::{MailTransportKind, Secret, Settings, SmtpTls},
};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use tempfile::TempDir;

const USER: &str = "nyttopuls";
const PASSWORD: &str = "rätt lösenord";

/// A CA of our own, as a municipality's internal one, with its certificate in a PEM file.
struct TestCa {
    issuer: Issuer<'static, KeyPair>,
    pem_path: String,
}

impl TestCa {
    fn new(dir: &TempDir, name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let key = KeyPair::generate().unwrap();
        let certificate = params.self_signed(&key).unwrap();
        let pem_path = write(dir, &format!("{name}.pem"), &certificate.pem());
        Self {
            issuer: Issuer::new(params, key),
            pem_path,
        }
    }

    /// A relay on 127.0.0.1 with a certificate this CA issued.
    fn relay(&self, dir: &TempDir, mechanisms: Vec<AuthMechanism>) -> Relay {
        let params = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
        let key = KeyPair::generate().unwrap();
        let certificate = params.signed_by(&key, &self.issuer).unwrap();
        Relay {
            cert_path: write(dir, "relay.pem", &certificate.pem()),
            key_path: write(dir, "relay.key", &key.serialize_pem()),
            mechanisms,
            username: USER.into(),
            password: PASSWORD.into(),
        }
    }
}

fn write(dir: &TempDir, name: &str, content: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    path.display().to_string()
}

/// Settings for sending through `port` with STARTTLS, trusting `ca_file`, as `USER`.
fn through_relay(port: u16, ca_file: &str, password: &str) -> impl FnOnce(&mut Settings) {
    let (ca_file, password) = (ca_file.to_owned(), password.to_owned());
    move |settings| {
        settings.mail.transport = MailTransportKind::Smtp;
        settings.mail.smtp_host = "127.0.0.1".into();
        settings.mail.smtp_port = port;
        settings.mail.smtp_tls = SmtpTls::Starttls;
        settings.mail.smtp_ca_file = Some(ca_file);
        // In real use NYTTOPULS__MAIL__SMTP_USERNAME / …_PASSWORD.
        settings.mail.smtp_username = Some(Secret::new(USER));
        settings.mail.smtp_password = Some(Secret::new(password));
    }
}

/// Three users of one service, invited: three emails wait in the outbox.
/// Returns the programme's id.
pub(crate) async fn three_invitations(app: &TestApp) -> i64 {
    let service = app.create_service("e-tjanst", None).await;
    for email in ["a@x.se", "b@x.se", "c@x.se"] {
        app.create(
            "/api/v1/respondents",
            json!({"email": email, "name": "Person", "services": ["e-tjanst"]}),
        )
        .await;
    }
    let programme = app
        .create(
            "/api/v1/programmes",
            json!({"name": "Uppföljning", "schedule": "0 0 8 1 */3 *", "service_ids": [service]}),
        )
        .await;
    let (status, body) = status_and_json(
        app.post_json(
            &format!("/api/v1/programmes/{}/run", programme["id"]),
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!((status, &body["invitations"]), (StatusCode::OK, &json!(3)));
    programme["id"].as_i64().unwrap()
}

async fn dispatch(app: &TestApp) -> (StatusCode, Value) {
    status_and_json(
        app.post_json("/api/v1/jobs/dispatch_outbox/run", &json!({}))
            .await,
    )
    .await
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let backend = app.db.get_database_backend();
    let row = app
        .db
        .query_one_raw(Statement::from_string(backend, sql.to_owned()))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

/// The value of one line of `/metrics`.
async fn metric(app: &TestApp, series: &str) -> String {
    let text = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(crate::common::METRICS_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {series} in\n{text}"))
        .to_owned()
}

/// Everything still queued as before the run: nothing sent, bounced, or counted as tried.
async fn assert_untouched(app: &TestApp) {
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending' AND attempts = 0 \
             AND lease_until IS NULL"
        )
        .await,
        3,
        "every message stays queued, its attempt not counted"
    );
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) AS n FROM invitations WHERE status = 'queued'"
        )
        .await,
        3,
        "no invitation is marked (bounced or otherwise)"
    );
}

async fn sends_over_starttls_with(mechanism: AuthMechanism) {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new(&dir, "kommun-ca");
    let sink = MailSink::start_relay(ca.relay(&dir, vec![mechanism]));
    let app = spawn_app_with(through_relay(sink.port, &ca.pem_path, PASSWORD)).await;
    three_invitations(&app).await;

    let (status, report) = dispatch(&app).await;
    assert_eq!(
        (status, &report["counts"]),
        (StatusCode::OK, &json!({"sent": 3}))
    );
    let received = sink.received();
    assert_eq!(received.len(), 3);
    // The relay offers AUTH only after STARTTLS, so this also proves the session was encrypted.
    assert!(
        received
            .iter()
            .all(|mail| mail.authenticated_as.as_deref() == Some(USER)),
        "every message arrived over an authenticated session"
    );
}

#[tokio::test]
async fn invitations_arrive_over_starttls_and_auth_plain_at_a_relay_with_an_internal_ca() {
    sends_over_starttls_with(AuthMechanism::Plain).await;
}

#[tokio::test]
async fn invitations_arrive_over_starttls_and_auth_login_at_a_relay_with_an_internal_ca() {
    sends_over_starttls_with(AuthMechanism::Login).await;
}

#[tokio::test]
async fn refused_credentials_fail_the_run_keep_everything_queued_and_bounce_nobody() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new(&dir, "kommun-ca");
    let sink = MailSink::start_relay(ca.relay(&dir, vec![AuthMechanism::Plain]));
    let app = spawn_app_with(through_relay(sink.port, &ca.pem_path, "fel lösenord")).await;
    three_invitations(&app).await;

    for run in 1..=2 {
        let (status, body) = dispatch(&app).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "run {run}: {body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("mail relay refused us (auth)") && message.contains("535"),
            "an admin is told what the relay said: {body}"
        );
        assert_untouched(&app).await;
        assert_eq!(
            metric(&app, "nyttopuls_mail_failures_total{kind=\"auth\"}").await,
            run.to_string(),
            "counted once per run"
        );
    }
    assert_eq!(
        metric(&app, "nyttopuls_mail_failures_total{kind=\"connection\"}").await,
        "0"
    );
    assert_eq!(sink.count(), 0);
}

#[tokio::test]
async fn a_relay_certificate_not_issued_by_the_configured_ca_fails_the_run_as_a_connection_failure()
{
    let dir = tempfile::tempdir().unwrap();
    let trusted = TestCa::new(&dir, "kommun-ca");
    let other = TestCa::new(&dir, "annan-ca");
    let sink = MailSink::start_relay(other.relay(&dir, vec![AuthMechanism::Plain]));
    let app = spawn_app_with(through_relay(sink.port, &trusted.pem_path, PASSWORD)).await;
    three_invitations(&app).await;

    let (status, body) = dispatch(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_untouched(&app).await;
    assert_eq!(
        metric(&app, "nyttopuls_mail_failures_total{kind=\"connection\"}").await,
        "1"
    );
    assert_eq!(sink.count(), 0);
}

#[tokio::test]
async fn a_relay_refusing_the_sender_fails_the_run_instead_of_bouncing_everyone() {
    let sink = MailSink::start();
    let port = sink.port;
    let app = spawn_app_with(move |settings| {
        settings.mail.transport = MailTransportKind::Smtp;
        settings.mail.smtp_host = "127.0.0.1".into();
        settings.mail.smtp_port = port;
        settings.mail.from = "Nyttopuls <refused@kommun.example>".into();
    })
    .await;
    three_invitations(&app).await;

    let (status, body) = dispatch(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_untouched(&app).await;
    assert_eq!(
        metric(&app, "nyttopuls_mail_failures_total{kind=\"sender\"}").await,
        "1"
    );
}

#[tokio::test]
async fn a_relay_failing_mid_run_keeps_what_was_sent_and_queues_the_rest_untried() {
    let sink = MailSink::start_refusing_senders_after(1);
    let port = sink.port;
    let app = spawn_app_with(move |settings| {
        settings.mail.transport = MailTransportKind::Smtp;
        settings.mail.smtp_host = "127.0.0.1".into();
        settings.mail.smtp_port = port;
        settings.mail.concurrent_sends = 1;
    })
    .await;
    three_invitations(&app).await;

    let (status, body) = dispatch(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(sink.count(), 1);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM invitations WHERE status = 'sent'"
        )
        .await,
        1,
        "the delivered one is recorded, so it is never sent twice"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending' AND attempts = 0 \
             AND lease_until IS NULL"
        )
        .await,
        2
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM invitations WHERE status = 'bounced'"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn a_missing_or_empty_ca_file_stops_start_up_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write(&dir, "empty.pem", "no certificate here\n");
    let broken = write(
        &dir,
        "broken.pem",
        "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n",
    );
    let missing = dir.path().join("missing.pem").display().to_string();
    for ca_file in [missing, empty, broken] {
        let mut settings = Settings::load(None).unwrap();
        settings.server.bind = "127.0.0.1:0".into();
        settings.database.url = Secret::new(format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("start.db").display()
        ));
        through_relay(25, &ca_file, PASSWORD)(&mut settings);
        let error = match Application::build(settings).await {
            Ok(_) => panic!("started with mail.smtp_ca_file = {ca_file}"),
            Err(error) => error.to_string(),
        };
        assert!(
            error.contains("mail.smtp_ca_file") && error.contains(&ca_file),
            "{error}"
        );
    }
}

/// `nyttopuls run-job dispatch_outbox` with these settings in the environment, as an
/// operator sets them.
fn run_dispatch_with_env(dir: &TempDir, env: &[(&str, &str)]) -> (bool, String) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_nyttopuls"));
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("NYTTOPULS")) {
        command.env_remove(name);
    }
    let database = format!("sqlite://{}?mode=rwc", dir.path().join("cli.db").display());
    let output = command
        .current_dir(dir.path())
        .args(["run-job", "dispatch_outbox"])
        .env("NYTTOPULS__DATABASE__URL", database)
        .env("NYTTOPULS__SCHEDULER__ENABLED", "false")
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .output()
        .expect("the nyttopuls binary runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_ca_file_is_read_from_the_environment_and_a_bad_one_is_named_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("kommun-ca.pem").display().to_string();
    let (ok, stderr) = run_dispatch_with_env(
        &dir,
        &[
            ("NYTTOPULS__MAIL__TRANSPORT", "smtp"),
            ("NYTTOPULS__MAIL__SMTP_TLS", "starttls"),
            ("NYTTOPULS__MAIL__SMTP_CA_FILE", &missing),
        ],
    );
    assert!(!ok, "{stderr}");
    assert!(
        stderr.contains("mail.smtp_ca_file") && stderr.contains(&missing),
        "{stderr}"
    );
    assert!(
        !stderr.contains("matches no setting"),
        "a known key: {stderr}"
    );

    let (ok, stderr) = run_dispatch_with_env(
        &dir,
        &[
            ("NYTTOPULS__MAIL__TRANSPORT", "smtp"),
            ("NYTTOPULS__MAIL__SMTP_TLS", "none"),
            ("NYTTOPULS__MAIL__SMTP_CA_FILE", &missing),
        ],
    );
    assert!(!ok, "{stderr}");
    assert!(
        stderr.contains("mail.smtp_ca_file") && stderr.contains("smtp_tls"),
        "a CA file without TLS is a mistake worth naming: {stderr}"
    );
}

#[tokio::test]
async fn emailed_links_appear_verbatim_in_both_parts() {
    let sink = MailSink::start();
    let port = sink.port;
    let app = spawn_app_with(move |settings| {
        settings.mail.transport = MailTransportKind::Smtp;
        settings.mail.smtp_host = "127.0.0.1".into();
        settings.mail.smtp_port = port;
        settings.server.public_url = "https://enkat.kommun.example/nyttopuls".into();
    })
    .await;
    three_invitations(&app).await;
    assert_eq!(dispatch(&app).await.0, StatusCode::OK);

    let received = sink.received();
    let message = MessageParser::default()
        .parse(&received[0].data)
        .expect("a parsable message");
    let text = message.body_text(0).unwrap();
    let html = message.body_html(0).unwrap();
    let link_start = text
        .find("https://enkat.kommun.example/nyttopuls/s/")
        .expect("an answer link in the text part");
    let link: String = text[link_start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    assert!(
        html.contains(&format!("href=\"{link}\"")),
        "the button links to {link}:\n{html}"
    );
    assert!(
        html.contains(&format!(">{link}</span></p>")),
        "the copyable address is {link}:\n{html}"
    );
    assert!(!html.contains("&#x2f;"), "{html}");
    let opt_out = format!("{link}/opt-out");
    assert!(text.contains(&opt_out) && html.contains(&format!("href=\"{opt_out}\"")));

    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("Nyttopuls"), "{text}");
    assert_eq!(
        lines.next(),
        Some(""),
        "a blank line after the heading:\n{text}"
    );
}
