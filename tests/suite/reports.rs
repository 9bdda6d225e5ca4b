//! The nyttoanalys through the API and the command line: hand-computed figures of a real
//! closed round, a small group shown as too few answers in every format, the CSV read
//! back by a CSV parser with a formula neutralised, the XLSX read back by calamine with
//! its sheets and numeric cells, the report stored per period, and admins only.

use calamine::{Data, Reader};
use chrono::Utc;
use mail_parser::MimeHeaders;
use nyttopuls::domain::ReportPeriod;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{TestApp, header_row, status_and_json, workbook};
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
    // The interval and the assumptions travel with the value.
    assert_eq!(
        (kalkyl["working_weeks"].clone(), kalkyl["users"].clone()),
        (json!(44), json!(500))
    );
    let (low, high) = (
        kalkyl["value_ci_low_sek"].as_f64().unwrap(),
        kalkyl["value_ci_high_sek"].as_f64().unwrap(),
    );
    assert!(low < 3_300_000.0 && 3_300_000.0 < high, "{kalkyl}");
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
    // Money in thousands of kronor to three significant digits, labelled as
    // redistribution, with the assumptions named.
    assert!(html.contains("3\u{a0}300\u{a0}tkr"), "{html}");
    assert!(
        !html.contains("3\u{a0}300\u{a0}000"),
        "no kronor to the krona"
    );
    assert!(html.contains("Omfördelningsnytta") && html.contains("44 arbetsveckor"));
    let english = fetch(
        &app,
        &app.admin_token,
        &path.replace("nyttoanalys?", "nyttoanalys.html?lang=en&"),
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(
        english.contains("<html lang=\"en\">") && english.contains("Services ranked"),
        "{english}"
    );
    assert!(english.contains("3,300\u{a0}kSEK"), "{english}");

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
    assert_eq!(
        &rows[0][column("Omfördelningsnytta per år (kr)")],
        "3300000"
    );

    let xlsx = fetch(
        &app,
        &app.admin_token,
        &path.replace("nyttoanalys?", "nyttoanalys.xlsx?"),
    )
    .await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    let mut workbook = workbook(xlsx.bytes().await.unwrap().to_vec());
    assert_eq!(
        workbook.sheet_names(),
        [
            "Om rapporten",
            "Översikt",
            "Förvaltningar",
            "Objektägare",
            "Förslag",
            "(ingen)"
        ]
    );
    let overview = workbook.worksheet_range("Översikt").unwrap();
    let header = header_row(&overview);
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
    assert_eq!(
        overview.get_value((1, col("Svarsfrekvens (%)") as u32)),
        Some(&Data::Float(0.75))
    );
    let styles = workbook.worksheet_style("Översikt").unwrap();
    let format = |name: &str| {
        styles
            .get((1, col(name) as u32))
            .and_then(|s| s.number_format.as_ref())
            .map(|f| f.format_code.clone())
    };
    assert_eq!(format("Svarsfrekvens (%)").as_deref(), Some("0 %"));
    assert_eq!(format("SUS").as_deref(), Some("#,##0.0"));
    assert_eq!(
        format("Omfördelningsnytta per år (kr)").as_deref(),
        Some("#,##0")
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
    for bad in ["2026-Q5", "nästa", "", "1999"] {
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
    let future = fetch(
        &app,
        &app.admin_token,
        "/api/v1/reports/nyttoanalys?period=2199-Q1",
    )
    .await;
    let (status, body) = status_and_json(future).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("has not begun"),
        "{body}"
    );
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

/// A part of a received message: content type, file name, content id, bytes.
type Part = (String, Option<String>, Option<String>, Vec<u8>);

/// A received message's subject, HTML body and parts.
fn parts(raw: &[u8]) -> (String, String, Vec<Part>) {
    let message = mail_parser::MessageParser::default().parse(raw).unwrap();
    let subject = message.subject().unwrap_or_default().to_owned();
    let html = message
        .body_html(0)
        .map(|h| h.into_owned())
        .unwrap_or_default();
    let attachments = message
        .attachments()
        .map(|part| {
            let content_type = part
                .content_type()
                .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or_default()))
                .unwrap_or_default();
            (
                content_type,
                part.attachment_name().map(str::to_owned),
                part.content_id().map(str::to_owned),
                part.contents().to_vec(),
            )
        })
        .collect();
    (subject, html, attachments)
}

