//! What the benchmarks share: a fresh database, deterministic numbers, percentiles.
#![allow(dead_code)] // each benchmark uses a different part

use std::time::Duration;

use sea_orm::ConnectionTrait;

/// xorshift: deterministic data without a dependency.
pub fn rng(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

/// A SQLite file in `dir`, or a new database on the PostgreSQL server named by
/// `NYTTOPULS_BENCH_DATABASE_URL`.
pub async fn fresh_database(dir: &std::path::Path, name: &str) -> String {
    match std::env::var("NYTTOPULS_BENCH_DATABASE_URL") {
        Ok(url) => {
            let name = format!("nyttopuls_{name}_{}", std::process::id());
            let admin = sea_orm::Database::connect(&url)
                .await
                .expect("PostgreSQL reachable");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("CREATE DATABASE");
            let base = url.rsplit_once('/').map_or(url.as_str(), |(base, _)| base);
            format!("{base}/{name}")
        }
        Err(_) => format!("sqlite://{}/bench.db?mode=rwc", dir.display()),
    }
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Settings for a benchmark's own database and files in `dir` (an answer key made for
/// PostgreSQL, which never makes one itself), scheduler off, any free port.
pub async fn bench_settings(dir: &std::path::Path, name: &str) -> nyttopuls::config::Settings {
    let mut settings = nyttopuls::config::Settings::load(None).expect("settings");
    settings.server.bind = "127.0.0.1:0".into();
    settings.database.url = nyttopuls::config::Secret::new(fresh_database(dir, name).await);
    settings.survey.answer_key_file = dir.join("answer.key").display().to_string();
    if settings.database.url.expose().starts_with("postgres") {
        std::fs::write(
            &settings.survey.answer_key_file,
            nyttopuls::usecases::answer_keys::new_key_line(),
        )
        .unwrap();
    }
    settings.mail.outbox_dir = dir.join("outbox").display().to_string();
    settings.charts.dir = dir.join("charts").display().to_string();
    settings.scheduler.enabled = false;
    settings
}

/// A programme over every service on the standard questionnaire, for rounds to belong to.
pub async fn programme_over_all(
    state: &nyttopuls::usecases::AppState,
) -> (
    nyttopuls::domain::programme::Programme,
    nyttopuls::domain::questionnaire::Questionnaire,
) {
    use nyttopuls::domain::programme::{NewProgramme, ProgrammeFields};
    let questionnaire = nyttopuls::store::questionnaires::template(&state.db, "standard")
        .await
        .unwrap();
    let new = NewProgramme::parse(ProgrammeFields {
        name: "Alla tjänster",
        questionnaire_id: questionnaire.id,
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
        state,
        &nyttopuls::domain::Actor::cli(),
        None,
        Some(questionnaire.id),
        |_| Ok(new),
    )
    .await
    .unwrap();
    (programme, questionnaire)
}
