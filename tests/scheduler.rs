//! The scheduler: programme timers follow API changes without a restart, and a run
//! missed while the server was down is caught up when it starts.

mod common;

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use common::{TestApp, id_of, spawn_app_with, status_and_json};
use nyttopuls::config::Secret;
use serde_json::{Value, json};

async fn rounds(app: &TestApp) -> Vec<Value> {
    let (_, body) = status_and_json(app.get("/api/v1/rounds").await).await;
    body["items"].as_array().unwrap().clone()
}

/// Polls until a round exists (the scheduler runs on its own time), at most 20 s.
async fn wait_for_round(app: &TestApp) -> Vec<Value> {
    for _ in 0..80 {
        let found = rounds(app).await;
        if !found.is_empty() {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("no round was opened by the scheduler");
}

async fn service_and_user(app: &TestApp) -> i64 {
    let service = app.create_service("tidsstyrd", None).await;
    app.create(
        "/api/v1/respondents",
        json!({"email": "t@x.se", "name": "T", "services": ["tidsstyrd"]}),
    )
    .await;
    service
}

#[tokio::test]
async fn a_new_programme_runs_on_its_schedule_without_a_restart() {
    let app = spawn_app_with(|settings| settings.scheduler.enabled = true).await;
    let service = service_and_user(&app).await;
    assert!(rounds(&app).await.is_empty());
    // Every second: the timer created for the new programme opens its round.
    let programme = app
        .create(
            "/api/v1/programmes",
            json!({"name": "Varje sekund", "schedule": "* * * * * *", "service_ids": [service]}),
        )
        .await;
    let opened = wait_for_round(&app).await;
    assert_eq!(
        opened.len(),
        1,
        "one round per period however often the timer fires"
    );
    assert_eq!(opened[0]["programme_id"], programme["id"]);
    assert_eq!(opened[0]["invited"], 1);
}

#[tokio::test]
async fn a_run_missed_while_the_server_was_down_is_caught_up_at_start() {
    let url: Arc<Mutex<Option<String>>> = Arc::default();
    let remember = url.clone();
    let stopped = spawn_app_with(move |settings| {
        *remember.lock().unwrap() = Some(settings.database.url.expose().to_owned());
    })
    .await;
    let service = service_and_user(&stopped).await;
    let programme = stopped
        .create(
            "/api/v1/programmes",
            json!({"name": "Missad", "schedule": "* * * * * *", "service_ids": [service]}),
        )
        .await;
    // The schedule fires while no scheduler runs.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert!(rounds(&stopped).await.is_empty());

    let url = url.lock().unwrap().clone().unwrap();
    let started = spawn_app_with(move |settings| {
        settings.database.url = Secret::new(url);
        settings.scheduler.enabled = true;
    })
    .await;
    let opened = wait_for_round(&started).await;
    assert_eq!(opened[0]["programme_id"].as_i64(), Some(id_of(&programme)));
}
