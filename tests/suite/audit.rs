//! Traceability (§7): every write leaves an entry saying who did what to which entity,
//! when, and what changed; Kommunledningskontoret reads them at /api/v1/audit.

use crate::common::{id_of, spawn_app, status_and_json};
use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn entry<'a>(
    entries: &'a [Value],
    action: &str,
    entity: &str,
    entity_id: Option<i64>,
) -> &'a Value {
    entries
        .iter()
        .find(|e| {
            e["action"] == action
                && e["entity"] == entity
                && entity_id.is_none_or(|id| is_id(&e["entity_id"], id))
        })
        .unwrap_or_else(|| panic!("no {action} {entity} {entity_id:?} entry in {entries:#?}"))
}

/// Audit entity ids are strings (`"7"`).
fn is_id(value: &Value, id: i64) -> bool {
    value.as_str().and_then(|s| s.parse::<i64>().ok()) == Some(id)
}

fn at(entry: &Value) -> DateTime<Utc> {
    entry["at"]
        .as_str()
        .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
        .unwrap_or_else(|| panic!("`at` is not RFC 3339 in {entry}"))
        .with_timezone(&Utc)
}

fn query_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

#[tokio::test]
async fn every_catalogue_write_is_in_the_audit_log_with_who_what_and_which() {
    let app = spawn_app().await;
    let department = app.create_department("BoU").await;
    let owner = app
        .create_owner("Anna", "anna@karlstad.se", Some(department))
        .await;
    let service = app.create_service("procapita", Some(owner)).await;
    let response = app
        .put_json(
            &format!("/api/v1/services/{service}"),
            &json!({"name": "Procapita VOF", "slug": "procapita", "owner_id": owner, "annual_cost_sek": 5000}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        app.delete(&format!("/api/v1/services/{service}"))
            .await
            .status(),
        StatusCode::OK
    );
    let scrap = app.create_department("Att ta bort").await;
    assert_eq!(
        app.delete(&format!("/api/v1/departments/{scrap}"))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );

    let entries = app.audit("").await;
    let created = entry(&entries, "create", "department", Some(department));
    let actor = created["actor"].as_str().unwrap();
    assert!(
        actor.starts_with("token:") && actor.contains("admin"),
        "actor names the token: {actor}"
    );
    assert!(created["summary"].to_string().contains("BoU"), "{created}");
    entry(&entries, "create", "owner", Some(owner));
    entry(&entries, "create", "service", Some(service));
    entry(&entries, "delete", "department", Some(scrap));
    let deactivated = entry(&entries, "deactivate", "service", Some(service));
    assert_eq!(deactivated["actor"], actor);
    let updated = entry(&entries, "update", "service", Some(service));
    let summary = updated["summary"].to_string();
    assert!(
        summary.contains("Procapita VOF") && summary.contains("5000"),
        "the summary says what changed: {summary}"
    );

    // Newest first.
    let ids: Vec<i64> = entries.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    // Failed writes leave no entry.
    let count = entries.len();
    app.post_json(
        "/api/v1/services",
        &json!({"name": "Dubblett", "slug": "procapita"}),
    )
    .await;
    assert_eq!(app.audit("").await.len(), count);
}

#[tokio::test]
async fn respondent_writes_and_imports_are_audited_without_personal_data_on_erasure() {
    let app = spawn_app().await;
    app.create_service("procapita", None).await;
    let person = app
        .create(
            "/api/v1/respondents",
            json!({"email": "asa.oberg@karlstad.se", "name": "Åsa Öberg", "services": ["procapita"]}),
        )
        .await;
    let id = id_of(&person);
    assert_eq!(
        app.delete(&format!("/api/v1/respondents/{id}"))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let response = app
        .post_csv(
            "/api/v1/respondents/import",
            "email,name,services\nbo@karlstad.se,Bo,procapita\n",
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    let entries = app.audit("entity=respondent").await;
    assert!(
        entries.iter().all(|e| e["entity"] == "respondent"),
        "{entries:#?}"
    );
    entry(&entries, "create", "respondent", Some(id));
    let erased = entry(&entries, "delete", "respondent", Some(id));
    let text = erased.to_string();
    assert!(
        !text.contains("asa.oberg") && !text.contains("Åsa"),
        "an erasure keeps no name or address: {text}"
    );
    let import = entry(&entries, "import", "respondent", None);
    assert_eq!(import["summary"]["created"], 1, "{import}");
}

#[tokio::test]
async fn the_audit_log_can_be_filtered_by_entity_and_time() {
    let app = spawn_app().await;
    let department = app.create_department("BoU").await;
    let first = app.create_service("procapita", None).await;
    let first_at = at(entry(
        &app.audit("entity=service").await,
        "create",
        "service",
        Some(first),
    ));
    // Let the clock move on so the two writes get different times.
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let second = app.create_service("skolwebben", None).await;
    let second_at = at(entry(
        &app.audit("entity=service").await,
        "create",
        "service",
        Some(second),
    ));
    assert!(second_at > first_at);

    let services = app.audit("entity=service").await;
    assert_eq!(services.len(), 2, "{services:#?}");
    let departments = app.audit("entity=department").await;
    assert_eq!(departments.len(), 1);
    assert_eq!(departments[0]["entity_id"], department.to_string());
    let one = app
        .audit(&format!("entity=service&entity_id={first}"))
        .await;
    assert_eq!(one.len(), 1);

    let since = app
        .audit(&format!("entity=service&since={}", query_time(second_at)))
        .await;
    assert_eq!(since.len(), 1, "since is inclusive: {since:#?}");
    assert_eq!(since[0]["entity_id"], second.to_string());

    let until = app
        .audit(&format!("entity=service&until={}", query_time(second_at)))
        .await;
    assert_eq!(until.len(), 1, "until is exclusive: {until:#?}");
    assert_eq!(until[0]["entity_id"], first.to_string());

    let window = app
        .audit(&format!(
            "since={}&until={}",
            query_time(first_at),
            query_time(second_at)
        ))
        .await;
    assert!(window.iter().all(|e| !is_id(&e["entity_id"], second)));
    assert!(window.iter().any(|e| is_id(&e["entity_id"], first)));

    let future = query_time(Utc::now() + chrono::Duration::days(1));
    assert!(app.audit(&format!("since={future}")).await.is_empty());
    assert!(app.audit("until=2000-01-01T00:00:00Z").await.is_empty());

    let (status, body) = status_and_json(app.get("/api/v1/audit?since=yesterday").await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"].is_string() && body["message"].is_string());
}

#[tokio::test]
async fn the_audit_log_is_paginated() {
    let app = spawn_app().await;
    for n in 0..5 {
        app.create_department(&format!("Förvaltning {n}")).await;
    }
    let (status, page) = status_and_json(
        app.get("/api/v1/audit?entity=department&per_page=2&page=3")
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["total"], 5);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
}
