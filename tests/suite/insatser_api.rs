//! Insatser and KF goals over HTTP, as an integrator sees them: a nyttokalkyl built through
//! `POST /api/v1/insatser` comes back with the figures worked out by hand below; a live
//! insats's realisation after a round answered through the real answer pages; the
//! reference class and adjusted NPV from three followed-up insatser; bad input a 4xx
//! naming the field with nothing stored; an objektägare kept to their own insatser. The
//! rules themselves are tested through the use cases in `insatser`.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    common::{TestApp, assert_error, id_of, spawn_app, status_and_json},
    results::closed_round,
    survey_loop::{COMPLETE_ANSWER, spawn_with_sink},
};

async fn post(app: &TestApp, token: &str, path: &str, body: &Value) -> (StatusCode, Value) {
    status_and_json(app.post_json_as(token, path, body).await).await
}

async fn put(app: &TestApp, token: &str, path: &str, body: &Value) -> (StatusCode, Value) {
    status_and_json(app.put_json_as(token, path, body).await).await
}

async fn get(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    status_and_json(app.get_as(token, path).await).await
}

/// Moves insats `id` through `statuses` as `token`, each on `on`.
async fn move_through(app: &TestApp, token: &str, id: i64, statuses: &[&str], on: &str) {
    for status in statuses {
        let (code, body) = post(
            app,
            token,
            &format!("/api/v1/insatser/{id}/status"),
            &json!({"status": status, "on": on}),
        )
        .await;
        assert_eq!(code, StatusCode::OK, "to {status}: {body}");
        assert_eq!(body["status"], *status);
    }
}

fn close(value: &Value, expected: f64, tolerance: f64) -> bool {
    value
        .as_f64()
        .is_some_and(|v| (v - expected).abs() <= tolerance)
}

/// Asserts `value` is a number within 1e-6 of `expected`, naming `what`.
#[track_caller]
fn assert_figure(value: &Value, expected: f64, what: &str) {
    assert!(close(value, expected, 1e-6), "{what}: {value} ≠ {expected}");
}

/// The fields named by a 400's `problems`.
fn problem_fields(body: &Value) -> Vec<String> {
    body["problems"]
        .as_array()
        .unwrap_or_else(|| panic!("no problems in {body}"))
        .iter()
        .map(|p| p["field"].as_str().unwrap().to_owned())
        .collect()
}

/// The three-year kalkyl worked out by hand in
/// `a_kalkyl_built_through_the_api_returns_the_figures_worked_out_by_hand`.
fn three_year_kalkyl(service: i64) -> Value {
    json!({
        "calculation_years": 3,
        "discount_rate": 0.05,
        "investment_sek": 90000,
        "annual_running_cost_sek": 10000,
        "benefits": [
            {"description": "Färre kompletteringar", "category": "financial",
             "annual_value_sek": 30000, "low_sek": 20000, "high_sek": 45000},
            {"description": "Kortare handläggning", "category": "redistribution",
             "minutes_per_week": 6, "users": 10, "from_year": 2,
             "indicator": {"service_id": service, "metric": "tidsvinst",
                           "baseline": {"value": 2, "period": "2026-Q2", "n": 30},
                           "target": 6, "target_period": "2027-Q4"}},
            {"description": "Bättre arbetsmiljö", "category": "unvalued"}
        ]
    })
}

