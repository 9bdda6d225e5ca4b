//! The Insatser section of the nyttoanalys in all four formats, the review rule firing on
//! exactly the insats it is meant to, and the objektägare's digest naming the realisation
//! of their insatser (a status alone below the threshold). On a manual clock, three
//! quarterly rounds of one service, all answered alike (SUS 50, 50, 50, 50, 82.5: mean
//! 56.5), so every change is exactly zero (Welch p = 1: not realised).

use calamine::{Data, Reader};
use nyttopuls::{
    domain::{
        Actor,
        insats::{
            InsatsInput, InsatsStatus,
            nyttokalkyl::{BaselineInput, BenefitInput, IndicatorInput, NyttokalkylInput},
        },
    },
    usecases::{Clock, insatser as usecases},
};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    common::{TestApp, csv_rows, id_of, status_and_json, workbook},
    dashboard::spawn,
    insatser::{at, day},
    mail_sink::MailSink,
    results::{ALL_THREES, closed_round},
    survey_loop::{
        COMPLETE_ANSWER, answer, create_programme, email_to, emails, run_job, run_programme,
    },
};

/// SUS 50 four times and 82.5: mean 56.5.
const FORMS: [&str; 5] = [
    ALL_THREES,
    ALL_THREES,
    ALL_THREES,
    ALL_THREES,
    COMPLETE_ANSWER,
];

/// Answers the newest invitation of `{slug}{i}@x.se` with `FORMS[i]`, closes the open round.
async fn answer_and_close(app: &TestApp, sink: &MailSink, slug: &str) {
    run_job(app, "dispatch_outbox").await;
    let mail = emails(sink);
    for (i, form) in FORMS.iter().enumerate() {
        let token = email_to(&mail, &format!("{slug}{i}@x.se")).token();
        assert_eq!(answer(app, &token, form).await.0, StatusCode::OK);
    }
    let open = crate::survey_loop::rounds(app, "status=open").await;
    let round = open[0]["id"].as_i64().unwrap();
    let closed = app
        .post_json(&format!("/api/v1/rounds/{round}/close"), &json!({}))
        .await;
    assert_eq!(closed.status(), StatusCode::OK);
}

/// Investment 1,000,000, running 100,000, 1,200,000 a year for one year at 5 %; the
/// benefit measured by SUS on `service_id` against `baseline` (or the round before
/// go-live), target 70.
fn kalkyl(service_id: i32, baseline: Option<f64>) -> NyttokalkylInput {
    NyttokalkylInput {
        calculation_years: Some(1),
        discount_rate: Some(0.05),
        investment_sek: 1_000_000.0,
        annual_running_cost_sek: Some(100_000.0),
        benefits: vec![BenefitInput {
            description: "Nöjdare användare".into(),
            category: "financial".into(),
            annual_value_sek: Some(1_200_000.0),
            indicator: Some(IndicatorInput {
                service_id,
                metric: "sus".into(),
                baseline: baseline.map(|value| BaselineInput {
                    value,
                    period: "2026-Q3".into(),
                    n: 30,
                }),
                target: 70.0,
                target_period: None,
            }),
            ..BenefitInput::default()
        }],
    }
}

/// An insats through the use cases, moved along `steps` (status, day).
async fn insats(
    app: &TestApp,
    name: &str,
    owner: i32,
    service: i32,
    baseline: Option<f64>,
    steps: &[(InsatsStatus, &str)],
) -> i32 {
    let admin = Actor::cli();
    let saved = usecases::save_insats(
        &app.state,
        &admin,
        None,
        InsatsInput {
            name: name.into(),
            owner_id: Some(owner),
            service_ids: vec![service],
            ..InsatsInput::default()
        },
        Some(kalkyl(service, baseline)),
    )
    .await
    .unwrap();
    for (to, on) in steps {
        usecases::change_status(&app.state, &admin, saved.insats.id, *to, Some(day(on)))
            .await
            .unwrap();
    }
    saved.insats.id
}

