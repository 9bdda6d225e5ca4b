//! The nyttoanalys through the API and the command line: hand-computed figures of a real
//! closed round, a small group shown as too few answers in every format, the CSV read
//! back by a CSV parser with a formula neutralised, the XLSX read back by calamine with
//! its sheets and numeric cells, the report stored per period, and admins only.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use chrono::Utc;
use nyttopuls::domain::ReportPeriod;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{TestApp, status_and_json};
use crate::dashboard::SIX_FORMS;
use crate::results::closed_round;
use crate::survey_loop::spawn_with_sink;

async fn fetch(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

fn line<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {report}"))
}

/// Two services this quarter: "Tjänst ekonomi" with 6 answers of 8, and one renamed
/// `=SUMMA(1;2)` (a formula, were it not neutralised) with 4 answers of 6: too few.
async fn two_services(app: &TestApp, sink: &crate::mail_sink::MailSink) -> String {
    closed_round(app, sink, "ekonomi", 8, &SIX_FORMS, true).await;
    let (small, owner, _) = closed_round(app, sink, "liten", 6, &SIX_FORMS[..4], true).await;
    let renamed = app
        .put_json(
            &format!("/api/v1/services/{small}"),
            &json!({"name": "=SUMMA(1;2)", "slug": "liten", "owner_id": owner,
                    "users_count": 500, "annual_cost_sek": 100000}),
        )
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    ReportPeriod::quarter_of(Utc::now()).key()
}

#[tokio::test]
async fn the_nyttoanalys_in_four_formats_with_hand_computed_figures() {
    let (app, sink) = spawn_with_sink(|_| {}).await;
    let period = two_services(&app, &sink).await;
    let path = format!("/api/v1/reports/nyttoanalys?period={period}");

    let (status, report) = status_and_json(fetch(&app, &app.admin_token, &path).await).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["period"], period.as_str());
    let ekonomi = line(&report, "Tjänst ekonomi");
    assert_eq!(ekonomi["rank"], 1);
    assert_eq!(ekonomi["status"], "shown");
    // SUS (5 × 82.5 + 50) / 6 = 77.083; 6 of 8 answered; tidsvinst (5 × 30 − 30) / 6 =
    // 20 minutes: 20/60 × 44 weeks × 500 users = 7,333.3 hours, × 450 = 3,300,000 SEK
    // against 100,000: ratio 33.
    assert!((ekonomi["sus"]["mean"].as_f64().unwrap() - 77.0833).abs() < 1e-3);
    assert!((ekonomi["response_rate"].as_f64().unwrap() - 0.75).abs() < 1e-9);
    let kalkyl = &ekonomi["nyttokalkyl"];
    assert!((kalkyl["annual_hours"].as_f64().unwrap() - 7_333.333).abs() < 1e-2);
    assert!((kalkyl["value_sek"].as_f64().unwrap() - 3_300_000.0).abs() < 1e-3);
    assert!((kalkyl["benefit_cost_ratio"].as_f64().unwrap() - 33.0).abs() < 1e-9);
    assert_eq!(ekonomi["flags"], json!([]));
    let small = line(&report, "=SUMMA(1;2)");
    assert_eq!(small["status"], "too_few_answers");
    assert_eq!(
        (small["rank"].clone(), small["sus"].clone()),
        (Value::Null, Value::Null)
    );
    let proposals: Vec<(&str, &str)> = report["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["service"].as_str().unwrap(), p["rule"].as_str().unwrap()))
        .collect();
    assert_eq!(proposals, [("=SUMMA(1;2)", "invite_more")]);
    assert_eq!(report["totals"]["too_few_answers"], 1);

    // Stored: the same report until it is generated again.
    let again = status_and_json(fetch(&app, &app.admin_token, &path).await)
        .await
        .1;
    assert_eq!(again["generated_at"], report["generated_at"]);

    let html = fetch(
        &app,
        &app.admin_token,
        &path.replace("nyttoanalys?", "nyttoanalys.html?"),
    )
    .await;
    assert_eq!(html.status(), StatusCode::OK);
    let html = html.text().await.unwrap();
    assert!(
        html.contains("Tjänst ekonomi") && html.contains("77,1"),
        "{html}"
    );
    let small_row = &html[html.find("=SUMMA(1;2)").unwrap()..];
    let small_row = &small_row[..small_row.find("</tr>").unwrap()];
    assert!(small_row.contains("För få svar"), "{small_row}");
    assert!(
        !small_row.contains("SUS") && !small_row.chars().any(|c| c == ','),
        "{small_row}"
    );
    assert!(html.contains("<svg") && !html.contains("<script"));

    let csv = fetch(
        &app,
        &app.admin_token,
        &path.replace("nyttoanalys?", "nyttoanalys.csv?"),
    )
    .await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("nyttoanalys-{period}.csv"))
    );
    let bytes = csv.bytes().await.unwrap();
    assert!(
        bytes.starts_with("\u{feff}".as_bytes()),
        "a byte-order mark for Excel"
    );
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(&bytes[3..]);
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][column("Tjänst")], "Tjänst ekonomi");
    assert_eq!(&rows[0][column("SUS")], "77,1");
    assert_eq!(&rows[0][column("Svarsfrekvens (%)")], "75");
    assert_eq!(
        &rows[1][column("Tjänst")],
        "'=SUMMA(1;2)",
        "formula neutralised"
    );
    assert_eq!(&rows[1][column("SUS")], "", "no figure for too few answers");
    assert_eq!(&rows[1][column("Status")], "För få svar");

    let xlsx = fetch(
        &app,
        &app.admin_token,
        &path.replace("nyttoanalys?", "nyttoanalys.xlsx?"),
    )
    .await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    let mut workbook: Xlsx<_> =
        open_workbook_from_rs(Cursor::new(xlsx.bytes().await.unwrap().to_vec())).unwrap();
    assert_eq!(
        workbook.sheet_names(),
        [
            "Översikt",
            "Förvaltningar",
            "Objektägare",
            "Förslag",
            "(ingen)"
        ]
    );
    let overview = workbook.worksheet_range("Översikt").unwrap();
    let header: Vec<String> = overview
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(
        overview.get_value((1, col("Tjänst") as u32)),
        Some(&Data::String("Tjänst ekonomi".into()))
    );
    assert_eq!(
        overview.get_value((1, col("SUS") as u32)),
        Some(&Data::Float(77.1))
    );
    assert_eq!(
        overview.get_value((1, col("Rang") as u32)),
        Some(&Data::Float(1.0))
    );
    assert!(
        matches!(
            overview.get_value((2, col("SUS") as u32)),
            None | Some(Data::Empty)
        ),
        "no figure for too few answers"
    );

    // Generated again: a new time, the same figures.
    let regenerated = app
        .client
        .post(app.url(&format!(
            "/api/v1/reports/nyttoanalys/generate?period={period}"
        )))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    let (status, regenerated) = status_and_json(regenerated).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(regenerated["services"], report["services"]);
}

