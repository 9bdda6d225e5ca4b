//! `spawn_app()`: a real server on a random port with its own fresh database.
//!
//! SQLite by default (a new file in a temporary folder). When
//! `NYTTOPULS_TEST_DATABASE_URL` names a PostgreSQL server where the user may
//! `CREATE DATABASE`, every test gets its own newly created database there instead.
#![allow(dead_code)] // each test binary uses a different part of this module

use std::time::Duration;

use nyttopuls::{
    app::Application,
    config::{MailTransportKind, Secret, Settings},
    domain::{Actor, Role},
    usecases::{Clock, answer_keys, tokens::issue_token},
};
use reqwest::{Response, StatusCode};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{Value, json};
use tempfile::TempDir;

pub const TEST_DATABASE_URL: &str = "NYTTOPULS_TEST_DATABASE_URL";

/// The `metrics.token` every test server has (`/metrics` needs it as a bearer token).
pub const METRICS_TOKEN: &str = "test-metrics-token-0123456789";

pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub address: String,
    pub port: u16,
    pub db: DatabaseConnection,
    /// What the server runs on, for calling use cases the API does not reach yet.
    pub state: nyttopuls::usecases::AppState,
    pub admin_token: String,
    pub client: reqwest::Client,
    /// Holds the SQLite file and the mail outbox; removed when the test ends.
    pub tempdir: TempDir,
    /// The time the server runs at (the system clock unless the test made it manual).
    pub clock: Clock,
    /// The database and answer key file the app runs on, for a second instance or process.
    pub database_url: String,
    pub answer_key_file: String,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like [`spawn_app`], with a chance to change the settings first.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_at(Clock::system(), configure).await
}

/// Like [`spawn_app_with`], on `clock`: a test sets the time with `app.clock.set(…)`.
pub async fn spawn_app_at(clock: Clock, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let tempdir = tempfile::tempdir().expect("a temporary folder");
    let mut settings = Settings::load(None).expect("the default settings load");
    settings.server.bind = "127.0.0.1:0".into();
    settings.database.url = Secret::new(fresh_database_url(&tempdir).await);
    settings.database.max_connections = 4;
    settings.mail.transport = MailTransportKind::File;
    settings.mail.outbox_dir = tempdir.path().join("outbox").display().to_string();
    settings.charts.dir = tempdir.path().join("charts").display().to_string();
    settings.scheduler.enabled = false;
    settings.metrics.token = Some(Secret::new(METRICS_TOKEN));
    let key_file = tempdir.path().join("answer.key");
    if settings.database.url.expose().starts_with("postgres") {
        // PostgreSQL never makes a key of its own (instances must share one).
        use std::{io::Write, os::unix::fs::OpenOptionsExt};
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&key_file)
            .and_then(|mut file| file.write_all(answer_keys::new_key_line().as_bytes()))
            .expect("an answer key file");
    }
    settings.survey.answer_key_file = key_file.display().to_string();
    configure(&mut settings);
    let database_url = settings.database.url.expose().to_owned();
    let answer_key_file = settings.survey.answer_key_file.clone();

    let app = Application::build_with_clock(settings, clock.clone())
        .await
        .expect("the application starts");
    let port = app.port;
    let state = app.state().clone();
    let db = state.db.clone();
    tokio::spawn(app.run_until(std::future::pending()));

    let admin_token = issue_token(
        &db,
        &Actor::cli(),
        Role::Admin,
        "test admin",
        None,
        clock.now(),
    )
    .await
    .expect("an admin token");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("an HTTP client");
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        db,
        state,
        admin_token,
        client,
        tempdir,
        clock,
        database_url,
        answer_key_file,
    }
}

/// A new SQLite file, or a new database on the PostgreSQL server under test.
async fn fresh_database_url(tempdir: &TempDir) -> String {
    match std::env::var(TEST_DATABASE_URL) {
        Ok(server_url) if !server_url.trim().is_empty() => {
            create_postgres_database(&server_url).await
        }
        _ => format!(
            "sqlite://{}?mode=rwc",
            tempdir.path().join("nyttopuls.db").display()
        ),
    }
}

async fn create_postgres_database(server_url: &str) -> String {
    let name = format!(
        "nyttopuls_test_{}_{:016x}",
        std::process::id(),
        rand::random::<u64>()
    );
    let admin = sea_orm::Database::connect(server_url)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {TEST_DATABASE_URL}: {e}"));
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap_or_else(|e| panic!("cannot create database {name}: {e}"));
    admin.close().await.ok();
    with_database_name(server_url, &name)
}

