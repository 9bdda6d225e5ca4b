//! Operations: liveness, readiness, Prometheus metrics and the OpenAPI document, as a
//! municipality's IT operations and integrators use them.

use crate::common::{METRICS_TOKEN, spawn_app, spawn_app_with, status_and_json};
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

    let response = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap();
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

#[tokio::test]
async fn metrics_are_served_only_to_the_scraper_with_the_token() {
    let app = spawn_app().await;
    let anonymous = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert!(anonymous.headers().contains_key("www-authenticate"));
    let body = anonymous.text().await.unwrap();
    assert!(!body.contains("nyttopuls_"), "no figures: {body}");
    let wrong = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("test-metrics-token-0123456780")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    // An API token is not the metrics token either.
    let api_token = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(api_token.status(), StatusCode::UNAUTHORIZED);

    let unset = spawn_app_with(|settings| settings.metrics.token = None).await;
    let off = unset
        .client
        .get(unset.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        off.status(),
        StatusCode::NOT_FOUND,
        "no token set: not served"
    );
}

/// The headers every response must carry, whatever produced it.
fn assert_secured(response: &reqwest::Response, what: &str) {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .unwrap_or_else(|| panic!("{what}: no {name} in {:?}", response.headers()))
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(header("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header("x-frame-options"), "DENY", "{what}");
    assert_eq!(header("referrer-policy"), "no-referrer", "{what}");
    let csp = header("content-security-policy");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(csp.contains("default-src 'none'"), "{what}: {csp}");
}

#[tokio::test]
async fn every_response_carries_the_security_headers_errors_included() {
    let app = spawn_app().await;
    let services = app.get("/api/v1/services").await;
    assert_secured(&services, "an API answer");
    assert_eq!(services.headers()["cache-control"], "no-store");
    let unauthorized = app
        .client
        .get(app.url("/api/v1/services"))
        .send()
        .await
        .unwrap();
    assert_secured(&unauthorized, "a 401 from the API");
    let report = app
        .get("/api/v1/reports/nyttoanalys.html?period=2026-Q3")
        .await;
    assert_secured(&report, "the HTML report");
    let csp = report.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(!csp.contains("script-src"), "no script in a report: {csp}");
    for path in [
        "/dashboard/no-such-page",
        "/s/no-such-link",
        "/no-such-thing",
    ] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_secured(&response, path);
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
    }
    let wrong_method = app
        .client
        .delete(app.url("/dashboard/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_method.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_secured(&wrong_method, "a 405 from the dashboard");
    // Swagger UI is one page of inline script and style: allowed there, and only there.
    let docs = app.client.get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
    assert_secured(&docs, "Swagger UI");
    let csp = docs.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'unsafe-inline'"), "{csp}");
    // The survey pages keep their own stricter policy and the stylesheet its caching.
    let css = app
        .client
        .get(app.url("/s/assets/survey.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(css.headers()["cache-control"], "public, max-age=3600");
    assert_secured(&css, "the stylesheet");
}

#[tokio::test]
async fn a_world_readable_database_is_made_private_at_start() {
    use std::os::unix::fs::PermissionsExt;
    let first = spawn_app().await;
    let Some(file) = first.database_url.strip_prefix("sqlite://") else {
        return; // PostgreSQL: no files of ours
    };
    let file = file.split('?').next().unwrap().to_owned();
    let files: Vec<String> = ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| format!("{file}{suffix}"))
        .filter(|path| std::path::Path::new(path).exists())
        .collect();
    assert!(files.len() >= 2, "the database and its log: {files:?}");
    for path in &files {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let (url, key) = (first.database_url.clone(), first.answer_key_file.clone());
    let _second = spawn_app_with(move |settings| {
        settings.database.url = nyttopuls::config::Secret::new(url);
        settings.survey.answer_key_file = key;
    })
    .await;
    for path in &files {
        let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{path}: {mode:o}");
    }
}
