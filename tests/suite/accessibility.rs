//! WCAG 2.1 AA check of the respondent's pages. Starts the real server on a free port,
//! creates a service, a respondent and a programme through the API, runs the programme,
//! dispatches the invitation to the file outbox, takes the survey token from the
//! emailed link, and runs `tests/a11y/check.mjs` (axe-core in Debian's headless
//! Chromium) on the answer form, its error state after an empty submit, the opt-out
//! page, the thank-you page after an answer, and the link and opt-out page of a person
//! who opted out, in Swedish and English, on a desktop and a 320 px wide phone viewport
//! (`A11Y_SCREENSHOTS=DIR` saves screenshots of the phone pages there). The dashboard
//! and insatser pages have tests of their own below.
//!
//! Needs node, /usr/bin/chromium and tests/a11y/node_modules: `bash .ci/a11y-setup.sh`.
//! Fails (does not skip) when they are missing.

use std::{collections::HashMap, path::Path, process::Command, time::Duration};

use nyttopuls::{
    app::Application,
    config::{MailTransportKind, Secret, Settings},
    domain::{Actor, Role},
};
use serde_json::{Value, json};

const COMPLETE_ANSWER: &str = "sus1=4&sus2=2&sus3=4&sus4=1&sus5=4&sus6=2&sus7=5&sus8=1&sus9=4&sus10=2\
&nytta1=6&nytta2=5&nytta3=6&tid=30&kommentar=Bra";

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

async fn post(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    path: &str,
    body: Value,
) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
    let response = client
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await?;
    let status = response.status();
    let text = response.text().await?;
    if !status.is_success() {
        return Err(format!("POST {path} answered {status}: {text}").into());
    }
    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The survey token of each invitation in the file outbox (`…/s/{token}`), by recipient.
fn tokens_from_outbox(
    outbox: &Path,
) -> Result<HashMap<String, String>, Box<dyn std::error::Error + Send + Sync>> {
    let mut tokens = HashMap::new();
    for entry in std::fs::read_dir(outbox)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "eml") {
            let raw = std::fs::read(&path)?;
            let parsed = mail_parser::MessageParser::default()
                .parse(&raw)
                .ok_or("the invitation is not a parseable email")?;
            let to = parsed
                .to()
                .and_then(|to| to.first())
                .and_then(|address| address.address())
                .ok_or("the invitation has no recipient")?
                .to_owned();
            tokens.insert(to, token_in(&parsed)?);
        }
    }
    Ok(tokens)
}

fn token_in(
    parsed: &mail_parser::Message,
) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    let body = parsed
        .body_text(0)
        .ok_or("the invitation has no text part")?
        .into_owned();
    let (_, after) = body
        .split_once("/s/")
        .ok_or_else(|| format!("no /s/ link in the invitation:\n{body}"))?;
    let token: String = after
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    if token.len() < 16 {
        return Err(format!("implausible survey token {token:?} in:\n{body}").into());
    }
    Ok(token)
}

