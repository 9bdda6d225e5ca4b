//! Kommunledningskontoret keeps the service catalogue: förvaltningar, objektägare and
//! IT services, over the JSON API.

use crate::common::{assert_error, id_of, spawn_app, spawn_app_with, status_and_json};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn slugs(page: &Value) -> Vec<String> {
    let mut slugs: Vec<String> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|s| s["slug"].as_str().expect("slug").to_owned())
        .collect();
    slugs.sort();
    slugs
}

#[tokio::test]
async fn admin_creates_reads_renames_and_deletes_a_department() {
    let app = spawn_app().await;

    let created = app
        .create(
            "/api/v1/departments",
            json!({"name": "Barn- och ungdomsförvaltningen"}),
        )
        .await;
    let id = id_of(&created);
    assert_eq!(created["name"], "Barn- och ungdomsförvaltningen");

    let (status, fetched) =
        status_and_json(app.get(&format!("/api/v1/departments/{id}")).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched, created);

    let (status, renamed) = status_and_json(
        app.put_json(
            &format!("/api/v1/departments/{id}"),
            &json!({"name": "Kommunledningsförvaltningen"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    assert_eq!(
        renamed,
        json!({"id": id, "name": "Kommunledningsförvaltningen"})
    );

    let (status, list) = status_and_json(app.get("/api/v1/departments").await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["name"], "Kommunledningsförvaltningen");

    let response = app.delete(&format!("/api/v1/departments/{id}")).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_error(
        app.get(&format!("/api/v1/departments/{id}")).await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn admin_creates_updates_and_deletes_an_owner() {
    let app = spawn_app().await;
    let department = app.create_department("Tekniska förvaltningen").await;

    let created = app
        .create(
            "/api/v1/owners",
            json!({"name": "Örjan Åberg", "email": "Orjan.Aberg@Karlstad.se", "department_id": department}),
        )
        .await;
    let id = id_of(&created);
    assert_eq!(created["name"], "Örjan Åberg");
    assert_eq!(
        created["email"], "orjan.aberg@karlstad.se",
        "emails are stored lower-case"
    );
    assert_eq!(created["department_id"], department);

    let (status, updated) = status_and_json(
        app.put_json(
            &format!("/api/v1/owners/{id}"),
            &json!({"name": "Örjan Åberg", "email": "orjan@karlstad.se", "department_id": null}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["email"], "orjan@karlstad.se");
    assert_eq!(updated["department_id"], Value::Null);

    let (_, fetched) = status_and_json(app.get(&format!("/api/v1/owners/{id}")).await).await;
    assert_eq!(fetched, updated);

    assert_eq!(
        app.delete(&format!("/api/v1/owners/{id}")).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_error(
        app.get(&format!("/api/v1/owners/{id}")).await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn a_created_service_has_every_field_and_can_be_replaced() {
    let app = spawn_app().await;
    let department = app
        .create_department("Barn- och ungdomsförvaltningen")
        .await;
    let owner = app
        .create_owner("Anna", "anna@karlstad.se", Some(department))
        .await;

    let created = app
        .create(
            "/api/v1/services",
            json!({
                "name": "Procapita", "slug": "procapita", "description": "Verksamhetssystem",
                "owner_id": owner, "department_id": department,
                "users_count": 250, "annual_cost_sek": 1200000
            }),
        )
        .await;
    let id = id_of(&created);
    assert_eq!(
        created,
        json!({
            "id": id, "name": "Procapita", "slug": "procapita", "description": "Verksamhetssystem",
            "owner_id": owner, "department_id": department,
            "users_count": 250, "annual_cost_sek": 1200000, "active": true
        })
    );

    let (status, fetched) = status_and_json(app.get(&format!("/api/v1/services/{id}")).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched, created);

    let (status, replaced) = status_and_json(
        app.put_json(
            &format!("/api/v1/services/{id}"),
            &json!({"name": "Procapita VOF", "slug": "procapita-vof", "owner_id": owner,
                    "department_id": department, "users_count": 300, "annual_cost_sek": 900000}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{replaced}");
    assert_eq!(replaced["name"], "Procapita VOF");
    assert_eq!(replaced["slug"], "procapita-vof");
    assert_eq!(replaced["users_count"], 300);
    assert_eq!(replaced["annual_cost_sek"], 900000);
    let (_, fetched) = status_and_json(app.get(&format!("/api/v1/services/{id}")).await).await;
    assert_eq!(fetched, replaced);
}

#[tokio::test]
async fn services_can_be_filtered_by_owner_and_by_department() {
    let app = spawn_app().await;
    let bou = app.create_department("BoU").await;
    let tekn = app.create_department("Teknik").await;
    let anna = app
        .create_owner("Anna", "anna@karlstad.se", Some(bou))
        .await;
    let bo = app.create_owner("Bo", "bo@karlstad.se", Some(tekn)).await;
    for (slug, owner, department) in [
        ("skolwebben", anna, bou),
        ("procapita", anna, tekn),
        ("gis", bo, tekn),
        ("felanmalan", bo, tekn),
    ] {
        app.create(
            "/api/v1/services",
            json!({"name": slug, "slug": slug, "owner_id": owner, "department_id": department}),
        )
        .await;
    }

    let (_, by_anna) =
        status_and_json(app.get(&format!("/api/v1/services?owner_id={anna}")).await).await;
    assert_eq!(slugs(&by_anna), ["procapita", "skolwebben"]);
    assert_eq!(by_anna["total"], 2);

    let (_, in_tekn) = status_and_json(
        app.get(&format!("/api/v1/services?department_id={tekn}"))
            .await,
    )
    .await;
    assert_eq!(slugs(&in_tekn), ["felanmalan", "gis", "procapita"]);

    let (_, both) = status_and_json(
        app.get(&format!(
            "/api/v1/services?owner_id={bo}&department_id={tekn}"
        ))
        .await,
    )
    .await;
    assert_eq!(slugs(&both), ["felanmalan", "gis"]);

    let (_, none) = status_and_json(
        app.get(&format!(
            "/api/v1/services?owner_id={anna}&department_id={bou}&active=false"
        ))
        .await,
    )
    .await;
    assert_eq!(none["total"], 0);
    assert_eq!(none["items"], json!([]));
}

#[tokio::test]
async fn service_listing_is_paginated_with_a_total() {
    let app = spawn_app().await;
    for n in 1..=7 {
        app.create_service(&format!("tjanst-{n}"), None).await;
    }

    let mut seen = Vec::new();
    for page in 1..=3 {
        let (status, body) = status_and_json(
            app.get(&format!("/api/v1/services?page={page}&per_page=3"))
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["total"], 7);
        assert_eq!(body["page"], page);
        assert_eq!(body["per_page"], 3);
        let items = body["items"].as_array().unwrap();
        assert_eq!(
            items.len(),
            if page < 3 { 3 } else { 1 },
            "page {page}: {body}"
        );
        seen.extend(items.iter().map(|s| s["slug"].as_str().unwrap().to_owned()));
    }
    seen.sort();
    seen.dedup();
    assert_eq!(
        seen.len(),
        7,
        "every service appears on exactly one page: {seen:?}"
    );

    let (_, beyond) = status_and_json(app.get("/api/v1/services?page=9&per_page=3").await).await;
    assert_eq!(beyond["items"], json!([]));
    assert_eq!(beyond["total"], 7);

    assert_error(
        app.get("/api/v1/services?page=0").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_error(
        app.get("/api/v1/services?per_page=0").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_error(
        app.get("/api/v1/services?per_page=100000").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
}

#[tokio::test]
async fn deleting_a_service_deactivates_it_and_keeps_it_readable() {
    let app = spawn_app().await;
    let id = app.create_service("skolwebben", None).await;
    let kept = app.create_service("procapita", None).await;

    let (status, deactivated) =
        status_and_json(app.delete(&format!("/api/v1/services/{id}")).await).await;
    assert_eq!(status, StatusCode::OK, "{deactivated}");
    assert_eq!(deactivated["id"], id);
    assert_eq!(deactivated["slug"], "skolwebben");
    assert_eq!(deactivated["active"], false);

    let (status, fetched) = status_and_json(app.get(&format!("/api/v1/services/{id}")).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched["active"], false);
    assert_eq!(fetched["name"], "Tjänst skolwebben");

    let (_, inactive) = status_and_json(app.get("/api/v1/services?active=false").await).await;
    assert_eq!(slugs(&inactive), ["skolwebben"]);
    let (_, active) = status_and_json(app.get("/api/v1/services?active=true").await).await;
    assert_eq!(slugs(&active), ["procapita"]);
    assert_eq!(active["items"][0]["id"], kept);
    let (_, all) = status_and_json(app.get("/api/v1/services").await).await;
    assert_eq!(all["total"], 2, "a deactivated service is not deleted");
}

#[tokio::test]
async fn malformed_json_is_rejected_with_400() {
    let app = spawn_app().await;
    for path in ["/api/v1/services", "/api/v1/owners", "/api/v1/departments"] {
        let response = app
            .post_raw(
                path,
                "application/json",
                r#"{"name": "Procapita", "slug": "#,
            )
            .await;
        assert_error(response, StatusCode::BAD_REQUEST).await;
    }
    // JSON sent as something else is refused too, with the same error body.
    let response = app
        .post_raw(
            "/api/v1/services",
            "text/plain",
            r#"{"name": "Procapita", "slug": "procapita"}"#,
        )
        .await;
    let status = response.status();
    assert!(status.is_client_error(), "text/plain gave {status}");
    assert_error(response, status).await;
    let (_, list) = status_and_json(app.get("/api/v1/services").await).await;
    assert_eq!(list["total"], 0);
}

#[tokio::test]
async fn fields_of_the_wrong_type_are_rejected_with_400() {
    let app = spawn_app().await;
    for body in [
        json!({"name": "Procapita", "slug": "procapita", "users_count": "many"}),
        json!({"name": "Procapita", "slug": "procapita", "annual_cost_sek": "12 000 kr"}),
        json!({"name": "Procapita", "slug": "procapita", "active": "yes"}),
        json!({"name": "Procapita", "slug": "procapita", "owner_id": "anna"}),
        json!(["Procapita", "procapita"]),
    ] {
        let response = app.post_json("/api/v1/services", &body).await;
        let error = assert_error(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(error["error"], "invalid", "{body} -> {error}");
    }
    assert_error(
        app.post_json("/api/v1/departments", &json!({"name": ["BoU"]}))
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_error(
        app.get("/api/v1/services?owner_id=anna").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_error(
        app.get("/api/v1/services/procapita").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
}

#[tokio::test]
async fn a_number_or_list_where_text_is_expected_is_rejected_with_400() {
    let app = spawn_app().await;
    for body in [
        json!({"name": ["Procapita"], "slug": "procapita"}),
        json!({"name": "Procapita", "slug": 42}),
        json!({"name": 42, "slug": "procapita"}),
    ] {
        let response = app.post_json("/api/v1/services", &body).await;
        assert_error(response, StatusCode::BAD_REQUEST).await;
    }
    let (_, list) = status_and_json(app.get("/api/v1/services").await).await;
    assert_eq!(list["total"], 0, "nothing was stored: {list}");
}

#[tokio::test]
async fn missing_required_fields_are_rejected_with_400() {
    let app = spawn_app().await;
    for (path, body) in [
        ("/api/v1/services", json!({"name": "Procapita"})),
        ("/api/v1/services", json!({"slug": "procapita"})),
        ("/api/v1/owners", json!({"name": "Anna"})),
        ("/api/v1/owners", json!({"email": "anna@karlstad.se"})),
        ("/api/v1/departments", json!({})),
    ] {
        assert_error(app.post_json(path, &body).await, StatusCode::BAD_REQUEST).await;
    }
    // Present but blank is as good as missing.
    assert_error(
        app.post_json("/api/v1/departments", &json!({"name": "   "}))
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
}

#[tokio::test]
async fn an_owner_with_a_bad_email_is_rejected_with_400() {
    let app = spawn_app().await;
    for email in [
        "",
        "anna",
        "anna@",
        "@karlstad.se",
        "anna@karlstad",
        "anna karlsson@karlstad.se",
    ] {
        let body = json!({"name": "Anna", "email": email});
        let error = assert_error(
            app.post_json("/api/v1/owners", &body).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert!(
            error["message"].as_str().unwrap().contains("email"),
            "the message names the field: {error}"
        );
    }
    let (_, owners) = status_and_json(app.get("/api/v1/owners").await).await;
    assert_eq!(owners["total"], 0);
}

#[tokio::test]
async fn a_negative_annual_cost_is_rejected_with_400() {
    let app = spawn_app().await;
    let error = assert_error(
        app.post_json(
            "/api/v1/services",
            &json!({"name": "Procapita", "slug": "procapita", "annual_cost_sek": -1}),
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("annual_cost_sek"),
        "{error}"
    );
    assert_error(
        app.post_json(
            "/api/v1/services",
            &json!({"name": "Procapita", "slug": "procapita", "users_count": -5}),
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;

    let id = app.create_service("procapita", None).await;
    assert_error(
        app.put_json(
            &format!("/api/v1/services/{id}"),
            &json!({"name": "Procapita", "slug": "procapita", "annual_cost_sek": -100}),
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    let (_, fetched) = status_and_json(app.get(&format!("/api/v1/services/{id}")).await).await;
    assert_eq!(
        fetched["annual_cost_sek"], 0,
        "a rejected update changes nothing"
    );
}

#[tokio::test]
async fn an_invalid_slug_is_rejected_with_400() {
    let app = spawn_app().await;
    for slug in [
        "",
        "Procapita",
        "två-ord",
        "a b",
        "-procapita",
        "procapita-",
        "pro--capita",
        &"a".repeat(65),
    ] {
        let body = json!({"name": "Procapita", "slug": slug});
        let error = assert_error(
            app.post_json("/api/v1/services", &body).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert!(
            error["message"].as_str().unwrap().contains("slug"),
            "{slug:?}: {error}"
        );
    }
    let (_, list) = status_and_json(app.get("/api/v1/services").await).await;
    assert_eq!(list["total"], 0);
}

#[tokio::test]
async fn a_duplicate_slug_is_a_conflict() {
    let app = spawn_app().await;
    app.create_service("procapita", None).await;
    let other = app.create_service("skolwebben", None).await;

    let error = assert_error(
        app.post_json(
            "/api/v1/services",
            &json!({"name": "Andra", "slug": "procapita"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(error["error"], "conflict");
    // Renaming another service to a taken slug is a conflict too.
    assert_error(
        app.put_json(
            &format!("/api/v1/services/{other}"),
            &json!({"name": "Skolwebben", "slug": "procapita"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    let (_, list) = status_and_json(app.get("/api/v1/services").await).await;
    assert_eq!(list["total"], 2);
}

#[tokio::test]
async fn a_duplicate_owner_email_is_a_conflict_whatever_its_case() {
    let app = spawn_app().await;
    app.create_owner("Anna", "anna@karlstad.se", None).await;
    let bo = app.create_owner("Bo", "bo@karlstad.se", None).await;

    for email in ["anna@karlstad.se", "ANNA@Karlstad.se"] {
        let error = assert_error(
            app.post_json("/api/v1/owners", &json!({"name": "Anna 2", "email": email}))
                .await,
            StatusCode::CONFLICT,
        )
        .await;
        assert_eq!(error["error"], "conflict");
    }
    assert_error(
        app.put_json(
            &format!("/api/v1/owners/{bo}"),
            &json!({"name": "Bo", "email": "anna@karlstad.se"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    let (_, owners) = status_and_json(app.get("/api/v1/owners").await).await;
    assert_eq!(owners["total"], 2);
}

#[tokio::test]
async fn unknown_ids_are_404() {
    let app = spawn_app().await;
    let service = json!({"name": "Procapita", "slug": "procapita"});
    for path in [
        "/api/v1/services/999",
        "/api/v1/owners/999",
        "/api/v1/departments/999",
        "/api/v1/respondents/999",
    ] {
        let error = assert_error(app.get(path).await, StatusCode::NOT_FOUND).await;
        assert_eq!(error["error"], "not_found", "{path}");
    }
    assert_error(
        app.put_json("/api/v1/services/999", &service).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_error(
        app.delete("/api/v1/services/999").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_error(
        app.put_json("/api/v1/departments/999", &json!({"name": "X"}))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_error(
        app.delete("/api/v1/owners/999").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_error(
        app.delete("/api/v1/departments/999").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_error(
        app.get("/api/v1/no-such-thing").await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn a_service_referring_to_an_unknown_owner_or_department_is_refused() {
    let app = spawn_app().await;
    for body in [
        json!({"name": "Procapita", "slug": "procapita", "owner_id": 999}),
        json!({"name": "Procapita", "slug": "procapita", "department_id": 999}),
    ] {
        let response = app.post_json("/api/v1/services", &body).await;
        let status = response.status();
        assert!(
            status.is_client_error(),
            "a reference to nothing is the client's mistake, not {status}"
        );
        assert_error(response, status).await;
    }
    let (_, list) = status_and_json(app.get("/api/v1/services").await).await;
    assert_eq!(list["total"], 0);
}

#[tokio::test]
async fn a_department_or_owner_still_in_use_cannot_be_deleted() {
    let app = spawn_app().await;
    let department = app.create_department("BoU").await;
    let owner = app
        .create_owner("Anna", "anna@karlstad.se", Some(department))
        .await;
    app.create_service("procapita", Some(owner)).await;

    assert_error(
        app.delete(&format!("/api/v1/owners/{owner}")).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_error(
        app.delete(&format!("/api/v1/departments/{department}"))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(
        app.get(&format!("/api/v1/owners/{owner}")).await.status(),
        StatusCode::OK
    );
}

/// Found by schemathesis in CI: an insats names its förvaltning and nyttoägare with a
/// RESTRICT key, and deleting either was a 500 on SQLite.
#[tokio::test]
async fn a_department_or_owner_named_only_by_an_insats_cannot_be_deleted() {
    let app = spawn_app().await;
    let department = app.create_department("KLK").await;
    let owner = app.create_owner("Anna", "anna@karlstad.se", None).await;
    let (status, _) = status_and_json(
        app.post_json(
            "/api/v1/insatser",
            &json!({"name": "E-arkiv", "department_id": department, "owner_id": owner}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    let error = assert_error(
        app.delete(&format!("/api/v1/departments/{department}"))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(
        error["message"],
        format!("department {department} still has 1 insats; move them first")
    );
    let error = assert_error(
        app.delete(&format!("/api/v1/owners/{owner}")).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(
        error["message"],
        format!("owner {owner} still answers for 1 insats; give them a new owner first")
    );
    for still_there in [
        format!("/api/v1/departments/{department}"),
        format!("/api/v1/owners/{owner}"),
    ] {
        assert_eq!(app.get(&still_there).await.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn a_body_over_the_size_limit_is_rejected_with_413() {
    let app = spawn_app_with(|settings| settings.server.max_body_bytes = 1024).await;
    let big = json!({"name": "Procapita", "slug": "procapita", "description": "x".repeat(4096)});
    let error = assert_error(
        app.post_json("/api/v1/services", &big).await,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    assert_eq!(error["error"], "payload_too_large");

    let csv = format!("email,name\n{}", "a@b.se,A\n".repeat(500));
    assert_error(
        app.post_csv("/api/v1/respondents/import", &csv).await,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;

    // A body without Content-Length (chunked transfer encoding) is held to the same limit.
    let status = post_chunked(&app, "/api/v1/services", big.to_string()).await;
    assert_eq!(status, 413, "a chunked body over the limit must be refused");

    let (_, list) = status_and_json(app.get("/api/v1/services").await).await;
    assert_eq!(list["total"], 0);

    // Below the limit all is well.
    app.create_service("procapita", None).await;
}

/// POSTs `body` as admin with `Transfer-Encoding: chunked` (no Content-Length) over a
/// plain socket; returns the response status.
async fn post_chunked(app: &crate::common::TestApp, path: &str, body: String) -> u16 {
    use std::io::{Read, Write};
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
         {len:x}\r\n{body}\r\n0\r\n\r\n",
        port = app.port,
        token = app.admin_token,
        len = body.len(),
    );
    let port = app.port;
    let response = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream.write_all(request.as_bytes()).expect("send");
        let mut response = Vec::new();
        // The server may answer (and close) before reading the whole body.
        let _ = stream.read_to_end(&mut response);
        String::from_utf8_lossy(&response).into_owned()
    })
    .await
    .expect("the request thread");
    response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP status in {response:?}"))
}
