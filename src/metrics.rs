//! The metrics registry (prometheus-client), rendered in Prometheus text format: what the
//! process counts as it goes (requests, sends, job runs, answers stored) and, at each
//! scrape, what the database holds (outbox depth, sealed answers, open rounds) and the
//! pool. Counters are atomics, so counting adds no lock to the answer path. Its own
//! module, below the use cases that count into it and the web layer that serves it.

use std::{borrow::Cow, sync::atomic::AtomicU64, time::SystemTime};

use prometheus_client::{
    encoding::{EncodeLabelSet, prometheus_text},
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};

use crate::{
    domain::{EmailKind, OutboxStatus},
    mail::RelayFailure,
};

/// The `Content-Type` of what [`Metrics::render`] returns.
pub const CONTENT_TYPE: &str = prometheus_text::CONTENT_TYPE;

const REQUEST_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];
/// From a dispatch run that found nothing to a nightly job over a large municipality.
const JOB_BUCKETS: [f64; 10] = [0.01, 0.05, 0.25, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SendFailureLabels {
    kind: &'static str,
    class: &'static str,
}

/// `job_name`, not `job`: Prometheus sets `job` on every series it scrapes (the scrape
/// job), and would rename ours to `exported_job`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    job_name: Cow<'static, str>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutboxLabels {
    status: &'static str,
    kind: &'static str,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

/// Why one message was not sent: the `class` label of `nyttopuls_mail_send_failures_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendFailure {
    /// Not taken this time; tried again with backoff.
    RetryLater,
    /// Retries ran out (`mail.max_attempts`): the message will not be sent.
    GaveUp,
    /// The recipient's address or mailbox was refused for good.
    Bounced,
    /// We could not build the message; it stays queued.
    NotBuilt,
    /// The relay refused us as a whole; the message stays queued.
    RelayRefused,
}

impl SendFailure {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RetryLater => "retry_later",
            Self::GaveUp => "gave_up",
            Self::Bounced => "bounced",
            Self::NotBuilt => "not_built",
            Self::RelayRefused => "relay_refused",
        }
    }
}

/// What the database and the pool hold at the moment of a scrape.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub pool_size: u32,
    pub pool_idle: usize,
    /// `None` when the database did not answer: its gauges are left out, and
    /// `nyttopuls_database_up` says 0.
    pub stored: Option<StoredFigures>,
}

#[derive(Debug, Clone, Default)]
pub struct StoredFigures {
    /// Messages by status and kind; a pair not listed has none.
    pub outbox: Vec<(OutboxStatus, EmailKind, u64)>,
    /// Answers of open rounds, sealed until their round closes.
    pub sealed_answers: u64,
    pub rounds_open: u64,
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Histograms<RouteLabels>,
    mail_failures: Family<KindLabels, Counter>,
    mail_sent: Family<KindLabels, Counter>,
    mail_send_failures: Family<SendFailureLabels, Counter>,
    job_runs: Family<JobLabels, Counter>,
    job_failures: Family<JobLabels, Counter>,
    job_duration: Histograms<JobLabels>,
    job_last_success: Family<JobLabels, Gauge<f64, AtomicU64>>,
    job_interval: Family<JobLabels, Gauge<f64, AtomicU64>>,
    answers_stored: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let requests = Family::default();
        registry.register(
            "nyttopuls_http_requests",
            "HTTP requests by route, method and status",
            Family::clone(&requests),
        );
        let latency: Histograms<RouteLabels> =
            Family::new_with_constructor(|| Histogram::new(REQUEST_BUCKETS));
        registry.register(
            "nyttopuls_http_request_duration_seconds",
            "Request latency by route",
            latency.clone(),
        );
        let mail_failures = Family::<KindLabels, Counter>::default();
        registry.register(
            "nyttopuls_mail_failures",
            "Dispatch runs stopped because the mail relay refused us (kind: auth, connection, \
             sender); every message stayed queued",
            mail_failures.clone(),
        );
        // Listed at 0 from the start, so a rate over them is defined before the first failure.
        for kind in RelayFailure::ALL {
            drop(mail_failures.get_or_create(&KindLabels {
                kind: kind.as_str(),
            }));
        }
        let mail_sent = Family::default();
        registry.register(
            "nyttopuls_mail_sent",
            "Emails the relay took, by kind",
            Family::clone(&mail_sent),
        );
        let mail_send_failures = Family::default();
        registry.register(
            "nyttopuls_mail_send_failures",
            "Emails not sent on an attempt, by kind and class (retry_later, gave_up, bounced, \
             not_built, relay_refused)",
            Family::clone(&mail_send_failures),
        );
        let job_runs = Family::default();
        registry.register(
            "nyttopuls_job_runs",
            "Job runs on this instance (a run skipped because another instance held the \
             job's lease is not counted)",
            Family::clone(&job_runs),
        );
        let job_failures = Family::default();
        registry.register(
            "nyttopuls_job_failures",
            "Job runs on this instance that failed",
            Family::clone(&job_failures),
        );
        let job_duration: Histograms<JobLabels> =
            Family::new_with_constructor(|| Histogram::new(JOB_BUCKETS));
        registry.register(
            "nyttopuls_job_duration_seconds",
            "How long job runs took, failed ones included",
            job_duration.clone(),
        );
        let job_last_success = Family::default();
        registry.register(
            "nyttopuls_job_last_success_timestamp_seconds",
            "When a run of the job last succeeded on this instance (Unix time); absent until \
             it has",
            Family::clone(&job_last_success),
        );
        let job_interval = Family::default();
        registry.register(
            "nyttopuls_job_interval_seconds",
            "The longest gap between two firings of the job's schedule (scheduler.*), for \
             alerts on a job without success; absent when the scheduler is off",
            Family::clone(&job_interval),
        );
        let answers_stored = Counter::default();
        registry.register(
            "nyttopuls_answers_stored",
            "Answers stored (sealed) by this instance",
            answers_stored.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            mail_failures,
            mail_sent,
            mail_send_failures,
            job_runs,
            job_failures,
            job_duration,
            job_last_success,
            job_interval,
            answers_stored,
        }
    }
}

