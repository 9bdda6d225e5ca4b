//! API tokens as an administrator manages them: listed without secrets, revoked at
//! once, and refused after their expiry.

use crate::common::{TestApp, assert_error, spawn_app, status_and_json};
use chrono::{Duration, Utc};
use nyttopuls::{
    domain::{Actor, Role},
    usecases::tokens::issue_token,
};
use reqwest::StatusCode;
use serde_json::Value;

async fn tokens(app: &TestApp) -> Vec<Value> {
    let (status, body) = status_and_json(app.get("/api/v1/tokens").await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["page"], 1);
    body["items"].as_array().unwrap().clone()
}

fn by_label<'a>(list: &'a [Value], label: &str) -> &'a Value {
    list.iter()
        .find(|t| t["label"] == label)
        .unwrap_or_else(|| panic!("no token labelled {label} in {list:?}"))
}

#[tokio::test]
async fn the_token_list_shows_who_and_when_but_never_the_secret() {
    let app = spawn_app().await;
    let owner = app.create_owner("Åsa", "asa@kommun.se", None).await;
    let owner_token = app.owner_token(owner).await;
    // The owner uses their token once, so it has a last-used day.
    let used = app.get_as(&owner_token, "/api/v1/services").await;
    assert_eq!(used.status(), StatusCode::OK);

    let (status, raw) = status_and_json(app.get("/api/v1/tokens").await).await;
    assert_eq!(status, StatusCode::OK);
    let text = raw.to_string();
    for secret in [&app.admin_token, &owner_token] {
        let secret_part = secret.rsplit('_').next().unwrap();
        assert!(!text.contains(secret_part), "a secret is listed: {text}");
    }
    assert!(!text.contains("hash"), "{text}");

    let list = tokens(&app).await;
    let owner_entry = by_label(&list, "test owner");
    assert_eq!(owner_entry["role"], "owner");
    assert_eq!(owner_entry["owner_id"], owner);
    assert!(owner_entry["expires_at"].is_null());
    let today = Utc::now()
        .with_timezone(&chrono_tz::Europe::Stockholm)
        .date_naive()
        .to_string();
    assert_eq!(
        owner_entry["last_used_on"],
        today.as_str(),
        "a day, not a time"
    );
    let admin_entry = by_label(&list, "test admin");
    assert_eq!(admin_entry["role"], "admin");
    assert!(admin_entry["owner_id"].is_null());
}

#[tokio::test]
async fn a_revoked_token_gets_401_at_once_and_the_revocation_is_audited() {
    let app = spawn_app().await;
    let owner = app.create_owner("Åsa", "asa@kommun.se", None).await;
    let owner_token = app.owner_token(owner).await;
    assert_eq!(
        app.get_as(&owner_token, "/api/v1/services").await.status(),
        StatusCode::OK
    );
    let id = by_label(&tokens(&app).await, "test owner")["id"]
        .as_i64()
        .unwrap();

    let revoked = app.delete(&format!("/api/v1/tokens/{id}")).await;
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    assert_error(
        app.get_as(&owner_token, "/api/v1/services").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert!(
        tokens(&app).await.iter().all(|t| t["id"] != id),
        "a revoked token leaves the list"
    );
    let audit = app.audit("entity=api_token").await;
    assert!(
        audit
            .iter()
            .any(|e| e["action"] == "revoke" && e["entity_id"] == id.to_string().as_str()),
        "{audit:?}"
    );
    // Revoking again changes nothing; an unknown id is not found.
    assert_eq!(
        app.delete(&format!("/api/v1/tokens/{id}")).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_error(
        app.delete("/api/v1/tokens/999999").await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn an_owner_may_neither_list_nor_revoke_tokens() {
    let app = spawn_app().await;
    let owner = app.create_owner("Åsa", "asa@kommun.se", None).await;
    let owner_token = app.owner_token(owner).await;
    assert_error(
        app.get_as(&owner_token, "/api/v1/tokens").await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let admin_id = by_label(&tokens(&app).await, "test admin")["id"]
        .as_i64()
        .unwrap();
    assert_error(
        app.delete_as(&owner_token, &format!("/api/v1/tokens/{admin_id}"))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(app.get("/api/v1/services").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_expired_token_gets_401_and_one_still_valid_works() {
    let app = spawn_app().await;
    let expired = issue_token(
        &app.db,
        &Actor::cli(),
        Role::Admin,
        "expired",
        Some(Utc::now() - Duration::seconds(1)),
        Utc::now(),
    )
    .await
    .unwrap();
    let valid = issue_token(
        &app.db,
        &Actor::cli(),
        Role::Admin,
        "valid for a day",
        Some(Utc::now() + Duration::days(1)),
        Utc::now(),
    )
    .await
    .unwrap();
    assert_error(
        app.get_as(&expired, "/api/v1/services").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(
        app.get_as(&valid, "/api/v1/services").await.status(),
        StatusCode::OK
    );
    let list = tokens(&app).await;
    assert!(
        by_label(&list, "expired")["expires_at"].is_string(),
        "expired tokens stay listed until revoked: {list:?}"
    );
}
