//! What the dashboard's tables show: each metric's figure of a round, or "too few
//! answers" once for a withheld round, the change since the round before (marked
//! statistically significant or not, in one word everywhere), the SUS flag, and which
//! metric columns are worth a column at all (none for a metric no round asked).

use minijinja::{Value, context};
use serde::Serialize;

use super::say;
pub(super) use crate::wording::{metric_name, metric_scale};
use crate::wording::{significance, significance_level};
use crate::{
    domain::Language,
    numbers::{number, percent},
    stats::{Metric, nyttoanalys::SUS_UNACCEPTABLE, series::RoundSeriesEntry, summary::Proportion},
    usecases::results::ServiceResults,
};

/// Metrics that may be table columns, in this order.
const COLUMNS: [Metric; 5] = [
    Metric::Sus,
    Metric::UmuxLite,
    Metric::Nyttoindex,
    Metric::Nps,
    Metric::Tidsvinst,
];

/// The columns of metrics that some round of these services measured.
pub(super) fn columns(services: &[&ServiceResults]) -> Vec<Metric> {
    COLUMNS
        .into_iter()
        .filter(|metric| {
            services
                .iter()
                .flat_map(|s| &s.rounds)
                .any(|entry| entry.figures.contains_key(metric))
        })
        .collect()
}

/// The legend under a table: the scale of each shown column, the threshold and the
/// significance level.
pub(super) fn legend(columns: &[Metric], lang: Language, min_group: u32) -> Value {
    let scales: Vec<Value> = columns
        .iter()
        .map(|m| context! { name => metric_name(*m, lang), scale => metric_scale(*m, lang) })
        .collect();
    context! { scales, min_group, alpha => significance_level(lang) }
}

#[derive(Serialize)]
pub(super) struct Change {
    /// `+3,1`
    text: String,
    /// `up`, `down` when significant; `none` otherwise.
    arrow: &'static str,
    significant: bool,
    /// The whole sentence, for screen readers and the tooltip.
    description: String,
}

#[derive(Serialize)]
pub(super) struct Cell {
    /// The metric, for the phone layout's label.
    label: String,
    text: String,
    withheld: bool,
    /// A judgement on the figure itself: SUS below 50.
    flag: Option<String>,
    change: Option<Change>,
}

fn blank(label: String) -> Cell {
    Cell {
        label,
        text: "–".into(),
        withheld: false,
        flag: None,
        change: None,
    }
}

pub(super) fn too_few_text(lang: Language) -> String {
    say(lang, "För få svar", "Too few answers")
}

/// A closed round's figure of `metric`: the number, withheld, or none asked.
pub(super) fn figure_cell(entry: &RoundSeriesEntry, metric: Metric, lang: Language) -> Cell {
    let label = metric_name(metric, lang);
    let Some(figure) = entry.figures.get(&metric) else {
        return blank(label);
    };
    if !figure.is_shown() {
        return Cell {
            label,
            text: too_few_text(lang),
            withheld: true,
            flag: None,
            change: None,
        };
    }
    match figure.mean() {
        Some(mean) => Cell {
            flag: (metric == Metric::Sus && mean < SUS_UNACCEPTABLE)
                .then(|| say(lang, "inte godtagbart", "not acceptable")),
            label,
            text: number(mean, 1, lang),
            withheld: false,
            change: None,
        },
        None => blank(label),
    }
}

