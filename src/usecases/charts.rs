//! Trend charts of a service: built from its results (so only figures that pass the
//! anonymity threshold become points), served on request, and written by the
//! `render_charts` job into `charts.dir` (atomically, and only when they changed).

use std::path::{Path, PathBuf};

use super::{AppState, Counts, results::ServiceResults};
use crate::{
    charts::{self, Point, TrendChart},
    domain::{Actor, Error, PageRequest, ServiceFilter},
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

fn render(chart: &TrendChart, format: ChartFormat, size: (u32, u32)) -> Result<Vec<u8>, Error> {
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
    render(&chart, format, SIZE)
}

/// The `render_charts` job: every active service's charts into `charts.dir` as
/// `services/{slug}/{chart}.svg`, `.png` and `@2x.png`, written only when they changed.
pub async fn render_charts(
    state: &AppState,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Counts, Error> {
    let actor = Actor::system();
    let filter = ServiceFilter {
        active: Some(true),
        ..ServiceFilter::default()
    };
    let mut services = Vec::new();
    let mut request = PageRequest::new(None, Some(PageRequest::MAX_PER_PAGE))?;
    loop {
        let page = store::catalogue::list_services(&state.db, &filter, request).await?;
        let shown = request.offset() + page.items.len() as u64;
        services.extend(page.items);
        if shown >= page.total {
            break;
        }
        request.page += 1;
    }
    let root = PathBuf::from(&state.settings.charts.dir).join("services");
    let mut counts = Counts::from([("written", 0), ("unchanged", 0)]);
    let total = services.len() as u64;
    for (done, service) in services.into_iter().enumerate() {
        let folder = root.join(service.slug.as_str());
        let results = super::results::service_results(state, &actor, service.id).await?;
        for metric in ChartMetric::ALL {
            let Some(chart) = chart_of(&results, metric) else {
                continue;
            };
            let name = metric.as_str();
            for (file, format, size) in [
                (format!("{name}.svg"), ChartFormat::Svg, SIZE),
                (format!("{name}.png"), ChartFormat::Png, SIZE),
                (format!("{name}@2x.png"), ChartFormat::Png, LARGE),
            ] {
                let bytes = render(&chart, format, size)?;
                let key = if write_if_changed(&folder.join(file), &bytes)? {
                    "written"
                } else {
                    "unchanged"
                };
                *counts.entry(key).or_default() += 1;
            }
        }
        progress(done as u64 + 1, total);
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
