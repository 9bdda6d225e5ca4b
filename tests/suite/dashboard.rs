//! The owner dashboard as its users meet it: a sign-in link asked for on the form and
//! received by the in-process SMTP server, the same answer and no email for an unknown
//! address, a link that works once and for 15 minutes, the session cookie's flags, the
//! owner's own services with hand-computed figures, nothing of another owner's, the
//! threshold hiding small groups, CSRF tokens on every form, the rate limit, sign-out,
//! and Kommunledningskontoret seeing every owner.

use std::time::Duration;

use chrono::Utc;
use nyttopuls::usecases::Clock;
use reqwest::{Client, StatusCode, redirect::Policy};

use crate::common::{TestApp, spawn_app_at};
use crate::mail_sink::MailSink;
use crate::results::{ALL_THREES, closed_round};
use crate::survey_loop::{COMPLETE_ANSWER, count, emails, send_through};

/// A browser: keeps cookies, does not follow redirects (the tests look at them).
pub(crate) fn new_browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

pub(crate) async fn spawn(
    clock: Clock,
    configure: impl FnOnce(&mut nyttopuls::config::Settings),
) -> (TestApp, MailSink) {
    let sink = MailSink::start();
    let port = sink.port;
    let app = spawn_app_at(clock, move |settings| {
        send_through(port)(settings);
        configure(settings);
    })
    .await;
    (app, sink)
}

/// The value of `name="{field}"` in a page's form.
pub(crate) fn hidden(html: &str, field: &str) -> String {
    let marker = format!("name=\"{field}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {field} in:\n{html}"))
        + marker.len();
    html[start..].chars().take_while(|c| *c != '"').collect()
}

