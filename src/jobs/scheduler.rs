//! Wires jobs to times with tokio-cron-scheduler: one timer per system job (`[scheduler]`
//! settings) and one per active programme, re-synced when a programme changes here (and
//! every minute, for changes made on another instance). Each timer arms a one-shot job
//! at the next firing that its [`CronSchedule`] computes in Europe/Stockholm time — the
//! same code that validated the schedule — and re-arms after it fired. (tokio-cron-
//! scheduler's own cron jobs keep the UTC offset in force when the job was created, so a
//! daily 08:00 job would fire at 09:00 all summer.) On start, the
//! time-driven jobs run once to catch up on runs missed while the server was down. Every
//! run takes its job's lease ([`crate::usecases::leases`]), which keeps a job to one run
//! at a time across instances.

use std::{
    collections::HashMap,
    sync::{Arc, Weak},
    time::Duration as StdDuration,
};

use chrono::{DateTime, Utc};
use tokio::sync::{Mutex, oneshot};
use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};

use super::JobName;
use crate::{
    config::SchedulerSettings,
    domain::{Actor, CronSchedule, Error},
    usecases::{AppState, programmes::active_schedules},
};

/// How often programme timers are compared with the database, for programmes created or
/// changed through another instance.
const RESYNC_EVERY: StdDuration = StdDuration::from_secs(60);

pub struct Scheduler {
    jobs: JobScheduler,
    programme_timers: Mutex<HashMap<i32, Timer>>,
    _system_timers: Vec<Timer>,
}

fn scheduler_error(error: JobSchedulerError) -> Error {
    Error::bug(format!("scheduler: {error}"))
}

/// A running timer; dropping it stops the timer at its next wait (a run in progress
/// finishes, so it never leaves a lease or a transaction behind).
struct Timer {
    schedule: String,
    _stop: oneshot::Sender<()>,
}

fn system_jobs(settings: &SchedulerSettings) -> [(JobName, &str); 7] {
    [
        (JobName::OpenRounds, &settings.open_rounds),
        (JobName::DispatchOutbox, &settings.dispatch_outbox),
        (JobName::SendReminders, &settings.send_reminders),
        (JobName::CloseRounds, &settings.close_rounds),
        (JobName::Purge, &settings.purge),
        (JobName::RenderCharts, &settings.render_charts),
        (JobName::SendReports, &settings.send_reports),
    ]
}

impl Scheduler {
    pub async fn start(state: AppState) -> Result<Arc<Self>, Error> {
        let jobs = JobScheduler::new().await.map_err(scheduler_error)?;
        jobs.start().await.map_err(scheduler_error)?;
        let mut system_timers = Vec::new();
        for (job, raw) in system_jobs(&state.settings.scheduler) {
            let schedule = CronSchedule::parse(raw)
                .map_err(|problem| Error::invalid(format!("scheduler.{job}"), problem))?;
            publish_interval(&state, job.as_str(), &schedule);
            let state = state.clone();
            system_timers.push(Timer::start(jobs.clone(), schedule, move || {
                let state = state.clone();
                async move { run_logged(&state, job).await }
            }));
        }
        let scheduler = Arc::new(Self {
            jobs,
            programme_timers: Mutex::default(),
            _system_timers: system_timers,
        });
        let programmes = scheduler.sync_programmes(&state).await?;
        tracing::info!(
            programmes,
            "scheduler started: system jobs and programme timers run on Europe/Stockholm time"
        );

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
        tokio::spawn(follow_programme_changes(
            Arc::downgrade(&scheduler),
            state.clone(),
        ));
        tokio::spawn(render_after_closes(Arc::downgrade(&scheduler), state));
        Ok(scheduler)
    }

    /// Makes the programme timers match the active programmes; returns how many there are.
    async fn sync_programmes(&self, state: &AppState) -> Result<usize, Error> {
        let wanted = active_schedules(state).await?;
        let mut timers = self.programme_timers.lock().await;
        timers.retain(|id, timer| match wanted.get(id) {
            Some(schedule) => schedule.as_str() == timer.schedule,
            None => {
                state.metrics.forget_job(super::programme_job_name(*id));
                false
            }
        });
        for (programme_id, schedule) in wanted {
            if timers.contains_key(&programme_id) {
                continue;
            }
            publish_interval(state, super::programme_job_name(programme_id), &schedule);
            let state = state.clone();
            let timer = Timer::start(self.jobs.clone(), schedule, move || {
                let state = state.clone();
                async move { run_programme_logged(&state, programme_id).await }
            });
            timers.insert(programme_id, timer);
        }
        Ok(timers.len())
    }
}

