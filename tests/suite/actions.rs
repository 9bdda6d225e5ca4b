//! Åtgärder, "ni sa – vi gör", as their users meet them: an objektägare records an
//! action on the dashboard after a release and publishes it; the next round's invitation
//! (through the real SMTP sink) and the thank-you page carry it; the service's results
//! page shows the released figures of every group at or above the threshold and no
//! number of a group below it; the API refuses bad input naming the field (nothing
//! stored) and an objektägare's reach into another's service.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{TestApp, assert_error, id_of, status_and_json};
use crate::dashboard::{ask_for_link, get, hidden, new_browser, spawn, use_link, wait_for_links};
use crate::results::ALL_THREES;
use crate::survey_loop::{
    COMPLETE_ANSWER, answer, create_programme, email_to, emails, page, rounds, run_job,
    run_programme,
};

/// SUS 62.5: odd items 3 (2 points each, 10), even items 2 (3 points each, 15);
/// (10 + 15) × 2.5 = 62.5. Nytta 4 → nyttoindex 50; tid −30.
const SMALL_GROUP_FORM: &str = "sus1=3&sus2=2&sus3=3&sus4=2&sus5=3&sus6=2&sus7=3&sus8=2&sus9=3&sus10=2\
&nytta1=4&nytta2=4&nytta3=4&tid=-30";

/// A service of a new owner, used by five people in Skola, two in Vård and six with no
/// förvaltning; everyone answers (Skola `COMPLETE_ANSWER`, Vård `SMALL_GROUP_FORM`, the
/// others `ALL_THREES`) and the round is closed. Vård is below the threshold of 5, so the
/// release reports its two answers without their förvaltning, among the six (a group of
/// eight, too large to tell them apart), and Skola stays a group of its own.
/// Returns (service, owner, round).
async fn released_round(app: &TestApp, sink: &crate::mail_sink::MailSink) -> (i64, i64, i64) {
    let owner = id_of(
        &app.create(
            "/api/v1/owners",
            json!({"name": "Ägare Ekonomi", "email": "agare.ekonomi@x.se"}),
        )
        .await,
    );
    let service = id_of(
        &app.create(
            "/api/v1/services",
            json!({"name": "Ekonomisystemet", "slug": "ekonomi", "owner_id": owner}),
        )
        .await,
    );
    let people: Vec<(String, Option<&str>, &str)> = (0..5)
        .map(|i| (format!("skola{i}@x.se"), Some("Skola"), COMPLETE_ANSWER))
        .chain((0..2).map(|i| (format!("vard{i}@x.se"), Some("Vård"), SMALL_GROUP_FORM)))
        .chain((0..6).map(|i| (format!("ovrig{i}@x.se"), None, ALL_THREES)))
        .collect();
    for (email, department, _) in &people {
        app.create(
            "/api/v1/respondents",
            json!({"email": email, "name": "Person", "department": department,
                   "services": ["ekonomi"]}),
        )
        .await;
    }
    let programme = create_programme(
        app,
        json!({"name": "Kvartal", "schedule": "0 0 8 1 */3 *", "service_ids": [service]}),
    )
    .await;
    run_programme(app, programme).await;
    run_job(app, "dispatch_outbox").await;
    let mail = emails(sink);
    for (email, _, form) in &people {
        let token = email_to(&mail, email).token();
        assert_eq!(answer(app, &token, form).await.0, StatusCode::OK);
    }
    let round = rounds(app, &format!("service_id={service}")).await[0]["id"]
        .as_i64()
        .unwrap();
    let closed = app
        .post_json(&format!("/api/v1/rounds/{round}/close"), &json!({}))
        .await;
    assert_eq!(closed.status(), StatusCode::OK);
    (service, owner, round)
}

/// The message of a 400 answer.
async fn refusal(response: reqwest::Response) -> String {
    let error = assert_error(response, StatusCode::BAD_REQUEST).await;
    error["message"].as_str().unwrap().to_owned()
}

