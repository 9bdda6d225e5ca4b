//! A goal and an insats as the API returns them: the insats with every version of its
//! nyttokalkyl, each with the figures SPEC "Insatser" defines (planned figures, exact:
//! they follow from the plan, not from a survey).

use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::Object;

use crate::{
    api::codes::{BenefitCategory, InsatsStatus, Metric},
    domain::insats::{
        Goal, Insats,
        nyttokalkyl::{Benefit, Indicator, KalkylVersion},
    },
    stats::insatser::{KalkylFigures, PricedBenefit, YearFlow},
    usecases::insatser::InsatsDetail,
};

/// A ratio that a tiny denominator could push past what JSON holds: `null` then.
pub(super) fn finite(value: Option<f64>) -> Option<f64> {
    value.filter(|v| v.is_finite())
}

/// A KF goal (mål), kept by Kommunledningskontoret.
#[derive(Debug, Object)]
pub struct GoalDto {
    pub id: i32,
    pub title: String,
    pub description: String,
    pub valid_from: NaiveDate,
    /// `null`: until further notice.
    #[oai(nullable)]
    pub valid_to: Option<NaiveDate>,
}

impl From<Goal> for GoalDto {
    fn from(goal: Goal) -> Self {
        Self {
            id: goal.id,
            title: goal.title,
            description: goal.description,
            valid_from: goal.valid_from,
            valid_to: goal.valid_to,
        }
    }
}

