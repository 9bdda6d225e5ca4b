//! Charts as SVG and PNG from numbers alone (no database, no files): a trend of rounds
//! with its 95 % band, a reference line and the open link's answers as a line of their
//! own, the services overview, one trend per service, and a sparkline. `layout` decides
//! every pixel as plain data (tested); this module paints it with plotters. Text is DejaVu Sans (Swedish letters render the
//! same everywhere), colours Okabe–Ito (safe for colour-blind readers), and the SVG
//! carries `<title>` and `<desc>` for screen readers. `content` builds what each chart
//! shows from a service's series; `inline` and `files` draw it for a page or a file.

mod content;
mod files;
mod glyphs;
mod inline;
pub mod layout;
pub mod qr;

pub use content::{
    ChartMetric, ServiceRounds, overview_of, realisation_of, small_multiples_of, trend_of,
};
pub use files::{ChartFormat, LARGE, SIZE, parse_chart_file, render};
pub use inline::{
    INLINE, INLINE_OVERVIEW, InlineChart, OpenLinkColumn, SPARKLINE, overview_inline_chart,
    realisation_inline_chart, service_inline_charts, sus_sparkline,
};

use image::ImageEncoder;
use plotters::{
    coord::Shift,
    prelude::*,
    style::{
        FontStyle, FontTransform,
        text_anchor::{HPos, Pos, VPos},
    },
};

use self::layout::{Horizontal, Label, Shape};
use crate::domain::Language;

/// Okabe–Ito blue (the series), sky blue (its band), vermillion (the reference line),
/// bluish green (the open link's series).
const SERIES: RGBColor = RGBColor(0, 114, 178);
const OPEN_LINK: RGBColor = RGBColor(0, 158, 115);
const BAND: RGBColor = RGBColor(86, 180, 233);
const REFERENCE: RGBColor = RGBColor(213, 94, 0);
const INK: RGBColor = RGBColor(34, 34, 34);
const GRID: RGBColor = RGBColor(225, 225, 225);

/// A round's figure on a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// The round's period, e.g. `2026-Q4`.
    pub label: String,
    pub value: f64,
    pub band: Option<(f64, f64)>,
}

/// A round on a trend's axis: its figure, or withheld for too few answers (a gap in
/// the line, never bridged).
#[derive(Debug, Clone, PartialEq)]
pub enum Round {
    Shown(Point),
    TooFewAnswers { label: String },
}

impl Round {
    pub fn label(&self) -> &str {
        match self {
            Self::Shown(point) => &point.label,
            Self::TooFewAnswers { label } => label,
        }
    }

    pub fn point(&self) -> Option<&Point> {
        match self {
            Self::Shown(point) => Some(point),
            Self::TooFewAnswers { .. } => None,
        }
    }
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
    /// Oldest first.
    pub rounds: Vec<Round>,
    /// A horizontal line and its label (e.g. the SUS average, 68).
    pub reference: Option<(f64, String)>,
    /// The open link's answers as a line of their own, once a round has them.
    pub open_link: Option<SegmentSeries>,
}

/// A segment's own line on a trend (the answers through the open link): its name and
/// its figure in each of the chart's last `rounds.len()` rounds, a withheld one a gap.
/// Drawn without a band: the chart's one band stays the whole round's (see
/// `layout::segment`).
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentSeries {
    /// Its name in the legend and the description.
    pub label: String,
    /// Oldest first, the same periods as the end of the chart's rounds.
    pub rounds: Vec<Round>,
}

impl TrendChart {
    /// The rounds that have a figure.
    pub fn shown(&self) -> impl Iterator<Item = &Point> {
        self.rounds.iter().filter_map(Round::point)
    }

    /// The open link's figure in the chart's `i`-th round: `None` without an open
    /// link's line or before its first round.
    pub fn open_link_at(&self, i: usize) -> Option<&Round> {
        let series = self.open_link.as_ref()?;
        let offset = self.rounds.len().checked_sub(series.rounds.len())?;
        series.rounds.get(i.checked_sub(offset)?)
    }
}

/// Services placed by their nyttoindex (x) and SUS (y) of one period, sized by their
/// users.
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

