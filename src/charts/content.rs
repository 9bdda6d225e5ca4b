//! What each chart shows, built from a service's series (so only figures that pass the
//! anonymity threshold become points): a metric's trend or the response rate, the
//! services overview, and an owner's services side by side; their words in Swedish or
//! English. Pure: series in, chart content out (drawn by this module's parent).

mod open_link;
mod realisation;

pub use realisation::realisation_of;

use open_link::open_link_series;

use super::{OverviewChart, Point, Round, ServicePoint, SmallMultiples, TrendChart};
use crate::{
    domain::{Language, Service},
    numbers::{number, percent},
    stats::{Metric, series::RoundSeriesEntry},
    wording::{metric_name, say},
};

/// A service and its rounds (oldest first), as the charts read them.
#[derive(Debug, Clone, Copy)]
pub struct ServiceRounds<'a> {
    pub service: &'a Service,
    pub rounds: &'a [RoundSeriesEntry],
}

/// What a chart shows: a metric's trend, or the response rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartMetric {
    Metric(Metric),
    ResponseRate,
}

impl ChartMetric {
    pub const ALL: [Self; 6] = [
        Self::Metric(Metric::Sus),
        Self::Metric(Metric::UmuxLite),
        Self::Metric(Metric::Nyttoindex),
        Self::Metric(Metric::Nps),
        Self::Metric(Metric::Tidsvinst),
        Self::ResponseRate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Metric(metric) => metric.as_str(),
            Self::ResponseRate => "response_rate",
        }
    }

    /// The name on a chart.
    fn label(self, lang: Language) -> String {
        match self {
            Self::Metric(metric) => metric_name(metric, lang),
            Self::ResponseRate => say(lang, "Svarsfrekvens", "Response rate"),
        }
    }
}

