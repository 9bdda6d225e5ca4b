//! Results: a service's series of rounds, an owner's and a förvaltning's services with
//! their combined figures, a round's comments, and `recompute`. Every figure passes the
//! anonymity threshold (`survey.min_group_size`) in `stats::series`, which also values
//! each round's tidsvinst (its nyttokalkyl) once; an owner reaches only their own
//! services, an admin everything.

use chrono::{DateTime, Utc};
use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex},
};

use super::{AppState, Counts};
use crate::{
    charts::ServiceRounds,
    domain::{
        Actor, Error, RoundStatus, Service, ServiceFilter, questionnaire::ItemKind,
        release::too_few, survey::Round,
    },
    stats::{
        Metric, Nyttokalkyl, Valuation,
        aggregate::{Aggregate, SegmentKey, round_aggregates},
        nyttoanalys::{Assessment, ServiceHistory, assess_service},
        series::{
            Combined, RoundFacts, RoundSeriesEntry, ServiceCosting, Trend, combine_latest,
            latest_nyttokalkyl, service_series,
        },
    },
    store,
};

/// One service's rounds (oldest first, each with its nyttokalkyl) and trends.
#[derive(Debug, Clone)]
pub struct ServiceResults {
    pub service: Service,
    pub rounds: Vec<RoundSeriesEntry>,
    pub trends: Vec<Trend>,
}

impl ServiceResults {
    /// The nyttokalkyl of the latest round whose tidsvinst is shown, with that round's
    /// period (it may be older than the latest closed round, and readers are told so).
    pub fn nyttokalkyl(&self) -> Option<(&str, &Nyttokalkyl)> {
        latest_nyttokalkyl(&self.rounds)
    }

    /// The service and its rounds, as `charts` reads them.
    pub fn for_charts(&self) -> ServiceRounds<'_> {
        ServiceRounds {
            service: &self.service,
            rounds: &self.rounds,
        }
    }
}

/// Several services (an owner's, a förvaltning's) and their combined latest figures.
#[derive(Debug, Clone)]
pub struct GroupResults {
    pub services: Vec<ServiceResults>,
    pub combined: BTreeMap<Metric, Combined>,
}

impl GroupResults {
    pub fn for_charts(&self) -> Vec<ServiceRounds<'_>> {
        self.services
            .iter()
            .map(ServiceResults::for_charts)
            .collect()
    }
}

fn min_group_size(state: &AppState) -> usize {
    state.settings.survey.min_group_size as usize
}

/// A service's results (its owner or an admin). The same results are shared, not built
/// again, while nothing they are made of has changed: the service, its rounds' counts and
/// each round's figures version (see [`ResultsMemory`]).
pub async fn service_results(
    state: &AppState,
    actor: &Actor,
    service_id: i32,
) -> Result<Arc<ServiceResults>, Error> {
    let service = store::catalogue::get_service(&state.db, service_id).await?;
    if !actor.may_read_owned_by(service.details.owner_id) {
        return Err(Error::Forbidden(
            "an owner may read only their own services' results".into(),
        ));
    }
    results_of_service(state, service).await
}

