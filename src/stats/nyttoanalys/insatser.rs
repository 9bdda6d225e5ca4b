//! The nyttoanalys's Insatser section, pure: the insatser decided in the period with the
//! kalkyl their decision froze, each measured benefit's realisation in the period's
//! rounds (too few answers is a status, never a number), and the proposal rule:
//!
//! - **Review the insats** (`review_insats`): a live insats has a benefit whose two latest
//!   released rounds after go-live (up to the period's end) both say `not_realised` or
//!   `worse`. Silent with fewer than two rounds after go-live, when either of the two had
//!   too few answers (no figure to judge by), and once the insats is followed up
//!   (Kommunledningskontoret has then already weighed it).
//!
//! Only rounds whose period begins before the report's period ends count, so a report
//! regenerated later says what it said.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{
    domain::{
        Metric,
        insats::{Insats, InsatsStatus},
        period_first_day,
    },
    stats::insatser::{IndicatorRealisation, KalkylFigures, RealisationStatus, RoundRealisation},
};

/// The section: codes and numbers, as the rest of the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InsatserSection {
    /// Decided in the period, in the order decided.
    pub decided: Vec<DecidedInsats>,
    /// Each measured benefit's round in the period, by insats.
    pub realisation: Vec<RealisationLine>,
    /// The insatser whose benefit is not realised.
    pub proposals: Vec<InsatsProposal>,
}

impl InsatserSection {
    pub fn is_empty(&self) -> bool {
        self.decided.is_empty() && self.realisation.is_empty() && self.proposals.is_empty()
    }
}

/// An insats and its nyttoägare, as each table names them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InsatsName {
    pub insats_id: i32,
    pub insats: String,
    pub owner_id: Option<i32>,
    pub owner: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecidedInsats {
    #[serde(flatten)]
    pub name: InsatsName,
    pub decided_on: NaiveDate,
    /// `None`: decided without a kalkyl (only an insats stored before kalkyls were
    /// required can be).
    pub kalkyl: Option<DecidedKalkyl>,
}

/// The figures of the kalkyl version the decision froze.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DecidedKalkyl {
    pub version: u32,
    pub investment_sek: f64,
    pub npv_sek: f64,
    pub pv_benefits_sek: f64,
    pub pv_costs_sek: f64,
    pub benefit_cost_ratio: Option<f64>,
    pub payback_year: Option<u32>,
}

/// One benefit measured in one round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RealisationLine {
    #[serde(flatten)]
    pub name: InsatsName,
    pub benefit: String,
    pub service_id: i32,
    pub service: String,
    pub metric: Metric,
    /// The round's period key.
    pub round: String,
    pub status: RealisationStatus,
    /// `None`: no baseline number (no round before go-live, or it had too few answers).
    pub baseline: Option<f64>,
    pub target: f64,
    /// `None` exactly when the status is `too_few_answers`.
    pub measured: Option<MeasuredLine>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeasuredLine {
    pub n: usize,
    pub mean: f64,
    pub ci: Option<(f64, f64)>,
    pub realised_share: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InsatsRule {
    ReviewInsats,
}

impl InsatsRule {
    pub const ALL: [Self; 1] = [Self::ReviewInsats];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReviewInsats => "review_insats",
        }
    }
}

/// A proposal about an insats, with the benefits and rounds that triggered it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InsatsProposal {
    #[serde(flatten)]
    pub name: InsatsName,
    pub rule: InsatsRule,
    /// Each benefit not realised, with its two latest rounds (older first).
    pub evidence: Vec<NotRealised>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotRealised {
    pub benefit: String,
    pub metric: Metric,
    pub baseline: Option<f64>,
    pub target: f64,
    pub rounds: Vec<RealisationLine>,
}

/// A measured benefit of an insats, as the section reads it.
#[derive(Debug, Clone)]
pub struct BenefitFacts<'a> {
    pub description: &'a str,
    pub service_id: i32,
    pub service: &'a str,
    pub realisation: &'a IndicatorRealisation,
}

/// An insats as the section reads it.
#[derive(Debug, Clone)]
pub struct InsatsFacts<'a> {
    pub insats: &'a Insats,
    pub owner: Option<&'a str>,
    /// The decided kalkyl version and its figures.
    pub decided: Option<(u32, &'a KalkylFigures)>,
    pub benefits: Vec<BenefitFacts<'a>>,
}

impl InsatsFacts<'_> {
    fn name(&self) -> InsatsName {
        InsatsName {
            insats_id: self.insats.id,
            insats: self.insats.details.name.clone(),
            owner_id: self.insats.details.owner_id,
            owner: self.owner.map(str::to_owned),
        }
    }
}

/// Whether a round's period begins before `end` (a key that does not parse counts: the
/// programmes only make keys that do).
fn begins_before(round: &RoundRealisation, end: NaiveDate) -> bool {
    period_first_day(&round.period).is_none_or(|first| first < end)
}

