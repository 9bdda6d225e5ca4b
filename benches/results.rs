//! Results benchmark (issue 8): seeds 1,000,000 released responses (15 answers each)
//! over 500 services × 8 closed rounds, then times a full `recompute`, the release and
//! aggregation of one round of 2,000 sealed answers, the service results API under 32
//! concurrent clients (in process, so flattering), and `render_charts` for 500 services.
//! Run: `cargo bench --bench results` (SQLite in a temp dir; `NYTTOPULS_BENCH_DATABASE_URL`
//! for PostgreSQL). `NYTTOPULS_BENCH_RESPONSES_PER_ROUND` (default 250) scales it.

mod common;

use common::{percentile, rng};
use std::{sync::Arc, time::Instant};

use nyttopuls::{
    app::Application,
    domain::{Actor, NewService},
    store::{self, entity},
};
use sea_orm::{ActiveValue::Set, EntityTrait};

const SERVICES: usize = 500;
const ROUNDS: usize = 8;
const CLIENTS: usize = 32;
/// Services of the objektägare whose dashboard is timed.
const OWNED: usize = 20;

fn per_round() -> usize {
    std::env::var("NYTTOPULS_BENCH_RESPONSES_PER_ROUND")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(250)
}

/// A standard-questionnaire answer drifting with the round, as JSON.
fn answers(seed: &mut u64, round: usize) -> String {
    let mut pick = |low: u64, high: u64| low + rng(seed) % (high - low + 1);
    let tilt = (round as u64).min(3);
    let mut fields = Vec::new();
    for item in 1..=10 {
        let value = if item % 2 == 1 {
            pick(2 + tilt / 2, 5)
        } else {
            pick(1, 4 - tilt / 2)
        };
        fields.push(format!("\"sus{item}\":{value}"));
    }
    for item in 1..=3 {
        fields.push(format!("\"nytta{item}\":{}", pick(3, 7)));
    }
    fields.push(format!("\"tid\":{}", pick(0, 90) as i64 - 20));
    fields.push("\"kommentar\":\"Fungerar bra för det mesta\"".to_owned());
    format!("{{{}}}", fields.join(","))
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let settings = common::bench_settings(dir.path(), "results").await;
    println!(
        "backend: {}",
        if settings.database.url.expose().starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    let app = Application::build(settings).await.expect("app starts");
    let port = app.port;
    let state = app.state().clone();
    tokio::spawn(app.run_until(std::future::pending()));
    let actor = Actor::cli();
    let now = state.clock.now();

    // One objektägare owns the first OWNED services (the dashboard step reads them).
    let owner_email = nyttopuls::domain::Email::parse("agare@kommun.example").unwrap();
    let owner = nyttopuls::usecases::catalogue::save_owner(
        &state,
        &actor,
        None,
        "Åsa Lindqvist".into(),
        owner_email.clone(),
        None,
    )
    .await
    .unwrap();
    let mut service_ids = Vec::with_capacity(SERVICES);
    for i in 0..SERVICES {
        let service = NewService::parse(
            &format!("Tjänst {i}"),
            &format!("tjanst-{i}"),
            None,
            (i < OWNED).then_some(owner.id),
            None,
            Some(500),
            Some(100_000),
            None,
        )
        .unwrap();
        service_ids.push(
            nyttopuls::usecases::catalogue::save_service(&state, &actor, None, service)
                .await
                .unwrap()
                .id,
        );
    }
    let (programme, questionnaire) = common::programme_over_all(&state).await;

    let per_round = per_round();
    let seeding = Instant::now();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut round_id = 0;
    for (s, service_id) in service_ids.iter().enumerate() {
        let mut rounds = Vec::new();
        for r in 0..ROUNDS {
            rounds.push(entity::round::ActiveModel {
                programme_id: Set(programme.id),
                service_id: Set(*service_id),
                questionnaire_id: Set(questionnaire.id),
                period: Set(format!("{}-Q{}", 2025 + r / 4, r % 4 + 1)),
                opens_at: Set(now - chrono::Duration::days(((ROUNDS - r) * 91) as i64)),
                closes_at: Set(now - chrono::Duration::days(((ROUNDS - r) * 91 - 14) as i64)),
                status: Set(entity::round::Status::Closed),
                invited: Set((per_round * 2) as i32),
                answered: Set(per_round as i32),
                reminders_done: Set(1),
                released_answers: Set(Some(per_round as i32)),
                delivered: Set(Some((per_round * 2) as i32)),
                ..Default::default()
            });
        }
        entity::round::Entity::insert_many(rounds)
            .exec_without_returning(&state.db)
            .await
            .unwrap();
        let mut responses = Vec::with_capacity(ROUNDS * per_round);
        for r in 0..ROUNDS {
            round_id = (s * ROUNDS + r + 1) as i32;
            for _ in 0..per_round {
                let kind = if rng(&mut seed).is_multiple_of(5) {
                    "external"
                } else {
                    "internal"
                };
                responses.push(entity::response::ActiveModel {
                    id: Set((rng(&mut seed) >> 1) as i64),
                    round_id: Set(round_id),
                    service_id: Set(*service_id),
                    department: Set(Some(format!("Förvaltning {}", rng(&mut seed) % 6))),
                    kind: Set(Some(kind.to_owned())),
                    answers: Set(answers(&mut seed, r)),
                    open_link: Set(false),
                });
            }
        }
        for chunk in responses.chunks(1_000) {
            entity::response::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&state.db)
                .await
                .unwrap();
        }
    }
    let total = SERVICES * ROUNDS * per_round;
    println!(
        "seeded {total} responses over {SERVICES} services × {ROUNDS} rounds in {:.1} s (last round id {round_id})",
        seeding.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let counts = nyttopuls::usecases::results::recompute(&state, &actor, &|_, _| {})
        .await
        .unwrap();
    println!(
        "recompute all figures: {:.2} s ({} rounds, {} figures; target ≤ 20 s on SQLite)",
        started.elapsed().as_secs_f64(),
        counts["rounds"],
        counts["figures"]
    );

    // One more round of 2,000 sealed answers, released and aggregated at close.
    let open = store::rounds::insert_if_absent(
        &state.db,
        &programme,
        service_ids[0],
        "2027-Q1",
        now,
        now + chrono::Duration::days(14),
    )
    .await
    .unwrap()
    .expect("a new round");
    let padded = nyttopuls::domain::sealing::padded_len(
        &questionnaire.items,
        state.settings.survey.max_comment_chars,
    );
    let sealed: Vec<entity::sealed_answer::ActiveModel> = (0..2_000)
        .map(|i| {
            let plaintext = format!(
                "{{\"d\":\"Förvaltning {}\",\"k\":\"internal\",\"a\":{}}}",
                i % 6,
                answers(&mut seed, 4)
            );
            entity::sealed_answer::ActiveModel {
                id: Set(i + 1),
                round_id: Set(open),
                sealed: Set(state.answer_keys.seal(open, plaintext.as_bytes(), padded)),
            }
        })
        .collect();
    for chunk in sealed.chunks(200) {
        entity::sealed_answer::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&state.db)
            .await
            .unwrap();
    }
    let started = Instant::now();
    let closed = nyttopuls::usecases::rounds::close_round(&state, &actor, open)
        .await
        .unwrap();
    println!(
        "release and aggregate one round of 2,000 answers: {:.0} ms ({:?} released; target ≤ 300 ms)",
        started.elapsed().as_secs_f64() * 1e3,
        closed.released_answers
    );

    // The service results API, 32 clients, each service's results in turn.
    let token = nyttopuls::usecases::tokens::create_token(
        &state,
        &actor,
        nyttopuls::domain::Role::Admin,
        "bench",
        None,
    )
    .await
    .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let urls: Vec<String> = service_ids
        .iter()
        .map(|id| format!("{base}/api/v1/services/{id}/results"))
        .collect();
    // First every service once (its closed rounds' figures are read from the
    // database), then again and again (from memory, until figures change).
    let bearer = ("authorization", format!("Bearer {token}"));
    for (pass, requests) in [
        ("first read of each service", SERVICES),
        ("repeated reads", 4_000),
    ] {
        let (rate, p50, p99) = load(CLIENTS, urls.clone(), bearer.clone(), requests).await;
        println!(
            "service results API, {pass}, {CLIENTS} clients: {rate:.0} req/s, p50 {p50:.1} ms, p99 {p99:.1} ms (target p99 ≤ 20 ms)"
        );
    }

    let paths: Vec<String> = service_ids
        .iter()
        .map(|id| format!("/api/v1/services/{id}/results"))
        .collect();
    // Each service once with nothing in memory (as after a restart), each service once
    // after its newest round's figures were replaced (as after a quarter's release),
    // then every service in turn for 10 s.
    let bearer = format!("Authorization: Bearer {token}");
    move_figures_versions(&state, "").await;
    wrk(
        "service results API, first read of each service, nothing kept (as after a restart)",
        &base,
        &paths,
        &bearer,
        true,
    );
    move_figures_versions(
        &state,
        "WHERE id IN (SELECT MAX(id) FROM rounds GROUP BY service_id)",
    )
    .await;
    wrk(
        "service results API, first read of each service after its newest round's release",
        &base,
        &paths,
        &bearer,
        true,
    );
    wrk(
        "service results API, repeated reads",
        &base,
        &paths,
        &bearer,
        false,
    );

    // The dashboard page of the objektägare with OWNED services, signed in.
    let link = nyttopuls::usecases::sign_in::link_for(&state, &actor, owner_email.as_str())
        .await
        .unwrap()
        .expect("the owner can sign in");
    let session =
        nyttopuls::usecases::sign_in::open_session(&state, link.rsplit('/').next().unwrap())
            .await
            .unwrap()
            .expect("the link opens a session");
    let cookie = format!("np_session={}", session.secret);
    let dashboard = format!("{base}/dashboard");
    let page = reqwest::Client::new()
        .get(&dashboard)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    println!(
        "dashboard page of an owner with {OWNED} services: {} kB",
        page.len() / 1000
    );
    if let Ok(path) = std::env::var("NYTTOPULS_BENCH_SAVE_PAGE") {
        std::fs::write(path, &page).unwrap();
    }
    for clients in [1, 4, CLIENTS] {
        let (rate, p50, p99) = load(
            clients,
            vec![dashboard.clone()],
            ("cookie", cookie.clone()),
            1_000,
        )
        .await;
        println!(
            "dashboard, {clients} client(s): {rate:.0} req/s, p50 {p50:.1} ms, p99 {p99:.1} ms (target p99 ≤ 50 ms)"
        );
    }
    wrk(
        "dashboard",
        &base,
        &["/dashboard".to_owned()],
        &format!("Cookie: {cookie}"),
        false,
    );

    let started = Instant::now();
    let counts = nyttopuls::usecases::charts::render_charts(&state, &|_, _| {})
        .await
        .unwrap();
    let rendered = counts["written"] + counts["unchanged"];
    println!(
        "render_charts for {SERVICES} services: {:.1} s, {rendered} files ({:.1} ms a file; target ≤ 15 s)",
        started.elapsed().as_secs_f64(),
        started.elapsed().as_secs_f64() * 1e3 / rendered.max(1) as f64
    );
}

