//! Results as an objektägare and Kommunledningskontoret read them: a closed round's
//! figures with hand-computed values, the threshold hiding small groups and comments,
//! open rounds showing only their response rate, owner isolation on every results
//! route, and `nyttopuls recompute` giving the same figures again.

use std::process::Command;

use sea_orm::ConnectionTrait;

use crate::common::{TestApp, id_of, status_and_json};
use crate::survey_loop::{
    COMPLETE_ANSWER, answer, create_programme, email_to, emails, rounds, run_programme,
    spawn_with_sink,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub(crate) const ALL_THREES: &str = "sus1=3&sus2=3&sus3=3&sus4=3&sus5=3&sus6=3&sus7=3&sus8=3&sus9=3&sus10=3\
&nytta1=4&nytta2=4&nytta3=4&tid=-30&kommentar=Seg+inloggning";

async fn get_json(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    status_and_json(
        app.client
            .get(app.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// A service owned by a new owner, used by `people`; answers from the first `answering`
/// with `forms[i]`; returns (service, owner, round).
pub(crate) async fn closed_round(
    app: &TestApp,
    sink: &crate::mail_sink::MailSink,
    slug: &str,
    people: usize,
    forms: &[&str],
    close: bool,
) -> (i64, i64, i64) {
    let owner = id_of(
        &app.create(
            "/api/v1/owners",
            json!({"name": format!("Ägare {slug}"), "email": format!("agare.{slug}@x.se")}),
        )
        .await,
    );
    let service = id_of(
        &app.create(
            "/api/v1/services",
            json!({"name": format!("Tjänst {slug}"), "slug": slug, "owner_id": owner,
                   "users_count": 500, "annual_cost_sek": 100000}),
        )
        .await,
    );
    for i in 0..people {
        app.create(
            "/api/v1/respondents",
            json!({"email": format!("{slug}{i}@x.se"), "name": format!("Person {i}"),
                   "services": [slug]}),
        )
        .await;
    }
    let programme = create_programme(
        app,
        json!({"name": format!("Kvartal {slug}"), "schedule": "0 0 8 1 */3 *", "service_ids": [service]}),
    )
    .await;
    run_programme(app, programme).await;
    crate::survey_loop::run_job(app, "dispatch_outbox").await;
    let mail = emails(sink);
    for (i, form) in forms.iter().enumerate() {
        let token = email_to(&mail, &format!("{slug}{i}@x.se")).token();
        assert_eq!(answer(app, &token, form).await.0, StatusCode::OK);
    }
    let round = rounds(app, &format!("service_id={service}")).await[0]["id"]
        .as_i64()
        .unwrap();
    if close {
        let closed = app
            .post_json(&format!("/api/v1/rounds/{round}/close"), &json!({}))
            .await;
        assert_eq!(closed.status(), StatusCode::OK);
    }
    (service, owner, round)
}

fn figure<'a>(round: &'a Value, metric: &str) -> &'a Value {
    round["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["metric"] == metric)
        .unwrap_or_else(|| panic!("no {metric} in {round}"))
}

fn close_to(value: &Value, expected: f64) -> bool {
    (value.as_f64().unwrap() - expected).abs() < 1e-3
}

#[tokio::test]
async fn a_closed_round_shows_hand_computed_figures_and_its_comments() {
    let (app, sink) = spawn_with_sink(|_| {}).await;
    // Five answers scoring SUS 82.5 (4,2,4,1,4,2,5,1,4,2) and one scoring 50 (all 3s),
    // of 8 invited.
    let forms = crate::dashboard::SIX_FORMS;
    let (service, owner, round) = closed_round(&app, &sink, "ekonomi", 8, &forms, true).await;
    let (status, results) = get_json(
        &app,
        &app.admin_token,
        &format!("/api/v1/services/{service}/results"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{results}");
    let first = &results["rounds"][0];
    assert_eq!(
        (&first["results"], &first["answered"], &first["delivered"]),
        (&json!("released"), &json!(6), &json!(8))
    );
    // Response rate 6/8 = 0.75.
    assert!(close_to(&first["response_rate"]["share"], 0.75));
    // SUS: (5 · 82.5 + 50) / 6 = 77.0833; SD: deviations 5.4167 (×5) and −27.0833:
    // Σ = 5 · 29.340 + 733.507 = 880.208, /5 = 176.042, √ = 13.268;
    // t(5) = 2.57058 → ± 13.924.
    let sus = figure(first, "sus");
    assert_eq!(sus["n"], 6);
    assert!(close_to(&sus["mean"], 77.0833), "{sus}");
    assert!(close_to(&sus["sd"], 13.2681), "{sus}");
    assert!(close_to(&sus["ci_low"], 77.0833 - 13.9241), "{sus}");
    // Nyttoindex: 6,5,6 → (17/3 − 1)/6 · 100 = 77.778 (×5); 4,4,4 → 50: mean 73.148.
    assert!(close_to(&figure(first, "nyttoindex")["mean"], 73.1481));
    // Tidsvinst: 30 (×5) and −30: mean 20, median 30.
    let tid = figure(first, "tidsvinst");
    assert!(
        close_to(&tid["mean"], 20.0) && close_to(&tid["median"], 30.0),
        "{tid}"
    );

    let (status, comments) = get_json(
        &app,
        &app.admin_token,
        &format!("/api/v1/services/{service}/rounds/{round}/comments"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(comments["status"], "shown");
    let mut texts: Vec<&str> = comments["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    texts.sort();
    let mut expected = vec!["Bra tjänst"; 5];
    expected.push("Seg inloggning");
    assert_eq!(texts, expected);

    // The owner reads their own; the owner level is the one service's figure.
    let token = app.owner_token(owner).await;
    let (status, mine) = get_json(&app, &token, &format!("/api/v1/owners/{owner}/results")).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    let combined_sus = mine["combined"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["metric"] == "sus")
        .unwrap();
    assert!(close_to(&combined_sus["mean"], 77.0833));
    assert_eq!(combined_sus["n"], 6);
}

#[tokio::test]
async fn small_groups_show_too_few_answers_and_open_rounds_only_their_rate() {
    let (app, sink) = spawn_with_sink(|_| {}).await;
    let four = [COMPLETE_ANSWER; 4];
    let (small, _, small_round) = closed_round(&app, &sink, "liten", 6, &four, true).await;
    let (_, results) = get_json(
        &app,
        &app.admin_token,
        &format!("/api/v1/services/{small}/results"),
    )
    .await;
    let round = &results["rounds"][0];
    assert_eq!(round["results"], "too_few_answers");
    assert_eq!(round["figures"], json!([]));
    let (_, comments) = get_json(
        &app,
        &app.admin_token,
        &format!("/api/v1/services/{small}/rounds/{small_round}/comments"),
    )
    .await;
    assert_eq!(
        comments,
        json!({"status": "too_few_answers", "comments": []})
    );

    let (open, _, open_round) = closed_round(&app, &sink, "oppen", 6, &four, false).await;
    let (_, results) = get_json(
        &app,
        &app.admin_token,
        &format!("/api/v1/services/{open}/results"),
    )
    .await;
    let round = &results["rounds"][0];
    assert_eq!(
        (&round["status"], &round["results"]),
        (&json!("open"), &json!("pending"))
    );
    assert!(close_to(&round["response_rate"]["share"], 4.0 / 6.0));
    assert_eq!(round["figures"], json!([]));
    let (_, comments) = get_json(
        &app,
        &app.admin_token,
        &format!("/api/v1/services/{open}/rounds/{open_round}/comments"),
    )
    .await;
    assert_eq!(comments["status"], "pending");
}

#[tokio::test]
async fn an_owner_reaches_only_their_own_results_and_comments() {
    let (app, sink) = spawn_with_sink(|_| {}).await;
    let five = [COMPLETE_ANSWER; 5];
    let (service, owner, round) = closed_round(&app, &sink, "hemlig", 5, &five, true).await;
    let other = id_of(
        &app.create(
            "/api/v1/owners",
            json!({"name": "Annan", "email": "annan@x.se"}),
        )
        .await,
    );
    let department = id_of(
        &app.create("/api/v1/departments", json!({"name": "Kultur"}))
            .await,
    );
    let token = app.owner_token(other).await;
    for path in [
        format!("/api/v1/services/{service}/results"),
        format!("/api/v1/services/{service}/rounds/{round}/comments"),
        format!("/api/v1/owners/{owner}/results"),
        format!("/api/v1/departments/{department}/results"),
    ] {
        let (status, body) = get_json(&app, &token, &path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
    }
    let (status, _) = get_json(
        &app,
        &app.admin_token,
        &format!("/api/v1/departments/{department}/results"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = get_json(&app, &app.admin_token, "/api/v1/services/999999/results").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn recompute_rebuilds_the_same_figures() {
    let (app, sink) = spawn_with_sink(|_| {}).await;
    let forms = [
        COMPLETE_ANSWER,
        COMPLETE_ANSWER,
        ALL_THREES,
        ALL_THREES,
        ALL_THREES,
    ];
    let (service, _, _) = closed_round(&app, &sink, "omrakna", 5, &forms, true).await;
    let path = format!("/api/v1/services/{service}/results");
    let before = get_json(&app, &app.admin_token, &path).await.1;
    let recompute = || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_nyttopuls"));
        for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("NYTTOPULS")) {
            command.env_remove(name);
        }
        let output = command
            .arg("recompute")
            .env("NYTTOPULS__DATABASE__URL", &app.database_url)
            .env("NYTTOPULS__SURVEY__ANSWER_KEY_FILE", &app.answer_key_file)
            .env(
                "NYTTOPULS__MAIL__OUTBOX_DIR",
                app.tempdir.path().join("outbox"),
            )
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(stdout.starts_with("recomputed 1 rounds:"), "{stdout}");
    };
    recompute();
    recompute();
    assert_eq!(get_json(&app, &app.admin_token, &path).await.1, before);

    // As after a fix: the answers' first SUS item scored higher, recomputed by another
    // process. The server, which has read these figures before, shows the new ones:
    // SUS (2 × 82.5 + 3 × 50) / 5 = 63 becomes (2 × 85 + 3 × 50) / 5 = 64.
    let sus = |results: &Value| figure(&results["rounds"][0], "sus")["mean"].clone();
    assert!(close_to(&sus(&before), 63.0), "{before}");
    let changed = app
        .db
        .execute_unprepared(
            r#"UPDATE responses SET answers = REPLACE(answers, '"sus1":4', '"sus1":5') WHERE answers LIKE '%"sus1":4%'"#,
        )
        .await
        .unwrap();
    assert_eq!(changed.rows_affected(), 2);
    recompute();
    let after = get_json(&app, &app.admin_token, &path).await.1;
    assert!(close_to(&sus(&after), 64.0), "{after}");
}

#[tokio::test]
async fn charts_are_served_with_etags_and_written_once_by_the_job() {
    let (app, sink) = spawn_with_sink(|_| {}).await;
    let forms = [COMPLETE_ANSWER; 5];
    let (service, owner, _) = closed_round(&app, &sink, "diagram", 5, &forms, true).await;
    let path = format!("/api/v1/services/{service}/charts/sus.svg");
    let response = app.get(&path).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/svg+xml");
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let svg = response.text().await.unwrap();
    let document = roxmltree::Document::parse(&svg).expect("the SVG parses");
    let title = document
        .descendants()
        .find(|n| n.has_tag_name("title"))
        .and_then(|n| n.text())
        .unwrap();
    assert_eq!(title, "Användbarhet (SUS) – Tjänst diagram");
    let again = app
        .client
        .get(app.url(&path))
        .bearer_auth(&app.admin_token)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    let png = app
        .get(&format!(
            "/api/v1/services/{service}/charts/response_rate.png"
        ))
        .await;
    assert_eq!(png.status(), StatusCode::OK);
    let decoded = image::load_from_memory(&png.bytes().await.unwrap()).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (800, 450));
    let (status, _) = get_json(
        &app,
        &app.admin_token,
        &format!("/api/v1/services/{service}/charts/lycka.svg"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // NPS was not asked: no chart.
    let (status, _) = get_json(
        &app,
        &app.admin_token,
        &format!("/api/v1/services/{service}/charts/nps.svg"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Another owner may not see it.
    let other = id_of(
        &app.create(
            "/api/v1/owners",
            json!({"name": "Annan", "email": "annan2@x.se"}),
        )
        .await,
    );
    let token = app.owner_token(other).await;
    let (status, _) = get_json(&app, &token, &path).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let token = app.owner_token(owner).await;
    let own = app
        .client
        .get(app.url(&path))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), StatusCode::OK);

    // The owner's services side by side, and the overview for Kommunledningskontoret.
    let owner_chart = format!("/api/v1/owners/{owner}/charts/sus.svg");
    let theirs = app
        .client
        .get(app.url(&owner_chart))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(theirs.status(), StatusCode::OK);
    assert!(theirs.text().await.unwrap().contains("Tjänst diagram"));
    let overview = app.get("/api/v1/charts/overview.svg").await;
    assert_eq!(overview.status(), StatusCode::OK);
    assert!(overview.text().await.unwrap().contains("Tjänst diagram"));
    let (status, _) = get_json(&app, &token, "/api/v1/charts/overview.svg").await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the overview is Kommunledningskontoret's"
    );
    let stranger = app.owner_token(other).await;
    let (status, _) = get_json(&app, &stranger, &owner_chart).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let first = crate::survey_loop::run_job(&app, "render_charts").await;
    // The service's SUS, nyttoindex, tidsvinst and response rate (4), the overview (1)
    // and its owner's SUS and nyttoindex (2), each as SVG, PNG and @2x PNG.
    assert_eq!(first["counts"]["written"], 21, "{first}");
    let charts = app.tempdir.path().join("charts");
    assert!(charts.join("overview.svg").is_file());
    assert!(
        charts
            .join(format!("owners/{owner}/nyttoindex@2x.png"))
            .is_file()
    );
    let folder = app.tempdir.path().join("charts/services/diagram");
    let svg = std::fs::read_to_string(folder.join("sus.svg")).unwrap();
    assert!(svg.contains("Tjänst diagram"));
    let large = image::open(folder.join("sus@2x.png")).unwrap();
    assert_eq!((large.width(), large.height()), (1600, 900));
    let second = crate::survey_loop::run_job(&app, "render_charts").await;
    assert_eq!(
        (&second["counts"]["written"], &second["counts"]["unchanged"]),
        (&json!(0), &json!(21))
    );
}

#[tokio::test]
async fn charts_are_rendered_again_soon_after_a_round_closes() {
    let (app, sink) = spawn_with_sink(|settings| settings.scheduler.enabled = true).await;
    let forms = [COMPLETE_ANSWER; 5];
    closed_round(&app, &sink, "efter-stangning", 5, &forms, true).await;
    let chart = app
        .tempdir
        .path()
        .join("charts/services/efter-stangning/sus.svg");
    for _ in 0..100 {
        if chart.exists() {
            let svg = std::fs::read_to_string(&chart).unwrap();
            assert!(svg.contains("Tjänst efter-stangning"), "{svg}");
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no chart at {} 10 s after the close", chart.display());
}
