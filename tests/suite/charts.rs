//! Charts as their readers get them over the API: every word in the asked language
//! (`?lang=en`), numbers written that language's way in the `<desc>`, the response
//! rate's 20 % flag line, and the open link's answers as a line of their own (in the
//! chart files, the owner's service page and the files the job writes), never with a
//! number below the threshold.

use std::fmt::Display;

use nyttopuls::usecases::Clock;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::TestApp;
use crate::dashboard::{ask_for_link, get, new_browser, spawn, use_link, wait_for_links};
use crate::insatser::at;
use crate::open_links::{browser, open_link, post_form};
use crate::results::{ALL_THREES, closed_round};
use crate::survey_loop::{
    COMPLETE_ANSWER, answer, create_programme, email_to, emails, rounds, run_job, run_programme,
    spawn_with_sink,
};

/// The chart's `<title>`, `<desc>` and every text drawn in it.
fn words(svg: &str) -> (String, String, String) {
    let document = roxmltree::Document::parse(svg).expect("the SVG parses");
    let text_of = |tag: &str| {
        document
            .descendants()
            .filter(|n| n.has_tag_name(tag))
            .filter_map(|n| n.text())
            .collect::<Vec<_>>()
            .join(" | ")
    };
    (text_of("title"), text_of("desc"), text_of("text"))
}

/// The words of the service's chart at `file` (`sus.svg?lang=en`), fetched as the admin.
async fn chart_words(app: &TestApp, service: i64, file: impl Display) -> (String, String, String) {
    let path = format!("/api/v1/services/{service}/charts/{file}");
    let response = app.get(&path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    words(&response.text().await.unwrap())
}

#[tokio::test]
async fn charts_speak_the_asked_language_and_write_its_numbers() {
    let (app, sink) = spawn_with_sink(|_| {}).await;
    let forms = [COMPLETE_ANSWER; 5];
    let (service, _, _) = closed_round(&app, &sink, "sprak", 5, &forms, true).await;
    let chart = |file: &str, lang: &str| chart_words(&app, service, format!("{file}{lang}"));

    // Every answer scores SUS 82.5.
    let (title, desc, text) = chart("sus.svg", "?lang=en").await;
    assert_eq!(title, "Usability (SUS) – Tjänst sprak");
    assert!(
        desc.starts_with("SUS (0–100) per round: ") && desc.contains(" 82.5 "),
        "{desc}"
    );
    assert!(text.contains("SUS average: 68"), "{text}");
    assert!(
        !text.contains("Genomsnitt") && !desc.contains("omgång"),
        "{text} {desc}"
    );

    let (title, desc, text) = chart("sus.svg", "").await;
    assert_eq!(title, "Användbarhet (SUS) – Tjänst sprak");
    assert!(
        desc.starts_with("SUS (0–100) per omgång: ") && desc.contains(" 82,5 "),
        "{desc}"
    );
    assert!(!desc.contains("82.5"), "a decimal comma in Swedish: {desc}");
    assert!(text.contains("Genomsnitt för SUS: 68"), "{text}");

    // 5 of 5 answered; the line where the nyttoanalys flags a service is drawn and named.
    let (_, desc, text) = chart("response_rate.svg", "?lang=en").await;
    assert!(
        desc.starts_with("Response rate (%) per round: ") && desc.contains("100\u{a0}%"),
        "{desc}"
    );
    assert!(text.contains("Flagged below 20\u{a0}%"), "{text}");
    let (_, _, text) = chart("response_rate.svg", "?lang=sv").await;
    assert!(text.contains("Flaggas under 20\u{a0}%"), "{text}");

    let overview = app.get("/api/v1/charts/overview.svg?lang=en").await;
    assert_eq!(overview.status(), StatusCode::OK);
    let (title, desc, text) = words(&overview.text().await.unwrap());
    assert!(
        title.starts_with("IT services: usability and benefit, 20"),
        "{title}"
    );
    assert!(
        desc.contains("Tjänst sprak: SUS 82.5, benefit index"),
        "{desc}"
    );
    assert!(text.contains("Benefit index (0–100)"), "{text}");

    let unknown = app
        .get(&format!(
            "/api/v1/services/{service}/charts/sus.svg?lang=fr"
        ))
        .await;
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
}

/// `forms` answered through `round`'s open link, each from a browser of its own at
/// `198.51.100.{first}`, `{first + 1}`…
pub(crate) async fn through_the_open_link(app: &TestApp, round: i64, forms: &[&str], first: usize) {
    let (status, link) = open_link(app, &app.admin_token, round).await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    let url = link["url"].as_str().unwrap();
    for (i, form) in forms.iter().enumerate() {
        let (status, page) =
            post_form(&browser(&format!("198.51.100.{}", first + i)), url, form).await;
        assert_eq!(status, StatusCode::OK, "{page}");
    }
}

pub(crate) async fn close(app: &TestApp, round: i64) {
    let closed = app
        .post_json(&format!("/api/v1/rounds/{round}/close"), &json!({}))
        .await;
    assert_eq!(closed.status(), StatusCode::OK);
}

/// The `<desc>` after the open link's name, if the chart names it.
fn open_link_part<'a>(desc: &'a str, name: &str) -> Option<&'a str> {
    desc.split_once(&format!("{name}: ")).map(|(_, rest)| rest)
}

