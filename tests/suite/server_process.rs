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

use crate::common::{TestApp, spawn_app_with};
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

/// Starts `nyttopuls serve` on `database`, configured only through the environment, with
/// its log written to `log`.
fn serve(database: &str, log: &Path, env: &[(&str, String)]) -> Serving {
    let mut command = Command::new(env!("CARGO_BIN_EXE_nyttopuls"));
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("NYTTOPULS")) {
        command.env_remove(name);
    }
    command
        .arg("serve")
        .env_remove("RUST_LOG")
        .env("NYTTOPULS__DATABASE__URL", database)
        .env("NYTTOPULS__SERVER__BIND", "127.0.0.1:0")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::null())
        .stderr(File::create(log).unwrap());
    Serving(command.spawn().expect("the nyttopuls binary starts"))
}

/// A fresh, migrated database (SQLite file, or PostgreSQL under
/// `NYTTOPULS_TEST_DATABASE_URL`) and an app on it that runs no jobs.
async fn fresh_database() -> (TestApp, String) {
    let url = Arc::<Mutex<Option<String>>>::default();
    let remember = url.clone();
    let app = spawn_app_with(move |settings| {
        *remember.lock().unwrap() = Some(settings.database.url.expose().to_owned());
    })
    .await;
    let url = url.lock().unwrap().clone().unwrap();
    (app, url)
}

/// A fresh database with `people` users of one service and their invitations queued.
async fn database_with_queued_invitations(people: usize) -> (TestApp, String) {
    let (app, url) = fresh_database().await;
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
    (app, url)
}

fn log_of(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[tokio::test]
async fn a_dispatch_killed_midway_is_resumed_within_a_minute_of_restarting() {
    let people = 400;
    let batch_size = 20;
    let (app, database) = database_with_queued_invitations(people).await;
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
    let mut first = serve(&database, &first_log, &env);

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
    let _second = serve(&database, &second_log, &env);
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
    let (app, database) = fresh_database().await;
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
    let server = serve(&database, &log, &env);
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