/// Fills in the sign-in form with `address`, as a browser would; the response.
pub(crate) async fn ask_for_link(
    app: &TestApp,
    browser: &Client,
    address: &str,
) -> (StatusCode, String) {
    let form = browser
        .get(app.url("/dashboard/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = hidden(&form, "form_token");
    let response = browser
        .post(app.url("/dashboard/login"))
        .form(&[("email", address), ("form_token", token.as_str())])
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

/// The sign-in emails received so far: (recipient, link path `/dashboard/login/…`).
fn sign_in_links(sink: &MailSink) -> Vec<(String, String)> {
    emails(sink)
        .into_iter()
        .filter(|e| e.subject.contains("Logga in"))
        .map(|e| {
            let start = e.text.find("/dashboard/login/").expect("a sign-in link");
            let path: String = e.text[start..]
                .chars()
                .take_while(|c| !c.is_whitespace())
                .collect();
            (e.to.clone(), path)
        })
        .collect()
}

/// Waits (the email is sent after the form has answered) for `expected` sign-in emails.
pub(crate) async fn wait_for_links(sink: &MailSink, expected: usize) -> Vec<(String, String)> {
    for _ in 0..100 {
        let links = sign_in_links(sink);
        if links.len() >= expected {
            return links;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "{expected} sign-in emails did not arrive: {:?}",
        sign_in_links(sink)
    );
}

/// Opens the link's page and presses its button; the response to the press.
pub(crate) async fn use_link(app: &TestApp, browser: &Client, path: &str) -> reqwest::Response {
    let page = browser.get(app.url(path)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let token = hidden(&page.text().await.unwrap(), "form_token");
    browser
        .post(app.url(path))
        .form(&[("form_token", token.as_str())])
        .send()
        .await
        .unwrap()
}

pub(crate) async fn get(app: &TestApp, browser: &Client, path: &str) -> (StatusCode, String) {
    let response = browser.get(app.url(path)).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// Five answers scoring SUS 82.5 and tid 30 (`COMPLETE_ANSWER`), one scoring SUS 50 and
/// tid −30 (`ALL_THREES`); of 8 invited: SUS mean (5 × 82.5 + 50) / 6 = 77.08…, response
/// rate 6/8 = 75 %.
pub(crate) const SIX_FORMS: [&str; 6] = [
    COMPLETE_ANSWER,
    COMPLETE_ANSWER,
    COMPLETE_ANSWER,
    COMPLETE_ANSWER,
    COMPLETE_ANSWER,
    ALL_THREES,
];

#[tokio::test]
async fn an_owner_signs_in_by_email_and_sees_only_their_own_services() {
    let (app, sink) = spawn(Clock::system(), |_| {}).await;
    let (service, _owner, _) = closed_round(&app, &sink, "ekonomi", 8, &SIX_FORMS, true).await;
    let (other_service, other_owner, _) =
        closed_round(&app, &sink, "lon", 6, &SIX_FORMS[..5], true).await;
    let before = sink.count();

    // An unknown address gets the very page a known one gets, and no email.
    let browser = new_browser();
    let (status, unknown) = ask_for_link(&app, &browser, "okand@x.se").await;
    assert_eq!(status, StatusCode::OK);
    let (status, known) = ask_for_link(&app, &browser, "agare.ekonomi@x.se").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        unknown.replace("okand@x.se", "ADDRESS"),
        known.replace("agare.ekonomi@x.se", "ADDRESS")
    );
    let links = wait_for_links(&sink, 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.count(), before + 1, "one email, to the owner only");
    assert_eq!(links[0].0, "agare.ekonomi@x.se");
    let link = links[0].1.clone();
    // Only the hash of the link's secret is stored.
    let secret = link.trim_start_matches("/dashboard/login/");
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) AS n FROM sign_in_links WHERE token_hash = '{secret}'")
        )
        .await,
        0
    );

    // Opening the link signs in only after the button (mail scanners open links).
    let (status, _) = get(&app, &browser, "/dashboard").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "not signed in yet");
    let signed_in = use_link(&app, &browser, &link).await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let cookie = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("np_session="))
        .expect("a session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain http: no Secure flag ({cookie})"
    );

    let (status, home) = get(&app, &browser, "/dashboard").await;
    assert_eq!(status, StatusCode::OK, "{home}");
    assert!(home.contains("Tjänst ekonomi"), "{home}");
    assert!(home.contains("77,1"), "SUS (5 × 82.5 + 50) / 6: {home}");
    assert!(home.contains("75\u{a0}%"), "6 of 8 answered: {home}");
    assert!(
        !home.contains("Tjänst lon"),
        "another owner's service: {home}"
    );
    assert!(
        home.contains("<svg") && home.contains("role=\"img\""),
        "an inline chart"
    );
    let (status, english) = get(&app, &browser, "/dashboard?lang=en").await;
    assert_eq!(status, StatusCode::OK);
    assert!(english.contains("Your services") && english.contains("77.1"));

    let (status, page) = get(&app, &browser, &format!("/dashboard/services/{service}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Bra") && page.contains("Seg inloggning"),
        "comments: {page}"
    );
    assert!(
        page.contains("63,2–91,0"),
        "SUS 95 % CI 77.08 ± 2.571 × 13.27 / √6: {page}"
    );
    // Nothing of the other owner's: not their service, not their owner page.
    for path in [
        format!("/dashboard/services/{other_service}"),
        format!("/dashboard/owners/{other_owner}"),
    ] {
        let (status, body) = get(&app, &browser, &path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(!body.contains("Tjänst lon"), "{body}");
    }

    // The link worked once.
    let again = use_link(&app, &new_browser(), &link).await;
    assert_eq!(again.status(), StatusCode::GONE);
}

#[tokio::test]
async fn a_link_expires_after_fifteen_minutes_and_a_session_after_its_hours() {
    let clock = Clock::manual(Utc::now());
    let (app, sink) = spawn(clock.clone(), |settings| {
        settings.dashboard.session_hours = 2
    })
    .await;
    app.create(
        "/api/v1/owners",
        serde_json::json!({"name": "Ägare", "email": "agare@x.se"}),
    )
    .await;
    let browser = new_browser();
    ask_for_link(&app, &browser, "agare@x.se").await;
    ask_for_link(&app, &browser, "AGARE@x.se").await;
    let links = wait_for_links(&sink, 2).await;

    clock.advance(chrono::Duration::minutes(16));
    let late = use_link(&app, &browser, &links[0].1).await;
    assert_eq!(late.status(), StatusCode::GONE);
    assert!(late.text().await.unwrap().contains("gått ut"));

    clock.set(clock.now() - chrono::Duration::minutes(2));
    let in_time = use_link(&app, &browser, &links[1].1).await;
    assert_eq!(
        in_time.status(),
        StatusCode::SEE_OTHER,
        "14 minutes after: still valid"
    );
    assert_eq!(get(&app, &browser, "/dashboard").await.0, StatusCode::OK);
    clock.advance(chrono::Duration::hours(2));
    assert_eq!(
        get(&app, &browser, "/dashboard").await.0,
        StatusCode::SEE_OTHER,
        "the session ended two hours after sign-in"
    );
    let purged = crate::survey_loop::run_job(&app, "purge").await;
    assert_eq!(purged["counts"]["sign_ins_deleted"], 3, "{purged}");
}

#[tokio::test]
async fn small_groups_show_no_figure_chart_or_comment() {
    let (app, sink) = spawn(Clock::system(), |_| {}).await;
    // 4 answers of 6: fewer than 5, so the round releases nothing.
    let (service, _, _) = closed_round(&app, &sink, "liten", 6, &SIX_FORMS[..4], true).await;
    let browser = new_browser();
    ask_for_link(&app, &browser, "agare.liten@x.se").await;
    let links = wait_for_links(&sink, 1).await;
    use_link(&app, &browser, &links[0].1).await;
    for path in [
        "/dashboard".to_owned(),
        format!("/dashboard/services/{service}"),
    ] {
        let (status, page) = get(&app, &browser, &path).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("För få svar"), "{path}: {page}");
        assert!(
            !page.contains("Bra"),
            "no comment under the threshold: {page}"
        );
        // Only the response rate (counts, shown for every round) may be charted.
        for chart in [
            "sus-title",
            "nyttoindex-title",
            "nps-title",
            "tidsvinst-title",
        ] {
            assert!(
                !page.contains(chart),
                "no {chart} chart without a figure: {page}"
            );
        }
        assert!(!page.contains("82,5") && !page.contains("85,0"), "{page}");
    }
}

