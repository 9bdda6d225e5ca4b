//! Wires jobs to times with tokio-cron-scheduler: the system jobs from
//! `[scheduler]` settings and one job per active programme, re-synced whenever a
//! programme changes. On start, the time-driven jobs run once to catch up on runs missed
//! while the server was down. Every run goes through [`super::run`], whose database
//! lease keeps a job to one instance at a time.

use std::collections::HashMap;

use chrono_tz::Europe::Stockholm;
use tokio::sync::Mutex;
use tokio_cron_scheduler::{Job, JobScheduler};
use uuid::Uuid;

use super::JobName;
use crate::{domain::Error, store, usecases::AppState};

pub struct Scheduler {
    inner: JobScheduler,
    programme_jobs: Mutex<HashMap<i32, (Uuid, String)>>,
}

fn scheduler_error(error: impl std::fmt::Display) -> Error {
    Error::bug(format!("scheduler: {error}"))
}

impl Scheduler {
    pub async fn start(state: AppState) -> Result<std::sync::Arc<Self>, Error> {
        let inner = JobScheduler::new().await.map_err(scheduler_error)?;
        let settings = &state.settings.scheduler;
        for (job, schedule) in [
            (JobName::OpenRounds, &settings.open_rounds),
            (JobName::DispatchOutbox, &settings.dispatch_outbox),
            (JobName::SendReminders, &settings.send_reminders),
            (JobName::CloseRounds, &settings.close_rounds),
            (JobName::Purge, &settings.purge),
        ] {
            let state = state.clone();
            let timed = Job::new_async_tz(schedule.as_str(), Stockholm, move |_, _| {
                let state = state.clone();
                Box::pin(async move { run_logged(&state, job).await })
            })
            .map_err(|e| Error::invalid(format!("scheduler.{job}"), format!("{e:?}")))?;
            inner.add(timed).await.map_err(scheduler_error)?;
        }
        inner.start().await.map_err(scheduler_error)?;
        let scheduler = std::sync::Arc::new(Self {
            inner,
            programme_jobs: Mutex::default(),
        });
        scheduler.sync_programmes(&state).await?;

        let catch_up = state.clone();
        tokio::spawn(async move {
            for job in [
                JobName::CloseRounds,
                JobName::OpenRounds,
                JobName::SendReminders,
                JobName::DispatchOutbox,
            ] {
                run_logged(&catch_up, job).await;
            }
        });
        let watcher = (scheduler.clone(), state.clone());
        tokio::spawn(async move {
            let (scheduler, state) = watcher;
            loop {
                state.programmes_changed.notified().await;
                if let Err(error) = scheduler.sync_programmes(&state).await {
                    tracing::error!(%error, "could not update programme schedules");
                }
            }
        });
        Ok(scheduler)
    }

    /// Makes the programme timers match the active programmes.
    async fn sync_programmes(&self, state: &AppState) -> Result<(), Error> {
        let programmes = store::programmes::list(&state.db, true).await?;
        let mut jobs = self.programme_jobs.lock().await;
        let wanted: HashMap<i32, String> = programmes
            .iter()
            .map(|p| (p.id, p.schedule.as_str().to_owned()))
            .collect();
        let stale: Vec<i32> = jobs
            .iter()
            .filter(|(id, (_, schedule))| wanted.get(id) != Some(schedule))
            .map(|(id, _)| *id)
            .collect();
        for id in stale {
            if let Some((uuid, _)) = jobs.remove(&id) {
                self.inner.remove(&uuid).await.map_err(scheduler_error)?;
            }
        }
        for (programme_id, schedule) in wanted {
            if jobs.contains_key(&programme_id) {
                continue;
            }
            let state = state.clone();
            let job = Job::new_async_tz(schedule.as_str(), Stockholm, move |_, _| {
                let state = state.clone();
                Box::pin(async move {
                    match crate::usecases::rounds::open_programme_rounds(
                        &state,
                        &crate::domain::Actor::system(),
                        programme_id,
                    )
                    .await
                    {
                        Ok(outcome) => tracing::info!(programme_id, ?outcome, "programme ran"),
                        Err(error) => tracing::error!(programme_id, %error, "programme run failed"),
                    }
                })
            });
            match job {
                Ok(job) => {
                    let uuid = self.inner.add(job).await.map_err(scheduler_error)?;
                    jobs.insert(programme_id, (uuid, schedule));
                }
                // The hourly open_rounds job still opens it on time (to the quarter hour).
                Err(error) => tracing::warn!(
                    programme_id,
                    ?error,
                    "programme schedule not understood by the timer"
                ),
            }
        }
        Ok(())
    }
}

async fn run_logged(state: &AppState, job: JobName) {
    match super::run(state, job).await {
        Ok(report) if report.ran => tracing::info!(job = %job, counts = ?report.counts, "job ran"),
        Ok(_) => tracing::debug!(job = %job, "job held by another run"),
        Err(error) => tracing::error!(job = %job, %error, "job failed"),
    }
}
