//! An insats's benefit around go-live laid out: the target as a solid line and the
//! baseline as a dashed one (told apart without colour), each round as a dot with its
//! 95 % interval as an error bar, and the go-live marker a vertical line named above
//! the plot, so its words never cover a measurement.

use super::{
    Horizontal, INK, Label, MUTED, Rect, Shape, Swatch, Typography, dashes, legend,
    legend_at_bottom, line, rounds_plot, solid, title, unbroken,
};
use crate::{
    charts::{REFERENCE, RealisationChart, Round, SERIES, glyphs::Vertical},
    domain::Language,
};

/// The chart laid out: its plot and legend boxes, each drawn round's dot (centre), the
/// go-live marker's x, and the shapes to paint.
#[derive(Debug, Clone)]
pub struct RealisationLayout {
    pub plot: Rect,
    pub legend: Rect,
    pub dots: Vec<(f64, f64)>,
    pub go_live_x: Option<f64>,
    pub shapes: Vec<Shape>,
}

fn entries(chart: &RealisationChart, lang: Language) -> Vec<(Swatch, String)> {
    let mut entries = vec![(Swatch::Line(REFERENCE, 3.0), chart.target.1.clone())];
    if let Some((_, text)) = &chart.baseline {
        entries.push((Swatch::Dashes(MUTED, 3.0), text.clone()));
    }
    let measured = match lang {
        Language::Sv => "Uppmätt medelvärde",
        Language::En => "Measured mean",
    };
    let before = chart.go_live.as_ref().map_or(chart.rounds.len(), |g| g.0);
    if chart
        .rounds
        .iter()
        .skip(before)
        .any(|r| r.point().is_some())
    {
        entries.push((Swatch::Dot(solid(SERIES)), measured.to_owned()));
    }
    if chart
        .rounds
        .iter()
        .any(|r| r.point().is_some_and(|p| p.band.is_some()))
    {
        let interval = match lang {
            Language::Sv => "Felstapel: 95 % konfidensintervall",
            Language::En => "Error bar: 95 % confidence interval",
        };
        entries.push((Swatch::Line(SERIES, 2.0), interval.to_owned()));
    }
    entries
}

