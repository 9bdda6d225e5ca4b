//! The metrics registry: requests by route and status, a latency histogram, the
//! database pool, and dispatch runs stopped by the mail relay, rendered as Prometheus
//! text. Kept small and in-process: a handful of counters does not justify a metrics
//! framework. Its own module, below the use cases that count into it and the web layer
//! that records requests and serves `/metrics`.

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

use crate::mail::RelayFailure;

const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

#[derive(Default)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    /// Per [`RelayFailure::ALL`] entry.
    mail_failures: [AtomicU64; RelayFailure::ALL.len()],
}

impl Metrics {
    /// A dispatch run the relay stopped (counted once per run, not per message).
    pub fn count_mail_failure(&self, kind: RelayFailure) {
        let index = RelayFailure::ALL
            .iter()
            .position(|k| *k == kind)
            .expect("every kind is listed");
        self.mail_failures[index].fetch_add(1, Ordering::Relaxed);
    }

    /// One request answered: `route` is a pattern or a fixed label, never a raw path.
    pub fn observe(&self, route: &str, method: &str, status: u16, seconds: f64) {
        let mut requests = self.requests.lock().expect("metrics lock");
        *requests
            .entry((route.to_owned(), method.to_owned(), status))
            .or_default() += 1;
        drop(requests);
        let mut latency = self.latency.lock().expect("metrics lock");
        let histogram = latency.entry(route.to_owned()).or_default();
        for (bucket, bound) in histogram.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        histogram.count += 1;
        histogram.sum += seconds;
    }

    /// The exposition text, with the pool gauges supplied by the caller.
    pub fn render(&self, pool_size: u32, pool_idle: usize) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP nyttopuls_http_requests_total HTTP requests by route, method and status.\n",
        );
        out.push_str("# TYPE nyttopuls_http_requests_total counter\n");
        for ((route, method, status), count) in self.requests.lock().expect("metrics lock").iter() {
            let _ = writeln!(
                out,
                "nyttopuls_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {count}"
            );
        }
        out.push_str("# HELP nyttopuls_http_request_duration_seconds Request latency by route.\n");
        out.push_str("# TYPE nyttopuls_http_request_duration_seconds histogram\n");
        for (route, histogram) in self.latency.lock().expect("metrics lock").iter() {
            for (count, bound) in histogram.buckets.iter().zip(BUCKETS) {
                let _ = writeln!(
                    out,
                    "nyttopuls_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "nyttopuls_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}\n\
                 nyttopuls_http_request_duration_seconds_sum{{route=\"{route}\"}} {}\n\
                 nyttopuls_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                histogram.count, histogram.sum, histogram.count
            );
        }
        let _ = write!(
            out,
            "# HELP nyttopuls_db_pool_connections Open database connections.\n\
             # TYPE nyttopuls_db_pool_connections gauge\n\
             nyttopuls_db_pool_connections {pool_size}\n\
             # HELP nyttopuls_db_pool_idle_connections Idle database connections.\n\
             # TYPE nyttopuls_db_pool_idle_connections gauge\n\
             nyttopuls_db_pool_idle_connections {pool_idle}\n"
        );
        out.push_str(
            "# HELP nyttopuls_mail_failures_total Dispatch runs stopped because the mail relay \
             refused us (auth, connection, sender); every message stayed queued.\n\
             # TYPE nyttopuls_mail_failures_total counter\n",
        );
        for (kind, count) in RelayFailure::ALL.iter().zip(&self.mail_failures) {
            let _ = writeln!(
                out,
                "nyttopuls_mail_failures_total{{kind=\"{kind}\"}} {}",
                count.load(Ordering::Relaxed)
            );
        }
        out
    }
}