/// An e-service's 2026-Q4 round: its five invited users answer SUS 82.5 each, and five
/// browsers answer through the open link (three SUS 82.5, two 50). 2027-Q1: the five
/// answer again, and only two browsers (SUS 50) use the link, too few to show.
#[tokio::test]
async fn the_open_links_answers_are_a_line_of_their_own_on_the_services_trend() {
    let clock = Clock::manual(at("2026-10-05T08:00:00Z"));
    let (app, sink) = spawn(clock.clone(), |settings| {
        settings.server.trusted_proxies = vec!["127.0.0.1".into()];
    })
    .await;
    let (service, _, round) =
        closed_round(&app, &sink, "bygglov", 5, &[COMPLETE_ANSWER; 5], false).await;
    let mixed = [
        COMPLETE_ANSWER,
        COMPLETE_ANSWER,
        COMPLETE_ANSWER,
        ALL_THREES,
        ALL_THREES,
    ];
    through_the_open_link(&app, round, &mixed, 1).await;
    close(&app, round).await;

    clock.set(at("2027-01-05T08:00:00Z"));
    let programme = create_programme(
        &app,
        json!({"name": "Kvartal 2", "schedule": "0 0 8 1 */3 *", "service_ids": [service]}),
    )
    .await;
    run_programme(&app, programme).await;
    run_job(&app, "dispatch_outbox").await;
    let mail = emails(&sink);
    for i in 0..5 {
        let token = email_to(&mail, &format!("bygglov{i}@x.se")).token();
        assert_eq!(
            answer(&app, &token, COMPLETE_ANSWER).await.0,
            StatusCode::OK
        );
    }
    let open = rounds(&app, &format!("service_id={service}&status=open")).await;
    let second = open[0]["id"].as_i64().unwrap();
    through_the_open_link(&app, second, &[ALL_THREES, ALL_THREES], 20).await;
    close(&app, second).await;

    let chart = |file: &'static str| chart_words(&app, service, file);
    // Whole rounds: 2026-Q4 (8 · 82.5 + 2 · 50) / 10 = 76.0; 2027-Q1 (5 · 82.5 + 2 · 50)
    // / 7 = 512.5 / 7 = 73.2. The open link in 2026-Q4: (3 · 82.5 + 2 · 50) / 5 = 69.5,
    // sd √((3 · 13² + 2 · 19.5²) / 4) = √316.875 = 17.80, interval 69.5 ± t₄ 2.776 ·
    // 17.80 / √5 = 69.5 ± 22.10: 47.4–91.6. In 2027-Q1 its two answers are too few.
    let (_, desc, text) = chart("sus.svg").await;
    assert!(
        desc.starts_with("SUS (0–100) per omgång: 2026-Q4 76,0 (")
            && desc.contains(", 2027-Q1 73,2 ("),
        "{desc}"
    );
    assert_eq!(
        open_link_part(&desc, "Via öppen länk"),
        Some("2026-Q4 69,5 (95\u{a0}% KI 47,4–91,6), 2027-Q1 för få svar."),
        "{desc}"
    );
    assert!(
        text.contains("Via öppen länk") && text.contains("SUS (0–100), alla svar"),
        "{text}"
    );
    let (_, desc, text) = chart("sus.svg?lang=en").await;
    assert_eq!(
        open_link_part(&desc, "Through the open link"),
        Some("2026-Q4 69.5 (95\u{a0}% CI 47.4–91.6), 2027-Q1 too few answers."),
        "{desc}"
    );
    assert!(text.contains("SUS (0–100), all answers"), "{text}");
    // Benefit through the link in 2026-Q4: (3 · 77.78 + 2 · 50) / 5 = 66.7.
    let (_, desc, _) = chart("nyttoindex.svg").await;
    assert!(
        open_link_part(&desc, "Via öppen länk")
            .is_some_and(|rest| rest.starts_with("2026-Q4 66,7 (")),
        "{desc}"
    );
    // The response rate counts invitations: the link has no line there.
    let (_, desc, text) = chart("response_rate.svg").await;
    assert!(
        !desc.contains("öppen länk") && !text.contains("öppen länk"),
        "{desc}"
    );
    let png = app
        .get(&format!("/api/v1/services/{service}/charts/sus.png"))
        .await;
    assert_eq!(png.status(), StatusCode::OK);
    let image = image::load_from_memory(&png.bytes().await.unwrap()).unwrap();
    assert_eq!((image.width(), image.height()), (800, 450));

    // The owner's service page: the chart drawn in the page, and its table with the
    // link's column (the interval as the page writes it).
    let owner = new_browser();
    ask_for_link(&app, &owner, "agare.bygglov@x.se").await;
    let link = wait_for_links(&sink, 1).await[0].1.clone();
    assert_eq!(
        use_link(&app, &owner, &link).await.status(),
        StatusCode::SEE_OTHER
    );
    let (status, page) = get(&app, &owner, &format!("/dashboard/services/{service}")).await;
    assert_eq!(status, StatusCode::OK);
    let sus = page
        .split("<figure class=\"chart\" aria-labelledby=\"sus-caption\">")
        .nth(1)
        .and_then(|rest| rest.split("</figure>").next())
        .expect("the SUS chart");
    assert!(sus.contains("Via öppen länk: 2026-Q4 69,5"), "{sus}");
    assert!(
        sus.contains("<th scope=\"col\">Via öppen länk</th>"),
        "{sus}"
    );
    assert!(
        sus.contains("<td>2026-Q4</td><td>76,0</td>")
            && sus.contains("<td>69,5</td><td>47,4–91,6</td>")
            && sus.contains("<td>för få svar</td><td>–</td>"),
        "{sus}"
    );

    // The files the job writes show it too.
    run_job(&app, "render_charts").await;
    let file =
        std::path::Path::new(&app.state.settings.charts.dir).join("services/bygglov/sus.svg");
    let (_, desc, _) = words(&std::fs::read_to_string(&file).unwrap());
    assert!(
        desc.ends_with(
            "Via öppen länk: 2026-Q4 69,5 (95\u{a0}% KI 47,4–91,6), 2027-Q1 för få svar."
        ),
        "{desc}"
    );
}

/// Two answers through the open link are too few for any figure: the chart has no line,
/// no legend entry and no number for them, the same chart a service without a link gets.
#[tokio::test]
async fn too_few_answers_through_the_open_link_draw_nothing_of_them() {
    let (app, sink) = spawn_with_sink(|settings| {
        settings.server.trusted_proxies = vec!["127.0.0.1".into()];
    })
    .await;
    let (service, _, round) =
        closed_round(&app, &sink, "kiosk", 5, &[COMPLETE_ANSWER; 5], false).await;
    through_the_open_link(&app, round, &[ALL_THREES, ALL_THREES], 1).await;
    close(&app, round).await;
    let (_, desc, text) = chart_words(&app, service, "sus.svg").await;
    // (5 · 82.5 + 2 · 50) / 7 = 73.2 over the whole round; the two 50s nowhere alone.
    assert!(desc.contains(" 73,2 ") && !desc.contains("50,0"), "{desc}");
    assert!(
        !desc.contains("öppen länk") && !text.contains("öppen länk"),
        "{desc} {text}"
    );
    assert!(!text.contains("alla svar"), "{text}");
}
