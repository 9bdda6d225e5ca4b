//! Scale benchmark (SPEC "Scale the design must hold"): imports 50,000 respondents using
//! 1–3 of 1,000 services, opens a round for all of them, answers over HTTP at 64
//! concurrent connections, dispatches the invitations to an SMTP server in the
//! process, and releases one round of 20,000 sealed answers. Run: `cargo bench --bench scale` (SQLite in a temp dir); set
//! `NYTTOPULS_BENCH_DATABASE_URL=postgres://…` to run on PostgreSQL (a fresh database).
//! Prints one line per figure; the README keeps the latest.

mod common;
#[path = "../tests/suite/mail_sink/mod.rs"]
mod mail_sink;

use common::{fresh_database, percentile, rng};

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use nyttopuls::{
    app::Application,
    config::{MailTransportKind, Secret, Settings, SmtpTls},
    domain::{
        Actor, NewService,
        programme::{NewProgramme, ProgrammeFields},
    },
    store,
};
use sea_orm::{EntityTrait, QuerySelect};

fn respondents() -> usize {
    std::env::var("NYTTOPULS_BENCH_RESPONDENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(50_000)
}
const SERVICES: usize = 1_000;
fn answers() -> usize {
    (respondents() * 2 / 5).max(1)
}
const CONCURRENCY: usize = 64;

fn csv() -> String {
    let mut seed = 0x9e37_79b9_7f4a_7c15;
    let mut out = String::from("email;name;department;kind;language;services\n");
    for i in 0..respondents() {
        let count = 1 + (rng(&mut seed) % 3) as usize;
        let mut services: Vec<String> = (0..count)
            .map(|_| format!("tjanst-{}", rng(&mut seed) as usize % SERVICES))
            .collect();
        services.sort();
        services.dedup();
        out.push_str(&format!(
            "person{i}@kommun.example;Person {i} Åström;Förvaltning {};internal;sv;{}\n",
            i % 12,
            services.join("|")
        ));
    }
    out
}

/// `total` requests by `CONCURRENCY` workers; returns (requests/s, p50, p99).
async fn load(
    total: usize,
    request: impl Fn(usize) -> reqwest::RequestBuilder + Send + Sync + 'static,
) -> (f64, Duration, Duration, usize) {
    let request = Arc::new(request);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..CONCURRENCY {
        let (request, next) = (request.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut ok = 0;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let t = Instant::now();
                let response = request(i).send().await.expect("request sent");
                let success = response.status().is_success();
                let _ = response.bytes().await;
                latencies.push(t.elapsed());
                ok += usize::from(success);
            }
            (latencies, ok)
        }));
    }
    let mut latencies = Vec::with_capacity(total);
    let mut ok = 0;
    for worker in workers {
        let (l, o) = worker.await.unwrap();
        latencies.extend(l);
        ok += o;
    }
    let elapsed = started.elapsed();
    latencies.sort();
    (
        total as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        ok,
    )
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let sink = mail_sink::MailSink::start();
    let mut settings = Settings::load(None).expect("settings");
    settings.server.bind = "127.0.0.1:0".into();
    settings.database.url = Secret::new(fresh_database(dir.path(), "bench").await);
    settings.mail.transport = MailTransportKind::Smtp;
    settings.mail.smtp_host = "127.0.0.1".into();
    settings.mail.smtp_port = sink.port;
    settings.mail.smtp_tls = SmtpTls::None;
    settings.mail.batch_size = 500;
    if let Some(n) = std::env::var("NYTTOPULS_BENCH_CONCURRENT_SENDS")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        settings.mail.concurrent_sends = n;
    }
    settings.scheduler.enabled = false;
    let backend = if settings.database.url.expose().starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!("backend: {backend}");

    let app = Application::build(settings).await.expect("app starts");
    let port = app.port;
    let state: nyttopuls::usecases::AppState = app.state().clone();
    tokio::spawn(app.run_until(std::future::pending()));
    let actor = Actor::cli();
    for i in 0..SERVICES {
        let service = NewService::parse(
            &format!("Tjänst {i}"),
            &format!("tjanst-{i}"),
            None,
            None,
            None,
            Some(500),
            Some(100_000),
            None,
        )
        .unwrap();
        nyttopuls::usecases::catalogue::save_service(&state, &actor, None, service)
            .await
            .unwrap();
    }

    let csv = csv();
    let started = Instant::now();
    let summary = nyttopuls::usecases::respondents::import_respondents(
        &state,
        &actor,
        csv.as_bytes(),
        false,
        &|_| {},
    )
    .await
    .unwrap();
    let import = started.elapsed();
    println!(
        "import {} respondents (1–3 services each): {:.2} s ({:.0} rows/s)",
        summary.created,
        import.as_secs_f64(),
        summary.created as f64 / import.as_secs_f64()
    );

    let questionnaire_id = store::questionnaires::template(&state.db, "standard")
        .await
        .unwrap()
        .id;
    let programme = NewProgramme::parse(ProgrammeFields {
        name: "Alla tjänster",
        questionnaire_id,
        service_ids: None,
        schedule: "0 0 8 1 */3 *",
        period: None,
        open_days: None,
        reminder_days: None,
        sampling: None,
        active: None,
    })
    .unwrap();
    let programme = nyttopuls::usecases::programmes::save_programme(
        &state,
        &actor,
        None,
        Some(questionnaire_id),
        |_| Ok(programme),
    )
    .await
    .unwrap();
    let started = Instant::now();
    let opened = nyttopuls::usecases::rounds::open_programme_rounds(
        &state,
        &nyttopuls::domain::Actor::system(),
        programme.id,
    )
    .await
    .unwrap();
    let open = started.elapsed();
    println!(
        "open {} rounds with {} invitations + outbox rows: {:.2} s",
        opened.rounds_opened,
        opened.invitations,
        open.as_secs_f64()
    );

    // The personal links are only in the outbox until sent: take some for the answer load.
    let payloads: Vec<Option<String>> = store::entity::outbox_message::Entity::find()
        .select_only()
        .column(store::entity::outbox_message::Column::Payload)
        .limit(answers() as u64)
        .into_tuple()
        .all(&state.db)
        .await
        .unwrap();
    let tokens: Arc<Vec<String>> = Arc::new(
        payloads
            .into_iter()
            .flatten()
            .filter_map(|p| serde_json::from_str::<serde_json::Value>(&p).ok())
            .filter_map(|p| {
                p["link"]
                    .as_str()
                    .and_then(|l| l.rsplit('/').next())
                    .map(str::to_owned)
            })
            .collect(),
    );
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .build()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let form = "sus1=4&sus2=2&sus3=4&sus4=1&sus5=4&sus6=2&sus7=5&sus8=1&sus9=4&sus10=2&nytta1=6&nytta2=5&nytta3=6&tid=30&kommentar=Bra+tj%C3%A4nst";
    let (answer_rate, answer_p50, answer_p99, stored) = {
        let (client, base, tokens) = (client.clone(), base.clone(), tokens.clone());
        load(tokens.len(), move |i| {
            client
                .post(format!("{base}/s/{}", tokens[i]))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form)
        })
        .await
    };
    let (trivial_rate, trivial_p50, trivial_p99, _) = {
        let (client, base) = (client.clone(), base.clone());
        load(tokens.len(), move |_| client.get(format!("{base}/healthz"))).await
    };
    println!(
        "answers over HTTP, {CONCURRENCY} connections: {stored} stored, {answer_rate:.0}/s, p50 {:.1} ms, p99 {:.1} ms",
        answer_p50.as_secs_f64() * 1e3,
        answer_p99.as_secs_f64() * 1e3
    );
    println!(
        "trivial endpoint (/healthz), same load: {trivial_rate:.0}/s, p50 {:.1} ms, p99 {:.1} ms; answers reach {:.0} % of it",
        trivial_p50.as_secs_f64() * 1e3,
        trivial_p99.as_secs_f64() * 1e3,
        100.0 * answer_rate / trivial_rate
    );

    let started = Instant::now();
    let report = nyttopuls::jobs::run(&state, nyttopuls::jobs::JobName::DispatchOutbox)
        .await
        .unwrap();
    let dispatch = started.elapsed();
    let sent = report.counts.get("sent").copied().unwrap_or_default();
    println!(
        "dispatch {sent} emails to a local SMTP server: {:.1} s ({:.0} emails/s); received {}",
        dispatch.as_secs_f64(),
        sent as f64 / dispatch.as_secs_f64(),
        sink.count()
    );

    release_round(&state, &programme).await;
}