/// [`service_results`] for a reader whose access the caller has settled (a respondent's
/// link to the service).
pub(super) async fn results_of_service(
    state: &AppState,
    service: Service,
) -> Result<Arc<ServiceResults>, Error> {
    let service_id = service.id;
    let rounds = rounds_of(state, &[service_id], None)
        .await?
        .remove(&service_id)
        .unwrap_or_default();
    if let Some(kept) = state.figures.results_of(&service, &rounds) {
        return Ok(kept);
    }
    let results = Arc::new(
        series_from_rounds(
            state,
            vec![service.clone()],
            BTreeMap::from([(service_id, rounds.clone())]),
            Breakdown::Segments,
        )
        .await?
        .pop()
        .ok_or_else(|| Error::bug("a service's results went missing"))?,
    );
    state.figures.keep_results(service, rounds, results.clone());
    Ok(results)
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

/// A round as the results read it: its facts and which stored figures it has.
#[derive(Debug, Clone, PartialEq)]
struct ReadRound {
    facts: RoundFacts,
    figures_version: i64,
}

/// The stored figures of these rounds: from memory where the round's figures version
/// is the one they were read at, else read (and kept).
async fn figures_of(
    state: &AppState,
    rounds: &[&ReadRound],
    breakdown: Breakdown,
) -> Result<Vec<RoundFigures>, Error> {
    let (mut found, missing) = state.figures.lookup(rounds, breakdown);
    if !missing.is_empty() {
        let missing_ids: Vec<i32> = missing.iter().map(|(id, _)| *id).collect();
        let mut read: BTreeMap<i32, Vec<Aggregate>> =
            missing_ids.iter().map(|id| (*id, Vec::new())).collect();
        for (round_id, aggregate) in
            store::results::aggregates_in(&state.db, &missing_ids, breakdown.segments()).await?
        {
            read.entry(round_id).or_default().push(aggregate);
        }
        let read: Vec<(i32, i64, Arc<Vec<Aggregate>>)> = missing
            .into_iter()
            .map(|(id, version)| (id, version, Arc::new(read.remove(&id).unwrap_or_default())))
            .collect();
        state.figures.keep(breakdown, &read);
        found.extend(read.into_iter().map(|(id, _, figures)| (id, figures)));
    }
    Ok(found)
}

/// What the results keep in memory, so that a read costs little more than the small
/// reads that prove it current.
///
/// - Each closed round's figures, under the figures version its round had when they
///   were read. A round whose figures are replaced (a release, `recompute`, on any
///   instance or the command line) gets a new version, so its old figures are never
///   served, and every other round's stay kept.
/// - Each service's built results, with what they were built from (the service, its
///   rounds' facts and figures versions): while a fresh read of those is equal, the
///   same results are shared, so the API renders them once.
#[derive(Default)]
pub struct ResultsMemory {
    figures: Mutex<HashMap<(i32, Breakdown), VersionedFigures>>,
    services: Mutex<HashMap<i32, BuiltResults>>,
}

/// A round's figures and the figures version they were read at.
type VersionedFigures = (i64, Arc<Vec<Aggregate>>);

/// A service's results and what they were built from.
struct BuiltResults {
    service: Service,
    rounds: Vec<ReadRound>,
    results: Arc<ServiceResults>,
}

/// Rounds' figures kept at most (per breakdown), and services' results; past it the
/// memory starts afresh.
const KEPT_ROUNDS: usize = 20_000;
const KEPT_SERVICES: usize = 5_000;

/// A panic while holding one of the locks leaves at worst a partial map of correct
/// entries, so a poisoned lock is taken over.
fn locked<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl ResultsMemory {
    /// The figures kept of these rounds at their versions, and the (id, version) of the
    /// rounds not kept.
    fn lookup(
        &self,
        rounds: &[&ReadRound],
        breakdown: Breakdown,
    ) -> (Vec<RoundFigures>, Vec<(i32, i64)>) {
        let kept = locked(&self.figures);
        let mut found = Vec::with_capacity(rounds.len());
        let mut missing = Vec::new();
        for round in rounds {
            let id = round.facts.round_id;
            match kept.get(&(id, breakdown)) {
                Some((version, figures)) if *version == round.figures_version => {
                    found.push((id, figures.clone()))
                }
                _ => missing.push((id, round.figures_version)),
            }
        }
        (found, missing)
    }

    fn keep(&self, breakdown: Breakdown, read: &[(i32, i64, Arc<Vec<Aggregate>>)]) {
        let mut kept = locked(&self.figures);
        if kept.len() + read.len() > KEPT_ROUNDS {
            kept.clear();
        }
        for (id, version, figures) in read {
            kept.insert((*id, breakdown), (*version, figures.clone()));
        }
    }

    /// The results built before from this very service and these rounds, if any.
    fn results_of(&self, service: &Service, rounds: &[ReadRound]) -> Option<Arc<ServiceResults>> {
        let kept = locked(&self.services);
        let built = kept.get(&service.id)?;
        (built.service == *service && built.rounds == rounds).then(|| built.results.clone())
    }

    fn keep_results(&self, service: Service, rounds: Vec<ReadRound>, results: Arc<ServiceResults>) {
        let mut kept = locked(&self.services);
        if kept.len() >= KEPT_SERVICES {
            kept.clear();
        }
        kept.insert(
            service.id,
            BuiltResults {
                service,
                rounds,
                results,
            },
        );
    }
}

/// How much of each round a reader gets: figures per segment too (the results API's
/// breakdowns), or only over whole rounds (charts and dashboard tables), which reads a
/// fraction of the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Breakdown {
    Segments,
    WholeRounds,
    /// Whole rounds and the open link's answers (the nyttoanalys).
    WholeRoundsAndOpenLinks,
}