/// A service's trend of `metric`, its words in `lang`; `None` when no round has a point.
/// Closed rounds whose figure is withheld stay on the axis as gaps. A metric's trend
/// also carries the open link's answers as a series of their own, once a round has
/// them (see [`open_link_series`]).
pub fn trend_of(service: ServiceRounds, metric: ChartMetric, lang: Language) -> Option<TrendChart> {
    let name = &service.service.details.name;
    let closed = service.rounds.iter().filter(|e| e.round.closed);
    let axis: Vec<(&RoundSeriesEntry, Round)> = match metric {
        ChartMetric::ResponseRate => closed
            .filter_map(|e| {
                let rate = e.response_rate?;
                Some((
                    e,
                    Round::Shown(Point {
                        label: e.round.period.clone(),
                        value: 100.0 * rate.share,
                        band: Some((100.0 * rate.ci.0, 100.0 * rate.ci.1)),
                    }),
                ))
            })
            .collect(),
        ChartMetric::Metric(m) => closed
            .filter_map(|e| {
                let label = e.round.period.clone();
                if e.withholds(m) {
                    return Some((e, Round::TooFewAnswers { label }));
                }
                let shown = e.shown(m)?;
                Some((
                    e,
                    Round::Shown(Point {
                        label,
                        value: shown.mean?,
                        band: shown.ci,
                    }),
                ))
            })
            .collect(),
    };
    // Withheld rounds before the first figure say nothing a reader can compare.
    let first = axis.iter().position(|(_, r)| r.point().is_some())?;
    let axis = &axis[first..];
    let rounds: Vec<Round> = axis.iter().map(|(_, r)| r.clone()).collect();
    let open_link = match metric {
        ChartMetric::Metric(m) => open_link_series(axis, m, lang),
        ChartMetric::ResponseRate => None,
    };
    let (title, y_label, y_range, reference) = match metric {
        ChartMetric::Metric(Metric::Sus) => (
            say(lang, "Användbarhet (SUS)", "Usability (SUS)"),
            "SUS (0–100)".to_owned(),
            (0.0, 100.0),
            Some((68.0, say(lang, "Genomsnitt för SUS: 68", "SUS average: 68"))),
        ),
        ChartMetric::Metric(Metric::UmuxLite) => (
            say(lang, "Användbarhet (UMUX-Lite)", "Usability (UMUX-Lite)"),
            "UMUX-Lite (0–100)".to_owned(),
            (0.0, 100.0),
            None,
        ),
        ChartMetric::Metric(Metric::Nyttoindex) => (
            say(lang, "Nyttoindex", "Benefit index"),
            say(lang, "Nyttoindex (0–100)", "Benefit index (0–100)"),
            (0.0, 100.0),
            None,
        ),
        ChartMetric::Metric(Metric::Nps) => (
            say(lang, "Rekommendation (NPS)", "Recommendation (NPS)"),
            say(lang, "NPS (−100–100)", "NPS (−100 to 100)"),
            (-100.0, 100.0),
            None,
        ),
        ChartMetric::Metric(Metric::Tidsvinst) => {
            let extreme = rounds
                .iter()
                .chain(open_link.iter().flat_map(|s| &s.rounds))
                .filter_map(Round::point)
                .flat_map(|p| {
                    [
                        p.value,
                        p.band.map_or(0.0, |b| b.0),
                        p.band.map_or(0.0, |b| b.1),
                    ]
                })
                .fold(10.0f64, |m, v| m.max(v.abs()));
            (
                say(lang, "Tidsvinst", "Time saved"),
                say(lang, "Minuter per vecka", "Minutes per week"),
                (-(extreme * 1.1).ceil(), (extreme * 1.1).ceil()),
                Some((0.0, say(lang, "Ingen tidsvinst", "No time saved"))),
            )
        }
        // 20 % is where the nyttoanalys flags a service's response rate.
        ChartMetric::ResponseRate => (
            say(lang, "Svarsfrekvens", "Response rate"),
            say(lang, "Svarsfrekvens (%)", "Response rate (%)"),
            (0.0, 100.0),
            Some((
                20.0,
                say(lang, "Flaggas under 20\u{a0}%", "Flagged below 20\u{a0}%"),
            )),
        ),
    };
    let value = |v: f64| match metric {
        ChartMetric::ResponseRate => percent(v / 100.0, lang),
        ChartMetric::Metric(_) => number(v, 1, lang),
    };
    let listed = |rounds: &[Round]| -> String {
        rounds
            .iter()
            .map(|round| match round {
                Round::Shown(p) => match p.band {
                    Some((low, high)) => format!(
                        "{} {} ({} {}–{})",
                        p.label,
                        value(p.value),
                        say(lang, "95\u{a0}% KI", "95\u{a0}% CI"),
                        value(low),
                        value(high)
                    ),
                    None => format!("{} {}", p.label, value(p.value)),
                },
                Round::TooFewAnswers { label } => {
                    format!("{label} {}", say(lang, "för få svar", "too few answers"))
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut description = format!(
        "{y_label} {}: {}.",
        say(lang, "per omgång", "per round"),
        listed(&rounds)
    );
    if let Some(series) = &open_link {
        description.push_str(&format!(" {}: {}.", series.label, listed(&series.rounds)));
    }
    Some(TrendChart {
        description,
        title: format!("{title} – {name}"),
        y_label,
        y_range,
        rounds,
        reference,
        open_link,
    })
}

/// A service in the overview: its latest closed round, the same round its row in the
/// services table shows.
enum Latest<'a> {
    Shown {
        period: &'a str,
        sus: f64,
        nyttoindex: f64,
    },
    TooFewAnswers {
        period: &'a str,
    },
}

fn latest_of(rounds: &[RoundSeriesEntry]) -> Option<Latest<'_>> {
    let entry = rounds.iter().rev().find(|e| e.round.closed)?;
    let period = entry.round.period.as_str();
    if entry.withholds(Metric::Sus) || entry.withholds(Metric::Nyttoindex) {
        return Some(Latest::TooFewAnswers { period });
    }
    let mean = |metric| entry.shown(metric)?.mean;
    Some(Latest::Shown {
        period,
        sus: mean(Metric::Sus)?,
        nyttoindex: mean(Metric::Nyttoindex)?,
    })
}

/// Kommunledningskontoret's overview: every service given with SUS and nyttoindex in
/// its latest closed round, placed by them and sized by its users. A service whose
/// latest round withholds them is left out and named in the description, never shown
/// with an older round's figure; the title says which period the points are from.
pub fn overview_of(services: &[ServiceRounds], lang: Language) -> Option<OverviewChart> {
    let latest: Vec<(&Service, Latest)> = services
        .iter()
        .filter_map(|s| Some((s.service, latest_of(s.rounds)?)))
        .collect();
    let periods: Vec<&str> = latest
        .iter()
        .map(|(_, l)| match l {
            Latest::Shown { period, .. } | Latest::TooFewAnswers { period } => *period,
        })
        .collect();
    let (oldest, newest) = (periods.iter().min()?, periods.iter().max()?);
    let one_period = oldest == newest;
    let mut points = Vec::new();
    let mut described = Vec::new();
    let mut too_few = Vec::new();
    for (service, figures) in &latest {
        let name = &service.details.name;
        match figures {
            Latest::Shown {
                period,
                sus,
                nyttoindex,
            } => {
                points.push(ServicePoint {
                    name: name.clone(),
                    nyttoindex: *nyttoindex,
                    sus: *sus,
                    users: service.details.users_count.max(0) as u32,
                });
                let when = if one_period {
                    String::new()
                } else {
                    format!(" ({period})")
                };
                described.push(format!(
                    "{name}{when}: SUS {}, {} {}",
                    number(*sus, 1, lang),
                    say(lang, "nyttoindex", "benefit index"),
                    number(*nyttoindex, 1, lang)
                ));
            }
            Latest::TooFewAnswers { period } => too_few.push(if one_period {
                name.clone()
            } else {
                format!("{name} ({period})")
            }),
        }
    }
    if points.is_empty() {
        return None;
    }
    let when = if one_period {
        (*newest).to_owned()
    } else {
        say(
            lang,
            &format!("senaste omgången per tjänst, {oldest}–{newest}"),
            &format!("each service's latest round, {oldest}–{newest}"),
        )
    };
    let mut description = format!(
        "{} {when}. {}.",
        say(
            lang,
            "SUS mot nyttoindex per tjänst,",
            "SUS against benefit index per service,"
        ),
        described.join("; ")
    );
    if !too_few.is_empty() {
        description.push_str(&format!(
            " {}: {}.",
            say(
                lang,
                "För få svar, visas inte",
                "Too few answers, not shown"
            ),
            too_few.join(", ")
        ));
    }
    Some(OverviewChart {
        title: format!(
            "{}, {when}",
            say(
                lang,
                "IT-tjänsterna: användbarhet och nytta",
                "IT services: usability and benefit"
            )
        ),
        description,
        services: points,
    })
}

/// An owner's services side by side: one trend of `metric` each.
pub fn small_multiples_of<'a>(
    owner: &str,
    services: impl IntoIterator<Item = ServiceRounds<'a>>,
    metric: ChartMetric,
    lang: Language,
) -> Option<SmallMultiples> {
    // Each panel is named by its service alone: the metric is in the chart's title.
    let panels: Vec<TrendChart> = services
        .into_iter()
        .filter_map(|s| {
            trend_of(s, metric, lang).map(|chart| TrendChart {
                title: s.service.details.name.clone(),
                ..chart
            })
        })
        .collect();
    if panels.is_empty() {
        return None;
    }
    let described: Vec<&str> = panels.iter().map(|p| p.description.as_str()).collect();
    Some(SmallMultiples {
        title: format!(
            "{} {} – {owner}",
            metric.label(lang),
            say(lang, "per tjänst", "per service")
        ),
        description: described.join(" "),
        panels,
    })
}

#[cfg(test)]
mod tests;
