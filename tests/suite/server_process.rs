//! The `nyttopuls serve` binary as an operator runs it: killed with `kill -9` in the
//! middle of a dispatch and restarted, it delivers the rest within a minute; idle, its
//! log stays quiet and free of colour codes when written to a file.

use std::{
    fs::File,
    net::{IpAddr, TcpListener},
    path::Path,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use crate::common::{TestApp, spawn_app};
use mailin_embedded::{Handler, Server, SslConfig, response};
use reqwest::StatusCode;
use serde_json::json;

/// An SMTP server that takes `delay` to accept each message, like a busy relay, and
/// records the recipient of each.
#[derive(Clone)]
struct SlowRelay {
    delay: Duration,
    recipients: Arc<Mutex<Vec<String>>>,
    to: Vec<String>,
}

impl Handler for SlowRelay {
    fn mail(&mut self, _ip: IpAddr, _domain: &str, _from: &str) -> mailin_embedded::Response {
        self.to.clear();
        response::OK
    }

    fn rcpt(&mut self, to: &str) -> mailin_embedded::Response {
        self.to.push(to.trim_matches(['<', '>']).to_owned());
        response::OK
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        std::thread::sleep(self.delay);
        self.recipients
            .lock()
            .unwrap()
            .extend(std::mem::take(&mut self.to));
        response::OK
    }
}

impl SlowRelay {
    /// Starts the relay; returns its port and the recipients it accepted, in order.
    fn start(delay: Duration) -> (u16, Arc<Mutex<Vec<String>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let recipients = Arc::<Mutex<Vec<String>>>::default();
        let mut server = Server::new(Self {
            delay,
            recipients: recipients.clone(),
            to: Vec::new(),
        });
        server
            .with_name("relay.test")
            .with_ssl(SslConfig::None)
            .unwrap()
            .with_num_threads(16)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        (port, recipients)
    }
}

/// A `nyttopuls serve` process, killed (SIGKILL) when dropped.
struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `nyttopuls serve` on `app`'s database and answer key, configured only through
/// the environment, with its log written to `log`.
fn serve(app: &TestApp, log: &Path, env: &[(&str, String)]) -> Serving {
    let mut command = Command::new(env!("CARGO_BIN_EXE_nyttopuls"));
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("NYTTOPULS")) {
        command.env_remove(name);
    }
    command
        .arg("serve")
        .env_remove("RUST_LOG")
        .env("NYTTOPULS__DATABASE__URL", &app.database_url)
        .env("NYTTOPULS__SURVEY__ANSWER_KEY_FILE", &app.answer_key_file)
        .env("NYTTOPULS__SERVER__BIND", "127.0.0.1:0")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::null())
        .stderr(File::create(log).unwrap());
    Serving(command.spawn().expect("the nyttopuls binary starts"))
}

/// A fresh database with `people` users of one service and their invitations queued.
async fn database_with_queued_invitations(people: usize) -> TestApp {
    let app = spawn_app().await;
    let service = app.create_service("e-tjanst", None).await;
    let mut csv = String::from("email,name,services\n");
    for i in 0..people {
        csv.push_str(&format!("person{i:04}@x.se,Person {i},e-tjanst\n"));
    }
    let imported = app.post_csv("/api/v1/respondents/import", &csv).await;
    assert_eq!(imported.status(), StatusCode::OK);
    let programme = app
        .create(
            "/api/v1/programmes",
            json!({"name": "Kvartal", "schedule": "0 0 8 1 */3 *", "service_ids": [service]}),
        )
        .await;
    let run = app
        .post_json(
            &format!("/api/v1/programmes/{}/run", programme["id"]),
            &json!({}),
        )
        .await;
    assert_eq!(run.status(), StatusCode::OK);
    app
}

