//! The portfolio view of insatser: each insats's benefits as the surveys measured them
//! after go-live, against the kalkyl its decision froze, and the ranking of those
//! awaiting a decision with the optimism correction from the followed-up ones. Computed
//! on request from the closed rounds' stored figures (a round closed with too few
//! answers released none: it counts as too few answers).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use chrono_tz::Europe::Stockholm;
use sea_orm::ConnectionTrait;

use super::valuation;
use crate::{
    domain::{
        Actor, Error, RoundStatus, ServiceFilter,
        insats::{
            Insats, InsatsFilter, InsatsStatus,
            nyttokalkyl::{current_version, decided_version},
        },
        period_first_day,
        survey::{Round, RoundResults},
    },
    stats::{
        aggregate::Aggregate,
        insatser::{
            Candidate, IndicatorPlan, IndicatorRealisation, KalkylFigures, Measure, MeasuredRound,
            Priority, ReferenceClass, Weights, insats_realised_share, kalkyl_figures, measure_of,
            prioritise, realise, reference_class,
        },
    },
    store::{self, insatser},
    usecases::AppState,
};

/// One measured benefit of an insats.
#[derive(Debug, Clone)]
pub struct BenefitRealisation {
    /// Its place in the kalkyl's list of benefits.
    pub index: usize,
    pub description: String,
    pub service_id: i32,
    pub realisation: IndicatorRealisation,
}

#[derive(Debug, Clone)]
pub struct InsatsRealisation {
    pub insats: Insats,
    /// The kalkyl version measured against: the decided one (the newest, before a
    /// decision); `None` without a kalkyl.
    pub version: Option<u32>,
    pub benefits: Vec<BenefitRealisation>,
    /// The mean of the benefits' latest realised shares.
    pub realised_share: Option<f64>,
}

/// Insats `id`'s benefits as measured, for whoever may read it.
pub async fn realisation(
    state: &AppState,
    actor: &Actor,
    id: i32,
) -> Result<InsatsRealisation, Error> {
    let insats = insatser::get(&state.db, id).await?;
    if !actor.may_read_owned_by(insats.details.owner_id) {
        return Err(Error::Forbidden(
            "an objektägare may read only the insatser where they are nyttoägare".into(),
        ));
    }
    realisations_of(&state.db, state, vec![insats])
        .await?
        .pop()
        .ok_or_else(|| Error::bug("an insats's realisation went missing"))
}

/// The realisation of each of `insatser`, in their order, read in one pass: their
/// versions, the rounds of every measured service and those rounds' whole-round figures.
pub(crate) async fn realisations_of(
    db: &impl ConnectionTrait,
    state: &AppState,
    insatser_list: Vec<Insats>,
) -> Result<Vec<InsatsRealisation>, Error> {
    let ids: Vec<i32> = insatser_list.iter().map(|i| i.id).collect();
    let versions = insatser::versions_of(db, &ids).await?;
    let mut by_insats: BTreeMap<i32, Vec<_>> = BTreeMap::new();
    for version in versions {
        by_insats
            .entry(version.insats_id)
            .or_default()
            .push(version);
    }
    let measured: Vec<i32> = by_insats
        .values()
        .flatten()
        .flat_map(|v| v.kalkyl.benefits.iter())
        .filter_map(|b| Some(b.indicator.as_ref()?.service_id))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    // Closed rounds only: one that closed with too few answers released none, and
    // counts as too few answers, never as a number.
    let rounds: Vec<Round> = store::rounds::of_services(db, &measured)
        .await?
        .into_iter()
        .filter(|r| r.status == RoundStatus::Closed)
        .collect();
    let round_ids: Vec<i32> = rounds
        .iter()
        .filter(|r| r.results() == RoundResults::Released)
        .map(|r| r.id)
        .collect();
    let figures: BTreeMap<(i32, crate::domain::Metric), Aggregate> =
        store::results::aggregates_of(db, &round_ids, true)
            .await?
            .into_iter()
            .map(|(round_id, aggregate)| ((round_id, aggregate.metric), aggregate))
            .collect();
    let users: BTreeMap<i32, u32> = store::catalogue::every_service(db, &ServiceFilter::default())
        .await?
        .into_iter()
        .map(|s| (s.id, u32::try_from(s.details.users_count).unwrap_or(0)))
        .collect();
    let min_group_size = state.settings.survey.min_group_size as usize;
    let valuation = valuation(state);
    let local_day = |at: chrono::DateTime<chrono::Utc>| at.with_timezone(&Stockholm).date_naive();
    Ok(insatser_list
        .into_iter()
        .map(|insats| {
            let versions = by_insats.remove(&insats.id).unwrap_or_default();
            let Some(version) = decided_version(&versions).or(current_version(&versions)) else {
                return InsatsRealisation {
                    insats,
                    version: None,
                    benefits: Vec::new(),
                    realised_share: None,
                };
            };
            let priced = kalkyl_figures(&version.kalkyl, valuation).benefits;
            // Before go-live no round counts yet: every indicator is pending.
            let live_on = insats.live_on.unwrap_or(NaiveDate::MAX);
            let benefits: Vec<BenefitRealisation> = version
                .kalkyl
                .benefits
                .iter()
                .enumerate()
                .filter_map(|(index, benefit)| {
                    let indicator = benefit.indicator.as_ref()?;
                    let measured_rounds: Vec<MeasuredRound> = rounds
                        .iter()
                        .filter(|r| r.service_id == indicator.service_id)
                        .filter_map(|r| {
                            let measure = match r.results() {
                                RoundResults::Released => measure_of(
                                    figures.get(&(r.id, indicator.metric))?,
                                    min_group_size,
                                )?,
                                RoundResults::TooFewAnswers => Measure::TooFewAnswers,
                                RoundResults::Pending => return None,
                            };
                            Some(MeasuredRound {
                                round_id: r.id,
                                period: r.period.clone(),
                                period_start: period_first_day(&r.period)
                                    .unwrap_or_else(|| local_day(r.opens_at)),
                                closed_on: local_day(r.closes_at),
                                measure,
                            })
                        })
                        .collect();
                    let plan = IndicatorPlan {
                        metric: indicator.metric,
                        target: indicator.target,
                        baseline: indicator.baseline.clone(),
                        planned_annual_sek: priced.get(index).and_then(|p| p.annual_sek),
                        users: benefit
                            .measured_users(users.get(&indicator.service_id).copied().unwrap_or(0)),
                    };
                    Some(BenefitRealisation {
                        index,
                        description: benefit.description.clone(),
                        service_id: indicator.service_id,
                        realisation: realise(&plan, live_on, &measured_rounds, valuation),
                    })
                })
                .collect();
            let indicators: Vec<IndicatorRealisation> =
                benefits.iter().map(|b| b.realisation.clone()).collect();
            InsatsRealisation {
                insats,
                version: Some(version.version),
                realised_share: insats_realised_share(&indicators),
                benefits,
            }
        })
        .collect())
}