/// The change of `metric` into `entry` from the round before, as the trend computed it.
fn change_into(
    results: &ServiceResults,
    entry: &RoundSeriesEntry,
    metric: Metric,
    lang: Language,
) -> Option<Change> {
    let (earlier, later, change) = results
        .trends
        .iter()
        .find(|t| t.metric == metric)?
        .change
        .as_ref()?;
    if *later != entry.round.round_id {
        return None;
    }
    let before = results
        .rounds
        .iter()
        .find(|e| e.round.round_id == *earlier)
        .map_or_else(String::new, |e| e.round.period.clone());
    let significant = change.significant;
    let by = number(change.difference.abs(), 1, lang);
    let p = number(change.p, 3, lang);
    let sign = if change.difference > 0.0 {
        "+"
    } else if change.difference < 0.0 {
        "−"
    } else {
        "±"
    };
    let verdict = significance(significant, lang);
    // Unchanged as written: the difference reads 0,0.
    let unchanged = by == number(0.0, 1, lang);
    let description = match (unchanged, change.difference > 0.0, lang) {
        (true, _, Language::Sv) => format!("oförändrat sedan {before}, {verdict} (p = {p})"),
        (true, _, Language::En) => format!("unchanged since {before}, {verdict} (p = {p})"),
        (false, true, Language::Sv) => format!("ökat {by} sedan {before}, {verdict} (p = {p})"),
        (false, false, Language::Sv) => format!("minskat {by} sedan {before}, {verdict} (p = {p})"),
        (false, true, Language::En) => format!("up {by} since {before}, {verdict} (p = {p})"),
        (false, false, Language::En) => format!("down {by} since {before}, {verdict} (p = {p})"),
    };
    Some(Change {
        text: format!("{sign}{by}"),
        arrow: match (significant, change.difference > 0.0) {
            (false, _) => "none",
            (true, true) => "up",
            (true, false) => "down",
        },
        significant,
        description,
    })
}

/// A round's cell with the change since the round before it.
fn cell_with_change(
    results: &ServiceResults,
    entry: &RoundSeriesEntry,
    metric: Metric,
    lang: Language,
) -> Cell {
    let mut cell = figure_cell(entry, metric, lang);
    if !cell.withheld {
        cell.change = change_into(results, entry, metric, lang);
    }
    cell
}

pub(super) fn rate_text(rate: Option<&Proportion>, lang: Language) -> String {
    rate.map_or_else(
        || "–".into(),
        |r| {
            format!(
                "{} ({} {}–{})",
                percent(r.share, lang),
                say(lang, "KI", "CI"),
                number(100.0 * r.ci.0, 0, lang),
                number(100.0 * r.ci.1, 0, lang)
            )
        },
    )
}

/// One row per service: its latest closed round, each metric with its change.
pub(super) fn service_rows(
    services: &[&ServiceResults],
    columns: &[Metric],
    lang: Language,
) -> Vec<Value> {
    services
        .iter()
        .map(|results| {
            let latest = results.rounds.iter().rev().find(|e| e.round.closed);
            let open = results.rounds.iter().rev().find(|e| !e.round.closed);
            let cells: Option<Vec<Cell>> = latest
                .filter(|entry| !entry.withheld)
                .map(|entry| {
                    columns
                        .iter()
                        .map(|m| cell_with_change(results, entry, *m, lang))
                        .collect()
                });
            context! {
                id => results.service.id.to_string(),
                name => results.service.details.name.clone(),
                href => format!("/dashboard/services/{}{}", results.service.id, super::lang_query(lang)),
                period => latest.map(|e| e.round.period.clone()),
                rate => rate_text(latest.and_then(|e| e.response_rate.as_ref()), lang),
                open => open.map(|e| say(
                    lang,
                    &format!("Pågår ({}): {} av {} har svarat", e.round.period, e.round.answered, e.round.invited),
                    &format!("Open ({}): {} of {} have answered", e.round.period, e.round.answered, e.round.invited),
                )),
                too_few => latest.is_some_and(|e| e.withheld).then(|| too_few_text(lang)),
                cells,
            }
        })
        .collect()
}

/// Every round of a service, newest first; a withheld round says so once.
pub(super) fn round_rows(
    results: &ServiceResults,
    columns: &[Metric],
    lang: Language,
) -> Vec<Value> {
    results
        .rounds
        .iter()
        .rev()
        .map(|entry| {
            let round = &entry.round;
            let status = match round.released {
                None => say(lang, "Pågår", "Open"),
                Some(_) if entry.withheld => too_few_text(lang),
                Some(_) => say(lang, "Klar", "Closed"),
            };
            let cells: Option<Vec<Cell>> = (round.closed && !entry.withheld).then(|| {
                columns
                    .iter()
                    .map(|m| cell_with_change(results, entry, *m, lang))
                    .collect()
            });
            context! {
                period => round.period.clone(),
                status,
                invited => round.invited,
                answered => round.answered,
                rate => rate_text(entry.response_rate.as_ref(), lang),
                withheld => entry.withheld,
                open => !round.closed,
                cells,
            }
        })
        .collect()
}
