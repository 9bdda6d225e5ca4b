//! Results: a service's series of rounds, an owner's and a förvaltning's services with
//! their combined figures, a round's comments, and `recompute`. Every figure passes the
//! anonymity threshold (`survey.min_group_size`) in `stats::series`; an owner reaches
//! only their own services, an admin everything.

use chrono::{DateTime, Utc};
use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex},
};

use super::{AppState, Counts};
use crate::{
    domain::{
        Actor, Error, RoundStatus, Service, ServiceFilter, questionnaire::ItemKind, survey::Round,
    },
    stats::{
        self, Metric, Nyttokalkyl,
        aggregate::{Aggregate, round_aggregates},
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
    /// From the latest round whose tidsvinst is shown, with that round's period (it may
    /// be older than the latest closed round, and readers are told so).
    pub nyttokalkyl: Option<(String, Nyttokalkyl)>,
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
/// close (invitations are purged later); an open round's is `delivered_now`.
fn facts_of(round: Round, delivered_now: Option<u64>) -> Result<RoundFacts, Error> {
    let count = |n: i32| {
        u64::try_from(n).map_err(|_| Error::bug(format!("round {} has a count of {n}", round.id)))
    };
    let delivered = match round.delivered {
        Some(delivered) => count(delivered)?,
        None => delivered_now.unwrap_or(0),
    };
    Ok(RoundFacts {
        round_id: round.id,
        period: round.period.clone(),
        opens_at: round.opens_at,
        closed: round.status == RoundStatus::Closed,
        invited: count(round.invited)?,
        delivered,
        answered: count(round.answered)?,
        released: round.released_answers.map(count).transpose()?,
    })
}

/// A round's id and its stored figures, shared with the cache.
type RoundFigures = (i32, Arc<Vec<Aggregate>>);

/// The stored figures of these rounds: from memory while the figures generation in the
/// database is the one they were read at, else read (and kept).
async fn figures_of(
    state: &AppState,
    round_ids: &[i32],
    breakdown: Breakdown,
) -> Result<Vec<RoundFigures>, Error> {
    if round_ids.is_empty() {
        return Ok(Vec::new());
    }
    let generation = store::results::figures_generation(&state.db).await?;
    let (mut found, missing) = state.figures.lookup(generation, round_ids, breakdown);
    if !missing.is_empty() {
        let mut read: BTreeMap<i32, Vec<Aggregate>> =
            missing.iter().map(|id| (*id, Vec::new())).collect();
        let whole_rounds_only = breakdown == Breakdown::WholeRounds;
        for (round_id, aggregate) in
            store::results::aggregates_of(&state.db, &missing, whole_rounds_only).await?
        {
            read.entry(round_id).or_default().push(aggregate);
        }
        let read: Vec<RoundFigures> = read
            .into_iter()
            .map(|(id, figures)| (id, Arc::new(figures)))
            .collect();
        state.figures.keep(generation, breakdown, &read);
        found.extend(read);
    }
    Ok(found)
}

/// Closed rounds' figures kept in memory. They change only when a round's figures are
/// replaced (a release, `recompute`), which moves the figures generation in the
/// database: a lookup at another generation starts afresh, so figures replaced by
/// another instance or the command line are never served stale.
#[derive(Default)]
pub struct FiguresCache {
    kept: Mutex<KeptFigures>,
}

#[derive(Default)]
struct KeptFigures {
    generation: i64,
    rounds: HashMap<(i32, Breakdown), Arc<Vec<Aggregate>>>,
}

/// Rounds kept at most (per breakdown); past it the memory starts afresh.
const KEPT_ROUNDS: usize = 20_000;

impl FiguresCache {
    fn locked(&self) -> std::sync::MutexGuard<'_, KeptFigures> {
        // A panic while holding the lock leaves at worst a partial map of correct entries.
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The figures kept of `round_ids` at `generation`, and the ids not kept.
    fn lookup(
        &self,
        generation: i64,
        round_ids: &[i32],
        breakdown: Breakdown,
    ) -> (Vec<RoundFigures>, Vec<i32>) {
        let mut kept = self.locked();
        if kept.generation != generation {
            kept.rounds.clear();
            kept.generation = generation;
        }
        let mut found = Vec::with_capacity(round_ids.len());
        let mut missing = Vec::new();
        for id in round_ids {
            match kept.rounds.get(&(*id, breakdown)) {
                Some(figures) => found.push((*id, figures.clone())),
                None => missing.push(*id),
            }
        }
        (found, missing)
    }

    fn keep(&self, generation: i64, breakdown: Breakdown, read: &[RoundFigures]) {
        let mut kept = self.locked();
        if kept.generation != generation {
            return;
        }
        if kept.rounds.len() + read.len() > KEPT_ROUNDS {
            kept.rounds.clear();
        }
        for (id, figures) in read {
            kept.rounds.insert((*id, breakdown), figures.clone());
        }
    }
}

/// How much of each round a reader gets: figures per segment too (the results API's
/// breakdowns), or only over whole rounds (charts and dashboard tables), which reads a
/// fraction of the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Breakdown {
    Segments,
    WholeRounds,
}

async fn series_of(state: &AppState, service: Service) -> Result<ServiceResults, Error> {
    series_of_many(state, vec![service], Breakdown::Segments, None)
        .await?
        .pop()
        .ok_or_else(|| Error::bug("a service's results went missing"))
}

/// The series of several services, in three queries whatever their number (rounds,
/// delivered counts of open rounds, figures); with `opened_before`, only the rounds that
/// opened before then (a past period's view).
pub(crate) async fn series_of_many(
    state: &AppState,
    services: Vec<Service>,
    breakdown: Breakdown,
    opened_before: Option<DateTime<Utc>>,
) -> Result<Vec<ServiceResults>, Error> {
    let ids: Vec<i32> = services.iter().map(|s| s.id).collect();
    let mut rounds = store::rounds::of_services(&state.db, &ids).await?;
    if let Some(end) = opened_before {
        rounds.retain(|round| round.opens_at < end);
    }
    let counting: Vec<i32> = rounds
        .iter()
        .filter(|r| r.delivered.is_none())
        .map(|r| r.id)
        .collect();
    let delivered = store::results::delivered_now_of(&state.db, &counting).await?;
    let mut rounds_of: BTreeMap<i32, Vec<RoundFacts>> = BTreeMap::new();
    for round in rounds {
        let (service_id, delivered_now) = (round.service_id, delivered.get(&round.id).copied());
        rounds_of
            .entry(service_id)
            .or_default()
            .push(facts_of(round, delivered_now)?);
    }
    // Only rounds that released answers have figures.
    let released: Vec<i32> = rounds_of
        .values()
        .flatten()
        .filter(|r| r.closed && r.released.is_some_and(|n| n > 0))
        .map(|r| r.round_id)
        .collect();
    let aggregates = figures_of(state, &released, breakdown).await?;
    let mut aggregates_of: BTreeMap<i32, Vec<(i32, Aggregate)>> = BTreeMap::new();
    let service_of_round: BTreeMap<i32, i32> = rounds_of
        .iter()
        .flat_map(|(service, rounds)| rounds.iter().map(|r| (r.round_id, *service)))
        .collect();
    for (round_id, figures) in aggregates {
        if let Some(service) = service_of_round.get(&round_id) {
            aggregates_of
                .entry(*service)
                .or_default()
                .extend(figures.iter().map(|a| (round_id, a.clone())));
        }
    }
    let survey = &state.settings.survey;
    Ok(services
        .into_iter()
        .map(|service| {
            let facts = rounds_of.remove(&service.id).unwrap_or_default();
            let figures = aggregates_of.remove(&service.id).unwrap_or_default();
            let (rounds, trends) = service_series(&facts, &figures, min_group_size(state));
            let nyttokalkyl = rounds
                .iter()
                .rev()
                .find_map(|entry| match entry.figures.get(&Metric::Tidsvinst)? {
                    Figure::Shown(tidsvinst) => {
                        Some((&entry.round.period, tidsvinst.mean?, tidsvinst.ci))
                    }
                    Figure::TooFewAnswers => None,
                })
                .map(|(period, minutes, ci)| {
                    let kalkyl = stats::nyttokalkyl(
                        minutes,
                        ci,
                        stats::Valuation {
                            working_weeks: survey.working_weeks,
                            hourly_cost_sek: survey.hourly_cost_sek,
                        },
                        service.users_count.max(0) as u32,
                        service.annual_cost_sek as f64,
                    );
                    (period.clone(), kalkyl)
                });
            ServiceResults {
                service,
                rounds,
                trends,
                nyttokalkyl,
            }
        })
        .collect())
}

pub(crate) async fn group_of(
    state: &AppState,
    filter: ServiceFilter,
    breakdown: Breakdown,
) -> Result<GroupResults, Error> {
    let services = store::catalogue::every_service(&state.db, &filter).await?;
    let services = series_of_many(state, services, breakdown, None).await?;
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
    breakdown: Breakdown,
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
        breakdown,
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
        Breakdown::Segments,
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