/// An insats awaiting a decision, with its place and every component of its score.
#[derive(Debug, Clone)]
pub struct RankedInsats {
    pub insats: Insats,
    pub priority: Priority,
    /// The current kalkyl's figures; `None` without a kalkyl.
    pub figures: Option<KalkylFigures>,
}

#[derive(Debug, Clone)]
pub struct Priorities {
    /// Highest score first.
    pub ranked: Vec<RankedInsats>,
    /// From the followed-up insatser: the median realised share and how many.
    pub reference: ReferenceClass,
}

/// Proposals and assessed insatser ranked (Kommunledningskontoret's portfolio view).
pub async fn priorities(state: &AppState, actor: &Actor) -> Result<Priorities, Error> {
    actor.require_admin()?;
    let db = &state.db;
    let waiting = insatser::list(
        db,
        &InsatsFilter {
            statuses: vec![InsatsStatus::Proposal, InsatsStatus::Assessed],
            ..InsatsFilter::default()
        },
    )
    .await?;
    let followed_up = insatser::list(
        db,
        &InsatsFilter {
            statuses: vec![InsatsStatus::FollowedUp],
            ..InsatsFilter::default()
        },
    )
    .await?;
    let shares: Vec<f64> = realisations_of(db, state, followed_up)
        .await?
        .into_iter()
        .filter_map(|r| r.realised_share)
        .collect();
    let reference = reference_class(&shares);

    let ids: Vec<i32> = waiting.iter().map(|i| i.id).collect();
    let versions = insatser::versions_of(db, &ids).await?;
    let valuation = valuation(state);
    let mut figures: BTreeMap<i32, KalkylFigures> = BTreeMap::new();
    for insats in &waiting {
        let own: Vec<_> = versions
            .iter()
            .filter(|v| v.insats_id == insats.id)
            .cloned()
            .collect();
        if let Some(version) = current_version(&own) {
            figures.insert(insats.id, kalkyl_figures(&version.kalkyl, valuation));
        }
    }
    let candidates: Vec<Candidate> = waiting
        .iter()
        .map(|insats| {
            let kalkyl = figures.get(&insats.id);
            Candidate {
                insats_id: insats.id,
                pv_benefits_sek: kalkyl.map_or(0.0, |f| f.pv_benefits_sek),
                pv_costs_sek: kalkyl.map_or(0.0, |f| f.pv_costs_sek),
                npv_per_invested_krona: kalkyl.and_then(|f| f.npv_per_invested_krona),
                goal_count: insats.details.goal_ids.len(),
                urgency: insats.details.urgency,
                risk: insats.details.risk,
            }
        })
        .collect();
    let weights = state.settings.insatser.weights;
    let weights = Weights {
        npv_per_krona: weights.npv_per_krona,
        goals: weights.goals,
        urgency: weights.urgency,
        risk: weights.risk,
    };
    let mut by_id: BTreeMap<i32, Insats> = waiting.into_iter().map(|i| (i.id, i)).collect();
    let ranked = prioritise(&candidates, weights, reference)
        .into_iter()
        .filter_map(|priority| {
            Some(RankedInsats {
                insats: by_id.remove(&priority.insats_id)?,
                figures: figures.remove(&priority.insats_id),
                priority,
            })
        })
        .collect();
    Ok(Priorities { ranked, reference })
}
