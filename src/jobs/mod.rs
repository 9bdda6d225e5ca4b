//! Scheduled jobs. Each job is one idempotent step function returning what it did, so
//! the scheduler, the CLI (`run-job NAME`), the API and tests all call the same code;
//! the scheduler only wires jobs to times.

mod close_rounds;
mod dispatch_outbox;
mod open_rounds;
mod purge;
pub mod scheduler;
mod send_reminders;

use std::{fmt, str::FromStr, time::Duration};

pub use dispatch_outbox::dispatch_outbox;
pub use open_rounds::open_due_rounds;

use crate::{
    domain::{Actor, Error},
    usecases::{
        AppState, leases,
        rounds::{OpenOutcome, open_programme_rounds},
    },
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobName {
    OpenRounds,
    DispatchOutbox,
    SendReminders,
    CloseRounds,
    Purge,
    RenderCharts,
    SendReports,
}

impl JobName {
    pub const ALL: [JobName; 7] = [
        Self::OpenRounds,
        Self::DispatchOutbox,
        Self::SendReminders,
        Self::CloseRounds,
        Self::Purge,
        Self::RenderCharts,
        Self::SendReports,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::OpenRounds => "open_rounds",
            Self::DispatchOutbox => "dispatch_outbox",
            Self::SendReminders => "send_reminders",
            Self::CloseRounds => "close_rounds",
            Self::Purge => "purge",
            Self::RenderCharts => "render_charts",
            Self::SendReports => "send_reports",
        }
    }
}

impl FromStr for JobName {
    type Err = Error;

    fn from_str(raw: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|job| job.as_str() == raw)
            .ok_or_else(|| {
                Error::not_found(
                    "job",
                    format!(
                        "`{raw}` (jobs: {})",
                        Self::ALL.map(JobName::as_str).join(", ")
                    ),
                )
            })
    }
}

impl fmt::Display for JobName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one run did, in numbers a person can check.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct JobReport {
    pub job: String,
    /// False when another run (on this or another instance) held the job's lease.
    pub ran: bool,
    pub counts: std::collections::BTreeMap<&'static str, u64>,
}

/// Runs a job once, unless another run holds its lease (then `ran` is false).
pub async fn run(state: &AppState, job: JobName) -> Result<JobReport, Error> {
    run_within(state, job, Duration::ZERO).await
}

/// Like [`run`], but first waits out a lease left by a crashed instance; a lease still
/// renewed after that belongs to a live run that does the job, and `ran` is false.
pub async fn run_when_free(state: &AppState, job: JobName) -> Result<JobReport, Error> {
    run_within(state, job, leases::WAIT_FOR_A_CRASHED_HOLDER).await
}

async fn run_within(state: &AppState, job: JobName, wait: Duration) -> Result<JobReport, Error> {
    let work = async {
        match job {
            JobName::OpenRounds => open_due_rounds(state).await,
            JobName::DispatchOutbox => dispatch_outbox(state).await,
            JobName::SendReminders => send_reminders::send_reminders(state).await,
            JobName::CloseRounds => close_rounds::close_rounds(state).await,
            JobName::Purge => purge::purge(state).await,
            JobName::RenderCharts => {
                crate::usecases::charts::render_charts(state, &|_, _| {}).await
            }
            JobName::SendReports => crate::usecases::reports::send_reports(state).await,
        }
    };
    let counted = counted(state, job.as_str(), work);
    let counts = leases::run_leased(state, job.as_str(), wait, counted).await?;
    Ok(JobReport {
        job: job.to_string(),
        ran: counts.is_some(),
        counts: counts.unwrap_or_default(),
    })
}

/// Runs `work` and counts it in the job metrics under `job_name`: runs, duration, and
/// a failure or the time of this success.
async fn counted<T>(
    state: &AppState,
    job_name: impl Into<std::borrow::Cow<'static, str>>,
    work: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    let started = std::time::Instant::now();
    let result = work.await;
    let seconds = started.elapsed().as_secs_f64();
    let finished = std::time::SystemTime::now();
    state
        .metrics
        .count_job_run(job_name, seconds, result.is_ok(), finished);
    result
}

/// A programme's timer in the job metrics: each programme runs on its own schedule, so
/// each has its own last success and interval.
pub fn programme_job_name(programme_id: i32) -> String {
    format!("programme_{programme_id}")
}

/// Opens a programme's rounds for the current period now (its timer, or an admin's "run
/// now"). It holds the `open_rounds` lease, so no two openings on any instance apply
/// the fatigue rule at the same time and invite one person twice.
pub async fn run_programme(
    state: &AppState,
    actor: &Actor,
    programme_id: i32,
) -> Result<OpenOutcome, Error> {
    actor.require_admin()?;
    leases::run_leased(
        state,
        JobName::OpenRounds.as_str(),
        leases::WAIT_FOR_A_CRASHED_HOLDER,
        counted(
            state,
            programme_job_name(programme_id),
            open_programme_rounds(state, actor, programme_id),
        ),
    )
    .await?
    .ok_or_else(|| {
        Error::Conflict("another run is opening rounds right now; try again in a minute".into())
    })
}
