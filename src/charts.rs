//! Trend charts as SVG and PNG, drawn with plotters from numbers alone (no database, no
//! files): a series of rounds with an optional 95 % band and a reference line. Labels
//! use the embedded DejaVu Sans, so Swedish letters render the same on any machine; the
//! colours are Okabe–Ito (safe for colour-blind readers); the SVG carries `<title>` and
//! `<desc>` for screen readers.

use std::sync::Once;

use plotters::{
    coord::Shift,
    prelude::*,
    style::{FontStyle, register_font},
};

/// Okabe–Ito blue (the series), sky blue (its band), vermillion (the reference line).
const SERIES: RGBColor = RGBColor(0, 114, 178);
const BAND: RGBColor = RGBColor(86, 180, 233);
const REFERENCE: RGBColor = RGBColor(213, 94, 0);
const INK: RGBColor = RGBColor(34, 34, 34);

/// One round on a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// The round's period, e.g. `2026-Q4`.
    pub label: String,
    pub value: f64,
    pub band: Option<(f64, f64)>,
}

/// A trend chart's content.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendChart {
    /// Also the SVG `<title>`.
    pub title: String,
    /// Also the SVG `<desc>`: what the chart shows, in words.
    pub description: String,
    pub y_label: String,
    pub y_range: (f64, f64),
    pub points: Vec<Point>,
    /// A horizontal line and its label (e.g. the SUS average, 68).
    pub reference: Option<(f64, String)>,
}

#[derive(Debug, thiserror::Error)]
#[error("chart could not be drawn: {0}")]
pub struct ChartError(String);

fn fail(error: impl std::fmt::Display) -> ChartError {
    ChartError(error.to_string())
}

fn fonts() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        // Only fails on a font file that does not parse, and this one is embedded.
        let _ = register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular());
        let _ = register_font("sans-serif", FontStyle::Bold, dejavu::sans::bold());
    });
}

fn draw<DB: DrawingBackend>(
    chart: &TrendChart,
    root: DrawingArea<DB, Shift>,
    scale: f64,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let px = |size: f64| (size * scale).round() as u32;
    root.fill(&WHITE).map_err(fail)?;
    let count = chart.points.len().max(1);
    let mut plot = ChartBuilder::on(&root)
        .caption(
            &chart.title,
            ("sans-serif", px(22.0))
                .into_font()
                .style(FontStyle::Bold)
                .color(&INK),
        )
        .margin(px(16.0))
        .x_label_area_size(px(40.0))
        .y_label_area_size(px(56.0))
        .build_cartesian_2d(
            -0.5f64..(count as f64 - 0.5),
            chart.y_range.0..chart.y_range.1,
        )
        .map_err(fail)?;
    let labels: Vec<String> = chart.points.iter().map(|p| p.label.clone()).collect();
    plot.configure_mesh()
        .disable_x_mesh()
        .x_labels(count)
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_desc(&chart.y_label)
        .y_label_formatter(&|y| format!("{y:.0}"))
        .label_style(("sans-serif", px(15.0)).into_font().color(&INK))
        .axis_desc_style(("sans-serif", px(15.0)).into_font().color(&INK))
        .max_light_lines(0)
        .bold_line_style(RGBColor(225, 225, 225))
        .draw()
        .map_err(fail)?;
    let banded: Vec<(f64, (f64, f64))> = chart
        .points
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.band.map(|b| (i as f64, b)))
        .collect();
    if banded.len() >= 2 {
        let mut outline: Vec<(f64, f64)> = banded.iter().map(|(x, b)| (*x, b.1)).collect();
        outline.extend(banded.iter().rev().map(|(x, b)| (*x, b.0)));
        plot.draw_series(std::iter::once(Polygon::new(outline, BAND.mix(0.3))))
            .map_err(fail)?
            .label("95 % konfidensintervall")
            .legend(move |(x, y)| {
                Rectangle::new([(x, y - 5), (x + 16, y + 5)], BAND.mix(0.3).filled())
            });
    }
    for (x, (low, high)) in &banded {
        plot.draw_series(std::iter::once(PathElement::new(
            vec![(*x, *low), (*x, *high)],
            BAND.stroke_width(px(2.0)),
        )))
        .map_err(fail)?;
    }
    if let Some((level, label)) = &chart.reference {
        plot.draw_series(LineSeries::new(
            [(-0.5, *level), (count as f64 - 0.5, *level)],
            REFERENCE.stroke_width(px(2.0)),
        ))
        .map_err(fail)?
        .label(label.as_str())
        .legend(move |(x, y)| {
            PathElement::new(vec![(x, y), (x + 16, y)], REFERENCE.stroke_width(2))
        });
    }
    let values: Vec<(f64, f64)> = chart
        .points
        .iter()
        .enumerate()
        .map(|(i, p)| (i as f64, p.value))
        .collect();
    plot.draw_series(LineSeries::new(
        values.clone(),
        SERIES.stroke_width(px(3.0)),
    ))
    .map_err(fail)?
    .label(chart.y_label.as_str())
    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], SERIES.stroke_width(3)));
    plot.draw_series(
        values
            .iter()
            .map(|&(x, y)| Circle::new((x, y), px(5.0), SERIES.filled())),
    )
    .map_err(fail)?;
    finish(&mut plot, &root, scale)
}

