//! The portfolio view as the API returns it: an insats's benefit realisation after
//! go-live, and the ranking of proposals with the reference class. Below the anonymity
//! threshold a round says `too_few_answers` and carries no number, not even its count.
//! Realised SEK is a survey estimate and is rounded as the results round money.

use chrono::NaiveDate;
use poem_openapi::{Enum, Object};

use super::output::{InsatsDto, KalkylFiguresDto, finite};
use crate::{
    api::codes::{InsatsStatus, Metric, RealisationStatus},
    numbers::round_money,
    stats::insatser::{BaselineFigure, Component, MIN_REFERENCE_CLASS, RoundRealisation},
    usecases::insatser::portfolio::{
        BenefitRealisation, InsatsRealisation, Priorities, RankedInsats,
    },
};

#[derive(Debug, Object)]
pub struct RealisationDto {
    pub insats_id: i32,
    pub status: InsatsStatus,
    #[oai(nullable)]
    pub live_on: Option<NaiveDate>,
    /// The kalkyl version measured against: the decided one (before a decision, the
    /// newest); `null` without a kalkyl.
    #[oai(nullable)]
    pub nyttokalkyl_version: Option<u32>,
    /// The mean of the benefits' latest realised shares; `null` when none has one.
    #[oai(nullable)]
    pub realised_share: Option<f64>,
    /// The benefits that name an indicator, in the kalkyl's order.
    pub benefits: Vec<BenefitRealisationDto>,
}

