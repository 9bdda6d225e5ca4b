//! Benefit realisation (SPEC "Insatser"): a benefit's indicator measured by the surveys
//! after go-live, against its baseline and target. Per released round whose period
//! begins on or after `live_on` (the whole period after go-live): the mean with its CI,
//! the realised share (mean − baseline)/(target − baseline), and a status. `achieved`:
//! the mean reaches the target; `progressing` / `worse`: a significant change towards /
//! away from it (Welch p < 0.05 against a baseline round; against a baseline given as a
//! value, the round's 95 % CI excludes it); `not_realised`: no significant change;
//! `too_few_answers`: withheld by the anonymity threshold (never a number); `pending`: no
//! released round yet. A stored figure becomes a [`Measure`] in [`measure_of`], which
//! asks the one anonymity threshold (`domain::release::too_few`).

use chrono::NaiveDate;

use crate::{
    domain::{Metric, insats::nyttokalkyl::Baseline, release::too_few},
    stats::{
        aggregate::Aggregate,
        summary::{MeanSummary, Valuation, nyttokalkyl as time_value, t_95, welch},
    },
};

/// One metric's figure in a released round.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Measure {
    Shown(MeanSummary),
    /// Fewer answers than the threshold: nothing of it may be shown.
    TooFewAnswers,
}

/// A released round of the indicator's service.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasuredRound {
    pub round_id: i32,
    pub period: String,
    /// The first day of the round's period.
    pub period_start: NaiveDate,
    /// The day it closed: a round closed before go-live may be the baseline.
    pub closed_on: NaiveDate,
    pub measure: Measure,
}

/// What one benefit's indicator promised.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorPlan {
    pub metric: Metric,
    pub target: f64,
    /// `None`: the last released round closed before go-live.
    pub baseline: Option<Baseline>,
    /// The benefit's planned SEK a year (tidsvinst sets the realised SEK against it).
    pub planned_annual_sek: Option<f64>,
    /// Whose minutes a tidsvinst indicator values (`Benefit::measured_users`).
    pub users: u32,
}

/// The baseline the realisation measured against.
#[derive(Debug, Clone, PartialEq)]
pub enum BaselineFigure {
    /// The service's last released round before go-live.
    Round {
        round_id: i32,
        period: String,
        summary: MeanSummary,
    },
    /// Given as a value, with its period and n.
    Value { value: f64, period: String, n: u32 },
    /// That round had too few answers for this metric: no number.
    TooFewAnswers { round_id: i32, period: String },
    /// No released round before go-live, and no value given.
    Missing,
}

impl BaselineFigure {
    pub fn value(&self) -> Option<f64> {
        match self {
            Self::Round { summary, .. } => Some(summary.mean),
            Self::Value { value, .. } => Some(*value),
            Self::TooFewAnswers { .. } | Self::Missing => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RealisationStatus {
    Achieved,
    Progressing,
    NotRealised,
    Worse,
    TooFewAnswers,
    Pending,
}

impl RealisationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Achieved => "achieved",
            Self::Progressing => "progressing",
            Self::NotRealised => "not_realised",
            Self::Worse => "worse",
            Self::TooFewAnswers => "too_few_answers",
            Self::Pending => "pending",
        }
    }
}

/// The realised value of a tidsvinst indicator, SEK a year.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RealisedSek {
    pub value_sek: f64,
    /// At the ends of the mean's 95 % interval.
    pub ci_sek: Option<(f64, f64)>,
    /// What the benefit planned.
    pub planned_sek: Option<f64>,
}