/// What can be drawn: a trend, an overview of services, one trend per service, or a
/// sparkline (a trend's line alone, small enough for a table cell).
#[derive(Debug, Clone, PartialEq)]
pub enum Chart {
    Trend(TrendChart),
    Overview(OverviewChart),
    SmallMultiples(SmallMultiples),
    Sparkline(TrendChart),
}

impl Chart {
    pub fn title(&self) -> &str {
        match self {
            Self::Trend(c) | Self::Sparkline(c) => &c.title,
            Self::Overview(c) => &c.title,
            Self::SmallMultiples(c) => &c.title,
        }
    }

    fn description(&self) -> &str {
        match self {
            Self::Trend(c) | Self::Sparkline(c) => &c.description,
            Self::Overview(c) => &c.description,
            Self::SmallMultiples(c) => &c.description,
        }
    }

    fn draw_on<DB: DrawingBackend>(
        &self,
        root: DrawingArea<DB, Shift>,
        scale: f64,
    ) -> Result<(), ChartError>
    where
        DB::ErrorType: 'static,
    {
        match self {
            Self::Trend(c) => draw(c, root, scale),
            Self::Overview(c) => draw_overview(c, root, scale),
            Self::SmallMultiples(c) => draw_small_multiples(c, root, scale),
            Self::Sparkline(c) => draw_sparkline(c, root),
        }
    }
}

/// Services placed by their latest nyttoindex (x) and SUS (y), sized by their users.
#[derive(Debug, Clone, PartialEq)]
pub struct OverviewChart {
    pub title: String,
    pub description: String,
    pub services: Vec<ServicePoint>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServicePoint {
    pub name: String,
    pub nyttoindex: f64,
    pub sus: f64,
    pub users: u32,
}

/// One small trend chart per service, in a grid, under one title.
#[derive(Debug, Clone, PartialEq)]
pub struct SmallMultiples {
    pub title: String,
    pub description: String,
    pub panels: Vec<TrendChart>,
}

fn draw_overview<DB: DrawingBackend>(
    chart: &OverviewChart,
    root: DrawingArea<DB, Shift>,
    scale: f64,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let px = |size: f64| (size * scale).round() as u32;
    root.fill(&WHITE).map_err(fail)?;
    let mut plot = ChartBuilder::on(&root)
        .caption(
            &chart.title,
            ("sans-serif", px(22.0)).into_font().color(&INK),
        )
        .margin(px(16.0))
        .x_label_area_size(px(44.0))
        .y_label_area_size(px(56.0))
        .build_cartesian_2d(0f64..100f64, 0f64..100f64)
        .map_err(fail)?;
    plot.configure_mesh()
        .max_light_lines(0)
        .bold_line_style(RGBColor(225, 225, 225))
        .x_desc("Nyttoindex (0–100)")
        .y_desc("SUS (0–100)")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .label_style(("sans-serif", px(15.0)).into_font().color(&INK))
        .axis_desc_style(("sans-serif", px(15.0)).into_font().color(&INK))
        .draw()
        .map_err(fail)?;
    plot.draw_series(LineSeries::new(
        [(0.0, 68.0), (100.0, 68.0)],
        REFERENCE.stroke_width(px(2.0)),
    ))
    .map_err(fail)?
    .label("Genomsnitt för SUS: 68")
    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], REFERENCE.stroke_width(2)));
    let most = chart
        .services
        .iter()
        .map(|s| s.users)
        .max()
        .unwrap_or(1)
        .max(1);
    for service in &chart.services {
        let radius = 4.0 + 12.0 * (f64::from(service.users) / f64::from(most)).sqrt();
        let at = (service.nyttoindex, service.sus);
        plot.draw_series(std::iter::once(Circle::new(
            at,
            px(radius),
            SERIES.mix(0.6).filled(),
        )))
        .map_err(fail)?;
        plot.draw_series(std::iter::once(Text::new(
            service.name.clone(),
            (at.0 + 1.5, at.1 + 1.5),
            ("sans-serif", px(12.0)).into_font().color(&INK),
        )))
        .map_err(fail)?;
    }
    finish(&mut plot, &root, scale)
}