/// One benefit of an insats as measured around its go-live: the baseline and the target
/// as lines, each round with its 95 % interval as an error bar, and a marker where the
/// insats went live.
#[derive(Debug, Clone, PartialEq)]
pub struct RealisationChart {
    pub title: String,
    pub description: String,
    pub y_label: String,
    pub y_range: (f64, f64),
    /// Oldest first: the baseline (a round, or a value with its period) and the rounds
    /// after go-live; a withheld round is a gap that says so.
    pub rounds: Vec<Round>,
    /// How many of `rounds` come before go-live, and the marker's words; `None`: not
    /// live yet.
    pub go_live: Option<(usize, String)>,
    pub baseline: Option<(f64, String)>,
    pub target: (f64, String),
}

/// What can be drawn: a trend, an overview of services, one trend per service, a
/// sparkline (a trend's line alone, small enough for a table cell), or an insats's
/// benefit around go-live.
#[derive(Debug, Clone, PartialEq)]
pub enum Chart {
    Trend(TrendChart),
    Overview(OverviewChart),
    SmallMultiples(SmallMultiples),
    Sparkline(TrendChart),
    Realisation(RealisationChart),
}

impl Chart {
    pub fn title(&self) -> &str {
        match self {
            Self::Trend(c) | Self::Sparkline(c) => &c.title,
            Self::Overview(c) => &c.title,
            Self::SmallMultiples(c) => &c.title,
            Self::Realisation(c) => &c.title,
        }
    }

    fn description(&self) -> &str {
        match self {
            Self::Trend(c) | Self::Sparkline(c) => &c.description,
            Self::Overview(c) => &c.description,
            Self::SmallMultiples(c) => &c.description,
            Self::Realisation(c) => &c.description,
        }
    }

    /// The shapes to paint, laid out for `size`; the chart's own words (legend, axis
    /// names) in `lang`.
    fn shapes(&self, size: (u32, u32), lang: Language) -> Vec<Shape> {
        match self {
            Self::Trend(c) => {
                let t = layout::Typography::for_width(size.0);
                layout::trend(c, layout::Rect::of_size(size), t, lang, true).shapes
            }
            Self::Overview(c) => layout::overview(c, size, lang).shapes,
            Self::SmallMultiples(c) => layout::small_multiples(c, size, lang),
            Self::Sparkline(c) => layout::sparkline(c, size),
            Self::Realisation(c) => layout::realisation(c, size, lang).shapes,
        }
    }
}

/// A trend laid out exactly as [`svg_in`] and [`png_in`] draw it at `size`.
pub fn trend_layout(chart: &TrendChart, size: (u32, u32), lang: Language) -> layout::TrendLayout {
    let t = layout::Typography::for_width(size.0);
    layout::trend(chart, layout::Rect::of_size(size), t, lang, true)
}

/// The overview laid out exactly as it is drawn at `size`.
pub fn overview_layout(
    chart: &OverviewChart,
    size: (u32, u32),
    lang: Language,
) -> layout::OverviewLayout {
    layout::overview(chart, size, lang)
}

#[derive(Debug, thiserror::Error)]
#[error("chart could not be drawn: {0}")]
pub struct ChartError(String);

fn fail(error: impl std::fmt::Display) -> ChartError {
    ChartError(error.to_string())
}

fn pixel((x, y): (f64, f64)) -> (i32, i32) {
    (x.round() as i32, y.round() as i32)
}

/// Text as the SVG backend writes it (the browser sets the glyphs; plotters divides
/// the size by 1.24 when it writes `font-size`).
fn svg_text<DB: DrawingBackend>(
    label: &Label,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let style = if label.bold {
        FontStyle::Bold
    } else {
        FontStyle::Normal
    };
    let turn = if label.upright {
        FontTransform::None
    } else {
        FontTransform::Rotate270
    };
    let h = match label.horizontal {
        Horizontal::Left => HPos::Left,
        Horizontal::Center => HPos::Center,
        Horizontal::Right => HPos::Right,
    };
    let v = match label.vertical {
        glyphs::Vertical::Top => VPos::Top,
        glyphs::Vertical::Center => VPos::Center,
        glyphs::Vertical::Bottom => VPos::Bottom,
    };
    let font = ("sans-serif", label.em * 1.24)
        .into_font()
        .style(style)
        .transform(turn)
        .color(&label.color)
        .pos(Pos::new(h, v));
    root.draw(&Text::new(label.text.clone(), pixel(label.at), font))
        .map_err(fail)
}