fn log_of(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[tokio::test]
async fn a_dispatch_killed_midway_is_resumed_within_a_minute_of_restarting() {
    let people = 400;
    let batch_size = 20;
    let app = database_with_queued_invitations(people).await;
    let (relay_port, recipients) = SlowRelay::start(Duration::from_millis(25));
    let env = [
        ("NYTTOPULS__MAIL__TRANSPORT", "smtp".to_owned()),
        ("NYTTOPULS__MAIL__SMTP_HOST", "127.0.0.1".to_owned()),
        ("NYTTOPULS__MAIL__SMTP_PORT", relay_port.to_string()),
        ("NYTTOPULS__MAIL__SMTP_TLS", "none".to_owned()),
        ("NYTTOPULS__MAIL__BATCH_SIZE", batch_size.to_string()),
        ("NYTTOPULS__MAIL__CONCURRENT_SENDS", "4".to_owned()),
    ];
    let delivered = || recipients.lock().unwrap().len();
    let first_log = app.tempdir.path().join("first.log");
    let mut first = serve(&app, &first_log, &env);

    let waiting = Instant::now();
    while delivered() < people / 4 {
        assert!(
            waiting.elapsed() < Duration::from_secs(30),
            "the dispatch did not start; log:\n{}",
            log_of(&first_log)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first.0.kill().unwrap(); // SIGKILL: no shutdown, leases and claimed rows left behind
    first.0.wait().unwrap();
    let at_kill = delivered();
    assert!(
        at_kill < people,
        "killed in the middle of the dispatch ({at_kill} of {people} delivered)"
    );

    let second_log = app.tempdir.path().join("second.log");
    let restarted = Instant::now();
    let _second = serve(&app, &second_log, &env);
    let everyone = |recipients: &[String]| {
        let mut unique = recipients.to_vec();
        unique.sort();
        unique.dedup();
        unique.len()
    };
    while everyone(&recipients.lock().unwrap()) < people {
        assert!(
            restarted.elapsed() < Duration::from_secs(60),
            "{} of {people} delivered a minute after the restart; log:\n{}",
            everyone(&recipients.lock().unwrap()),
            log_of(&second_log)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let total = delivered();
    assert!(
        total - people <= batch_size,
        "{} sent twice; at most the batch in flight ({batch_size}) may be",
        total - people
    );
}

#[tokio::test]
async fn an_idle_server_logs_one_line_at_start_and_no_colour_into_a_file() {
    let app = spawn_app().await;
    let log = app.tempdir.path().join("serve.log");
    // Every job every second, so an idle run would show if it were logged.
    let every_second = "* * * * * *".to_owned();
    let env = [
        (
            "NYTTOPULS__MAIL__OUTBOX_DIR",
            app.tempdir.path().join("outbox").display().to_string(),
        ),
        (
            "NYTTOPULS__SCHEDULER__DISPATCH_OUTBOX",
            every_second.clone(),
        ),
        ("NYTTOPULS__SCHEDULER__CLOSE_ROUNDS", every_second.clone()),
        ("NYTTOPULS__SCHEDULER__SEND_REMINDERS", every_second),
    ];
    let server = serve(&app, &log, &env);
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let at_start = log_of(&log);
    tokio::time::sleep(Duration::from_secs(3)).await;
    drop(server);
    let written = log_of(&log);
    assert_eq!(
        written, at_start,
        "jobs that found nothing to do write nothing"
    );
    assert!(
        !written.contains('\u{1b}'),
        "colour codes in a file:\n{written}"
    );
    assert!(written.contains("serving"), "{written}");
    let scheduler_lines = written
        .lines()
        .filter(|line| line.to_lowercase().contains("schedul"))
        .count();
    assert_eq!(scheduler_lines, 1, "{written}");
}

/// The personal answer links in the emails written to the app's outbox folder.
fn links_in_outbox(app: &TestApp) -> Vec<String> {
    let mut tokens = Vec::new();
    for entry in std::fs::read_dir(app.tempdir.path().join("outbox")).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let message = mail_parser::MessageParser::default().parse(&bytes).unwrap();
        let text = message.body_text(0).unwrap().into_owned();
        let start = text.find("/s/").expect("a survey link") + 3;
        tokens.push(
            text[start..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect(),
        );
    }
    tokens
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_until_serving(client: &reqwest::Client, base: &str, log: &Path) {
    let started = Instant::now();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server did not start; log:\n{}",
            log_of(log)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn answers_given_before_a_kill_are_each_released_once_when_the_round_closes() {
    let people = 7;
    let app = database_with_queued_invitations(people).await;
    let dispatched = app
        .post_json("/api/v1/jobs/dispatch_outbox/run", &json!({}))
        .await;
    assert_eq!(dispatched.status(), StatusCode::OK);
    let links = links_in_outbox(&app);
    assert_eq!(links.len(), people);

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let env = [
        ("NYTTOPULS__SERVER__BIND", format!("127.0.0.1:{port}")),
        ("NYTTOPULS__SCHEDULER__ENABLED", "false".to_owned()),
    ];
    let first_log = app.tempdir.path().join("first.log");
    let mut first = serve(&app, &first_log, &env);
    wait_until_serving(&app.client, &base, &first_log).await;
    let form = "sus1=4&sus2=2&sus3=4&sus4=1&sus5=4&sus6=2&sus7=5&sus8=1&sus9=4&sus10=2\
                &nytta1=6&nytta2=5&nytta3=6&tid=30&kommentar=F%C3%B6re+kraschen";
    for token in &links[..6] {
        let answered = app
            .client
            .post(format!("{base}/s/{token}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .unwrap();
        assert_eq!(answered.status(), StatusCode::OK);
    }
    first.0.kill().unwrap(); // SIGKILL: answers acknowledged, round still open
    first.0.wait().unwrap();

    let second_log = app.tempdir.path().join("second.log");
    let _second = serve(&app, &second_log, &env);
    wait_until_serving(&app.client, &base, &second_log).await;
    let round = app
        .get("/api/v1/rounds")
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap()["items"][0]["id"]
        .as_i64()
        .unwrap();
    for _ in 0..2 {
        let closed = app
            .client
            .post(format!("{base}/api/v1/rounds/{round}/close"))
            .bearer_auth(&app.admin_token)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(closed.status(), StatusCode::OK);
        let closed: serde_json::Value = closed.json().await.unwrap();
        assert_eq!(
            (closed["answered"].as_i64(), closed["results"].as_str()),
            (Some(6), Some("released"))
        );
    }
    let count = |sql: &'static str| {
        let db = app.db.clone();
        async move {
            use sea_orm::ConnectionTrait;
            db.query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                sql,
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index::<i64>(0)
            .unwrap()
        }
    };
    assert_eq!(
        count("SELECT COUNT(*) FROM responses WHERE answers LIKE '%kraschen%'").await,
        6,
        "every answer released, none twice"
    );
    assert_eq!(count("SELECT COUNT(*) FROM sealed_answers").await, 0);
}
