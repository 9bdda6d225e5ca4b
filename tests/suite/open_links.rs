//! Open links through the real server: an objektägare makes a round's open link over the
//! API; browsers (clients with cookie jars, each behind its own forwarded address) answer
//! at `/o/{code}`; the same browser cannot answer twice; a client posting in a loop is
//! turned away with 429; the answers are released with the round as a segment of their
//! own (hand-computed, and "too few answers" below the threshold); the closed round's
//! link says so; the report's CSV and workbook carry the open link's figures beside an
//! action on the same service; and the QR code reads back as the link.

use calamine::{Data, Reader};
use reqwest::{StatusCode, header::HeaderMap};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::common::{TestApp, csv_rows, header_row, status_and_json, workbook};
use crate::results::{ALL_THREES, closed_round};
use crate::survey_loop::{COMPLETE_ANSWER, spawn_with_sink};

/// SUS left incomplete (`vet ej` on item 1), benefit 7, 7, 7 and 60 minutes a week.
const SUS_UNKNOWN: &str = "sus1=vet_ej&sus2=2&sus3=4&sus4=1&sus5=4&sus6=2&sus7=5&sus8=1&sus9=4&sus10=2\
&nytta1=7&nytta2=7&nytta3=7&tid=60";

/// A browser: keeps its cookies, and reaches the server through the trusted proxy
/// (127.0.0.1) that forwards its own address.
pub(crate) fn browser(address: &str) -> reqwest::Client {
    let mut headers = HeaderMap::new();
    headers.insert("x-forwarded-for", address.parse().unwrap());
    reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .build()
        .unwrap()
}

/// A script: no cookies, redirects not followed.
fn script(address: &str) -> reqwest::Client {
    let mut headers = HeaderMap::new();
    headers.insert("x-forwarded-for", address.parse().unwrap());
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .unwrap()
}

pub(crate) async fn post_form(
    client: &reqwest::Client,
    url: &str,
    form: &str,
) -> (StatusCode, String) {
    let response = client
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.to_owned())
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn sealed_rows(app: &TestApp, round: i64) -> i64 {
    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM sealed_answers WHERE round_id = {round}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

pub(crate) async fn open_link(app: &TestApp, token: &str, round: i64) -> (StatusCode, Value) {
    status_and_json(
        app.post_json_as(
            token,
            &format!("/api/v1/rounds/{round}/open-link"),
            &json!({}),
        )
        .await,
    )
    .await
}

fn segment<'a>(round: &'a Value, kind: &str, value: &str) -> &'a Value {
    round["segments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["segment"] == kind && s["value"] == value)
        .unwrap_or_else(|| panic!("no segment {kind}={value} in {round}"))
}

fn figure<'a>(figures: &'a Value, metric: &str) -> &'a Value {
    figures["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["metric"] == metric)
        .unwrap_or_else(|| panic!("no {metric} in {figures}"))
}

fn close_to(value: &Value, expected: f64) -> bool {
    value.as_f64().is_some_and(|v| (v - expected).abs() < 1e-3)
}

