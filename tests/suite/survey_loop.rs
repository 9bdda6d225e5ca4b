//! The emailed survey loop against a real SMTP server in the process: programmes open
//! rounds, invitations arrive by email, people answer through the form as a browser
//! would, reminders reach exactly those who have not answered, and nothing is lost or
//! sent twice.

use std::sync::{Arc, Mutex};

use crate::common::{TestApp, assert_error, id_of, spawn_app_with, status_and_json};
use crate::mail_sink::{MailSink, ReceivedMail};
use mail_parser::MessageParser;
use nyttopuls::config::{MailTransportKind, Secret, Settings, SmtpTls};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

pub(crate) const COMPLETE_ANSWER: &str = "sus1=4&sus2=2&sus3=4&sus4=1&sus5=4&sus6=2&sus7=5&sus8=1&sus9=4&sus10=2\
&nytta1=6&nytta2=5&nytta3=6&tid=30&kommentar=Bra+tj%C3%A4nst";

pub(crate) fn send_through(sink_port: u16) -> impl FnOnce(&mut Settings) {
    move |settings: &mut Settings| {
        settings.mail.transport = MailTransportKind::Smtp;
        settings.mail.smtp_host = "127.0.0.1".into();
        settings.mail.smtp_port = sink_port;
        settings.mail.smtp_tls = SmtpTls::None;
        settings.mail.retry_base_secs = 0;
    }
}

pub(crate) async fn spawn_with_sink(extra: impl FnOnce(&mut Settings)) -> (TestApp, MailSink) {
    let sink = MailSink::start();
    let port = sink.port;
    let app = spawn_app_with(move |settings| {
        send_through(port)(settings);
        extra(settings);
    })
    .await;
    (app, sink)
}

/// A service used by the given people (emails), and a programme over just that service.
async fn service_with_users(app: &TestApp, slug: &str, people: &[(&str, &str)]) -> (i64, i64) {
    let service = app.create_service(slug, None).await;
    for (email, language) in people {
        app.create(
            "/api/v1/respondents",
            json!({"email": email, "name": format!("Person {email}"), "department": "Barn- och ungdomsförvaltningen",
                   "language": language, "services": [slug]}),
        )
        .await;
    }
    let programme = create_programme(
        app,
        json!({"name": format!("Uppföljning {slug}"), "schedule": "0 0 8 1 */3 *",
        "service_ids": [service], "reminder_days": [0]}),
    )
    .await;
    (service, programme)
}

pub(crate) async fn create_programme(app: &TestApp, body: Value) -> i64 {
    id_of(&app.create("/api/v1/programmes", body).await)
}

