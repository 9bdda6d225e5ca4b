//! Trend charts of a service: built from its results (so only figures that pass the
//! anonymity threshold become points), served on request, and written by the
//! `render_charts` job into `charts.dir` (atomically, and only when they changed).

use std::path::{Path, PathBuf};

use super::{
    AppState, Counts,
    results::{Breakdown, ServiceResults},
};
use crate::{
    charts::{self, OverviewChart, Point, Round, ServicePoint, SmallMultiples, TrendChart},
    domain::{Actor, Error, Language, ServiceFilter},
    numbers::{number, percent},
    stats::{
        Metric,
        series::{Figure, RoundSeriesEntry},
    },
    store,
};

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
    fn label(self, lang: Language) -> &'static str {
        match (self, lang) {
            (Self::Metric(Metric::Sus), _) => "SUS",
            (Self::Metric(Metric::UmuxLite), _) => "UMUX-Lite",
            (Self::Metric(Metric::Nyttoindex), Language::Sv) => "Nyttoindex",
            (Self::Metric(Metric::Nyttoindex), Language::En) => "Benefit index",
            (Self::Metric(Metric::Nps), _) => "NPS",
            (Self::Metric(Metric::Tidsvinst), Language::Sv) => "Tidsvinst",
            (Self::Metric(Metric::Tidsvinst), Language::En) => "Time saved",
            (Self::ResponseRate, Language::Sv) => "Svarsfrekvens",
            (Self::ResponseRate, Language::En) => "Response rate",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartFormat {
    Svg,
    Png,
}

/// Chart sizes: readable on a page and on a large screen.
pub const SIZE: (u32, u32) = (800, 450);
pub const LARGE: (u32, u32) = (1600, 900);

/// `sus.svg`, `response_rate.png`: which chart, in which format.
pub fn parse_chart_file(file: &str) -> Result<(ChartMetric, ChartFormat), Error> {
    let names = || ChartMetric::ALL.map(ChartMetric::as_str).join(", ");
    let (name, extension) = file.rsplit_once('.').ok_or_else(|| {
        Error::invalid(
            "file",
            format!("`{file}` is not METRIC.svg or METRIC.png ({})", names()),
        )
    })?;
    let format = match extension {
        "svg" => ChartFormat::Svg,
        "png" => ChartFormat::Png,
        other => {
            return Err(Error::invalid(
                "file",
                format!("`.{other}` is not a chart format: use .svg or .png"),
            ));
        }
    };
    let metric = ChartMetric::ALL
        .into_iter()
        .find(|m| m.as_str() == name)
        .ok_or_else(|| Error::invalid("file", format!("`{name}` is not a chart ({})", names())))?;
    Ok((metric, format))
}

/// The chart's content from a service's results, in Swedish; `None` when no round has
/// a point.
pub fn chart_of(results: &ServiceResults, metric: ChartMetric) -> Option<TrendChart> {
    chart_in(results, metric, Language::Sv)
}

/// Whether a closed round withholds `metric`: its figure is below the threshold, or the
/// round released nothing at all (too few answers to release any).
fn withheld(entry: &RoundSeriesEntry, metric: Metric) -> bool {
    match entry.figures.get(&metric) {
        Some(Figure::TooFewAnswers) => true,
        Some(Figure::Shown(_)) => false,
        None => entry.round.released == Some(0),
    }
}

fn say(lang: Language, sv: &str, en: &str) -> String {
    match lang {
        Language::Sv => sv.to_owned(),
        Language::En => en.to_owned(),
    }
}

/// The chart's content from a service's results, its words in `lang`; `None` when no
/// round has a point. Closed rounds whose figure is withheld stay on the axis as gaps.
pub fn chart_in(
    results: &ServiceResults,
    metric: ChartMetric,
    lang: Language,
) -> Option<TrendChart> {
    let service = &results.service.name;
    let closed = results.rounds.iter().filter(|e| e.round.closed);
    let rounds: Vec<Round> = match metric {
        ChartMetric::ResponseRate => closed
            .filter_map(|e| {
                let rate = e.response_rate?;
                Some(Round::Shown(Point {
                    label: e.round.period.clone(),
                    value: 100.0 * rate.share,
                    band: Some((100.0 * rate.ci.0, 100.0 * rate.ci.1)),
                }))
            })
            .collect(),
        ChartMetric::Metric(m) => closed
            .filter_map(|e| {
                let label = e.round.period.clone();
                if withheld(e, m) {
                    return Some(Round::TooFewAnswers { label });
                }
                match e.figures.get(&m)? {
                    Figure::Shown(a) => Some(Round::Shown(Point {
                        label,
                        value: a.mean?,
                        band: a.ci,
                    })),
                    Figure::TooFewAnswers => None,
                }
            })
            .collect(),
    };
    // Withheld rounds before the first figure say nothing a reader can compare.
    let first = rounds.iter().position(|r| r.point().is_some())?;
    let rounds = rounds[first..].to_vec();
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
    let listed: Vec<String> = rounds
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
        .collect();
    Some(TrendChart {
        description: format!(
            "{y_label} {}: {}.",
            say(lang, "per omgång", "per round"),
            listed.join(", ")
        ),
        title: format!("{title} – {service}"),
        y_label,
        y_range,
        rounds,
        reference,
    })
}

fn render(
    chart: &charts::Chart,
    format: ChartFormat,
    size: (u32, u32),
    lang: Language,
) -> Result<Vec<u8>, Error> {
    match format {
        ChartFormat::Svg => charts::svg_in(chart, size, "chart", lang).map(String::into_bytes),
        ChartFormat::Png => charts::png_in(chart, size, lang),
    }
    .map_err(Error::internal)
}

/// One chart of a service, drawn now (its owner or an admin).
pub async fn service_chart(
    state: &AppState,
    actor: &Actor,
    service_id: i32,
    metric: ChartMetric,
    format: ChartFormat,
    lang: Language,
) -> Result<Vec<u8>, Error> {
    let results = super::results::service_results(state, actor, service_id).await?;
    let chart = chart_in(&results, metric, lang).ok_or_else(|| {
        Error::not_found(
            "chart",
            format!(
                "{} of service {service_id} (no round has a figure for it yet)",
                metric.as_str()
            ),
        )
    })?;
    render(&charts::Chart::Trend(chart), format, SIZE, lang)
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

fn latest_of(results: &ServiceResults) -> Option<Latest<'_>> {
    let entry = results.rounds.iter().rev().find(|e| e.round.closed)?;
    let period = entry.round.period.as_str();
    if withheld(entry, Metric::Sus) || withheld(entry, Metric::Nyttoindex) {
        return Some(Latest::TooFewAnswers { period });
    }
    let mean = |metric| match entry.figures.get(&metric)? {
        Figure::Shown(a) => a.mean,
        Figure::TooFewAnswers => None,
    };
    Some(Latest::Shown {
        period,
        sus: mean(Metric::Sus)?,
        nyttoindex: mean(Metric::Nyttoindex)?,
    })
}

/// Kommunledningskontoret's overview: every active service with SUS and nyttoindex in
/// its latest closed round, placed by them and sized by its users. A service whose
/// latest round withholds them is left out and named in the description, never shown
/// with an older round's figure; the title says which period the points are from.
fn overview_of(services: &[ServiceResults], lang: Language) -> Option<charts::Chart> {
    let latest: Vec<(&ServiceResults, Latest)> = services
        .iter()
        .filter_map(|r| Some((r, latest_of(r)?)))
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
    for (results, figures) in &latest {
        let name = &results.service.name;
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
                    users: results.service.users_count.max(0) as u32,
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
    Some(charts::Chart::Overview(OverviewChart {
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
    }))
}

/// An owner's services side by side: one trend of `metric` each.
fn small_multiples_of<'a>(
    owner: &str,
    services: impl IntoIterator<Item = &'a ServiceResults>,
    metric: ChartMetric,
    lang: Language,
) -> Option<charts::Chart> {
    // Each panel is named by its service alone: the metric is in the chart's title.
    let panels: Vec<TrendChart> = services
        .into_iter()
        .filter_map(|r| {
            chart_in(r, metric, lang).map(|chart| TrendChart {
                title: r.service.name.clone(),
                ..chart
            })
        })
        .collect();
    if panels.is_empty() {
        return None;
    }
    let described: Vec<&str> = panels.iter().map(|p| p.description.as_str()).collect();
    Some(charts::Chart::SmallMultiples(SmallMultiples {
        title: format!(
            "{} {} – {owner}",
            metric.label(lang),
            say(lang, "per tjänst", "per service")
        ),
        description: described.join(" "),
        panels,
    }))
}

fn active_only() -> ServiceFilter {
    ServiceFilter {
        active: Some(true),
        ..ServiceFilter::default()
    }
}

/// The overview of every active service (admin).
pub async fn overview_chart(
    state: &AppState,
    actor: &Actor,
    format: ChartFormat,
    lang: Language,
) -> Result<Vec<u8>, Error> {
    actor.require_admin()?;
    let group = super::results::group_of(state, active_only(), Breakdown::WholeRounds).await?;
    let chart = overview_of(&group.services, lang).ok_or_else(|| {
        Error::not_found("chart", "overview (no service has SUS and nyttoindex yet)")
    })?;
    render(&chart, format, SIZE, lang)
}

/// An owner's services' trends of `metric`, side by side (the owner or an admin).
pub async fn owner_chart(
    state: &AppState,
    actor: &Actor,
    owner_id: i32,
    metric: ChartMetric,
    format: ChartFormat,
    lang: Language,
) -> Result<Vec<u8>, Error> {
    let owner = store::catalogue::get_owner(&state.db, owner_id).await?;
    let group =
        super::results::owner_results(state, actor, owner_id, Breakdown::WholeRounds).await?;
    let chart =
        small_multiples_of(&owner.name, &group.services, metric, lang).ok_or_else(|| {
            Error::not_found(
                "chart",
                format!(
                    "{} of owner {owner_id} (no service has a figure yet)",
                    metric.as_str()
                ),
            )
        })?;
    render(&chart, format, SIZE, lang)
}

/// A chart placed in a page: its SVG (ids starting with `id`, unique on the page), its
/// caption and the numbers it shows.
#[derive(Debug, Clone)]
pub struct InlineChart {
    pub id: String,
    /// The caption under the chart.
    pub title: String,
    pub svg: String,
    /// The points drawn, for the table beside the chart.
    pub rows: Vec<Point>,
}

/// Charts in a page are drawn narrower than the files: shrunk to a 358-px phone column,
/// their 17-px text is still 11 px.
pub const INLINE: (u32, u32) = (540, 380);
/// The overview, taller: both its axes run 0–100.
pub const INLINE_OVERVIEW: (u32, u32) = (540, 480);

/// A service's charts that have points, for its dashboard page.
pub fn service_inline_charts(
    results: &ServiceResults,
    lang: Language,
) -> Result<Vec<InlineChart>, Error> {
    ChartMetric::ALL
        .into_iter()
        .filter_map(|metric| Some((metric, chart_in(results, metric, lang)?)))
        .map(|(metric, chart)| {
            let rows = chart.shown().cloned().collect();
            let chart = charts::Chart::Trend(chart);
            Ok(InlineChart {
                id: metric.as_str().to_owned(),
                title: chart.title().to_owned(),
                svg: charts::svg_in(&chart, INLINE, metric.as_str(), lang)
                    .map_err(Error::internal)?,
                rows,
            })
        })
        .collect()
}

/// Size of a sparkline: a table cell's worth.
pub const SPARKLINE: (u32, u32) = (160, 40);

/// A service's SUS trend as a sparkline for a table row (`None` without a SUS figure);
/// its `<desc>` lists the values it draws.
pub fn sus_sparkline(
    results: &ServiceResults,
    lang: Language,
) -> Result<Option<InlineChart>, Error> {
    let Some(chart) = chart_in(results, ChartMetric::Metric(Metric::Sus), lang) else {
        return Ok(None);
    };
    let id = format!("spark-{}", results.service.id);
    let rows = chart.shown().cloned().collect();
    let chart = charts::Chart::Sparkline(chart);
    Ok(Some(InlineChart {
        title: chart.title().to_owned(),
        svg: charts::svg_in(&chart, SPARKLINE, &id, lang).map_err(Error::internal)?,
        id,
        rows,
    }))
}

/// Kommunledningskontoret's overview for the dashboard; its numbers are the services
/// table of the same page (each service's latest closed round). Its caption says so
/// when names had to be left out for want of room.
pub fn overview_inline_chart(
    services: &[ServiceResults],
    lang: Language,
) -> Result<Option<InlineChart>, Error> {
    let Some(chart) = overview_of(services, lang) else {
        return Ok(None);
    };
    let charts::Chart::Overview(content) = &chart else {
        return Err(Error::bug("the overview is not an overview chart"));
    };
    let mut title = chart.title().to_owned();
    if charts::overview_layout(content, INLINE_OVERVIEW, lang).names_left_out > 0 {
        title.push_str(&say(
            lang,
            ". Namn som skulle täcka andra visas inte; alla tjänster finns i tabellen",
            ". Names that would cover others are left out; every service is in the table",
        ));
    }
    Ok(Some(InlineChart {
        id: "overview".to_owned(),
        title,
        svg: charts::svg_in(&chart, INLINE_OVERVIEW, "overview", lang).map_err(Error::internal)?,
        rows: Vec::new(),
    }))
}

/// The `render_charts` job: into `charts.dir`, each active service's charts
/// (`services/{slug}/{chart}`), each owner's SUS and nyttoindex side by side
/// (`owners/{id}/{chart}`) and the overview (`overview`), each as `.svg`, `.png` and
/// `@2x.png`; a file is rewritten only when its chart changed.
pub async fn render_charts(
    state: &AppState,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Counts, Error> {
    let group = super::results::group_of(state, active_only(), Breakdown::WholeRounds).await?;
    let root = PathBuf::from(&state.settings.charts.dir);
    let mut counts = Counts::from([("written", 0), ("unchanged", 0)]);
    let mut write = |stem: PathBuf, chart: &charts::Chart| -> Result<(), Error> {
        for (suffix, format, size) in [
            (".svg", ChartFormat::Svg, SIZE),
            (".png", ChartFormat::Png, SIZE),
            ("@2x.png", ChartFormat::Png, LARGE),
        ] {
            let mut path = stem.clone().into_os_string();
            path.push(suffix);
            let key = if write_if_changed(
                Path::new(&path),
                &render(chart, format, size, Language::Sv)?,
            )? {
                "written"
            } else {
                "unchanged"
            };
            *counts.entry(key).or_default() += 1;
        }
        Ok(())
    };
    let total = group.services.len() as u64;
    for (done, results) in group.services.iter().enumerate() {
        let folder = root.join("services").join(results.service.slug.as_str());
        for metric in ChartMetric::ALL {
            if let Some(chart) = chart_of(results, metric) {
                write(folder.join(metric.as_str()), &charts::Chart::Trend(chart))?;
            }
        }
        progress(done as u64 + 1, total);
    }
    if let Some(overview) = overview_of(&group.services, Language::Sv) {
        write(root.join("overview"), &overview)?;
    }
    for owner in store::catalogue::every_owner(&state.db).await? {
        let theirs: Vec<&ServiceResults> = group
            .services
            .iter()
            .filter(|r| r.service.owner_id == Some(owner.id))
            .collect();
        for metric in [
            ChartMetric::Metric(Metric::Sus),
            ChartMetric::Metric(Metric::Nyttoindex),
        ] {
            if let Some(chart) =
                small_multiples_of(&owner.name, theirs.iter().copied(), metric, Language::Sv)
            {
                let folder = root.join("owners").join(owner.id.to_string());
                write(folder.join(metric.as_str()), &chart)?;
            }
        }
    }
    Ok(counts)
}

/// Writes through a temporary file and a rename, so a reader never sees half a chart;
/// leaves the file alone (and its time) when its bytes are already these.
fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<bool, Error> {
    if std::fs::read(path).is_ok_and(|existing| existing == bytes) {
        return Ok(false);
    }
    let folder = path.parent().unwrap_or(Path::new("."));
    let io = |e: std::io::Error| {
        Error::internal(std::io::Error::new(
            e.kind(),
            format!("{}: {e}", path.display()),
        ))
    };
    std::fs::create_dir_all(folder).map_err(io)?;
    let temporary = path.with_extension("tmp");
    std::fs::write(&temporary, bytes).map_err(io)?;
    std::fs::rename(&temporary, path).map_err(io)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        domain::{Service, Slug},
        stats::{
            aggregate::{Aggregate, SegmentKey},
            series::{RoundFacts, service_series},
        },
    };

    /// A closed round: its period, how many answers it released, and its SUS and
    /// nyttoindex means (each with a ±5 interval) when it released any.
    type Closed<'a> = (&'a str, u64, Option<(f64, f64)>);

    fn results(id: i32, rounds: &[Closed]) -> ServiceResults {
        let facts: Vec<RoundFacts> = rounds
            .iter()
            .enumerate()
            .map(|(i, (period, released, _))| RoundFacts {
                round_id: i as i32 + 1,
                period: (*period).to_owned(),
                opens_at: chrono::DateTime::UNIX_EPOCH,
                closed: true,
                invited: 20,
                delivered: 20,
                answered: *released,
                released: Some(*released),
            })
            .collect();
        let aggregate = |metric, n: u64, mean: f64| Aggregate {
            metric,
            segment: SegmentKey::All,
            responses: n as usize,
            n: n as usize,
            mean: Some(mean),
            sd: Some(10.0),
            ci: Some((mean - 5.0, mean + 5.0)),
            median: None,
            promoters: None,
            detractors: None,
        };
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
        let (rounds, trends) = service_series(&facts, &aggregates, 5);
        ServiceResults {
            service: Service {
                id,
                name: format!("Tjänst {id}"),
                slug: Slug::from_stored(format!("tjanst-{id}")),
                description: String::new(),
                owner_id: None,
                department_id: None,
                users_count: 100 * id,
                annual_cost_sek: 0,
                active: true,
            },
            rounds,
            trends,
            nyttokalkyl: None,
        }
    }

    fn overview(services: &[ServiceResults], lang: Language) -> OverviewChart {
        match overview_of(services, lang) {
            Some(charts::Chart::Overview(chart)) => chart,
            other => panic!("{other:?}"),
        }
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
        let svg = charts::svg_in(
            &charts::Chart::Overview(chart),
            INLINE_OVERVIEW,
            "o",
            Language::En,
        )
        .unwrap();
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
        let chart = chart_in(&service, ChartMetric::Metric(Metric::Sus), Language::Sv).unwrap();
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
        let chart = chart_in(&service, ChartMetric::Metric(Metric::Sus), Language::En).unwrap();
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
        let chart = chart_in(&service, ChartMetric::ResponseRate, Language::Sv).unwrap();
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
        let svg = charts::svg_in(&charts::Chart::Trend(chart), INLINE, "r", Language::Sv).unwrap();
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
}
