//! Operations: liveness, readiness, Prometheus metrics and the OpenAPI document, as a
//! municipality's IT operations and integrators use them.

use crate::common::{spawn_app, status_and_json};
use reqwest::StatusCode;

#[tokio::test]
async fn healthz_answers_200_without_a_token() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn readyz_answers_200_when_the_database_is_reachable() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn readyz_answers_503_when_the_database_is_gone() {
    let app = spawn_app().await;
    app.db.clone().close().await.expect("the pool closes");
    let response = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    // Liveness does not depend on the database.
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status_in_prometheus_text() {
    let app = spawn_app().await;
    assert_eq!(app.get("/api/v1/services").await.status(), StatusCode::OK);
    let unauthorized = app
        .client
        .get(app.url("/api/v1/services"))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthorized.status(), StatusCode::UNAUTHORIZED);

    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = response.text().await.unwrap();
    assert!(
        text.contains("# TYPE nyttopuls_http_requests_total counter"),
        "{text}"
    );
    let counted = |status: &str| {
        text.lines().any(|line| {
            line.starts_with("nyttopuls_http_requests_total{")
                && line.contains("/api/v1/services")
                && line.contains(&format!("status=\"{status}\""))
        })
    };
    assert!(
        counted("200") && counted("401"),
        "requests by route and status:\n{text}"
    );
    assert!(
        text.contains("nyttopuls_http_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(text.contains("nyttopuls_db_pool"), "pool figures:\n{text}");
    // Every sample line is `name{labels} value` with a number.
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let value = line.rsplit(' ').next().unwrap();
        assert!(value.parse::<f64>().is_ok(), "not a sample: {line}");
    }
}

#[tokio::test]
async fn the_openapi_document_is_public_json_describing_the_api() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    let (status, spec) = status_and_json(response).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        spec["openapi"].as_str().is_some_and(|v| v.starts_with('3')),
        "{}",
        spec["openapi"]
    );
    let paths = spec["paths"].as_object().expect("paths");
    for path in [
        "/api/v1/services",
        "/api/v1/services/{id}",
        "/api/v1/owners",
        "/api/v1/departments",
        "/api/v1/respondents",
        "/api/v1/respondents/import",
        "/api/v1/audit",
    ] {
        assert!(paths.contains_key(path), "{path} is not documented");
    }
    let post = &spec["paths"]["/api/v1/services"]["post"]["responses"];
    for status in ["201", "400", "401", "403", "409"] {
        assert!(
            post.get(status).is_some(),
            "POST /services does not document {status}"
        );
    }
    let docs = app.client.get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_suite_runs_on_the_database_it_was_asked_to_use() {
    let app = spawn_app().await;
    let expected = if std::env::var(crate::common::TEST_DATABASE_URL)
        .is_ok_and(|url| !url.trim().is_empty())
    {
        sea_orm::DbBackend::Postgres
    } else {
        sea_orm::DbBackend::Sqlite
    };
    assert_eq!(
        sea_orm::ConnectionTrait::get_database_backend(&app.db),
        expected
    );
}
