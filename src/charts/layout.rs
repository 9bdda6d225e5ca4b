//! Where everything on a chart goes, in pixels, as plain data: the painter draws these
//! shapes and nothing else, so a test can check the same layout the reader sees (the
//! legend beside the data, never over it; labels inside the canvas and apart).

use plotters::style::{RGBAColor, RGBColor};

use super::{
    BAND, GRID, INK, OverviewChart, REFERENCE, Round, SERIES, SmallMultiples, TrendChart,
    glyphs::{self, Vertical},
};
use crate::{domain::Language, numbers::number};

/// Chart text in CSS pixels of the drawing: never below this, so a 540-px chart shown
/// in a 358-px phone column still has 11-px text; larger canvases scale it up.
pub const MIN_TEXT: f64 = 17.0;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Typography {
    pub text: f64,
    pub title: f64,
}

impl Typography {
    pub fn for_width(width: u32) -> Self {
        Self::of((f64::from(width) * 15.0 / 800.0).max(MIN_TEXT))
    }

    fn of(text: f64) -> Self {
        Self {
            text,
            title: text * 1.2,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
}

impl Rect {
    pub fn of_size((width, height): (u32, u32)) -> Self {
        Self {
            left: 0.0,
            top: 0.0,
            right: f64::from(width),
            bottom: f64::from(height),
        }
    }

    pub fn width(&self) -> f64 {
        self.right - self.left
    }

    pub fn height(&self) -> f64 {
        self.bottom - self.top
    }

    pub fn contains(&self, (x, y): (f64, f64)) -> bool {
        (self.left..=self.right).contains(&x) && (self.top..=self.bottom).contains(&y)
    }

    pub fn overlaps(&self, other: &Rect) -> bool {
        self.left < other.right
            && other.left < self.right
            && self.top < other.bottom
            && other.top < self.bottom
    }

    pub fn within(&self, outer: &Rect) -> bool {
        self.left >= outer.left
            && self.right <= outer.right
            && self.top >= outer.top
            && self.bottom <= outer.bottom
    }

    /// Whether a circle reaches into the rectangle.
    fn touches_circle(&self, (x, y): (f64, f64), radius: f64) -> bool {
        let nearest_x = x.clamp(self.left, self.right);
        let nearest_y = y.clamp(self.top, self.bottom);
        (x - nearest_x).hypot(y - nearest_y) < radius
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Horizontal {
    Left,
    Center,
    Right,
}

/// A piece of text: `at` is its anchor, `upright` false turns it a quarter left (the y
/// axis' name).
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub text: String,
    pub at: (f64, f64),
    pub em: f64,
    pub bold: bool,
    pub horizontal: Horizontal,
    pub vertical: Vertical,
    pub upright: bool,
    pub color: RGBColor,
}

impl Label {
    fn new(text: impl Into<String>, at: (f64, f64), em: f64) -> Self {
        Self {
            text: text.into(),
            at,
            em,
            bold: false,
            horizontal: Horizontal::Left,
            vertical: Vertical::Center,
            upright: true,
            color: INK,
        }
    }

    fn anchored(mut self, horizontal: Horizontal, vertical: Vertical) -> Self {
        self.horizontal = horizontal;
        self.vertical = vertical;
        self
    }

    pub fn width(&self) -> f64 {
        glyphs::width(&self.text, self.em, self.bold)
    }

    /// The box an upright label's letters take.
    pub fn bounds(&self) -> Rect {
        let width = self.width();
        let left = match self.horizontal {
            Horizontal::Left => self.at.0,
            Horizontal::Center => self.at.0 - width / 2.0,
            Horizontal::Right => self.at.0 - width,
        };
        let baseline = self.at.1 + glyphs::baseline_offset(self.em, self.vertical);
        Rect {
            left,
            right: left + width,
            top: baseline - 0.8 * self.em,
            bottom: baseline + 0.24 * self.em,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Line {
        points: Vec<(f64, f64)>,
        color: RGBAColor,
        width: f64,
    },
    Area {
        points: Vec<(f64, f64)>,
        color: RGBAColor,
    },
    Dot {
        at: (f64, f64),
        radius: f64,
        color: RGBAColor,
    },
    Text(Label),
}

fn solid(color: RGBColor) -> RGBAColor {
    RGBAColor(color.0, color.1, color.2, 1.0)
}

fn line(points: Vec<(f64, f64)>, color: RGBColor, width: f64) -> Shape {
    Shape::Line {
        points,
        color: solid(color),
        width,
    }
}

/// A horizontal dashed line from `left` to `right` at `y`, dashes and gaps `dash` long.
fn dashes((left, right): (f64, f64), y: f64, color: RGBColor, width: f64, dash: f64) -> Vec<Shape> {
    let mut shapes = Vec::new();
    let mut x = left;
    while x < right {
        shapes.push(line(vec![(x, y), ((x + dash).min(right), y)], color, width));
        x += 2.0 * dash;
    }
    shapes
}

/// What a legend entry shows beside its text.
#[derive(Debug, Clone, PartialEq)]
pub enum Swatch {
    Line(RGBColor, f64),
    /// A dashed line: told apart from a solid one without its colour.
    Dashes(RGBColor, f64),
    Area(RGBAColor),
    Dot(RGBAColor),
    /// The open link's line: a dash, a diamond, a dash.
    OpenLink,
}

fn band_colour() -> RGBAColor {
    RGBAColor(BAND.0, BAND.1, BAND.2, 0.3)
}

/// The legend along the bottom of `frame`, inside `margin`: `height` is what [`legend`]
/// measured for the entries, and the layout left that room.
fn legend_at_bottom(
    entries: &[(Swatch, String)],
    frame: &Rect,
    margin: f64,
    height: f64,
    em: f64,
) -> (Rect, Vec<Shape>) {
    legend(
        entries,
        margin,
        frame.right - margin,
        frame.bottom - margin - height,
        em,
    )
}

/// Legend entries flowed into rows from `left` to `right`, starting at `top`: their
/// box and shapes.
fn legend(
    entries: &[(Swatch, String)],
    left: f64,
    right: f64,
    top: f64,
    em: f64,
) -> (Rect, Vec<Shape>) {
    let row = em * 1.5;
    let swatch = em * 1.4;
    let (mut x, mut y, mut widest) = (left, top, left);
    let mut shapes = Vec::new();
    for (kind, text) in entries {
        let label = Label::new(text.clone(), (0.0, 0.0), em);
        let needed = swatch + em * 0.4 + label.width();
        if x > left && x + needed > right {
            x = left;
            y += row;
        }
        let middle = y + row / 2.0;
        match kind {
            Swatch::Line(color, width) => shapes.push(line(
                vec![(x, middle), (x + swatch, middle)],
                *color,
                *width,
            )),
            Swatch::Dashes(color, width) => {
                shapes.extend(dashes((x, x + swatch), middle, *color, *width, em * 0.3))
            }
            Swatch::Area(color) => shapes.push(Shape::Area {
                points: vec![
                    (x, middle - em * 0.35),
                    (x + swatch, middle - em * 0.35),
                    (x + swatch, middle + em * 0.35),
                    (x, middle + em * 0.35),
                ],
                color: *color,
            }),
            Swatch::Dot(color) => shapes.push(Shape::Dot {
                at: (x + swatch / 2.0, middle),
                radius: em * 0.35,
                color: *color,
            }),
            Swatch::OpenLink => shapes.extend(segment::swatch((x, swatch), middle, em)),
        }
        shapes.push(Shape::Text(Label {
            at: (x + swatch + em * 0.4, middle),
            ..label
        }));
        widest = widest.max(x + needed);
        x += needed + em;
    }
    let area = Rect {
        left,
        top,
        right: widest,
        bottom: if entries.is_empty() { top } else { y + row },
    };
    (area, shapes)
}

/// The title in bold, made smaller (down to the text size) and then shortened with
/// "…" until it fits the width: never clipped at the canvas edge.
fn fitted_title(text: &str, room: f64, t: Typography) -> (String, f64) {
    let full = glyphs::width(text, t.title, true);
    let em = if full > room {
        (t.title * room / full).max(t.text)
    } else {
        t.title
    };
    if glyphs::width(text, em, true) <= room {
        return (text.to_owned(), em);
    }
    let mut kept: Vec<char> = text.chars().collect();
    while kept.pop().is_some() {
        let shortened = format!("{}…", kept.iter().collect::<String>().trim_end());
        if glyphs::width(&shortened, em, true) <= room {
            return (shortened, em);
        }
    }
    (String::new(), em)
}

fn title(text: &str, frame: &Rect, top: f64, t: Typography, shapes: &mut Vec<Shape>) -> f64 {
    let margin = t.text * 0.5;
    let (text, em) = fitted_title(text, frame.width() - 2.0 * margin, t);
    shapes.push(Shape::Text(Label {
        bold: true,
        ..Label::new(text, ((frame.left + frame.right) / 2.0, top), em)
            .anchored(Horizontal::Center, Vertical::Top)
    }));
    top + em * 1.35
}

/// Round steps (1, 2, 5 × 10ⁿ) from `low` to `high`, at most about `count` of them.
fn ticks(low: f64, high: f64, count: usize) -> Vec<f64> {
    let raw = (high - low) / count.max(1) as f64;
    if raw <= 0.0 || !raw.is_finite() {
        return vec![low];
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw * 0.999)
        .unwrap_or(10.0 * magnitude);
    let mut values = Vec::new();
    let mut value = (low / step).ceil() * step;
    while value <= high + step * 1e-6 {
        values.push(if value.abs() < step * 1e-9 {
            0.0
        } else {
            value
        });
        value += step;
    }
    values
}

/// A y axis: light grid lines with their numbers, and the axis' name turned upright.
struct YAxis {
    low: f64,
    high: f64,
    plot: Rect,
}

impl YAxis {
    fn y(&self, value: f64) -> f64 {
        let share = (value.clamp(self.low, self.high) - self.low) / (self.high - self.low);
        self.plot.bottom - share * self.plot.height()
    }
}

/// The plot rectangle inside `frame` once room is left for the y numbers and name, and
/// those drawn.
fn y_axis(
    (low, high): (f64, f64),
    name: &str,
    frame: &Rect,
    (top, bottom): (f64, f64),
    t: Typography,
    lang: Language,
    shapes: &mut Vec<Shape>,
) -> YAxis {
    let margin = t.text * 0.5;
    let height = bottom - top;
    let values = ticks(
        low,
        high,
        (height / (t.text * 2.2)).floor().max(2.0) as usize,
    );
    let texts: Vec<String> = values.iter().map(|v| number(*v, 0, lang)).collect();
    let widest = texts
        .iter()
        .map(|text| glyphs::width(text, t.text, false))
        .fold(0.0, f64::max);
    let plot = Rect {
        left: frame.left + margin + t.text * 1.3 + widest + t.text * 0.4,
        top,
        right: frame.right - margin - t.text * 0.5,
        bottom,
    };
    let axis = YAxis { low, high, plot };
    for (value, text) in values.iter().zip(texts) {
        let y = axis.y(*value);
        shapes.push(line(vec![(plot.left, y), (plot.right, y)], GRID, 1.0));
        shapes.push(Shape::Text(
            Label::new(text, (plot.left - t.text * 0.3, y), t.text)
                .anchored(Horizontal::Right, Vertical::Center),
        ));
    }
    let name_width = glyphs::width(name, t.text, false);
    let em = if name_width > height {
        t.text * height / name_width
    } else {
        t.text
    };
    shapes.push(Shape::Text(Label {
        upright: false,
        ..Label::new(
            name,
            (frame.left + margin + t.text * 0.5, (top + bottom) / 2.0),
            em,
        )
        .anchored(Horizontal::Center, Vertical::Center)
    }));
    axis
}

/// A trend laid out: its plot rectangle, legend box (if any), the pixel position of
/// each drawn point and each unbroken run of the line (and the same for the open
/// link's line), and the shapes to paint.
#[derive(Debug, Clone)]
pub struct TrendLayout {
    pub plot: Rect,
    pub legend: Option<Rect>,
    pub dots: Vec<(f64, f64)>,
    pub runs: Vec<Vec<(f64, f64)>>,
    pub open_link_markers: Vec<(f64, f64)>,
    pub open_link_runs: Vec<Vec<(f64, f64)>>,
    pub shapes: Vec<Shape>,
}

fn trend_legend(chart: &TrendChart, lang: Language) -> Vec<(Swatch, String)> {
    trends_legend(std::slice::from_ref(chart), lang)
}

/// One legend for trends of one metric (a trend, or the panels side by side): the band
/// if any has one, the line, which is named the whole round's answers when an open
/// link's line is drawn too, that line, and the reference.
fn trends_legend(charts: &[TrendChart], lang: Language) -> Vec<(Swatch, String)> {
    let Some(first) = charts.first() else {
        return Vec::new();
    };
    let mut entries = Vec::new();
    if charts
        .iter()
        .any(|chart| chart.shown().any(|p| p.band.is_some()))
    {
        let text = match lang {
            Language::Sv => "95 % konfidensintervall",
            Language::En => "95 % confidence interval",
        };
        entries.push((Swatch::Area(band_colour()), text.to_owned()));
    }
    match charts.iter().find_map(|chart| chart.open_link.as_ref()) {
        None => entries.push((Swatch::Line(SERIES, 3.0), first.y_label.clone())),
        Some(series) => {
            let all = match lang {
                Language::Sv => "alla svar",
                Language::En => "all answers",
            };
            entries.push((
                Swatch::Line(SERIES, 3.0),
                format!("{}, {all}", first.y_label),
            ));
            entries.push((Swatch::OpenLink, series.label.clone()));
        }
    }
    if let Some((_, text)) = &first.reference {
        entries.push((Swatch::Line(REFERENCE, 2.0), text.clone()));
    }
    entries
}

/// Consecutive rounds with a figure: a withheld round breaks the line (and the band),
/// so nothing is drawn across it.
fn unbroken<T: Copy>(rounds: &[Round], pick: impl Fn(usize, &Round) -> Option<T>) -> Vec<Vec<T>> {
    let mut runs: Vec<Vec<T>> = vec![Vec::new()];
    for (i, round) in rounds.iter().enumerate() {
        match pick(i, round) {
            Some(item) => {
                if let Some(run) = runs.last_mut() {
                    run.push(item);
                }
            }
            None => runs.push(Vec::new()),
        }
    }
    runs.retain(|run| !run.is_empty());
    runs
}

/// Where each round of a chart's x axis stands: one slot per round, side by side.
#[derive(Debug, Clone, Copy)]
struct Slots {
    left: f64,
    width: f64,
}

impl Slots {
    fn x(&self, i: usize) -> f64 {
        self.left + (i as f64 + 0.5) * self.width
    }
}

/// The rounds' slots across `plot`, their periods written under it and a withheld
/// round's gap saying why it is empty.
fn round_slots(
    rounds: &[Round],
    plot: &Rect,
    frame: &Rect,
    t: Typography,
    lang: Language,
    shapes: &mut Vec<Shape>,
) -> Slots {
    let count = rounds.len().max(1);
    let slot = plot.width() / count as f64;
    let slots = Slots {
        left: plot.left,
        width: slot,
    };
    let x = |i: usize| slots.x(i);
    // Every round's period if they fit side by side, else every second (third…),
    // counted back from the latest, which is always named.
    let widest = rounds
        .iter()
        .map(|r| glyphs::width(r.label(), t.text, false))
        .fold(0.0, f64::max);
    let step = ((widest + t.text) / slot).ceil().max(1.0) as usize;
    for (i, round) in rounds.iter().enumerate() {
        if !(count - 1 - i).is_multiple_of(step) {
            continue;
        }
        let half = glyphs::width(round.label(), t.text, false) / 2.0;
        let at = x(i).clamp(frame.left + half + 1.0, frame.right - half - 1.0);
        shapes.push(Shape::Text(
            Label::new(round.label(), (at, plot.bottom + t.text * 0.35), t.text)
                .anchored(Horizontal::Center, Vertical::Top),
        ));
    }
    // A withheld round's slot says why it is empty, turned upright along the gap.
    let withheld = match lang {
        Language::Sv => "för få svar",
        Language::En => "too few answers",
    };
    let fits = glyphs::width(withheld, t.text, false) < plot.height() - t.text;
    for (i, round) in rounds.iter().enumerate() {
        if matches!(round, Round::TooFewAnswers { .. }) && fits && slot >= t.text * 1.4 {
            shapes.push(Shape::Text(Label {
                upright: false,
                color: MUTED,
                ..Label::new(withheld, (x(i), plot.bottom - t.text * 0.3), t.text)
                    .anchored(Horizontal::Left, Vertical::Center)
            }));
        }
    }
    slots
}

/// What a chart of rounds stands on: the y axis, the plot's base line and the rounds'
/// slots with their periods.
fn rounds_plot(
    (rounds, y_range, y_label): (&[Round], (f64, f64), &str),
    frame: &Rect,
    (top, bottom): (f64, f64),
    t: Typography,
    lang: Language,
    shapes: &mut Vec<Shape>,
) -> (YAxis, Slots) {
    let axis = y_axis(y_range, y_label, frame, (top, bottom), t, lang, shapes);
    let plot = axis.plot;
    shapes.push(line(
        vec![(plot.left, plot.bottom), (plot.right, plot.bottom)],
        GRID_DARK,
        1.0,
    ));
    let slots = round_slots(rounds, &plot, frame, t, lang, shapes);
    (axis, slots)
}

pub fn trend(
    chart: &TrendChart,
    frame: Rect,
    t: Typography,
    lang: Language,
    with_legend: bool,
) -> TrendLayout {
    let margin = t.text * 0.5;
    let mut shapes = Vec::new();
    let top = title(&chart.title, &frame, frame.top + margin, t, &mut shapes);
    let entries = trend_legend(chart, lang);
    let legend_height = if with_legend {
        legend(
            &entries,
            frame.left + margin,
            frame.right - margin,
            0.0,
            t.text,
        )
        .0
        .height()
            + t.text * 0.3
    } else {
        0.0
    };
    let x_labels = t.text * 1.5;
    let bottom = frame.bottom - margin - legend_height - x_labels;
    let (axis, slots) = rounds_plot(
        (&chart.rounds, chart.y_range, &chart.y_label),
        &frame,
        (top + t.text * 0.5, bottom),
        t,
        lang,
        &mut shapes,
    );
    let plot = axis.plot;
    let x = |i: usize| slots.x(i);
    let bands = unbroken(&chart.rounds, |i, r| {
        let (low, high) = r.point()?.band?;
        Some((x(i), axis.y(low), axis.y(high)))
    });
    for run in &bands {
        if run.len() >= 2 {
            let mut outline: Vec<(f64, f64)> = run.iter().map(|(x, _, high)| (*x, *high)).collect();
            outline.extend(run.iter().rev().map(|(x, low, _)| (*x, *low)));
            shapes.push(Shape::Area {
                points: outline,
                color: band_colour(),
            });
        }
        for (x, low, high) in run {
            shapes.push(line(
                vec![(*x, *low), (*x, *high)],
                BAND,
                (t.text / 8.5).max(1.0),
            ));
        }
    }
    if let Some((level, _)) = &chart.reference {
        let y = axis.y(*level);
        shapes.push(line(
            vec![(plot.left, y), (plot.right, y)],
            REFERENCE,
            (t.text / 8.5).max(1.0),
        ));
    }
    // Under the whole round's line, whose dots then stay whole where the two meet.
    let open_link = segment::segment(chart, (&slots, &axis), t.text);
    let runs = unbroken(&chart.rounds, |i, r| Some((x(i), axis.y(r.point()?.value))));
    let (open_link_markers, open_link_runs) = match open_link {
        Some(drawn) => {
            shapes.extend(drawn.shapes);
            (drawn.markers, drawn.runs)
        }
        None => (Vec::new(), Vec::new()),
    };
    for run in runs.iter().filter(|run| run.len() >= 2) {
        shapes.push(line(run.clone(), SERIES, (t.text / 5.5).max(1.5)));
    }
    let dots: Vec<(f64, f64)> = runs.iter().flatten().copied().collect();
    for at in &dots {
        shapes.push(Shape::Dot {
            at: *at,
            radius: t.text * 0.3,
            color: solid(SERIES),
        });
    }
    let legend_box = with_legend.then(|| {
        let (area, drawn) = legend(
            &entries,
            frame.left + margin,
            frame.right - margin,
            frame.bottom - margin - legend_height + t.text * 0.3,
            t.text,
        );
        shapes.extend(drawn);
        area
    });
    TrendLayout {
        plot,
        legend: legend_box,
        dots,
        runs,
        open_link_markers,
        open_link_runs,
        shapes,
    }
}

const GRID_DARK: RGBColor = RGBColor(150, 150, 150);
/// Grey text that still has 7:1 contrast on white.
const MUTED: RGBColor = RGBColor(85, 85, 85);

/// A sparkline: the line alone (broken where a round is withheld), a faint reference
/// line, and a dot on the latest point.
pub fn sparkline(chart: &TrendChart, (width, height): (u32, u32)) -> Vec<Shape> {
    let frame = Rect {
        left: 4.0,
        top: 4.0,
        right: f64::from(width) - 4.0,
        bottom: f64::from(height) - 4.0,
    };
    let axis = YAxis {
        low: chart.y_range.0,
        high: chart.y_range.1,
        plot: frame,
    };
    let slot = frame.width() / chart.rounds.len().max(1) as f64;
    let x = |i: usize| frame.left + (i as f64 + 0.5) * slot;
    let mut shapes = Vec::new();
    if let Some((level, _)) = &chart.reference {
        let y = axis.y(*level);
        shapes.push(line(
            vec![(frame.left, y), (frame.right, y)],
            REFERENCE,
            1.0,
        ));
    }
    let runs = unbroken(&chart.rounds, |i, r| Some((x(i), axis.y(r.point()?.value))));
    for run in runs.iter().filter(|run| run.len() >= 2) {
        shapes.push(line(run.clone(), SERIES, 2.0));
    }
    if let Some(last) = runs.last().and_then(|run| run.last()) {
        shapes.push(Shape::Dot {
            at: *last,
            radius: 3.0,
            color: solid(SERIES),
        });
    }
    shapes
}

/// The overview laid out: its plot and legend boxes, each service's circle (centre and
/// radius, in the chart's order), the boxes of the names shown, how many names were
/// left out for want of room, and the shapes to paint.
#[derive(Debug, Clone)]
pub struct OverviewLayout {
    pub plot: Rect,
    pub legend: Rect,
    pub dots: Vec<((f64, f64), f64)>,
    pub names: Vec<Rect>,
    pub names_left_out: usize,
    pub shapes: Vec<Shape>,
}

pub fn overview(chart: &OverviewChart, size: (u32, u32), lang: Language) -> OverviewLayout {
    let t = Typography::for_width(size.0);
    let frame = Rect::of_size(size);
    let margin = t.text * 0.5;
    let mut shapes = Vec::new();
    let top = title(&chart.title, &frame, margin, t, &mut shapes);
    let (x_name, y_name, average, area) = match lang {
        Language::Sv => (
            "Nyttoindex (0–100)",
            "SUS (0–100)",
            "Genomsnitt för SUS: 68",
            "Ytan visar antal användare",
        ),
        Language::En => (
            "Benefit index (0–100)",
            "SUS (0–100)",
            "SUS average: 68",
            "Area shows the number of users",
        ),
    };
    let entries = [
        (Swatch::Line(REFERENCE, 2.0), average.to_owned()),
        (
            Swatch::Dot(RGBAColor(SERIES.0, SERIES.1, SERIES.2, 0.6)),
            area.to_owned(),
        ),
    ];
    let legend_height = legend(&entries, margin, frame.right - margin, 0.0, t.text)
        .0
        .height();
    let bottom = frame.bottom - margin - legend_height - t.text * 0.3 - t.text * 1.5 - t.text * 1.4;
    let axis = y_axis(
        (0.0, 100.0),
        y_name,
        &frame,
        (top + t.text * 0.5, bottom),
        t,
        lang,
        &mut shapes,
    );
    let plot = axis.plot;
    let x = |value: f64| plot.left + value.clamp(0.0, 100.0) / 100.0 * plot.width();
    shapes.push(line(
        vec![(plot.left, plot.bottom), (plot.right, plot.bottom)],
        GRID_DARK,
        1.0,
    ));
    for value in ticks(
        0.0,
        100.0,
        (plot.width() / (t.text * 3.5)).floor().max(2.0) as usize,
    ) {
        let text = number(value, 0, lang);
        let half = glyphs::width(&text, t.text, false) / 2.0;
        shapes.push(line(
            vec![(x(value), plot.top), (x(value), plot.bottom)],
            GRID,
            1.0,
        ));
        shapes.push(Shape::Text(
            Label::new(
                text,
                (
                    x(value).min(frame.right - half - 1.0),
                    plot.bottom + t.text * 0.35,
                ),
                t.text,
            )
            .anchored(Horizontal::Center, Vertical::Top),
        ));
    }
    shapes.push(Shape::Text(
        Label::new(
            x_name,
            ((plot.left + plot.right) / 2.0, plot.bottom + t.text * 1.8),
            t.text,
        )
        .anchored(Horizontal::Center, Vertical::Top),
    ));
    let y68 = axis.y(68.0);
    shapes.push(line(
        vec![(plot.left, y68), (plot.right, y68)],
        REFERENCE,
        (t.text / 8.5).max(1.0),
    ));
    let most = chart
        .services
        .iter()
        .map(|s| s.users)
        .max()
        .unwrap_or(1)
        .max(1);
    let dots: Vec<((f64, f64), f64)> = chart
        .services
        .iter()
        .map(|s| {
            let share = f64::from(s.users) / f64::from(most);
            (
                (x(s.nyttoindex), axis.y(s.sus)),
                t.text * (0.2 + 0.6 * share.sqrt()),
            )
        })
        .collect();
    // The largest first, so a small service's circle is not hidden under a large one.
    let mut order: Vec<usize> = (0..dots.len()).collect();
    order.sort_by(|a, b| chart.services[*b].users.cmp(&chart.services[*a].users));
    for i in &order {
        let (at, radius) = dots[*i];
        shapes.push(Shape::Dot {
            at,
            radius,
            color: RGBAColor(SERIES.0, SERIES.1, SERIES.2, 0.6),
        });
    }
    // Names beside their circle where one fits: inside the plot, clear of every circle
    // and every name already placed; the largest services are named first.
    let mut names: Vec<Rect> = Vec::new();
    let mut left_out = 0;
    for i in order {
        let ((cx, cy), radius) = dots[i];
        let gap = radius + t.text * 0.25;
        let candidates = [
            ((cx + gap, cy), Horizontal::Left, Vertical::Center),
            ((cx - gap, cy), Horizontal::Right, Vertical::Center),
            ((cx, cy - gap), Horizontal::Center, Vertical::Bottom),
            ((cx, cy + gap), Horizontal::Center, Vertical::Top),
            (
                (cx - gap * 0.7, cy + gap * 0.7),
                Horizontal::Right,
                Vertical::Top,
            ),
            (
                (cx - gap * 0.7, cy - gap * 0.7),
                Horizontal::Right,
                Vertical::Bottom,
            ),
            (
                (cx + gap * 0.7, cy + gap * 0.7),
                Horizontal::Left,
                Vertical::Top,
            ),
            (
                (cx + gap * 0.7, cy - gap * 0.7),
                Horizontal::Left,
                Vertical::Bottom,
            ),
        ];
        let placed = candidates.into_iter().find_map(|(at, h, v)| {
            let label = Label::new(chart.services[i].name.clone(), at, t.text).anchored(h, v);
            let bounds = label.bounds();
            let free = bounds.within(&plot)
                && !names.iter().any(|other| other.overlaps(&bounds))
                && !dots
                    .iter()
                    .any(|(centre, r)| bounds.touches_circle(*centre, *r));
            free.then_some((label, bounds))
        });
        match placed {
            Some((label, bounds)) => {
                names.push(bounds);
                shapes.push(Shape::Text(label));
            }
            None => left_out += 1,
        }
    }
    let (legend_box, drawn) = legend_at_bottom(&entries, &frame, margin, legend_height, t.text);
    shapes.extend(drawn);
    OverviewLayout {
        plot,
        legend: legend_box,
        dots,
        names,
        names_left_out: left_out,
        shapes,
    }
}

/// One panel per service in a grid under one title, one legend for all at the bottom.
pub fn small_multiples(chart: &SmallMultiples, size: (u32, u32), lang: Language) -> Vec<Shape> {
    let t = Typography::for_width(size.0);
    let frame = Rect::of_size(size);
    let margin = t.text * 0.5;
    let mut shapes = Vec::new();
    let top = title(&chart.title, &frame, margin, t, &mut shapes);
    let entries = trends_legend(&chart.panels, lang);
    let (probe, _) = legend(&entries, margin, frame.right - margin, 0.0, t.text);
    let legend_top = frame.bottom - margin - probe.height();
    let count = chart.panels.len().max(1);
    let columns = (count as f64).sqrt().ceil() as usize;
    let rows = count.div_ceil(columns);
    let panel_t = Typography::of((t.text * 1.4 / columns.max(rows) as f64).clamp(11.0, t.text));
    let grid = Rect {
        top,
        bottom: legend_top - t.text * 0.3,
        ..frame
    };
    let (width, height) = (grid.width() / columns as f64, grid.height() / rows as f64);
    for (i, panel) in chart.panels.iter().enumerate() {
        let (column, row) = ((i % columns) as f64, (i / columns) as f64);
        let cell = Rect {
            left: grid.left + column * width,
            top: grid.top + row * height,
            right: grid.left + (column + 1.0) * width,
            bottom: grid.top + (row + 1.0) * height,
        };
        shapes.extend(trend(panel, cell, panel_t, lang, false).shapes);
    }
    shapes.extend(legend(&entries, margin, frame.right - margin, legend_top, t.text).1);
    shapes
}

mod realisation;
mod segment;

pub use realisation::{RealisationLayout, realisation};
