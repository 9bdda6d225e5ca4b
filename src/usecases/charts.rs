//! Trend charts of a service: built from its results (so only figures that pass the
//! anonymity threshold become points), served on request, and written by the
//! `render_charts` job into `charts.dir` (atomically, and only when they changed).

use std::path::{Path, PathBuf};

use super::{
    AppState, Counts,
    results::{Breakdown, ServiceResults},
};
use crate::{
    charts::{self, OverviewChart, Point, ServicePoint, SmallMultiples, TrendChart},
    domain::{Actor, Error, ServiceFilter},
    stats::{Metric, series::Figure},
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
    fn label(self) -> &'static str {
        match self {
            Self::Metric(Metric::Sus) => "SUS",
            Self::Metric(Metric::UmuxLite) => "UMUX-Lite",
            Self::Metric(Metric::Nyttoindex) => "Nyttoindex",
            Self::Metric(Metric::Nps) => "NPS",
            Self::Metric(Metric::Tidsvinst) => "Tidsvinst",
            Self::ResponseRate => "Svarsfrekvens",
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

/// The chart's content from a service's results; `None` when no round has a point.
pub fn chart_of(results: &ServiceResults, metric: ChartMetric) -> Option<TrendChart> {
    let service = &results.service.name;
    let points: Vec<Point> = match metric {
        ChartMetric::ResponseRate => results
            .rounds
            .iter()
            .filter(|e| e.round.closed)
            .filter_map(|e| {
                let rate = e.response_rate?;
                Some(Point {
                    label: e.round.period.clone(),
                    value: 100.0 * rate.share,
                    band: Some((100.0 * rate.ci.0, 100.0 * rate.ci.1)),
                })
            })
            .collect(),
        ChartMetric::Metric(m) => results
            .rounds
            .iter()
            .filter_map(|e| match e.figures.get(&m)? {
                Figure::Shown(a) => Some(Point {
                    label: e.round.period.clone(),
                    value: a.mean?,
                    band: a.ci,
                }),
                Figure::TooFewAnswers => None,
            })
            .collect(),
    };
    if points.is_empty() {
        return None;
    }
    let (title, y_label, y_range, reference) = match metric {
        ChartMetric::Metric(Metric::Sus) => (
            format!("Användbarhet (SUS) – {service}"),
            "SUS (0–100)".to_owned(),
            (0.0, 100.0),
            Some((68.0, "Genomsnitt för SUS: 68".to_owned())),
        ),
        ChartMetric::Metric(Metric::UmuxLite) => (
            format!("Användbarhet (UMUX-Lite) – {service}"),
            "UMUX-Lite (0–100)".to_owned(),
            (0.0, 100.0),
            None,
        ),
        ChartMetric::Metric(Metric::Nyttoindex) => (
            format!("Nyttoindex – {service}"),
            "Nyttoindex (0–100)".to_owned(),
            (0.0, 100.0),
            None,
        ),
        ChartMetric::Metric(Metric::Nps) => (
            format!("Rekommendation (NPS) – {service}"),
            "NPS (−100–100)".to_owned(),
            (-100.0, 100.0),
            None,
        ),
        ChartMetric::Metric(Metric::Tidsvinst) => {
            let extreme = points
                .iter()
                .flat_map(|p| {
                    [
                        p.value,
                        p.band.map_or(0.0, |b| b.0),
                        p.band.map_or(0.0, |b| b.1),
                    ]
                })
                .fold(10.0f64, |m, v| m.max(v.abs()));
            (
                format!("Tidsvinst – {service}"),
                "Minuter per vecka".to_owned(),
                (-(extreme * 1.1).ceil(), (extreme * 1.1).ceil()),
                Some((0.0, "Ingen tidsvinst".to_owned())),
            )
        }
        ChartMetric::ResponseRate => (
            format!("Svarsfrekvens – {service}"),
            "Svarsfrekvens (%)".to_owned(),
            (0.0, 100.0),
            None,
        ),
    };
    let listed: Vec<String> = points
        .iter()
        .map(|p| format!("{} {:.1}", p.label, p.value))
        .collect();
    Some(TrendChart {
        description: format!("{y_label} per omgång: {}.", listed.join(", ")),
        title,
        y_label,
        y_range,
        points,
        reference,
    })
}

fn render(chart: &charts::Chart, format: ChartFormat, size: (u32, u32)) -> Result<Vec<u8>, Error> {
    match format {
        ChartFormat::Svg => charts::svg(chart, size).map(String::into_bytes),
        ChartFormat::Png => charts::png(chart, size),
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
) -> Result<Vec<u8>, Error> {
    let results = super::results::service_results(state, actor, service_id).await?;
    let chart = chart_of(&results, metric).ok_or_else(|| {
        Error::not_found(
            "chart",
            format!(
                "{} of service {service_id} (no round has a figure for it yet)",
                metric.as_str()
            ),
        )
    })?;
    render(&charts::Chart::Trend(chart), format, SIZE)
}

/// The latest figure of a metric that passes the threshold.
fn latest_mean(results: &ServiceResults, metric: Metric) -> Option<f64> {
    results
        .rounds
        .iter()
        .rev()
        .find_map(|e| match e.figures.get(&metric)? {
            Figure::Shown(a) => a.mean,
            Figure::TooFewAnswers => None,
        })
}

/// Kommunledningskontoret's overview: every active service with both a SUS and a
/// nyttoindex figure, placed by them and sized by its users.
fn overview_of(services: &[ServiceResults]) -> Option<charts::Chart> {
    let points: Vec<ServicePoint> = services
        .iter()
        .filter_map(|r| {
            Some(ServicePoint {
                name: r.service.name.clone(),
                nyttoindex: latest_mean(r, Metric::Nyttoindex)?,
                sus: latest_mean(r, Metric::Sus)?,
                users: r.service.users_count.max(0) as u32,
            })
        })
        .collect();
    if points.is_empty() {
        return None;
    }
    let listed: Vec<String> = points
        .iter()
        .map(|p| {
            format!(
                "{}: SUS {:.0}, nyttoindex {:.0}",
                p.name, p.sus, p.nyttoindex
            )
        })
        .collect();
    Some(charts::Chart::Overview(OverviewChart {
        title: "IT-tjänsterna: användbarhet och nytta".into(),
        description: format!(
            "Senaste SUS mot nyttoindex per tjänst. {}.",
            listed.join("; ")
        ),
        services: points,
    }))
}

/// An owner's services side by side: one trend of `metric` each.
fn small_multiples_of<'a>(
    owner: &str,
    services: impl IntoIterator<Item = &'a ServiceResults>,
    metric: ChartMetric,
) -> Option<charts::Chart> {
    let panels: Vec<TrendChart> = services
        .into_iter()
        .filter_map(|r| chart_of(r, metric))
        .collect();
    if panels.is_empty() {
        return None;
    }
    let described: Vec<&str> = panels.iter().map(|p| p.description.as_str()).collect();
    Some(charts::Chart::SmallMultiples(SmallMultiples {
        title: format!("{} per tjänst – {owner}", metric.label()),
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
) -> Result<Vec<u8>, Error> {
    actor.require_admin()?;
    let group = super::results::group_of(state, active_only(), Breakdown::WholeRounds).await?;
    let chart = overview_of(&group.services).ok_or_else(|| {
        Error::not_found("chart", "overview (no service has SUS and nyttoindex yet)")
    })?;
    render(&chart, format, SIZE)
}

/// An owner's services' trends of `metric`, side by side (the owner or an admin).
pub async fn owner_chart(
    state: &AppState,
    actor: &Actor,
    owner_id: i32,
    metric: ChartMetric,
    format: ChartFormat,
) -> Result<Vec<u8>, Error> {
    let owner = store::catalogue::get_owner(&state.db, owner_id).await?;
    let group =
        super::results::owner_results(state, actor, owner_id, Breakdown::WholeRounds).await?;
    let chart = small_multiples_of(&owner.name, &group.services, metric).ok_or_else(|| {
        Error::not_found(
            "chart",
            format!(
                "{} of owner {owner_id} (no service has a figure yet)",
                metric.as_str()
            ),
        )
    })?;
    render(&chart, format, SIZE)
}

/// A chart placed in a page: its SVG (ids starting with `id`, unique on the page) and
/// the numbers it shows.
#[derive(Debug, Clone)]
pub struct InlineChart {
    pub id: String,
    pub title: String,
    pub svg: String,
    /// The points drawn, for the table beside the chart.
    pub rows: Vec<Point>,
}

fn inline(chart: &charts::Chart, id: &str, rows: Vec<Point>) -> Result<InlineChart, Error> {
    Ok(InlineChart {
        id: id.to_owned(),
        title: chart.title().to_owned(),
        svg: charts::svg_with_id(chart, SIZE, id).map_err(Error::internal)?,
        rows,
    })
}

/// A service's charts that have points, for its dashboard page.
pub fn service_inline_charts(results: &ServiceResults) -> Result<Vec<InlineChart>, Error> {
    ChartMetric::ALL
        .into_iter()
        .filter_map(|metric| Some((metric, chart_of(results, metric)?)))
        .map(|(metric, chart)| {
            let rows = chart.points.clone();
            inline(&charts::Chart::Trend(chart), metric.as_str(), rows)
        })
        .collect()
}

/// Size of a sparkline: a table cell's worth.
pub const SPARKLINE: (u32, u32) = (160, 40);

/// A service's SUS trend as a sparkline for a table row (`None` without a SUS figure);
/// its `<desc>` lists the values it draws.
pub fn sus_sparkline(results: &ServiceResults) -> Result<Option<InlineChart>, Error> {
    let Some(chart) = chart_of(results, ChartMetric::Metric(Metric::Sus)) else {
        return Ok(None);
    };
    let id = format!("spark-{}", results.service.id);
    let rows = chart.points.clone();
    let chart = charts::Chart::Sparkline(chart);
    Ok(Some(InlineChart {
        title: chart.title().to_owned(),
        svg: charts::svg_with_id(&chart, SPARKLINE, &id).map_err(Error::internal)?,
        id,
        rows,
    }))
}

/// Kommunledningskontoret's overview for the dashboard; its numbers are the services
/// table of the same page.
pub fn overview_inline_chart(services: &[ServiceResults]) -> Result<Option<InlineChart>, Error> {
    overview_of(services)
        .map(|chart| inline(&chart, "overview", Vec::new()))
        .transpose()
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
            let key = if write_if_changed(Path::new(&path), &render(chart, format, size)?)? {
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
    if let Some(overview) = overview_of(&group.services) {
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
            if let Some(chart) = small_multiples_of(&owner.name, theirs.iter().copied(), metric) {
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
