//! `nyttopuls demo --small`, as a new user runs it: it makes its municipality through
//! the real code paths, prints where to look, and its server answers there: the
//! dashboard sign-in link, the open survey, the report files. A second run serves the
//! same demo; a database the demo did not make is refused.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

fn demo_command(dir: &std::path::Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_nyttopuls"));
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("NYTTOPULS")) {
        command.env_remove(name);
    }
    command
        .arg("demo")
        .args(args)
        .env("NYTTOPULS__SERVER__BIND", "127.0.0.1:0")
        .current_dir(dir);
    command
}

/// Runs the demo until it has printed its welcome; the lines printed and the server.
fn start(dir: &std::path::Path, args: &[&str]) -> (Vec<String>, std::process::Child) {
    let mut child = demo_command(dir, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = Vec::new();
    let started = Instant::now();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        let done = line.starts_with("API docs:");
        lines.push(line);
        if done || started.elapsed() > Duration::from_secs(300) {
            break;
        }
    }
    (lines, child)
}

fn after<'a>(lines: &'a [String], prefix: &str) -> &'a str {
    lines
        .iter()
        .find_map(|l| l.trim_start().strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line `{prefix}` in {lines:#?}"))
        .split_whitespace()
        .next()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_small_demo_makes_its_municipality_and_serves_it() {
    let dir = tempfile::tempdir().unwrap();
    let (lines, mut server) = start(dir.path(), &["--small"]);
    let text = lines.join("\n");
    assert!(text.contains("3 quarterly rounds of history"), "{text}");
    let sign_in = after(&lines, "Åsa Lindqvist (objektägare):").to_owned();
    let survey = after(&lines, "An open survey:").to_owned();
    let client = reqwest::Client::new();
    let page = client.get(&sign_in).send().await.unwrap();
    assert_eq!(page.status(), 200, "{sign_in}");
    let form = client.get(&survey).send().await.unwrap();
    assert_eq!(form.status(), 200, "{survey}");
    assert!(form.text().await.unwrap().contains("<form"));
    for extension in ["html", "csv", "xlsx"] {
        let found = std::fs::read_dir(dir.path().join("reports"))
            .unwrap()
            .any(|f| {
                f.unwrap()
                    .path()
                    .extension()
                    .is_some_and(|e| e == extension)
            });
        assert!(found, "a .{extension} report file");
    }
    let emails = std::fs::read_dir(dir.path().join("data/outbox"))
        .unwrap()
        .count();
    assert!(
        emails > 500,
        "invitations, reminders, digests and reports: {emails}"
    );
    assert!(dir.path().join("charts/overview.svg").exists());
    server.kill().unwrap();
    server.wait().unwrap();

    // Again: the same demo, a fresh token and link.
    let (again, mut server) = start(dir.path(), &["--small"]);
    assert!(again[0].contains("served again"), "{again:#?}");
    assert_ne!(after(&again, "Åsa Lindqvist (objektägare):"), sign_in);
    server.kill().unwrap();
    server.wait().unwrap();
}

#[test]
fn the_demo_never_touches_a_database_it_did_not_make() {
    let dir = tempfile::tempdir().unwrap();
    let mut token = Command::new(env!("CARGO_BIN_EXE_nyttopuls"));
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("NYTTOPULS")) {
        token.env_remove(name);
    }
    let made = token
        .args(["token", "create", "--role", "admin"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    for args in [&["--small"][..], &["--small", "--fresh"][..]] {
        let refused = demo_command(dir.path(), args).output().unwrap();
        assert_eq!(refused.status.code(), Some(2), "{refused:?}");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(stderr.contains("did not make"), "{stderr}");
    }
    assert!(
        dir.path().join("data/nyttopuls.db").exists(),
        "left as it was"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_sends_nothing_through_a_configured_relay() {
    let sink = crate::mail_sink::MailSink::start();
    let dir = tempfile::tempdir().unwrap();
    let port = sink.port.to_string();
    let mut child = demo_command(dir.path(), &["--small"])
        .env("NYTTOPULS__MAIL__TRANSPORT", "smtp")
        .env("NYTTOPULS__MAIL__SMTP_HOST", "127.0.0.1")
        .env("NYTTOPULS__MAIL__SMTP_PORT", &port)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        let done = line.starts_with("API docs:");
        lines.push(line);
        if done {
            break;
        }
    }
    let base = after(&lines, "API docs:")
        .trim_end_matches("/api/docs")
        .to_owned();
    let token = after(&lines, "Admin API token (30 days):").to_owned();
    // The server the demo leaves running dispatches its open round's invitations too.
    let run = reqwest::Client::new()
        .post(format!("{base}/api/v1/jobs/dispatch_outbox/run"))
        .bearer_auth(&token)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    let status = run.status();
    let body = run.text().await.unwrap();
    // Either this run sent the open round's invitations or the demo's own scheduler held
    // the dispatch lease and sends them: both go to the file outbox, never the relay.
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("\"sent\"") || body.contains("\"ran\":false"),
        "{body}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(sink.count(), 0, "nothing reached the relay");
    let files = std::fs::read_dir(dir.path().join("data/outbox"))
        .unwrap()
        .count();
    assert!(files > 500, "history written as files instead: {files}");
}
