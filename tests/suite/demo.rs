//! `nyttopuls demo --small`, as a new user runs it: it makes its municipality through
//! the real code paths, prints where to look, and its server answers there: the
//! dashboard sign-in link, the open survey, the report files. A second run serves the
//! same demo; a database the demo did not make is refused.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

fn demo_command(dir: &std::path::Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_nyttopuls"));
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("NYTTOPULS")) {
        command.env_remove(name);
    }
    command
        .arg("demo")
        .args(args)
        .env("NYTTOPULS__SERVER__BIND", "127.0.0.1:0")
        .current_dir(dir);
    command
}

/// Runs the demo until it has printed its welcome; the lines printed and the server.
fn start(dir: &std::path::Path, args: &[&str]) -> (Vec<String>, std::process::Child) {
    let mut child = demo_command(dir, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = Vec::new();
    let started = Instant::now();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        let done = line.starts_with("API docs:");
        lines.push(line);
        if done || started.elapsed() > Duration::from_secs(300) {
            break;
        }
    }
    (lines, child)
}

fn after<'a>(lines: &'a [String], prefix: &str) -> &'a str {
    lines
        .iter()
        .find_map(|l| l.trim_start().strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line `{prefix}` in {lines:#?}"))
        .split_whitespace()
        .next()
        .unwrap()
}

/// The demo's database, opened as `nyttopuls serve` in `dir` would (its server stopped).
async fn demo_state(dir: &std::path::Path) -> nyttopuls::usecases::AppState {
    use nyttopuls::{
        config::{Secret, Settings},
        usecases::Clock,
    };
    let mut settings = Settings::load(None).unwrap();
    let data = dir.join("data");
    settings.database.url = Secret::new(format!(
        "sqlite://{}?mode=rw",
        data.join("nyttopuls.db").display()
    ));
    settings.survey.answer_key_file = data.join("answer.key").display().to_string();
    settings.mail.outbox_dir = data.join("outbox").display().to_string();
    nyttopuls::app::connect(settings, Clock::system())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_small_demo_makes_its_municipality_and_serves_it() {
    let dir = tempfile::tempdir().unwrap();
    let (lines, mut server) = start(dir.path(), &["--small"]);
    let text = lines.join("\n");
    assert!(text.contains("3 quarterly rounds of history"), "{text}");
    let sign_in = after(&lines, "Åsa Lindqvist (objektägare):").to_owned();
    let survey = after(&lines, "An open survey:").to_owned();
    let client = reqwest::Client::new();
    let page = client.get(&sign_in).send().await.unwrap();
    assert_eq!(page.status(), 200, "{sign_in}");
    let form = client.get(&survey).send().await.unwrap();
    assert_eq!(form.status(), 200, "{survey}");
    assert!(form.text().await.unwrap().contains("<form"));
    for extension in ["html", "csv", "xlsx"] {
        let found = std::fs::read_dir(dir.path().join("reports"))
            .unwrap()
            .any(|f| {
                f.unwrap()
                    .path()
                    .extension()
                    .is_some_and(|e| e == extension)
            });
        assert!(found, "a .{extension} report file");
    }
    let emails = std::fs::read_dir(dir.path().join("data/outbox"))
        .unwrap()
        .count();
    assert!(
        emails > 500,
        "invitations, reminders, digests and reports: {emails}"
    );
    assert!(dir.path().join("charts/overview.svg").exists());
    // This quarter's open link, printed beside the survey: anyone may answer there.
    assert!(text.contains("(E-tjänsteplattformen; QR code: "), "{text}");
    let open_link = after(&lines, "An open link for anyone:").to_owned();
    let open_page = client.get(&open_link).send().await.unwrap();
    assert_eq!(open_page.status(), 200, "{open_link}");
    assert!(open_page.text().await.unwrap().contains("<form"));
    let qr = client
        .get(format!("{open_link}/qr.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(qr.status(), 200);
    server.kill().unwrap();
    server.wait().unwrap();
    what_the_small_demo_did(dir.path(), &text).await;

    // Again: the same demo, a fresh token and link.
    let (again, mut server) = start(dir.path(), &["--small"]);
    assert!(again[0].contains("served again"), "{again:#?}");
    assert_ne!(after(&again, "Åsa Lindqvist (objektägare):"), sign_in);
    server.kill().unwrap();
    server.wait().unwrap();
}

/// The small demo's åtgärder and open link, as an objektägare and Kommunledningskontoret
/// see them. Its six services are SERVICES 0, 6, 13, 20, 26 and 33 (i × 40 / 6):
/// Lönesystemet, E-tjänsteplattformen, Elevhälsojournalen, Läkemedelsmodulen,
/// GIS-verktyget and Kulturskoleportalen, over three closed quarters (0, 1, 2).
async fn what_the_small_demo_did(dir: &std::path::Path, text: &str) {
    use nyttopuls::{
        domain::{Actor, PageRequest, ReportPeriod, ServiceFilter, action::ActionFilter},
        stats::aggregate::SegmentKey,
        usecases::{actions, catalogue, reports, results},
    };
    let state = demo_state(dir).await;
    let admin = Actor::cli();
    // The plans of src/demo/actions.rs on these services: Lönesystemet 3 (one a draft),
    // E-tjänsteplattformen 2, Läkemedelsmodulen 1: 3 + 2 + 1 = 6, of which 6 − 1 = 5
    // published.
    assert!(text.contains("; 6 åtgärder;"), "{text}");
    let all = actions::list_actions(
        &state,
        &admin,
        ActionFilter::default(),
        PageRequest::new(None, Some(100)).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(all.total, 6);
    let published = all.items.iter().filter(|a| a.details.published).count();
    assert_eq!(published, 5);
    let done = all
        .items
        .iter()
        .find(|a| a.details.title == "Vi byter till kommunens gemensamma inloggning")
        .expect("the done action on Lönesystemet");
    assert!(
        done.details.done_on.is_some(),
        "done on the day it was recorded"
    );
    assert_eq!(done.details.item_key.as_deref(), Some("sus3"));

    // The last quarter's nyttoanalys lists the three services' actions and counts the
    // services with figures and no action (Elevhälsojournalen and Kulturskoleportalen at
    // least; GIS-verktyget's 15 % may fall short).
    let period = ReportPeriod::last_ended_quarter(chrono::Utc::now());
    let report = reports::nyttoanalys_of(&state, &admin, period, false)
        .await
        .unwrap()
        .report;
    let mut with_actions: Vec<&str> = report
        .actions
        .services
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    with_actions.sort();
    assert_eq!(
        with_actions,
        ["E-tjänsteplattformen", "Läkemedelsmodulen", "Lönesystemet"]
    );
    let lines: usize = report
        .actions
        .services
        .iter()
        .map(|s| s.actions.len())
        .sum();
    assert_eq!(lines, 6);
    assert!(report.actions.results_without_action > 0, "{report:#?}");

    // The open link from quarter 1 on: quarter 1 had 3 answers through it (fewer than
    // the threshold of 5: no open-link figures), quarter 2 had 9 to 15 (shown); quarter
    // 0 had no link.
    let services = catalogue::list_services(
        &state,
        &admin,
        ServiceFilter::default(),
        PageRequest::new(None, Some(100)).unwrap(),
    )
    .await
    .unwrap();
    let eservice = services
        .items
        .iter()
        .find(|s| s.details.name == "E-tjänsteplattformen")
        .unwrap();
    let series = results::service_results(&state, &admin, eservice.id)
        .await
        .unwrap();
    let closed: Vec<_> = series.rounds.iter().filter(|r| r.round.closed).collect();
    assert_eq!(closed.len(), 3);
    let open_link_shown: Vec<bool> = closed
        .iter()
        .map(|r| r.segments.contains_key(&SegmentKey::OpenLink))
        .collect();
    assert_eq!(open_link_shown, [false, false, true]);
    assert!(closed[1].has_results(), "the round itself is shown");
}

#[test]
fn the_demo_never_touches_a_database_it_did_not_make() {
    let dir = tempfile::tempdir().unwrap();
    let mut token = Command::new(env!("CARGO_BIN_EXE_nyttopuls"));
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("NYTTOPULS")) {
        token.env_remove(name);
    }
    let made = token
        .args(["token", "create", "--role", "admin"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    for args in [&["--small"][..], &["--small", "--fresh"][..]] {
        let refused = demo_command(dir.path(), args).output().unwrap();
        assert_eq!(refused.status.code(), Some(2), "{refused:?}");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(stderr.contains("did not make"), "{stderr}");
    }
    assert!(
        dir.path().join("data/nyttopuls.db").exists(),
        "left as it was"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_sends_nothing_through_a_configured_relay() {
    let sink = crate::mail_sink::MailSink::start();
    let dir = tempfile::tempdir().unwrap();
    let port = sink.port.to_string();
    let mut child = demo_command(dir.path(), &["--small"])
        .env("NYTTOPULS__MAIL__TRANSPORT", "smtp")
        .env("NYTTOPULS__MAIL__SMTP_HOST", "127.0.0.1")
        .env("NYTTOPULS__MAIL__SMTP_PORT", &port)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        let done = line.starts_with("API docs:");
        lines.push(line);
        if done {
            break;
        }
    }
    let base = after(&lines, "API docs:")
        .trim_end_matches("/api/docs")
        .to_owned();
    let token = after(&lines, "Admin API token (30 days):").to_owned();
    // The server the demo leaves running dispatches its open round's invitations too.
    let run = reqwest::Client::new()
        .post(format!("{base}/api/v1/jobs/dispatch_outbox/run"))
        .bearer_auth(&token)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    let status = run.status();
    let body = run.text().await.unwrap();
    // Either this run sent the open round's invitations or the demo's own scheduler held
    // the dispatch lease and sends them: both go to the file outbox, never the relay.
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("\"sent\"") || body.contains("\"ran\":false"),
        "{body}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(sink.count(), 0, "nothing reached the relay");
    let files = std::fs::read_dir(dir.path().join("data/outbox"))
        .unwrap()
        .count();
    assert!(files > 500, "history written as files instead: {files}");
}

/// The full demo, as the README's first command makes it: its insatser stand where their
/// story puts them, and the rounds after go-live realise, miss or worsen their benefit
/// as the simulated answers say (see `src/demo/insatser.rs` for which service does what).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_full_demo_has_insatser_realised_not_realised_and_worse() {
    use nyttopuls::{
        domain::{
            Actor, ReportPeriod,
            insats::{InsatsFilter, InsatsStatus},
        },
        stats::insatser::RealisationStatus,
        usecases::{insatser, reports},
    };
    let dir = tempfile::tempdir().unwrap();
    let (lines, mut server) = start(dir.path(), &[]);
    server.kill().unwrap();
    server.wait().unwrap();
    let text = lines.join("\n");
    assert!(text.contains("4 KF goals and 11 insatser"), "{text}");

    let state = demo_state(dir.path()).await;
    let admin = Actor::cli();
    let all = insatser::list_insatser(&state, &admin, InsatsFilter::default())
        .await
        .unwrap();
    let status_of = |name: &str| {
        all.iter()
            .find(|i| i.details.name == name)
            .unwrap_or_else(|| panic!("no insats {name}"))
    };
    use InsatsStatus::*;
    use RealisationStatus as R;
    // (name, status, the latest round's realisation of its measured benefit)
    let expected = [
        (
            "Självservice för lön och ledighet",
            FollowedUp,
            Some(R::Achieved),
        ),
        (
            "Mobil schemaläggning för vikarier",
            FollowedUp,
            Some(R::Achieved),
        ),
        (
            "Ny medarbetarwebb i HR-portalen",
            FollowedUp,
            Some(R::Achieved),
        ),
        ("Ruttoptimering i hemtjänsten", Live, Some(R::Achieved)),
        (
            "Automatiska påminnelser i Frånvarosystemet",
            Live,
            Some(R::NotRealised),
        ),
        (
            "Ny inloggning och startsida i Skolplattformen",
            Live,
            Some(R::Worse),
        ),
        (
            "Nya ledningsrapporter i Beslutsstödet",
            Live,
            Some(R::TooFewAnswers),
        ),
        ("Ny sökfunktion på intranätet", InProgress, Some(R::Pending)),
        (
            "Automatisk gallring i E-arkivet",
            InProgress,
            Some(R::Pending),
        ),
        ("Ny kartmotor i Kartportalen", Assessed, None),
        ("Digital bygglovsansökan med e-legitimation", Proposal, None),
    ];
    assert_eq!(all.len(), expected.len());
    for (name, status, realised) in expected {
        let insats = status_of(name);
        assert_eq!(insats.status, status, "{name}");
        let Some(realised) = realised else {
            continue;
        };
        let measured = insatser::portfolio::realisation(&state, &admin, insats.id)
            .await
            .unwrap();
        assert_eq!(measured.benefits.len(), 1, "{name}");
        assert_eq!(measured.benefits[0].realisation.status, realised, "{name}");
    }
    // The awaiting two are ranked; the three followed up give the reference class.
    let priorities = insatser::portfolio::priorities(&state, &admin)
        .await
        .unwrap();
    assert_eq!(priorities.ranked.len(), 2);
    assert_eq!(priorities.reference.n, 3);

    // The last quarter's nyttoanalys: the one decided then, and a review proposed for
    // exactly the two live insatser whose benefit stayed away two rounds running.
    let period = ReportPeriod::last_ended_quarter(chrono::Utc::now());
    let report = reports::nyttoanalys_of(&state, &admin, period, false)
        .await
        .unwrap()
        .report;
    let section = report.insatser.expect("an Insatser section");
    let decided: Vec<&str> = section
        .decided
        .iter()
        .map(|d| d.name.insats.as_str())
        .collect();
    assert_eq!(decided, ["Automatisk gallring i E-arkivet"]);
    let reviewed: Vec<&str> = section
        .proposals
        .iter()
        .map(|p| p.name.insats.as_str())
        .collect();
    assert_eq!(
        reviewed,
        [
            "Automatiska påminnelser i Frånvarosystemet",
            "Ny inloggning och startsida i Skolplattformen"
        ]
    );
    assert_eq!(section.realisation.len(), 7, "{:#?}", section.realisation);
}
