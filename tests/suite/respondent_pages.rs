//! What a respondent sees under `/s/{token}`, as a browser would: the answer is sent with
//! POST-redirect-GET to a thank-you page that says when and to whom results are shown,
//! every page links to the other language, an opted-out link says so instead of showing
//! the form, and a closed survey says whether it was closed early or its time ran out.
//! Links in emails follow the address actually served when `server.public_url` is unset.

use std::{collections::HashMap, path::Path};

use crate::common::{TestApp, id_of, spawn_app, status_and_json};
use chrono::{Duration, Utc};
use reqwest::{StatusCode, redirect::Policy};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};

const COMPLETE_ANSWER: &str = "sus1=4&sus2=2&sus3=4&sus4=1&sus5=4&sus6=2&sus7=5&sus8=1&sus9=4&sus10=2\
&nytta1=6&nytta2=5&nytta3=6&tid=30&kommentar=Bra+tj%C3%A4nst";

/// A service used by `people`, a programme over it, run, and its invitations written to
/// the file outbox. Returns the service id and each person's emailed link by address.
async fn invited(app: &TestApp, people: &[&str]) -> (i64, HashMap<String, String>) {
    let service = app.create_service("skolwebben", None).await;
    for email in people {
        app.create(
            "/api/v1/respondents",
            json!({"email": email, "name": "Åsa", "services": ["skolwebben"]}),
        )
        .await;
    }
    let programme = id_of(
        &app.create(
            "/api/v1/programmes",
            json!({"name": "Kvartal", "schedule": "0 0 8 1 */3 *", "service_ids": [service],
                   "open_days": 14}),
        )
        .await,
    );
    for path in [
        format!("/api/v1/programmes/{programme}/run"),
        "/api/v1/jobs/dispatch_outbox/run".to_owned(),
    ] {
        let (status, body) = status_and_json(app.post_json(&path, &json!({})).await).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
    }
    (service, links_in_outbox(&app.tempdir.path().join("outbox")))
}

/// Recipient → the survey link in the text part of their email.
fn links_in_outbox(outbox: &Path) -> HashMap<String, String> {
    let mut links = HashMap::new();
    for entry in std::fs::read_dir(outbox).expect("the outbox folder exists") {
        let raw = std::fs::read(entry.unwrap().path()).unwrap();
        let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
        let to = message
            .to()
            .and_then(|to| to.first())
            .and_then(|address| address.address())
            .unwrap()
            .to_owned();
        let body = message.body_text(0).unwrap().into_owned();
        let start = body.find("http").expect("a link in the email");
        let link: String = body[start..]
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect();
        links.insert(to, link);
    }
    links
}

fn token_of(link: &str) -> String {
    link.rsplit("/s/").next().unwrap().to_owned()
}

/// A client that shows redirects instead of following them.
fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

async fn get(client: &reqwest::Client, url: &str) -> (StatusCode, String) {
    let response = client.get(url).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn post_form(client: &reqwest::Client, url: &str, form: &str) -> reqwest::Response {
    client
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.to_owned())
        .send()
        .await
        .unwrap()
}

async fn round_of(app: &TestApp, service: i64) -> Value {
    let (status, body) = status_and_json(
        app.get(&format!("/api/v1/rounds?service_id={service}"))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // A bare list or a page of `items`.
    let rounds = body.get("items").unwrap_or(&body);
    rounds[0].clone()
}

#[tokio::test]
async fn emailed_links_point_at_the_port_actually_served() {
    let app = spawn_app().await;
    let (_, links) = invited(&app, &["a@x.se"]).await;
    let link = &links["a@x.se"];
    assert!(
        link.starts_with(&format!("http://127.0.0.1:{}/s/", app.port)),
        "public_url is unset, so links follow the bound port {}: {link}",
        app.port
    );
}

#[tokio::test]
async fn an_answer_redirects_to_a_thank_you_page_that_a_reload_does_not_resubmit() {
    let app = spawn_app().await;
    let (service, links) = invited(&app, &["a@x.se"]).await;
    let link = &links["a@x.se"];
    let client = no_redirects();

    let response = post_form(&client, link, COMPLETE_ANSWER).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let token = token_of(link);
    assert_eq!(location, format!("/s/{token}/thanks?lang=sv"));

    let thanks = app.url(&location);
    for _reload in 0..2 {
        let (status, html) = get(&client, &thanks).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("Tack för ditt svar"), "{html}");
        assert!(
            html.contains("Enkäten stänger den "),
            "says when the results come: {html}"
        );
        assert!(
            html.contains("objektägare") && html.contains("Kommunledningskontoret"),
            "says who sees the results: {html}"
        );
    }
    assert_eq!(round_of(&app, service).await["answered"], 1);

    let (_, english) = get(&client, &thanks.replace("lang=sv", "lang=en")).await;
    assert!(english.contains("The survey closes on "), "{english}");

    // Sending the form again (the back button) stores nothing more.
    let again = post_form(&client, link, COMPLETE_ANSWER).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(round_of(&app, service).await["answered"], 1);
}

