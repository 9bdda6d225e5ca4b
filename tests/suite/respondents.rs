//! Kommunledningskontoret keeps the register of respondents (the users of the IT
//! services): one by one over the API, or a whole CSV file at a time.

use crate::common::{TestApp, assert_error, id_of, spawn_app, status_and_json};
use reqwest::StatusCode;
use serde_json::{Value, json};

const IMPORT: &str = "/api/v1/respondents/import";

async fn with_services(app: &TestApp) {
    for slug in ["procapita", "skolwebben", "e-tjanst"] {
        app.create_service(slug, None).await;
    }
}

fn summary(rows: u64, created: u64, updated: u64, unchanged: u64, dry_run: bool) -> Value {
    json!({"rows": rows, "created": created, "updated": updated, "unchanged": unchanged, "dry_run": dry_run})
}

/// The `(line, field)` pairs of an import's rejection.
fn problems(body: &Value) -> Vec<(u64, String)> {
    body["problems"]
        .as_array()
        .unwrap_or_else(|| panic!("no problems listed in {body}"))
        .iter()
        .map(|p| {
            (
                p["line"]
                    .as_u64()
                    .unwrap_or_else(|| panic!("no line in {p}")),
                p["field"].as_str().expect("field").to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn admin_creates_reads_updates_and_deletes_a_respondent() {
    let app = spawn_app().await;
    with_services(&app).await;

    let created = app
        .create(
            "/api/v1/respondents",
            json!({"email": "Asa.Oberg@Karlstad.se", "name": "Åsa Öberg",
                   "department": "Barn- och ungdomsförvaltningen", "kind": "internal",
                   "language": "sv", "services": ["skolwebben", "procapita"]}),
        )
        .await;
    let id = id_of(&created);
    assert_eq!(created["email"], "asa.oberg@karlstad.se");
    assert_eq!(created["name"], "Åsa Öberg");
    assert_eq!(created["department"], "Barn- och ungdomsförvaltningen");
    assert_eq!(created["kind"], "internal");
    assert_eq!(created["language"], "sv");
    assert_eq!(created["services"], json!(["procapita", "skolwebben"]));

    let (status, fetched) =
        status_and_json(app.get(&format!("/api/v1/respondents/{id}")).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched, created);

    let (status, updated) = status_and_json(
        app.put_json(
            &format!("/api/v1/respondents/{id}"),
            &json!({"email": "asa.oberg@karlstad.se", "name": "Åsa Öberg", "kind": "external",
                    "language": "en", "services": ["e-tjanst"]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["kind"], "external");
    assert_eq!(updated["language"], "en");
    assert_eq!(updated["services"], json!(["e-tjanst"]));
    assert_eq!(updated["department"], Value::Null);

    let (_, by_email) = status_and_json(
        app.get("/api/v1/respondents?email=ASA.OBERG@karlstad.se")
            .await,
    )
    .await;
    assert_eq!(by_email["total"], 1);

    assert_eq!(
        app.delete(&format!("/api/v1/respondents/{id}"))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_error(
        app.get(&format!("/api/v1/respondents/{id}")).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_error(
        app.delete(&format!("/api/v1/respondents/{id}")).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert!(app.respondents().await.is_empty());
}

#[tokio::test]
async fn respondents_can_be_listed_by_service() {
    let app = spawn_app().await;
    let procapita = app.create_service("procapita", None).await;
    app.create_service("skolwebben", None).await;
    for (email, services) in [
        ("a@karlstad.se", json!(["procapita"])),
        ("b@karlstad.se", json!(["skolwebben"])),
        ("c@karlstad.se", json!(["procapita", "skolwebben"])),
    ] {
        app.create(
            "/api/v1/respondents",
            json!({"email": email, "name": email, "services": services}),
        )
        .await;
    }
    let (_, users) = status_and_json(
        app.get(&format!("/api/v1/respondents?service_id={procapita}"))
            .await,
    )
    .await;
    let mut emails: Vec<&str> = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["email"].as_str().unwrap())
        .collect();
    emails.sort();
    assert_eq!(emails, ["a@karlstad.se", "c@karlstad.se"]);
    assert_eq!(users["total"], 2);
}

#[tokio::test]
async fn invalid_respondents_are_rejected_and_nothing_is_stored() {
    let app = spawn_app().await;
    with_services(&app).await;
    for body in [
        json!({"email": "not-an-email", "name": "X"}),
        json!({"email": "x@karlstad.se", "name": ""}),
        json!({"email": "x@karlstad.se", "name": "X", "kind": "robot"}),
        json!({"email": "x@karlstad.se", "name": "X", "language": "de"}),
        json!({"email": "x@karlstad.se", "name": "X", "services": ["Inte En Slug"]}),
        json!({"email": "x@karlstad.se"}),
        json!({"email": "x@karlstad.se", "name": "X", "services": "procapita"}),
    ] {
        assert_error(
            app.post_json("/api/v1/respondents", &body).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    // A well-formed slug that names no service is not silently dropped.
    let response = app
        .post_json(
            "/api/v1/respondents",
            &json!({"email": "x@karlstad.se", "name": "X", "services": ["finns-inte"]}),
        )
        .await;
    let status = response.status();
    assert!(status.is_client_error(), "unknown service gave {status}");
    assert_error(response, status).await;
    assert!(app.respondents().await.is_empty());
}

#[tokio::test]
async fn a_second_respondent_with_the_same_email_is_a_conflict() {
    let app = spawn_app().await;
    app.create(
        "/api/v1/respondents",
        json!({"email": "a@karlstad.se", "name": "A"}),
    )
    .await;
    let other = app
        .create(
            "/api/v1/respondents",
            json!({"email": "b@karlstad.se", "name": "B"}),
        )
        .await;
    assert_error(
        app.post_json(
            "/api/v1/respondents",
            &json!({"email": "A@Karlstad.se", "name": "A2"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_error(
        app.put_json(
            &format!("/api/v1/respondents/{}", other["id"]),
            &json!({"email": "a@karlstad.se", "name": "B"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(app.respondents().await.len(), 2);
}

#[tokio::test]
async fn importing_a_semicolon_file_with_bom_and_swedish_letters() {
    let app = spawn_app().await;
    with_services(&app).await;
    let csv = "\u{feff}email;name;department;kind;language;services\n\
               asa@karlstad.se;Åsa Öberg;Barn- och ungdomsförvaltningen;internal;sv;procapita|skolwebben\n\
               Bjorn@Karlstad.se;Björn Ängström;Kommunledningskontoret;external;en;e-tjanst\n";
    let (status, body) = status_and_json(app.post_csv(IMPORT, csv).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, summary(2, 2, 0, 0, false));

    let people = app.respondents().await;
    assert_eq!(people.len(), 2);
    assert_eq!(people[0]["email"], "asa@karlstad.se");
    assert_eq!(people[0]["name"], "Åsa Öberg");
    assert_eq!(people[0]["department"], "Barn- och ungdomsförvaltningen");
    assert_eq!(people[0]["services"], json!(["procapita", "skolwebben"]));
    assert_eq!(people[1]["email"], "bjorn@karlstad.se");
    assert_eq!(people[1]["name"], "Björn Ängström");
    assert_eq!(people[1]["kind"], "external");
    assert_eq!(people[1]["language"], "en");
    assert_eq!(people[1]["services"], json!(["e-tjanst"]));
}

#[tokio::test]
async fn importing_a_comma_file_without_bom() {
    let app = spawn_app().await;
    with_services(&app).await;
    let csv = "email,name,department,kind,language,services\n\
               ola@karlstad.se,Ola Åkesson,Tekniska förvaltningen,internal,sv,procapita\n\
               \"kaj@karlstad.se\",\"Kaj, Öst\",,external,en,\n";
    let (status, body) = status_and_json(app.post_csv(IMPORT, csv).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, summary(2, 2, 0, 0, false));
    let people = app.respondents().await;
    assert_eq!(people[0]["name"], "Kaj, Öst");
    assert_eq!(people[0]["services"], json!([]));
    assert_eq!(people[1]["name"], "Ola Åkesson");
    assert_eq!(people[1]["services"], json!(["procapita"]));
}

#[tokio::test]
async fn reimporting_updates_people_instead_of_duplicating_them() {
    let app = spawn_app().await;
    with_services(&app).await;
    let first = "email;name;department;kind;language;services\n\
                 asa@karlstad.se;Åsa Öberg;BoU;internal;sv;procapita\n\
                 bo@karlstad.se;Bo Ek;BoU;internal;sv;skolwebben\n";
    let (status, body) = status_and_json(app.post_csv(IMPORT, first).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let ids: Vec<Value> = app
        .respondents()
        .await
        .iter()
        .map(|r| r["id"].clone())
        .collect();

    // Same people, emails in another case; Åsa changed name and services, Bo did not.
    let second = "email;name;department;kind;language;services\n\
                  ASA@Karlstad.SE;Åsa Öberg-Lind;BoU;internal;sv;procapita|e-tjanst\n\
                  Bo@karlstad.se;Bo Ek;BoU;internal;sv;skolwebben\n\
                  cecilia@karlstad.se;Cecilia Å;BoU;internal;sv;\n";
    let (status, body) = status_and_json(app.post_csv(IMPORT, second).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, summary(3, 1, 1, 1, false));

    let people = app.respondents().await;
    assert_eq!(people.len(), 3, "no one was duplicated: {people:?}");
    assert_eq!(people[0]["id"], ids[0], "Åsa keeps her id");
    assert_eq!(people[0]["email"], "asa@karlstad.se");
    assert_eq!(people[0]["name"], "Åsa Öberg-Lind");
    assert_eq!(people[0]["services"], json!(["e-tjanst", "procapita"]));
    assert_eq!(people[1]["id"], ids[1]);
    assert_eq!(people[1]["services"], json!(["skolwebben"]));

    // The same file again changes nothing.
    let (_, body) = status_and_json(app.post_csv(IMPORT, second).await).await;
    assert_eq!(body, summary(3, 0, 0, 3, false));
    assert_eq!(app.respondents().await, people);
}

#[tokio::test]
async fn a_file_with_bad_rows_is_rejected_whole_with_every_problem_by_line() {
    let app = spawn_app().await;
    with_services(&app).await;
    app.create(
        "/api/v1/respondents",
        json!({"email": "kvar@karlstad.se", "name": "Kvar"}),
    )
    .await;
    let before = app.respondents().await;

    let csv = "email;name;department;kind;language;services\n\
               ok@karlstad.se;Ok Person;BoU;internal;sv;procapita\n\
               inte-en-adress;Dålig Adress;BoU;internal;sv;procapita\n\
               okand@karlstad.se;Okänd Tjänst;BoU;internal;sv;procapita|finns-inte\n\
               robot@karlstad.se;Robot;BoU;robot;sv;\n\
               tysk@karlstad.se;Tysk;BoU;internal;de;\n\
               OK@Karlstad.se;Dubblett;BoU;internal;sv;\n\
               kvar@karlstad.se;Kvar Ändrad;BoU;internal;sv;skolwebben\n";
    let body = assert_error(app.post_csv(IMPORT, csv).await, StatusCode::BAD_REQUEST).await;
    let found = problems(&body);
    for expected in [
        (3, "email"),
        (4, "services"),
        (5, "kind"),
        (6, "language"),
        (7, "email"),
    ] {
        assert!(
            found.contains(&(expected.0, expected.1.to_owned())),
            "{expected:?} missing from {found:?}"
        );
    }
    assert!(
        !found.iter().any(|(line, _)| *line == 2 || *line == 8),
        "good rows are not reported: {found:?}"
    );
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("line 3") && message.contains("line 7"),
        "{message}"
    );
    let unknown = &body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["line"] == 4)
        .unwrap()["message"];
    assert!(
        unknown.as_str().unwrap().contains("finns-inte"),
        "{unknown}"
    );

    assert_eq!(app.respondents().await, before, "nothing was written");
    let imports = app.audit("entity=respondent").await;
    assert!(
        imports.iter().all(|e| e["action"] != "import"),
        "a rejected import is not logged as done: {imports:?}"
    );
}

#[tokio::test]
async fn a_file_without_the_required_columns_is_rejected() {
    let app = spawn_app().await;
    for csv in [
        "",
        "name;kind\nÅsa;internal\n",
        "email,namn\na@karlstad.se,Åsa\n",
    ] {
        let body = assert_error(app.post_csv(IMPORT, csv).await, StatusCode::BAD_REQUEST).await;
        assert!(
            body["message"].as_str().unwrap().contains("line 1"),
            "{csv:?}: {body}"
        );
    }
    assert!(app.respondents().await.is_empty());
}

#[tokio::test]
async fn a_dry_run_reports_counts_and_writes_nothing() {
    let app = spawn_app().await;
    with_services(&app).await;
    app.post_csv(
        IMPORT,
        "email,name,services\nasa@karlstad.se,Åsa,procapita\n",
    )
    .await;
    let before = app.respondents().await;
    let audit_before = app.audit("").await.len();

    let csv = "email,name,services\n\
               asa@karlstad.se,Åsa Öberg,procapita\n\
               bo@karlstad.se,Bo,skolwebben\n\
               cia@karlstad.se,Cia,\n";
    let (status, body) =
        status_and_json(app.post_csv(&format!("{IMPORT}?dry_run=true"), csv).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, summary(3, 2, 1, 0, true));
    assert_eq!(app.respondents().await, before);
    assert_eq!(app.audit("").await.len(), audit_before);

    // A dry run of a bad file reports the problems as the real import would.
    let bad = "email,name,services\nasa@karlstad.se,Åsa,finns-inte\n";
    let body = assert_error(
        app.post_csv(&format!("{IMPORT}?dry_run=true"), bad).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(problems(&body), [(2, "services".to_owned())]);
}

#[tokio::test]
async fn an_import_in_another_content_type_or_encoding_is_refused() {
    let app = spawn_app().await;
    // Latin-1 "Åsa": not UTF-8.
    let latin1: Vec<u8> = b"email,name\na@karlstad.se,\xC5sa\n".to_vec();
    let body = assert_error(
        app.post_raw(IMPORT, "text/csv", latin1).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        body["message"].as_str().unwrap().contains("UTF-8"),
        "{body}"
    );

    let response = app
        .post_raw(IMPORT, "application/json", r#"{"email": "a@karlstad.se"}"#)
        .await;
    let status = response.status();
    assert!(
        status.is_client_error(),
        "JSON to the CSV import gave {status}"
    );
    assert_error(response, status).await;
    assert!(app.respondents().await.is_empty());
}