/// Closes a round holding `RELEASED` sealed answers (realistic segments and comments)
/// and times the release: open every answer, shuffle, coarsen segments, insert them
/// into `responses`, delete the sealed rows and checkpoint, in one transaction.
async fn release_round(
    state: &nyttopuls::usecases::AppState,
    programme: &nyttopuls::domain::programme::Programme,
) {
    const RELEASED: usize = 20_000;
    let questionnaire = store::questionnaires::template(&state.db, "standard")
        .await
        .unwrap();
    let round_id = store::rounds::insert_if_absent(
        &state.db,
        programme,
        1,
        "release-bench",
        state.clock.now(),
        state.clock.now() + chrono::Duration::days(14),
    )
    .await
    .unwrap()
    .expect("a new round");
    let padded = nyttopuls::domain::sealing::padded_len(
        &questionnaire.items,
        state.settings.survey.max_comment_chars,
    );
    let mut seed = 0x2545_f491_4f6c_dd1d;
    let departments = [
        "Skola", "Vård", "Kultur", "Teknik", "Miljö", "Stab", "Liten",
    ];
    let rows: Vec<store::entity::sealed_answer::ActiveModel> = (0..RELEASED)
        .map(|i| {
            let department = departments[(rng(&mut seed) % 100) as usize % departments.len()];
            let plaintext = serde_json::json!({
                "d": department,
                "k": if rng(&mut seed).is_multiple_of(5) { "external" } else { "internal" },
                "a": {"sus1": 4, "sus2": 2, "sus3": 4, "sus4": 1, "sus5": 4, "sus6": 2,
                      "sus7": 5, "sus8": 1, "sus9": 4, "sus10": 2, "nytta1": 6,
                      "nytta2": 5, "nytta3": 6, "tid": 30,
                      "kommentar": format!("Kommentar nummer {i} om tjänsten")},
            });
            store::entity::sealed_answer::ActiveModel {
                id: sea_orm::ActiveValue::Set(i as i64 + 1),
                round_id: sea_orm::ActiveValue::Set(round_id),
                sealed: sea_orm::ActiveValue::Set(state.answer_keys.seal(
                    round_id,
                    &serde_json::to_vec(&plaintext).unwrap(),
                    padded,
                )),
            }
        })
        .collect();
    let sealed_bytes = rows.len() * rows[0].sealed.as_ref().len();
    for chunk in rows.chunks(200) {
        store::entity::sealed_answer::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&state.db)
            .await
            .unwrap();
    }
    let started = Instant::now();
    let closed = nyttopuls::usecases::rounds::close_round(state, &Actor::cli(), round_id)
        .await
        .unwrap();
    let release = started.elapsed();
    println!(
        "release a round of {RELEASED} sealed answers ({:.0} MB sealed, {padded} bytes padded each): {:.2} s; {:?} released",
        sealed_bytes as f64 / 1e6,
        release.as_secs_f64(),
        closed.released_answers,
    );
}
