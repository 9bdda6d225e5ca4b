//! A nyttokalkyl as a caller gives it, and its checking: every problem is reported
//! under the field's full name as the API spells it (`nyttokalkyl.benefits[1].low_sek`).

use super::{
    Baseline, Benefit, BenefitCategory, BenefitValue, DEFAULT_YEARS, Indicator, MAX_BENEFITS,
    MAX_DISCOUNT_RATE, MAX_SEK, MINUTES_A_WEEK, Nyttokalkyl, YEARS,
};
use crate::domain::{Error, FieldProblem, Metric, catalogue::required_name, period_first_day};

/// A kalkyl as a caller gives it, before checking.
#[derive(Debug, Clone, Default)]
pub struct NyttokalkylInput {
    pub calculation_years: Option<i64>,
    pub discount_rate: Option<f64>,
    pub investment_sek: f64,
    pub annual_running_cost_sek: Option<f64>,
    pub benefits: Vec<BenefitInput>,
}

#[derive(Debug, Clone, Default)]
pub struct BenefitInput {
    pub description: String,
    pub category: String,
    pub annual_value_sek: Option<f64>,
    pub low_sek: Option<f64>,
    pub high_sek: Option<f64>,
    pub from_year: Option<i64>,
    pub minutes_per_week: Option<f64>,
    pub users: Option<i64>,
    pub indicator: Option<IndicatorInput>,
}

#[derive(Debug, Clone, Default)]
pub struct IndicatorInput {
    pub service_id: i32,
    pub metric: String,
    pub baseline: Option<BaselineInput>,
    pub target: f64,
    pub target_period: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct BaselineInput {
    pub value: f64,
    pub period: String,
    pub n: i64,
}

/// Problems found so far, each under the field's full name.
#[derive(Default)]
struct Problems(Vec<FieldProblem>);

impl Problems {
    fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldProblem {
            line: None,
            field: field.into(),
            message: message.into(),
        });
    }

    /// A sum of money: not negative, at most [`MAX_SEK`], kept to the öre (a fraction
    /// of an öre would make NPV per invested krona and benefit/cost overflow).
    fn sek(&mut self, field: impl Into<String>, value: f64) -> f64 {
        if !(value.is_finite() && (0.0..=MAX_SEK).contains(&value)) {
            self.add(
                field,
                "must be zero or more (SEK), at most 1 000 000 000 000",
            );
        }
        (value * 100.0).round() / 100.0
    }

    fn period(&mut self, field: String, key: &str) {
        if period_first_day(key).is_none() {
            self.add(
                field,
                format!("`{key}` is not a period: write e.g. 2026-Q4, 2026-11, 2026-H2 or 2026"),
            );
        }
    }
}

impl Nyttokalkyl {
    /// Checks every field; `service_ids` are the services the insats touches (an
    /// indicator may measure only those), `default_rate` is `insatser.discount_rate`.
    pub fn parse(
        input: NyttokalkylInput,
        service_ids: &[i32],
        default_rate: f64,
    ) -> Result<Self, Error> {
        let mut problems = Problems::default();
        let years = input.calculation_years.unwrap_or(i64::from(DEFAULT_YEARS));
        let calculation_years = u32::try_from(years)
            .ok()
            .filter(|n| YEARS.contains(n))
            .unwrap_or_else(|| {
                problems.add(
                    "nyttokalkyl.calculation_years",
                    format!("must be between {} and {}", YEARS.start(), YEARS.end()),
                );
                DEFAULT_YEARS
            });
        let discount_rate = input.discount_rate.unwrap_or(default_rate);
        if !(discount_rate.is_finite() && (0.0..=MAX_DISCOUNT_RATE).contains(&discount_rate)) {
            problems.add(
                "nyttokalkyl.discount_rate",
                "must be between 0 and 0.2 (a real rate: 0.03 is 3 %)",
            );
        }
        let investment_sek = problems.sek("nyttokalkyl.investment_sek", input.investment_sek);
        let annual_running_cost_sek = problems.sek(
            "nyttokalkyl.annual_running_cost_sek",
            input.annual_running_cost_sek.unwrap_or(0.0),
        );
        if input.benefits.len() > MAX_BENEFITS {
            problems.add(
                "nyttokalkyl.benefits",
                format!("at most {MAX_BENEFITS} benefits"),
            );
        }
        let benefits: Vec<Benefit> = input
            .benefits
            .into_iter()
            .enumerate()
            .filter_map(|(i, benefit)| {
                parse_benefit(
                    &mut problems,
                    &format!("nyttokalkyl.benefits[{i}]"),
                    benefit,
                    calculation_years,
                    service_ids,
                )
            })
            .collect();
        if !problems.0.is_empty() {
            return Err(Error::Invalid(problems.0));
        }
        Ok(Self {
            calculation_years,
            discount_rate,
            investment_sek,
            annual_running_cost_sek,
            benefits,
        })
    }

