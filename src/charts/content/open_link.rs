//! The open link's answers as a series of their own on a metric's trend: e-service
//! users answer apart from the invited, and an owner should see whether they differ.
//! Only figures that pass the anonymity threshold become points; every other round is
//! a gap, said as "too few answers" whether the link took a few answers or none, so
//! the chart never tells the two apart.

use crate::{
    charts::{Point, Round, SegmentSeries},
    domain::Language,
    stats::{Metric, aggregate::SegmentKey, series::RoundSeriesEntry},
    wording::say,
};

/// The open link's figure of `metric` in a round: `None` when the round kept no
/// open-link segment (no answers through it, or too few to keep).
fn open_link_round(entry: &RoundSeriesEntry, metric: Metric, label: &str) -> Option<Round> {
    let figure = entry.segments.get(&SegmentKey::OpenLink)?.get(&metric)?;
    Some(
        match figure
            .shown()
            .and_then(|shown| Some((shown.mean?, shown.ci)))
        {
            Some((value, band)) => Round::Shown(Point {
                label: label.to_owned(),
                value,
                band,
            }),
            None => Round::TooFewAnswers {
                label: label.to_owned(),
            },
        },
    )
}

/// The open link's series over the chart's `axis` (its entries and rounds, oldest
/// first), from the first round with an open-link figure of `metric` on: the chart's
/// last rounds, so rounds from before the link are not listed as "too few answers".
/// `None` when no round has such a figure (the chart is then the same as without
/// open links) or when none of them is shown (a line of gaps tells nothing).
pub(super) fn open_link_series(
    axis: &[(&RoundSeriesEntry, Round)],
    metric: Metric,
    lang: Language,
) -> Option<SegmentSeries> {
    let figures: Vec<Option<Round>> = axis
        .iter()
        .map(|(entry, round)| open_link_round(entry, metric, round.label()))
        .collect();
    let first = figures.iter().position(Option::is_some)?;
    let rounds: Vec<Round> = figures[first..]
        .iter()
        .zip(&axis[first..])
        .map(|(figure, (_, round))| {
            figure.clone().unwrap_or_else(|| Round::TooFewAnswers {
                label: round.label().to_owned(),
            })
        })
        .collect();
    rounds
        .iter()
        .any(|r| r.point().is_some())
        .then(|| SegmentSeries {
            label: say(lang, "Via öppen länk", "Through the open link"),
            rounds,
        })
}