impl Metrics {
    /// A dispatch run the relay stopped (counted once per run, not per message).
    pub fn count_mail_failure(&self, kind: RelayFailure) {
        self.mail_failures
            .get_or_create(&KindLabels {
                kind: kind.as_str(),
            })
            .inc();
    }

    /// One message the relay took.
    pub fn count_sent(&self, kind: EmailKind) {
        self.mail_sent
            .get_or_create(&KindLabels {
                kind: kind.as_str(),
            })
            .inc();
    }

    /// One message not sent on this attempt.
    pub fn count_send_failure(&self, kind: EmailKind, class: SendFailure) {
        self.mail_send_failures
            .get_or_create(&SendFailureLabels {
                kind: kind.as_str(),
                class: class.as_str(),
            })
            .inc();
    }

    /// One job run that held its lease, how long it took, and whether it succeeded
    /// (then `finished` becomes its last success).
    pub fn count_job_run(
        &self,
        job: impl Into<Cow<'static, str>>,
        seconds: f64,
        succeeded: bool,
        finished: SystemTime,
    ) {
        let labels = JobLabels {
            job_name: job.into(),
        };
        self.job_runs.get_or_create(&labels).inc();
        self.job_duration.get_or_create(&labels).observe(seconds);
        if succeeded {
            let unix = finished
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0.0, |since| since.as_secs_f64());
            self.job_last_success.get_or_create(&labels).set(unix);
        } else {
            self.job_failures.get_or_create(&labels).inc();
        }
    }

    /// How long the scheduled `job` may go between runs.
    pub fn set_job_interval(&self, job: impl Into<Cow<'static, str>>, seconds: f64) {
        self.job_interval
            .get_or_create(&JobLabels {
                job_name: job.into(),
            })
            .set(seconds);
    }

    /// Drops every series of a job that no longer runs (a programme ended or deleted), so
    /// its old last success does not fire an alert.
    pub fn forget_job(&self, job: impl Into<Cow<'static, str>>) {
        let labels = JobLabels {
            job_name: job.into(),
        };
        self.job_runs.remove(&labels);
        self.job_failures.remove(&labels);
        self.job_duration.remove(&labels);
        self.job_last_success.remove(&labels);
        self.job_interval.remove(&labels);
    }

    /// Answers stored in one batch.
    pub fn count_answers_stored(&self, answers: u64) {
        self.answers_stored.inc_by(answers);
    }

    /// One request answered: `route` is a pattern or a fixed label, never a raw path.
    pub fn observe(&self, route: &str, method: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                route: route.to_owned(),
                method: method.to_owned(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                route: route.to_owned(),
            })
            .observe(seconds);
    }

    /// The exposition text: what was counted, then the scrape's `snapshot`.
    pub fn render(&self, snapshot: &Snapshot) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_text::encode(&mut out, &self.registry);
        let _ = prometheus_text::encode(&mut out, &snapshot_registry(snapshot));
        out
    }
}

/// The scrape's figures as a registry of their own, made afresh each time, so a figure
/// that is gone (the database did not answer) is absent rather than stale.
fn snapshot_registry(snapshot: &Snapshot) -> Registry {
    let mut registry = Registry::default();
    let gauge = |registry: &mut Registry, name: &str, help: &str, value: i64| {
        let gauge = Gauge::<i64>::default();
        gauge.set(value);
        registry.register(name, help, gauge);
    };
    let whole = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    gauge(
        &mut registry,
        "nyttopuls_db_pool_connections",
        "Open database connections",
        i64::from(snapshot.pool_size),
    );
    gauge(
        &mut registry,
        "nyttopuls_db_pool_idle_connections",
        "Idle database connections",
        i64::try_from(snapshot.pool_idle).unwrap_or(i64::MAX),
    );
    gauge(
        &mut registry,
        "nyttopuls_database_up",
        "1 when the database answered this scrape's queries, else 0 (and the figures read \
         from it are absent)",
        i64::from(snapshot.stored.is_some()),
    );
    if let Some(stored) = &snapshot.stored {
        let outbox = Family::<OutboxLabels, Gauge>::default();
        // Every pair is listed, at 0 when empty, so a series never vanishes.
        for status in OutboxStatus::ALL {
            for kind in EmailKind::ALL {
                let count = stored
                    .outbox
                    .iter()
                    .find(|(s, k, _)| *s == status && *k == kind)
                    .map_or(0, |(_, _, n)| *n);
                outbox
                    .get_or_create(&OutboxLabels {
                        status: status.as_str(),
                        kind: kind.as_str(),
                    })
                    .set(whole(count));
            }
        }
        registry.register(
            "nyttopuls_outbox_messages",
            "Outbox messages by status (pending: waiting to be sent) and kind",
            outbox,
        );
        gauge(
            &mut registry,
            "nyttopuls_sealed_answers",
            "Answers of open rounds, sealed and waiting for their round to close and release them",
            whole(stored.sealed_answers),
        );
        gauge(
            &mut registry,
            "nyttopuls_rounds_open",
            "Rounds open (taking answers, or past their window and waiting for close_rounds)",
            whole(stored.rounds_open),
        );
    }
    registry
}
