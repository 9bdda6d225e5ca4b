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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{
        insatser::{Measured, RealisationStatus, RoundRealisation},
        summary::MeanSummary,
    };

    fn round(period: &str, measured: Option<(f64, (f64, f64))>) -> RoundRealisation {
        RoundRealisation {
            round_id: 0,
            period: period.into(),
            status: if measured.is_some() {
                RealisationStatus::Progressing
            } else {
                RealisationStatus::TooFewAnswers
            },
            measured: measured.map(|(mean, ci)| Measured {
                n: 12,
                mean,
                ci: Some(ci),
                realised_share: None,
                p_value: None,
                realised_sek: None,
            }),
        }
    }

    fn sus(baseline: BaselineFigure, rounds: Vec<RoundRealisation>) -> IndicatorRealisation {
        IndicatorRealisation {
            metric: Metric::Sus,
            target: 75.0,
            baseline,
            rounds,
            status: RealisationStatus::Pending,
        }
    }

    #[test]
    fn the_baseline_round_comes_before_go_live_and_a_withheld_round_is_a_gap_in_words() {
        let baseline = BaselineFigure::Round {
            round_id: 1,
            period: "2026-Q1".into(),
            summary: MeanSummary {
                n: 20,
                mean: 61.5,
                sd: Some(10.0),
                ci: Some((56.8, 66.2)),
                median: 62.0,
            },
        };
        let measured = sus(
            baseline,
            vec![
                round("2026-Q3", Some((70.3, (65.0, 75.5)))),
                round("2026-Q4", None),
            ],
        );
        let chart = realisation_of(
            "Färre fel",
            "Lönesystemet",
            &measured,
            Some("2026-04-01".parse().unwrap()),
            Language::Sv,
        )
        .unwrap();
        assert_eq!(chart.title, "Färre fel: SUS – Lönesystemet");
        assert_eq!(chart.go_live, Some((1, "Driftstart 2026-04-01".into())));
        assert_eq!(chart.rounds.len(), 3);
        assert_eq!(chart.rounds[0].point().unwrap().band, Some((56.8, 66.2)));
        assert_eq!(
            chart.rounds[2],
            Round::TooFewAnswers {
                label: "2026-Q4".into()
            }
        );
        assert_eq!(chart.baseline, Some((61.5, "Utgångsläge 61,5".into())));
        assert_eq!(chart.target, (75.0, "Mål 75,0".into()));
        assert_eq!(chart.y_range, (0.0, 100.0));
        assert_eq!(
            chart.description,
            "SUS (0–100). utgångsläge 2026-Q1 61,5 (95\u{a0}% KI 56,8–66,2); mål 75,0; \
             efter driftstart 2026-04-01: 2026-Q3 70,3 (95\u{a0}% KI 65,0–75,5), \
             2026-Q4 för få svar."
        );
    }

    #[test]
    fn before_go_live_only_the_baseline_and_without_one_nothing_to_draw() {
        let given = BaselineFigure::Value {
            value: 12.0,
            period: "2025".into(),
            n: 40,
        };
        let mut waiting = sus(given, Vec::new());
        waiting.metric = Metric::Tidsvinst;
        waiting.target = 30.0;
        let chart = realisation_of("Tid", "Arkivet", &waiting, None, Language::En).unwrap();
        assert_eq!(chart.go_live, None);
        // Time saved: ±(30 × 1.1) = ±33.
        assert_eq!(chart.y_range, (-33.0, 33.0));
        assert!(
            chart.description.ends_with("target 30.0; not live yet."),
            "{}",
            chart.description
        );
        let nothing = sus(BaselineFigure::Missing, Vec::new());
        assert!(realisation_of("Tid", "Arkivet", &nothing, None, Language::Sv).is_none());
    }
}
