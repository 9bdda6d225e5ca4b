//! Chart content from hand-made series: withheld rounds, periods, both languages.

use super::*;
use crate::{
    charts::{Chart, ChartFormat, INLINE, INLINE_OVERVIEW, parse_chart_file, svg_in},
    domain::{NewService, Slug},
    stats::{
        aggregate::{Aggregate, SegmentKey},
        series::{RoundFacts, service_series},
    },
};

/// A service and its series.
type Results = (Service, Vec<RoundSeriesEntry>);

fn rounds_of(results: &Results) -> ServiceRounds<'_> {
    ServiceRounds {
        service: &results.0,
        rounds: &results.1,
    }
}

/// A closed round: its period, how many answers it released, and its SUS and
/// nyttoindex means (each with a ±5 interval) when it released any.
type Closed<'a> = (&'a str, u64, Option<(f64, f64)>);

/// Closed rounds by their period and how many answers each released.
fn closed_facts<'a>(rounds: impl IntoIterator<Item = (&'a str, u64)>) -> Vec<RoundFacts> {
    rounds
        .into_iter()
        .enumerate()
        .map(|(i, (period, released))| RoundFacts {
            round_id: i as i32 + 1,
            period: period.to_owned(),
            opens_at: chrono::DateTime::UNIX_EPOCH,
            closed: true,
            invited: 20,
            delivered: 20,
            answered: released,
            released: Some(released),
        })
        .collect()
}

/// A figure over `responses` answers, `n` of them measuring `metric`, with a ±5
/// interval around its mean.
fn figure(
    metric: Metric,
    segment: SegmentKey,
    (responses, n): (usize, usize),
    mean: f64,
) -> Aggregate {
    Aggregate {
        metric,
        segment,
        responses,
        n,
        mean: Some(mean),
        sd: Some(10.0),
        ci: Some((mean - 5.0, mean + 5.0)),
        median: None,
        promoters: None,
        detractors: None,
    }
}

fn results(id: i32, rounds: &[Closed]) -> Results {
    let facts = closed_facts(
        rounds
            .iter()
            .map(|(period, released, _)| (*period, *released)),
    );
    let aggregate =
        |metric, n: u64, mean: f64| figure(metric, SegmentKey::All, (n as usize, n as usize), mean);
    let aggregates: Vec<(i32, Aggregate)> = rounds
        .iter()
        .enumerate()
        .filter_map(|(i, (_, released, means))| {
            let (sus, nytto) = (*means)?;
            Some([
                (i as i32 + 1, aggregate(Metric::Sus, *released, sus)),
                (
                    i as i32 + 1,
                    aggregate(Metric::Nyttoindex, *released, nytto),
                ),
            ])
        })
        .flatten()
        .collect();
    let (rounds, _) = service_series(&facts, &aggregates, 5, None);
    (
        Service {
            id,
            details: NewService {
                name: format!("Tjänst {id}"),
                slug: Slug::from_stored(format!("tjanst-{id}")),
                description: String::new(),
                owner_id: None,
                department_id: None,
                users_count: 100 * id,
                annual_cost_sek: 0,
                active: true,
            },
        },
        rounds,
    )
}

/// A round of [`with_open_link`]: its period, the whole round's SUS (answers, mean), and
/// the open link's (responses through the link, of them with a complete SUS, mean);
/// every mean with a ±5 interval.
type OpenRound<'a> = (&'a str, (u64, f64), Option<(usize, usize, f64)>);

/// A service whose rounds have SUS over the whole round and, in some, over the open
/// link's answers, at the threshold 5.
fn with_open_link(rounds: &[OpenRound]) -> Results {
    let (service, _) = results(1, &[]);
    let facts = closed_facts(
        rounds
            .iter()
            .map(|(period, (released, _), _)| (*period, *released)),
    );
    let mut aggregates = Vec::new();
    for (i, (_, (released, mean), open)) in rounds.iter().enumerate() {
        let round = i as i32 + 1;
        let released = *released as usize;
        aggregates.push((
            round,
            figure(Metric::Sus, SegmentKey::All, (released, released), *mean),
        ));
        if let Some((responses, n, mean)) = open {
            aggregates.push((
                round,
                figure(Metric::Sus, SegmentKey::OpenLink, (*responses, *n), *mean),
            ));
        }
    }
    let (rounds, _) = service_series(&facts, &aggregates, 5, None);
    (service, rounds)
}

