//! The readers' side as its readers meet it: a phone user reporting time lost, an
//! objektägare told what is wrong and what to do (page and digest), and
//! Kommunledningskontoret reaching the nyttoanalys from the dashboard.

use std::{path::Path, process::Command};

use reqwest::StatusCode;
use serde_json::Value;

use crate::dashboard::{ask_for_link, hidden, new_browser, spawn, use_link, wait_for_links};
use crate::results::{ALL_THREES, closed_round};
use crate::survey_loop::{email_to, emails, run_job};

/// SUS 0 (odd items 1, even items 5), nyttoindex 16.7, 20 minutes lost.
const WORST: &str = "sus1=1&sus2=5&sus3=1&sus4=5&sus5=1&sus6=5&sus7=1&sus8=5&sus9=1&sus10=5\
&nytta1=2&nytta2=2&nytta3=2&tid=-20&kommentar=Kr%C3%A5nglig";

async fn get(browser: &reqwest::Client, url: String) -> (StatusCode, String) {
    let response = browser.get(url).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// Signs `address` in through the emailed link; a browser holding the session.
async fn signed_in(
    app: &crate::common::TestApp,
    sink: &crate::mail_sink::MailSink,
    address: &str,
) -> reqwest::Client {
    let browser = new_browser();
    let before = wait_for_links(sink, 0).await.len();
    ask_for_link(app, &browser, address).await;
    let links = wait_for_links(sink, before + 1).await;
    let (_, path) = links
        .iter()
        .rev()
        .find(|(to, _)| to == address)
        .expect("a sign-in link")
        .clone();
    assert_eq!(
        use_link(app, &browser, &path).await.status(),
        StatusCode::SEE_OTHER
    );
    browser
}

fn add_admin(app: &crate::common::TestApp, address: &str) {
    let added = Command::new(env!("CARGO_BIN_EXE_nyttopuls"))
        .args(["admin", "add", address, "--name", "Kommunledningskontoret"])
        .env("NYTTOPULS__DATABASE__URL", &app.database_url)
        .env("NYTTOPULS__SURVEY__ANSWER_KEY_FILE", &app.answer_key_file)
        .current_dir(app.tempdir.path())
        .output()
        .unwrap();
    assert!(added.status.success(), "{added:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_lost_entered_on_a_phone_is_stored_negative() {
    let (app, sink) = spawn(nyttopuls::usecases::Clock::system(), |_| {}).await;
    let (service, _, _) = closed_round(&app, &sink, "larm", 5, &[], false).await;
    let mail = emails(&sink);
    let urls: Vec<String> = (0..5)
        .map(|i| {
            app.url(&format!(
                "/s/{}",
                email_to(&mail, &format!("larm{i}@x.se")).token()
            ))
        })
        .collect();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/a11y");
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(dir.join("answer.mjs"))
            .args([
                "--viewport",
                "390x844",
                "--direction",
                "costs",
                "--minutes",
                "15",
            ])
            .args(&urls)
            .current_dir(&dir)
            .output()
            .expect("node runs (bash .ci/a11y-setup.sh)")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: Value = serde_json::from_str(&stdout).unwrap();
    for page in summary["pages"].as_array().unwrap() {
        // A digits-only keypad is enough now: the loss is a choice, not a minus sign.
        assert_eq!(page["field"]["inputmode"], "numeric", "{page}");
        assert_eq!(page["thanked"], true, "{page}");
    }
    let round = crate::survey_loop::rounds(&app, "status=open").await[0]["id"]
        .as_i64()
        .unwrap();
    let closed = app
        .post_json(
            &format!("/api/v1/rounds/{round}/close"),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(closed.status(), StatusCode::OK);
    let (status, results) = crate::common::status_and_json(
        app.get(&format!("/api/v1/services/{service}/results"))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{results}");
    // Five people each lost 15 minutes a week: −15 × 44 weeks × 500 users / 60 =
    // −5,500 hours, × 450 SEK = −2,475,000 SEK a year.
    let kalkyl = &results["nyttokalkyl"];
    assert_eq!(kalkyl["minutes_per_week"], -15.0, "{results}");
    assert_eq!(kalkyl["annual_hours"], -5500.0, "{results}");
    assert_eq!(
        kalkyl["value_sek"], -2_480_000.0,
        "rounded to 3 digits: {results}"
    );
}

#[tokio::test]
async fn an_owner_is_told_what_is_wrong_and_what_to_do_on_the_page_and_in_the_digest() {
    let (app, sink) = spawn(nyttopuls::usecases::Clock::system(), |_| {}).await;
    // SUS 0, 0, 0, 0, 50: mean 10, SD √500 = 22.4, 95 % CI 10 ± 2.776 × 10 = −17.8…37.8,
    // wholly below 50: flagged, and a usability review is proposed.
    let (service, _, _) = closed_round(
        &app,
        &sink,
        "arende",
        5,
        &[WORST, WORST, WORST, WORST, ALL_THREES],
        true,
    )
    .await;
    let browser = signed_in(&app, &sink, "agare.arende@x.se").await;
    let (status, home) = get(&browser, app.url("/dashboard")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        home.contains("10,0") && home.contains("inte godtagbart"),
        "{home}"
    );
    assert!(home.contains("Att ta ställning till"), "{home}");
    assert!(
        home.contains("SUS under 50 (inte godtagbart)")
            && home.contains("Genomför en användbarhetsgranskning"),
        "{home}"
    );
    assert!(
        home.contains("68 är genomsnittet för IT-system; under 50 är inte godtagbart"),
        "the scale is explained: {home}"
    );
    assert!(
        !home.contains(">NPS<"),
        "no NPS column: the questionnaire does not ask it: {home}"
    );
    let (_, english) = get(&browser, app.url("/dashboard?lang=en")).await;
    assert!(
        english.contains("not acceptable") && english.contains("Carry out a usability review"),
        "{english}"
    );
    // The service page: one "too few answers" at most per row, a way back, comments by round.
    let (_, page) = get(&browser, app.url(&format!("/dashboard/services/{service}"))).await;
    assert!(page.contains("Tillbaka till dina tjänster"), "{page}");
    assert!(page.contains("<details class=\"comments\" open>"), "{page}");

    run_job(&app, "send_reports").await;
    run_job(&app, "dispatch_outbox").await;
    let digest = emails(&sink)
        .into_iter()
        .find(|e| e.to == "agare.arende@x.se" && e.subject.starts_with("Resultat"))
        .expect("the digest");
    assert!(
        digest.html.contains("<html lang=\"sv\">"),
        "{}",
        digest.html
    );
    assert!(
        digest.html.contains("inte godtagbart")
            && digest.html.contains("Genomför en användbarhetsgranskning"),
        "{}",
        digest.html
    );
    assert!(
        digest.text.contains("Att ta ställning till"),
        "{}",
        digest.text
    );
}

#[tokio::test]
async fn kommunledningskontoret_reaches_the_nyttoanalys_from_the_dashboard() {
    let (app, sink) = spawn(nyttopuls::usecases::Clock::system(), |_| {}).await;
    closed_round(
        &app,
        &sink,
        "ekonomi",
        8,
        &crate::dashboard::SIX_FORMS,
        true,
    )
    .await;
    add_admin(&app, "klk@x.se");
    let admin = signed_in(&app, &sink, "klk@x.se").await;
    let (_, home) = get(&admin, app.url("/dashboard")).await;
    assert!(
        home.contains("href=\"&#x2f;dashboard&#x2f;reports?lang=sv\""),
        "{home}"
    );
    let (status, reports) = get(&admin, app.url("/dashboard/reports")).await;
    assert_eq!(status, StatusCode::OK, "{reports}");
    let now = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Stockholm);
    let quarter = format!(
        "{}-Q{}",
        chrono::Datelike::year(&now),
        (chrono::Datelike::month(&now) - 1) / 3 + 1
    );
    assert!(
        reports.contains(&format!("<option value=\"{quarter}\" selected>")),
        "the quarter with the round is picked: {reports}"
    );
    for (extension, content_type) in [
        ("html", "text/html; charset=utf-8"),
        ("csv", "text/csv; charset=utf-8"),
        (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ] {
        let path = format!("/dashboard/reports/{quarter}.{extension}");
        assert!(
            reports.contains(&path.replace('/', "&#x2f;")),
            "{path} linked: {reports}"
        );
        let file = admin.get(app.url(&path)).send().await.unwrap();
        assert_eq!(file.status(), StatusCode::OK, "{path}");
        assert_eq!(file.headers()["content-type"], content_type, "{path}");
    }
    // Regenerate: with the page's token it works; without, a 403 page that still lets
    // the admin sign out.
    let csrf = hidden(&reports, "csrf");
    let regenerated = admin
        .post(app.url("/dashboard/reports/regenerate?lang=sv"))
        .form(&[("csrf", csrf.as_str()), ("period", quarter.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(regenerated.status(), StatusCode::SEE_OTHER);
    let refused = admin
        .post(app.url("/dashboard/reports/regenerate?lang=sv"))
        .form(&[("csrf", "wrong"), ("period", quarter.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(refused.text().await.unwrap().contains("Logga ut"));
    let (status, _) = get(&admin, app.url("/dashboard/reports?period=2026-Q5")).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a period that is no period"
    );

    // An objektägare may not: a 403 page that keeps "Logga ut".
    let owner = signed_in(&app, &sink, "agare.ekonomi@x.se").await;
    let (status, page) = get(&owner, app.url("/dashboard/reports")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        page.contains("Logga ut") && !page.contains("Till inloggningssidan"),
        "{page}"
    );
    let file = owner
        .get(app.url(&format!("/dashboard/reports/{quarter}.xlsx")))
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), StatusCode::FORBIDDEN);
}
