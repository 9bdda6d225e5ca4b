//! Results: a service's series of rounds, an owner's and a förvaltning's services with
//! their combined figures, a round's comments, and `recompute`. Every figure passes the
//! anonymity threshold (`survey.min_group_size`) in `stats::series`; an owner reaches
//! only their own services, an admin everything.

use std::collections::BTreeMap;

use super::{AppState, Counts};
use crate::{
    domain::{
        Actor, Error, RoundStatus, Service, ServiceFilter, questionnaire::ItemKind, survey::Round,
    },
    stats::{
        self, Metric, Nyttokalkyl,
        aggregate::round_aggregates,
        series::{
            Combined, Figure, RoundFacts, RoundSeriesEntry, Trend, combine_latest, service_series,
        },
    },
    store,
};

/// One service's rounds (oldest first) and trends.
#[derive(Debug, Clone)]
pub struct ServiceResults {
    pub service: Service,
    pub rounds: Vec<RoundSeriesEntry>,
    pub trends: Vec<Trend>,
    /// From the latest round whose tidsvinst is shown.
    pub nyttokalkyl: Option<Nyttokalkyl>,
}

/// Several services (an owner's, a förvaltning's) and their combined latest figures.
#[derive(Debug, Clone)]
pub struct GroupResults {
    pub services: Vec<ServiceResults>,
    pub combined: BTreeMap<Metric, Combined>,
}

fn min_group_size(state: &AppState) -> usize {
    state.settings.survey.min_group_size as usize
}

pub async fn service_results(
    state: &AppState,
    actor: &Actor,
    service_id: i32,
) -> Result<ServiceResults, Error> {
    let service = store::catalogue::get_service(&state.db, service_id).await?;
    if !actor.may_read_owned_by(service.owner_id) {
        return Err(Error::Forbidden(
            "an owner may read only their own services' results".into(),
        ));
    }
    series_of(state, service).await
}

/// A round as the series reads it. A closed round keeps the delivered count taken at
/// close (invitations are purged later); an open round's is counted now.
async fn facts_of(state: &AppState, round: Round) -> Result<RoundFacts, Error> {
    let count = |n: i32| {
        u64::try_from(n).map_err(|_| Error::bug(format!("round {} has a count of {n}", round.id)))
    };
    let delivered = match round.delivered {
        Some(delivered) => count(delivered)?,
        None => store::results::delivered_now(&state.db, round.id).await?,
    };
    Ok(RoundFacts {
        round_id: round.id,
        period: round.period.clone(),
        closed: round.status == RoundStatus::Closed,
        invited: count(round.invited)?,
        delivered,
        answered: count(round.answered)?,
        released: round.released_answers.map(count).transpose()?,
    })
}

async fn series_of(state: &AppState, service: Service) -> Result<ServiceResults, Error> {
    let mut rounds = Vec::new();
    for round in store::rounds::of_service(&state.db, service.id).await? {
        rounds.push(facts_of(state, round).await?);
    }
    let ids: Vec<i32> = rounds.iter().map(|r| r.round_id).collect();
    let aggregates = store::results::aggregates_of(&state.db, &ids).await?;
    let (rounds, trends) = service_series(&rounds, &aggregates, min_group_size(state));
    let survey = &state.settings.survey;
    let nyttokalkyl = rounds
        .iter()
        .rev()
        .find_map(|entry| match entry.figures.get(&Metric::Tidsvinst)? {
            Figure::Shown(tidsvinst) => tidsvinst.mean,
            Figure::TooFewAnswers => None,
        })
        .map(|minutes| {
            stats::nyttokalkyl(
                minutes,
                survey.working_weeks,
                service.users_count.max(0) as u32,
                survey.hourly_cost_sek,
                service.annual_cost_sek as f64,
            )
        });
    Ok(ServiceResults {
        service,
        rounds,
        trends,
        nyttokalkyl,
    })
}

pub(crate) async fn group_of(
    state: &AppState,
    filter: ServiceFilter,
) -> Result<GroupResults, Error> {
    let mut services = Vec::new();
    for service in store::catalogue::every_service(&state.db, &filter).await? {
        services.push(series_of(state, service).await?);
    }
    Ok(GroupResults {
        combined: combine_latest(
            services.iter().map(|s| s.rounds.as_slice()),
            min_group_size(state),
        ),
        services,
    })
}