fn draw_small_multiples<DB: DrawingBackend>(
    chart: &SmallMultiples,
    root: DrawingArea<DB, Shift>,
    scale: f64,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(fail)?;
    let body = root
        .titled(
            &chart.title,
            ("sans-serif", (22.0 * scale).round() as u32)
                .into_font()
                .color(&INK),
        )
        .map_err(fail)?;
    let count = chart.panels.len().max(1);
    let columns = (count as f64).sqrt().ceil() as usize;
    let rows = count.div_ceil(columns);
    let panel_scale = scale / columns.max(rows) as f64 * 1.4;
    for (panel, area) in chart.panels.iter().zip(body.split_evenly((rows, columns))) {
        draw(panel, area, panel_scale.min(scale))?;
    }
    root.present().map_err(fail)
}

/// The line of a trend and a dot on its latest point, over a faint reference line: no
/// axes or labels (the table row around it names the service and gives the numbers).
fn draw_sparkline<DB: DrawingBackend>(
    chart: &TrendChart,
    root: DrawingArea<DB, Shift>,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(fail)?;
    let count = chart.points.len().max(1);
    let mut plot = ChartBuilder::on(&root)
        .margin(4)
        .build_cartesian_2d(
            -0.5f64..(count as f64 - 0.5),
            chart.y_range.0..chart.y_range.1,
        )
        .map_err(fail)?;
    if let Some((level, _)) = &chart.reference {
        plot.draw_series(LineSeries::new(
            [(-0.5, *level), (count as f64 - 0.5, *level)],
            REFERENCE.stroke_width(1),
        ))
        .map_err(fail)?;
    }
    let values: Vec<(f64, f64)> = chart
        .points
        .iter()
        .enumerate()
        .map(|(i, p)| (i as f64, p.value))
        .collect();
    plot.draw_series(LineSeries::new(values.clone(), SERIES.stroke_width(2)))
        .map_err(fail)?;
    if let Some(&last) = values.last() {
        plot.draw_series(std::iter::once(Circle::new(last, 3, SERIES.filled())))
            .map_err(fail)?;
    }
    root.present().map_err(fail)
}

/// Draws the legend (lower right) and hands the drawing to its backend.
fn finish<'a, DB, X, Y>(
    plot: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    root: &DrawingArea<DB, Shift>,
    scale: f64,
) -> Result<(), ChartError>
where
    DB: DrawingBackend + 'a,
    DB::ErrorType: 'static,
    X: Ranged,
    Y: Ranged,
{
    plot.configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .label_font(
            ("sans-serif", (14.0 * scale).round() as u32)
                .into_font()
                .color(&INK),
        )
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 200, 200))
        .draw()
        .map_err(fail)?;
    root.present().map_err(fail)
}

/// The chart as SVG, `width` × `height`, with `<title>` and `<desc>` and `role="img"`.
pub fn svg(chart: &Chart, size: (u32, u32)) -> Result<String, ChartError> {
    svg_with_id(chart, size, "chart")
}