#[tokio::test]
async fn the_report_email_and_an_owner_digest_arrive_with_their_attachments() {
    let start = "2026-11-16T10:00:00Z"
        .parse::<chrono::DateTime<Utc>>()
        .unwrap();
    let clock = nyttopuls::usecases::Clock::manual(start);
    let sink = crate::mail_sink::MailSink::start();
    let port = sink.port;
    let app = crate::common::spawn_app_at(clock.clone(), move |settings| {
        crate::survey_loop::send_through(port)(settings);
        settings.report.recipients = vec!["klk@x.se".into()];
    })
    .await;
    let (service, _, _) = closed_round(&app, &sink, "ekonomi", 8, &SIX_FORMS, true).await;
    let before = sink.count();

    // Right after the close: the owner's digest, and no nyttoanalys of the quarter that
    // ended before (2026-Q3): it had no round at all, so there is nothing to report.
    let queued = crate::survey_loop::run_job(&app, "send_reports").await;
    assert_eq!(queued["counts"]["digests_queued"], 1, "{queued}");
    assert_eq!(queued["counts"]["report_emails_queued"], 0, "{queued}");
    let again = crate::survey_loop::run_job(&app, "send_reports").await;
    assert_eq!(again["counts"]["digests_queued"], 0, "{again}");
    assert_eq!(again["counts"]["report_emails_queued"], 0, "{again}");
    crate::survey_loop::run_job(&app, "dispatch_outbox").await;
    let received = sink.received();
    assert_eq!(received.len(), before + 1);
    assert!(
        !received.iter().any(|m| m.to == ["klk@x.se"]),
        "no nyttoanalys of an empty quarter"
    );
    let digest = received
        .iter()
        .find(|m| m.to == ["agare.ekonomi@x.se"])
        .expect("the digest");
    let (subject, html, attachments) = parts(&digest.data);
    assert!(
        subject.contains("Tjänst ekonomi") && subject.contains("2026-Q4"),
        "{subject}"
    );
    assert!(html.contains("77,1") && html.contains("cid:sus"), "{html}");
    assert!(
        html.contains(&format!("/dashboard/services/{service}")),
        "{html}"
    );
    let image = attachments
        .iter()
        .find(|a| a.2.as_deref().is_some_and(|id| id.contains("sus")))
        .expect("the SUS chart inline");
    assert_eq!(image.0, "image/png");
    assert!(image.3.starts_with(b"\x89PNG"), "a PNG");

    // After the quarter: its nyttoanalys, once.
    clock.set("2027-01-05T07:00:00Z".parse().unwrap());
    let queued = crate::survey_loop::run_job(&app, "send_reports").await;
    assert_eq!(queued["counts"]["report_emails_queued"], 1, "{queued}");
    let again = crate::survey_loop::run_job(&app, "send_reports").await;
    assert_eq!(again["counts"]["report_emails_queued"], 0, "{again}");
    crate::survey_loop::run_job(&app, "dispatch_outbox").await;
    let report = sink
        .received()
        .into_iter()
        .filter(|m| m.to == ["klk@x.se"])
        .map(|m| parts(&m.data))
        .find(|(subject, _, _)| subject.contains("2026-Q4"))
        .expect("the 2026-Q4 report");
    let (subject, html, attachments) = report;
    assert_eq!(subject, "Nyttoanalys 2026-Q4");
    assert!(html.contains("cid:overview"), "{html}");
    let attached = attachments
        .iter()
        .find(|a| a.1.as_deref() == Some("nyttoanalys-2026-Q4.xlsx"))
        .expect("the workbook attached");
    let mut workbook = workbook(attached.3.clone());
    let overview = workbook.worksheet_range("Översikt").unwrap();
    assert_eq!(
        overview.get_value((1, 1)),
        Some(&Data::String("Tjänst ekonomi".into()))
    );
    assert!(
        attachments
            .iter()
            .any(|a| a.0 == "image/png" && a.2.as_deref().is_some_and(|id| id.contains("overview"))),
        "the overview chart inline"
    );
}

/// The outbox row of the report email to `recipient`: status and last error.
async fn report_row(app: &TestApp, recipient: &str) -> (String, Option<String>) {
    use sea_orm::{ConnectionTrait, Statement};
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            format!(
                "SELECT status, last_error FROM outbox \
                 WHERE recipient = '{recipient}' AND kind = 'report'"
            ),
        ))
        .await
        .unwrap()
        .expect("the report email is in the outbox");
    (
        row.try_get("", "status").unwrap(),
        row.try_get("", "last_error").unwrap(),
    )
}

#[tokio::test]
async fn a_report_email_that_cannot_be_built_stays_queued_and_goes_out_once_fixed() {
    use sea_orm::ConnectionTrait;
    let clock = nyttopuls::usecases::Clock::manual("2026-11-16T10:00:00Z".parse().unwrap());
    let sink = crate::mail_sink::MailSink::start();
    let port = sink.port;
    let app = crate::common::spawn_app_at(clock.clone(), move |settings| {
        crate::survey_loop::send_through(port)(settings);
        settings.report.recipients = vec!["klk@x.se".into()];
    })
    .await;
    closed_round(&app, &sink, "ekonomi", 8, &SIX_FORMS, true).await;
    clock.set("2027-01-05T07:00:00Z".parse().unwrap());
    let queued = crate::survey_loop::run_job(&app, "send_reports").await;
    assert_eq!(queued["counts"]["report_emails_queued"], 1, "{queued}");

    // The stored analysis the email is built from no longer reads: building fails.
    app.db
        .execute_unprepared("UPDATE reports SET content = '{}' WHERE period = '2026-Q4'")
        .await
        .unwrap();
    let run = crate::survey_loop::run_job(&app, "dispatch_outbox").await;
    assert_eq!(run["counts"]["not_built"], 1, "{run}");
    assert!(run["counts"].get("bounced").is_none(), "{run}");
    assert!(!sink.received().iter().any(|m| m.to == ["klk@x.se"]));
    let (status, error) = report_row(&app, "klk@x.se").await;
    assert_eq!(status, "pending", "not given up, not bounced");
    assert!(
        error
            .as_deref()
            .is_some_and(|e| e.contains("could not be built")),
        "{error:?}"
    );

    // Fixed (the report generated again): the next dispatch after the backoff sends it.
    let regenerated = app
        .client
        .post(app.url("/api/v1/reports/nyttoanalys/generate?period=2026-Q4"))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(regenerated.status(), StatusCode::OK);
    clock.set("2027-01-05T09:00:00Z".parse().unwrap());
    let run = crate::survey_loop::run_job(&app, "dispatch_outbox").await;
    assert_eq!(run["counts"]["sent"], 1, "{run}");
    assert!(sink.received().iter().any(|m| m.to == ["klk@x.se"]));
    assert_eq!(report_row(&app, "klk@x.se").await.0, "sent");
}
