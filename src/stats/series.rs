//! A service's results as its objektägare reads them: the series of its rounds with
//! every figure that passes the anonymity threshold, the latest change (Welch) and the
//! trend (OLS slope per round), and the weighted summary of several services (an owner's
//! or a förvaltning's). Pure: rounds and stored figures in, what may be shown out.

use std::collections::BTreeMap;

use super::{
    aggregate::{Aggregate, SegmentKey},
    scores::Metric,
    summary::{
        Change, MeanSummary, Nyttokalkyl, Proportion, Valuation, nyttokalkyl, ols_slope,
        proportion, welch,
    },
};
use crate::domain::release::too_few;

/// A round as the series needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundFacts {
    pub round_id: i32,
    pub period: String,
    /// When it opened: which report period it belongs to.
    pub opens_at: chrono::DateTime<chrono::Utc>,
    pub closed: bool,
    pub invited: u64,
    /// Delivered invitations (sent, not bounced).
    pub delivered: u64,
    pub answered: u64,
    /// `None` while open.
    pub released: Option<u64>,
}

/// One metric of one group: its figures, or withheld.
#[derive(Debug, Clone, PartialEq)]
pub enum Figure {
    Shown(Aggregate),
    /// Fewer answers than the threshold: no number at all, not even the count.
    TooFewAnswers,
}

impl Figure {
    /// The figures, unless withheld.
    pub fn shown(&self) -> Option<&Aggregate> {
        match self {
            Self::Shown(aggregate) => Some(aggregate),
            Self::TooFewAnswers => None,
        }
    }

    pub fn is_shown(&self) -> bool {
        self.shown().is_some()
    }

