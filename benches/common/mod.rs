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