fn begins_within(round: &RoundRealisation, start: NaiveDate, end: NaiveDate) -> bool {
    period_first_day(&round.period).is_some_and(|first| first >= start && first < end)
}

/// The rounds after go-live that had begun by `end`, oldest first.
fn rounds_until(realisation: &IndicatorRealisation, end: NaiveDate) -> Vec<&RoundRealisation> {
    realisation
        .rounds
        .iter()
        .filter(|r| begins_before(r, end))
        .collect()
}

/// The rule: the two latest rounds of `rounds` (oldest first) when both say the benefit
/// is not realised or got worse; `None` otherwise.
pub fn benefit_not_realised<'a>(
    rounds: &[&'a RoundRealisation],
) -> Option<[&'a RoundRealisation; 2]> {
    let [.., before, last] = rounds else {
        return None;
    };
    let failing = |r: &RoundRealisation| {
        matches!(
            r.status,
            RealisationStatus::NotRealised | RealisationStatus::Worse
        )
    };
    (failing(before) && failing(last)).then_some([*before, *last])
}

fn line(facts: &InsatsFacts, benefit: &BenefitFacts, round: &RoundRealisation) -> RealisationLine {
    RealisationLine {
        name: facts.name(),
        benefit: benefit.description.to_owned(),
        service_id: benefit.service_id,
        service: benefit.service.to_owned(),
        metric: benefit.realisation.metric,
        round: round.period.clone(),
        status: round.status,
        baseline: benefit.realisation.baseline.value(),
        target: benefit.realisation.target,
        measured: round.measured.map(|m| MeasuredLine {
            n: m.n,
            mean: m.mean,
            ci: m.ci,
            realised_share: m.realised_share,
        }),
    }
}

/// The lines of the benefits of `facts` measured in round `round_id`: what an
/// objektägare's digest of that round says of their insatser.
pub fn realisation_in_round(facts: &InsatsFacts, round_id: i32) -> Vec<RealisationLine> {
    facts
        .benefits
        .iter()
        .flat_map(|benefit| {
            benefit
                .realisation
                .rounds
                .iter()
                .filter(move |r| r.round_id == round_id)
                .map(move |r| line(facts, benefit, r))
        })
        .collect()
}

/// The section for the period `[start, end)`.
pub fn insatser_section(
    start: NaiveDate,
    end: NaiveDate,
    insatser: &[InsatsFacts],
) -> InsatserSection {
    let mut section = InsatserSection::default();
    for facts in insatser {
        if let Some(decided_on) = facts
            .insats
            .decided_on
            .filter(|day| *day >= start && *day < end)
        {
            section.decided.push(DecidedInsats {
                name: facts.name(),
                decided_on,
                kalkyl: facts.decided.map(|(version, figures)| DecidedKalkyl {
                    version,
                    investment_sek: figures.years.first().map_or(0.0, |year0| year0.costs_sek),
                    npv_sek: figures.npv_sek,
                    pv_benefits_sek: figures.pv_benefits_sek,
                    pv_costs_sek: figures.pv_costs_sek,
                    benefit_cost_ratio: figures.benefit_cost_ratio,
                    payback_year: figures.payback_year,
                }),
            });
        }
        let mut evidence = Vec::new();
        for benefit in &facts.benefits {
            let rounds = rounds_until(benefit.realisation, end);
            section.realisation.extend(
                rounds
                    .iter()
                    .filter(|r| begins_within(r, start, end))
                    .map(|r| line(facts, benefit, r)),
            );
            if facts.insats.status == InsatsStatus::Live
                && let Some(two) = benefit_not_realised(&rounds)
            {
                evidence.push(NotRealised {
                    benefit: benefit.description.to_owned(),
                    metric: benefit.realisation.metric,
                    baseline: benefit.realisation.baseline.value(),
                    target: benefit.realisation.target,
                    rounds: two.iter().map(|r| line(facts, benefit, r)).collect(),
                });
            }
        }
        if !evidence.is_empty() {
            section.proposals.push(InsatsProposal {
                name: facts.name(),
                rule: InsatsRule::ReviewInsats,
                evidence,
            });
        }
    }
    section
        .decided
        .sort_by(|a, b| (a.decided_on, &a.name.insats).cmp(&(b.decided_on, &b.name.insats)));
    // Stable: each insats's benefits stay in the kalkyl's order.
    section.realisation.sort_by(|a, b| {
        (&a.name.insats, a.name.insats_id).cmp(&(&b.name.insats, b.name.insats_id))
    });
    section.proposals.sort_by(|a, b| {
        (&a.name.insats, a.name.insats_id).cmp(&(&b.name.insats, b.name.insats_id))
    });
    section
}

#[cfg(test)]
mod tests;