const LIVE_SINCE_Q1: [(InsatsStatus, &str); 4] = [
    (InsatsStatus::Assessed, "2026-10-05"),
    (InsatsStatus::Decided, "2026-10-05"),
    (InsatsStatus::InProgress, "2026-10-05"),
    (InsatsStatus::Live, "2027-01-01"),
];

#[tokio::test]
async fn the_insatser_section_in_four_formats_the_review_rule_and_the_digest() {
    let clock = Clock::manual(at("2026-10-05T08:00:00Z"));
    let (app, sink) = spawn(clock.clone(), |_| {}).await;
    let owner = id_of(
        &app.create(
            "/api/v1/owners",
            json!({"name": "Åsa Öberg", "email": "agare.lon@x.se"}),
        )
        .await,
    );
    let service = id_of(
        &app.create(
            "/api/v1/services",
            json!({"name": "Lönesystemet", "slug": "lon", "owner_id": owner, "users_count": 500}),
        )
        .await,
    );
    for i in 0..5 {
        app.create(
            "/api/v1/respondents",
            json!({"email": format!("lon{i}@x.se"), "name": format!("Person {i}"), "services": ["lon"]}),
        )
        .await;
    }
    let programme = create_programme(
        &app,
        json!({"name": "Kvartal", "schedule": "0 0 8 1 */3 *", "service_ids": [service]}),
    )
    .await;
    let (owner, service) = (owner as i32, service as i32);

    // 2026-Q4: the baseline round. 2027-Q1 and 2027-Q2 answer alike.
    run_programme(&app, programme).await;
    answer_and_close(&app, &sink, "lon").await;
    // Live since 1 January with the Q4 round as baseline: Q1 and Q2 both not realised,
    // the rule's case. The same, followed up: reviewed already, silent.
    let meant = insats(&app, "Ny e-tjänst", owner, service, None, &LIVE_SINCE_Q1).await;
    let followed = insats(
        &app,
        "Avslutad insats",
        owner,
        service,
        None,
        &LIVE_SINCE_Q1,
    )
    .await;
    clock.set(at("2027-01-05T08:00:00Z"));
    run_programme(&app, programme).await;
    answer_and_close(&app, &sink, "lon").await;
    usecases::change_status(
        &app.state,
        &Actor::cli(),
        followed,
        InsatsStatus::FollowedUp,
        Some(day("2027-01-06")),
    )
    .await
    .unwrap();
    clock.set(at("2027-04-05T08:00:00Z"));
    run_programme(&app, programme).await;
    answer_and_close(&app, &sink, "lon").await;
    // Decided and live on 1 April: one round after go-live only, silent; decided this
    // period, so listed with its kalkyl.
    insats(
        &app,
        "Snabbare handläggning",
        owner,
        service,
        None,
        &[
            (InsatsStatus::Assessed, "2027-03-20"),
            (InsatsStatus::Decided, "2027-04-01"),
            (InsatsStatus::InProgress, "2027-04-01"),
            (InsatsStatus::Live, "2027-04-01"),
        ],
    )
    .await;
    // Four answers on another service: too few answers, with no figure anywhere.
    let (small, small_owner, _) =
        closed_round(&app, &sink, "arkiv", 5, &[COMPLETE_ANSWER; 4], true).await;
    insats(
        &app,
        "Digitalt arkiv",
        small_owner as i32,
        small as i32,
        Some(60.0),
        &LIVE_SINCE_Q1,
    )
    .await;

    // JSON: the section as codes and numbers.
    let path = "/api/v1/reports/nyttoanalys?period=2027-Q2";
    let (status, report) = status_and_json(app.get(path).await).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let section = &report["insatser"];
    // Decided 1 April: NPV = −1,000,000 + (1,200,000 − 100,000)/1.05 = 47,619.05;
    // PV(B) = 1,142,857.14; PV(C) = 1,000,000 + 95,238.10 = 1,095,238.10;
    // benefit/cost = 1.043478; payback in year 1 (−1,000,000 + 1,100,000 ≥ 0).
    let decided = section["decided"].as_array().unwrap();
    assert_eq!(decided.len(), 1, "{section}");
    assert_eq!(decided[0]["insats"], "Snabbare handläggning");
    assert_eq!(decided[0]["decided_on"], "2027-04-01");
    let k = &decided[0]["kalkyl"];
    let near = |v: &Value, expected: f64| (v.as_f64().unwrap() - expected).abs() < 0.01;
    assert!(near(&k["npv_sek"], 47_619.05), "{k}");
    assert!(near(&k["pv_benefits_sek"], 1_142_857.14), "{k}");
    assert!(near(&k["pv_costs_sek"], 1_095_238.10), "{k}");
    assert!((k["benefit_cost_ratio"].as_f64().unwrap() - 1.043_478).abs() < 1e-6);
    assert_eq!(k["payback_year"], 1);
    assert_eq!(k["investment_sek"], 1_000_000.0);
    // Realisation in 2027-Q2, by insats name. SUS 56.5 against the baseline round's
    // 56.5 (target 70): share (56.5 − 56.5)/(70 − 56.5) = 0, not realised.
    let lines = section["realisation"].as_array().unwrap();
    let names: Vec<&str> = lines
        .iter()
        .map(|l| l["insats"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Avslutad insats",
            "Digitalt arkiv",
            "Ny e-tjänst",
            "Snabbare handläggning"
        ]
    );
    for line in [&lines[0], &lines[2], &lines[3]] {
        assert_eq!(line["round"], "2027-Q2");
        assert_eq!(line["status"], "not_realised", "{line}");
        assert!(near(&line["measured"]["mean"], 56.5), "{line}");
        assert_eq!(line["measured"]["n"], 5);
        assert_eq!(line["measured"]["realised_share"], 0.0);
        assert!(near(&line["baseline"], 56.5));
    }
    assert_eq!(lines[1]["status"], "too_few_answers");
    assert_eq!(
        lines[1]["measured"],
        Value::Null,
        "no number below the threshold"
    );
    // The rule: only the live insats with two rounds after go-live.
    let proposals = section["proposals"].as_array().unwrap();
    assert_eq!(proposals.len(), 1, "{section}");
    assert_eq!(proposals[0]["insats_id"], meant);
    assert_eq!(proposals[0]["rule"], "review_insats");
    let rounds: Vec<&str> = proposals[0]["evidence"][0]["rounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["round"].as_str().unwrap())
        .collect();
    assert_eq!(rounds, ["2027-Q1", "2027-Q2"]);

    // HTML: the section and its words; too few answers said, not numbered.
    let html = app
        .get("/api/v1/reports/nyttoanalys.html?period=2027-Q2")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("<h2>Insatser</h2>"), "{html}");
    // Money in whole thousands: NPV 47,619 → 48 tkr, the investment 1,000 tkr.
    assert!(
        html.contains("<td class=\"n\">48\u{a0}tkr</td>"),
        "NPV: {html}"
    );
    assert!(html.contains("Pröva insatsen: nyttan realiseras inte efter driftstart"));
    assert!(html.contains("inte realiserad: SUS 56,5 (n = 5), realiserad andel 0\u{a0}%"));
    let arkiv_row = html
        .split("<tr>")
        .find(|row| row.contains("Digitalt arkiv"))
        .unwrap();
    assert!(
        arkiv_row.contains("För få svar") && !arkiv_row.contains("n = "),
        "{arkiv_row}"
    );

    // CSV: the three tables after the services, each under its title.
    let rows = csv_rows(
        &app.get_bytes("/api/v1/reports/nyttoanalys.csv?period=2027-Q2")
            .await,
    );
    let title = |text: &str| rows.iter().position(|r| r[0] == text).unwrap();
    let decided_at = title("Insatser beslutade 2027-Q2");
    assert_eq!(rows[decided_at + 1][4], "Investering (kr)");
    // Money to three significant digits, never finer than a thousand: 47,619 → 48,000;
    // the ratio to two significant digits: 1.043 → 1.0.
    let decided_row = &rows[decided_at + 2];
    assert_eq!(decided_row[0], "Snabbare handläggning");
    assert_eq!(decided_row[5], "48000");
    assert_eq!(decided_row[8], "1");
    let realised_at = title("Nyttorealisering 2027-Q2");
    let header = &rows[realised_at + 1];
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let arkiv = &rows[realised_at + 3];
    assert_eq!(arkiv[0], "Digitalt arkiv");
    assert_eq!(arkiv[col("Status")], "för få svar");
    for figure in ["Svar", "Uppmätt medelvärde", "Realiserad andel (%)"] {
        assert_eq!(arkiv[col(figure)], "", "{figure}");
    }
    let meant_row = &rows[realised_at + 4];
    assert_eq!(meant_row[col("Uppmätt medelvärde")], "56,5");
    assert_eq!(meant_row[col("Realiserad andel (%)")], "0");
    let review_at = title("Insatser att pröva: nyttan realiseras inte");
    assert_eq!(rows[review_at + 2][0], "Ny e-tjänst");
    assert_eq!(rows.len(), review_at + 3, "one review only");

    // XLSX: three sheets, figures as numbers.
    let mut workbook = workbook(
        app.get_bytes("/api/v1/reports/nyttoanalys.xlsx?period=2027-Q2")
            .await,
    );
    let names = workbook.sheet_names();
    assert_eq!(
        names[5..8],
        ["Insatser", "Nyttorealisering", "Insatser att pröva"]
    );
    let decided_sheet = workbook.worksheet_range("Insatser").unwrap();
    assert_eq!(
        decided_sheet.get_value((1, 5)),
        Some(&Data::Float(48_000.0))
    );
    let realised_sheet = workbook.worksheet_range("Nyttorealisering").unwrap();
    assert_eq!(
        realised_sheet.get_value((3, 10)),
        Some(&Data::Float(56.5)),
        "Ny e-tjänst's measured mean"
    );
    assert_eq!(realised_sheet.get_value((2, 10)), Some(&Data::Empty));
    let review_sheet = workbook.worksheet_range("Insatser att pröva").unwrap();
    assert_eq!(review_sheet.height(), 2);

    // The digests of this quarter's rounds: Åsa's names the realisation of her three
    // live insatser; the archive's owner hears of too few answers, with no number.
    run_job(&app, "send_reports").await;
    run_job(&app, "dispatch_outbox").await;
    let mail = emails(&sink);
    let digest = email_to(&mail, "agare.lon@x.se");
    assert!(
        digest.subject.starts_with("Resultat för Lönesystemet"),
        "{}",
        digest.subject
    );
    assert!(
        digest.text.contains("Nyttorealisering för dina insatser"),
        "{}",
        digest.text
    );
    assert!(
        digest.text.contains(
            "- Ny e-tjänst: Nöjdare användare i Lönesystemet, 2027-Q2: inte realiserad: SUS 56,5 (n = 5), realiserad andel 0\u{a0}%"
        ),
        "{}",
        digest.text
    );
    assert!(
        digest
            .html
            .contains("Snabbare handläggning: Nöjdare användare")
    );
    let small_digest = email_to(&mail, "agare.arkiv@x.se");
    assert!(
        small_digest.text.lines().any(|line| line.trim_end()
            == "- Digitalt arkiv: Nöjdare användare i Tjänst arkiv, 2027-Q2: för få svar"),
        "{}",
        small_digest.text
    );
    assert!(!small_digest.text.contains("n = "), "{}", small_digest.text);
}