/// `postgres://user@host:port/old?x=y` with `old` replaced by `name`.
fn with_database_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let root = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{root}/{name}?{query}"),
        None => format!("{root}/{name}"),
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// A token for an objektägare bound to owner record `owner_id`.
    pub async fn owner_token(&self, owner_id: i64) -> String {
        let owner_id = i32::try_from(owner_id).expect("an owner id fits in i32");
        issue_token(
            &self.db,
            &Actor::cli(),
            Role::Owner { owner_id },
            "test owner",
            None,
            self.clock.now(),
        )
        .await
        .expect("an owner token")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.get_as(&self.admin_token, path).await
    }

    pub async fn get_as(&self, token: &str, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("the request is sent")
    }

    /// The body of a GET as the admin, which must succeed.
    pub async fn get_bytes(&self, path: &str) -> Vec<u8> {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.bytes().await.expect("a body").to_vec()
    }

    /// Generates the nyttoanalys of `period` as the admin and returns it.
    pub async fn generate_nyttoanalys(&self, period: &str) -> Value {
        let (status, report) = status_and_json(
            self.post_json(
                &format!("/api/v1/reports/nyttoanalys/generate?period={period}"),
                &json!({}),
            )
            .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{report}");
        report
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.post_json_as(&self.admin_token, path, body).await
    }

    pub async fn post_json_as(&self, token: &str, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("the request is sent")
    }

    /// POST with a raw body and content type (malformed JSON, CSV, …).
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(&self.admin_token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("the request is sent")
    }

    pub async fn post_csv(&self, path: &str, csv: &str) -> Response {
        self.post_raw(path, "text/csv", csv.to_owned()).await
    }

    pub async fn put_json(&self, path: &str, body: &Value) -> Response {
        self.put_json_as(&self.admin_token, path, body).await
    }

    pub async fn put_json_as(&self, token: &str, path: &str, body: &Value) -> Response {
        self.client
            .put(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("the request is sent")
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.delete_as(&self.admin_token, path).await
    }

    pub async fn delete_as(&self, token: &str, path: &str) -> Response {
        self.client
            .delete(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("the request is sent")
    }

    /// POSTs `body` as admin, asserts 201 and returns the created object.
    pub async fn create(&self, path: &str, body: Value) -> Value {
        let response = self.post_json(path, &body).await;
        let (status, json) = status_and_json(response).await;
        assert_eq!(status, StatusCode::CREATED, "POST {path} {body}: {json}");
        json
    }

    pub async fn create_department(&self, name: &str) -> i64 {
        id_of(
            &self
                .create("/api/v1/departments", json!({ "name": name }))
                .await,
        )
    }

    pub async fn create_owner(&self, name: &str, email: &str, department_id: Option<i64>) -> i64 {
        let body = json!({ "name": name, "email": email, "department_id": department_id });
        id_of(&self.create("/api/v1/owners", body).await)
    }

    /// A service with this slug, owned by `owner_id` (if any).
    pub async fn create_service(&self, slug: &str, owner_id: Option<i64>) -> i64 {
        let body = json!({ "name": format!("Tjänst {slug}"), "slug": slug, "owner_id": owner_id });
        id_of(&self.create("/api/v1/services", body).await)
    }

    /// Every respondent (admin view), sorted by email.
    pub async fn respondents(&self) -> Vec<Value> {
        let (status, body) =
            status_and_json(self.get("/api/v1/respondents?per_page=500").await).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let mut items = body["items"].as_array().expect("items").clone();
        items.sort_by_key(|r| r["email"].as_str().unwrap_or_default().to_owned());
        items
    }

    /// The audit log, newest first, with an optional query string (`entity=service`).
    pub async fn audit(&self, query: &str) -> Vec<Value> {
        let (status, body) = status_and_json(
            self.get(&format!("/api/v1/audit?per_page=500&{query}"))
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["items"].as_array().expect("items").clone()
    }
}

pub fn id_of(object: &Value) -> i64 {
    object["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no id in {object}"))
}

/// The status and the JSON body (`Value::Null` with the raw text in a panic if it is not JSON).
pub async fn status_and_json(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.expect("a body");
    let json = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("status {status}: the body is not JSON ({e}): {text:?}"));
    (status, json)
}

/// Asserts the status and that the body is an error object `{error, message}`;
/// returns the body.
pub async fn assert_error(response: Response, expected: StatusCode) -> Value {
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, expected, "unexpected status; body: {body}");
    assert!(
        body["error"].as_str().is_some_and(|e| !e.is_empty()),
        "no `error` code in {body}"
    );
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "no `message` in {body}"
    );
    body
}

/// The rows of a nyttoanalys CSV (after its byte-order mark), tables of different widths
/// one after another, each under its title.
pub fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .delimiter(b';')
        .flexible(true)
        .has_headers(false)
        .from_reader(&bytes[3..])
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// An XLSX file read back with calamine.
pub fn workbook(bytes: Vec<u8>) -> calamine::Xlsx<std::io::Cursor<Vec<u8>>> {
    calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("an XLSX workbook")
}

/// The first row of `sheet`, as text: its column names.
pub fn header_row(sheet: &calamine::Range<calamine::Data>) -> Vec<String> {
    sheet
        .rows()
        .next()
        .expect("a header row")
        .iter()
        .map(|c| c.to_string())
        .collect()
}
