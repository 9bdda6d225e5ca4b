//! Who may do what: no token is 401, an objektägare sees only their own services and
//! record and writes nothing, Kommunledningskontoret (admin) does everything.

use crate::common::{TestApp, assert_error, spawn_app, status_and_json};
use reqwest::StatusCode;
use serde_json::json;

/// Two owners, Anna with two services and Bo with one: (anna, bo, one of annas, bos).
async fn two_owners(app: &TestApp) -> (i64, i64, i64, i64) {
    let anna = app.create_owner("Anna", "anna@karlstad.se", None).await;
    let bo = app.create_owner("Bo", "bo@karlstad.se", None).await;
    let annas = app.create_service("skolwebben", Some(anna)).await;
    app.create_service("procapita", Some(anna)).await;
    let bos = app.create_service("gis", Some(bo)).await;
    (anna, bo, annas, bos)
}

#[tokio::test]
async fn requests_without_a_token_are_401() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/services",
        "/api/v1/departments",
        "/api/v1/owners",
        "/api/v1/respondents",
        "/api/v1/audit",
        "/api/v1/services/1",
    ] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        let error = assert_error(response, StatusCode::UNAUTHORIZED).await;
        assert_eq!(error["error"], "unauthorized", "{path}");
    }
    let response = app
        .client
        .post(app.url("/api/v1/services"))
        .json(&json!({"name": "Procapita", "slug": "procapita"}))
        .send()
        .await
        .unwrap();
    assert_error(response, StatusCode::UNAUTHORIZED).await;
    let (_, list) = status_and_json(app.get("/api/v1/services").await).await;
    assert_eq!(list["total"], 0, "nothing was written without a token");
}

