//! Scheduled jobs. Each job is one idempotent step function returning what it did, so
//! the scheduler, the CLI (`run-job NAME`), the API and tests all call the same code;
//! the scheduler only wires jobs to times.

mod close_rounds;
mod dispatch_outbox;
mod open_rounds;
mod purge;
pub mod scheduler;
mod send_reminders;

use std::{fmt, str::FromStr};

use chrono::{Duration, Utc};

pub use dispatch_outbox::dispatch_outbox;
pub use open_rounds::open_due_rounds;

use crate::{domain::Error, store, usecases::AppState};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobName {
    OpenRounds,
    DispatchOutbox,
    SendReminders,
    CloseRounds,
    Purge,
}

impl JobName {
    pub const ALL: [JobName; 5] = [
        Self::OpenRounds,
        Self::DispatchOutbox,
        Self::SendReminders,
        Self::CloseRounds,
        Self::Purge,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::OpenRounds => "open_rounds",
            Self::DispatchOutbox => "dispatch_outbox",
            Self::SendReminders => "send_reminders",
            Self::CloseRounds => "close_rounds",
            Self::Purge => "purge",
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
    let lease_name = job.as_str();
    let holder = state.instance_id.as_str();
    if !store::leases::try_acquire(
        &state.db,
        lease_name,
        holder,
        Duration::minutes(15),
        Utc::now(),
    )
    .await?
    {
        return Ok(JobReport {
            job: job.to_string(),
            ran: false,
            counts: Default::default(),
        });
    }
    let result = match job {
        JobName::OpenRounds => open_due_rounds(state).await,
        JobName::DispatchOutbox => dispatch_outbox(state).await,
        JobName::SendReminders => send_reminders::send_reminders(state).await,
        JobName::CloseRounds => close_rounds::close_rounds(state).await,
        JobName::Purge => purge::purge(state).await,
    };
    store::leases::release(&state.db, lease_name, holder).await?;
    Ok(JobReport {
        job: job.to_string(),
        ran: true,
        counts: result?,
    })
}
