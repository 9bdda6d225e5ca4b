//! What a person withdraws stays withdrawn: opting out of a service skips their waiting
//! emails about it, and erasing a person removes every email to them, so neither is sent
//! by a later dispatch.

use crate::common::{TestApp, id_of, spawn_app, status_and_json};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

async fn post(app: &TestApp, path: &str) -> Value {
    let (status, body) = status_and_json(app.post_json(path, &json!({})).await).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let backend = app.db.get_database_backend();
    app.db
        .query_one_raw(Statement::from_string(backend, sql.to_owned()))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap()
}

/// The personal link in the pending reminder to `email`, read from its outbox payload.
async fn pending_reminder_token(app: &TestApp, email: &str) -> String {
    let backend = app.db.get_database_backend();
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            backend,
            format!(
                "SELECT payload FROM outbox WHERE recipient = '{email}' \
                 AND kind = 'reminder' AND status = 'pending'"
            ),
        ))
        .await
        .unwrap()
        .expect("a pending reminder");
    let payload: Value = serde_json::from_str(&row.try_get::<String>("", "payload").unwrap())
        .expect("the payload is JSON");
    let link = payload["link"].as_str().unwrap();
    link.rsplit('/').next().unwrap().to_owned()
}

#[tokio::test]
async fn an_opt_out_and_an_erasure_withdraw_emails_not_yet_sent() {
    let app = spawn_app().await;
    let service = app.create_service("skolwebben", None).await;
    let mut people = Vec::new();
    for email in ["stannar@x.se", "avstar@x.se", "raderas@x.se"] {
        people.push(id_of(
            &app.create(
                "/api/v1/respondents",
                json!({"email": email, "name": "Person", "services": ["skolwebben"]}),
            )
            .await,
        ));
    }
    let programme = id_of(
        &app.create(
            "/api/v1/programmes",
            json!({"name": "Kvartal", "schedule": "0 0 8 1 */3 *", "service_ids": [service],
                   "reminder_days": [0]}),
        )
        .await,
    );
    post(&app, &format!("/api/v1/programmes/{programme}/run")).await;
    assert_eq!(
        post(&app, "/api/v1/jobs/dispatch_outbox/run").await["counts"]["sent"],
        3
    );
    assert_eq!(
        post(&app, "/api/v1/jobs/send_reminders/run").await["counts"]["reminders_queued"],
        3
    );

    // One opts out of the service with the link of their (still unsent) reminder.
    let token = pending_reminder_token(&app, "avstar@x.se").await;
    let opted = app
        .client
        .post(app.url(&format!("/s/{token}/opt-out")))
        .form(&[("scope", "service")])
        .send()
        .await
        .unwrap();
    assert_eq!(opted.status(), StatusCode::OK);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM outbox WHERE recipient = 'avstar@x.se' \
             AND kind = 'reminder'"
        )
        .await,
        0,
        "the reminder is withdrawn: deleted, link and all"
    );
    // Another is erased (GDPR): every email to them goes with them.
    let erased = app
        .delete(&format!("/api/v1/respondents/{}", people[2]))
        .await;
    assert_eq!(erased.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM outbox WHERE recipient = 'raderas@x.se'"
        )
        .await,
        0
    );

    let dispatched = post(&app, "/api/v1/jobs/dispatch_outbox/run").await;
    assert_eq!(
        dispatched["counts"]["sent"], 1,
        "only the one who stayed: {dispatched}"
    );
    let files = std::fs::read_dir(app.tempdir.path().join("outbox"))
        .unwrap()
        .count();
    assert_eq!(
        files, 3,
        "three invitations and one reminder were written; the erased person's file went with them"
    );
}