/// As replacing their figures does (a release, `recompute`): the figures of the rounds
/// `which` picks, kept in memory, are read afresh.
async fn move_figures_versions(state: &nyttopuls::usecases::AppState, which: &str) {
    use sea_orm::ConnectionTrait;
    state
        .db
        .execute_unprepared(&format!(
            "UPDATE rounds SET figures_version = figures_version + 1 {which}"
        ))
        .await
        .unwrap();
}

/// `requests` GETs spread over `urls` by `clients` concurrent clients in this process
/// (flattering: client and server share the runtime); req/s, p50 and p99 in ms.
async fn load(
    clients: usize,
    urls: Vec<String>,
    header: (&'static str, String),
    requests: usize,
) -> (f64, f64, f64) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .unwrap();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (urls, header) = (Arc::new(urls), Arc::new(header));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..clients {
        let (client, next, urls, header) =
            (client.clone(), next.clone(), urls.clone(), header.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= requests {
                    return latencies;
                }
                let sent = Instant::now();
                let response = client
                    .get(&urls[i % urls.len()])
                    .header(header.0, &header.1)
                    .send()
                    .await
                    .unwrap();
                assert!(response.status().is_success(), "{}", response.status());
                response.bytes().await.unwrap();
                latencies.push(sent.elapsed());
            }
        }));
    }
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await.unwrap());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    (
        requests as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
    )
}