/// Text rasterised here, at the place the SVG's text would take.
fn bitmap_text<DB: DrawingBackend>(
    label: &Label,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let width = label.width();
    let shift = match label.horizontal {
        Horizontal::Left => 0.0,
        Horizontal::Center => -width / 2.0,
        Horizontal::Right => -width,
    };
    let baseline = glyphs::baseline_offset(label.em, label.vertical);
    let (x0, y0) = label.at;
    let mut outcome = Ok(());
    glyphs::rasterise(&label.text, label.em, label.bold, |x, y, coverage| {
        if coverage <= 0.0 || outcome.is_err() {
            return;
        }
        let (along, across) = (shift + f64::from(x), baseline + f64::from(y));
        let at = if label.upright {
            (x0 + along, y0 + across)
        } else {
            (x0 + across, y0 - along)
        };
        outcome = root.draw_pixel(pixel(at), &label.color.mix(f64::from(coverage.min(1.0))));
    });
    outcome.map_err(fail)
}

fn paint<DB: DrawingBackend>(
    shapes: &[Shape],
    root: &DrawingArea<DB, Shift>,
    raster_text: bool,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(fail)?;
    for shape in shapes {
        match shape {
            Shape::Line {
                points,
                color,
                width,
            } => root.draw(&PathElement::new(
                points.iter().copied().map(pixel).collect::<Vec<_>>(),
                color.stroke_width(width.round().max(1.0) as u32),
            )),
            Shape::Area { points, color } => root.draw(&Polygon::new(
                points.iter().copied().map(pixel).collect::<Vec<_>>(),
                color.filled(),
            )),
            Shape::Dot { at, radius, color } => root.draw(&Circle::new(
                pixel(*at),
                radius.round().max(1.0) as u32,
                color.filled(),
            )),
            Shape::Text(label) => {
                if raster_text {
                    bitmap_text(label, root)?;
                } else {
                    svg_text(label, root)?;
                }
                Ok(())
            }
        }
        .map_err(fail)?;
    }
    root.present().map_err(fail)
}

/// The chart as SVG, `width` × `height`, in Swedish.
pub fn svg(chart: &Chart, size: (u32, u32)) -> Result<String, ChartError> {
    svg_in(chart, size, "chart", Language::Sv)
}

/// Like [`svg`], its `<title>` and `<desc>` ids starting with `id`.
pub fn svg_with_id(chart: &Chart, size: (u32, u32), id: &str) -> Result<String, ChartError> {
    svg_in(chart, size, id, Language::Sv)
}

/// The chart as SVG with `<title>`, `<desc>` and `role="img"`, its words in `lang`;
/// ids start with `id`, so several charts can be placed in one HTML page. The SVG has a
/// `viewBox`, so a page may shrink it to its column.
pub fn svg_in(
    chart: &Chart,
    (width, height): (u32, u32),
    id: &str,
    lang: Language,
) -> Result<String, ChartError> {
    let shapes = chart.shapes((width, height), lang);
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        paint(&shapes, &root, false)?;
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

/// The chart as PNG, `width` × `height`, in Swedish.
pub fn png(chart: &Chart, size: (u32, u32)) -> Result<Vec<u8>, ChartError> {
    png_in(chart, size, Language::Sv)
}

/// The chart as PNG, `width` × `height`, its words in `lang`.
pub fn png_in(
    chart: &Chart,
    (width, height): (u32, u32),
    lang: Language,
) -> Result<Vec<u8>, ChartError> {
    let shapes = chart.shapes((width, height), lang);
    let mut pixels = vec![0u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (width, height)).into_drawing_area();
        paint(&shapes, &root, true)?;
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

#[cfg(test)]
mod tests;