/// Tells the metrics how long `job` may go between runs on `schedule`: the longest gap
/// among its next sixteen firings, which span a weekday schedule's weekend.
fn publish_interval(
    state: &AppState,
    job: impl Into<std::borrow::Cow<'static, str>>,
    schedule: &CronSchedule,
) {
    if let Some(gap) = schedule.longest_gap(Utc::now(), 16) {
        state.metrics.set_job_interval(job, gap.as_seconds_f64());
    }
}

/// Re-syncs the programme timers on every change made here, and every minute, until the
/// scheduler is dropped.
async fn follow_programme_changes(scheduler: Weak<Scheduler>, state: AppState) {
    loop {
        tokio::select! {
            _ = state.programmes_changed.notified() => {}
            _ = tokio::time::sleep(RESYNC_EVERY) => {}
        }
        let Some(scheduler) = scheduler.upgrade() else {
            return;
        };
        if let Err(error) = scheduler.sync_programmes(&state).await {
            tracing::error!(%error, "could not update programme schedules");
        }
    }
}

/// How long after a round closes the charts are rendered: rounds closing together (the
/// nightly `close_rounds`) share one rendering.
const RENDER_AFTER_CLOSE: std::time::Duration = std::time::Duration::from_secs(2);

/// Runs `render_charts`, then `send_reports` (the objektägare's digests), shortly after
/// rounds close here, until the scheduler is dropped.
async fn render_after_closes(scheduler: Weak<Scheduler>, state: AppState) {
    loop {
        state.rounds_closed.notified().await;
        tokio::time::sleep(RENDER_AFTER_CLOSE).await;
        if scheduler.upgrade().is_none() {
            return;
        }
        run_logged(&state, JobName::RenderCharts).await;
        run_logged(&state, JobName::SendReports).await;
    }
}

impl Timer {
    /// Calls `fire` at every firing of `schedule`. A run that takes longer than the gap
    /// to the next firing skips the firings it overlapped rather than queueing them.
    fn start<F, Fut>(jobs: JobScheduler, schedule: CronSchedule, mut fire: F) -> Self
    where
        F: FnMut() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send,
    {
        let (stop_sender, mut stop) = oneshot::channel::<()>();
        let source = schedule.as_str().to_owned();
        tokio::spawn(async move {
            while let Some(next) = schedule.next_after(Utc::now()) {
                let (armed, due) = match arm_one_shot(&jobs, next).await {
                    Ok(armed) => armed,
                    Err(error) => {
                        tracing::error!(schedule = schedule.as_str(), %error, "timer stopped");
                        return;
                    }
                };
                tokio::select! {
                    _ = due => fire().await,
                    _ = &mut stop => {
                        let _ = jobs.remove(&armed).await;
                        return;
                    }
                }
            }
        });
        Self {
            schedule: source,
            _stop: stop_sender,
        }
    }
}

/// Adds a one-shot job that fires at `at`; returns its id and a receiver that completes
/// when it fired.
async fn arm_one_shot(
    jobs: &JobScheduler,
    at: DateTime<Utc>,
) -> Result<(uuid::Uuid, oneshot::Receiver<()>), JobSchedulerError> {
    let (fired, due) = oneshot::channel();
    let fired = std::sync::Mutex::new(Some(fired));
    let wait = (at - Utc::now()).to_std().unwrap_or_default();
    let job = Job::new_one_shot_at_instant_async(std::time::Instant::now() + wait, move |_, _| {
        if let Some(fired) = fired.lock().ok().and_then(|mut f| f.take()) {
            let _ = fired.send(());
        }
        Box::pin(async {})
    })?;
    Ok((jobs.add(job).await?, due))
}

/// Logs at INFO only what changed something, so an idle server stays quiet.
async fn run_logged(state: &AppState, job: JobName) {
    match super::run_when_free(state, job).await {
        Ok(report) if report.counts.values().any(|&n| n > 0) => {
            tracing::info!(job = %job, counts = ?report.counts, "job ran")
        }
        Ok(report) if report.ran => tracing::debug!(job = %job, "job ran; nothing to do"),
        Ok(_) => tracing::debug!(job = %job, "job run by another instance"),
        Err(error) => tracing::error!(job = %job, %error, "job failed"),
    }
}

async fn run_programme_logged(state: &AppState, programme_id: i32) {
    match super::run_programme(state, &Actor::system(), programme_id).await {
        Ok(outcome) if outcome.rounds_opened > 0 => tracing::info!(
            programme_id,
            rounds_opened = outcome.rounds_opened,
            invitations = outcome.invitations,
            "programme opened its rounds"
        ),
        Ok(_) => tracing::debug!(programme_id, "programme rounds already open this period"),
        Err(error) => tracing::error!(programme_id, %error, "programme run failed"),
    }
}