/// GETs of `paths` in turn under wrk, a load generator in its own process, when wrk is
/// installed (`apt-get install wrk`): 2 threads, CLIENTS connections, for 10 seconds or
/// (`once`) until each path has been asked for once. Prints wrk's p50, p99, requests/s
/// and any non-2xx count under `label`.
fn wrk(label: &str, base: &str, paths: &[String], header: &str, once: bool) {
    let dir = tempfile::tempdir().unwrap();
    let (list, script) = (dir.path().join("paths.txt"), dir.path().join("each.lua"));
    std::fs::write(&list, paths.join("\n")).unwrap();
    std::fs::write(
        &script,
        r#"-- Each thread takes every second path from its own offset; ONCE stops it at the end.
local counter, once = 0, os.getenv("ONCE") == "1"
function setup(thread) thread:set("offset", counter); counter = counter + 1 end
local paths, i = {}, 0
function init(args)
  for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
  i = offset + 1 - 2
end
request = function()
  i = i + 2
  if i > #paths then
    if once then wrk.thread:stop() end
    i = offset % #paths + 1
  end
  return wrk.format("GET", paths[i])
end
"#,
    )
    .unwrap();
    let output = std::process::Command::new("wrk")
        .args([
            "-t2",
            &format!("-c{CLIENTS}"),
            "-d10s",
            "--latency",
            "-H",
            header,
        ])
        .arg("-s")
        .arg(&script)
        .arg(base)
        .env("PATHS", &list)
        .env("ONCE", if once { "1" } else { "0" })
        .output();
    match output {
        Ok(output) if output.status.success() => {
            let report = String::from_utf8_lossy(&output.stdout);
            let wanted = |line: &&str| {
                let line = line.trim_start();
                line.starts_with("50%")
                    || line.starts_with("99%")
                    || line.starts_with("Requests/sec")
                    || line.starts_with("Non-2xx")
            };
            let lines: Vec<&str> = report.lines().filter(wanted).map(str::trim).collect();
            println!(
                "{label} under wrk ({CLIENTS} connections, 10 s): {}",
                lines.join(", ")
            );
        }
        Ok(output) => println!("wrk failed: {}", String::from_utf8_lossy(&output.stderr)),
        Err(_) => println!("wrk is not installed: the out-of-process figure is skipped"),
    }
}