impl Breakdown {
    /// The segments read; `None`: every one.
    fn segments(self) -> Option<&'static [SegmentKey]> {
        const WHOLE: &[SegmentKey] = &[SegmentKey::All];
        const WITH_OPEN_LINKS: &[SegmentKey] = &[SegmentKey::All, SegmentKey::OpenLink];
        match self {
            Self::Segments => None,
            Self::WholeRounds => Some(WHOLE),
            Self::WholeRoundsAndOpenLinks => Some(WITH_OPEN_LINKS),
        }
    }
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
    let rounds = rounds_of(state, &ids, opened_before).await?;
    series_from_rounds(state, services, rounds, breakdown).await
}

/// The rounds of these services (oldest first) as the series reads them, by service:
/// two queries (rounds, and the delivered counts of open rounds).
async fn rounds_of(
    state: &AppState,
    service_ids: &[i32],
    opened_before: Option<DateTime<Utc>>,
) -> Result<BTreeMap<i32, Vec<ReadRound>>, Error> {
    let mut rounds = store::rounds::of_services(&state.db, service_ids).await?;
    if let Some(end) = opened_before {
        rounds.retain(|round| round.opens_at < end);
    }
    let counting: Vec<i32> = rounds
        .iter()
        .filter(|r| r.delivered.is_none())
        .map(|r| r.id)
        .collect();
    let delivered = if counting.is_empty() {
        HashMap::new()
    } else {
        store::results::delivered_now_of(&state.db, &counting).await?
    };
    let mut rounds_of: BTreeMap<i32, Vec<ReadRound>> = BTreeMap::new();
    for round in rounds {
        let (service_id, delivered_now) = (round.service_id, delivered.get(&round.id).copied());
        let figures_version = round.figures_version;
        rounds_of.entry(service_id).or_default().push(ReadRound {
            facts: facts_of(round, delivered_now)?,
            figures_version,
        });
    }
    Ok(rounds_of)
}

/// The series of these services from their rounds; one query for the figures not kept.
async fn series_from_rounds(
    state: &AppState,
    services: Vec<Service>,
    mut rounds_of: BTreeMap<i32, Vec<ReadRound>>,
    breakdown: Breakdown,
) -> Result<Vec<ServiceResults>, Error> {
    // Only rounds that released answers have figures.
    let released: Vec<&ReadRound> = rounds_of
        .values()
        .flatten()
        .filter(|r| r.facts.closed && r.facts.released.is_some_and(|n| n > 0))
        .collect();
    let aggregates = figures_of(state, &released, breakdown).await?;
    let mut aggregates_of: BTreeMap<i32, Vec<(i32, Aggregate)>> = BTreeMap::new();
    let service_of_round: BTreeMap<i32, i32> = rounds_of
        .iter()
        .flat_map(|(service, rounds)| rounds.iter().map(|r| (r.facts.round_id, *service)))
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
            let facts: Vec<RoundFacts> = rounds_of
                .remove(&service.id)
                .unwrap_or_default()
                .into_iter()
                .map(|r| r.facts)
                .collect();
            let figures = aggregates_of.remove(&service.id).unwrap_or_default();
            let costing = ServiceCosting {
                valuation: Valuation {
                    working_weeks: survey.working_weeks,
                    hourly_cost_sek: survey.hourly_cost_sek,
                },
                users: service.details.users_count.max(0) as u32,
                annual_cost_sek: service.details.annual_cost_sek as f64,
            };
            let (rounds, trends) =
                service_series(&facts, &figures, min_group_size(state), Some(costing));
            ServiceResults {
                service,
                rounds,
                trends,
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
    if !actor.may_read_owned_by(service.details.owner_id) {
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
    if too_few(released as usize, min_group_size(state)) {
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

/// Each service judged on its latest closed round by the nyttoanalys's own rules, so the
/// owner's page and digest flag what KLK's report flags.
pub fn assess_latest(
    state: &AppState,
    owner: (i32, &str),
    services: &[ServiceResults],
) -> Vec<Assessment> {
    services
        .iter()
        .filter_map(|results| {
            let closed: Vec<_> = results
                .rounds
                .iter()
                .filter(|e| e.round.closed)
                .cloned()
                .collect();
            let history = ServiceHistory {
                service_id: results.service.id,
                name: &results.service.details.name,
                owner: Some(owner),
                department: None,
                users: results.service.details.users_count,
                annual_cost_sek: results.service.details.annual_cost_sek,
                rounds: &closed,
                trends: &results.trends,
                last_in_period: !closed.is_empty(),
            };
            let assessment =
                assess_service(&history, state.settings.survey.min_group_size as usize);
            (!assessment.flags().is_empty() || !assessment.proposals.is_empty())
                .then_some(assessment)
        })
        .collect()
}
