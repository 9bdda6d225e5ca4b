//! Answers that cannot be traced to a person, probed as an attacker with a copy of the
//! database files would: the raw bytes of the SQLite file and its `-wal`/`-shm` while a
//! round is open, the join of released responses with answered invitations, the order
//! of response ids, what erasure and withdrawn reminders leave behind, file modes, and
//! an instance that lacks the key that sealed open rounds.

use std::os::unix::fs::PermissionsExt;

use crate::common::{TestApp, id_of, spawn_app_at, status_and_json};
use crate::survey_loop::{
    COMPLETE_ANSWER, answer, count, create_programme, email_to, emails, rounds, run_job,
    run_programme, spawn_with_sink,
};
use nyttopuls::{
    app::Application,
    config::{Secret, Settings},
    usecases::{Clock, answer_keys},
};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;

/// The answer form with this comment.
fn with_comment(comment: &str) -> String {
    let base = COMPLETE_ANSWER.split("&kommentar=").next().unwrap();
    format!("{base}&kommentar={comment}")
}

fn is_sqlite(app: &TestApp) -> bool {
    app.db.get_database_backend() == DbBackend::Sqlite
}

/// Every byte of the SQLite database: the file, its write-ahead log and shared memory.
fn database_files(app: &TestApp) -> Vec<(String, Vec<u8>)> {
    ["nyttopuls.db", "nyttopuls.db-wal", "nyttopuls.db-shm"]
        .iter()
        .filter_map(|name| {
            let path = app.tempdir.path().join(name);
            std::fs::read(&path).ok().map(|b| (name.to_string(), b))
        })
        .collect()
}

/// The files (of `database_files`) in which `needle` occurs.
fn files_containing(app: &TestApp, needle: &str) -> Vec<String> {
    database_files(app)
        .into_iter()
        .filter(|(_, bytes)| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
        .map(|(name, _)| name)
        .collect()
}

/// A service used by these people: (email, förvaltning, kind); and its programme.
async fn service_used_by(app: &TestApp, people: &[(String, &str, &str)]) -> (i64, i64) {
    let service = app.create_service("e-arkiv", None).await;
    for (email, department, kind) in people {
        app.create(
            "/api/v1/respondents",
            json!({"email": email, "name": format!("Person {email}"), "department": department,
                   "kind": kind, "services": ["e-arkiv"]}),
        )
        .await;
    }
    let programme = create_programme(
        app,
        json!({"name": "Kvartal", "schedule": "0 0 8 1 */3 *", "service_ids": [service],
               "reminder_days": [0]}),
    )
    .await;
    (service, programme)
}

fn group(
    prefix: &str,
    n: usize,
    department: &'static str,
    kind: &'static str,
) -> Vec<(String, &'static str, &'static str)> {
    (1..=n)
        .map(|i| (format!("{prefix}{i}@x.se"), department, kind))
        .collect()
}

async fn round_of(app: &TestApp, service: i64) -> i64 {
    rounds(app, &format!("service_id={service}")).await[0]["id"]
        .as_i64()
        .unwrap()
}

async fn close(app: &TestApp, round: i64) -> serde_json::Value {
    let (status, body) = status_and_json(
        app.post_json(&format!("/api/v1/rounds/{round}/close"), &json!({}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn column_in_order(app: &TestApp, sql: &str) -> Vec<String> {
    app.db
        .query_all_raw(Statement::from_string(app.db.get_database_backend(), sql))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).unwrap())
        .collect()
}

#[tokio::test]
async fn answers_are_unreadable_until_the_round_closes_then_released_shuffled_in_groups_of_five() {
    let (app, sink) = spawn_with_sink(|_| {}).await;
    // 7 Skola/internal, 3 Kultur/internal, 2 Skola/external answer; 2 more are invited.
    let mut people = group("skola", 7, "Skola", "internal");
    people.extend(group("kultur", 3, "Kultur", "internal"));
    people.extend(group("extern", 2, "Skola", "external"));
    let answering: Vec<String> = people.iter().map(|p| p.0.clone()).collect();
    people.extend(group("tyst", 2, "Kultur", "internal"));
    let (service, programme) = service_used_by(&app, &people).await;
    run_programme(&app, programme).await;
    run_job(&app, "dispatch_outbox").await;
    let mail = emails(&sink);
    for (n, email) in answering.iter().enumerate() {
        let token = email_to(&mail, email).token();
        let form = with_comment(&format!("Zebrafink{n:02}"));
        assert_eq!(answer(&app, &token, &form).await.0, StatusCode::OK);
    }

    // Open: the answers are stored, but nowhere in the files in plain text.
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM sealed_answers").await,
        12
    );
    assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM responses").await, 0);
    if is_sqlite(&app) {
        assert!(!database_files(&app).is_empty());
        for needle in ["Zebrafink", "\"sus1\":4", "\"tid\":30"] {
            assert_eq!(
                files_containing(&app, needle),
                Vec::<String>::new(),
                "{needle}"
            );
        }
    }
    let round = round_of(&app, service).await;
    let open = &rounds(&app, &format!("service_id={service}")).await[0];
    assert_eq!(
        (open["answered"].as_i64(), open["results"].as_str()),
        (Some(12), Some("pending"))
    );

    let closed = close(&app, round).await;
    assert_eq!(closed["results"], "released");
    if is_sqlite(&app) {
        assert!(
            !files_containing(&app, "Zebrafink").is_empty(),
            "released in plain text"
        );
    }
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM sealed_answers").await,
        0
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM responses WHERE answers LIKE '%Zebrafink%'"
        )
        .await,
        12
    );
    // Segments: Skola/internal (7) stays; Kultur/internal (3) and Skola/external (2) are
    // under 5, lose their förvaltning, are still under 5 per kind, and end up unknown (5).
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM responses WHERE department = 'Skola' AND kind = 'internal'"
        )
        .await,
        7
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM responses WHERE department IS NULL AND kind IS NULL"
        )
        .await,
        5
    );
    // The attacker's join: each response against the answered invitations whose person
    // fits its segment. Hand-computed: 7 people for a Skola/internal response, all 12
    // answerers for an unknown one; never fewer than 5.
    let candidates = column_in_order(
        &app,
        "SELECT CAST(COUNT(i.id) AS TEXT) FROM responses r \
         JOIN invitations i ON i.round_id = r.round_id AND i.status = 'answered' \
         JOIN respondents p ON p.id = i.respondent_id \
           AND (r.department IS NULL OR p.department = r.department) \
           AND (r.kind IS NULL OR p.kind = r.kind) \
         GROUP BY r.id ORDER BY COUNT(i.id)",
    )
    .await;
    let mut expected = vec!["7".to_owned(); 7];
    expected.extend(vec!["12".to_owned(); 5]);
    assert_eq!(candidates, expected);

    // Neither the ids nor (SQLite) the insertion order follow the order of answering.
    let answered_order: Vec<String> = (0..12).map(|n| format!("Zebrafink{n:02}")).collect();
    let comments = |order: &'static str| {
        let app = &app;
        async move {
            column_in_order(
                app,
                &format!("SELECT answers FROM responses ORDER BY {order}"),
            )
            .await
            .iter()
            .map(|json| {
                let answers: serde_json::Value = serde_json::from_str(json).unwrap();
                answers["kommentar"].as_str().unwrap().to_owned()
            })
            .collect::<Vec<_>>()
        }
    };
    let by_id = comments("id").await;
    assert_eq!(by_id.len(), 12);
    assert_ne!(by_id, answered_order);
    if is_sqlite(&app) {
        assert_ne!(comments("rowid").await, answered_order);
    }
}