/// Runs check.mjs with `args`; an error with its whole output unless it exits 0 and
/// reports on every page it was given.
fn run_check(args: Vec<String>) -> Result<(), String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/a11y");
    if !(dir.join("node_modules/axe-core").is_dir()
        && dir.join("node_modules/playwright-core").is_dir())
    {
        return Err("tests/a11y/node_modules lacks axe-core or playwright-core: run `bash .ci/a11y-setup.sh`".into());
    }
    let output = Command::new("node")
        .arg(dir.join("check.mjs"))
        .args(&args)
        .current_dir(&dir)
        .output()
        .map_err(|e| format!("cannot run node (run `bash .ci/a11y-setup.sh`): {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!(
            "check.mjs {args:?} exited with {}:\n{stdout}\n{stderr}",
            output.status
        ));
    }
    let summary: Value = serde_json::from_str(&stdout)
        .map_err(|e| format!("check.mjs printed no JSON summary ({e}):\n{stdout}\n{stderr}"))?;
    let checked = summary["pages"].as_array().map_or(0, Vec::len);
    let expected = args.iter().filter(|a| a.starts_with("http")).count();
    if checked != expected {
        return Err(format!(
            "check.mjs reported on {checked} pages, not {expected}:\n{stdout}"
        ));
    }
    println!("{stdout}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn respondent_pages_meet_wcag_2_1_aa() -> TestResult {
    let dir = tempfile::tempdir()?;
    let outbox = dir.path().join("outbox");
    let mut settings = Settings::load(None)?;
    settings.server.bind = "127.0.0.1:0".into();
    settings.database.url = Secret::new(format!("sqlite://{}/t.db?mode=rwc", dir.path().display()));
    settings.mail.transport = MailTransportKind::File;
    settings.mail.outbox_dir = outbox.display().to_string();
    settings.scheduler.enabled = false;

    let app = Application::build(settings).await?;
    let port = app.port;
    let state = app.state().clone();
    tokio::spawn(app.run_until(std::future::pending()));
    let base = format!("http://127.0.0.1:{port}");

    let admin = nyttopuls::usecases::tokens::create_token(
        &state,
        &Actor::cli(),
        Role::Admin,
        "a11y test",
        None,
    )
    .await?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    post(
        &client,
        &base,
        &admin,
        "/api/v1/services",
        json!({"name": "Skolwebben", "slug": "skolwebben"}),
    )
    .await?;
    // One person to look at the form, one who answers, one who opts out.
    for email in ["a@x.se", "b@x.se", "c@x.se"] {
        post(
            &client,
            &base,
            &admin,
            "/api/v1/respondents",
            json!({"email": email, "name": "Åsa", "services": ["skolwebben"]}),
        )
        .await?;
    }
    let programme = post(
        &client,
        &base,
        &admin,
        "/api/v1/programmes",
        json!({"name": "Kvartal", "schedule": "0 0 8 1 */3 *"}),
    )
    .await?;
    let programme_id = programme["id"]
        .as_i64()
        .ok_or("the new programme has no id")?;
    let run = post(
        &client,
        &base,
        &admin,
        &format!("/api/v1/programmes/{programme_id}/run"),
        json!({}),
    )
    .await?;
    assert_eq!(
        run["invitations"], 3,
        "running the programme invites everyone: {run}"
    );
    post(
        &client,
        &base,
        &admin,
        "/api/v1/jobs/dispatch_outbox/run",
        json!({}),
    )
    .await?;

    let tokens = tokens_from_outbox(&outbox)?;
    let answer = format!("{base}/s/{}", tokens["a@x.se"]);
    let opt_out = format!("{answer}/opt-out");
    let answered = format!("{base}/s/{}", tokens["b@x.se"]);
    let opted_out = format!("{base}/s/{}", tokens["c@x.se"]);
    let form_post = |url: String, body: &'static str| {
        client
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let thanks = form_post(answered.clone(), COMPLETE_ANSWER).await?;
    assert!(
        thanks.url().path().ends_with("/thanks"),
        "an answer lands on the thank-you page: {}",
        thanks.url()
    );
    assert_eq!(thanks.status(), 200);
    let thanks = format!("{answered}/thanks");
    let stopped = form_post(format!("{opted_out}/opt-out"), "scope=service").await?;
    assert_eq!(stopped.status(), 200);

    // The pages answer as expected before the browser looks at them.
    let form = client.get(&answer).send().await?;
    assert_eq!(form.status(), 200);
    let html = form.text().await?;
    assert!(
        html.contains("<form") && html.contains("Skolwebben"),
        "{html}"
    );

    let pages = move |suffix: &str| {
        vec![
            format!("{answer}{suffix}"),
            "--submit-empty".to_owned(),
            format!("{answer}{suffix}"),
            format!("{opt_out}{suffix}"),
            format!("{thanks}{suffix}"),
            format!("{opted_out}{suffix}"),
            format!("{opted_out}/opt-out{suffix}"),
        ]
    };
    let checked = tokio::task::spawn_blocking(move || {
        let mut desktop = pages("");
        desktop.extend(pages("?lang=en"));
        run_check(desktop)?;
        // 320 CSS px wide: WCAG 1.4.10 Reflow (check.mjs fails on sideways scrolling).
        let mut phone = vec!["--viewport".to_owned(), "320x568".to_owned()];
        if let Ok(dir) = std::env::var("A11Y_SCREENSHOTS") {
            phone.extend(["--screenshots".to_owned(), dir]);
        }
        phone.extend(pages(""));
        phone.extend(pages("?lang=en"));
        run_check(phone)
    })
    .await?;
    if let Err(report) = checked {
        panic!("{report}");
    }
    Ok(())
}

/// The session cookie a sign-in response sets.
fn session_cookie(response: &reqwest::Response) -> Result<String, String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("np_session="))
        .and_then(|rest| rest.split(';').next())
        .map(str::to_owned)
        .ok_or_else(|| "the sign-in set no session cookie".to_owned())
}

