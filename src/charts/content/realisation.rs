//! What an insats's benefit chart shows, from the realisation `stats` computed (so a
//! round with too few answers is a gap that says so, never a number): the baseline,
//! the target, the rounds after go-live and where go-live falls among them.

use chrono::NaiveDate;

use crate::{
    charts::{Point, RealisationChart, Round},
    domain::Language,
    numbers::number,
    stats::{
        Metric,
        insatser::{BaselineFigure, IndicatorRealisation},
    },
    wording::{metric_name, say},
};

fn axis_name(metric: Metric, lang: Language) -> String {
    let name = metric_name(metric, lang);
    match metric {
        Metric::Sus | Metric::UmuxLite | Metric::Nyttoindex => format!("{name} (0–100)"),
        Metric::Nps => match lang {
            Language::Sv => format!("{name} (−100–100)"),
            Language::En => format!("{name} (−100 to 100)"),
        },
        Metric::Tidsvinst => say(lang, "Minuter per vecka", "Minutes per week"),
    }
}

/// The metric's whole scale; time saved, which has none, symmetric around zero and wide
/// enough for every value drawn.
fn y_range(metric: Metric, rounds: &[Round], lines: &[f64]) -> (f64, f64) {
    match metric {
        Metric::Sus | Metric::UmuxLite | Metric::Nyttoindex => (0.0, 100.0),
        Metric::Nps => (-100.0, 100.0),
        Metric::Tidsvinst => {
            let extreme = rounds
                .iter()
                .filter_map(Round::point)
                .flat_map(|p| {
                    let (low, high) = p.band.unwrap_or((p.value, p.value));
                    [p.value, low, high]
                })
                .chain(lines.iter().copied())
                .fold(10.0f64, |m, v| m.max(v.abs()));
            let edge = (extreme * 1.1).ceil();
            (-edge, edge)
        }
    }
}

fn described(round: &Round, lang: Language) -> String {
    match round {
        Round::Shown(p) => match p.band {
            Some((low, high)) => format!(
                "{} {} ({} {}–{})",
                p.label,
                number(p.value, 1, lang),
                say(lang, "95\u{a0}% KI", "95\u{a0}% CI"),
                number(low, 1, lang),
                number(high, 1, lang)
            ),
            None => format!("{} {}", p.label, number(p.value, 1, lang)),
        },
        Round::TooFewAnswers { label } => {
            format!("{label} {}", say(lang, "för få svar", "too few answers"))
        }
    }
}

/// The chart of one benefit (`description`, measured on `service`); `None` when there is
/// nothing to place on it (no baseline and no round yet).
pub fn realisation_of(
    description: &str,
    service: &str,
    realisation: &IndicatorRealisation,
    live_on: Option<NaiveDate>,
    lang: Language,
) -> Option<RealisationChart> {
    let metric = realisation.metric;
    let baseline_round = match &realisation.baseline {
        BaselineFigure::Round {
            period, summary, ..
        } => Some(Round::Shown(Point {
            label: period.clone(),
            value: summary.mean,
            band: summary.ci,
        })),
        BaselineFigure::Value { value, period, .. } => Some(Round::Shown(Point {
            label: period.clone(),
            value: *value,
            band: None,
        })),
        BaselineFigure::TooFewAnswers { period, .. } => Some(Round::TooFewAnswers {
            label: period.clone(),
        }),
        BaselineFigure::Missing => None,
    };
    let before = usize::from(baseline_round.is_some());
    let rounds: Vec<Round> = baseline_round
        .into_iter()
        .chain(realisation.rounds.iter().map(|r| match r.measured {
            Some(m) => Round::Shown(Point {
                label: r.period.clone(),
                value: m.mean,
                band: m.ci,
            }),
            None => Round::TooFewAnswers {
                label: r.period.clone(),
            },
        }))
        .collect();
    if rounds.is_empty() {
        return None;
    }
    let baseline = realisation.baseline.value();
    let target = realisation.target;
    let y_label = axis_name(metric, lang);
    let mut lines = vec![target];
    lines.extend(baseline);
    let mut parts = Vec::new();
    match (&realisation.baseline, rounds.first()) {
        (BaselineFigure::Missing, _) => parts.push(say(
            lang,
            "inget utgångsläge uppmätt",
            "no baseline measured",
        )),
        (_, Some(first)) => parts.push(format!(
            "{} {}",
            say(lang, "utgångsläge", "baseline"),
            described(first, lang)
        )),
        _ => {}
    }
    parts.push(format!(
        "{} {}",
        say(lang, "mål", "target"),
        number(target, 1, lang)
    ));
    let go_live = live_on.map(|day| {
        (
            before,
            say(
                lang,
                &format!("Driftstart {day}"),
                &format!("Go-live {day}"),
            ),
        )
    });
    match live_on {
        Some(day) if rounds.len() > before => parts.push(format!(
            "{} {day}: {}",
            say(lang, "efter driftstart", "after go-live on"),
            rounds[before..]
                .iter()
                .map(|r| described(r, lang))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Some(day) => parts.push(say(
            lang,
            &format!("driftstart {day}, ingen omgång efter den ännu"),
            &format!("go-live {day}, no round after it yet"),
        )),
        None => parts.push(say(lang, "inte i drift ännu", "not live yet")),
    }
    Some(RealisationChart {
        title: format!("{description}: {} – {service}", metric_name(metric, lang)),
        description: format!("{y_label}. {}.", parts.join("; ")),
        y_range: y_range(metric, &rounds, &lines),
        y_label,
        baseline: baseline.map(|value| {
            (
                value,
                say(
                    lang,
                    &format!("Utgångsläge {}", number(value, 1, lang)),
                    &format!("Baseline {}", number(value, 1, lang)),
                ),
            )
        }),
        target: (
            target,
            say(
                lang,
                &format!("Mål {}", number(target, 1, lang)),
                &format!("Target {}", number(target, 1, lang)),
            ),
        ),
        go_live,
        rounds,
    })
}