#[tokio::test]
async fn an_open_link_takes_one_answer_per_browser_and_its_answers_are_a_segment_of_their_own() {
    let (app, sink) = spawn_with_sink(|settings| {
        settings.server.trusted_proxies = vec!["127.0.0.1".into()];
    })
    .await;
    // Five invited users answer on their personal links (SUS 82.5, benefit 6, 5, 6,
    // 30 minutes); the round stays open.
    let (service, owner, round) =
        closed_round(&app, &sink, "etjanst", 5, &[COMPLETE_ANSWER; 5], false).await;

    // The objektägare makes the open link; asking again gives the same one.
    let token = app.owner_token(owner).await;
    let (status, link) = open_link(&app, &token, round).await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    let code = link["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 22, "128 random bits: {link}");
    let url = format!("{}/o/{code}", app.address);
    assert_eq!(link["url"], url);
    assert_eq!(link["qr_svg_url"], format!("{url}/qr.svg"));
    assert_eq!(link["qr_png_url"], format!("{url}/qr.png"));
    let (status, again) = open_link(&app, &app.admin_token, round).await;
    assert_eq!((status, &again["code"]), (StatusCode::OK, &link["code"]));
    // Another owner's round is not theirs to open up.
    let stranger = app.create_owner("Annan", "annan@x.se", None).await;
    let stranger = app.owner_token(stranger).await;
    assert_eq!(
        open_link(&app, &stranger, round).await.0,
        StatusCode::FORBIDDEN
    );
    let audit = app.audit("entity=open_link").await;
    assert_eq!(audit.len(), 1, "one entry, for the one creation: {audit:?}");
    assert_eq!(audit[0]["action"], "create");

    // The form says what an open link cannot promise, and offers no opt-out.
    let first = browser("198.51.100.1");
    let page = first.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("<form") && page.contains("Tjänst etjanst"),
        "{page}"
    );
    assert!(
        page.contains("varje webbläsare kan svara en gång"),
        "{page}"
    );
    assert!(!page.contains("opt-out"), "{page}");

    // Five browsers answer: the first like the invited (SUS 82.5, benefit 77.78, 30
    // min), two with all threes (SUS 50, benefit 50, −30 min), two leaving SUS
    // incomplete (benefit 100, 60 min).
    let forms = [
        COMPLETE_ANSWER,
        ALL_THREES,
        ALL_THREES,
        SUS_UNKNOWN,
        SUS_UNKNOWN,
    ];
    for (i, form) in forms.iter().enumerate() {
        let client = if i == 0 {
            first.clone()
        } else {
            browser(&format!("198.51.100.{}", i + 1))
        };
        let (status, page) = post_form(&client, &url, form).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("Tack för ditt svar"), "{page}");
    }
    assert_eq!(sealed_rows(&app, round).await, 10);
    // A page elsewhere making its visitors' browsers post answers is refused.
    let forged = browser("198.51.100.40")
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .body(COMPLETE_ANSWER)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(sealed_rows(&app, round).await, 10);

    // The first browser again: told it answered, and nothing more is stored.
    let page = first.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("Du har redan svarat") && !page.contains("<form"),
        "{page}"
    );
    let (status, page) = post_form(&first, &url, ALL_THREES).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("Du har redan svarat"), "{page}");
    assert_eq!(sealed_rows(&app, round).await, 10);

    // Close and release.
    let closed = app
        .post_json(&format!("/api/v1/rounds/{round}/close"), &json!({}))
        .await;
    assert_eq!(closed.status(), StatusCode::OK);
    let (status, results) = status_and_json(
        app.get(&format!("/api/v1/services/{service}/results"))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{results}");
    let released = &results["rounds"][0];
    // The open link's answers are no invitations answered: 5 of 5 delivered.
    assert_eq!(
        (&released["answered"], &released["delivered"]),
        (&json!(5), &json!(5))
    );
    assert!(
        close_to(&released["response_rate"]["share"], 1.0),
        "{released}"
    );
    // Whole round, 10 answers. SUS over the 8 complete: (6 · 82.5 + 2 · 50) / 8 = 74.375.
    // Benefit: (6 · 77.778 + 2 · 50 + 2 · 100) / 10 = 766.667 / 10 = 76.667.
    // Minutes: (6 · 30 − 2 · 30 + 2 · 60) / 10 = 240 / 10 = 24.
    let whole = released;
    assert!(close_to(&figure(whole, "sus")["mean"], 74.375), "{whole}");
    assert!(
        close_to(&figure(whole, "nyttoindex")["mean"], 76.6667),
        "{whole}"
    );
    assert!(
        close_to(&figure(whole, "tidsvinst")["mean"], 24.0),
        "{whole}"
    );
    // The open link, 5 answers: benefit (77.778 + 2 · 50 + 2 · 100) / 5 = 75.556;
    // minutes (30 − 2 · 30 + 2 · 60) / 5 = 18; SUS from only 3 complete answers is
    // below the threshold of 5: too few answers, no number.
    let open = segment(released, "open_link", "open_link");
    assert!(
        close_to(&figure(open, "nyttoindex")["mean"], 75.5556),
        "{open}"
    );
    assert_eq!(figure(open, "nyttoindex")["n"], 5);
    assert!(close_to(&figure(open, "tidsvinst")["mean"], 18.0), "{open}");
    let sus = figure(open, "sus");
    assert_eq!(sus["status"], "too_few_answers", "{open}");
    assert!(sus["mean"].is_null() && sus["n"].is_null(), "{open}");
    // They are the external answers too; the invited five are internal (benefit 77.778).
    let external = segment(released, "kind", "external");
    assert!(
        close_to(&figure(external, "nyttoindex")["mean"], 75.5556),
        "{external}"
    );
    let internal = segment(released, "kind", "internal");
    assert!(
        close_to(&figure(internal, "nyttoindex")["mean"], 77.7778),
        "{internal}"
    );

    // The nyttoanalys keeps them apart too: the same figures, SUS withheld.
    let period = nyttopuls::domain::ReportPeriod::quarter_of(chrono::Utc::now()).key();
    let path = format!("/api/v1/reports/nyttoanalys?period={period}");
    let (status, report) = status_and_json(app.get(&path).await).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let line = report["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "Tjänst etjanst")
        .unwrap();
    assert!(
        close_to(&line["open_link"]["nyttoindex"]["mean"], 75.5556),
        "{line}"
    );
    assert!(
        close_to(&line["open_link"]["tidsvinst"]["mean"], 18.0),
        "{line}"
    );
    assert!(line["open_link"]["sus"].is_null(), "{line}");
    let html = app
        .get(&format!("/api/v1/reports/nyttoanalys.html?period={period}"))
        .await;
    let html = html.text().await.unwrap();
    let table = html
        .split("Svar via öppen länk")
        .nth(2)
        .and_then(|rest| rest.split("</table>").next())
        .expect("the open-link table");
    // 75.556 and 18.0 as the report writes them; SUS from 3 answers: too few.
    assert!(table.contains("75,6") && table.contains("18,0"), "{table}");
    assert!(table.contains("För få svar"), "{table}");

    // The objektägare publishes an action on the round's sus3; the regenerated report
    // carries it, with the open-link figures, into the CSV and the workbook.
    let round_period = released["period"].as_str().unwrap().to_owned();
    let action = json!({"service_id": service, "title": "Kortare e-tjänst", "status": "in_progress",
                        "published": true, "round_id": round, "item_key": "sus3",
                        "due_on": "2027-03-31"});
    let (status, created) =
        status_and_json(app.post_json_as(&token, "/api/v1/actions", &action).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let report = app.generate_nyttoanalys(&period).await;
    let listed = &report["actions"]["services"][0]["actions"][0];
    assert_eq!(
        (&listed["round"], &listed["item_key"], &listed["due_on"]),
        (&json!(round_period), &json!("sus3"), &json!("2027-03-31"))
    );
    report_sheets_carry_the_action_and_the_open_link(&app, &period, &round_period).await;

    // An invited respondent's results page shows the open link's answers as a group of
    // their own, says they are answers and not people, and gives no SUS number for them.
    let mail = crate::survey_loop::emails(&sink);
    let invited = crate::survey_loop::email_to(&mail, "etjanst0@x.se").token();
    let (status, page) = crate::survey_loop::page(&app, &format!("/s/{invited}/results")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let group = page
        .split("<h2>Via öppen länk</h2>")
        .nth(1)
        .and_then(|rest| rest.split("<h2>").next())
        .unwrap_or_else(|| panic!("no open-link group:\n{page}"));
    assert!(group.contains("det här är svar, inte personer"), "{group}");
    // Benefit 75.556 and 18 minutes as the page writes them; SUS: too few answers.
    assert!(group.contains("75,6") && group.contains("18,0"), "{group}");
    assert!(group.contains("för få svar"), "{group}");

    // The closed round's link says it is closed, shows no form and stores nothing.
    let response = browser("198.51.100.50").get(&url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::GONE);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("Enkäten är stängd") && !page.contains("<form"),
        "{page}"
    );
    let (status, page) = post_form(&browser("198.51.100.51"), &url, COMPLETE_ANSWER).await;
    assert_eq!(status, StatusCode::GONE, "{page}");
    assert_eq!(sealed_rows(&app, round).await, 0, "released rows are gone");
    let (_, results) = status_and_json(
        app.get(&format!("/api/v1/services/{service}/results"))
            .await,
    )
    .await;
    assert_eq!(results["rounds"][0]["figures"], whole["figures"]);
}

/// The CSV and the workbook of the report made after the action on Tjänst etjanst:
/// the action in the words of the page, and the open link's figures (nyttoindex 75.556
/// → 75,6 from 5 answers; 18 minutes; SUS from 3 answers "För få svar", no number).
async fn report_sheets_carry_the_action_and_the_open_link(
    app: &TestApp,
    period: &str,
    round_period: &str,
) {
    let rows = csv_rows(
        &app.get_bytes(&format!("/api/v1/reports/nyttoanalys.csv?period={period}"))
            .await,
    );
    let at = |title: &str| rows.iter().position(|r| r[0] == title).unwrap();
    let actions = at("Åtgärder: ni sa – vi gör");
    assert_eq!(
        rows[actions + 2],
        [
            "Tjänst etjanst",
            "Kortare e-tjänst",
            "pågår",
            round_period,
            "sus3",
            "2027-03-31",
            "",
            "ja"
        ]
    );
    // The one service with results has an action.
    assert_eq!(
        rows[actions + 3],
        ["Tjänster med resultat denna period men ingen åtgärd", "0"]
    );
    let open = at(&format!("Svar via öppen länk {period}"));
    assert!(rows[open + 1][0].contains("det är svar, inte personer"));
    let header = &rows[open + 2];
    let cell = |name: &str| rows[open + 3][header.iter().position(|h| h == name).unwrap()].clone();
    assert_eq!(cell("Tjänst"), "Tjänst etjanst");
    assert_eq!(
        (cell("Svar (nyttoindex)"), cell("Nyttoindex")),
        ("5".into(), "75,6".into())
    );
    assert_eq!(cell("Tidsvinst (min/vecka)"), "18");
    assert_eq!(
        (cell("SUS"), cell("Svar (SUS)")),
        ("För få svar".into(), String::new())
    );

    let mut workbook = workbook(
        app.get_bytes(&format!("/api/v1/reports/nyttoanalys.xlsx?period={period}"))
            .await,
    );
    let names = workbook.sheet_names();
    assert!(
        names.contains(&"Åtgärder".to_owned()) && names.contains(&"Öppen länk".to_owned()),
        "{names:?}"
    );
    let sheet = workbook.worksheet_range("Åtgärder").unwrap();
    assert_eq!(
        sheet.get_value((1, 1)),
        Some(&Data::String("Kortare e-tjänst".into()))
    );
    // 31 March 2027 as an Excel date: day 46,477 after 30 December 1899.
    match sheet.get_value((1, 5)) {
        Some(Data::DateTime(day)) => assert_eq!(day.as_f64(), 46_477.0),
        other => panic!("the due date: {other:?}"),
    }
    let sheet = workbook.worksheet_range("Öppen länk").unwrap();
    let header = header_row(&sheet);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap() as u32;
    assert_eq!(
        sheet.get_value((1, col("Nyttoindex"))),
        Some(&Data::Float(75.6))
    );
    assert_eq!(
        sheet.get_value((1, col("SUS"))),
        Some(&Data::String("För få svar".into()))
    );
    assert_eq!(sheet.get_value((1, col("Svar (SUS)"))), Some(&Data::Empty));
    let styles = workbook.worksheet_style("Öppen länk").unwrap();
    let format = styles
        .get((1, col("Nyttoindex")))
        .and_then(|s| s.number_format.as_ref())
        .map(|f| f.format_code.as_str());
    assert_eq!(format, Some("#,##0.0"));
}

#[tokio::test]
async fn a_client_posting_in_a_loop_gets_429_and_the_qr_code_reads_as_the_link() {
    let (app, sink) = spawn_with_sink(|settings| {
        settings.server.trusted_proxies = vec!["127.0.0.1".into()];
    })
    .await;
    let (_, _, round) = closed_round(&app, &sink, "kundtjanst", 1, &[], false).await;
    let (status, link) = open_link(&app, &app.admin_token, round).await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    let url = link["url"].as_str().unwrap().to_owned();

    // The default limit, 10 answers a client a minute: the 11th is refused.
    let looping = script("203.0.113.9");
    for i in 1..=10 {
        let (status, page) = post_form(&looping, &url, COMPLETE_ANSWER).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "answer {i}: {page}");
    }
    let response = looping
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(COMPLETE_ANSWER)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers()["retry-after"], "60");
    let page = response.text().await.unwrap();
    assert!(page.contains("För många svar på kort tid"), "{page}");
    assert_eq!(sealed_rows(&app, round).await, 10);
    // Another client is not held back by it.
    let (status, _) = post_form(&script("203.0.113.10"), &url, COMPLETE_ANSWER).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(sealed_rows(&app, round).await, 11);

    // The PNG QR code decodes to the link; the SVG is an SVG document.
    let png = app
        .client
        .get(format!("{url}/qr.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(png.status(), StatusCode::OK);
    assert_eq!(png.headers()["content-type"], "image/png");
    let image = image::load_from_memory(&png.bytes().await.unwrap())
        .unwrap()
        .to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
        image.width() as usize,
        image.height() as usize,
        |x, y| image.get_pixel(x as u32, y as u32).0[0],
    );
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1);
    let (_, content) = grids[0].decode().unwrap();
    assert_eq!(content, url);
    let svg = app
        .client
        .get(format!("{url}/qr.svg"))
        .send()
        .await
        .unwrap();
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    let text = svg.text().await.unwrap();
    let document = roxmltree::Document::parse(&text).unwrap();
    assert_eq!(document.root_element().tag_name().name(), "svg");
    let unknown = format!("{}/o/{}/qr.png", app.address, "A".repeat(22));
    assert_eq!(
        app.client.get(unknown).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );

    // A closed round without an open link gets none; an unknown round is 404.
    let (_, _, closed) = closed_round(&app, &sink, "arkiv", 1, &[], true).await;
    let (status, body) = open_link(&app, &app.admin_token, closed).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("closed"),
        "{body}"
    );
    assert_eq!(
        open_link(&app, &app.admin_token, 999_999).await.0,
        StatusCode::NOT_FOUND
    );
}