pub fn realisation(
    chart: &RealisationChart,
    size: (u32, u32),
    lang: Language,
) -> RealisationLayout {
    let t = Typography::for_width(size.0);
    let frame = Rect::of_size(size);
    let margin = t.text * 0.5;
    let mut shapes = Vec::new();
    let top = title(&chart.title, &frame, margin, t, &mut shapes);
    let entries = entries(chart, lang);
    let legend_height = legend(&entries, margin, frame.right - margin, 0.0, t.text)
        .0
        .height();
    // A row above the plot for the go-live marker's name.
    let marker_row = if chart.go_live.is_some() {
        t.text * 1.4
    } else {
        0.0
    };
    let bottom = frame.bottom - margin - legend_height - t.text * 0.3 - t.text * 1.5;
    let (axis, slots) = rounds_plot(
        (&chart.rounds, chart.y_range, &chart.y_label),
        &frame,
        (top + marker_row + t.text * 0.5, bottom),
        t,
        lang,
        &mut shapes,
    );
    let plot = axis.plot;
    let thin = (t.text / 8.5).max(1.0);
    let target_y = axis.y(chart.target.0);
    shapes.push(line(
        vec![(plot.left, target_y), (plot.right, target_y)],
        REFERENCE,
        thin * 1.5,
    ));
    if let Some((value, _)) = &chart.baseline {
        shapes.extend(dashes(
            (plot.left, plot.right),
            axis.y(*value),
            MUTED,
            thin * 1.5,
            t.text * 0.4,
        ));
    }
    let go_live_x = chart.go_live.as_ref().map(|(before, text)| {
        let x = plot.left + *before as f64 * slots.width;
        shapes.push(line(
            vec![(x, plot.top - marker_row * 0.2), (x, plot.bottom)],
            INK,
            thin * 1.5,
        ));
        // Named beside the line, on the side with room.
        let label = Label::new(text.clone(), (0.0, plot.top - t.text * 0.6), t.text);
        let (at, side) = if x + t.text * 0.3 + label.width() <= frame.right - margin {
            (x + t.text * 0.3, Horizontal::Left)
        } else {
            (
                (x - t.text * 0.3).max(label.width() + margin),
                Horizontal::Right,
            )
        };
        shapes.push(Shape::Text(Label {
            at: (at, plot.top - t.text * 0.6),
            bold: true,
            ..label.anchored(side, Vertical::Center)
        }));
        x
    });
    // Error bars with caps; the measurements after go-live joined, a gap at a withheld
    // round and none across the go-live marker.
    let cap = (slots.width * 0.2).min(t.text * 0.5);
    for (i, round) in chart.rounds.iter().enumerate() {
        if let Some((low, high)) = round.point().and_then(|p| p.band) {
            let x = slots.x(i);
            let (low, high) = (axis.y(low), axis.y(high));
            shapes.push(line(vec![(x, low), (x, high)], SERIES, thin * 1.5));
            for y in [low, high] {
                shapes.push(line(vec![(x - cap, y), (x + cap, y)], SERIES, thin * 1.5));
            }
        }
    }
    // Not live yet: every round is the baseline's.
    let before = chart
        .go_live
        .as_ref()
        .map_or(chart.rounds.len(), |(before, _)| *before);
    let after: &[Round] = chart.rounds.get(before..).unwrap_or_default();
    let runs = unbroken(after, |i, r| {
        Some((slots.x(before + i), axis.y(r.point()?.value)))
    });
    for run in runs.iter().filter(|run| run.len() >= 2) {
        shapes.push(line(run.clone(), SERIES, (t.text / 5.5).max(1.5)));
    }
    let mut dots = Vec::new();
    for (i, round) in chart.rounds.iter().enumerate() {
        if let Some(point) = round.point() {
            let at = (slots.x(i), axis.y(point.value));
            // Before go-live the dot is the baseline's, in the baseline's grey.
            let color = if i < before { MUTED } else { SERIES };
            shapes.push(Shape::Dot {
                at,
                radius: t.text * 0.3,
                color: solid(color),
            });
            dots.push(at);
        }
    }
    let (legend_box, drawn) = legend_at_bottom(&entries, &frame, margin, legend_height, t.text);
    shapes.extend(drawn);
    RealisationLayout {
        plot,
        legend: legend_box,
        dots,
        go_live_x,
        shapes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::{Chart, Point, svg_in};

    fn chart() -> RealisationChart {
        let shown = |label: &str, value: f64, band| {
            Round::Shown(Point {
                label: label.into(),
                value,
                band,
            })
        };
        RealisationChart {
            title: "Färre fel: SUS – Lönesystemet".into(),
            description: "SUS (0–100).".into(),
            y_label: "SUS (0–100)".into(),
            y_range: (0.0, 100.0),
            rounds: vec![
                shown("2026-Q1", 60.0, Some((55.0, 65.0))),
                shown("2026-Q3", 70.0, Some((64.0, 76.0))),
                shown("2026-Q4", 74.0, Some((69.0, 79.0))),
                Round::TooFewAnswers {
                    label: "2027-Q1".into(),
                },
                shown("2027-Q2", 78.0, Some((73.0, 83.0))),
            ],
            go_live: Some((1, "Driftstart 2026-04-01".into())),
            baseline: Some((60.0, "Utgångsläge 60,0".into())),
            target: (75.0, "Mål 75,0".into()),
        }
    }

    #[test]
    fn go_live_stands_between_the_baseline_and_the_first_round_after_it() {
        let laid = realisation(&chart(), (540, 380), Language::Sv);
        // Four dots: the withheld round has none.
        assert_eq!(laid.dots.len(), 4);
        let x = laid.go_live_x.unwrap();
        assert!(
            laid.dots[0].0 < x && x < laid.dots[1].0,
            "{x} {:?}",
            laid.dots
        );
        // Higher values stand higher: the last round (78) above the baseline (60).
        assert!(laid.dots[3].1 < laid.dots[0].1);
        assert!(
            laid.legend.top >= laid.plot.bottom,
            "the legend is below the plot"
        );
        assert!(laid.legend.within(&Rect::of_size((540, 380))));
        // Every word stays inside the canvas.
        let canvas = Rect::of_size((540, 380));
        for shape in &laid.shapes {
            if let Shape::Text(label) = shape
                && label.upright
            {
                assert!(label.bounds().within(&canvas), "{label:?}");
            }
        }
        // The rounds after go-live are joined (2026-Q3 to 2026-Q4, a gap at the withheld
        // 2027-Q1), never to the baseline across the marker.
        let sloping: Vec<&Vec<(f64, f64)>> = laid
            .shapes
            .iter()
            .filter_map(|shape| match shape {
                Shape::Line { points, .. }
                    if points
                        .windows(2)
                        .any(|w| w[0].0 != w[1].0 && w[0].1 != w[1].1) =>
                {
                    Some(points)
                }
                _ => None,
            })
            .collect();
        assert_eq!(sloping, [&vec![laid.dots[1], laid.dots[2]]]);
    }

    #[test]
    fn the_svg_carries_its_title_description_and_legend_words() {
        let svg = svg_in(
            &Chart::Realisation(chart()),
            (540, 380),
            "benefit-0",
            Language::Sv,
        )
        .unwrap();
        assert!(
            svg.contains("<title id=\"benefit-0-title\">Färre fel: SUS – Lönesystemet</title>")
        );
        assert!(svg.contains("aria-labelledby=\"benefit-0-title benefit-0-desc\""));
        for words in [
            "Driftstart 2026-04-01",
            "Mål 75,0",
            "Utgångsläge 60,0",
            "för få svar",
        ] {
            assert!(svg.contains(words), "{words}");
        }
    }
}