#[tokio::test]
async fn only_admins_read_the_nyttoanalys_and_bad_periods_are_named() {
    let (app, sink) = spawn_with_sink(|_| {}).await;
    let (_, owner, _) = closed_round(&app, &sink, "ekonomi", 6, &SIX_FORMS[..5], true).await;
    let owner_token = app.owner_token(owner).await;
    for suffix in ["", ".html", ".csv", ".xlsx"] {
        let response = fetch(
            &app,
            &owner_token,
            &format!("/api/v1/reports/nyttoanalys{suffix}"),
        )
        .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{suffix}");
    }
    for bad in ["2026-Q5", "nästa", "2999-Q1"] {
        let response = fetch(
            &app,
            &app.admin_token,
            &format!("/api/v1/reports/nyttoanalys?period={bad}"),
        )
        .await;
        let (status, body) = status_and_json(response).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains("period"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn the_report_command_writes_the_four_files() {
    let (app, sink) = spawn_with_sink(|_| {}).await;
    let period = two_services(&app, &sink).await;
    let dir = app.tempdir.path().join("rapporter");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_nyttopuls"))
        .args(["report", "--period", &period, "--dir"])
        .arg(&dir)
        .env("NYTTOPULS__DATABASE__URL", &app.database_url)
        .env("NYTTOPULS__SURVEY__ANSWER_KEY_FILE", &app.answer_key_file)
        .current_dir(app.tempdir.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    for extension in ["json", "html", "csv", "xlsx"] {
        let file = dir.join(format!("nyttoanalys-{period}.{extension}"));
        assert!(
            std::fs::metadata(&file).unwrap().len() > 100,
            "{}",
            file.display()
        );
    }
    let stored: Value = serde_json::from_slice(
        &std::fs::read(dir.join(format!("nyttoanalys-{period}.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(stored["services"][0]["name"], "Tjänst ekonomi");
}