#[tokio::test]
async fn a_round_with_fewer_answers_than_the_threshold_releases_nothing() {
    let (app, sink) = spawn_with_sink(|_| {}).await;
    let people = group("liten", 6, "Skola", "internal");
    let (service, programme) = service_used_by(&app, &people).await;
    run_programme(&app, programme).await;
    run_job(&app, "dispatch_outbox").await;
    let mail = emails(&sink);
    for (email, _, _) in &people[..4] {
        let token = email_to(&mail, email).token();
        assert_eq!(
            answer(&app, &token, &with_comment("Ensam")).await.0,
            StatusCode::OK
        );
    }
    let closed = close(&app, round_of(&app, service).await).await;
    assert_eq!(
        (
            closed["invited"].as_i64(),
            closed["answered"].as_i64(),
            closed["results"].as_str()
        ),
        (Some(6), Some(4), Some("too_few_answers"))
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM responses").await
            + count(&app, "SELECT COUNT(*) AS n FROM sealed_answers").await,
        0
    );
    // The job closes rounds the same way and reports what it released.
    let report = run_job(&app, "close_rounds").await;
    assert_eq!(report["counts"]["rounds_closed"], 0, "already closed");
}

#[tokio::test]
async fn an_instance_without_the_key_that_sealed_open_rounds_refuses_to_start() {
    let (app, sink) = spawn_with_sink(|_| {}).await;
    let people = group("nyckel", 1, "Skola", "internal");
    let (_, programme) = service_used_by(&app, &people).await;
    run_programme(&app, programme).await;
    run_job(&app, "dispatch_outbox").await;
    let token = email_to(&emails(&sink), "nyckel1@x.se").token();
    assert_eq!(
        answer(&app, &token, COMPLETE_ANSWER).await.0,
        StatusCode::OK
    );

    let mut settings = Settings::load(None).unwrap();
    settings.server.bind = "127.0.0.1:0".into();
    settings.database.url = Secret::new(app.database_url.clone());
    settings.mail.outbox_dir = app.tempdir.path().join("outbox2").display().to_string();
    settings.survey.answer_key = Some(Secret::new(answer_keys::new_key_line()));
    let error = Application::build(settings.clone())
        .await
        .err()
        .expect("a different key is refused")
        .to_string();
    assert!(
        error.contains("sealed with answer key") && error.contains("does not have"),
        "{error}"
    );
    // With the old key kept below a new one (a rotation), it starts.
    let old = std::fs::read_to_string(&app.answer_key_file).unwrap();
    let old = old.lines().find(|l| !l.starts_with('#')).unwrap();
    settings.survey.answer_key = Some(Secret::new(format!(
        "{} {old}",
        answer_keys::new_key_line()
    )));
    assert!(Application::build(settings).await.is_ok());
}

