//! Tried as an attacker (and an operator) would: a sign-in email survives a relay
//! outage; nobody can keep an owner from signing in by asking for links in their name
//! or from behind the same proxy; an owner's sessions end when their address changes
//! hands or they are deleted; erasure and retention take the .eml files with them; the
//! one-click opt-out takes multipart as well as urlencoded; a database that cannot be read
//! is a server error, not "does not exist".

use std::time::Duration;

use nyttopuls::usecases::Clock;
use reqwest::{Client, StatusCode, header::HeaderMap, redirect::Policy};
use serde_json::json;

use sea_orm::{ConnectionTrait, Statement};

use crate::common::{
    METRICS_TOKEN, TestApp, id_of, spawn_app, spawn_app_at, spawn_app_with, status_and_json,
};
use crate::dashboard::{ask_for_link, new_browser, spawn, use_link, wait_for_links};
use crate::mail_sink::MailSink;
use crate::survey_loop::{run_job, send_through};

/// A browser whose requests reach the server through a proxy that names it `client`.
fn browser_behind_proxy(client: &str) -> Client {
    let mut headers = HeaderMap::new();
    headers.insert("x-forwarded-for", client.parse().unwrap());
    Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .default_headers(headers)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

async fn dashboard_status(app: &TestApp, browser: &Client) -> StatusCode {
    browser
        .get(app.url("/dashboard"))
        .send()
        .await
        .unwrap()
        .status()
}

async fn metric(app: &TestApp, series: &str) -> Option<String> {
    let text = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(str::to_owned)
}

#[tokio::test]
async fn a_sign_in_email_asked_for_while_the_relay_is_down_arrives_when_it_is_back() {
    let port = MailSink::reserve_port();
    let app = spawn_app_with(send_through(port)).await;
    app.create_owner("Ägare", "agare@x.se", None).await;
    let browser = new_browser();
    let (status, page) = ask_for_link(&app, &browser, "agare@x.se").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    // The immediate send found no relay (counted), and the email stays queued.
    let mut failed = None;
    for _ in 0..100 {
        failed = metric(&app, "nyttopuls_mail_failures_total{kind=\"connection\"}").await;
        if failed.as_deref() == Some("1") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(failed.as_deref(), Some("1"), "the send was tried at once");

    let sink = MailSink::start_on(port);
    let run = run_job(&app, "dispatch_outbox").await;
    assert_eq!(run["counts"]["sent"], 1, "{run}");
    let links = wait_for_links(&sink, 1).await;
    assert_eq!(links[0].0, "agare@x.se");
    let signed_in = use_link(&app, &browser, &links[0].1).await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    assert_eq!(dashboard_status(&app, &browser).await, StatusCode::OK);
}

#[tokio::test]
async fn a_sign_in_email_arrives_within_seconds_without_waiting_for_the_dispatcher() {
    let (app, sink) = spawn(Clock::system(), |_| {}).await;
    app.create_owner("Ägare", "agare@x.se", None).await;
    let started = std::time::Instant::now();
    ask_for_link(&app, &new_browser(), "agare@x.se").await;
    wait_for_links(&sink, 1).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn nobody_can_keep_an_owner_from_signing_in() {
    let (app, sink) = spawn(Clock::system(), |settings| {
        settings.server.trusted_proxies = vec!["127.0.0.1".into()];
        settings.dashboard.sign_in_per_address = 2;
        settings.dashboard.sign_in_per_client = 4;
    })
    .await;
    app.create_owner("Ägare", "agare@x.se", None).await;
    let attacker = browser_behind_proxy("203.0.113.9");
    for _ in 0..4 {
        let (status, page) = ask_for_link(&app, &attacker, "agare@x.se").await;
        assert_eq!(status, StatusCode::OK, "the same answer every time: {page}");
    }
    let (status, _) = ask_for_link(&app, &attacker, "agare@x.se").await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the fifth from the attacker's address within the hour"
    );
    wait_for_links(&sink, 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.count(), 2, "two emails to the owner, no more");

    // The owner, from their own address behind the same proxy, is not turned away, and
    // a link in their mailbox still signs them in.
    let owner = browser_behind_proxy("198.51.100.7");
    let (status, _) = ask_for_link(&app, &owner, "agare@x.se").await;
    assert_eq!(status, StatusCode::OK);
    let links = wait_for_links(&sink, 2).await;
    let signed_in = use_link(&app, &owner, &links[1].1).await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    assert_eq!(dashboard_status(&app, &owner).await, StatusCode::OK);

    // An IPv6 client is one /64: another address in it shares the limit, the next
    // /64 does not.
    for _ in 0..4 {
        let browser = browser_behind_proxy("2001:db8:1:2::1");
        assert_eq!(
            ask_for_link(&app, &browser, "annan@x.se").await.0,
            StatusCode::OK
        );
    }
    let same_64 = browser_behind_proxy("2001:db8:1:2:ffff::99");
    assert_eq!(
        ask_for_link(&app, &same_64, "annan@x.se").await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    let next_64 = browser_behind_proxy("2001:db8:1:3::1");
    assert_eq!(
        ask_for_link(&app, &next_64, "annan@x.se").await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn forwarded_headers_from_an_untrusted_peer_do_not_escape_the_limit() {
    let (app, _sink) = spawn(Clock::system(), |settings| {
        settings.dashboard.sign_in_per_client = 2;
    })
    .await;
    for n in 0..2 {
        let browser = browser_behind_proxy(&format!("203.0.113.{n}"));
        assert_eq!(
            ask_for_link(&app, &browser, "x@x.se").await.0,
            StatusCode::OK
        );
    }
    let spoofing = browser_behind_proxy("203.0.113.77");
    assert_eq!(
        ask_for_link(&app, &spoofing, "x@x.se").await.0,
        StatusCode::TOO_MANY_REQUESTS,
        "no proxy is trusted: every request is the peer's own"
    );
}

#[tokio::test]
async fn a_new_address_or_deletion_ends_the_owners_sessions() {
    let (app, sink) = spawn(Clock::system(), |_| {}).await;
    let owner = app.create_owner("Ägare", "agare@x.se", None).await;
    let browser = new_browser();
    ask_for_link(&app, &browser, "agare@x.se").await;
    let links = wait_for_links(&sink, 1).await;
    use_link(&app, &browser, &links[0].1).await;
    assert_eq!(dashboard_status(&app, &browser).await, StatusCode::OK);
    // A second link, asked for but not used yet.
    ask_for_link(&app, &new_browser(), "agare@x.se").await;
    let unused = wait_for_links(&sink, 2).await[1].1.clone();

    // The record is handed over to a new person.
    let saved = app
        .put_json(
            &format!("/api/v1/owners/{owner}"),
            &json!({"name": "Ny ägare", "email": "ny.agare@x.se"}),
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    assert_eq!(
        dashboard_status(&app, &browser).await,
        StatusCode::SEE_OTHER,
        "the old session is over: back to sign-in"
    );
    let pressed = use_link(&app, &new_browser(), &unused).await;
    assert_ne!(
        pressed.status(),
        StatusCode::SEE_OTHER,
        "the unused link is withdrawn"
    );
    let audit = app.audit("entity=owner").await;
    let ended = audit
        .iter()
        .find(|e| e["action"] == "end_sessions")
        .unwrap_or_else(|| panic!("{audit:?}"));
    assert_eq!(ended["summary"]["sessions"], 1, "{ended}");
    assert_eq!(ended["summary"]["reason"], "address_changed", "{ended}");

    // Renaming alone keeps the session; deletion ends it.
    let browser = new_browser();
    ask_for_link(&app, &browser, "ny.agare@x.se").await;
    let links = wait_for_links(&sink, 3).await;
    use_link(&app, &browser, &links[2].1).await;
    let renamed = app
        .put_json(
            &format!("/api/v1/owners/{owner}"),
            &json!({"name": "Ny Ägare", "email": "ny.agare@x.se"}),
        )
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    assert_eq!(dashboard_status(&app, &browser).await, StatusCode::OK);
    assert_eq!(
        app.delete(&format!("/api/v1/owners/{owner}"))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        dashboard_status(&app, &browser).await,
        StatusCode::SEE_OTHER
    );
}

/// The `.eml` files in the file transport's folder that name `address`.
fn eml_files_to(app: &TestApp, address: &str) -> usize {
    std::fs::read_dir(app.tempdir.path().join("outbox"))
        .unwrap()
        .filter_map(|entry| std::fs::read_to_string(entry.unwrap().path()).ok())
        .filter(|text| text.contains(address))
        .count()
}

#[tokio::test]
async fn erasure_and_retention_delete_the_eml_files_too() {
    let app = spawn_app_at(Clock::manual(chrono::Utc::now()), |_| {}).await;
    let service = app.create_service("skolwebben", None).await;
    let mut people = Vec::new();
    for email in ["raderas@x.se", "stannar@x.se"] {
        people.push(id_of(
            &app.create(
                "/api/v1/respondents",
                json!({"email": email, "name": "Person", "services": ["skolwebben"]}),
            )
            .await,
        ));
    }
    let programme = id_of(
        &app.create(
            "/api/v1/programmes",
            json!({"name": "Kvartal", "schedule": "0 0 8 1 */3 *", "service_ids": [service]}),
        )
        .await,
    );
    let run = app
        .post_json(&format!("/api/v1/programmes/{programme}/run"), &json!({}))
        .await;
    assert_eq!(run.status(), StatusCode::OK);
    assert_eq!(run_job(&app, "dispatch_outbox").await["counts"]["sent"], 2);
    assert_eq!(eml_files_to(&app, "raderas@x.se"), 1);

    let erased = app
        .delete(&format!("/api/v1/respondents/{}", people[0]))
        .await;
    assert_eq!(erased.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        eml_files_to(&app, "raderas@x.se"),
        0,
        "erased with the person"
    );
    assert_eq!(eml_files_to(&app, "stannar@x.se"), 1, "nobody else's");

    // Past retention.outbox_days (30) the outbox rows go, and their files with them.
    app.clock.advance(chrono::Duration::days(31));
    let purged = run_job(&app, "purge").await;
    assert_eq!(purged["counts"]["email_files_deleted"], 1, "{purged}");
    assert_eq!(eml_files_to(&app, "stannar@x.se"), 0);
}

#[tokio::test]
async fn one_click_opt_out_accepts_multipart_and_urlencoded() {
    let app = spawn_app().await;
    let service = app.create_service("skolwebben", None).await;
    for email in ["multipart@x.se", "urlencoded@x.se"] {
        app.create(
            "/api/v1/respondents",
            json!({"email": email, "name": "Person", "services": ["skolwebben"]}),
        )
        .await;
    }
    let programme = id_of(
        &app.create(
            "/api/v1/programmes",
            json!({"name": "Kvartal", "schedule": "0 0 8 1 */3 *", "service_ids": [service]}),
        )
        .await,
    );
    app.post_json(&format!("/api/v1/programmes/{programme}/run"), &json!({}))
        .await;
    run_job(&app, "dispatch_outbox").await;
    let link_of = |address: &str| {
        let text = std::fs::read_dir(app.tempdir.path().join("outbox"))
            .unwrap()
            .filter_map(|entry| std::fs::read_to_string(entry.unwrap().path()).ok())
            .find(|text| text.contains(address))
            .expect("the invitation");
        let start = text.find("/s/").unwrap() + 3;
        let token: String = text[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        format!("/s/{token}/opt-out")
    };
    // What a mail client sends (RFC 8058 §3.1: multipart/form-data SHOULD be used).
    let multipart = app
        .client
        .post(app.url(&link_of("multipart@x.se")))
        .header(
            "content-type",
            "multipart/form-data; boundary=nyttopuls-test",
        )
        .body(
            "--nyttopuls-test\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\n\
             One-Click\r\n--nyttopuls-test--\r\n",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(multipart.status(), StatusCode::OK);
    let urlencoded = app
        .client
        .post(app.url(&link_of("urlencoded@x.se")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(urlencoded.status(), StatusCode::OK);
    let backend = app.db.get_database_backend();
    let opted_out = app
        .db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT COUNT(*) AS n FROM invitations WHERE status = 'opted_out'",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(opted_out, 2, "both opted out");
}

#[tokio::test]
async fn a_database_that_cannot_be_read_is_a_server_error_not_a_missing_reference() {
    let app = spawn_app().await;
    let service = app.create_service("skolwebben", None).await;
    app.db
        .execute_unprepared("ALTER TABLE questionnaires RENAME TO questionnaires_gone")
        .await
        .unwrap();
    let response = app
        .post_json(
            "/api/v1/programmes",
            &json!({"name": "Kvartal", "questionnaire_id": 1, "schedule": "0 0 8 1 */3 *",
                    "service_ids": [service]}),
        )
        .await;
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    assert!(!body.to_string().contains("does not exist"), "{body}");
}
