//! The open link's line on a trend: Okabe–Ito bluish green (3:1 against white, apart
//! from the blue and the vermillion for colour-blind readers), dashed and with diamond
//! markers where the whole round's line is solid with round dots, so the two are told
//! apart in greyscale too. It has no band: a second translucent band over the first
//! mixes into a shade that is neither, and the legend's one "95 % konfidensintervall"
//! would no longer say whose it is; its intervals are in the `<desc>` and the page's
//! table.

use super::{Shape, Slots, YAxis, line, solid, unbroken};
use crate::charts::{OPEN_LINK, TrendChart};

/// Dashes and gaps this many times the text size.
const DASH: f64 = 0.55;
/// The diamond's half diagonal, times the text size: its corners reach past a round
/// dot (radius 0.3) on the same spot, so both stay in sight.
const DIAMOND: f64 = 0.45;

/// The series drawn over the chart's slots: where its markers and its unbroken runs
/// are, and the shapes.
pub(super) struct SegmentDrawn {
    pub markers: Vec<(f64, f64)>,
    pub runs: Vec<Vec<(f64, f64)>>,
    pub shapes: Vec<Shape>,
}

/// The chart's open-link line over its slots, if it has one.
pub(super) fn segment(
    chart: &TrendChart,
    (slots, axis): (&Slots, &YAxis),
    text: f64,
) -> Option<SegmentDrawn> {
    chart.open_link.as_ref()?;
    let runs = unbroken(&chart.rounds, |i, _| {
        Some((slots.x(i), axis.y(chart.open_link_at(i)?.point()?.value)))
    });
    let mut shapes = Vec::new();
    for run in runs.iter().filter(|run| run.len() >= 2) {
        shapes.extend(dashed(run, (text / 5.5).max(1.5), text * DASH));
    }
    let markers: Vec<(f64, f64)> = runs.iter().flatten().copied().collect();
    shapes.extend(markers.iter().map(|at| diamond(*at, text * DIAMOND)));
    Some(SegmentDrawn {
        markers,
        runs,
        shapes,
    })
}

/// The legend's swatch, `width` wide at height `middle`: a dash, a diamond, a dash.
pub(super) fn swatch((left, width): (f64, f64), middle: f64, em: f64) -> Vec<Shape> {
    let stroke = (em / 5.5).max(1.5);
    let dash = width * 0.3;
    vec![
        line(
            vec![(left, middle), (left + dash, middle)],
            OPEN_LINK,
            stroke,
        ),
        line(
            vec![(left + width - dash, middle), (left + width, middle)],
            OPEN_LINK,
            stroke,
        ),
        diamond((left + width / 2.0, middle), em * DIAMOND),
    ]
}

fn diamond((x, y): (f64, f64), half: f64) -> Shape {
    Shape::Area {
        points: vec![(x, y - half), (x + half, y), (x, y + half), (x - half, y)],
        color: solid(OPEN_LINK),
    }
}

/// A polyline drawn in dashes `dash` long with gaps as long, the pattern running on
/// round its corners (a dash may bend).
fn dashed(points: &[(f64, f64)], width: f64, dash: f64) -> Vec<Shape> {
    let mut shapes = Vec::new();
    let mut current: Vec<(f64, f64)> = points.first().copied().into_iter().collect();
    let (mut drawing, mut left) = (true, dash);
    for pair in points.windows(2) {
        let ((ax, ay), (bx, by)) = (pair[0], pair[1]);
        let length = (bx - ax).hypot(by - ay);
        let mut done = 0.0;
        while length - done > left {
            done += left;
            let share = done / length;
            let at = (ax + share * (bx - ax), ay + share * (by - ay));
            if drawing {
                current.push(at);
                shapes.push(line(std::mem::take(&mut current), OPEN_LINK, width));
            } else {
                current = vec![at];
            }
            drawing = !drawing;
            left = dash;
        }
        left -= length - done;
        if drawing {
            current.push((bx, by));
        }
    }
    if drawing && current.len() >= 2 {
        shapes.push(line(current, OPEN_LINK, width));
    }
    shapes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ends(shape: &Shape) -> ((f64, f64), (f64, f64)) {
        match shape {
            Shape::Line { points, .. } => (points[0], *points.last().unwrap()),
            other => panic!("{other:?}"),
        }
    }

    /// 0 → 25 along x, dashes 10 long: 0–10 and 20–25; gaps 10–20.
    #[test]
    fn dashes_alternate_along_a_straight_line() {
        let shapes = dashed(&[(0.0, 0.0), (25.0, 0.0)], 2.0, 10.0);
        let drawn: Vec<_> = shapes.iter().map(ends).collect();
        assert_eq!(
            drawn,
            [((0.0, 0.0), (10.0, 0.0)), ((20.0, 0.0), (25.0, 0.0))]
        );
    }

    /// Two legs of 6 and 8 (a 3-4-5 corner at (6, 0)), dashes 4: 0–4 on the first
    /// leg; gap 4–6 and on to 2 along the second; the dash 2–6 along it; gap 6–8.
    #[test]
    fn the_dash_pattern_runs_on_round_a_corner() {
        let shapes = dashed(&[(0.0, 0.0), (6.0, 0.0), (6.0, 8.0)], 2.0, 4.0);
        let drawn: Vec<_> = shapes.iter().map(ends).collect();
        assert_eq!(drawn, [((0.0, 0.0), (4.0, 0.0)), ((6.0, 2.0), (6.0, 6.0))]);
    }
}