async fn actions_of(app: &TestApp, service: i64) -> Vec<Value> {
    let (status, body) = status_and_json(
        app.get(&format!("/api/v1/actions?service_id={service}"))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn an_owner_publishes_an_action_after_a_release_and_respondents_are_told() {
    let (app, sink) = spawn(nyttopuls::usecases::Clock::system(), |_| {}).await;
    let (service, _owner, round) = released_round(&app, &sink).await;

    // The owner signs in and finds the actions form on the service page.
    let browser = new_browser();
    ask_for_link(&app, &browser, "agare.ekonomi@x.se").await;
    let link = wait_for_links(&sink, 1).await[0].1.clone();
    assert_eq!(
        use_link(&app, &browser, &link).await.status(),
        StatusCode::SEE_OTHER
    );
    let (_, service_page) = get(&app, &browser, &format!("/dashboard/services/{service}")).await;
    assert!(
        service_page.contains("Åtgärder: ni sa – vi gör") && service_page.contains("Ny åtgärd"),
        "{service_page}"
    );
    assert!(
        service_page.contains("name=\"title\" value=\"\""),
        "an empty title"
    );
    let csrf = hidden(&service_page, "csrf");
    let form = |csrf: &str, title: &str, published: bool| {
        let mut fields = vec![
            ("csrf", csrf.to_owned()),
            ("service_id", service.to_string()),
            ("title", title.to_owned()),
            (
                "public_text",
                "Inloggningen tar i dag för lång tid; vi byter till kommunens gemensamma inloggning."
                    .to_owned(),
            ),
            ("status", "in_progress".to_owned()),
            ("due_on", "2027-03-31".to_owned()),
            ("round_id", round.to_string()),
            ("item_key", "sus3".to_owned()),
        ];
        if published {
            fields.push(("published", "true".to_owned()));
        }
        fields
    };

    // A form without the session's token changes nothing.
    let forged = browser
        .post(app.url("/dashboard/actions"))
        .form(&form("fel", "Förfalskad", true))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(actions_of(&app, service).await.is_empty());

    // A bad date is named, and nothing is stored.
    let mut bad = form(&csrf, "Snabbare inloggning", true);
    bad[5].1 = "nästa vår".into();
    let refused = browser
        .post(app.url("/dashboard/actions"))
        .form(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(refused.text().await.unwrap().contains("due_on"));
    assert!(actions_of(&app, service).await.is_empty());

    for (title, published) in [("Snabbare inloggning", true), ("Intern utredning", false)] {
        let saved = browser
            .post(app.url("/dashboard/actions"))
            .form(&form(&csrf, title, published))
            .send()
            .await
            .unwrap();
        assert_eq!(saved.status(), StatusCode::SEE_OTHER, "{title}");
    }
    let stored = actions_of(&app, service).await;
    assert_eq!(stored.len(), 2);
    let published = stored
        .iter()
        .find(|a| a["title"] == "Snabbare inloggning")
        .unwrap();
    assert_eq!(
        (
            &published["status"],
            &published["published"],
            &published["round_id"],
            &published["item_key"],
            &published["due_on"],
            &published["done_on"],
        ),
        (
            &json!("in_progress"),
            &json!(true),
            &json!(round),
            &json!("sus3"),
            &json!("2027-03-31"),
            &Value::Null,
        )
    );
    let (_, page_after) = get(
        &app,
        &browser,
        &format!("/dashboard/services/{service}?lang=en"),
    )
    .await;
    assert!(page_after.contains("Snabbare inloggning</strong> – in progress, published"));
    assert!(page_after.contains("Intern utredning</strong> – in progress, not published"));

    // The next round invites a new user of the service; the invitation carries the
    // published action as one line, in the plain text and the HTML, and not the other.
    app.create(
        "/api/v1/respondents",
        json!({"email": "ny@x.se", "name": "Ny", "department": "Skola", "services": ["ekonomi"]}),
    )
    .await;
    let second = create_programme(
        &app,
        json!({"name": "Extra", "schedule": "0 0 8 1 */3 *", "service_ids": [service]}),
    )
    .await;
    assert_eq!(run_programme(&app, second).await["invitations"], 1);
    run_job(&app, "dispatch_outbox").await;
    let mail = emails(&sink);
    // `ACTIONS_EML_DIR=DIR` keeps an invitation without and one with actions there, to
    // score both with SpamAssassin (`spamassassin -t < DIR/with-actions.eml`).
    if let Ok(dir) = std::env::var("ACTIONS_EML_DIR") {
        for (to, name) in [
            ("skola0@x.se", "without-actions"),
            ("ny@x.se", "with-actions"),
        ] {
            let raw = sink.received().into_iter().rfind(|m| m.to == [to]).unwrap();
            std::fs::write(format!("{dir}/{name}.eml"), raw.data).unwrap();
        }
    }
    let invitation = email_to(&mail, "ny@x.se");
    let text = invitation.text.replace("\r\n", "\n");
    assert!(
        text.contains(
            "Det här gör vi efter förra enkäten om Ekonomisystemet:\n- Snabbare inloggning (pågår)\n"
        ),
        "{text}"
    );
    assert!(
        invitation
            .html
            .contains("<li>Snabbare inloggning (pågår)</li>")
    );
    assert!(!invitation.text.contains("Intern utredning") && !invitation.html.contains("Intern"));
    // The earlier invitations (queued before any action) had no such line.
    assert!(
        !email_to(&mail, "skola0@x.se")
            .text
            .contains("Det här gör vi")
    );

    // Answering it lands on a thank-you page that names the action and links the
    // service's results.
    let token = invitation.token();
    assert_eq!(
        answer(&app, &token, COMPLETE_ANSWER).await.0,
        StatusCode::OK
    );
    let (status, thanks) = page(&app, &format!("/s/{token}/thanks")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        thanks.contains("<li>Snabbare inloggning (pågår)</li>"),
        "{thanks}"
    );
    assert!(!thanks.contains("Intern utredning"));
    // (minijinja writes `/` in attributes as `&#x2f;`, which browsers read as `/`.)
    assert!(
        thanks
            .replace("&#x2f;", "/")
            .contains(&format!("href=\"/s/{token}/results?lang=sv\"")),
        "{thanks}"
    );

    // The results page: the released round's figures for every group at or above the
    // threshold of 5 (all 13 answers, employees: the same 13, Skola: 5), none for Vård.
    //   SUS, all: (5 × 82.5 + 2 × 62.5 + 6 × 50) / 13 = 837.5 / 13 = 64.42 → "64,4"
    //   SUS, Skola: 82.5 → "82,5"; SUS, Vård: 62.5 → must not appear
    //   Nyttoindex, all: (5 × 77.78 + 2 × 50 + 6 × 50) / 13 = 788.89 / 13 = 60.68 → "60,7"
    //   (nytta 6, 5, 6: mean 17/3 on 1–7 → (17/3 − 1) / 6 × 100 = 77.78; nytta 4 → 50)
    let (status, results) = page(&app, &format!("/s/{token}/results")).await;
    assert_eq!(status, StatusCode::OK);
    for shown in ["64,4", "82,5", "60,7", "Skola", "Alla svar", "Anställda"] {
        assert!(results.contains(shown), "{shown} missing:\n{results}");
    }
    assert!(!results.contains("62,5"), "Vård's SUS is shown:\n{results}");
    assert!(!results.contains("Vård"), "Vård is named:\n{results}");
    assert!(results.contains("Snabbare inloggning"));
    assert!(results.contains("vi byter till kommunens gemensamma inloggning"));
    assert!(!results.contains("Intern utredning"));
    let (_, english) = page(&app, &format!("/s/{token}/results?lang=en")).await;
    assert!(english.contains("Results for Ekonomisystemet") && english.contains("64.4"));
}

#[tokio::test]
async fn the_actions_api_names_bad_fields_stores_nothing_and_keeps_owners_apart() {
    let (app, sink) = spawn(nyttopuls::usecases::Clock::system(), |_| {}).await;
    let (service, owner, round) = released_round(&app, &sink).await;
    let other_owner = app.create_owner("Annan ägare", "annan@x.se", None).await;
    let other_service = app.create_service("lon", Some(other_owner)).await;
    let mine = app.owner_token(owner).await;
    let theirs = app.owner_token(other_owner).await;
    let valid = json!({"service_id": service, "title": "Snabbare inloggning"});

    for (body, field) in [
        (json!({"service_id": service, "title": ""}), "title"),
        (
            json!({"service_id": service, "title": "x".repeat(121)}),
            "title",
        ),
        (
            json!({"service_id": service, "title": "Ok", "public_text": "y".repeat(2001)}),
            "public_text",
        ),
        (
            json!({"service_id": service, "title": "Ok", "item_key": "sus3"}),
            "item_key",
        ),
        (
            json!({"service_id": service, "title": "Ok", "round_id": round, "item_key": "sus11"}),
            "item_key",
        ),
        (
            json!({"service_id": service, "title": "Ok", "round_id": 999_999}),
            "round_id",
        ),
        (json!({"service_id": 999_999, "title": "Ok"}), "service_id"),
    ] {
        let message = refusal(app.post_json_as(&mine, "/api/v1/actions", &body).await).await;
        assert!(message.contains(field), "{field}: {message}");
    }
    // A status outside the set is refused by the schema, with the values to use.
    let klar = json!({"service_id": service, "title": "Ok", "status": "klar"});
    let message = refusal(app.post_json_as(&mine, "/api/v1/actions", &klar).await).await;
    assert!(
        message.contains("planned, in_progress, done, cancelled"),
        "{message}"
    );
    // A round of another service.
    let other_round = {
        let programme = create_programme(
            &app,
            json!({"name": "Lön", "schedule": "0 0 8 1 */3 *", "service_ids": [other_service]}),
        )
        .await;
        run_programme(&app, programme).await;
        rounds(&app, &format!("service_id={other_service}")).await[0]["id"].clone()
    };
    let theirs_round = json!({"service_id": service, "title": "Ok", "round_id": other_round});
    let message = refusal(
        app.post_json_as(&mine, "/api/v1/actions", &theirs_round)
            .await,
    )
    .await;
    assert!(message.contains("round_id"), "{message}");
    assert!(actions_of(&app, service).await.is_empty(), "nothing stored");

    // Released results and no action: the owner's digest says so.
    run_job(&app, "send_reports").await;
    run_job(&app, "dispatch_outbox").await;
    let digest = email_to(&emails(&sink), "agare.ekonomi@x.se")
        .text
        .replace("\r\n", "\n");
    assert!(
        digest.contains("Ingen åtgärd är registrerad för Ekonomisystemet ännu."),
        "{digest}"
    );

    // Another objektägare may not record, read, list or change this service's actions.
    assert_error(
        app.post_json_as(&theirs, "/api/v1/actions", &valid).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let (status, created) =
        status_and_json(app.post_json_as(&mine, "/api/v1/actions", &valid).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        (&created["status"], &created["published"]),
        (&json!("planned"), &json!(false))
    );
    let id = id_of(&created);
    let path = format!("/api/v1/actions/{id}");
    assert_error(app.get_as(&theirs, &path).await, StatusCode::FORBIDDEN).await;
    assert_error(
        app.get_as(&theirs, &format!("/api/v1/actions?service_id={service}"))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let (_, listed) = status_and_json(app.get_as(&theirs, "/api/v1/actions").await).await;
    assert_eq!(listed["total"], 0, "{listed}");
    assert_error(
        app.put_json_as(&theirs, &path, &valid).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_error(app.delete_as(&theirs, &path).await, StatusCode::FORBIDDEN).await;

    // The owner finishes it: done_on is today; it cannot go back, nor move service.
    let done = json!({"service_id": service, "title": "Snabbare inloggning", "status": "done",
                      "published": true});
    let (status, finished) = status_and_json(app.put_json_as(&mine, &path, &done).await).await;
    assert_eq!(status, StatusCode::OK, "{finished}");
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Stockholm)
        .date_naive()
        .to_string();
    assert_eq!(finished["done_on"], json!(today));
    let back = json!({"service_id": service, "title": "Snabbare inloggning", "status": "planned"});
    let message = refusal(app.put_json_as(&mine, &path, &back).await).await;
    assert!(message.contains("status"), "{message}");
    let moved = json!({"service_id": other_service, "title": "Snabbare inloggning"});
    assert_error(
        app.put_json_as(&mine, &path, &moved).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let (_, kept) = status_and_json(app.get_as(&mine, &path).await).await;
    assert_eq!(
        (&kept["status"], &kept["service_id"]),
        (&json!("done"), &json!(service))
    );

    // The nyttoanalys of the round's quarter lists the action under its service, and no
    // service with results lacks one (the other service's round is still open).
    let period = rounds(&app, &format!("service_id={service}")).await[0]["period"]
        .as_str()
        .unwrap()
        .to_owned();
    let report = app.generate_nyttoanalys(&period).await;
    assert_eq!(
        report["actions"],
        json!({"results_without_action": 0, "services": [{"service_id": service,
            "name": "Ekonomisystemet", "actions": [{"title": "Snabbare inloggning",
            "status": "done", "published": true, "done_on": today, "round": null,
            "item_key": null, "due_on": null}]}]})
    );

    // Kommunledningskontoret sees every service's actions; the owner may delete theirs.
    let (_, all) = status_and_json(app.get("/api/v1/actions").await).await;
    assert_eq!(all["total"], 1);
    assert_eq!(
        app.delete_as(&mine, &path).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_error(app.get(&path).await, StatusCode::NOT_FOUND).await;
    assert!(
        !app.audit("entity=action").await.is_empty(),
        "every change is audited"
    );
}
