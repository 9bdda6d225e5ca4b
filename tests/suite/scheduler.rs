//! The scheduler: programme timers follow API changes without a restart, a run missed
//! while the server was down is caught up when it starts, and two instances firing two
//! programmes in the same second still invite each person once.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use crate::common::{TestApp, id_of, spawn_app_with, status_and_json};
use chrono::{Datelike, Timelike, Utc};
use chrono_tz::Europe::Stockholm;
use nyttopuls::config::Secret;
use reqwest::StatusCode;
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

/// A schedule that fires once, `seconds` from now (and then again in a year).
fn once_in(seconds: i64) -> String {
    let at = (Utc::now() + chrono::Duration::seconds(seconds)).with_timezone(&Stockholm);
    format!(
        "{} {} {} {} {} *",
        at.second(),
        at.minute(),
        at.hour(),
        at.day(),
        at.month()
    )
}

#[tokio::test]
async fn two_instances_firing_two_programmes_at_once_invite_each_person_once() {
    let url: Arc<Mutex<Option<String>>> = Arc::default();
    let remember = url.clone();
    let setup = spawn_app_with(move |settings| {
        *remember.lock().unwrap() = Some(settings.database.url.expose().to_owned());
    })
    .await;
    let a = setup.create_service("system-a", None).await;
    let b = setup.create_service("system-b", None).await;
    let people = 60;
    let mut csv = String::from("email,name,services\n");
    for i in 0..people {
        csv.push_str(&format!("p{i:02}@x.se,Person {i},system-a|system-b\n"));
    }
    let imported = setup.post_csv("/api/v1/respondents/import", &csv).await;
    assert_eq!(imported.status(), StatusCode::OK);
    // Both programmes fire in the same second, on both instances.
    let schedule = once_in(8);
    for (name, service) in [("Program A", a), ("Program B", b)] {
        setup
            .create(
                "/api/v1/programmes",
                json!({"name": name, "schedule": schedule, "service_ids": [service]}),
            )
            .await;
    }

    let url = url.lock().unwrap().clone().unwrap();
    let mut instances = Vec::new();
    for _ in 0..2 {
        let url = url.clone();
        instances.push(
            spawn_app_with(move |settings| {
                settings.database.url = Secret::new(url);
                settings.scheduler.enabled = true;
            })
            .await,
        );
    }
    assert!(
        rounds(&setup).await.is_empty(),
        "the programmes have not fired yet when the instances start"
    );
    let mut opened = Vec::new();
    for _ in 0..120 {
        opened = rounds(&setup).await;
        if opened.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(opened.len(), 2, "one round per programme: {opened:?}");
    // Let every timer's run finish (each waits for the others' lease).
    tokio::time::sleep(Duration::from_secs(3)).await;
    let invited: i64 = rounds(&setup)
        .await
        .iter()
        .map(|round| round["invited"].as_i64().unwrap())
        .sum();
    assert_eq!(
        invited, people,
        "everyone uses both services and is invited once, to one of them"
    );
}