/// An insats (initiative, project, change).
#[derive(Debug, Object)]
pub struct InsatsDto {
    pub id: i32,
    pub name: String,
    pub description: String,
    #[oai(nullable)]
    pub department_id: Option<i32>,
    /// The nyttoägare.
    #[oai(nullable)]
    pub owner_id: Option<i32>,
    /// Beställare.
    pub sponsor: String,
    pub service_ids: Vec<i32>,
    pub goal_ids: Vec<i32>,
    pub status: InsatsStatus,
    /// 0–3; `null` until assessed.
    #[oai(nullable)]
    pub urgency: Option<u8>,
    /// 0–3; `null` until assessed.
    #[oai(nullable)]
    pub risk: Option<u8>,
    #[oai(nullable)]
    pub decided_on: Option<NaiveDate>,
    #[oai(nullable)]
    pub planned_live_on: Option<NaiveDate>,
    /// The go-live day: rounds whose period begins on or after it measure the benefit.
    #[oai(nullable)]
    pub live_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Insats> for InsatsDto {
    fn from(i: Insats) -> Self {
        Self {
            id: i.id,
            name: i.details.name,
            description: i.details.description,
            department_id: i.details.department_id,
            owner_id: i.details.owner_id,
            sponsor: i.details.sponsor,
            service_ids: i.details.service_ids,
            goal_ids: i.details.goal_ids,
            status: i.status.into(),
            urgency: i.details.urgency,
            risk: i.details.risk,
            decided_on: i.decided_on,
            planned_live_on: i.details.planned_live_on,
            live_on: i.live_on,
            created_at: i.created_at,
            updated_at: i.updated_at,
        }
    }
}

/// An insats with its nyttokalkyl and the figures computed from it.
#[derive(Debug, Object)]
pub struct InsatsDetailDto {
    #[oai(flatten)]
    pub insats: InsatsDto,
    /// The version planned now (the newest); `null` without a kalkyl.
    #[oai(nullable)]
    pub nyttokalkyl: Option<KalkylVersionDto>,
    /// The version the decision froze, which realisation is measured against; `null`
    /// before a decision.
    #[oai(nullable)]
    pub decided_nyttokalkyl: Option<KalkylVersionDto>,
    /// Every version, oldest first: a decided one stays beside the later edits.
    pub versions: Vec<KalkylVersionDto>,
}

impl From<InsatsDetail> for InsatsDetailDto {
    fn from(detail: InsatsDetail) -> Self {
        let dto = |(version, figures): &(KalkylVersion, KalkylFigures)| {
            KalkylVersionDto::new(version, figures)
        };
        Self {
            nyttokalkyl: detail.current().map(dto),
            decided_nyttokalkyl: detail.decided().map(dto),
            versions: detail.versions.iter().map(dto).collect(),
            insats: detail.insats.into(),
        }
    }
}

/// One version of a nyttokalkyl, as planned, with its figures.
#[derive(Debug, Object)]
pub struct KalkylVersionDto {
    /// 1, 2, …
    pub version: u32,
    pub created_at: DateTime<Utc>,
    /// When the insats was decided on this version; such a version never changes.
    #[oai(nullable)]
    pub decided_at: Option<DateTime<Utc>>,
    pub calculation_years: u32,
    pub discount_rate: f64,
    pub investment_sek: f64,
    pub annual_running_cost_sek: f64,
    pub benefits: Vec<BenefitDto>,
    pub figures: KalkylFiguresDto,
}

impl KalkylVersionDto {
    fn new(version: &KalkylVersion, figures: &KalkylFigures) -> Self {
        let kalkyl = &version.kalkyl;
        Self {
            version: version.version,
            created_at: version.created_at,
            decided_at: version.decided_at,
            calculation_years: kalkyl.calculation_years,
            discount_rate: kalkyl.discount_rate,
            investment_sek: kalkyl.investment_sek,
            annual_running_cost_sek: kalkyl.annual_running_cost_sek,
            benefits: kalkyl
                .benefits
                .iter()
                .zip(&figures.benefits)
                .map(|(benefit, priced)| BenefitDto::new(benefit, priced))
                .collect(),
            figures: figures.into(),
        }
    }
}

#[derive(Debug, Object)]
pub struct BenefitDto {
    pub description: String,
    pub category: BenefitCategory,
    /// As given in SEK; `null` when given as minutes × users, or unvalued.
    #[oai(nullable)]
    pub annual_value_sek: Option<f64>,
    #[oai(nullable)]
    pub minutes_per_week: Option<f64>,
    #[oai(nullable)]
    pub users: Option<u32>,
    /// As given; `null`: the expected value.
    #[oai(nullable)]
    pub low_sek: Option<f64>,
    #[oai(nullable)]
    pub high_sek: Option<f64>,
    pub from_year: u32,
    #[oai(nullable)]
    pub indicator: Option<IndicatorDto>,
    /// What the kalkyl counts a year: `annual_value_sek`, or minutes/60 × working weeks ×
    /// users × hourly cost; `null` for an unvalued benefit.
    #[oai(nullable)]
    pub annual_sek: Option<f64>,
}

impl BenefitDto {
    fn new(benefit: &Benefit, priced: &PricedBenefit) -> Self {
        let (annual_value_sek, minutes_per_week, users) = benefit.value.as_fields();
        Self {
            description: benefit.description.clone(),
            category: benefit.category.into(),
            annual_value_sek,
            minutes_per_week,
            users,
            low_sek: benefit.low_sek,
            high_sek: benefit.high_sek,
            from_year: benefit.from_year,
            indicator: benefit.indicator.as_ref().map(Into::into),
            annual_sek: priced.annual_sek,
        }
    }
}

#[derive(Debug, Object)]
pub struct IndicatorDto {
    pub service_id: i32,
    pub metric: Metric,
    /// `null`: the service's last released round before go-live.
    #[oai(nullable)]
    pub baseline: Option<BaselineDto>,
    pub target: f64,
    #[oai(nullable)]
    pub target_period: Option<String>,
}

#[derive(Debug, Object)]
pub struct BaselineDto {
    pub value: f64,
    pub period: String,
    pub n: u32,
}

impl From<&Indicator> for IndicatorDto {
    fn from(indicator: &Indicator) -> Self {
        Self {
            service_id: indicator.service_id,
            metric: indicator.metric.into(),
            baseline: indicator.baseline.as_ref().map(|b| BaselineDto {
                value: b.value,
                period: b.period.clone(),
                n: b.n,
            }),
            target: indicator.target,
            target_period: indicator.target_period.clone(),
        }
    }
}

/// The kalkyl's figures (SPEC "Insatser"): Bₜ the valued benefits counting in year t,
/// Cₜ the investment (t = 0) or the running cost (t ≥ 1).
#[derive(Debug, Object)]
pub struct KalkylFiguresDto {
    /// Nettonuvärde: Σₜ (Bₜ − Cₜ)/(1+r)ᵗ.
    pub npv_sek: f64,
    /// Σₜ Bₜ/(1+r)ᵗ.
    pub pv_benefits_sek: f64,
    /// Σₜ Cₜ/(1+r)ᵗ.
    pub pv_costs_sek: f64,
    /// PV(B)/PV(C); `null` when nothing costs anything.
    #[oai(nullable)]
    pub benefit_cost_ratio: Option<f64>,
    /// NPV / investment; `null` without an investment.
    #[oai(nullable)]
    pub npv_per_invested_krona: Option<f64>,
    /// The first year T with Σ_{t≤T}(Bₜ − Cₜ) ≥ 0, undiscounted; `null`: not within N.
    #[oai(nullable)]
    pub payback_year: Option<u32>,
    /// The NPV counting financial benefits only.
    pub financial_npv_sek: f64,
    /// The NPV with every benefit at its low and at its high value.
    pub sensitivity: SensitivityDto,
    /// Benefits real but not valued: counted, never in SEK.
    pub unvalued_benefits: u32,
    /// t = 0…N.
    pub years: Vec<YearFlowDto>,
}

#[derive(Debug, Object)]
pub struct SensitivityDto {
    pub low_npv_sek: f64,
    pub high_npv_sek: f64,
}

#[derive(Debug, Object)]
pub struct YearFlowDto {
    pub year: u32,
    pub benefits_sek: f64,
    pub costs_sek: f64,
    /// 1/(1+r)ᵗ.
    pub discount_factor: f64,
    /// (Bₜ − Cₜ)/(1+r)ᵗ.
    pub present_value_sek: f64,
    /// Σ_{s≤t}(Bₛ − Cₛ), undiscounted.
    pub cumulative_sek: f64,
}

impl From<&KalkylFigures> for KalkylFiguresDto {
    fn from(f: &KalkylFigures) -> Self {
        Self {
            npv_sek: f.npv_sek,
            pv_benefits_sek: f.pv_benefits_sek,
            pv_costs_sek: f.pv_costs_sek,
            benefit_cost_ratio: finite(f.benefit_cost_ratio),
            npv_per_invested_krona: finite(f.npv_per_invested_krona),
            payback_year: f.payback_year,
            financial_npv_sek: f.financial_npv_sek,
            sensitivity: SensitivityDto {
                low_npv_sek: f.sensitivity.low_npv_sek,
                high_npv_sek: f.sensitivity.high_npv_sek,
            },
            unvalued_benefits: u32::try_from(f.unvalued_benefits).unwrap_or(u32::MAX),
            years: f.years.iter().map(Into::into).collect(),
        }
    }
}

impl From<&YearFlow> for YearFlowDto {
    fn from(y: &YearFlow) -> Self {
        Self {
            year: y.year,
            benefits_sek: y.benefits_sek,
            costs_sek: y.costs_sek,
            discount_factor: y.discount_factor,
            present_value_sek: y.present_value_sek,
            cumulative_sek: y.cumulative_sek,
        }
    }
}
