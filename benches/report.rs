//! Nyttoanalys benchmark (issue 9): 1,000 services (300 objektägare, 10 förvaltningar),
//! each with 8 closed quarterly rounds of stored figures, then the report of the last
//! quarter generated from them and written in all four formats (JSON, HTML, CSV, XLSX).
//! Run: `cargo bench --bench report` (SQLite in a temp dir; `NYTTOPULS_BENCH_DATABASE_URL`
//! for PostgreSQL).

mod common;

use std::time::Instant;

use common::rng;
use nyttopuls::{
    app::Application,
    domain::{Actor, Email, NewService, ReportPeriod},
    stats::{Metric, aggregate::SegmentKey},
    store::entity,
};
use sea_orm::{ActiveValue::Set, EntityTrait};

const SERVICES: usize = 1_000;
const OWNERS: usize = 300;
const DEPARTMENTS: usize = 10;
const ROUNDS: usize = 8;

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let settings = common::bench_settings(dir.path(), "report").await;
    let app = Application::build(settings).await.expect("app starts");
    let state = app.state().clone();
    let actor = Actor::cli();
    let now = state.clock.now();
    let seeding = Instant::now();

    let mut departments = Vec::new();
    for d in 0..DEPARTMENTS {
        departments.push(
            nyttopuls::usecases::catalogue::save_department(
                &state,
                &actor,
                None,
                format!("Förvaltning {d}"),
            )
            .await
            .unwrap()
            .id,
        );
    }
    let mut owners = Vec::new();
    for o in 0..OWNERS {
        let email = Email::parse(&format!("agare{o}@kommun.example")).unwrap();
        owners.push(
            nyttopuls::usecases::catalogue::save_owner(
                &state,
                &actor,
                None,
                format!("Ägare {o}"),
                email,
                Some(departments[o % DEPARTMENTS]),
            )
            .await
            .unwrap()
            .id,
        );
    }
    let mut service_ids = Vec::new();
    for s in 0..SERVICES {
        let service = NewService::parse(
            &format!("Tjänst {s}"),
            &format!("tjanst-{s}"),
            None,
            Some(owners[s % OWNERS]),
            Some(departments[s % DEPARTMENTS]),
            Some(50 + (s as i64 * 37) % 3_000),
            Some(100_000 + (s as i64 * 7_919) % 2_000_000),
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
    // Eight quarters ending with the last one that has ended.
    let last = ReportPeriod::last_ended_quarter(now);
    let mut periods = vec![last];
    for _ in 1..ROUNDS {
        periods.push(periods.last().unwrap().previous());
    }
    periods.reverse();
    let mut seed = 0x5eed_u64;
    let mut round_id = 0;
    for (s, service_id) in service_ids.iter().enumerate() {
        let rounds: Vec<entity::round::ActiveModel> = periods
            .iter()
            .map(|period| {
                let (start, _) = period.range();
                entity::round::ActiveModel {
                    programme_id: Set(programme.id),
                    service_id: Set(*service_id),
                    questionnaire_id: Set(questionnaire.id),
                    period: Set(period.key()),
                    opens_at: Set(start + chrono::Duration::hours(8)),
                    closes_at: Set(start + chrono::Duration::days(21)),
                    status: Set(entity::round::Status::Closed),
                    invited: Set(80),
                    answered: Set(30),
                    reminders_done: Set(1),
                    released_answers: Set(Some(if s % 17 == 0 { 3 } else { 30 })),
                    delivered: Set(Some(78)),
                    digest_queued_at: Set(Some(now)),
                    ..Default::default()
                }
            })
            .collect();
        entity::round::Entity::insert_many(rounds)
            .exec_without_returning(&state.db)
            .await
            .unwrap();
        let mut figures = Vec::new();
        for r in 0..ROUNDS {
            round_id += 1;
            if s % 17 == 0 {
                continue; // too few answers: no figures
            }
            for (metric, base) in [
                (Metric::Sus, 55.0),
                (Metric::Nyttoindex, 50.0),
                (Metric::Tidsvinst, 10.0),
            ] {
                let mean = base + (rng(&mut seed) % 300) as f64 / 10.0 + r as f64;
                figures.push(entity::round_aggregate::ActiveModel {
                    round_id: Set(round_id),
                    metric: Set(metric.as_str().to_owned()),
                    segment: Set(SegmentKey::All.to_stored()),
                    responses: Set(30),
                    n: Set(30),
                    mean: Set(Some(mean)),
                    sd: Set(Some(12.0)),
                    ci_low: Set(Some(mean - 4.5)),
                    ci_high: Set(Some(mean + 4.5)),
                    median: Set(Some(mean)),
                    promoters: Set(None),
                    detractors: Set(None),
                });
            }
        }
        if !figures.is_empty() {
            entity::round_aggregate::Entity::insert_many(figures)
                .exec_without_returning(&state.db)
                .await
                .unwrap();
        }
    }
    println!(
        "seeded {SERVICES} services × {ROUNDS} closed rounds of figures in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    for attempt in 1..=3 {
        let started = Instant::now();
        let report = nyttopuls::usecases::reports::nyttoanalys_of(&state, &actor, last, true)
            .await
            .unwrap()
            .report;
        let generated = started.elapsed();
        let json = serde_json::to_vec(&report).unwrap();
        let after_json = started.elapsed();
        let html = nyttopuls::reports::html(&report).unwrap();
        let after_html = started.elapsed();
        let csv = nyttopuls::reports::csv(&report).unwrap();
        let after_csv = started.elapsed();
        let xlsx = nyttopuls::reports::xlsx(&report).unwrap();
        let total = started.elapsed();
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
        println!(
            "run {attempt}: nyttoanalys {} of {SERVICES} services in all four formats: {:.2} s \
             (generate and store {:.0} ms, JSON {:.0} ms / {} kB, HTML {:.0} ms / {} kB, CSV {:.0} ms / {} kB, \
             XLSX {:.0} ms / {} kB; target ≤ 5 s)",
            report.period,
            total.as_secs_f64(),
            ms(generated),
            ms(after_json - generated),
            json.len() / 1000,
            ms(after_html - after_json),
            html.len() / 1000,
            ms(after_csv - after_html),
            csv.len() / 1000,
            ms(total - after_csv),
            xlsx.len() / 1000,
        );
    }
}