    /// The mean (for NPS the score), unless withheld.
    pub fn mean(&self) -> Option<f64> {
        self.shown()?.mean
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RoundSeriesEntry {
    pub round: RoundFacts,
    /// Answered ÷ delivered, with its Wilson interval.
    pub response_rate: Option<Proportion>,
    /// Closed, but released fewer answers than the threshold: nothing of the round is
    /// shown but its counts.
    pub withheld: bool,
    /// Whole-round figures (closed rounds that released answers only).
    pub figures: BTreeMap<Metric, Figure>,
    /// Figures per segment; only segments whose every shown figure passes the threshold.
    pub segments: BTreeMap<SegmentKey, BTreeMap<Metric, Figure>>,
    /// The round's tidsvinst valued against the service's cost, when tidsvinst is shown
    /// (and the series was given the costing): computed here once per round.
    pub nyttokalkyl: Option<Nyttokalkyl>,
}

impl RoundSeriesEntry {
    /// `metric`'s whole-round figures, unless withheld or not measured.
    pub fn shown(&self, metric: Metric) -> Option<&Aggregate> {
        self.figures.get(&metric)?.shown()
    }

    /// Closed and released enough answers to show its figures.
    pub fn has_results(&self) -> bool {
        self.round.released.is_some() && !self.withheld
    }

    /// Whether a closed round withholds `metric`: its figure is below the threshold, or
    /// the round released nothing at all (too few answers to release any).
    pub fn withholds(&self, metric: Metric) -> bool {
        match self.figures.get(&metric) {
            Some(figure) => !figure.is_shown(),
            None => self.round.released == Some(0),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Trend {
    pub metric: Metric,
    /// The latest released round against the one before it.
    pub change: Option<(i32, i32, Change)>,
    /// OLS slope per round over the last `TREND_ROUNDS` released rounds (at least 3).
    pub slope_per_round: Option<f64>,
    pub rounds_in_slope: usize,
}

impl Trend {
    /// The change into round `round_id` from the one before it, if that is the latest.
    pub fn change_into(&self, round_id: i32) -> Option<&Change> {
        self.change
            .as_ref()
            .filter(|(_, later, _)| *later == round_id)
            .map(|(_, _, change)| change)
    }
}

/// Rounds the slope looks back over.
pub const TREND_ROUNDS: usize = 8;

/// What a service's saved time is worth: the valuation (settings) and the service's
/// users and annual cost (the catalogue).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServiceCosting {
    pub valuation: Valuation,
    pub users: u32,
    pub annual_cost_sek: f64,
}

/// The series, oldest round first; with `costing`, each round with a shown tidsvinst
/// carries its nyttokalkyl.
pub fn service_series(
    rounds: &[RoundFacts],
    aggregates: &[(i32, Aggregate)],
    min_group_size: usize,
    costing: Option<ServiceCosting>,
) -> (Vec<RoundSeriesEntry>, Vec<Trend>) {
    let mut by_round: BTreeMap<i32, Vec<&Aggregate>> = BTreeMap::new();
    for (round_id, aggregate) in aggregates {
        by_round.entry(*round_id).or_default().push(aggregate);
    }
    let entries: Vec<RoundSeriesEntry> = rounds
        .iter()
        .map(|round| {
            let mut figures = BTreeMap::new();
            let mut segments: BTreeMap<SegmentKey, BTreeMap<Metric, Figure>> = BTreeMap::new();
            if round.closed {
                for aggregate in by_round.get(&round.round_id).into_iter().flatten() {
                    let figure = if too_few(aggregate.n, min_group_size) {
                        Figure::TooFewAnswers
                    } else {
                        Figure::Shown((*aggregate).clone())
                    };
                    match &aggregate.segment {
                        SegmentKey::All => {
                            figures.insert(aggregate.metric, figure);
                        }
                        segment if !too_few(aggregate.responses, min_group_size) => {
                            segments
                                .entry(segment.clone())
                                .or_default()
                                .insert(aggregate.metric, figure);
                        }
                        _ => {}
                    }
                }
            }
            let nyttokalkyl = costing.and_then(|costing| {
                let minutes = figures.get(&Metric::Tidsvinst)?.shown()?;
                Some(nyttokalkyl(
                    minutes.mean?,
                    minutes.ci,
                    costing.valuation,
                    costing.users,
                    costing.annual_cost_sek,
                ))
            });
            RoundSeriesEntry {
                response_rate: proportion(round.answered, round.delivered),
                withheld: round
                    .released
                    .is_some_and(|released| too_few(released as usize, min_group_size)),
                round: round.clone(),
                figures,
                segments,
                nyttokalkyl,
            }
        })
        .collect();
    let metrics: Vec<Metric> = Metric::ALL
        .into_iter()
        .filter(|m| entries.iter().any(|e| e.figures.contains_key(m)))
        .collect();
    let trends = metrics
        .into_iter()
        .map(|metric| trend(metric, &entries))
        .collect();
    (entries, trends)
}

/// The nyttokalkyl of the latest round that has one, with that round's period (it may
/// be older than the latest closed round, and readers are told so).
pub fn latest_nyttokalkyl(entries: &[RoundSeriesEntry]) -> Option<(&str, &Nyttokalkyl)> {
    entries
        .iter()
        .rev()
        .find_map(|e| Some((e.round.period.as_str(), e.nyttokalkyl.as_ref()?)))
}

fn as_summary(aggregate: &Aggregate) -> Option<MeanSummary> {
    Some(MeanSummary {
        n: aggregate.n,
        mean: aggregate.mean?,
        sd: aggregate.sd,
        ci: aggregate.ci,
        median: aggregate.median.unwrap_or_default(),
    })
}

fn trend(metric: Metric, entries: &[RoundSeriesEntry]) -> Trend {
    let points: Vec<(i32, &Aggregate)> = entries
        .iter()
        .filter_map(|e| e.shown(metric).map(|a| (e.round.round_id, a)))
        .collect();
    // NPS is a difference of shares, not a mean: no Welch test for it.
    let change = match points.as_slice() {
        [.., (before_id, before), (last_id, last)] if metric != Metric::Nps => as_summary(before)
            .zip(as_summary(last))
            .and_then(|(b, l)| welch(&b, &l))
            .map(|change| (*before_id, *last_id, change)),
        _ => None,
    };
    let recent = &points[points.len().saturating_sub(TREND_ROUNDS)..];
    let slope_per_round = (recent.len() >= 3)
        .then(|| {
            let xy: Vec<(f64, f64)> = recent
                .iter()
                .enumerate()
                .filter_map(|(i, (_, a))| a.mean.map(|m| (i as f64, m)))
                .collect();
            ols_slope(&xy)
        })
        .flatten();
    Trend {
        metric,
        change,
        slope_per_round,
        rounds_in_slope: if slope_per_round.is_some() {
            recent.len()
        } else {
            0
        },
    }
}

/// Several services' latest figures combined, each weighted by its number of answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Combined {
    Shown {
        n: usize,
        mean: f64,
        services: usize,
    },
    TooFewAnswers,
}

/// For each metric: the answer-weighted mean of each service's latest shown figure.
/// Withheld when the answers behind it are fewer than the threshold.
pub fn combine_latest<'a>(
    services: impl IntoIterator<Item = &'a [RoundSeriesEntry]>,
    min_group_size: usize,
) -> BTreeMap<Metric, Combined> {
    let mut sums: BTreeMap<Metric, (usize, f64, usize)> = BTreeMap::new();
    for series in services {
        for metric in Metric::ALL {
            if let Some(latest) = series.iter().rev().find_map(|e| e.shown(metric))
                && let Some(mean) = latest.mean
            {
                let entry = sums.entry(metric).or_default();
                entry.0 += latest.n;
                entry.1 += mean * latest.n as f64;
                entry.2 += 1;
            }
        }
    }
    sums.into_iter()
        .map(|(metric, (n, weighted, services))| {
            let combined = if !too_few(n, min_group_size) {
                Combined::Shown {
                    n,
                    mean: weighted / n as f64,
                    services,
                }
            } else {
                Combined::TooFewAnswers
            };
            (metric, combined)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RespondentKind;

    fn round(id: i32, closed: bool, answered: u64, released: Option<u64>) -> RoundFacts {
        RoundFacts {
            round_id: id,
            period: format!("2026-Q{id}"),
            opens_at: chrono::DateTime::UNIX_EPOCH,
            closed,
            invited: 40,
            delivered: 40,
            answered,
            released,
        }
    }

    fn sus(segment: SegmentKey, n: usize, mean: f64, sd: f64) -> Aggregate {
        Aggregate {
            metric: Metric::Sus,
            segment,
            responses: n,
            n,
            mean: Some(mean),
            sd: Some(sd),
            ci: None,
            median: Some(mean),
            promoters: None,
            detractors: None,
        }
    }

    #[test]
    fn figures_below_the_threshold_are_withheld_and_open_rounds_show_only_their_rate() {
        let rounds = [
            round(1, true, 10, Some(10)),
            round(2, true, 4, Some(0)),
            round(3, false, 12, None),
        ];
        let aggregates = [
            (1, sus(SegmentKey::All, 10, 70.0, 10.0)),
            (
                1,
                sus(SegmentKey::Kind(RespondentKind::Internal), 6, 72.0, 9.0),
            ),
            (
                1,
                sus(SegmentKey::Kind(RespondentKind::External), 4, 67.0, 9.0),
            ),
        ];
        let (entries, _) = service_series(&rounds, &aggregates, 5, None);
        assert!(matches!(entries[0].figures[&Metric::Sus], Figure::Shown(_)));
        // Internal (6) is shown; external (4 responses) is not listed at all.
        assert_eq!(entries[0].segments.len(), 1);
        assert!(entries[1].figures.is_empty());
        assert_eq!(
            entries.iter().map(|e| e.withheld).collect::<Vec<_>>(),
            [false, true, false]
        );
        assert!(entries[1].withholds(Metric::Sus) && !entries[0].withholds(Metric::Sus));
        // Open: 12 of 40 answered, Wilson interval, and no figures.
        let rate = entries[2].response_rate.unwrap();
        assert_eq!((rate.successes, rate.n, rate.share), (12, 40, 0.3));
        assert!(entries[2].figures.is_empty());
    }

    #[test]
    fn a_metric_with_fewer_answers_than_its_round_is_too_few_answers() {
        let rounds = [round(1, true, 6, Some(6))];
        let mut incomplete = sus(SegmentKey::All, 4, 70.0, 10.0);
        incomplete.responses = 6;
        let (entries, trends) = service_series(&rounds, &[(1, incomplete)], 5, None);
        assert_eq!(entries[0].figures[&Metric::Sus], Figure::TooFewAnswers);
        assert!(entries[0].withholds(Metric::Sus) && entries[0].has_results());
        assert_eq!(trends[0].change, None);
    }

    #[test]
    fn change_is_welch_between_the_last_two_rounds_and_the_slope_needs_three() {
        let rounds: Vec<RoundFacts> = (1..=4).map(|i| round(i, true, 20, Some(20))).collect();
        // Means 60, 62, 66, 70 (SD 10, n 20); slope of (0,60),(1,62),(2,66),(3,70):
        // x̄ 1.5, ȳ 64.5, Sxy = (−1.5)(−4.5) + (−0.5)(−2.5) + 0.5·1.5 + 1.5·5.5 = 17,
        // Sxx = 5 → 3.4 points a round.
        let aggregates: Vec<(i32, Aggregate)> = [60.0, 62.0, 66.0, 70.0]
            .iter()
            .enumerate()
            .map(|(i, mean)| (i as i32 + 1, sus(SegmentKey::All, 20, *mean, 10.0)))
            .collect();
        let (_, trends) = service_series(&rounds, &aggregates, 5, None);
        let sus_trend = &trends[0];
        assert!((sus_trend.slope_per_round.unwrap() - 3.4).abs() < 1e-12);
        assert_eq!(sus_trend.rounds_in_slope, 4);
        // 66 → 70, SD 10, n 20 each: t = 4/√10 = 1.2649, df 38, p = 0.2136.
        let (from, to, change) = sus_trend.change.unwrap();
        assert_eq!((from, to, change.difference), (3, 4, 4.0));
        assert!((change.p - 0.2136).abs() < 1e-3, "{}", change.p);
        assert!(!change.significant);
        assert_eq!(sus_trend.change_into(4), Some(&change));
        assert_eq!(sus_trend.change_into(3), None);
        let (_, two) = service_series(&rounds[..2], &aggregates[..2], 5, None);
        assert_eq!(two[0].slope_per_round, None);
    }

    #[test]
    fn each_round_with_a_shown_tidsvinst_carries_its_nyttokalkyl() {
        let rounds = [round(1, true, 10, Some(10)), round(2, true, 4, Some(0))];
        let mut minutes = sus(SegmentKey::All, 10, 30.0, 5.0);
        minutes.metric = Metric::Tidsvinst;
        let costing = ServiceCosting {
            valuation: Valuation {
                working_weeks: 44,
                hourly_cost_sek: 450.0,
            },
            users: 500,
            annual_cost_sek: 100_000.0,
        };
        let (entries, _) = service_series(&rounds, &[(1, minutes)], 5, Some(costing));
        // 30 min × 44 weeks × 500 users / 60 = 11,000 h, × 450 SEK = 4,950,000 SEK.
        let kalkyl = entries[0].nyttokalkyl.unwrap();
        assert_eq!(
            (kalkyl.annual_hours, kalkyl.value_sek),
            (11_000.0, 4_950_000.0)
        );
        assert_eq!(entries[1].nyttokalkyl, None);
        let (period, latest) = latest_nyttokalkyl(&entries).unwrap();
        assert_eq!((period, latest), ("2026-Q1", &kalkyl));
        let (uncosted, _) = service_series(&rounds, &[], 5, None);
        assert_eq!(latest_nyttokalkyl(&uncosted), None);
    }

    #[test]
    fn services_combine_weighted_by_their_answers() {
        let series = |n, mean| {
            service_series(
                &[round(1, true, n as u64, Some(n as u64))],
                &[(1, sus(SegmentKey::All, n, mean, 10.0))],
                5,
                None,
            )
            .0
        };
        // (10 · 70 + 30 · 50) / 40 = 55.
        let (a, b) = (series(10, 70.0), series(30, 50.0));
        let combined = combine_latest([a.as_slice(), b.as_slice()], 5);
        assert_eq!(
            combined[&Metric::Sus],
            Combined::Shown {
                n: 40,
                mean: 55.0,
                services: 2
            }
        );
        assert!(combine_latest([series(4, 70.0).as_slice()], 5).is_empty());
    }
}
