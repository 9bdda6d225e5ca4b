//! The nyttoanalys's Insatser section as the API gives it: the insatser decided in the
//! period with their decided nyttokalkyl, each measured benefit's realisation in the
//! period's rounds (no figure below the anonymity threshold), and the reviews proposed.

use poem_openapi::Object;

use super::ReportScoreDto;
use crate::{
    domain::Language,
    stats::nyttoanalys::insatser::{
        DecidedInsats, InsatsName, InsatsProposal, InsatserSection, MeasuredLine, NotRealised,
        RealisationLine,
    },
    wording,
};

#[derive(Object)]
pub(super) struct DecidedKalkylDto {
    /// The nyttokalkyl version the decision froze.
    version: u32,
    investment_sek: f64,
    /// Net present value, SEK.
    npv_sek: f64,
    pv_benefits_sek: f64,
    pv_costs_sek: f64,
    #[oai(nullable)]
    benefit_cost_ratio: Option<f64>,
    /// The first year the undiscounted benefits have caught up with the costs; null:
    /// never within the kalkyl's years.
    #[oai(nullable)]
    payback_year: Option<u32>,
}

/// Which insats a line is about, and its nyttoägare.
#[derive(Object)]
pub(super) struct InsatsNameDto {
    insats_id: i32,
    insats: String,
    /// The nyttoägare.
    #[oai(nullable)]
    owner_id: Option<i32>,
    #[oai(nullable)]
    owner: Option<String>,
}

impl From<&InsatsName> for InsatsNameDto {
    fn from(name: &InsatsName) -> Self {
        Self {
            insats_id: name.insats_id,
            insats: name.insats.clone(),
            owner_id: name.owner_id,
            owner: name.owner.clone(),
        }
    }
}

#[derive(Object)]
pub(super) struct DecidedInsatsDto {
    #[oai(flatten)]
    name: InsatsNameDto,
    decided_on: chrono::NaiveDate,
    #[oai(nullable)]
    kalkyl: Option<DecidedKalkylDto>,
}

#[derive(Object)]
pub(super) struct MeasuredDto {
    #[oai(flatten)]
    score: ReportScoreDto,
    /// (mean − baseline)/(target − baseline); null without a baseline figure.
    #[oai(nullable)]
    realised_share: Option<f64>,
}

#[derive(Object)]
pub(super) struct RealisationLineDto {
    #[oai(flatten)]
    name: InsatsNameDto,
    benefit: String,
    service_id: i32,
    service: String,
    /// `sus`, `umux_lite`, `nyttoindex`, `nps` or `tidsvinst`.
    metric: String,
    /// The round's period key.
    round: String,
    /// `achieved`, `progressing`, `not_realised`, `worse` or `too_few_answers`.
    status: String,
    #[oai(nullable)]
    baseline: Option<f64>,
    target: f64,
    /// Null exactly when the status is `too_few_answers`.
    #[oai(nullable)]
    measured: Option<MeasuredDto>,
}

#[derive(Object)]
pub(super) struct NotRealisedDto {
    benefit: String,
    metric: String,
    #[oai(nullable)]
    baseline: Option<f64>,
    target: f64,
    /// The two latest rounds after go-live, older first.
    rounds: Vec<RealisationLineDto>,
}

#[derive(Object)]
pub(super) struct InsatsProposalDto {
    #[oai(flatten)]
    name: InsatsNameDto,
    /// `review_insats`: a benefit not realised (or worse) in the two latest rounds after
    /// go-live.
    rule: String,
    /// What to do, in Swedish.
    text: String,
    /// The figures that triggered it, in Swedish.
    figure: String,
    evidence: Vec<NotRealisedDto>,
}

/// The Insatser section of a period's nyttoanalys.
#[derive(Object)]
pub(super) struct InsatserSectionDto {
    decided: Vec<DecidedInsatsDto>,
    realisation: Vec<RealisationLineDto>,
    proposals: Vec<InsatsProposalDto>,
}

fn measured(m: &MeasuredLine) -> MeasuredDto {
    MeasuredDto {
        score: ReportScoreDto::new(m.n, m.mean, m.ci),
        realised_share: m.realised_share,
    }
}

fn line(l: &RealisationLine) -> RealisationLineDto {
    RealisationLineDto {
        name: (&l.name).into(),
        benefit: l.benefit.clone(),
        service_id: l.service_id,
        service: l.service.clone(),
        metric: l.metric.as_str().to_owned(),
        round: l.round.clone(),
        status: l.status.as_str().to_owned(),
        baseline: l.baseline,
        target: l.target,
        measured: l.measured.as_ref().map(measured),
    }
}

fn decided(d: &DecidedInsats) -> DecidedInsatsDto {
    DecidedInsatsDto {
        name: (&d.name).into(),
        decided_on: d.decided_on,
        kalkyl: d.kalkyl.map(|k| DecidedKalkylDto {
            version: k.version,
            investment_sek: k.investment_sek,
            npv_sek: k.npv_sek,
            pv_benefits_sek: k.pv_benefits_sek,
            pv_costs_sek: k.pv_costs_sek,
            benefit_cost_ratio: k.benefit_cost_ratio,
            payback_year: k.payback_year,
        }),
    }
}

fn not_realised(e: &NotRealised) -> NotRealisedDto {
    NotRealisedDto {
        benefit: e.benefit.clone(),
        metric: e.metric.as_str().to_owned(),
        baseline: e.baseline,
        target: e.target,
        rounds: e.rounds.iter().map(line).collect(),
    }
}

fn proposal(p: &InsatsProposal) -> InsatsProposalDto {
    InsatsProposalDto {
        name: (&p.name).into(),
        rule: p.rule.as_str().to_owned(),
        text: wording::insats_rule(p.rule, Language::Sv).to_owned(),
        figure: wording::not_realised_evidence(&p.evidence, Language::Sv),
        evidence: p.evidence.iter().map(not_realised).collect(),
    }
}

pub(super) fn section(section: &InsatserSection) -> InsatserSectionDto {
    InsatserSectionDto {
        decided: section.decided.iter().map(decided).collect(),
        realisation: section.realisation.iter().map(line).collect(),
        proposals: section.proposals.iter().map(proposal).collect(),
    }
}