/// WCAG 2.1 AA check of the owner dashboard: the sign-in page (and its error state
/// after an empty submit), the page a sign-in link opens, an objektägare's services and
/// a service page with its tables, inline charts (with the open link's line and table
/// column) and actions (the list with each action's form, and the form for a new one),
/// and Kommunledningskontoret's overview and one owner's page; and a respondent's
/// results page and thank-you page with a published action; Swedish and English,
/// desktop and 320 px.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_pages_meet_wcag_2_1_aa() -> TestResult {
    use crate::dashboard::{SIX_FORMS, ask_for_link, new_browser, spawn, use_link, wait_for_links};
    let (app, sink) = spawn(nyttopuls::usecases::Clock::system(), |_| {}).await;
    let (service, owner, round) =
        crate::results::closed_round(&app, &sink, "ekonomi", 8, &SIX_FORMS, false).await;
    // Five answers through the open link: the service page's charts and their tables
    // carry the link's line and column.
    crate::charts::through_the_open_link(&app, round, &[crate::survey_loop::COMPLETE_ANSWER; 5], 1)
        .await;
    crate::charts::close(&app, round).await;
    // A published action: the service page lists it with its form, and a respondent's
    // results and thank-you pages show it.
    app.create(
        "/api/v1/actions",
        json!({"service_id": service, "round_id": round, "item_key": "sus3",
               "title": "Snabbare inloggning", "status": "in_progress", "due_on": "2027-03-31",
               "public_text": "Vi byter till kommunens gemensamma inloggning.", "published": true}),
    )
    .await;
    let respondent =
        crate::survey_loop::email_to(&crate::survey_loop::emails(&sink), "ekonomi0@x.se").token();
    let added = Command::new(env!("CARGO_BIN_EXE_nyttopuls"))
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
        .output()?;
    assert!(added.status.success(), "{added:?}");
    let browser = new_browser();
    for address in ["agare.ekonomi@x.se", "klk@x.se", "agare.ekonomi@x.se"] {
        ask_for_link(&app, &browser, address).await;
    }
    let links = wait_for_links(&sink, 3).await;
    let link_of = |address: &str| {
        links
            .iter()
            .filter(|(to, _)| to == address)
            .map(|(_, path)| path.clone())
            .collect::<Vec<_>>()
    };
    let owner_links = link_of("agare.ekonomi@x.se");
    let owner_session = session_cookie(&use_link(&app, &new_browser(), &owner_links[0]).await)?;
    let admin_session =
        session_cookie(&use_link(&app, &new_browser(), &link_of("klk@x.se")[0]).await)?;
    let unused_link = app.url(&owner_links[1]);

    let base = app.address.clone();
    let checked = tokio::task::spawn_blocking(move || {
        for viewport in ["1280x800", "320x568"] {
            for lang in ["sv", "en"] {
                let at = |path: &str| format!("{base}{path}?lang={lang}");
                let mut public = vec!["--viewport".to_owned(), viewport.to_owned()];
                public.extend([
                    at("/dashboard/login"),
                    "--submit-empty".to_owned(),
                    at("/dashboard/login"),
                    format!("{unused_link}?lang={lang}"),
                    at(&format!("/s/{respondent}/results")),
                    at(&format!("/s/{respondent}/thanks")),
                ]);
                run_check(public)?;
                let mut owner_pages = vec![
                    "--viewport".to_owned(),
                    viewport.to_owned(),
                    "--cookie".to_owned(),
                    format!("np_session={owner_session}@/dashboard"),
                ];
                if let Ok(dir) = std::env::var("A11Y_SCREENSHOTS") {
                    owner_pages.extend([
                        "--screenshots".to_owned(),
                        format!("{dir}/dashboard-{viewport}-{lang}"),
                    ]);
                }
                owner_pages.extend([
                    at("/dashboard"),
                    at(&format!("/dashboard/services/{service}")),
                ]);
                run_check(owner_pages)?;
                run_check(vec![
                    "--viewport".to_owned(),
                    viewport.to_owned(),
                    "--cookie".to_owned(),
                    format!("np_session={admin_session}@/dashboard"),
                    at("/dashboard"),
                    at(&format!("/dashboard/owners/{owner}")),
                    at("/dashboard/reports"),
                ])?;
            }
        }
        Ok::<(), String>(())
    })
    .await?;
    if let Err(report) = checked {
        panic!("{report}");
    }
    Ok(())
}

