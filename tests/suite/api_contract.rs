//! The API does what its OpenAPI document says: limits and nullable fields are
//! declared, bad values are 400s naming the field, every list has the same paged shape,
//! and the rounds list is paged and scoped to an owner in the database.

use crate::common::{TestApp, assert_error, id_of, spawn_app, status_and_json};
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

async fn spec(app: &TestApp) -> Value {
    let (status, spec) = status_and_json(app.get("/api/openapi.json").await).await;
    assert_eq!(status, StatusCode::OK);
    spec
}

fn problem_fields(body: &Value) -> Vec<String> {
    body["problems"]
        .as_array()
        .map(|problems| {
            problems
                .iter()
                .map(|p| p["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn names_with_control_characters_are_refused_naming_the_field() {
    let app = spawn_app().await;
    for bad in ["Skol\r\nwebben", "Skolwebben\n", "Nul\0l", "Tab\tb"] {
        let body = assert_error(
            app.post_json("/api/v1/departments", &json!({ "name": bad }))
                .await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(problem_fields(&body), ["name"], "{bad:?}: {body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("control characters")
        );
    }
    let body = assert_error(
        app.post_json(
            "/api/v1/services",
            &json!({"name": "Skolwebben", "slug": "skolwebben", "description": "Rad ett\nrad två"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(problem_fields(&body), ["description"], "{body}");
    let (_, departments) = status_and_json(app.get("/api/v1/departments").await).await;
    assert_eq!(departments["total"], 0, "nothing was stored");
}

#[tokio::test]
async fn over_long_texts_are_refused_and_the_limit_is_in_the_schema() {
    let app = spawn_app().await;
    let long = "å".repeat(201);
    let body = assert_error(
        app.post_json(
            "/api/v1/owners",
            &json!({"name": long, "email": "a@kommun.se"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(problem_fields(&body), ["name"], "{body}");
    let just_fits = "å".repeat(200);
    app.create(
        "/api/v1/owners",
        json!({"name": just_fits, "email": "a@kommun.se"}),
    )
    .await;

    let spec = spec(&app).await;
    let owner_input = &spec["components"]["schemas"]["OwnerInput"]["properties"];
    assert_eq!(owner_input["name"]["maxLength"], 200);
    assert_eq!(owner_input["name"]["minLength"], 1);
    assert!(owner_input["name"]["pattern"].is_string());
    assert_eq!(owner_input["email"]["maxLength"], 254);
}

#[tokio::test]
async fn fields_that_can_be_null_are_declared_nullable() {
    let app = spawn_app().await;
    app.create(
        "/api/v1/owners",
        json!({"name": "Utan förvaltning", "email": "a@kommun.se"}),
    )
    .await;
    let (_, owners) = status_and_json(app.get("/api/v1/owners").await).await;
    assert!(owners["items"][0]["department_id"].is_null());

    let spec = spec(&app).await;
    let schemas = &spec["components"]["schemas"];
    for (schema, field) in [
        ("OwnerDto", "department_id"),
        ("ServiceDto", "owner_id"),
        ("ServiceDto", "department_id"),
        ("RespondentDto", "department"),
        ("QuestionnaireDto", "template_key"),
        ("ProgrammeDto", "service_ids"),
        ("AuditEntryDto", "entity_id"),
        ("TokenDto", "expires_at"),
        ("ActionDto", "round_id"),
        ("ActionDto", "done_on"),
    ] {
        assert_eq!(
            schemas[schema]["properties"][field]["nullable"], true,
            "{schema}.{field}"
        );
    }
}

#[tokio::test]
async fn page_limits_are_in_the_schema_and_enforced() {
    let app = spawn_app().await;
    let spec = spec(&app).await;
    let parameters = spec["paths"]["/api/v1/rounds"]["get"]["parameters"]
        .as_array()
        .unwrap();
    let parameter = |name: &str| {
        parameters
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("no {name} parameter"))["schema"]
            .clone()
    };
    assert_eq!(parameter("page")["minimum"], 1.0);
    assert_eq!(parameter("per_page")["minimum"], 1.0);
    assert_eq!(parameter("per_page")["maximum"], 500.0);
    let statuses = parameter("status");
    let statuses = if statuses["$ref"].is_string() {
        let name = statuses["$ref"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap();
        spec["components"]["schemas"][name].clone()
    } else {
        statuses
    };
    assert_eq!(statuses["enum"], json!(["open", "closed"]));

    for query in ["page=0", "per_page=501", "per_page=0", "page=-1", "page=x"] {
        let body = assert_error(
            app.get(&format!("/api/v1/services?{query}")).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        let name = query.split('=').next().unwrap();
        assert!(
            body["message"].as_str().unwrap().contains(name),
            "{query}: {body}"
        );
    }
}

#[tokio::test]
async fn a_round_status_that_is_not_a_status_is_a_400_listing_the_statuses() {
    let app = spawn_app().await;
    let body = assert_error(
        app.get("/api/v1/rounds?status=opne").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("open") && message.contains("closed"),
        "{message}"
    );
}

#[tokio::test]
async fn every_list_has_the_same_paged_shape() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/departments",
        "/api/v1/owners",
        "/api/v1/services",
        "/api/v1/respondents",
        "/api/v1/questionnaires",
        "/api/v1/programmes",
        "/api/v1/rounds",
        "/api/v1/audit",
        "/api/v1/tokens",
        "/api/v1/actions",
    ] {
        let (status, body) = status_and_json(app.get(&format!("{path}?per_page=2")).await).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["items", "page", "per_page", "total"], "{path}");
        assert_eq!(body["per_page"], 2, "{path}");
        assert!(body["items"].as_array().unwrap().len() <= 2, "{path}");
    }
    // The seven built-in questionnaires, three to a page.
    let (_, second) =
        status_and_json(app.get("/api/v1/questionnaires?page=3&per_page=3").await).await;
    assert_eq!(second["total"], 7);
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_wrong_method_is_405_with_allow_and_a_wrong_body_type_is_415() {
    let app = spawn_app().await;
    let response = app
        .client
        .patch(app.url("/api/v1/services/1"))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let allow = response.headers()["allow"].to_str().unwrap().to_owned();
    for method in ["GET", "PUT", "DELETE"] {
        assert!(allow.contains(method), "{allow}");
    }
    assert!(!allow.contains("POST"), "{allow}");
    assert_error(response, StatusCode::METHOD_NOT_ALLOWED).await;

    let body = assert_error(
        app.post_raw("/api/v1/departments", "text/plain", "name=IT")
            .await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    assert_eq!(body["error"], "unsupported_media_type");
    let spec = spec(&app).await;
    let responses = &spec["paths"]["/api/v1/departments"]["post"]["responses"];
    assert!(responses["413"].is_object() && responses["415"].is_object());
}

#[tokio::test]
async fn the_description_promises_nothing_unbuilt_and_explains_cron_weekdays() {
    let app = spawn_app().await;
    let spec = spec(&app).await;
    let description = spec["info"]["description"].as_str().unwrap().to_lowercase();
    assert!(!description.contains("nyttoanalys"), "{description}");
    // Results are promised, and there.
    assert!(description.contains("results"), "{description}");
    for path in [
        "/api/v1/services/{id}/results",
        "/api/v1/owners/{id}/results",
        "/api/v1/departments/{id}/results",
        "/api/v1/services/{id}/rounds/{round_id}/comments",
    ] {
        assert!(spec["paths"][path]["get"].is_object(), "{path}");
    }
    let schedule =
        spec["components"]["schemas"]["ProgrammeInput"]["properties"]["schedule"]["description"]
            .as_str()
            .unwrap();
    assert!(
        schedule.contains("0 or 7 = Sunday") && schedule.contains("1 = Monday"),
        "{schedule}"
    );
}

/// Two owners, a service each, and one programme run that opens a round for each.
async fn two_owners_with_a_round_each(app: &TestApp) -> (String, i64, i64) {
    let mine = app.create_owner("Åsa", "asa@kommun.se", None).await;
    let theirs = app.create_owner("Bo", "bo@kommun.se", None).await;
    let my_service = app.create_service("skolwebben", Some(mine)).await;
    let their_service = app.create_service("procapita", Some(theirs)).await;
    let programme = id_of(
        &app.create(
            "/api/v1/programmes",
            json!({"name": "Kvartal", "schedule": "0 0 8 1 */3 *",
                   "service_ids": [my_service, their_service]}),
        )
        .await,
    );
    let (status, body) = status_and_json(
        app.post_json(&format!("/api/v1/programmes/{programme}/run"), &json!({}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["rounds_opened"], 2);
    (app.owner_token(mine).await, my_service, their_service)
}

/// `count` more rounds of `service` in earlier, made-up periods (closed).
async fn add_past_rounds(app: &TestApp, service: i64, count: u32) {
    let sql = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) \
         INSERT INTO rounds (programme_id, service_id, questionnaire_id, period, opens_at, \
                             closes_at, status, invited, answered, reminders_done) \
         SELECT r.programme_id, r.service_id, r.questionnaire_id, 'past-' || n.i, r.opens_at, \
                r.closes_at, 'closed', 0, 0, 0 \
         FROM rounds r, n WHERE r.service_id = {service}"
    );
    app.db.execute_unprepared(&sql).await.unwrap();
}

#[tokio::test]
async fn an_owner_with_4000_rounds_sees_all_of_them_page_by_page_and_no_others() {
    let app = spawn_app().await;
    let (owner_token, my_service, their_service) = two_owners_with_a_round_each(&app).await;
    add_past_rounds(&app, my_service, 3_999).await;
    add_past_rounds(&app, their_service, 1_500).await;

    let mut seen = std::collections::HashSet::new();
    for page in 1..=9 {
        let (status, body) = status_and_json(
            app.get_as(
                &owner_token,
                &format!("/api/v1/rounds?per_page=500&page={page}"),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["total"], 4_000);
        let items = body["items"].as_array().unwrap();
        assert_eq!(items.len(), if page <= 8 { 500 } else { 0 }, "page {page}");
        for round in items {
            assert_eq!(round["service_id"], my_service);
            assert!(
                seen.insert(round["id"].as_i64().unwrap()),
                "a round on two pages"
            );
        }
    }
    assert_eq!(seen.len(), 4_000);

    // Filters combine with the owner scope and with each other.
    let (_, open) =
        status_and_json(app.get_as(&owner_token, "/api/v1/rounds?status=open").await).await;
    assert_eq!(open["total"], 1);
    assert_eq!(open["items"][0]["status"], "open");
    let (_, others) = status_and_json(
        app.get_as(
            &owner_token,
            &format!("/api/v1/rounds?service_id={their_service}"),
        )
        .await,
    )
    .await;
    assert_eq!(others["total"], 0, "another owner's rounds stay hidden");
    let (_, all) = status_and_json(app.get("/api/v1/rounds?status=closed&per_page=1").await).await;
    assert_eq!(
        all["total"],
        3_999 + 1_500,
        "an admin sees every owner's rounds"
    );
}

#[tokio::test]
async fn a_client_that_trickles_its_body_is_cut_off_with_408() {
    use std::io::{Read, Write};

    let app = spawn_app().await;
    let (port, token) = (app.port, app.admin_token.clone());
    let started = std::time::Instant::now();
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(60)))
            .unwrap();
        // Promises 100 bytes, sends 12, then goes quiet.
        write!(
            stream,
            "POST /api/v1/departments HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"name\": \"IT"
        )
        .unwrap();
        let mut answer = vec![0; 512];
        let read = stream.read(&mut answer).unwrap_or(0);
        String::from_utf8_lossy(&answer[..read]).into_owned()
    })
    .await
    .unwrap();
    let waited = started.elapsed().as_secs();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    assert!((29..45).contains(&waited), "cut off after {waited} s");
}
