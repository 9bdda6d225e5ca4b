//! What a client sends for a goal, an insats and its nyttokalkyl (nested as SPEC
//! "Insatser" writes it), and its turning into the domain's inputs: texts are checked
//! here, naming the field's whole path; every other rule is the domain's.

use chrono::NaiveDate;
use poem_openapi::Object;

use super::bounded::{
    Assessment, CalculationYears, Count, DiscountRate, FromYear, MinutesPerWeek, Sek,
};
use crate::{
    api::{
        codes::{BenefitCategory, InsatsStatus, Metric},
        text::{Code, LongText, Name, Text, checked_optional},
    },
    domain::{
        Error,
        insats::{self as domain, NewGoal, nyttokalkyl as kalkyl},
    },
};

/// Beställare: a person or a body, as text.
type Sponsor = Text<0, 200>;

#[derive(Debug, Object)]
pub struct GoalInput {
    /// e.g. "Digitalt först".
    pub title: Name,
    #[oai(nullable)]
    pub description: Option<LongText>,
    pub valid_from: NaiveDate,
    /// On or after `valid_from`; `null`: until further notice.
    #[oai(nullable)]
    pub valid_to: Option<NaiveDate>,
}

impl GoalInput {
    pub fn parse(&self) -> Result<NewGoal, Error> {
        NewGoal::parse(
            self.title.checked("title")?,
            checked_optional(&self.description, "description")?.map(str::to_owned),
            self.valid_from,
            self.valid_to,
        )
    }
}

/// An insats as created or replaced. Its status moves only through
/// `POST /api/v1/insatser/{id}/status`.
#[derive(Debug, Object)]
pub struct InsatsInput {
    pub name: Name,
    #[oai(nullable)]
    pub description: Option<LongText>,
    /// The förvaltning that runs it.
    #[oai(nullable)]
    pub department_id: Option<i32>,
    /// The nyttoägare: the objektägare answerable for the benefit. An objektägare gives
    /// their own.
    #[oai(nullable)]
    pub owner_id: Option<i32>,
    /// Beställare, as text.
    #[oai(nullable)]
    pub sponsor: Option<Sponsor>,
    /// The IT services it changes; an indicator may measure only these.
    #[oai(default, validator(max_items = 100))]
    pub service_ids: Vec<i32>,
    /// The KF goals (mål) it serves.
    #[oai(default, validator(max_items = 100))]
    pub goal_ids: Vec<i32>,
    /// 0–3, Kommunledningskontoret's assessment: an objektägare leaves it as it is.
    #[oai(nullable)]
    pub urgency: Option<Assessment>,
    /// 0–3, Kommunledningskontoret's assessment: an objektägare leaves it as it is.
    #[oai(nullable)]
    pub risk: Option<Assessment>,
    #[oai(nullable)]
    pub planned_live_on: Option<NaiveDate>,
    /// The planned benefit. Left out or `null`, a replace keeps the kalkyl as it is; given,
    /// it replaces the draft, or (once decided) becomes a new version beside the decided one.
    #[oai(nullable)]
    pub nyttokalkyl: Option<NyttokalkylInput>,
}

/// The nyttokalkyl: years t = 0…N, the investment in year 0, the running cost in years
/// 1…N and the benefits from their `from_year`.
#[derive(Debug, Object)]
pub struct NyttokalkylInput {
    /// N, 1–15; default 5.
    #[oai(nullable)]
    pub calculation_years: Option<CalculationYears>,
    /// Real rate r, 0–0.2; default the server's `insatser.discount_rate` (0.03).
    #[oai(nullable)]
    pub discount_rate: Option<DiscountRate>,
    /// One-off, year 0.
    pub investment_sek: Sek,
    /// Each of years 1…N; default 0.
    #[oai(nullable)]
    pub annual_running_cost_sek: Option<Sek>,
    #[oai(default, validator(max_items = 30))]
    pub benefits: Vec<BenefitInput>,
}

/// A nytta. Valued by `annual_value_sek`, or (time freed, category `redistribution`)
/// by `minutes_per_week` × `users`; an `unvalued` benefit carries no SEK.
#[derive(Debug, Object)]
pub struct BenefitInput {
    pub description: Name,
    pub category: BenefitCategory,
    /// SEK a year.
    #[oai(nullable)]
    pub annual_value_sek: Option<Sek>,
    /// SEK a year at the pessimistic end; default the expected value.
    #[oai(nullable)]
    pub low_sek: Option<Sek>,
    /// SEK a year at the optimistic end; default the expected value.
    #[oai(nullable)]
    pub high_sek: Option<Sek>,
    /// The first year (0…N) it counts; default 1.
    #[oai(nullable)]
    pub from_year: Option<FromYear>,
    /// Minutes a week each user saves (with `users`, instead of `annual_value_sek`).
    #[oai(nullable)]
    pub minutes_per_week: Option<MinutesPerWeek>,
    #[oai(nullable)]
    pub users: Option<Count>,
    /// How the surveys measure it after go-live.
    #[oai(nullable)]
    pub indicator: Option<IndicatorInput>,
}