#[tokio::test]
async fn forms_need_their_token_and_sign_out_ends_the_session() {
    let (app, sink) = spawn(Clock::system(), |_| {}).await;
    app.create(
        "/api/v1/owners",
        serde_json::json!({"name": "Ägare", "email": "agare@x.se"}),
    )
    .await;
    let browser = new_browser();
    // A sign-in form posted without the token from its page sends nothing.
    let forged = browser
        .post(app.url("/dashboard/login"))
        .form(&[("email", "agare@x.se")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::BAD_REQUEST);
    let (status, empty) = ask_for_link(&app, &browser, "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(empty.contains("Skriv din e-postadress"), "{empty}");
    ask_for_link(&app, &browser, "agare@x.se").await;
    let links = wait_for_links(&sink, 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.count(), 1, "the forged form sent no email");

    use_link(&app, &browser, &links[0].1).await;
    let (_, home) = get(&app, &browser, "/dashboard").await;
    let csrf = hidden(&home, "csrf");
    let without = browser
        .post(app.url("/dashboard/logout"))
        .form(&[("csrf", "0".repeat(64))])
        .send()
        .await
        .unwrap();
    assert_eq!(without.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        get(&app, &browser, "/dashboard").await.0,
        StatusCode::OK,
        "still signed in"
    );
    let out = browser
        .post(app.url("/dashboard/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM sessions").await, 0);
    assert_eq!(
        get(&app, &browser, "/dashboard").await.0,
        StatusCode::SEE_OTHER
    );
    let audit = app.audit("entity=session").await;
    let actions: Vec<&str> = audit.iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(
        actions.contains(&"sign_in") && actions.contains(&"sign_out"),
        "{audit:?}"
    );
}

#[tokio::test]
async fn links_are_rate_limited_per_address_and_per_client() {
    let (app, sink) = spawn(Clock::system(), |settings| {
        settings.dashboard.sign_in_per_address = 2;
        settings.dashboard.sign_in_per_client = 4;
    })
    .await;
    app.create(
        "/api/v1/owners",
        serde_json::json!({"name": "Ägare", "email": "agare@x.se"}),
    )
    .await;
    let browser = new_browser();
    assert_eq!(
        ask_for_link(&app, &browser, "agare@x.se").await.0,
        StatusCode::OK
    );
    assert_eq!(
        ask_for_link(&app, &browser, "agare@x.se").await.0,
        StatusCode::OK
    );
    // Over the address's limit: the same answer, and no third email (the two links
    // sent still work), so nobody can lock the owner out by asking in their name.
    let (status, page) = ask_for_link(&app, &browser, "agare@x.se").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(
        ask_for_link(&app, &browser, "annan@x.se").await.0,
        StatusCode::OK
    );
    assert_eq!(
        ask_for_link(&app, &browser, "tredje@x.se").await.0,
        StatusCode::TOO_MANY_REQUESTS,
        "the fifth request from this client within the hour"
    );
    wait_for_links(&sink, 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        sink.count(),
        2,
        "two links to the owner, none beyond the limit"
    );
}

#[tokio::test]
async fn kommunledningskontoret_sees_every_owner_and_secure_cookies_behind_https() {
    let (app, sink) = spawn(Clock::system(), |_| {}).await;
    let (_, first_owner, _) = closed_round(&app, &sink, "ekonomi", 6, &SIX_FORMS[..5], true).await;
    closed_round(&app, &sink, "lon", 6, &SIX_FORMS[..5], true).await;
    let added = std::process::Command::new(env!("CARGO_BIN_EXE_nyttopuls"))
        .args([
            "admin",
            "add",
            "klk@x.se",
            "--name",
            "Kommunledningskontoret",
        ])
        .env("NYTTOPULS__DATABASE__URL", &app.database_url)
        .env("NYTTOPULS__SURVEY__ANSWER_KEY_FILE", &app.answer_key_file)
        .current_dir(app.tempdir.path())
        .output()
        .unwrap();
    assert!(added.status.success(), "{added:?}");
    let browser = new_browser();
    ask_for_link(&app, &browser, "klk@x.se").await;
    let links = wait_for_links(&sink, 1).await;
    use_link(&app, &browser, &links[0].1).await;
    let (status, home) = get(&app, &browser, "/dashboard").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        home.contains("Tjänst ekonomi") && home.contains("Tjänst lon"),
        "{home}"
    );
    assert!(
        home.contains("Ägare ekonomi") && home.contains("Ägare lon"),
        "{home}"
    );
    let (status, owner) = get(&app, &browser, &format!("/dashboard/owners/{first_owner}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(owner.contains("Tjänst ekonomi") && !owner.contains("Tjänst lon"));

    // Behind https the cookies carry Secure.
    let (https, _sink) = spawn(Clock::system(), |settings| {
        settings.server.public_url = "https://nyttopuls.kommun.example".into();
    })
    .await;
    let login = new_browser()
        .get(https.url("/dashboard/login"))
        .send()
        .await
        .unwrap();
    let cookie = login.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
}

/// A SUS of 100 (odd items 5, even items 1).
const BEST: &str = "sus1=5&sus2=1&sus3=5&sus4=1&sus5=5&sus6=1&sus7=5&sus8=1&sus9=5&sus10=1\
&nytta1=7&nytta2=7&nytta3=7&tid=60&kommentar=Utm%C3%A4rkt";

/// Answers `forms` (one per person, in order) in the service's newest round, closes it.
async fn answer_and_close(app: &TestApp, sink: &MailSink, slug: &str, forms: &[&str]) {
    crate::survey_loop::run_job(app, "dispatch_outbox").await;
    let mail = emails(sink);
    for (i, form) in forms.iter().enumerate() {
        let token = crate::survey_loop::email_to(&mail, &format!("{slug}{i}@x.se")).token();
        assert_eq!(
            crate::survey_loop::answer(app, &token, form).await.0,
            StatusCode::OK
        );
    }
    let open = crate::survey_loop::rounds(app, "status=open").await;
    let round = open[0]["id"].as_i64().unwrap();
    let closed = app
        .post_json(
            &format!("/api/v1/rounds/{round}/close"),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(closed.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_significant_change_gets_an_arrow() {
    let clock = Clock::manual(Utc::now());
    let (app, sink) = spawn(clock.clone(), |_| {}).await;
    let owner = crate::common::id_of(
        &app.create(
            "/api/v1/owners",
            serde_json::json!({"name": "Ägare", "email": "agare@x.se"}),
        )
        .await,
    );
    let service = crate::common::id_of(
        &app.create(
            "/api/v1/services",
            serde_json::json!({"name": "Lönesystemet", "slug": "lon", "owner_id": owner}),
        )
        .await,
    );
    for i in 0..5 {
        app.create(
            "/api/v1/respondents",
            serde_json::json!({"email": format!("lon{i}@x.se"), "name": format!("Person {i}"),
                               "services": ["lon"]}),
        )
        .await;
    }
    let programme = crate::survey_loop::create_programme(
        &app,
        serde_json::json!({"name": "Kvartal", "schedule": "0 0 8 1 */3 *", "service_ids": [service]}),
    )
    .await;
    // Round 1: SUS 50, 50, 50, 50, 82.5 (mean 56.5, SD 14.5). Round 2: 100 × 4 and 82.5
    // (mean 96.5, SD 7.8). Welch: t = 40 / √(14.5²/5 + 7.8²/5) = 5.4 on about 6 df,
    // p ≈ 0.002: significant, up.
    crate::survey_loop::run_programme(&app, programme).await;
    answer_and_close(
        &app,
        &sink,
        "lon",
        &[
            ALL_THREES,
            ALL_THREES,
            ALL_THREES,
            ALL_THREES,
            COMPLETE_ANSWER,
        ],
    )
    .await;
    clock.advance(chrono::Duration::days(92));
    crate::survey_loop::run_programme(&app, programme).await;
    answer_and_close(
        &app,
        &sink,
        "lon",
        &[BEST, BEST, BEST, BEST, COMPLETE_ANSWER],
    )
    .await;

    let browser = new_browser();
    ask_for_link(&app, &browser, "agare@x.se").await;
    let links = wait_for_links(&sink, 1).await;
    use_link(&app, &browser, &links[0].1).await;
    let (status, home) = get(&app, &browser, "/dashboard").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("96,5"), "{home}");
    assert!(home.contains("change up"), "SUS rose significantly: {home}");
    assert!(
        home.contains("ökat 40,0 sedan ") && home.contains("statistiskt säkerställd (p = 0,00"),
        "{home}"
    );
    // Nyttoindex (mean 55.6 → 95.6) and tidsvinst (−18 → 54 minutes) rose as clearly;
    // NPS is not asked by this questionnaire, so it has no column at all.
    assert_eq!(home.matches("change up").count(), 3, "{home}");
    assert!(
        !home.contains("change down") && !home.contains(">NPS<"),
        "{home}"
    );
    let (_, english) = get(&app, &browser, "/dashboard?lang=en").await;
    assert!(
        english.contains("up 40.0 since ") && english.contains("statistically significant"),
        "{english}"
    );

    // Round 3 answers as round 2 did: no change, and it says so, marked not significant.
    clock.advance(chrono::Duration::days(92));
    crate::survey_loop::run_programme(&app, programme).await;
    answer_and_close(
        &app,
        &sink,
        "lon",
        &[BEST, BEST, BEST, BEST, COMPLETE_ANSWER],
    )
    .await;
    // 92 days later the session has long ended: sign in again.
    let browser = new_browser();
    ask_for_link(&app, &browser, "agare@x.se").await;
    let links = wait_for_links(&sink, 2).await;
    use_link(&app, &browser, &links[1].1).await;
    let (_, home) = get(&app, &browser, "/dashboard").await;
    assert!(
        home.contains("(±0,0)")
            && home.contains("oförändrat sedan ")
            && home.contains("inte statistiskt säkerställd (p = 1,000)"),
        "{home}"
    );
    assert!(!home.contains("change up"), "{home}");
}