pub(crate) async fn run_programme(app: &TestApp, programme: i64) -> Value {
    let (status, body) = status_and_json(
        app.post_json(&format!("/api/v1/programmes/{programme}/run"), &json!({}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

pub(crate) async fn run_job(app: &TestApp, job: &str) -> Value {
    let (status, body) = status_and_json(
        app.post_json(&format!("/api/v1/jobs/{job}/run"), &json!({}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

pub(crate) async fn rounds(app: &TestApp, query: &str) -> Vec<Value> {
    let (status, body) = status_and_json(app.get(&format!("/api/v1/rounds?{query}")).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["items"].as_array().unwrap().clone()
}

pub(crate) struct Email {
    pub(crate) to: String,
    pub(crate) subject: String,
    pub(crate) text: String,
    pub(crate) html: String,
    headers: String,
}

impl Email {
    fn parse(mail: &ReceivedMail) -> Self {
        let message = MessageParser::default()
            .parse(&mail.data)
            .expect("a parsable message");
        let raw = String::from_utf8_lossy(&mail.data);
        let headers = raw.split("\r\n\r\n").next().unwrap_or_default().to_owned();
        Self {
            to: mail.to.join(","),
            subject: message.subject().unwrap_or_default().to_owned(),
            text: message
                .body_text(0)
                .map(|t| t.into_owned())
                .unwrap_or_default(),
            html: message
                .body_html(0)
                .map(|t| t.into_owned())
                .unwrap_or_default(),
            headers,
        }
    }

    /// The token of the personal answer link `/s/{token}`.
    pub(crate) fn token(&self) -> String {
        let start = self.text.find("/s/").expect("a survey link") + 3;
        self.text[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect()
    }
}

pub(crate) fn emails(sink: &MailSink) -> Vec<Email> {
    sink.received().iter().map(Email::parse).collect()
}

pub(crate) fn email_to<'a>(emails: &'a [Email], address: &str) -> &'a Email {
    emails
        .iter()
        .rev()
        .find(|e| e.to == address)
        .unwrap_or_else(|| panic!("no email to {address}"))
}

pub(crate) async fn answer(app: &TestApp, token: &str, form: &str) -> (StatusCode, String) {
    let response = app
        .client
        .post(app.url(&format!("/s/{token}")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.to_owned())
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

pub(crate) async fn page(app: &TestApp, path: &str) -> (StatusCode, String) {
    let response = app.client.get(app.url(path)).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn answered_count(app: &TestApp, service: i64) -> i64 {
    rounds(app, &format!("service_id={service}")).await[0]["answered"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn running_a_programme_emails_each_user_exactly_once_with_a_working_link() {
    let (app, sink) = spawn_with_sink(|_| {}).await;
    let (service, programme) = service_with_users(
        &app,
        "skolwebben",
        &[("anna@x.se", "sv"), ("bo@x.se", "sv"), ("cleo@x.se", "en")],
    )
    .await;
    app.create_service("annan", None).await;
    app.create(
        "/api/v1/respondents",
        json!({"email": "inte.anvandare@x.se", "name": "Ej", "services": ["annan"]}),
    )
    .await;

    let opened = run_programme(&app, programme).await;
    assert_eq!(opened, json!({"rounds_opened": 1, "invitations": 3}));
    assert_eq!(run_job(&app, "dispatch_outbox").await["counts"]["sent"], 3);

    let mails = emails(&sink);
    let mut recipients: Vec<&str> = mails.iter().map(|m| m.to.as_str()).collect();
    recipients.sort();
    assert_eq!(recipients, ["anna@x.se", "bo@x.se", "cleo@x.se"]);

    let swedish = email_to(&mails, "anna@x.se");
    assert_eq!(swedish.subject, "Vad tycker du om Tjänst skolwebben?");
    assert!(
        swedish.text.contains("Hej Person anna@x.se"),
        "{}",
        swedish.text
    );
    assert!(swedish.html.contains("Svara på enkäten"));
    assert!(
        swedish.headers.contains("List-Unsubscribe: <http"),
        "{}",
        swedish.headers
    );
    assert!(
        swedish
            .headers
            .contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
    );
    assert!(swedish.headers.contains("Message-ID: <"));
    assert!(!swedish.html.contains("<img"), "no tracking pixels");
    let english = email_to(&mails, "cleo@x.se");
    assert_eq!(english.subject, "What do you think of Tjänst skolwebben?");

    let (status, html) = page(&app, &format!("/s/{}", swedish.token())).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<html lang=\"sv\">"));
    for key in ["sus1", "sus10", "nytta1", "tid", "kommentar"] {
        assert!(
            html.contains(&format!("name=\"{key}\"")),
            "field {key} missing"
        );
    }
    let (_, html) = page(&app, &format!("/s/{}", english.token())).await;
    assert!(
        html.contains("<html lang=\"en\">"),
        "an English respondent gets English"
    );
    let (_, html) = page(&app, &format!("/s/{}?lang=en", swedish.token())).await;
    assert!(
        html.contains("<html lang=\"en\">"),
        "?lang=en switches to English"
    );

    let round = &rounds(&app, &format!("service_id={service}")).await[0];
    assert_eq!(
        (round["invited"].as_i64(), round["status"].as_str()),
        (Some(3), Some("open"))
    );
}

#[tokio::test]
async fn answers_are_checked_stored_once_and_refused_after_closing() {
    let (app, sink) = spawn_with_sink(|_| {}).await;
    let (service, programme) =
        service_with_users(&app, "procapita", &[("anna@x.se", "sv"), ("bo@x.se", "sv")]).await;
    run_programme(&app, programme).await;
    run_job(&app, "dispatch_outbox").await;
    let mails = emails(&sink);
    let token = email_to(&mails, "anna@x.se").token();

    let (status, html) = answer(&app, &token, "sus1=3&sus2=9&nytta1=6&tid=mycket").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("class=\"error-summary\""));
    assert!(
        html.contains("href=\"#sus3-1\""),
        "the summary links to the first unanswered item"
    );
    assert!(
        html.contains("Ange ett värde från 1 till 5"),
        "sus2=9 is out of range"
    );
    assert!(html.contains("Skriv ett heltal"), "tid must be a number");
    assert!(
        html.contains("id=\"nytta1-6\" name=\"nytta1\" value=\"6\" checked"),
        "answers are kept"
    );
    assert_eq!(
        answered_count(&app, service).await,
        0,
        "nothing stored on error"
    );

    let (status, html) = answer(&app, &token, COMPLETE_ANSWER).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Tack för ditt svar"));
    assert_eq!(answered_count(&app, service).await, 1);

    let (status, html) = answer(&app, &token, COMPLETE_ANSWER).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("Du har redan svarat"));
    assert_eq!(answered_count(&app, service).await, 1);

    let round = rounds(&app, &format!("service_id={service}")).await[0]["id"]
        .as_i64()
        .unwrap();
    let (status, body) = status_and_json(
        app.post_json(&format!("/api/v1/rounds/{round}/close"), &json!({}))
            .await,
    )
    .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("closed"))
    );
    let other = email_to(&mails, "bo@x.se").token();
    assert_eq!(page(&app, &format!("/s/{other}")).await.0, StatusCode::GONE);
    let (status, html) = answer(&app, &other, COMPLETE_ANSWER).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("Enkäten är stängd"));
    assert_eq!(answered_count(&app, service).await, 1);
    assert_eq!(
        page(&app, "/s/not-a-real-token").await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn simultaneous_submissions_of_one_link_store_one_response() {
    let (app, sink) = spawn_with_sink(|_| {}).await;
    let (service, programme) = service_with_users(&app, "ekonomi", &[("anna@x.se", "sv")]).await;
    run_programme(&app, programme).await;
    run_job(&app, "dispatch_outbox").await;
    let token = email_to(&emails(&sink), "anna@x.se").token();

    let attempts = (0..12).map(|_| answer(&app, &token, COMPLETE_ANSWER));
    let statuses: Vec<StatusCode> = futures_join_all(attempts)
        .await
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT)
    );
    assert_eq!(answered_count(&app, service).await, 1);
    // Stored once, sealed until the round closes.
    let sealed = count(&app, "SELECT COUNT(*) AS n FROM sealed_answers").await;
    assert_eq!(sealed, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM responses").await, 0);
}

async fn futures_join_all<F: std::future::Future>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output> {
    let handles: Vec<_> = futures.collect();
    let mut outputs = Vec::new();
    // All requests are in flight before the first is awaited to completion.
    let mut pinned: Vec<_> = handles.into_iter().map(Box::pin).collect();
    let mut done: Vec<Option<F::Output>> = (0..pinned.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (slot, future) in done.iter_mut().zip(pinned.iter_mut()) {
            if slot.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *slot = Some(value),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs.extend(done.into_iter().map(Option::unwrap));
    outputs
}

pub(crate) async fn count(app: &TestApp, sql: &str) -> i64 {
    let backend = app.db.get_database_backend();
    let row = app
        .db
        .query_one_raw(Statement::from_string(backend, sql.to_owned()))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

#[tokio::test]
async fn reminders_reach_exactly_those_who_neither_answered_nor_opted_out() {
    let (app, sink) = spawn_with_sink(|_| {}).await;
    let (_, programme) = service_with_users(
        &app,
        "lonesystem",
        &[
            ("svarar@x.se", "sv"),
            ("avregistrerar@x.se", "sv"),
            ("bounce@x.se", "sv"),
            ("tyst1@x.se", "sv"),
            ("tyst2@x.se", "en"),
        ],
    )
    .await;
    run_programme(&app, programme).await;
    let sent = run_job(&app, "dispatch_outbox").await;
    assert_eq!(
        (
            sent["counts"]["sent"].as_u64(),
            sent["counts"]["bounced"].as_u64()
        ),
        (Some(4), Some(1))
    );
    let mails = emails(&sink);
    assert_eq!(
        answer(
            &app,
            &email_to(&mails, "svarar@x.se").token(),
            COMPLETE_ANSWER
        )
        .await
        .0,
        StatusCode::OK
    );
    // RFC 8058 one-click: the mail client POSTs this body to the List-Unsubscribe URL.
    let opt_out_token = email_to(&mails, "avregistrerar@x.se").token();
    let response = app
        .client
        .post(app.url(&format!("/s/{opt_out_token}/opt-out")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let queued = run_job(&app, "send_reminders").await;
    assert_eq!(queued["counts"]["reminders_queued"], 2);
    let before = sink.count();
    run_job(&app, "dispatch_outbox").await;
    let reminders: Vec<Email> = emails(&sink).into_iter().skip(before).collect();
    let mut to: Vec<&str> = reminders.iter().map(|e| e.to.as_str()).collect();
    to.sort();
    assert_eq!(to, ["tyst1@x.se", "tyst2@x.se"]);
    let reminder = email_to(&reminders, "tyst1@x.se");
    assert!(
        reminder.subject.starts_with("Påminnelse"),
        "{}",
        reminder.subject
    );
    assert_eq!(
        email_to(&reminders, "tyst2@x.se").subject,
        "Reminder: what do you think of Tjänst lonesystem?"
    );
    // The reminder's fresh link answers the same invitation.
    assert_eq!(
        answer(&app, &reminder.token(), COMPLETE_ANSWER).await.0,
        StatusCode::OK
    );

    // Every job again: nothing new happens.
    for job in [
        "open_rounds",
        "send_reminders",
        "dispatch_outbox",
        "close_rounds",
        "purge",
    ] {
        run_job(&app, job).await;
    }
    assert_eq!(sink.count(), before + 2, "no email is sent twice");
}

#[tokio::test]
async fn an_opt_out_is_honoured_in_the_next_round() {
    let (app, sink) =
        spawn_with_sink(|settings| settings.survey.min_days_between_invitations = 0).await;
    let (service, first) = service_with_users(
        &app,
        "bibliotek",
        &[("stannar@x.se", "sv"), ("slutar@x.se", "sv")],
    )
    .await;
    run_programme(&app, first).await;
    run_job(&app, "dispatch_outbox").await;
    let token = email_to(&emails(&sink), "slutar@x.se").token();
    let (status, html) = page(&app, &format!("/s/{token}/opt-out")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("name=\"scope\""));
    let response = app
        .client
        .post(app.url(&format!("/s/{token}/opt-out")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("scope=service")
        .send()
        .await
        .unwrap();
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Du är avregistrerad")
    );

    let second = create_programme(
        &app,
        json!({"name": "Extra", "schedule": "0 0 8 1 */3 *", "service_ids": [service]}),
    )
    .await;
    assert_eq!(run_programme(&app, second).await["invitations"], 1);
    let before = sink.count();
    run_job(&app, "dispatch_outbox").await;
    let new: Vec<String> = emails(&sink)
        .into_iter()
        .skip(before)
        .map(|e| e.to)
        .collect();
    assert_eq!(new, ["stannar@x.se"]);
}

#[tokio::test]
async fn mail_waits_while_the_smtp_server_is_down_and_goes_out_when_it_is_back() {
    let port = MailSink::reserve_port();
    let app = spawn_app_with(send_through(port)).await;
    let (_, programme) =
        service_with_users(&app, "diariet", &[("a@x.se", "sv"), ("b@x.se", "sv")]).await;
    run_programme(&app, programme).await;
    let down = app
        .post_json("/api/v1/jobs/dispatch_outbox/run", &json!({}))
        .await;
    assert_eq!(
        down.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "a relay that cannot be reached fails the run"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending' AND attempts = 0"
        )
        .await,
        2,
        "both stay queued, no attempt counted"
    );

    let sink = MailSink::start_on(port);
    let back = run_job(&app, "dispatch_outbox").await;
    assert_eq!(back["counts"]["sent"], 2, "{back}");
    assert_eq!(sink.count(), 2);
    run_job(&app, "dispatch_outbox").await;
    assert_eq!(sink.count(), 2, "sent once only");
}

#[tokio::test]
async fn a_permanent_failure_marks_the_invitation_bounced_and_is_not_retried() {
    let (app, sink) = spawn_with_sink(|_| {}).await;
    let (_, programme) =
        service_with_users(&app, "vard", &[("bounce.me@x.se", "sv"), ("ok@x.se", "sv")]).await;
    run_programme(&app, programme).await;
    assert_eq!(
        run_job(&app, "dispatch_outbox").await["counts"]["bounced"],
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM invitations WHERE status = 'bounced'"
        )
        .await,
        1
    );
    assert_eq!(
        run_job(&app, "dispatch_outbox").await["counts"],
        json!({}),
        "nothing left to retry"
    );
    assert_eq!(
        run_job(&app, "send_reminders").await["counts"]["reminders_queued"],
        1,
        "only the delivered one"
    );
    assert_eq!(sink.count(), 1);
}

#[tokio::test]
async fn the_fatigue_rule_gives_each_person_one_invitation_across_services() {
    let (app, sink) = spawn_with_sink(|_| {}).await;
    let a = app.create_service("system-a", None).await;
    let b = app.create_service("system-b", None).await;
    app.create(
        "/api/v1/respondents",
        json!({"email": "bada@x.se", "name": "Båda", "services": ["system-a", "system-b"]}),
    )
    .await;
    app.create(
        "/api/v1/respondents",
        json!({"email": "bara.b@x.se", "name": "Bara B", "services": ["system-b"]}),
    )
    .await;
    let programme =
        create_programme(&app, json!({"name": "Alla", "schedule": "0 0 8 1 */3 *"})).await;
    assert_eq!(
        run_programme(&app, programme).await,
        json!({"rounds_opened": 2, "invitations": 2})
    );
    run_job(&app, "dispatch_outbox").await;
    assert_eq!(sink.count(), 2);
    let invited: i64 = rounds(&app, &format!("service_id={a}")).await[0]["invited"]
        .as_i64()
        .unwrap()
        + rounds(&app, &format!("service_id={b}")).await[0]["invited"]
            .as_i64()
            .unwrap();
    assert_eq!(invited, 2);

    // Another programme the same day: everyone has been invited within 30 days.
    let again = create_programme(
        &app,
        json!({"name": "Till", "schedule": "0 0 8 1 */3 *", "period": "month"}),
    )
    .await;
    assert_eq!(run_programme(&app, again).await["invitations"], 0);
}

#[tokio::test]
async fn precision_sampling_invites_only_as_many_as_the_target_needs() {
    let (app, sink) =
        spawn_with_sink(|settings| settings.survey.min_days_between_invitations = 0).await;
    let service = app.create_service("stor", None).await;
    let people: Vec<String> = (0..40).map(|i| format!("p{i:02}@x.se")).collect();
    let mut csv = String::from("email,name,services\n");
    for person in &people {
        csv.push_str(&format!("{person},Person,stor\n"));
    }
    assert_eq!(
        app.post_csv("/api/v1/respondents/import", &csv)
            .await
            .status(),
        StatusCode::OK
    );
    let first = create_programme(
        &app,
        json!({"name": "Alla", "schedule": "0 0 8 1 */3 *", "service_ids": [service]}),
    )
    .await;
    run_programme(&app, first).await;
    run_job(&app, "dispatch_outbox").await;
    let mails = emails(&sink);
    // Ten answers: five with SUS 100 (odd items 5, even 1) and five with SUS 50 (all 3).
    let best = "sus1=5&sus2=1&sus3=5&sus4=1&sus5=5&sus6=1&sus7=5&sus8=1&sus9=5&sus10=1";
    let middle = "sus1=3&sus2=3&sus3=3&sus4=3&sus5=3&sus6=3&sus7=3&sus8=3&sus9=3&sus10=3";
    for (i, person) in people.iter().take(10).enumerate() {
        let sus = if i < 5 { best } else { middle };
        let form = format!("{sus}&nytta1=5&nytta2=5&nytta3=5&tid=0");
        assert_eq!(
            answer(&app, &email_to(&mails, person).token(), &form)
                .await
                .0,
            StatusCode::OK
        );
    }
    let round = rounds(&app, &format!("service_id={service}")).await[0]["id"]
        .as_i64()
        .unwrap();
    app.post_json(&format!("/api/v1/rounds/{round}/close"), &json!({}))
        .await;

    // SD of the SUS scores = √(10 · 25² / 9) = 26.352; response rate 10/40 = 0.25; 40 users.
    // For ±20 points, n₀ = (t(n−1) · 26.352 / 20)², corrected n₀/(1 + (n₀ − 1)/40):
    // n = 7: t(6) = 2.44691, n₀ = 10.39, corrected 8.42 > 7; n = 8: t(7) = 2.36462,
    // n₀ = 9.71, corrected 7.97 ≤ 8. So 8 answers (above the threshold of 5) → 8 / 0.25 =
    // 32 invitations. (The old z-based rule without the correction said 28.)
    let sampled = create_programme(
        &app,
        json!({"name": "Urval", "schedule": "0 0 8 1 */3 *", "service_ids": [service], "period": "month",
               "sampling": {"mode": "precision", "half_width": 20.0}}),
    )
    .await;
    assert_eq!(run_programme(&app, sampled).await["invitations"], 32);
}

#[tokio::test]
async fn the_response_table_has_no_column_that_leads_back_to_a_person() {
    let app = crate::common::spawn_app().await;
    let columns = |table: &str| {
        let sql = match app.db.get_database_backend() {
            sea_orm::DbBackend::Postgres => format!(
                "SELECT column_name AS name FROM information_schema.columns WHERE table_name = '{table}' ORDER BY column_name"
            ),
            _ => format!("SELECT name FROM pragma_table_info('{table}') ORDER BY name"),
        };
        let db = app.db.clone();
        async move {
            db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
                .await
                .unwrap()
                .iter()
                .map(|row| row.try_get::<String>("", "name").unwrap())
                .collect::<Vec<_>>()
        }
    };
    // `open_link` says only that an answer came through the round's open link (a segment
    // like `kind`, coarsened away at release below the threshold): it names nobody.
    assert_eq!(
        columns("responses").await,
        [
            "answers",
            "department",
            "id",
            "kind",
            "open_link",
            "round_id",
            "service_id"
        ]
    );
    // The invitation records that it was answered, never when.
    assert_eq!(
        columns("invitations").await,
        ["id", "respondent_id", "round_id", "status"]
    );
}

#[tokio::test]
async fn two_instances_on_one_database_send_each_invitation_exactly_once() {
    let sink = MailSink::start();
    let shared_url: Arc<Mutex<Option<String>>> = Arc::default();
    let remember = shared_url.clone();
    let first = spawn_app_with(move |settings| {
        send_through(sink.port)(settings);
        *remember.lock().unwrap() = Some(settings.database.url.expose().to_owned());
    })
    .await;
    let url = shared_url.lock().unwrap().clone().unwrap();
    let second = spawn_app_with(move |settings| {
        send_through(sink.port)(settings);
        settings.database.url = Secret::new(url);
    })
    .await;
    let people: Vec<(String, &str)> = (0..60).map(|i| (format!("person{i}@x.se"), "sv")).collect();
    let refs: Vec<(&str, &str)> = people.iter().map(|(e, l)| (e.as_str(), *l)).collect();
    let (_, programme) = service_with_users(&first, "gemensam", &refs).await;
    let (a, b) = tokio::join!(
        run_programme(&first, programme),
        run_programme(&second, programme)
    );
    assert_eq!(
        a["invitations"].as_i64().unwrap() + b["invitations"].as_i64().unwrap(),
        60,
        "one round, opened once"
    );
    let (x, y) = tokio::join!(
        run_job(&first, "dispatch_outbox"),
        run_job(&second, "dispatch_outbox")
    );
    let again = run_job(&second, "dispatch_outbox").await;
    let sent = |r: &Value| r["counts"]["sent"].as_u64().unwrap_or(0);
    assert_eq!(sent(&x) + sent(&y) + sent(&again), 60);
    let mut recipients: Vec<String> = sink.received().into_iter().flat_map(|m| m.to).collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(sink.count(), 60, "no email twice");
    assert_eq!(recipients.len(), 60, "everyone once");
}

#[tokio::test]
async fn programmes_with_a_bad_schedule_or_unknown_service_are_refused_naming_the_field() {
    let app = crate::common::spawn_app().await;
    let body = assert_error(
        app.post_json(
            "/api/v1/programmes",
            &json!({"name": "X", "schedule": "0 8 1 */3 *"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(body["problems"][0]["field"], "schedule");
    let body = assert_error(
        app.post_json(
            "/api/v1/programmes",
            &json!({"name": "X", "schedule": "0 0 8 1 */3 *", "service_ids": [999]}),
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(body["problems"][0]["field"], "service_ids");
    assert_error(
        app.post_json("/api/v1/jobs/no_such_job/run", &json!({}))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn a_questionnaire_used_by_a_round_is_frozen_and_edits_make_a_new_version() {
    let (app, _sink) = spawn_with_sink(|_| {}).await;
    let custom = app
        .create(
            "/api/v1/questionnaires",
            json!({"name": "Kort", "items": [{"key": "umux1", "kind": "likert7", "scale": "umux_lite", "text_sv": "Bra?", "text_en": "Good?"}]}),
        )
        .await;
    let id = id_of(&custom);
    let service = app.create_service("kort", None).await;
    app.create(
        "/api/v1/respondents",
        json!({"email": "k@x.se", "name": "K", "services": ["kort"]}),
    )
    .await;
    let programme = create_programme(&app, json!({"name": "Kort", "questionnaire_id": id, "schedule": "0 0 8 1 */3 *", "service_ids": [service]})).await;
    run_programme(&app, programme).await;
    let edit = json!({"name": "Kort 2", "items": [{"key": "umux2", "kind": "likert7", "scale": "umux_lite", "text_sv": "Lätt?", "text_en": "Easy?"}]});
    let (status, edited) = status_and_json(
        app.put_json(&format!("/api/v1/questionnaires/{id}"), &edit)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(id_of(&edited), id);
    assert_eq!(
        (
            edited["version"].as_i64(),
            edited["previous_version_id"].as_i64()
        ),
        (Some(2), Some(id))
    );
    let (_, original) =
        status_and_json(app.get(&format!("/api/v1/questionnaires/{id}")).await).await;
    assert_eq!(
        (original["name"].as_str(), original["frozen"].as_bool()),
        (Some("Kort"), Some(true))
    );
    let (_, all) = status_and_json(app.get("/api/v1/questionnaires").await).await;
    let standard = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["template_key"] == "standard")
        .unwrap();
    let keys: Vec<&str> = standard["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys[..3], ["sus1", "sus2", "sus3"]);
    assert!(keys.contains(&"nytta1") && keys.contains(&"tid") && keys.contains(&"kommentar"));
}

#[tokio::test]
async fn purge_deletes_invitations_after_retention_but_keeps_the_round_counts() {
    let (app, sink) = spawn_with_sink(|settings| settings.retention.invitation_days = 0).await;
    let (service, programme) =
        service_with_users(&app, "arkiv", &[("a@x.se", "sv"), ("b@x.se", "sv")]).await;
    run_programme(&app, programme).await;
    run_job(&app, "dispatch_outbox").await;
    let token = email_to(&emails(&sink), "a@x.se").token();
    assert_eq!(
        answer(&app, &token, COMPLETE_ANSWER).await.0,
        StatusCode::OK
    );

    // An open round keeps its invitations: they are still needed.
    assert_eq!(
        run_job(&app, "purge").await["counts"]["invitations_deleted"],
        0
    );
    let round = rounds(&app, &format!("service_id={service}")).await[0]["id"]
        .as_i64()
        .unwrap();
    app.post_json(&format!("/api/v1/rounds/{round}/close"), &json!({}))
        .await;
    assert_eq!(
        run_job(&app, "purge").await["counts"]["invitations_deleted"],
        2
    );

    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM invitations").await,
        0
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM invitation_tokens").await,
        0
    );
    // One answer is under the anonymity threshold: the round released nothing and
    // keeps only its counts.
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM responses").await
            + count(&app, "SELECT COUNT(*) AS n FROM sealed_answers").await,
        0
    );
    let kept = &rounds(&app, &format!("service_id={service}")).await[0];
    assert_eq!(
        (
            kept["invited"].as_i64(),
            kept["answered"].as_i64(),
            kept["results"].as_str()
        ),
        (Some(2), Some(1), Some("too_few_answers"))
    );
    assert_eq!(
        page(&app, &format!("/s/{token}")).await.0,
        StatusCode::NOT_FOUND,
        "the link leads nowhere now"
    );
    assert_eq!(
        run_job(&app, "purge").await["counts"]["invitations_deleted"],
        0,
        "a second purge changes nothing"
    );
}

#[tokio::test]
async fn a_persons_data_export_lists_their_invitations_but_no_answers() {
    let (app, sink) = spawn_with_sink(|_| {}).await;
    let (_, programme) = service_with_users(&app, "hemtjanst", &[("anna@x.se", "sv")]).await;
    run_programme(&app, programme).await;
    run_job(&app, "dispatch_outbox").await;
    answer(
        &app,
        &email_to(&emails(&sink), "anna@x.se").token(),
        COMPLETE_ANSWER,
    )
    .await;
    let person = app.respondents().await[0]["id"].as_i64().unwrap();

    let (status, export) = status_and_json(
        app.get(&format!("/api/v1/respondents/{person}/export"))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{export}");
    assert_eq!(export["respondent"]["email"], "anna@x.se");
    assert_eq!(
        export["invitations"],
        json!([{"service": "Tjänst hemtjanst", "period": export["invitations"][0]["period"], "status": "answered"}])
    );
    assert!(
        !export.to_string().contains("Bra tjänst"),
        "no answers in a person's export"
    );
    let owner = app.create_owner("Ägare", "agare@x.se", None).await;
    let token = app.owner_token(owner).await;
    assert_error(
        app.get_as(&token, &format!("/api/v1/respondents/{person}/export"))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_error(
        app.get("/api/v1/respondents/9999/export").await,
        StatusCode::NOT_FOUND,
    )
    .await;
}