#[tokio::test]
async fn erasure_and_withdrawn_reminders_leave_no_trace_of_the_person_in_the_files() {
    let (app, sink) = spawn_with_sink(|_| {}).await;
    let mut people = group("kvar", 2, "Skola", "internal");
    people.push(("svarar.snart@x.se".into(), "Skola", "internal"));
    people.push(("greta.glomd@x.se".into(), "Skola", "internal"));
    let (_, programme) = service_used_by(&app, &people).await;
    run_programme(&app, programme).await;
    run_job(&app, "dispatch_outbox").await;
    // Reminders are queued for everyone; one person answers before they go out.
    assert_eq!(
        run_job(&app, "send_reminders").await["counts"]["reminders_queued"],
        4
    );
    let token = email_to(&emails(&sink), "svarar.snart@x.se").token();
    assert_eq!(
        answer(&app, &token, COMPLETE_ANSWER).await.0,
        StatusCode::OK
    );
    let dispatched = run_job(&app, "dispatch_outbox").await;
    assert_eq!(
        (
            dispatched["counts"]["sent"].as_i64(),
            dispatched["counts"]["withdrawn"].as_i64()
        ),
        (Some(3), Some(1))
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM outbox WHERE recipient = 'svarar.snart@x.se' AND kind = 'reminder'"
        )
        .await,
        0,
        "no row tells when they answered"
    );

    // Erasure: the export lists the emails kept; afterwards the address is nowhere.
    let greta = id_of(
        &app.get("/api/v1/respondents?email=greta.glomd@x.se")
            .await
            .json::<serde_json::Value>()
            .await
            .unwrap()["items"][0],
    );
    let (status, export) = status_and_json(
        app.get(&format!("/api/v1/respondents/{greta}/export"))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let kinds: Vec<&str> = export["emails"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["invitation", "reminder"]);
    assert!(
        export["emails"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["status"] == "sent")
    );
    if is_sqlite(&app) {
        assert!(!files_containing(&app, "greta.glomd@x.se").is_empty());
    }
    let erased = app
        .client
        .delete(app.url(&format!("/api/v1/respondents/{greta}")))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(erased.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM outbox WHERE recipient = 'greta.glomd@x.se'"
        )
        .await,
        0
    );
    if is_sqlite(&app) {
        assert_eq!(
            files_containing(&app, "greta.glomd@x.se"),
            Vec::<String>::new()
        );
        assert_eq!(files_containing(&app, "Person greta"), Vec::<String>::new());
    }
}

#[tokio::test]
async fn sent_emails_are_forgotten_after_the_outbox_retention() {
    let app = spawn_app_at(Clock::manual(chrono::Utc::now()), |settings| {
        settings.retention.outbox_days = 30;
    })
    .await;
    let service = app.create_service("e-post", None).await;
    app.create(
        "/api/v1/respondents",
        json!({"email": "kalle@x.se", "name": "Kalle", "services": ["e-post"]}),
    )
    .await;
    let programme = create_programme(
        &app,
        json!({"name": "Kvartal", "schedule": "0 0 8 1 */3 *", "service_ids": [service]}),
    )
    .await;
    run_programme(&app, programme).await;
    run_job(&app, "dispatch_outbox").await;
    assert_eq!(run_job(&app, "purge").await["counts"]["emails_deleted"], 0);
    app.clock.set(app.clock.now() + chrono::Duration::days(31));
    assert_eq!(run_job(&app, "purge").await["counts"]["emails_deleted"], 1);
    assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM outbox").await, 0);
}

#[tokio::test]
async fn the_database_the_key_and_the_emails_are_readable_by_their_owner_only() {
    let app = crate::common::spawn_app().await;
    let service = app.create_service("e-fil", None).await;
    app.create(
        "/api/v1/respondents",
        json!({"email": "fil@x.se", "name": "Fil", "services": ["e-fil"]}),
    )
    .await;
    let programme = create_programme(
        &app,
        json!({"name": "Kvartal", "schedule": "0 0 8 1 */3 *", "service_ids": [service]}),
    )
    .await;
    run_programme(&app, programme).await;
    run_job(&app, "dispatch_outbox").await;
    let mode = |path: &std::path::Path| {
        std::fs::metadata(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(std::path::Path::new(&app.answer_key_file)), 0o600);
    let outbox = app.tempdir.path().join("outbox");
    assert_eq!(mode(&outbox), 0o700);
    let emails: Vec<_> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(emails.len(), 1);
    assert_eq!(mode(&emails[0]), 0o600);
    if is_sqlite(&app) {
        for name in ["nyttopuls.db", "nyttopuls.db-wal", "nyttopuls.db-shm"] {
            assert_eq!(mode(&app.tempdir.path().join(name)), 0o600, "{name}");
        }
    }
}