#[tokio::test]
async fn the_thank_you_address_of_an_unanswered_link_leads_to_the_form() {
    let app = spawn_app().await;
    let (_, links) = invited(&app, &["a@x.se"]).await;
    let token = token_of(&links["a@x.se"]);
    let response = no_redirects()
        .get(app.url(&format!("/s/{token}/thanks")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"],
        format!("/s/{token}?lang=sv").as_str()
    );
}

#[tokio::test]
async fn every_page_links_to_the_other_language_and_keeps_it() {
    let app = spawn_app().await;
    let (_, links) = invited(&app, &["a@x.se"]).await;
    let link = &links["a@x.se"];
    let client = no_redirects();

    let (_, swedish) = get(&client, link).await;
    assert!(swedish.contains("href=\"?lang=en\""), "{swedish}");
    let (_, english) = get(&client, &format!("{link}?lang=en")).await;
    assert!(english.contains("<html lang=\"en\">"));
    assert!(english.contains("href=\"?lang=sv\""), "{english}");
    // (minijinja writes `/` in attributes as `&#x2f;`, which the browser reads as `/`.)
    let action = format!("action=\"/s/{}?lang=en\"", token_of(link));
    assert!(
        english.replace("&#x2f;", "/").contains(&action),
        "the form keeps the chosen language: {english}"
    );
    for path in ["/opt-out", "/opt-out?lang=en"] {
        let (_, html) = get(&client, &format!("{link}{path}")).await;
        assert!(html.contains("href=\"?lang="), "{path}: {html}");
    }
    let (status, unknown) = get(&client, &app.url("/s/not-a-token?lang=en")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(unknown.contains("href=\"?lang=sv\""), "{unknown}");
}

#[tokio::test]
async fn the_intro_names_optional_questions_as_their_labels_do() {
    let app = spawn_app().await;
    let (_, links) = invited(&app, &["a@x.se"]).await;
    let (_, swedish) = get(&no_redirects(), &links["a@x.se"]).await;
    assert!(
        swedish.contains("Frågor märkta ”(frivilligt)”"),
        "intro: {swedish}"
    );
    assert!(
        swedish.contains("berätta något mer om tjänsten? (frivilligt)</label>"),
        "label: {swedish}"
    );
    assert!(!swedish.contains("(frivillig)"), "one word for it");
}

#[tokio::test]
async fn an_opted_out_link_says_so_instead_of_showing_the_form() {
    let app = spawn_app().await;
    let (service, links) = invited(&app, &["a@x.se", "b@x.se"]).await;
    let client = no_redirects();
    let link = &links["a@x.se"];
    let opt_out = format!("{link}/opt-out");

    let response = post_form(&client, &opt_out, "scope=service").await;
    assert_eq!(response.status(), StatusCode::OK);

    let (status, html) = get(&client, link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Du har avregistrerat dig"), "{html}");
    assert!(html.contains("Du får inga fler enkäter om Tjänst skolwebben"));
    assert!(
        html.contains("objektägare"),
        "says whom to ask to be included again"
    );
    assert!(!html.contains("name=\"sus1\""), "no form: {html}");
    assert!(!html.contains("redan svarat"), "{html}");

    let submitted = post_form(&client, link, COMPLETE_ANSWER).await;
    assert_eq!(submitted.status(), StatusCode::CONFLICT);
    let html = submitted.text().await.unwrap();
    assert!(html.contains("Du har avregistrerat dig"), "{html}");
    assert!(!html.contains("redan svarat"), "{html}");
    assert_eq!(round_of(&app, service).await["answered"], 0);

    // Opening the opt-out page again: already opted out; only the wider opt-out is left.
    let (status, html) = get(&client, &opt_out).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Du är redan avregistrerad"), "{html}");
    assert!(html.contains("name=\"scope\" value=\"all\""), "{html}");
    assert!(!html.contains("value=\"service\""), "{html}");

    post_form(&client, &opt_out, "scope=all").await;
    let (_, html) = get(&client, &format!("{opt_out}?lang=en")).await;
    assert!(html.contains("You have already opted out"), "{html}");
    assert!(html.contains("no more surveys from Nyttopuls"), "{html}");
    assert!(!html.contains("<form"), "nothing left to stop: {html}");

    // The other person's link is untouched.
    let (_, html) = get(&client, &links["b@x.se"]).await;
    assert!(html.contains("name=\"sus1\""));
}

#[tokio::test]
async fn a_round_closed_early_does_not_say_the_time_ran_out() {
    let app = spawn_app().await;
    let (service, links) = invited(&app, &["a@x.se"]).await;
    let round = id_of(&round_of(&app, service).await);
    let (status, body) = status_and_json(
        app.post_json(&format!("/api/v1/rounds/{round}/close"), &json!({}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (status, html) = get(&no_redirects(), &links["a@x.se"]).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("Enkäten är stängd"));
    assert!(
        html.contains("stängdes innan svarstiden var slut"),
        "{html}"
    );
    assert!(!html.contains("gått ut"), "{html}");
}

#[tokio::test]
async fn a_round_whose_window_ended_says_the_time_ran_out() {
    use nyttopuls::store::entity::round;
    let app = spawn_app().await;
    let (service, links) = invited(&app, &["a@x.se"]).await;
    // The round opened 15 days ago with its 14-day window: it ended yesterday.
    let opened = Utc::now() - Duration::days(15);
    round::Entity::update_many()
        .col_expr(round::Column::OpensAt, Expr::value(opened))
        .col_expr(
            round::Column::ClosesAt,
            Expr::value(opened + Duration::days(14)),
        )
        .filter(round::Column::ServiceId.eq(i32::try_from(service).unwrap()))
        .exec(&app.db)
        .await
        .unwrap();
    let link = &links["a@x.se"];
    let client = no_redirects();
    let (status, html) = get(&client, link).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("Tiden för att svara har gått ut"), "{html}");

    let (status, body) = status_and_json(
        app.post_json("/api/v1/jobs/close_rounds/run", &json!({}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, html) = get(&client, &format!("{link}?lang=en")).await;
    assert!(html.contains("The time to answer has passed"), "{html}");
    assert!(!html.contains("closed before"), "{html}");
}
