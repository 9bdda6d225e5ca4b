//! What the operations endpoints report: whether each dependency is there (readiness),
//! and the metrics with what the database holds at the moment of the scrape. Not
//! behind a role: probes and scrapers carry no API token.

use crate::{
    metrics::{Snapshot, StoredFigures},
    store,
};

use super::{AppState, answer_keys};

/// What `/readyz` found, one entry per dependency: `Err` says what is wrong.
#[derive(Debug)]
pub struct Readiness {
    pub database: Result<(), String>,
    pub answer_key: Result<(), String>,
    pub mail: Result<(), String>,
}

impl Readiness {
    /// Ready to take traffic: the database answers and the answer key can be had on a
    /// restart. Mail is not a condition: every email waits in the outbox until the relay
    /// takes it, so an unreachable relay must not take the answer pages down with it
    /// (`nyttopuls_mail_failures_total` alerts on it).
    pub fn is_ready(&self) -> bool {
        self.database.is_ok() && self.answer_key.is_ok()
    }
}

/// Checks every dependency (each on its own, so one failure does not hide another).
pub async fn readiness(state: &AppState) -> Readiness {
    let database = if store::ping(&state.db).await {
        Ok(())
    } else {
        Err("the database does not answer".to_owned())
    };
    Readiness {
        database,
        answer_key: answer_keys::check_still_present(&state.settings.survey, &state.answer_keys),
        mail: state.mailer.check_reachable().await,
    }
}

/// The exposition text: what this process counted, and the figures read from the
/// database now (one grouped query for the outbox, one count each for rounds and
/// sealed answers). A database that does not answer leaves those figures out rather
/// than failing the scrape.
pub async fn metrics_text(state: &AppState) -> String {
    let (pool_size, pool_idle) = store::pool_usage(&state.db);
    let stored = match stored_figures(state).await {
        Ok(figures) => Some(figures),
        Err(error) => {
            tracing::warn!(%error, "metrics: the database figures could not be read");
            None
        }
    };
    state.metrics.render(&Snapshot {
        pool_size,
        pool_idle,
        stored,
    })
}

async fn stored_figures(state: &AppState) -> Result<StoredFigures, crate::domain::Error> {
    let outbox = store::outbox::count_by_status_and_kind(&state.db).await?;
    let (rounds_open, sealed_answers) = store::rounds::count_open_and_sealed(&state.db).await?;
    Ok(StoredFigures {
        outbox,
        sealed_answers,
        rounds_open,
    })
}