    /// Whether every indicator measures one of `service_ids`: an insats that stops
    /// touching a service must first stop measuring it.
    pub fn measures_only(&self, service_ids: &[i32]) -> Result<(), Error> {
        let outside: Vec<FieldProblem> = self
            .benefits
            .iter()
            .enumerate()
            .filter_map(|(i, b)| Some((i, b.indicator.as_ref()?.service_id)))
            .filter(|(_, service_id)| !service_ids.contains(service_id))
            .map(|(i, service_id)| FieldProblem {
                line: None,
                field: "service_ids".into(),
                message: format!(
                    "service {service_id} is measured by nyttokalkyl.benefits[{i}].indicator: change the nyttokalkyl first"
                ),
            })
            .collect();
        if outside.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(outside))
        }
    }
}

fn parse_benefit(
    problems: &mut Problems,
    at: &str,
    input: BenefitInput,
    years: u32,
    service_ids: &[i32],
) -> Option<Benefit> {
    let before = problems.0.len();
    let field = |name: &str| format!("{at}.{name}");
    let description = required_name(&field("description"), &input.description)
        .map_err(|e| problems.0.extend(invalid_problems(e)))
        .ok();
    let category = input
        .category
        .parse::<BenefitCategory>()
        .map_err(|m| problems.add(field("category"), m))
        .ok();
    let value = category.and_then(|category| benefit_value(problems, at, &input, category));
    let low_sek = input.low_sek.map(|v| problems.sek(field("low_sek"), v));
    let high_sek = input.high_sek.map(|v| problems.sek(field("high_sek"), v));
    let expected = match value {
        Some(BenefitValue::Sek(sek)) => Some(sek),
        _ => None,
    };
    if let (Some(low), Some(high)) = (low_sek.or(expected), high_sek.or(expected))
        && low > high
    {
        let (name, message) = match (low_sek, high_sek) {
            (Some(_), Some(_)) => ("low_sek", "must not be above high_sek"),
            (Some(_), None) => ("low_sek", "must not be above annual_value_sek"),
            _ => ("high_sek", "must not be below annual_value_sek"),
        };
        problems.add(field(name), message);
    }
    let from_year = input.from_year.unwrap_or(1);
    if !(0..=i64::from(years)).contains(&from_year) {
        problems.add(
            field("from_year"),
            format!("must be between 0 and calculation_years ({years})"),
        );
    }
    let indicator = input
        .indicator
        .and_then(|i| parse_indicator(problems, &field("indicator"), i, service_ids));
    if problems.0.len() > before {
        return None;
    }
    Some(Benefit {
        description: description?,
        category: category?,
        value: value?,
        low_sek,
        high_sek,
        from_year: from_year as u32,
        indicator,
    })
}

fn invalid_problems(error: Error) -> Vec<FieldProblem> {
    match error {
        Error::Invalid(problems) => problems,
        other => vec![FieldProblem {
            line: None,
            field: String::new(),
            message: other.to_string(),
        }],
    }
}

