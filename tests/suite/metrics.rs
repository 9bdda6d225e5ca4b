//! What an IT office watches: the figures of `/metrics` move as people are invited,
//! emails go out through a real SMTP server, jobs fail and succeed and answers come in,
//! read by scraping the real server and parsing its Prometheus text; `/readyz` names the
//! dependency that is missing.

use std::collections::BTreeMap;

use crate::common::{METRICS_TOKEN, TestApp, spawn_app, spawn_app_with, status_and_json};
use crate::mail_relay::three_invitations;
use crate::mail_sink::MailSink;
use crate::survey_loop::{
    COMPLETE_ANSWER, answer, email_to, emails, run_job, send_through, spawn_with_sink,
};
use reqwest::StatusCode;
use serde_json::json;

/// A metric name and its labels (sorted).
type Series = (String, BTreeMap<String, String>);

/// One scrape: every sample, keyed by its series.
struct Scrape {
    samples: BTreeMap<Series, f64>,
    text: String,
}

impl Scrape {
    async fn of(app: &TestApp) -> Self {
        let response = app
            .client
            .get(app.url("/metrics"))
            .bearer_auth(METRICS_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let text = response.text().await.unwrap();
        let samples = text
            .lines()
            .filter(|line| !line.starts_with('#') && !line.is_empty())
            .map(|line| parse_sample(line).unwrap_or_else(|| panic!("not a sample: {line}")))
            .collect();
        Self { samples, text }
    }

    /// The value of `name` with exactly these labels, if the scrape has it.
    fn get(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let labels = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.samples.get(&(name.to_owned(), labels)).copied()
    }

    /// Like [`Scrape::get`], for a series that must be there.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.get(name, labels)
            .unwrap_or_else(|| panic!("no {name}{labels:?} in\n{}", self.text))
    }
}

/// `name{a="x",b="y"} 1.5` (label values here never hold a quote or a comma).
fn parse_sample(line: &str) -> Option<(Series, f64)> {
    let (series, value) = line.rsplit_once(' ')?;
    let value: f64 = value.parse().ok()?;
    let (name, labels) = match series.split_once('{') {
        Some((name, rest)) => {
            let inner = rest.strip_suffix('}')?;
            let labels = inner
                .split(',')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (key, quoted) = pair.split_once('=')?;
                    Some((key.to_owned(), quoted.trim_matches('"').to_owned()))
                })
                .collect::<Option<BTreeMap<_, _>>>()?;
            (name, labels)
        }
        None => (series, BTreeMap::new()),
    };
    Some(((name.to_owned(), labels), value))
}

const OUTBOX: &str = "nyttopuls_outbox_messages";
const PENDING_INVITATIONS: [(&str, &str); 2] = [("status", "pending"), ("kind", "invitation")];
const SENT_INVITATIONS: [(&str, &str); 2] = [("status", "sent"), ("kind", "invitation")];
const DISPATCH: [(&str, &str); 1] = [("job_name", "dispatch_outbox")];

#[tokio::test]
async fn outbox_depth_rises_when_people_are_invited_and_falls_when_the_emails_are_sent() {
    let (app, sink) = spawn_with_sink(|_| {}).await;
    let before = Scrape::of(&app).await;
    assert_eq!(before.value(OUTBOX, &PENDING_INVITATIONS), 0.0);
    assert_eq!(before.value("nyttopuls_rounds_open", &[]), 0.0);
    assert_eq!(before.value("nyttopuls_database_up", &[]), 1.0);

    let programme = three_invitations(&app).await;
    let queued = Scrape::of(&app).await;
    // Three users of the service, one invitation each.
    assert_eq!(queued.value(OUTBOX, &PENDING_INVITATIONS), 3.0);
    // The programme's run (its "run now", as its timer would) is a job run of its own.
    let programme_job = format!("programme_{programme}");
    let programme_job = [("job_name", programme_job.as_str())];
    assert_eq!(
        queued.value("nyttopuls_job_runs_total", &programme_job),
        1.0
    );
    assert_eq!(
        queued.get("nyttopuls_job_failures_total", &programme_job),
        None
    );
    assert!(
        queued
            .get(
                "nyttopuls_job_last_success_timestamp_seconds",
                &programme_job
            )
            .is_some()
    );
    assert_eq!(queued.value(OUTBOX, &SENT_INVITATIONS), 0.0);
    assert_eq!(queued.value("nyttopuls_rounds_open", &[]), 1.0);

    run_job(&app, "dispatch_outbox").await;
    assert_eq!(sink.count(), 3, "the relay took all three");
    let sent = Scrape::of(&app).await;
    assert_eq!(sent.value(OUTBOX, &PENDING_INVITATIONS), 0.0);
    assert_eq!(sent.value(OUTBOX, &SENT_INVITATIONS), 3.0);
    assert_eq!(
        sent.value("nyttopuls_mail_sent_total", &[("kind", "invitation")]),
        3.0
    );
    assert_eq!(sent.value("nyttopuls_job_runs_total", &DISPATCH), 1.0);
    assert_eq!(sent.get("nyttopuls_job_failures_total", &DISPATCH), None);
    let succeeded = sent.value("nyttopuls_job_last_success_timestamp_seconds", &DISPATCH);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!(
        succeeded > now - 600.0 && succeeded <= now,
        "the last success is the run just made: {succeeded} (now {now})"
    );
    assert_eq!(
        sent.value("nyttopuls_job_duration_seconds_count", &DISPATCH),
        1.0
    );
}