#[tokio::test]
async fn a_kalkyl_built_through_the_api_returns_the_figures_worked_out_by_hand() {
    let app = spawn_app().await;
    let owner = app.create_owner("Åsa Öberg", "asa@kommun.se", None).await;
    let service = app.create_service("bygglov", Some(owner)).await;
    let admin = app.admin_token.clone();
    let (status, created) = post(
        &app,
        &admin,
        "/api/v1/insatser",
        &json!({"name": "Digital bygglovsansökan", "owner_id": owner, "service_ids": [service],
                "sponsor": "Samhällsbyggnadsnämnden", "nyttokalkyl": three_year_kalkyl(service)}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["status"], "proposal");
    assert_eq!(created["sponsor"], "Samhällsbyggnadsnämnden");
    let id = id_of(&created);

    // N = 3, r = 0.05: discount factors 1, 1/1.05 = 0.952381, 1/1.05² = 0.907029,
    // 1/1.05³ = 0.863838. The time benefit: 6/60 × 44 weeks × 10 users × 450 SEK =
    // 19 800 a year from year 2; the unvalued one counts in no sum.
    // Bₜ: 0, 30 000, 49 800, 49 800; Cₜ: 90 000, 10 000, 10 000, 10 000.
    let d = |t: i32| 1.05f64.powi(-t);
    let pv_b = 30_000.0 * d(1) + 49_800.0 * (d(2) + d(3)); // 116 760.609
    let pv_c = 90_000.0 + 10_000.0 * (d(1) + d(2) + d(3)); // 117 232.480
    let npv = pv_b - pv_c; // −471.871
    // Financial benefits only: 30 000 in years 1–3 → 81 697.44 − 117 232.48 = −35 535.04.
    let financial = 30_000.0 * (d(1) + d(2) + d(3)) - pv_c;
    // Every benefit at its low end (20 000; the time benefit has no low: its 19 800)
    // → −27 704.35, at its high end (45 000) → 40 376.85.
    let low = 20_000.0 * d(1) + 39_800.0 * (d(2) + d(3)) - pv_c;
    let high = 45_000.0 * d(1) + 64_800.0 * (d(2) + d(3)) - pv_c;
    assert!((pv_b - 116_760.609).abs() < 1e-3 && (npv + 471.871).abs() < 1e-3);

    for (source, body) in [
        ("POST", created.clone()),
        (
            "GET",
            get(&app, &admin, &format!("/api/v1/insatser/{id}")).await.1,
        ),
    ] {
        let kalkyl = &body["nyttokalkyl"];
        assert_eq!(kalkyl["version"], 1, "{source}");
        assert!(kalkyl["decided_at"].is_null(), "{source}");
        assert!(body["decided_nyttokalkyl"].is_null(), "{source}");
        assert_eq!(body["versions"].as_array().unwrap().len(), 1, "{source}");
        let figures = &kalkyl["figures"];
        assert_figure(&figures["pv_benefits_sek"], pv_b, "PV(B)");
        assert_figure(&figures["pv_costs_sek"], pv_c, "PV(C)");
        assert_figure(&figures["npv_sek"], npv, "NPV");
        // 116 760.609 / 117 232.480 = 0.995975; −471.871 / 90 000 = −0.005243.
        assert_figure(&figures["benefit_cost_ratio"], pv_b / pv_c, "benefit/cost");
        assert_figure(
            &figures["npv_per_invested_krona"],
            npv / 90_000.0,
            "NPV per krona",
        );
        assert_figure(&figures["financial_npv_sek"], financial, "financial NPV");
        assert_figure(&figures["sensitivity"]["low_npv_sek"], low, "low");
        assert_figure(&figures["sensitivity"]["high_npv_sek"], high, "high");
        // Undiscounted running sum: −90 000, −70 000, −30 200, 9 600: payback in year 3
        // although the NPV is negative.
        assert_eq!(figures["payback_year"], 3, "{source}");
        let cumulative: Vec<f64> = figures["years"]
            .as_array()
            .unwrap()
            .iter()
            .map(|y| y["cumulative_sek"].as_f64().unwrap())
            .collect();
        assert_eq!(cumulative, [-90_000.0, -70_000.0, -30_200.0, 9_600.0]);
        assert_eq!(figures["unvalued_benefits"], 1);
        let annual: Vec<Value> = kalkyl["benefits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["annual_sek"].clone())
            .collect();
        assert_figure(&annual[0], 30_000.0, "benefit 0");
        assert_figure(&annual[1], 19_800.0, "benefit 1");
        assert!(annual[2].is_null(), "an unvalued benefit has no SEK");
        // The kalkyl reads back as it was sent, with the defaults filled in.
        let time = &kalkyl["benefits"][1];
        assert_eq!(
            (
                &time["minutes_per_week"],
                &time["users"],
                &time["from_year"]
            ),
            (&json!(6.0), &json!(10), &json!(2))
        );
        assert_eq!(time["indicator"]["baseline"]["n"], 30);
        assert_eq!(kalkyl["benefits"][0]["from_year"], 1);
    }

    // Decided, then edited: the decided version stays readable beside the new one.
    move_through(&app, &admin, id, &["assessed", "decided"], "2026-12-01").await;
    let mut later = three_year_kalkyl(service);
    later["investment_sek"] = json!(120_000);
    let (status, edited) = put(
        &app,
        &admin,
        &format!("/api/v1/insatser/{id}"),
        &json!({"name": "Digital bygglovsansökan", "owner_id": owner, "service_ids": [service],
                "nyttokalkyl": later}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["decided_on"], "2026-12-01");
    assert_eq!(edited["versions"].as_array().unwrap().len(), 2);
    assert_eq!(edited["decided_nyttokalkyl"]["version"], 1);
    assert_figure(
        &edited["decided_nyttokalkyl"]["figures"]["npv_sek"],
        npv,
        "decided NPV",
    );
    assert_eq!(edited["nyttokalkyl"]["version"], 2);
    assert!(edited["nyttokalkyl"]["decided_at"].is_null());
    // 30 000 more invested in year 0: NPV −471.871 − 30 000.
    assert_figure(
        &edited["nyttokalkyl"]["figures"]["npv_sek"],
        npv - 30_000.0,
        "new NPV",
    );
}

#[tokio::test]
async fn a_live_insats_reports_its_realisation_from_rounds_answered_through_the_answer_pages() {
    let (app, sink) = spawn_with_sink(|_| {}).await;
    // Five answers scoring SUS 82.5 and tid 30, one SUS 50 and tid −30 (the results
    // suite's round): SUS mean (5 × 82.5 + 50)/6 = 77.0833; tid mean (150 − 30)/6 = 20
    // with s = √((5 × 10² + 50²)/5) = 24.4949, se = s/√6 = 10, t(5) = 2.570582, so the
    // 95 % CI is 20 ± 25.7058 = (−5.7058, 45.7058).
    let forms = crate::dashboard::SIX_FORMS;
    let (bygglov, owner, _) = closed_round(&app, &sink, "bygglov", 8, &forms, true).await;
    // Four answers: below min_group_size 5, the round released nothing.
    let (arkiv, _, _) = closed_round(&app, &sink, "arkiv", 5, &[COMPLETE_ANSWER; 4], true).await;
    let admin = app.admin_token.clone();
    let owner_token = app.owner_token(owner).await;
    let baseline = |value: f64| json!({"value": value, "period": "2019-Q4", "n": 40});
    let (status, created) = post(
        &app,
        &admin,
        "/api/v1/insatser",
        &json!({
            "name": "Ny bygglovstjänst", "owner_id": owner, "service_ids": [bygglov, arkiv],
            "nyttokalkyl": {"investment_sek": 400000, "benefits": [
                {"description": "Enklare att använda", "category": "unvalued",
                 "indicator": {"service_id": bygglov, "metric": "sus",
                               "baseline": baseline(60.0), "target": 75}},
                {"description": "Tid för handläggarna", "category": "redistribution",
                 "minutes_per_week": 25, "users": 200,
                 "indicator": {"service_id": bygglov, "metric": "tidsvinst",
                               "baseline": baseline(10.0), "target": 40}},
                {"description": "Arkivet", "category": "unvalued",
                 "indicator": {"service_id": arkiv, "metric": "sus",
                               "baseline": baseline(60.0), "target": 80}}
            ]}
        }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = id_of(&created);
    let path = format!("/api/v1/insatser/{id}/realisation");
    // Before go-live every indicator is pending and nothing is measured.
    let (_, pending) = get(&app, &admin, &path).await;
    assert!(
        pending["benefits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["status"] == "pending" && b["rounds"] == json!([])),
        "{pending}"
    );
    // Decided and live since 1 January 2020: every round since lies after go-live. The
    // nyttoägare reports the start and the go-live.
    move_through(&app, &admin, id, &["assessed", "decided"], "2020-01-01").await;
    move_through(
        &app,
        &owner_token,
        id,
        &["in_progress", "live"],
        "2020-01-01",
    )
    .await;

    let (status, realised) = get(&app, &owner_token, &path).await;
    assert_eq!(status, StatusCode::OK, "{realised}");
    assert_eq!(
        (&realised["status"], &realised["live_on"]),
        (&json!("live"), &json!("2020-01-01"))
    );
    assert_eq!(realised["nyttokalkyl_version"], 1);
    let benefits = realised["benefits"].as_array().unwrap();
    assert_eq!(benefits.len(), 3);

    // SUS against the value 60, target 75: the mean 77.0833 reaches it: achieved; share
    // (77.0833 − 60)/(75 − 60) = 17.0833/15 = 1.138889.
    let sus = &benefits[0];
    assert_eq!(
        (&sus["index"], &sus["status"]),
        (&json!(0), &json!("achieved"))
    );
    assert_eq!(sus["baseline"]["kind"], "value");
    assert_figure(&sus["baseline"]["value"], 60.0, "baseline");
    let round = &sus["rounds"][0];
    assert_eq!(round["n"], 6);
    let sus_mean = (5.0 * 82.5 + 50.0) / 6.0; // 77.0833
    assert_figure(&round["mean"], sus_mean, "SUS mean");
    assert_figure(
        &round["realised_share"],
        (sus_mean - 60.0) / 15.0,
        "SUS share",
    );
    assert!(round["p_value"].is_null() && round["realised_sek"].is_null());

    // Tidsvinst against the value 10, target 40: the CI (−5.7058, 45.7058) holds 10: not
    // realised; share (20 − 10)/(40 − 10) = 0.333333. Realised SEK with the 200 users
    // planned: 20/60 × 44 × 200 × 450 = 1 320 000 a year against the planned 25/60 × 44
    // × 200 × 450 = 1 650 000. One minute is 66 000 SEK, so the interval is −5.7058 ×
    // 66 000 = −376 584 to 45.7058 × 66 000 = 3 016 584, rounded as the results round
    // money (three significant digits, at least to the thousand): −377 000, 3 020 000.
    let tid = &benefits[1];
    assert_eq!(tid["status"], "not_realised");
    let round = &tid["rounds"][0];
    assert_figure(&round["mean"], 20.0, "tid mean");
    assert!(close(&round["ci_low"], -5.7058, 1e-3), "{round}");
    assert!(close(&round["ci_high"], 45.7058, 1e-3), "{round}");
    assert_figure(&round["realised_share"], 1.0 / 3.0, "tid share");
    let sek = &round["realised_sek"];
    assert_eq!(sek["value_sek"], 1_320_000.0);
    assert_eq!(
        (&sek["ci_low_sek"], &sek["ci_high_sek"]),
        (&json!(-377_000.0), &json!(3_020_000.0))
    );
    assert_figure(&sek["planned_sek"], 1_650_000.0, "planned SEK");

    // Four answers: too few answers, and not one number about the round.
    let too_few = &benefits[2];
    assert_eq!(too_few["status"], "too_few_answers");
    assert!(too_few["realised_share"].is_null());
    let rounds = too_few["rounds"].as_array().unwrap();
    assert_eq!(rounds.len(), 1);
    let withheld = rounds[0].as_object().unwrap();
    assert_eq!(withheld["status"], "too_few_answers");
    for (key, value) in withheld {
        assert!(
            key == "round_id" || !value.is_number(),
            "{key} = {value} in a withheld round"
        );
        assert!(value.is_null() || ["round_id", "period", "status"].contains(&key.as_str()));
    }
    // The insats's share is the mean of the two measured ones: (1.138889 + 0.333333)/2 =
    // 0.736111.
    assert_figure(
        &realised["realised_share"],
        ((sus_mean - 60.0) / 15.0 + 1.0 / 3.0) / 2.0,
        "insats share",
    );
}

/// A decided, live and followed-up insats measuring SUS on `service` against a baseline
/// value and a target.
async fn followed_up(app: &TestApp, service: i64, owner: i64, baseline: f64, target: f64) -> i64 {
    let created = app
        .create(
            "/api/v1/insatser",
            json!({"name": format!("Uppföljd {baseline}–{target}"), "owner_id": owner,
                   "service_ids": [service],
                   "nyttokalkyl": {"investment_sek": 1000, "benefits": [
                       {"description": "Enklare", "category": "unvalued",
                        "indicator": {"service_id": service, "metric": "sus",
                                      "baseline": {"value": baseline, "period": "2019-Q4", "n": 40},
                                      "target": target}}]}}),
        )
        .await;
    let id = id_of(&created);
    let statuses = ["assessed", "decided", "in_progress", "live"];
    move_through(app, &app.admin_token, id, &statuses, "2020-01-01").await;
    id
}

#[tokio::test]
async fn the_reference_class_and_adjusted_npv_come_from_three_followed_up_insatser() {
    let (app, sink) = spawn_with_sink(|_| {}).await;
    let forms = crate::dashboard::SIX_FORMS;
    // SUS mean 77.0833 after go-live.
    let (service, owner, _) = closed_round(&app, &sink, "bygglov", 8, &forms, true).await;
    let admin = app.admin_token.clone();
    let goal = app
        .create(
            "/api/v1/goals",
            json!({"title": "Digitalt först", "valid_from": "2026-01-01"}),
        )
        .await;
    // The proposal: N = 2, r = 0.10, 1 000 invested, 100 a year to run, 800 a year from
    // year 1. PV(B) = 800/1.1 + 800/1.21 = 727.2727 + 661.1570 = 1 388.4298; PV(C) = 1 000
    // + 100/1.1 + 100/1.21 = 1 173.5537; NPV 214.8760, 0.214876 a krona.
    let proposal = app
        .create(
            "/api/v1/insatser",
            json!({"name": "Förslag", "owner_id": owner, "service_ids": [service],
                   "goal_ids": [id_of(&goal)], "urgency": 2, "risk": 1,
                   "nyttokalkyl": {"calculation_years": 2, "discount_rate": 0.1,
                                   "investment_sek": 1000, "annual_running_cost_sek": 100,
                                   "benefits": [{"description": "Lägre portokostnad",
                                                 "category": "financial",
                                                 "annual_value_sek": 800}]}}),
        )
        .await;
    let pv_b = 800.0 / 1.1 + 800.0 / 1.21;
    let pv_c = 1000.0 + 100.0 / 1.1 + 100.0 / 1.21;

    // Three measured against SUS 77.0833: (77.0833 − 60)/(80 − 60) = 0.854167,
    // (77.0833 − 60)/(100 − 60) = 0.427083 and (77.0833 − 70)/(80 − 70) = 0.708333.
    let a = followed_up(&app, service, owner, 60.0, 80.0).await;
    let b = followed_up(&app, service, owner, 60.0, 100.0).await;
    let c = followed_up(&app, service, owner, 70.0, 80.0).await;
    move_through(&app, &admin, a, &["followed_up"], "2026-12-01").await;
    move_through(&app, &admin, b, &["followed_up"], "2026-12-01").await;
    // Two followed up (the third still only live): no reference class, no adjusted NPV.
    let (status, two) = get(&app, &admin, "/api/v1/insatser/priorities").await;
    assert_eq!(status, StatusCode::OK, "{two}");
    assert_eq!(
        two["reference_class"],
        json!({"n": 2, "min_n": 3, "median_share": null})
    );
    assert!(two["ranked"][0]["adjusted_npv_sek"].is_null());

    move_through(&app, &admin, c, &["followed_up"], "2026-12-01").await;
    let (_, three) = get(&app, &admin, "/api/v1/insatser/priorities").await;
    // Sorted 0.427083, 0.708333, 0.854167: median 0.708333, n 3.
    let sus_mean = (5.0 * 82.5 + 50.0) / 6.0;
    let median = (sus_mean - 70.0) / 10.0;
    assert_eq!(three["reference_class"]["n"], 3);
    assert_figure(&three["reference_class"]["median_share"], median, "median");
    let ranked = three["ranked"].as_array().unwrap();
    assert_eq!(
        ranked.len(),
        1,
        "only the proposal awaits a decision: {three}"
    );
    let first = &ranked[0];
    assert_eq!(
        (&first["rank"], &first["insats"]["id"]),
        (&json!(1), &proposal["id"])
    );
    // Adjusted NPV = 0.708333 × 1 388.4298 − 1 173.5537 = 983.4711 − 1 173.5537 = −190.0826:
    // measured history turns the planned 214.88 into a loss.
    assert_figure(
        &first["adjusted_npv_sek"],
        median * pv_b - pv_c,
        "adjusted NPV",
    );
    assert!(close(&first["adjusted_npv_sek"], -190.0826, 1e-3));
    assert_figure(&first["figures"]["npv_sek"], pv_b - pv_c, "NPV");
    // Every component, weights 1: NPV per krona 0.214876, one goal, urgency 2, risk 1
    // counted 3 − 1 = 2; score 0.214876 + 1 + 2 + 2 = 5.214876.
    let per_krona = (pv_b - pv_c) / 1000.0;
    assert_figure(&first["npv_per_krona"]["value"], per_krona, "NPV per krona");
    assert_figure(&first["npv_per_krona"]["points"], per_krona, "its points");
    assert_eq!(
        first["goals"],
        json!({"value": 1.0, "criterion": 1.0, "weight": 1.0, "points": 1.0})
    );
    assert_eq!(first["urgency"]["points"], 2.0);
    assert_eq!(
        first["risk"],
        json!({"value": 1.0, "criterion": 2.0, "weight": 1.0, "points": 2.0})
    );
    assert_figure(&first["score"], per_krona + 5.0, "score");
}

/// The insatser an admin lists.
async fn listed(app: &TestApp) -> Vec<Value> {
    let (status, body) = get(app, &app.admin_token, "/api/v1/insatser").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total"], body["items"].as_array().unwrap().len());
    body["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn bad_input_is_a_4xx_naming_the_field_and_stores_nothing() {
    let app = spawn_app().await;
    let asa = app.create_owner("Åsa Öberg", "asa@kommun.se", None).await;
    let bo = app.create_owner("Bo Berg", "bo@kommun.se", None).await;
    let service = app.create_service("bygglov", Some(asa)).await;
    let other = app.create_service("arkiv", None).await;
    let admin = app.admin_token.clone();
    let insats = |change: &dyn Fn(&mut Value)| {
        let mut body = json!({"name": "Digital bygglovsansökan", "owner_id": asa,
                              "service_ids": [service], "nyttokalkyl": three_year_kalkyl(service)});
        change(&mut body["nyttokalkyl"]);
        body
    };
    let cases: Vec<(Value, &str)> = vec![
        (
            insats(&|k| k["annual_running_cost_sek"] = json!(-1)),
            "nyttokalkyl.annual_running_cost_sek",
        ),
        (
            insats(&|k| k["investment_sek"] = json!(-90000)),
            "nyttokalkyl.investment_sek",
        ),
        (
            insats(&|k| k["benefits"][0]["low_sek"] = json!(-5)),
            "nyttokalkyl.benefits[0].low_sek",
        ),
        (
            insats(&|k| k["discount_rate"] = json!(0.21)),
            "nyttokalkyl.discount_rate",
        ),
        (
            insats(&|k| k["discount_rate"] = json!(-0.01)),
            "nyttokalkyl.discount_rate",
        ),
        (
            insats(&|k| k["calculation_years"] = json!(0)),
            "nyttokalkyl.calculation_years",
        ),
        (
            insats(&|k| k["calculation_years"] = json!(16)),
            "nyttokalkyl.calculation_years",
        ),
        // The baseline is 2 minutes: a target of 2 asks for no change.
        (
            insats(&|k| k["benefits"][1]["indicator"]["target"] = json!(2)),
            "nyttokalkyl.benefits[1].indicator.target",
        ),
        // The insats touches only `service`.
        (
            insats(&|k| k["benefits"][1]["indicator"]["service_id"] = json!(other)),
            "nyttokalkyl.benefits[1].indicator.service_id",
        ),
    ];
    for (body, field) in &cases {
        let (status, error) = post(&app, &admin, "/api/v1/insatser", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}: {error}");
        assert_eq!(error["error"], "invalid");
        assert_eq!(problem_fields(&error), [*field], "{error}");
    }
    assert!(listed(&app).await.is_empty());
    assert!(app.audit("entity=insats").await.is_empty());

    // Replacing a stored one with each of them changes nothing either.
    let stored = app.create("/api/v1/insatser", insats(&|_| {})).await;
    let path = format!("/api/v1/insatser/{}", id_of(&stored));
    for (body, field) in &cases {
        let (status, error) = put(&app, &admin, &path, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}: {error}");
        assert_eq!(problem_fields(&error), [*field], "{error}");
    }
    let (_, after) = get(&app, &admin, &path).await;
    assert_eq!(after["versions"], stored["versions"]);
    assert_eq!(after["updated_at"], stored["updated_at"]);

    // An objektägare cannot hand an insats to another owner (400 naming owner_id), nor
    // change another owner's (403); Bo's attempt leaves Åsa's insats as it was.
    let bo_token = app.owner_token(bo).await;
    let (status, error) = post(&app, &bo_token, "/api/v1/insatser", &insats(&|_| {})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert_eq!(problem_fields(&error), ["owner_id"]);
    let mut taken = insats(&|_| {});
    taken["owner_id"] = json!(bo);
    taken["name"] = json!("Bos nu");
    let error = assert_error(
        app.put_json_as(&bo_token, &path, &taken).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(error["error"], "forbidden");
    assert!(error["message"].as_str().unwrap().contains("nyttoägare"));
    let (_, after) = get(&app, &admin, &path).await;
    assert_eq!(
        (&after["name"], &after["owner_id"]),
        (&json!("Digital bygglovsansökan"), &json!(asa))
    );
    assert_eq!(listed(&app).await.len(), 1);
    // Only the one creation was audited.
    assert_eq!(app.audit("entity=insats").await.len(), 1);
}

#[tokio::test]
async fn an_objektagare_reads_and_changes_only_their_own_insatser() {
    let app = spawn_app().await;
    let asa = app.create_owner("Åsa Öberg", "asa@kommun.se", None).await;
    let bo = app.create_owner("Bo Berg", "bo@kommun.se", None).await;
    let service = app.create_service("bygglov", Some(asa)).await;
    let (asa_token, bo_token) = (app.owner_token(asa).await, app.owner_token(bo).await);
    let body = json!({"name": "Åsas förslag", "owner_id": asa, "service_ids": [service],
                      "nyttokalkyl": three_year_kalkyl(service)});
    let (status, mine) = post(&app, &asa_token, "/api/v1/insatser", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{mine}");
    let id = id_of(&mine);
    let bos = app
        .create("/api/v1/insatser", json!({"name": "Bos", "owner_id": bo}))
        .await;

    let (status, own) = get(&app, &asa_token, &format!("/api/v1/insatser/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_figure(
        &own["nyttokalkyl"]["figures"]["pv_benefits_sek"],
        30_000.0 / 1.05 + 49_800.0 * (1.05f64.powi(-2) + 1.05f64.powi(-3)),
        "PV(B)",
    );
    for path in [
        format!("/api/v1/insatser/{id}"),
        format!("/api/v1/insatser/{id}/realisation"),
    ] {
        let error = assert_error(app.get_as(&bo_token, &path).await, StatusCode::FORBIDDEN).await;
        assert!(
            !error.to_string().contains("Åsas förslag"),
            "{path} leaks: {error}"
        );
    }
    let mut edited = body.clone();
    edited["owner_id"] = json!(bo);
    for response in [
        app.put_json_as(&bo_token, &format!("/api/v1/insatser/{id}"), &edited)
            .await,
        app.post_json_as(
            &bo_token,
            &format!("/api/v1/insatser/{id}/status"),
            &json!({"status": "in_progress"}),
        )
        .await,
    ] {
        assert_error(response, StatusCode::FORBIDDEN).await;
    }
    // Listing: her own only; asking for Bo's is refused, not answered with hers.
    let (_, list) = get(&app, &asa_token, "/api/v1/insatser").await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], id);
    assert_error(
        app.get_as(&asa_token, &format!("/api/v1/insatser?owner_id={bo}"))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let (_, bos_list) = get(&app, &bo_token, "/api/v1/insatser").await;
    assert_eq!(bos_list["items"][0]["id"], bos["id"]);
    assert_eq!(bos_list["total"], 1);
    // The portfolio ranking and the goals' upkeep are Kommunledningskontoret's.
    assert_error(
        app.get_as(&asa_token, "/api/v1/insatser/priorities").await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_error(
        app.post_json_as(
            &asa_token,
            "/api/v1/goals",
            &json!({"title": "Mitt mål", "valid_from": "2026-01-01"}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // Unchanged after every refusal.
    let (_, after) = get(&app, &app.admin_token, &format!("/api/v1/insatser/{id}")).await;
    assert_eq!(
        (&after["owner_id"], &after["status"], &after["updated_at"]),
        (&json!(asa), &json!("proposal"), &mine["updated_at"])
    );
}

#[tokio::test]
async fn goals_are_kept_by_kommunledningskontoret_and_listed_paged() {
    let app = spawn_app().await;
    let created = app
        .create(
            "/api/v1/goals",
            json!({"title": "Digitalt först", "description": "KF 2026-03-15 § 12",
                   "valid_from": "2026-01-01"}),
        )
        .await;
    let id = id_of(&created);
    assert_eq!(created["valid_to"], Value::Null);
    let (status, replaced) = put(
        &app,
        &app.admin_token,
        &format!("/api/v1/goals/{id}"),
        &json!({"title": "Digitalt först", "valid_from": "2026-01-01", "valid_to": "2027-12-31"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{replaced}");
    assert_eq!(replaced["valid_to"], "2027-12-31");
    // An end before the start names valid_to.
    let (status, error) = post(
        &app,
        &app.admin_token,
        "/api/v1/goals",
        &json!({"title": "Bakvänt", "valid_from": "2026-01-01", "valid_to": "2025-12-31"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(problem_fields(&error), ["valid_to"]);
    let (_, list) = get(&app, &app.admin_token, "/api/v1/goals?per_page=1").await;
    let keys: Vec<&String> = list.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["items", "page", "per_page", "total"]);
    assert_eq!(
        (&list["total"], &list["items"][0]["id"]),
        (&json!(1), &json!(id))
    );
    // A served goal stays (409); an unused one goes.
    app.create(
        "/api/v1/insatser",
        json!({"name": "Tjänar målet", "goal_ids": [id]}),
    )
    .await;
    assert_error(
        app.delete(&format!("/api/v1/goals/{id}")).await,
        StatusCode::CONFLICT,
    )
    .await;
    let unused = id_of(
        &app.create(
            "/api/v1/goals",
            json!({"title": "Oanvänt", "valid_from": "2026-01-01"}),
        )
        .await,
    );
    assert_eq!(
        app.delete(&format!("/api/v1/goals/{unused}"))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_error(
        app.get(&format!("/api/v1/goals/{unused}")).await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn every_insatser_operation_answers_malformed_json_and_ids_with_4xx() {
    let app = spawn_app().await;
    let stored = id_of(
        &app.create("/api/v1/insatser", json!({"name": "Finns"}))
            .await,
    );
    let goal = id_of(
        &app.create(
            "/api/v1/goals",
            json!({"title": "Finns", "valid_from": "2026-01-01"}),
        )
        .await,
    );
    let bodies: [(&str, &str); 4] = [
        ("POST", "/api/v1/insatser"),
        ("PUT", "/api/v1/insatser/{id}"),
        ("POST", "/api/v1/insatser/{id}/status"),
        ("POST", "/api/v1/goals"),
    ];
    for (method, template) in bodies {
        let path = template.replace("{id}", &stored.to_string());
        for raw in ["{", "[]", "null", r#"{"name": 5}"#, r#"{"status": "klar"}"#] {
            let response = app
                .client
                .request(method.parse().unwrap(), app.url(&path))
                .bearer_auth(&app.admin_token)
                .header("content-type", "application/json")
                .body(raw)
                .send()
                .await
                .unwrap();
            let error = assert_error(response, StatusCode::BAD_REQUEST).await;
            assert_eq!(error["error"], "invalid", "{method} {path} {raw}");
        }
    }
    // Wrong kinds inside the kalkyl: a text for a number, a fraction for a year count,
    // a category outside the set (the message lists the set).
    for kalkyl in [
        json!({"investment_sek": "mycket"}),
        json!({"investment_sek": 0, "calculation_years": 2.5}),
        json!({"investment_sek": 0, "benefits": [{"description": "x", "category": "glädje"}]}),
    ] {
        let error = assert_error(
            app.post_json(
                "/api/v1/insatser",
                &json!({"name": "Fel", "nyttokalkyl": kalkyl}),
            )
            .await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(error["error"], "invalid", "{kalkyl}: {error}");
    }
    let error = assert_error(
        app.get("/api/v1/insatser?status=klar").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("proposal, assessed"),
        "{error}"
    );
    // Ids that are not numbers are 400; ids that name nothing 404.
    for path in [
        "/api/v1/insatser/abc",
        "/api/v1/insatser/99999999999",
        "/api/v1/insatser/abc/realisation",
        "/api/v1/goals/1.5",
    ] {
        assert_error(app.get(path).await, StatusCode::BAD_REQUEST).await;
    }
    for path in [
        "/api/v1/insatser/4242".to_owned(),
        "/api/v1/insatser/-1/realisation".to_owned(),
        "/api/v1/goals/4242".to_owned(),
    ] {
        assert_error(app.get(&path).await, StatusCode::NOT_FOUND).await;
    }
    assert_error(
        app.post_json(
            "/api/v1/insatser/4242/status",
            &json!({"status": "assessed"}),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_error(
        app.put_json("/api/v1/insatser/4242", &json!({"name": "Ingen"}))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_error(
        app.delete(&format!("/api/v1/goals/{}", goal + 100)).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // A move the flow does not have names the status; one needing a kalkyl names it.
    for (to, field) in [("live", "status"), ("assessed", "nyttokalkyl")] {
        let (status, error) = post(
            &app,
            &app.admin_token,
            &format!("/api/v1/insatser/{stored}/status"),
            &json!({"status": to}),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
        assert_eq!(problem_fields(&error), [field]);
    }
    // Without a token: 401.
    let response = app
        .client
        .get(app.url("/api/v1/insatser/priorities"))
        .send()
        .await
        .unwrap();
    assert_error(response, StatusCode::UNAUTHORIZED).await;
    // Every new operation is in the OpenAPI document, with the SPEC's field names.
    let (_, spec) = status_and_json(app.get("/api/openapi.json").await).await;
    for (path, method) in [
        ("/api/v1/goals", "get"),
        ("/api/v1/goals", "post"),
        ("/api/v1/goals/{id}", "put"),
        ("/api/v1/goals/{id}", "delete"),
        ("/api/v1/insatser", "post"),
        ("/api/v1/insatser/{id}", "get"),
        ("/api/v1/insatser/{id}/status", "post"),
        ("/api/v1/insatser/{id}/realisation", "get"),
        ("/api/v1/insatser/priorities", "get"),
    ] {
        assert!(spec["paths"][path][method].is_object(), "{method} {path}");
    }
    let schemas = &spec["components"]["schemas"];
    let benefit: Vec<&String> = schemas["BenefitInput"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    for field in [
        "description",
        "category",
        "annual_value_sek",
        "low_sek",
        "high_sek",
        "from_year",
        "minutes_per_week",
        "users",
        "indicator",
    ] {
        assert!(benefit.contains(&&field.to_owned()), "{field}");
    }
    let rate = &schemas["NyttokalkylInput"]["properties"]["discount_rate"];
    assert_eq!(
        (&rate["minimum"], &rate["maximum"]),
        (&json!(0.0), &json!(0.2))
    );
    let years = &schemas["NyttokalkylInput"]["properties"]["calculation_years"];
    assert_eq!(
        (&years["minimum"], &years["maximum"]),
        (&json!(1.0), &json!(15.0))
    );
}