/// Like [`svg`], its `<title>` and `<desc>` ids starting with `id`, so several charts
/// can be placed in one HTML page (ids must be unique there).
pub fn svg_with_id(
    chart: &Chart,
    (width, height): (u32, u32),
    id: &str,
) -> Result<String, ChartError> {
    fonts();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        chart.draw_on(root, f64::from(width) / 800.0)?;
    }
    let id = escape(id);
    let accessible = format!(
        "<title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        escape(chart.title()),
        escape(chart.description())
    );
    let Some(open_end) = out
        .find("<svg")
        .and_then(|start| out[start..].find('>').map(|end| start + end))
    else {
        return Err(ChartError("plotters wrote no <svg> element".into()));
    };
    let role = format!(" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\"");
    out.insert_str(open_end, &role);
    out.insert_str(open_end + role.len() + 1, &accessible);
    Ok(out)
}

/// The chart as PNG, `width` × `height`.
pub fn png(chart: &Chart, (width, height): (u32, u32)) -> Result<Vec<u8>, ChartError> {
    fonts();
    let mut pixels = vec![0u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (width, height)).into_drawing_area();
        chart.draw_on(root, f64::from(width) / 800.0)?;
    }
    let mut encoded = Vec::new();
    image::codecs::png::PngEncoder::new(&mut encoded)
        .write_image(&pixels, width, height, image::ColorType::Rgb8)
        .map_err(fail)?;
    Ok(encoded)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

use image::ImageEncoder;

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> Chart {
        Chart::Trend(TrendChart {
            title: "SUS för Lönesystemet – Åtgärd".into(),
            description: "SUS per omgång: 2026-Q1 70, 2026-Q2 74.".into(),
            y_label: "SUS (0–100)".into(),
            y_range: (0.0, 100.0),
            points: vec![
                Point {
                    label: "2026-Q1".into(),
                    value: 70.0,
                    band: Some((64.0, 76.0)),
                },
                Point {
                    label: "2026-Q2".into(),
                    value: 74.0,
                    band: Some((69.0, 79.0)),
                },
            ],
            reference: Some((68.0, "Genomsnitt 68".into())),
        })
    }

    #[test]
    fn svg_carries_title_description_and_swedish_text() {
        let svg = svg(&chart(), (800, 450)).unwrap();
        let head = &svg[..svg.find("</desc>").unwrap()];
        assert!(head.contains("role=\"img\""), "{head}");
        assert!(head.contains("<title id=\"chart-title\">SUS för Lönesystemet – Åtgärd</title>"));
        assert!(svg.contains("2026-Q2"));
    }

    #[test]
    fn the_overview_and_small_multiples_draw_with_their_titles() {
        let overview = Chart::Overview(OverviewChart {
            title: "Tjänsterna i kommunen".into(),
            description: "SUS mot nyttoindex.".into(),
            services: vec![
                ServicePoint {
                    name: "Lön".into(),
                    nyttoindex: 60.0,
                    sus: 72.0,
                    users: 4_000,
                },
                ServicePoint {
                    name: "Ärende".into(),
                    nyttoindex: 40.0,
                    sus: 55.0,
                    users: 300,
                },
            ],
        });
        let svg_text = svg(&overview, (800, 450)).unwrap();
        assert!(
            svg_text.contains("Ärende")
                && svg_text.contains("<title id=\"chart-title\">Tjänsterna")
        );
        let Chart::Trend(trend) = chart() else {
            unreachable!()
        };
        let grid = Chart::SmallMultiples(SmallMultiples {
            title: "SUS per tjänst – Åsa".into(),
            description: "x".into(),
            panels: vec![trend.clone(), trend.clone(), trend],
        });
        let bytes = png(&grid, (1600, 900)).unwrap();
        assert_eq!(image::load_from_memory(&bytes).unwrap().width(), 1600);
    }

    #[test]
    fn png_has_the_asked_size_at_both_sizes() {
        for (w, h) in [(800, 450), (1600, 900)] {
            let bytes = png(&chart(), (w, h)).unwrap();
            let decoded = image::load_from_memory(&bytes).unwrap();
            assert_eq!((decoded.width(), decoded.height()), (w, h));
        }
    }
}