#[tokio::test]
async fn garbage_tokens_are_401() {
    let app = spawn_app().await;
    let real = app.admin_token.clone();
    let last = if real.ends_with('A') { 'B' } else { 'A' };
    let tampered = format!("{}{last}", &real[..real.len() - 1]);
    for token in ["garbage", "np_", "np_abc.def", "", tampered.as_str()] {
        let response = app.get_as(token, "/api/v1/services").await;
        assert_error(response, StatusCode::UNAUTHORIZED).await;
    }
    // Not a bearer scheme at all.
    let response = app
        .client
        .get(app.url("/api/v1/services"))
        .header("authorization", format!("Basic {real}"))
        .send()
        .await
        .unwrap();
    assert_error(response, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn an_owner_lists_only_their_own_services() {
    let app = spawn_app().await;
    let (anna, bo, _, _) = two_owners(&app).await;
    let token = app.owner_token(anna).await;

    let (status, list) = status_and_json(app.get_as(&token, "/api/v1/services").await).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["total"], 2);
    let items = list["items"].as_array().unwrap();
    assert!(items.iter().all(|s| s["owner_id"] == anna), "{list}");

    let (_, filtered) = status_and_json(
        app.get_as(&token, &format!("/api/v1/services?owner_id={anna}"))
            .await,
    )
    .await;
    assert_eq!(filtered["total"], 2);

    // Asking for someone else's services is refused, not quietly answered.
    let response = app
        .get_as(&token, &format!("/api/v1/services?owner_id={bo}"))
        .await;
    assert_error(response, StatusCode::FORBIDDEN).await;
}

#[tokio::test]
async fn an_owner_reads_their_own_service_but_not_anothers() {
    let app = spawn_app().await;
    let (anna, _, annas, bos) = two_owners(&app).await;
    let token = app.owner_token(anna).await;

    let (status, own) = status_and_json(
        app.get_as(&token, &format!("/api/v1/services/{annas}"))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(own["slug"], "skolwebben");

    let error = assert_error(
        app.get_as(&token, &format!("/api/v1/services/{bos}")).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(error["error"], "forbidden");
    // An id that does not exist is still 404 for an owner.
    assert_error(
        app.get_as(&token, "/api/v1/services/9999").await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn an_owner_cannot_write_anything_in_the_catalogue() {
    let app = spawn_app().await;
    let (anna, bo, annas, _) = two_owners(&app).await;
    let department = app.create_department("BoU").await;
    let token = app.owner_token(anna).await;
    let service = json!({"name": "Ny", "slug": "ny"});
    let owner = json!({"name": "Anna", "email": "anna@karlstad.se"});
    let audit_before = app.audit("").await.len();

    for response in [
        app.post_json_as(&token, "/api/v1/services", &service).await,
        app.put_json_as(&token, &format!("/api/v1/services/{annas}"), &service)
            .await,
        app.delete_as(&token, &format!("/api/v1/services/{annas}"))
            .await,
        app.post_json_as(&token, "/api/v1/owners", &owner).await,
        app.put_json_as(&token, &format!("/api/v1/owners/{anna}"), &owner)
            .await,
        app.delete_as(&token, &format!("/api/v1/owners/{bo}")).await,
        app.post_json_as(&token, "/api/v1/departments", &json!({"name": "X"}))
            .await,
        app.put_json_as(
            &token,
            &format!("/api/v1/departments/{department}"),
            &json!({"name": "X"}),
        )
        .await,
        app.delete_as(&token, &format!("/api/v1/departments/{department}"))
            .await,
        app.post_json_as(
            &token,
            "/api/v1/respondents",
            &json!({"email": "x@karlstad.se", "name": "X"}),
        )
        .await,
    ] {
        let error = assert_error(response, StatusCode::FORBIDDEN).await;
        assert_eq!(error["error"], "forbidden");
    }

    let (_, own) = status_and_json(app.get(&format!("/api/v1/services/{annas}")).await).await;
    assert_eq!(own["slug"], "skolwebben");
    assert_eq!(own["active"], true);
    let (_, services) = status_and_json(app.get("/api/v1/services").await).await;
    assert_eq!(services["total"], 3);
    assert_eq!(
        app.audit("").await.len(),
        audit_before,
        "no write was recorded"
    );
}

#[tokio::test]
async fn an_owner_cannot_read_respondents_or_the_audit_log() {
    let app = spawn_app().await;
    let (anna, _, _, _) = two_owners(&app).await;
    let person = app
        .create(
            "/api/v1/respondents",
            json!({"email": "p@karlstad.se", "name": "P"}),
        )
        .await;
    let token = app.owner_token(anna).await;

    for path in [
        "/api/v1/respondents".to_owned(),
        format!("/api/v1/respondents/{}", person["id"]),
        "/api/v1/audit".to_owned(),
        "/api/v1/audit?entity=service".to_owned(),
    ] {
        assert_error(app.get_as(&token, &path).await, StatusCode::FORBIDDEN).await;
    }
    assert_error(
        app.client
            .post(app.url("/api/v1/respondents/import"))
            .bearer_auth(&token)
            .header("content-type", "text/csv")
            .body("email,name\nq@karlstad.se,Q\n")
            .send()
            .await
            .unwrap(),
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(app.respondents().await.len(), 1);
}

#[tokio::test]
async fn an_owner_sees_only_their_own_owner_record() {
    let app = spawn_app().await;
    let (anna, bo, _, _) = two_owners(&app).await;
    let token = app.owner_token(anna).await;

    let (status, owners) = status_and_json(app.get_as(&token, "/api/v1/owners").await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(owners["total"], 1, "{owners}");
    assert_eq!(owners["items"][0]["id"], anna);
    assert_eq!(owners["items"][0]["email"], "anna@karlstad.se");

    let (status, me) =
        status_and_json(app.get_as(&token, &format!("/api/v1/owners/{anna}")).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["name"], "Anna");
    assert_error(
        app.get_as(&token, &format!("/api/v1/owners/{bo}")).await,
        StatusCode::FORBIDDEN,
    )
    .await;

    let (_, all) = status_and_json(app.get("/api/v1/owners").await).await;
    assert_eq!(all["total"], 2, "admin sees every owner");
}

#[tokio::test]
async fn admin_sees_every_service() {
    let app = spawn_app().await;
    two_owners(&app).await;
    let (status, list) = status_and_json(app.get("/api/v1/services").await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["total"], 3);
}

#[tokio::test]
async fn a_token_for_an_unknown_owner_cannot_be_created() {
    let app = spawn_app().await;
    let result = nyttopuls::usecases::tokens::issue_token(
        &app.db,
        &nyttopuls::domain::Actor::cli(),
        nyttopuls::domain::Role::Owner { owner_id: 4242 },
        "nobody",
        None,
        chrono::Utc::now(),
    )
    .await;
    assert!(
        result.is_err(),
        "a token bound to no owner must not be created"
    );
}