#[derive(Debug, Object)]
pub struct IndicatorInput {
    /// One of the insats's `service_ids`.
    pub service_id: i32,
    pub metric: Metric,
    /// `null`: the service's last released round before go-live.
    #[oai(nullable)]
    pub baseline: Option<BaselineInput>,
    /// On the metric's scale, different from the baseline.
    pub target: f64,
    /// e.g. `2027-Q4`.
    #[oai(nullable)]
    pub target_period: Option<Code>,
}

/// A baseline measured elsewhere or before Nyttopuls.
#[derive(Debug, Object)]
pub struct BaselineInput {
    pub value: f64,
    /// e.g. `2026-Q2`, `2026-11`, `2026-H1`, `2026`.
    pub period: Code,
    /// The answers behind it.
    pub n: Count,
}

#[derive(Debug, Object)]
pub struct StatusInput {
    pub status: InsatsStatus,
    /// The day it happened (the decision, the go-live); default today in Stockholm.
    #[oai(nullable)]
    pub on: Option<NaiveDate>,
}

impl InsatsInput {
    /// The domain's inputs, the texts checked.
    pub fn parse(self) -> Result<(domain::InsatsInput, Option<kalkyl::NyttokalkylInput>), Error> {
        let fields = domain::InsatsInput {
            name: self.name.into_checked("name")?,
            description: self
                .description
                .map(|d| d.into_checked("description"))
                .transpose()?,
            department_id: self.department_id,
            owner_id: self.owner_id,
            sponsor: self
                .sponsor
                .map(|s| s.into_checked("sponsor"))
                .transpose()?,
            service_ids: self.service_ids,
            goal_ids: self.goal_ids,
            urgency: self.urgency.map(|a| a.0),
            risk: self.risk.map(|a| a.0),
            planned_live_on: self.planned_live_on,
        };
        let kalkyl = self.nyttokalkyl.map(NyttokalkylInput::parse).transpose()?;
        Ok((fields, kalkyl))
    }
}

impl NyttokalkylInput {
    fn parse(self) -> Result<kalkyl::NyttokalkylInput, Error> {
        Ok(kalkyl::NyttokalkylInput {
            calculation_years: self.calculation_years.map(|n| n.0),
            discount_rate: self.discount_rate.map(|r| r.0),
            investment_sek: self.investment_sek.0,
            annual_running_cost_sek: self.annual_running_cost_sek.map(|c| c.0),
            benefits: self
                .benefits
                .into_iter()
                .enumerate()
                .map(|(i, b)| b.parse(&format!("nyttokalkyl.benefits[{i}]")))
                .collect::<Result<_, _>>()?,
        })
    }
}

impl BenefitInput {
    fn parse(self, at: &str) -> Result<kalkyl::BenefitInput, Error> {
        let sek = |value: Option<Sek>| value.map(|v| v.0);
        Ok(kalkyl::BenefitInput {
            description: self
                .description
                .into_checked(&format!("{at}.description"))?,
            category: kalkyl::BenefitCategory::from(self.category)
                .as_str()
                .to_owned(),
            annual_value_sek: sek(self.annual_value_sek),
            low_sek: sek(self.low_sek),
            high_sek: sek(self.high_sek),
            from_year: self.from_year.map(|y| y.0),
            minutes_per_week: self.minutes_per_week.map(|m| m.0),
            users: self.users.map(|u| u.0),
            indicator: self
                .indicator
                .map(|i| i.parse(&format!("{at}.indicator")))
                .transpose()?,
        })
    }
}

impl IndicatorInput {
    fn parse(self, at: &str) -> Result<kalkyl::IndicatorInput, Error> {
        let baseline = match self.baseline {
            Some(b) => Some(kalkyl::BaselineInput {
                value: b.value,
                period: b.period.into_checked(&format!("{at}.baseline.period"))?,
                n: b.n.0,
            }),
            None => None,
        };
        Ok(kalkyl::IndicatorInput {
            service_id: self.service_id,
            metric: crate::domain::Metric::from(self.metric).as_str().to_owned(),
            baseline,
            target: self.target,
            target_period: self
                .target_period
                .map(|p| p.into_checked(&format!("{at}.target_period")))
                .transpose()?,
        })
    }
}