/// WCAG 2.1 AA check of the insatser pages: an objektägare's insatser and one insats
/// with its charts and status form, and Kommunledningskontoret's portfolio, every
/// insats and a proposal's page; Swedish and English, desktop and 320 px.
/// `A11Y_SCREENSHOTS=DIR` also saves screenshots, with a 390 px phone pass besides.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insatser_pages_meet_wcag_2_1_aa() -> TestResult {
    use crate::insatser_pages::{portfolio, session_for};
    let (app, _sink, shown) = portfolio().await;
    let owner_session = session_for(&app, shown.owner_email).await;
    let admin_session = session_for(&app, shown.admin_email).await;
    let base = app.address.clone();
    let (live, proposal) = (shown.live, shown.proposal);
    let checked = tokio::task::spawn_blocking(move || {
        let screenshots = std::env::var("A11Y_SCREENSHOTS").ok();
        let mut viewports = vec!["1280x800", "320x568"];
        if screenshots.is_some() {
            viewports.push("390x844");
        }
        for viewport in viewports {
            for lang in ["sv", "en"] {
                let at = |path: &str| format!("{base}{path}?lang={lang}");
                let run = |who: &str, session: &str, paths: Vec<String>| {
                    let mut args = vec![
                        "--viewport".to_owned(),
                        viewport.to_owned(),
                        "--cookie".to_owned(),
                        format!("np_session={session}@/dashboard"),
                    ];
                    if let Some(dir) = &screenshots {
                        args.extend([
                            "--screenshots".to_owned(),
                            format!("{dir}/insatser-{who}-{viewport}-{lang}"),
                        ]);
                    }
                    args.extend(paths);
                    run_check(args)
                };
                run(
                    "owner",
                    &owner_session,
                    vec![
                        at("/dashboard/insatser"),
                        at(&format!("/dashboard/insatser/{live}")),
                    ],
                )?;
                run(
                    "admin",
                    &admin_session,
                    vec![
                        at("/dashboard/portfolio"),
                        at("/dashboard/insatser"),
                        at(&format!("/dashboard/insatser/{proposal}")),
                    ],
                )?;
            }
        }
        Ok::<(), String>(())
    })
    .await?;
    if let Err(report) = checked {
        panic!("{report}");
    }
    Ok(())
}

/// WCAG 2.1 AA check of an open link's pages (`/o/{code}`): the answer form and its
/// error state, the page a browser that answered sees and its thank-you page (with the
/// answered cookie), and a closed round's link (410); Swedish and English, desktop and
/// 320 px.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_link_pages_meet_wcag_2_1_aa() -> TestResult {
    let (app, sink) = crate::survey_loop::spawn_with_sink(|_| {}).await;
    let open_link = async |slug: &str| -> Result<String, String> {
        let (_, _, round) = crate::results::closed_round(&app, &sink, slug, 1, &[], false).await;
        let made = app
            .post_json(&format!("/api/v1/rounds/{round}/open-link"), &json!({}))
            .await;
        let made: Value = made.json().await.map_err(|e| e.to_string())?;
        let url = made["url"].as_str().ok_or("no url")?.to_owned();
        Ok(format!("{url}|{round}"))
    };
    let open = open_link("oppen").await?;
    let (url, _) = open.split_once('|').ok_or("no url")?;
    let closed = open_link("stangd").await?;
    let (closed_url, closed_round) = closed.split_once('|').ok_or("no url")?;
    let done = app
        .post_json(&format!("/api/v1/rounds/{closed_round}/close"), &json!({}))
        .await;
    assert_eq!(done.status(), 200);
    let path = url.split_once("/o/").map(|(_, code)| format!("/o/{code}"));
    let cookie = format!("nyttopuls_answered=1@{}", path.ok_or("no path")?);

    let (url, closed_url) = (url.to_owned(), closed_url.to_owned());
    let fresh = move |lang: &str| {
        vec![
            format!("{url}{lang}"),
            "--submit-empty".to_owned(),
            format!("{url}{lang}"),
            "--gone".to_owned(),
            format!("{closed_url}{lang}"),
        ]
    };
    let answered = {
        let url = fresh("")[0].clone();
        move |lang: &str| vec![format!("{url}{lang}"), format!("{url}/thanks{lang}")]
    };
    let checked = tokio::task::spawn_blocking(move || {
        for viewport in ["1280x800", "320x568"] {
            let mut before = vec!["--viewport".to_owned(), viewport.to_owned()];
            before.extend(fresh(""));
            before.extend(fresh("?lang=en"));
            run_check(before)?;
            let mut after = vec![
                "--viewport".to_owned(),
                viewport.to_owned(),
                "--cookie".to_owned(),
                cookie.clone(),
            ];
            after.extend(answered(""));
            after.extend(answered("?lang=en"));
            run_check(after)?;
        }
        Ok::<(), String>(())
    })
    .await?;
    if let Err(report) = checked {
        panic!("{report}");
    }
    Ok(())
}