impl From<InsatsRealisation> for RealisationDto {
    fn from(r: InsatsRealisation) -> Self {
        Self {
            insats_id: r.insats.id,
            status: r.insats.status.into(),
            live_on: r.insats.live_on,
            nyttokalkyl_version: r.version,
            realised_share: finite(r.realised_share),
            benefits: r.benefits.iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Object)]
pub struct BenefitRealisationDto {
    /// Its place in the kalkyl's `benefits`, from 0.
    pub index: u32,
    pub description: String,
    pub service_id: i32,
    pub metric: Metric,
    pub target: f64,
    pub baseline: RealisationBaselineDto,
    /// The latest round's status; `pending` without one.
    pub status: RealisationStatus,
    /// The latest realised share: (mean − baseline)/(target − baseline).
    #[oai(nullable)]
    pub realised_share: Option<f64>,
    /// The rounds whose period begins on or after go-live, oldest first.
    pub rounds: Vec<RoundRealisationDto>,
}

impl From<&BenefitRealisation> for BenefitRealisationDto {
    fn from(b: &BenefitRealisation) -> Self {
        let r = &b.realisation;
        Self {
            index: u32::try_from(b.index).unwrap_or(u32::MAX),
            description: b.description.clone(),
            service_id: b.service_id,
            metric: r.metric.into(),
            target: r.target,
            baseline: (&r.baseline).into(),
            status: r.status.into(),
            realised_share: finite(r.latest_share()),
            rounds: r.rounds.iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum BaselineKind {
    /// The service's last released round before go-live.
    Round,
    /// Given as a value with its period and n.
    Value,
    /// That round had too few answers: no number.
    TooFewAnswers,
    /// No released round before go-live, and no value given.
    Missing,
}

/// What the realisation measured against.
#[derive(Debug, Object)]
pub struct RealisationBaselineDto {
    pub kind: BaselineKind,
    #[oai(nullable)]
    pub round_id: Option<i32>,
    #[oai(nullable)]
    pub period: Option<String>,
    /// The round's mean or the value given.
    #[oai(nullable)]
    pub value: Option<f64>,
    #[oai(nullable)]
    pub n: Option<u32>,
}

impl From<&BaselineFigure> for RealisationBaselineDto {
    fn from(baseline: &BaselineFigure) -> Self {
        let none = Self {
            kind: BaselineKind::Missing,
            round_id: None,
            period: None,
            value: None,
            n: None,
        };
        match baseline {
            BaselineFigure::Round {
                round_id,
                period,
                summary,
            } => Self {
                kind: BaselineKind::Round,
                round_id: Some(*round_id),
                period: Some(period.clone()),
                value: Some(summary.mean),
                n: u32::try_from(summary.n).ok(),
            },
            BaselineFigure::Value { value, period, n } => Self {
                kind: BaselineKind::Value,
                period: Some(period.clone()),
                value: Some(*value),
                n: Some(*n),
                ..none
            },
            BaselineFigure::TooFewAnswers { round_id, period } => Self {
                kind: BaselineKind::TooFewAnswers,
                round_id: Some(*round_id),
                period: Some(period.clone()),
                ..none
            },
            BaselineFigure::Missing => none,
        }
    }
}

/// One round after go-live. Every figure is `null` exactly when the status is
/// `too_few_answers`.
#[derive(Debug, Object)]
pub struct RoundRealisationDto {
    pub round_id: i32,
    pub period: String,
    pub status: RealisationStatus,
    #[oai(nullable)]
    pub n: Option<u32>,
    #[oai(nullable)]
    pub mean: Option<f64>,
    /// The mean's 95 % interval.
    #[oai(nullable)]
    pub ci_low: Option<f64>,
    #[oai(nullable)]
    pub ci_high: Option<f64>,
    /// (mean − baseline)/(target − baseline); `null` without a baseline number.
    #[oai(nullable)]
    pub realised_share: Option<f64>,
    /// Welch's p against a baseline round; `null` against a value.
    #[oai(nullable)]
    pub p_value: Option<f64>,
    /// A tidsvinst indicator's value: measured minutes/60 × working weeks × users ×
    /// hourly cost, SEK a year.
    #[oai(nullable)]
    pub realised_sek: Option<RealisedSekDto>,
}

#[derive(Debug, Object)]
pub struct RealisedSekDto {
    pub value_sek: f64,
    #[oai(nullable)]
    pub ci_low_sek: Option<f64>,
    #[oai(nullable)]
    pub ci_high_sek: Option<f64>,
    /// What the benefit planned a year.
    #[oai(nullable)]
    pub planned_sek: Option<f64>,
}

impl From<&RoundRealisation> for RoundRealisationDto {
    fn from(round: &RoundRealisation) -> Self {
        let measured = round.measured.as_ref();
        let ci = measured.and_then(|m| m.ci);
        Self {
            round_id: round.round_id,
            period: round.period.clone(),
            status: round.status.into(),
            n: measured.and_then(|m| u32::try_from(m.n).ok()),
            mean: measured.map(|m| m.mean),
            ci_low: ci.map(|c| c.0),
            ci_high: ci.map(|c| c.1),
            realised_share: finite(measured.and_then(|m| m.realised_share)),
            p_value: finite(measured.and_then(|m| m.p_value)),
            realised_sek: measured
                .and_then(|m| m.realised_sek)
                .map(|sek| RealisedSekDto {
                    value_sek: round_money(sek.value_sek),
                    ci_low_sek: sek.ci_sek.map(|c| round_money(c.0)),
                    ci_high_sek: sek.ci_sek.map(|c| round_money(c.1)),
                    planned_sek: sek.planned_sek,
                }),
        }
    }
}

/// Proposals and assessed insatser ranked, with the reference class.
#[derive(Debug, Object)]
pub struct PrioritiesDto {
    pub reference_class: ReferenceClassDto,
    /// Highest score first.
    pub ranked: Vec<RankedInsatsDto>,
}

/// The optimism correction learnt from the municipality's own followed-up insatser.
#[derive(Debug, Object)]
pub struct ReferenceClassDto {
    /// Followed-up insatser with a realised share.
    pub n: u32,
    /// The fewest that make a reference class.
    pub min_n: u32,
    /// Their median realised share; `null` below `min_n`.
    #[oai(nullable)]
    pub median_share: Option<f64>,
}

/// score = Σ weight × criterion over the four components.
#[derive(Debug, Object)]
pub struct RankedInsatsDto {
    /// 1 = first.
    pub rank: u32,
    pub insats: InsatsDto,
    pub score: f64,
    /// NPV per invested krona (`null` value without an investment: counts 0).
    pub npv_per_krona: ComponentDto,
    /// The number of KF goals it serves.
    pub goals: ComponentDto,
    /// Urgency 0–3 (`null` value: not assessed, counts 0).
    pub urgency: ComponentDto,
    /// Risk 0–3, counted reversed (3 − risk; `null` value: not assessed, counts 0).
    pub risk: ComponentDto,
    /// The current kalkyl's figures; `null` without a kalkyl.
    #[oai(nullable)]
    pub figures: Option<KalkylFiguresDto>,
    /// median share × PV(B) − PV(C); `null` without a reference class.
    #[oai(nullable)]
    pub adjusted_npv_sek: Option<f64>,
}

/// One criterion: the value behind it, what it counts as, its weight and its points.
#[derive(Debug, Object)]
pub struct ComponentDto {
    #[oai(nullable)]
    pub value: Option<f64>,
    pub criterion: f64,
    pub weight: f64,
    /// weight × criterion.
    pub points: f64,
}

impl From<Component> for ComponentDto {
    fn from(c: Component) -> Self {
        Self {
            value: finite(c.value),
            criterion: c.criterion,
            weight: c.weight,
            points: c.points,
        }
    }
}

impl From<Priorities> for PrioritiesDto {
    fn from(p: Priorities) -> Self {
        Self {
            reference_class: ReferenceClassDto {
                n: u32::try_from(p.reference.n).unwrap_or(u32::MAX),
                min_n: MIN_REFERENCE_CLASS as u32,
                median_share: finite(p.reference.median_share),
            },
            ranked: p.ranked.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<RankedInsats> for RankedInsatsDto {
    fn from(r: RankedInsats) -> Self {
        let p = r.priority;
        Self {
            rank: u32::try_from(p.rank).unwrap_or(u32::MAX),
            insats: r.insats.into(),
            score: p.score,
            npv_per_krona: p.npv_per_krona.into(),
            goals: p.goals.into(),
            urgency: p.urgency.into(),
            risk: p.risk.into(),
            figures: r.figures.as_ref().map(Into::into),
            adjusted_npv_sek: finite(p.adjusted_npv_sek),
        }
    }
}
