//! The survey loop on a clock the test sets: reminders go out by calendar day in
//! Stockholm (not by elapsed hours), and a round closes when its window has ended.

use crate::common::{TestApp, id_of, spawn_app_at, status_and_json};
use chrono::{DateTime, Utc};
use nyttopuls::usecases::Clock;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

async fn run_job(app: &TestApp, job: &str) -> Value {
    let (status, body) = status_and_json(
        app.post_json(&format!("/api/v1/jobs/{job}/run"), &json!({}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{job}: {body}");
    body
}

#[tokio::test]
async fn a_reminder_goes_out_on_its_calendar_day_and_the_round_closes_when_its_window_ends() {
    // Monday 2027-01-04, 16:00 in Stockholm.
    let app = spawn_app_at(Clock::manual(utc("2027-01-04T15:00:00Z")), |_| {}).await;
    let service = app.create_service("diariet", None).await;
    for n in 0..3 {
        app.create(
            "/api/v1/respondents",
            json!({"email": format!("person{n}@karlstad.se"), "name": format!("Person {n}"),
                   "services": ["diariet"]}),
        )
        .await;
    }
    let programme = id_of(
        &app.create(
            "/api/v1/programmes",
            json!({"name": "Uppföljning", "schedule": "0 0 8 1 */3 *", "service_ids": [service],
                   "open_days": 14, "reminder_days": [7]}),
        )
        .await,
    );
    let (status, opened) = status_and_json(
        app.post_json(&format!("/api/v1/programmes/{programme}/run"), &json!({}))
            .await,
    )
    .await;
    assert_eq!(
        (status, &opened["invitations"]),
        (StatusCode::OK, &json!(3))
    );
    assert_eq!(run_job(&app, "dispatch_outbox").await["counts"]["sent"], 3);

    // Sunday 23:30 in Stockholm is day 6: 151.5 hours after opening, but not the 7th day.
    app.clock.set(utc("2027-01-10T22:30:00Z"));
    let early = run_job(&app, "send_reminders").await;
    assert_eq!(early["counts"]["reminders_queued"], 0, "{early}");

    // Monday 06:00 in Stockholm is day 7, ten hours short of 7 × 24 hours.
    app.clock.set(utc("2027-01-11T05:00:00Z"));
    let due = run_job(&app, "send_reminders").await;
    assert_eq!(due["counts"]["reminders_queued"], 3, "{due}");
    let again = run_job(&app, "send_reminders").await;
    assert_eq!(
        again["counts"]["reminders_queued"], 0,
        "one reminder per step"
    );

    // The window (14 days) ends 2027-01-18 16:00 Stockholm.
    app.clock.set(utc("2027-01-18T14:59:00Z"));
    assert_eq!(
        run_job(&app, "close_rounds").await["counts"]["rounds_closed"],
        0
    );
    app.clock.set(utc("2027-01-18T15:00:00Z"));
    assert_eq!(
        run_job(&app, "close_rounds").await["counts"]["rounds_closed"],
        1
    );
}