#[tokio::test]
async fn a_failed_job_counts_as_a_failure_and_not_as_a_success() {
    // A relay that is down: nothing listens on the port until the sink starts on it.
    let port = MailSink::reserve_port();
    let app = spawn_app_with(send_through(port)).await;
    three_invitations(&app).await;

    let (status, body) = status_and_json(
        app.post_json("/api/v1/jobs/dispatch_outbox/run", &json!({}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let failed = Scrape::of(&app).await;
    assert_eq!(failed.value("nyttopuls_job_runs_total", &DISPATCH), 1.0);
    assert_eq!(failed.value("nyttopuls_job_failures_total", &DISPATCH), 1.0);
    assert_eq!(
        failed.get("nyttopuls_job_last_success_timestamp_seconds", &DISPATCH),
        None,
        "a job that never succeeded has no last success"
    );
    assert_eq!(
        failed.value(
            "nyttopuls_mail_send_failures_total",
            &[("kind", "invitation"), ("class", "relay_refused")]
        ),
        3.0,
        "each of the three sends found no relay"
    );
    assert_eq!(
        failed.value("nyttopuls_mail_failures_total", &[("kind", "connection")]),
        1.0
    );
    assert_eq!(
        failed.value(OUTBOX, &PENDING_INVITATIONS),
        3.0,
        "all three still queued"
    );

    // The relay is back: the next run succeeds, and the failure stays counted.
    let sink = MailSink::start_on(port);
    run_job(&app, "dispatch_outbox").await;
    assert_eq!(sink.count(), 3);
    let recovered = Scrape::of(&app).await;
    assert_eq!(recovered.value("nyttopuls_job_runs_total", &DISPATCH), 2.0);
    assert_eq!(
        recovered.value("nyttopuls_job_failures_total", &DISPATCH),
        1.0
    );
    assert!(
        recovered
            .get("nyttopuls_job_last_success_timestamp_seconds", &DISPATCH)
            .is_some()
    );
    assert_eq!(recovered.value(OUTBOX, &PENDING_INVITATIONS), 0.0);
}

#[tokio::test]
async fn answers_stored_and_sealed_answers_move_with_answers_and_the_close() {
    let (app, sink) = spawn_with_sink(|_| {}).await;
    three_invitations(&app).await;
    run_job(&app, "dispatch_outbox").await;
    let mails = emails(&sink);
    let before = Scrape::of(&app).await;
    assert_eq!(before.value("nyttopuls_answers_stored_total", &[]), 0.0);
    assert_eq!(before.value("nyttopuls_sealed_answers", &[]), 0.0);

    for person in ["a@x.se", "b@x.se"] {
        let (status, html) = answer(&app, &email_to(&mails, person).token(), COMPLETE_ANSWER).await;
        assert_eq!(status, StatusCode::OK, "{html}");
    }
    // A second answer on the first link stores nothing.
    answer(&app, &email_to(&mails, "a@x.se").token(), COMPLETE_ANSWER).await;
    let answered = Scrape::of(&app).await;
    // Two of the three answered once each: 2 stored, 2 sealed until the round closes.
    assert_eq!(answered.value("nyttopuls_answers_stored_total", &[]), 2.0);
    assert_eq!(answered.value("nyttopuls_sealed_answers", &[]), 2.0);

    let (status, rounds) = status_and_json(app.get("/api/v1/rounds").await).await;
    assert_eq!(status, StatusCode::OK, "{rounds}");
    let round = rounds["items"][0]["id"].as_i64().unwrap();
    let (status, body) = status_and_json(
        app.post_json(&format!("/api/v1/rounds/{round}/close"), &json!({}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let closed = Scrape::of(&app).await;
    assert_eq!(closed.value("nyttopuls_sealed_answers", &[]), 0.0);
    assert_eq!(closed.value("nyttopuls_rounds_open", &[]), 0.0);
    assert_eq!(
        closed.value("nyttopuls_answers_stored_total", &[]),
        2.0,
        "a counter, not a gauge"
    );
}

#[tokio::test]
async fn readyz_names_the_answer_key_file_when_it_is_gone() {
    let app = spawn_app().await;
    let (status, body) =
        status_and_json(app.client.get(app.url("/readyz")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "ready");
    assert_eq!(body["failing"], json!([]));

    std::fs::remove_file(&app.answer_key_file).unwrap();
    let (status, body) =
        status_and_json(app.client.get(app.url("/readyz")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["failing"], json!(["answer_key"]));
    let problem = body["checks"]["answer_key"].as_str().unwrap();
    assert!(problem.contains("survey.answer_key_file"), "{problem}");
    assert_eq!(body["checks"]["database"], "ok");
}

#[tokio::test]
async fn readyz_names_an_unreachable_relay_without_taking_the_instance_out() {
    let port = MailSink::reserve_port();
    let app = spawn_app_with(send_through(port)).await;
    let (status, body) =
        status_and_json(app.client.get(app.url("/readyz")).send().await.unwrap()).await;
    // Emails wait in the outbox, so answering goes on: still ready, with mail named.
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["failing"], json!(["mail"]));
    let problem = body["checks"]["mail"].as_str().unwrap();
    assert!(problem.contains(&format!("127.0.0.1:{port}")), "{problem}");

    let _sink = MailSink::start_on(port);
    let (status, body) =
        status_and_json(app.client.get(app.url("/readyz")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["failing"], json!([]));
}

#[tokio::test]
async fn readyz_names_the_database_when_it_is_gone() {
    let app = spawn_app().await;
    app.db.clone().close().await.expect("the pool closes");
    let (status, body) =
        status_and_json(app.client.get(app.url("/readyz")).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["failing"], json!(["database"]));
    // The scrape still answers, with the figures read from the database left out.
    let scrape = Scrape::of(&app).await;
    assert_eq!(scrape.value("nyttopuls_database_up", &[]), 0.0);
    assert_eq!(scrape.get(OUTBOX, &PENDING_INVITATIONS), None);
}