/// The link's first answers come in 2026-Q2 (6, SUS 61); 3 in 2026-Q3 are too few to
/// keep; 6 in 2026-Q4 but only 4 with a complete SUS, withheld; 7 in 2027-Q1 (SUS
/// 64.5). 2026-Q1, before the link, is not on its line; the withheld rounds are gaps
/// said as "too few answers", with no number.
#[test]
fn a_trend_carries_the_open_links_answers_from_their_first_round() {
    let service = with_open_link(&[
        ("2026-Q1", (8, 70.0), None),
        ("2026-Q2", (12, 72.0), Some((6, 6, 61.0))),
        ("2026-Q3", (10, 74.0), Some((3, 3, 90.0))),
        ("2026-Q4", (11, 73.0), Some((6, 4, 20.0))),
        ("2027-Q1", (12, 75.0), Some((7, 7, 64.5))),
    ]);
    let sus = ChartMetric::Metric(Metric::Sus);
    let chart = trend_of(rounds_of(&service), sus, Language::Sv).unwrap();
    assert_eq!(chart.rounds.len(), 5);
    let series = chart.open_link.clone().expect("the open link's line");
    assert_eq!(series.label, "Via öppen länk");
    let shown = |label: &str, value| {
        Round::Shown(Point {
            label: label.into(),
            value,
            band: Some((value - 5.0, value + 5.0)),
        })
    };
    let too_few = |label: &str| Round::TooFewAnswers {
        label: label.into(),
    };
    assert_eq!(
        series.rounds,
        [
            shown("2026-Q2", 61.0),
            too_few("2026-Q3"),
            too_few("2026-Q4"),
            shown("2027-Q1", 64.5)
        ]
    );
    assert_eq!(chart.open_link_at(0), None, "2026-Q1: before the link");
    assert_eq!(chart.open_link_at(4), Some(&shown("2027-Q1", 64.5)));
    assert_eq!(
        chart.description,
        "SUS (0–100) per omgång: 2026-Q1 70,0 (95\u{a0}% KI 65,0–75,0), 2026-Q2 72,0 \
         (95\u{a0}% KI 67,0–77,0), 2026-Q3 74,0 (95\u{a0}% KI 69,0–79,0), 2026-Q4 73,0 \
         (95\u{a0}% KI 68,0–78,0), 2027-Q1 75,0 (95\u{a0}% KI 70,0–80,0). Via öppen länk: \
         2026-Q2 61,0 (95\u{a0}% KI 56,0–66,0), 2026-Q3 för få svar, 2026-Q4 för få svar, \
         2027-Q1 64,5 (95\u{a0}% KI 59,5–69,5)."
    );
    // Neither the 3 answers' 90 nor the withheld 20 is written anywhere.
    assert!(
        !chart.description.contains("90,0") && !chart.description.contains("20,0"),
        "{}",
        chart.description
    );
    let english = trend_of(rounds_of(&service), sus, Language::En).unwrap();
    assert!(
        english.description.ends_with(
            ". Through the open link: 2026-Q2 61.0 (95\u{a0}% CI 56.0–66.0), 2026-Q3 too \
             few answers, 2026-Q4 too few answers, 2027-Q1 64.5 (95\u{a0}% CI 59.5–69.5)."
        ),
        "{}",
        english.description
    );
    // The response rate has no open-link line: the link has no invitations to answer.
    let rate = trend_of(rounds_of(&service), ChartMetric::ResponseRate, Language::Sv).unwrap();
    assert_eq!(rate.open_link, None);
}

/// With no open-link figure shown (here only a withheld one) the chart is the one a
/// service without an open link gets, to the byte.
#[test]
fn without_a_shown_open_link_figure_the_trend_is_unchanged() {
    let plain = with_open_link(&[("2026-Q1", (8, 70.0), None), ("2026-Q2", (9, 72.0), None)]);
    let withheld = with_open_link(&[
        ("2026-Q1", (8, 70.0), None),
        ("2026-Q2", (9, 72.0), Some((5, 4, 10.0))),
    ]);
    let sus = ChartMetric::Metric(Metric::Sus);
    let plain = trend_of(rounds_of(&plain), sus, Language::Sv).unwrap();
    let withheld = trend_of(rounds_of(&withheld), sus, Language::Sv).unwrap();
    assert_eq!(withheld, plain);
    assert_eq!(plain.open_link, None);
    let drawn =
        |chart: &TrendChart| svg_in(&Chart::Trend(chart.clone()), INLINE, "s", Language::Sv);
    assert_eq!(drawn(&withheld).unwrap(), drawn(&plain).unwrap());
}

fn overview(services: &[Results], lang: Language) -> OverviewChart {
    let services: Vec<ServiceRounds> = services.iter().map(rounds_of).collect();
    overview_of(&services, lang).expect("an overview")
}