/// A round's figures, present only when they pass the threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured {
    pub n: usize,
    pub mean: f64,
    pub ci: Option<(f64, f64)>,
    /// `None` without a baseline number (or with a target equal to it).
    pub realised_share: Option<f64>,
    /// Welch's p against a baseline round; `None` against a value or without a test.
    pub p_value: Option<f64>,
    pub realised_sek: Option<RealisedSek>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RoundRealisation {
    pub round_id: i32,
    pub period: String,
    pub status: RealisationStatus,
    /// `None` exactly when the status is `too_few_answers`.
    pub measured: Option<Measured>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorRealisation {
    pub metric: Metric,
    pub target: f64,
    pub baseline: BaselineFigure,
    /// The rounds after go-live, oldest first.
    pub rounds: Vec<RoundRealisation>,
    /// The latest round's status; `pending` without one.
    pub status: RealisationStatus,
}

impl IndicatorRealisation {
    /// The realised share of the latest round that has one.
    pub fn latest_share(&self) -> Option<f64> {
        self.rounds
            .iter()
            .rev()
            .find_map(|r| r.measured.and_then(|m| m.realised_share))
    }
}

/// `rounds`: the released rounds of the indicator's service, in any order.
pub fn realise(
    plan: &IndicatorPlan,
    live_on: NaiveDate,
    rounds: &[MeasuredRound],
    valuation: Valuation,
) -> IndicatorRealisation {
    let baseline = match &plan.baseline {
        Some(given) => BaselineFigure::Value {
            value: given.value,
            period: given.period.clone(),
            n: given.n,
        },
        None => baseline_round(live_on, rounds),
    };
    let mut after: Vec<&MeasuredRound> = rounds
        .iter()
        .filter(|r| r.period_start >= live_on)
        .collect();
    after.sort_by_key(|r| (r.period_start, r.round_id));
    let rounds: Vec<RoundRealisation> = after
        .into_iter()
        .map(|round| round_realisation(plan, &baseline, round, valuation))
        .collect();
    IndicatorRealisation {
        metric: plan.metric,
        target: plan.target,
        status: rounds
            .last()
            .map_or(RealisationStatus::Pending, |r| r.status),
        baseline,
        rounds,
    }
}

/// The last released round closed before go-live.
fn baseline_round(live_on: NaiveDate, rounds: &[MeasuredRound]) -> BaselineFigure {
    let last = rounds
        .iter()
        .filter(|r| r.closed_on < live_on)
        .max_by_key(|r| (r.closed_on, r.period_start, r.round_id));
    match last {
        None => BaselineFigure::Missing,
        Some(round) => match round.measure {
            Measure::Shown(summary) => BaselineFigure::Round {
                round_id: round.round_id,
                period: round.period.clone(),
                summary,
            },
            Measure::TooFewAnswers => BaselineFigure::TooFewAnswers {
                round_id: round.round_id,
                period: round.period.clone(),
            },
        },
    }
}

fn round_realisation(
    plan: &IndicatorPlan,
    baseline: &BaselineFigure,
    round: &MeasuredRound,
    valuation: Valuation,
) -> RoundRealisation {
    let Measure::Shown(summary) = round.measure else {
        return RoundRealisation {
            round_id: round.round_id,
            period: round.period.clone(),
            status: RealisationStatus::TooFewAnswers,
            measured: None,
        };
    };
    let start = baseline.value();
    // Every metric here is better higher, so without a baseline (or with a target equal
    // to a measured one) the target lies upwards.
    let upwards = start.is_none_or(|b| plan.target >= b);
    let realised_share = start
        .filter(|b| *b != plan.target)
        .map(|b| (summary.mean - b) / (plan.target - b));
    let reached = if upwards {
        summary.mean >= plan.target
    } else {
        summary.mean <= plan.target
    };
    let (significant, p_value) = match baseline {
        BaselineFigure::Round {
            summary: before, ..
        } => match welch(before, &summary) {
            Some(change) => (change.significant, Some(change.p)),
            None => (false, None),
        },
        BaselineFigure::Value { value, .. } => (
            summary
                .ci
                .is_some_and(|(low, high)| *value < low || *value > high),
            None,
        ),
        BaselineFigure::TooFewAnswers { .. } | BaselineFigure::Missing => (false, None),
    };
    let status = if reached {
        RealisationStatus::Achieved
    } else if !significant {
        RealisationStatus::NotRealised
    } else if (summary.mean > start.unwrap_or(summary.mean)) == upwards {
        RealisationStatus::Progressing
    } else {
        RealisationStatus::Worse
    };
    let realised_sek = (plan.metric == Metric::Tidsvinst).then(|| {
        let valued = time_value(summary.mean, summary.ci, valuation, plan.users, 0.0);
        RealisedSek {
            value_sek: valued.value_sek,
            ci_sek: valued.value_ci_sek,
            planned_sek: plan.planned_annual_sek,
        }
    });
    RoundRealisation {
        round_id: round.round_id,
        period: round.period.clone(),
        status,
        measured: Some(Measured {
            n: summary.n,
            mean: summary.mean,
            ci: summary.ci,
            realised_share,
            p_value,
            realised_sek,
        }),
    }
}

/// The realised share of an insats's planned benefit: the mean of its indicators'
/// latest realised shares; `None` when none has one.
pub fn insats_realised_share(indicators: &[IndicatorRealisation]) -> Option<f64> {
    let shares: Vec<f64> = indicators
        .iter()
        .filter_map(IndicatorRealisation::latest_share)
        .collect();
    (!shares.is_empty()).then(|| shares.iter().sum::<f64>() / shares.len() as f64)
}

/// A round's stored figure of one metric as realisation reads it: withheld below the
/// anonymity threshold (as every reader withholds it), NPS as [`nps_summary`].
pub fn measure_of(aggregate: &Aggregate, min_group_size: usize) -> Option<Measure> {
    if too_few(aggregate.n, min_group_size) {
        return Some(Measure::TooFewAnswers);
    }
    let summary = if aggregate.metric == Metric::Nps {
        nps_summary(
            aggregate.n as u64,
            aggregate.promoters?,
            aggregate.detractors?,
        )?
    } else {
        MeanSummary {
            n: aggregate.n,
            mean: aggregate.mean?,
            sd: aggregate.sd,
            ci: aggregate.ci,
            median: aggregate.median.unwrap_or(aggregate.mean?),
        }
    };
    Some(Measure::Shown(summary))
}

/// NPS as a mean, so it has an SD, an interval and a Welch test like the other metrics:
/// each answer scores +100 (promoter), 0 (passive) or −100 (detractor), whose mean is
/// exactly the NPS. `None` without answers.
pub fn nps_summary(n: u64, promoters: u64, detractors: u64) -> Option<MeanSummary> {
    if n == 0 || promoters + detractors > n {
        return None;
    }
    let n_f = n as f64;
    let mean = 100.0 * (promoters as f64 - detractors as f64) / n_f;
    let sd = (n >= 2).then(|| {
        let squares = 10_000.0 * (promoters + detractors) as f64 - n_f * mean * mean;
        (squares.max(0.0) / (n_f - 1.0)).sqrt()
    });
    let ci = sd.map(|sd| {
        let half = t_95(n_f - 1.0) * sd / n_f.sqrt();
        (mean - half, mean + half)
    });
    // Sorted: detractors (−100), passives (0), promoters (100).
    let at = |index: u64| {
        if index < detractors {
            -100.0
        } else if index < n - promoters {
            0.0
        } else {
            100.0
        }
    };
    let median = if n % 2 == 1 {
        at(n / 2)
    } else {
        (at(n / 2 - 1) + at(n / 2)) / 2.0
    };
    Some(MeanSummary {
        n: n as usize,
        mean,
        sd,
        ci,
        median,
    })
}

#[cfg(test)]
mod tests;
