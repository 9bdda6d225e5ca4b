//! Charts placed in a dashboard page: drawn as SVG with ids unique on the page, with the
//! caption and the points beside them (for the table a screen reader or phone reads).

use super::{
    Chart, ChartError, ChartMetric, Point, RealisationChart, Round, ServiceRounds, TrendChart,
    overview_layout, overview_of, svg_in, trend_of,
};
use crate::{domain::Language, stats::Metric, wording::say};

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
    /// The open link's line in that table, when the chart draws one.
    pub open_link: Option<OpenLinkColumn>,
}

/// The open link's figures beside a chart's rows: its name, and for each row its
/// figure that round (`None`: before the link's first round).
#[derive(Debug, Clone)]
pub struct OpenLinkColumn {
    pub label: String,
    pub cells: Vec<Option<Round>>,
}

impl OpenLinkColumn {
    fn of(chart: &TrendChart) -> Option<Self> {
        let series = chart.open_link.as_ref()?;
        let cells = (0..chart.rounds.len())
            .filter(|i| chart.rounds[*i].point().is_some())
            .map(|i| chart.open_link_at(i).cloned())
            .collect();
        Some(Self {
            label: series.label.clone(),
            cells,
        })
    }
}

/// Charts in a page are drawn narrower than the files: shrunk to a 358-px phone column,
/// their 17-px text is still 11 px.
pub const INLINE: (u32, u32) = (540, 380);
/// The overview, taller: both its axes run 0–100.
pub const INLINE_OVERVIEW: (u32, u32) = (540, 480);
/// Size of a sparkline: a table cell's worth.
pub const SPARKLINE: (u32, u32) = (160, 40);

/// A service's charts that have points, for its dashboard page.
pub fn service_inline_charts(
    service: ServiceRounds,
    lang: Language,
) -> Result<Vec<InlineChart>, ChartError> {
    ChartMetric::ALL
        .into_iter()
        .filter_map(|metric| Some((metric, trend_of(service, metric, lang)?)))
        .map(|(metric, chart)| {
            let rows = chart.shown().cloned().collect();
            let open_link = OpenLinkColumn::of(&chart);
            let chart = Chart::Trend(chart);
            Ok(InlineChart {
                id: metric.as_str().to_owned(),
                title: chart.title().to_owned(),
                svg: svg_in(&chart, INLINE, metric.as_str(), lang)?,
                rows,
                open_link,
            })
        })
        .collect()
}

/// A service's SUS trend as a sparkline for a table row (`None` without a SUS figure);
/// its `<desc>` lists the values it draws.
pub fn sus_sparkline(
    service: ServiceRounds,
    lang: Language,
) -> Result<Option<InlineChart>, ChartError> {
    let Some(chart) = trend_of(service, ChartMetric::Metric(Metric::Sus), lang) else {
        return Ok(None);
    };
    let id = format!("spark-{}", service.service.id);
    let rows = chart.shown().cloned().collect();
    let chart = Chart::Sparkline(chart);
    Ok(Some(InlineChart {
        title: chart.title().to_owned(),
        svg: svg_in(&chart, SPARKLINE, &id, lang)?,
        id,
        rows,
        open_link: None,
    }))
}

/// Kommunledningskontoret's overview for the dashboard; its numbers are the services
/// table of the same page (each service's latest closed round). Its caption says so
/// when names had to be left out for want of room.
pub fn overview_inline_chart(
    services: &[ServiceRounds],
    lang: Language,
) -> Result<Option<InlineChart>, ChartError> {
    let Some(content) = overview_of(services, lang) else {
        return Ok(None);
    };
    let mut title = content.title.clone();
    if overview_layout(&content, INLINE_OVERVIEW, lang).names_left_out > 0 {
        title.push_str(&say(
            lang,
            ". Namn som skulle täcka andra visas inte; alla tjänster finns i tabellen",
            ". Names that would cover others are left out; every service is in the table",
        ));
    }
    Ok(Some(InlineChart {
        id: "overview".to_owned(),
        title,
        svg: svg_in(&Chart::Overview(content), INLINE_OVERVIEW, "overview", lang)?,
        rows: Vec::new(),
        open_link: None,
    }))
}

/// An insats's benefit around go-live, for the insats's page; its numbers are the
/// page's table of rounds, so the chart carries none of its own.
pub fn realisation_inline_chart(
    chart: RealisationChart,
    id: &str,
    lang: Language,
) -> Result<InlineChart, ChartError> {
    let chart = Chart::Realisation(chart);
    Ok(InlineChart {
        id: id.to_owned(),
        title: chart.title().to_owned(),
        svg: svg_in(&chart, INLINE, id, lang)?,
        rows: Vec::new(),
        open_link: None,
    })
}