/// An objektägare's services and their answer-weighted figures; the owner themself or
/// an admin.
pub async fn owner_results(
    state: &AppState,
    actor: &Actor,
    owner_id: i32,
) -> Result<GroupResults, Error> {
    store::catalogue::get_owner(&state.db, owner_id).await?;
    if actor.owner_scope().is_some_and(|mine| mine != owner_id) {
        return Err(Error::Forbidden(
            "an owner may read only their own results".into(),
        ));
    }
    group_of(
        state,
        ServiceFilter {
            owner_id: Some(owner_id),
            ..ServiceFilter::default()
        },
    )
    .await
}

/// A förvaltning's services and their answer-weighted figures (admin).
pub async fn department_results(
    state: &AppState,
    actor: &Actor,
    department_id: i32,
) -> Result<GroupResults, Error> {
    actor.require_admin()?;
    store::catalogue::get_department(&state.db, department_id).await?;
    group_of(
        state,
        ServiceFilter {
            department_id: Some(department_id),
            ..ServiceFilter::default()
        },
    )
    .await
}

/// A round's comments, or withheld.
#[derive(Debug, Clone, PartialEq)]
pub enum Comments {
    Shown(Vec<String>),
    /// The round released nothing (fewer answers than the threshold) or is still open.
    TooFewAnswers,
    Pending,
}

/// The free-text answers of a closed round of this service (its owner or an admin).
pub async fn round_comments(
    state: &AppState,
    actor: &Actor,
    service_id: i32,
    round_id: i32,
) -> Result<Comments, Error> {
    let service = store::catalogue::get_service(&state.db, service_id).await?;
    if !actor.may_read_owned_by(service.owner_id) {
        return Err(Error::Forbidden(
            "an owner may read only their own services' comments".into(),
        ));
    }
    let round = store::rounds::get(&state.db, round_id).await?;
    if round.service_id != service_id {
        return Err(Error::NotFound {
            entity: "round",
            id: round_id.to_string(),
        });
    }
    let Some(released) = round.released_answers else {
        return Ok(Comments::Pending);
    };
    if (released as usize) < min_group_size(state) {
        return Ok(Comments::TooFewAnswers);
    }
    let questionnaire = state
        .questionnaires
        .get(&state.db, round.questionnaire_id)
        .await?;
    let keys: Vec<String> = questionnaire
        .items
        .iter()
        .filter(|item| item.kind == ItemKind::Text)
        .map(|item| item.key.clone())
        .collect();
    Ok(Comments::Shown(
        store::results::comments(&state.db, round_id, &keys).await?,
    ))
}

/// Rounds whose figures are replaced in one transaction by `recompute`: few enough to
/// keep each transaction short, enough that commits do not dominate.
const RECOMPUTE_BATCH: usize = 100;

/// Rebuilds every released round's figures from its responses (after a definition fix).
/// Each batch of rounds is replaced in one transaction, so running it again, or after
/// an interruption, gives the same figures.
pub async fn recompute(
    state: &AppState,
    actor: &Actor,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Counts, Error> {
    actor.require_admin()?;
    let rounds = store::results::released_rounds(&state.db).await?;
    let total = rounds.len() as u64;
    let mut figures = 0u64;
    let mut done = 0u64;
    for batch in rounds.chunks(RECOMPUTE_BATCH) {
        let mut computed = Vec::with_capacity(batch.len());
        for &(round_id, questionnaire_id) in batch {
            let questionnaire = state
                .questionnaires
                .get(&state.db, questionnaire_id)
                .await?;
            let responses = store::results::released_responses(&state.db, round_id).await?;
            let aggregates =
                round_aggregates(&questionnaire.items, responses.iter().map(|(s, a)| (s, a)));
            figures += aggregates.len() as u64;
            computed.push((round_id, aggregates));
        }
        super::in_transaction(&state.db, async |txn| {
            for (round_id, aggregates) in &computed {
                store::results::replace_aggregates(txn, *round_id, aggregates).await?;
            }
            Ok(())
        })
        .await?;
        done += batch.len() as u64;
        progress(done, total);
    }
    Ok(Counts::from([("rounds", total), ("figures", figures)]))
}