/// The value fields that fit the category: SEK for a financial or redistribution
/// benefit, or minutes × users for time freed (redistribution); none for an unvalued one.
fn benefit_value(
    problems: &mut Problems,
    at: &str,
    input: &BenefitInput,
    category: BenefitCategory,
) -> Option<BenefitValue> {
    let field = |name: &str| format!("{at}.{name}");
    if category == BenefitCategory::Unvalued {
        for (name, given) in [
            ("annual_value_sek", input.annual_value_sek.is_some()),
            ("minutes_per_week", input.minutes_per_week.is_some()),
            ("users", input.users.is_some()),
            ("low_sek", input.low_sek.is_some()),
            ("high_sek", input.high_sek.is_some()),
        ] {
            if given {
                problems.add(
                    field(name),
                    "an unvalued benefit carries no SEK: leave it out, or choose another category",
                );
            }
        }
        return Some(BenefitValue::Unvalued);
    }
    match (input.annual_value_sek, input.minutes_per_week, input.users) {
        (Some(sek), None, None) => Some(BenefitValue::Sek(
            problems.sek(field("annual_value_sek"), sek),
        )),
        (None, Some(minutes), users) => {
            if category == BenefitCategory::Financial {
                problems.add(
                    field("category"),
                    "time freed is redistribution, not money that leaves a budget",
                );
            }
            if !(minutes.is_finite() && minutes > 0.0 && minutes <= MINUTES_A_WEEK) {
                problems.add(
                    field("minutes_per_week"),
                    "must be above 0 and at most 10080 (the minutes of a week)",
                );
            }
            let users = users
                .and_then(|u| u32::try_from(u).ok())
                .filter(|u| *u >= 1)
                .unwrap_or_else(|| {
                    problems.add(field("users"), "must be at least 1 with minutes_per_week");
                    0
                });
            Some(BenefitValue::Time {
                minutes_per_week: minutes,
                users,
            })
        }
        (Some(_), Some(_), _) => {
            problems.add(
                field("annual_value_sek"),
                "give either annual_value_sek or minutes_per_week with users, not both",
            );
            None
        }
        (None, None, Some(_)) => {
            problems.add(field("minutes_per_week"), "is needed with users");
            None
        }
        (Some(_), None, Some(_)) => {
            problems.add(field("users"), "counts only with minutes_per_week");
            None
        }
        (None, None, None) => {
            problems.add(
                field("annual_value_sek"),
                "is needed (or minutes_per_week with users; or category unvalued)",
            );
            None
        }
    }
}

fn parse_indicator(
    problems: &mut Problems,
    at: &str,
    input: IndicatorInput,
    service_ids: &[i32],
) -> Option<Indicator> {
    let before = problems.0.len();
    let field = |name: &str| format!("{at}.{name}");
    if !service_ids.contains(&input.service_id) {
        problems.add(
            field("service_id"),
            format!(
                "service {} is not one the insats touches (service_ids)",
                input.service_id
            ),
        );
    }
    let metric = input
        .metric
        .parse::<Metric>()
        .map_err(|m| {
            problems.add(
                field("metric"),
                format!("{m}: use sus, nyttoindex, tidsvinst, nps or umux_lite"),
            )
        })
        .ok();
    let in_range = |value: f64| {
        metric.is_none_or(|m| {
            let (low, high) = m.range();
            value.is_finite() && (low..=high).contains(&value)
        })
    };
    let scale = || {
        metric.map_or_else(String::new, |m| {
            let (low, high) = m.range();
            format!("must be between {low} and {high} for {}", m.as_str())
        })
    };
    if !in_range(input.target) {
        problems.add(field("target"), scale());
    }
    if let Some(period) = &input.target_period {
        problems.period(field("target_period"), period);
    }
    let baseline = input.baseline.map(|b| {
        if !in_range(b.value) {
            problems.add(field("baseline.value"), scale());
        }
        problems.period(field("baseline.period"), &b.period);
        if !(1..=i64::from(u32::MAX)).contains(&b.n) {
            problems.add(
                field("baseline.n"),
                "must be at least 1 (the answers behind it)",
            );
        }
        if b.value == input.target {
            problems.add(
                field("target"),
                "must differ from the baseline: a target equal to it asks for no change",
            );
        }
        Baseline {
            value: b.value,
            period: b.period,
            n: b.n.clamp(0, i64::from(u32::MAX)) as u32,
        }
    });
    if problems.0.len() > before {
        return None;
    }
    Some(Indicator {
        service_id: input.service_id,
        metric: metric?,
        baseline,
        target: input.target,
        target_period: input.target_period,
    })
}