/// Tjänst 2's latest round released nothing: it is not plotted with its older
/// figure (SUS 40 in 2026-Q3), and the chart says which period it shows.
#[test]
fn the_overview_shows_the_tables_period_and_leaves_out_a_withheld_service() {
    let services = [
        results(
            1,
            &[
                ("2026-Q3", 8, Some((70.0, 55.0))),
                ("2026-Q4", 9, Some((72.5, 60.4))),
            ],
        ),
        results(
            2,
            &[("2026-Q3", 8, Some((40.0, 30.0))), ("2026-Q4", 0, None)],
        ),
    ];
    let chart = overview(&services, Language::Sv);
    assert_eq!(chart.services.len(), 1);
    assert_eq!(
        (chart.services[0].sus, chart.services[0].nyttoindex),
        (72.5, 60.4)
    );
    assert_eq!(
        chart.title,
        "IT-tjänsterna: användbarhet och nytta, 2026-Q4"
    );
    assert_eq!(
        chart.description,
        "SUS mot nyttoindex per tjänst, 2026-Q4. Tjänst 1: SUS 72,5, nyttoindex 60,4. \
         För få svar, visas inte: Tjänst 2."
    );
    let chart = overview(&services, Language::En);
    assert_eq!(chart.title, "IT services: usability and benefit, 2026-Q4");
    assert_eq!(
        chart.description,
        "SUS against benefit index per service, 2026-Q4. Tjänst 1: SUS 72.5, benefit \
         index 60.4. Too few answers, not shown: Tjänst 2."
    );
    // Drawn: one circle, and no trace of the withheld service in the SVG's text.
    let svg = svg_in(&Chart::Overview(chart), INLINE_OVERVIEW, "o", Language::En).unwrap();
    let document = roxmltree::Document::parse(&svg).unwrap();
    let circles = document
        .descendants()
        .filter(|n| n.has_tag_name("circle"))
        .count();
    assert_eq!(circles, 2, "the service's circle and the legend's");
    let texts: String = document
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .collect();
    assert!(
        texts.contains("Tjänst 1") && !texts.contains("Tjänst 2"),
        "{texts}"
    );
}

#[test]
fn services_whose_latest_rounds_differ_say_each_period() {
    let services = [
        results(1, &[("2026-Q4", 9, Some((72.5, 60.4)))]),
        results(3, &[("2026-Q2", 9, Some((50.0, 45.0)))]),
    ];
    let chart = overview(&services, Language::Sv);
    assert_eq!(
        chart.title,
        "IT-tjänsterna: användbarhet och nytta, senaste omgången per tjänst, 2026-Q2–2026-Q4"
    );
    assert!(
        chart
            .description
            .contains("Tjänst 3 (2026-Q2): SUS 50,0, nyttoindex 45,0")
    );
}

#[test]
fn a_trend_keeps_a_withheld_round_as_a_gap_and_speaks_either_language() {
    let service = results(
        1,
        &[
            ("2026-Q1", 8, Some((70.0, 55.0))),
            ("2026-Q2", 0, None),
            ("2026-Q3", 9, Some((74.3, 60.0))),
        ],
    );
    let chart = trend_of(
        rounds_of(&service),
        ChartMetric::Metric(Metric::Sus),
        Language::Sv,
    )
    .unwrap();
    assert_eq!(
        chart.rounds[1],
        Round::TooFewAnswers {
            label: "2026-Q2".into()
        }
    );
    assert_eq!(
        chart.description,
        "SUS (0–100) per omgång: 2026-Q1 70,0 (95\u{a0}% KI 65,0–75,0), 2026-Q2 för få svar, \
         2026-Q3 74,3 (95\u{a0}% KI 69,3–79,3)."
    );
    let chart = trend_of(
        rounds_of(&service),
        ChartMetric::Metric(Metric::Sus),
        Language::En,
    )
    .unwrap();
    assert_eq!(chart.title, "Usability (SUS) – Tjänst 1");
    assert_eq!(
        chart.description,
        "SUS (0–100) per round: 2026-Q1 70.0 (95\u{a0}% CI 65.0–75.0), 2026-Q2 too few \
         answers, 2026-Q3 74.3 (95\u{a0}% CI 69.3–79.3)."
    );
    assert_eq!(chart.reference, Some((68.0, "SUS average: 68".into())));
}

#[test]
fn the_response_rate_has_its_twenty_percent_line() {
    let service = results(1, &[("2026-Q1", 8, Some((70.0, 55.0)))]);
    let chart = trend_of(rounds_of(&service), ChartMetric::ResponseRate, Language::Sv).unwrap();
    assert_eq!(
        chart.reference,
        Some((20.0, "Flaggas under 20\u{a0}%".into()))
    );
    // 8 of 20 answered: 40 %, Wilson interval 21,9–61,3 %.
    assert!(
        chart
            .description
            .starts_with("Svarsfrekvens (%) per omgång: 2026-Q1 40\u{a0}%"),
        "{}",
        chart.description
    );
    let svg = svg_in(&Chart::Trend(chart), INLINE, "r", Language::Sv).unwrap();
    assert!(svg.contains("Flaggas under 20"));
}

#[test]
fn chart_files_name_a_chart_and_a_format() {
    assert_eq!(
        parse_chart_file("sus.svg").unwrap(),
        (ChartMetric::Metric(Metric::Sus), ChartFormat::Svg)
    );
    assert_eq!(
        parse_chart_file("response_rate.png").unwrap(),
        (ChartMetric::ResponseRate, ChartFormat::Png)
    );
    assert!(parse_chart_file("sus.gif").is_err());
    assert!(parse_chart_file("lycka.svg").is_err());
    assert!(parse_chart_file("sus").is_err());
}
