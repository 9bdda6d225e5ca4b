//! `open_rounds`: open this period's rounds of every programme whose schedule has fired
//! in the current period (so a run missed while the server was down is caught up), and
//! queue the invitations.

use chrono::Utc;

use super::Counts;
use crate::{
    app::AppState,
    domain::{Error, programme::Programme},
    store::{self, rounds::OpeningRules},
};

fn rules(state: &AppState) -> OpeningRules {
    OpeningRules {
        min_days_between_invitations: state.settings.survey.min_days_between_invitations,
        links: crate::domain::survey::Links::new(&state.settings.server.public_url),
    }
}

/// Due: the schedule fired since the programme was created, within the current period.
fn is_due(programme: &Programme, now: chrono::DateTime<Utc>) -> bool {
    programme
        .schedule
        .last_fire_between(programme.created_at, now)
        .is_some_and(|fired| programme.period.key_at(fired) == programme.period.key_at(now))
}

pub async fn open_due_rounds(state: &AppState) -> Result<Counts, Error> {
    let now = Utc::now();
    let mut counts = Counts::new();
    for programme in store::programmes::list(&state.db, true).await? {
        if is_due(&programme, now) {
            let outcome =
                store::rounds::open_for_programme(&state.db, &programme, now, &rules(state))
                    .await?;
            *counts.entry("rounds_opened").or_default() += outcome.rounds_opened as u64;
            *counts.entry("invitations").or_default() += outcome.invitations as u64;
        }
    }
    Ok(counts)
}

/// Opens a programme's rounds for the current period now, whatever its schedule says
/// (an admin's "run now", or the programme's own timer).
pub async fn run_programme(
    state: &AppState,
    programme_id: i32,
) -> Result<store::rounds::OpenOutcome, Error> {
    let programme = store::programmes::get(&state.db, programme_id).await?;
    if !programme.active {
        return Err(Error::Conflict(format!(
            "programme {programme_id} is not active"
        )));
    }
    store::rounds::open_for_programme(&state.db, &programme, Utc::now(), &rules(state)).await
}
