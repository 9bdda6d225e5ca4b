use super::*;
use layout::Rect;

fn point(label: &str, value: f64, band: (f64, f64)) -> Round {
    Round::Shown(Point {
        label: label.into(),
        value,
        band: Some(band),
    })
}

fn sus_trend(rounds: Vec<Round>) -> TrendChart {
    TrendChart {
        title: "Användbarhet (SUS) – Lönesystemet".into(),
        description: "SUS per omgång.".into(),
        y_label: "SUS (0–100)".into(),
        y_range: (0.0, 100.0),
        rounds,
        reference: Some((68.0, "Genomsnitt för SUS: 68".into())),
        open_link: None,
    }
}

fn chart() -> Chart {
    Chart::Trend(sus_trend(vec![
        point("2026-Q1", 70.0, (64.0, 76.0)),
        point("2026-Q2", 74.0, (69.0, 79.0)),
    ]))
}

fn overview() -> OverviewChart {
    let service = |name: &str, nyttoindex: f64, sus: f64, users: u32| ServicePoint {
        name: name.into(),
        nyttoindex,
        sus,
        users,
    };
    OverviewChart {
        title: "IT-tjänsterna: användbarhet och nytta, 2026-Q4".into(),
        description: "SUS mot nyttoindex.".into(),
        services: vec![
            service("Lönesystemet", 60.0, 72.0, 4_000),
            service("Ärendehantering", 40.0, 55.0, 300),
            service("Ekonomisystemet", 62.0, 70.0, 1_200),
            service("Skolplattformen", 61.0, 73.0, 9_000),
            service("Larmsystemet", 98.0, 2.0, 50),
            service("Intranätet", 99.0, 99.0, 6_000),
        ],
    }
}

fn svg_document(svg: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(svg).expect("the SVG parses")
}

#[test]
fn svg_carries_title_description_and_swedish_text() {
    let svg = svg(&chart(), (800, 450)).unwrap();
    let head = &svg[..svg.find("</desc>").unwrap()];
    assert!(head.contains("role=\"img\""), "{head}");
    assert!(head.contains("<title id=\"chart-title\">Användbarhet (SUS) – Lönesystemet</title>"));
    assert!(svg.contains("2026-Q2") && svg.contains("95 % konfidensintervall"));
    assert!(
        svg.contains("viewBox=\"0 0 800 450\""),
        "a page can shrink it"
    );
}

#[test]
fn the_chart_words_follow_the_language() {
    let english = svg_in(&chart(), (800, 450), "c", Language::En).unwrap();
    assert!(english.contains("95 % confidence interval"));
    assert!(!english.contains("konfidensintervall"));
    let overview = Chart::Overview(overview());
    let english = svg_in(&overview, (800, 450), "o", Language::En).unwrap();
    assert!(english.contains("Benefit index (0–100)") && english.contains("SUS average: 68"));
    let swedish = svg_in(&overview, (800, 450), "o", Language::Sv).unwrap();
    assert!(swedish.contains("Nyttoindex (0–100)") && swedish.contains("Genomsnitt för SUS: 68"));
}

/// A withheld round is a gap: the line stops before it and starts again after it, and
/// the band too; nothing is drawn across it.
#[test]
fn a_withheld_round_breaks_the_line_in_two() {
    let trend = sus_trend(vec![
        point("2025-Q3", 70.0, (64.0, 76.0)),
        point("2025-Q4", 72.0, (66.0, 78.0)),
        point("2026-Q1", 71.0, (65.0, 77.0)),
        Round::TooFewAnswers {
            label: "2026-Q2".into(),
        },
        point("2026-Q3", 60.0, (54.0, 66.0)),
        point("2026-Q4", 58.0, (52.0, 64.0)),
        point("2027-Q1", 57.0, (51.0, 63.0)),
    ]);
    let layout = trend_layout(&trend, (800, 450), Language::Sv);
    assert_eq!(layout.runs.len(), 2);
    assert_eq!(layout.runs.iter().map(Vec::len).collect::<Vec<_>>(), [3, 3]);
    assert_eq!(layout.dots.len(), 6);
    let svg = svg(&Chart::Trend(trend), (800, 450)).unwrap();
    let document = svg_document(&svg);
    let series_paths: Vec<usize> = document
        .descendants()
        .filter(|n| n.has_tag_name("polyline") && n.attribute("stroke") == Some("#0072B2"))
        .map(|n| {
            n.attribute("points")
                .unwrap_or("")
                .split_whitespace()
                .count()
        })
        .filter(|points| *points >= 3)
        .collect();
    assert_eq!(
        series_paths,
        [3, 3],
        "two separate lines, none across the gap"
    );
    let bands = document
        .descendants()
        .filter(|n| n.has_tag_name("polygon"))
        .filter(|n| {
            n.attribute("points")
                .unwrap_or("")
                .split_whitespace()
                .count()
                >= 6
        })
        .count();
    assert_eq!(bands, 2, "the band is broken at the gap too");
}

fn outside(rect: &Rect, (x, y): (f64, f64), radius: f64) -> bool {
    x + radius < rect.left
        || x - radius > rect.right
        || y + radius < rect.top
        || y - radius > rect.bottom
}

/// The newest points sit low on the right, where the legend used to be: the legend
/// now covers none of them, at every size a chart is drawn.
#[test]
fn the_legend_covers_no_data() {
    let falling = sus_trend(
        (0..8)
            .map(|i| {
                let value = 90.0 - 11.0 * f64::from(i);
                point(&format!("Q{i}"), value, (value - 8.0, value + 8.0))
            })
            .collect(),
    );
    for size in [(800, 450), (1600, 900), (540, 380), (1200, 675)] {
        let layout = trend_layout(&falling, size, Language::Sv);
        let legend = layout.legend.expect("a trend has a legend");
        assert!(legend.within(&Rect::of_size(size)), "{size:?}: {legend:?}");
        for dot in &layout.dots {
            assert!(
                outside(&legend, *dot, 5.0),
                "{size:?}: {dot:?} under {legend:?}"
            );
        }
        let overview = overview_layout(&overview(), size, Language::Sv);
        for (centre, radius) in &overview.dots {
            assert!(
                outside(&overview.legend, *centre, *radius),
                "{size:?}: {centre:?}"
            );
        }
    }
}

/// Names stay inside the plot and apart from each other and from every circle; a
/// name that cannot is left out (and counted, so the caption can say so).
#[test]
fn overview_names_neither_overlap_nor_leave_the_canvas() {
    // Ten more services on one spot: eight places around it at most.
    let mut crowded = overview();
    crowded.services.extend((0..10).map(|i| ServicePoint {
        name: format!("Tjänst {i}"),
        nyttoindex: 30.0,
        sus: 30.0,
        users: 100,
    }));
    for size in [(800, 450), (540, 480)] {
        let layout = overview_layout(&crowded, size, Language::Sv);
        assert_eq!(layout.names.len() + layout.names_left_out, 16);
        for (i, name) in layout.names.iter().enumerate() {
            assert!(name.within(&layout.plot), "{size:?}: {name:?}");
            for other in &layout.names[i + 1..] {
                assert!(!name.overlaps(other), "{size:?}: {name:?} {other:?}");
            }
        }
        assert!(layout.names_left_out >= 2, "{size:?}");
    }
}

#[test]
fn chart_text_stays_legible_when_shrunk_to_a_phone() {
    // A 540-px chart in a 358-px column (a 390-px phone less the page's padding).
    let shrink = 358.0 / 540.0;
    let trend = trend_layout(
        &sus_trend(vec![point("2026-Q1", 70.0, (60.0, 80.0))]),
        (540, 380),
        Language::Sv,
    );
    let overview = overview_layout(&overview(), (540, 480), Language::Sv);
    for shape in trend.shapes.iter().chain(&overview.shapes) {
        if let Shape::Text(label) = shape {
            assert!(label.em * shrink >= 11.0, "{label:?}");
        }
    }
}

/// The PNG's letters sit where the layout measured them: the word starts at its anchor
/// and ends within its measured width (plotters' own text path lost each glyph's side
/// bearing, so words drifted and split: "Användbarh et").
#[test]
fn png_text_fills_the_box_the_layout_measured() {
    let text = "Användbarhet konfidensintervall";
    let em = 17.0;
    let width = glyphs::width(text, em, false);
    let mut columns = std::collections::BTreeSet::new();
    glyphs::rasterise(text, em, false, |x, _, coverage| {
        if coverage > 0.3 {
            columns.insert(x.round() as i64);
        }
    });
    let (first, last) = (*columns.first().unwrap(), *columns.last().unwrap());
    assert!((0..=2).contains(&first), "{first}");
    assert!(
        (last as f64) <= width && (last as f64) >= width - 3.0,
        "{last} of {width}"
    );
    // Inside a word, no column run is emptier than the gap a space makes.
    let space = glyphs::width(" ", em, false);
    let word = glyphs::width("Användbarhet", em, false);
    let gaps = columns
        .iter()
        .zip(columns.iter().skip(1))
        .filter(|(a, b)| (**b as f64) < word && (*b - *a) as f64 > space * 0.8)
        .count();
    assert_eq!(gaps, 0);
}

#[test]
fn a_long_title_is_fitted_not_clipped() {
    let mut trend = sus_trend(vec![point("2026-Q1", 70.0, (60.0, 80.0))]);
    trend.title = "Användbarhet (SUS) per tjänst – Barn- och ungdomsförvaltningens objektägare för elevhälsans journalsystem".into();
    let layout = trend_layout(&trend, (540, 380), Language::Sv);
    let title = layout
        .shapes
        .iter()
        .find_map(|s| match s {
            Shape::Text(label) if label.bold => Some(label.clone()),
            _ => None,
        })
        .unwrap();
    assert!(
        title.bounds().within(&Rect::of_size((540, 380))),
        "{title:?}"
    );
    assert!(title.text.ends_with('…'));
}

#[test]
fn the_overview_and_small_multiples_draw_with_their_titles() {
    let svg_text = svg(&Chart::Overview(overview()), (800, 450)).unwrap();
    assert!(
        svg_text.contains("Ärendehantering")
            && svg_text.contains("<title id=\"chart-title\">IT-tjänsterna")
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

fn too_few(label: &str) -> Round {
    Round::TooFewAnswers {
        label: label.into(),
    }
}

/// Five rounds, the open link's line over the last four with a withheld round in the
/// middle: 2026-Q2 60, 2026-Q3 62, 2026-Q4 withheld, 2027-Q1 50, 2027-Q2 52.
fn with_open_link() -> TrendChart {
    let open = |label: &str, value: f64| point(label, value, (value - 9.0, value + 9.0));
    TrendChart {
        open_link: Some(SegmentSeries {
            label: "Via öppen länk".into(),
            rounds: vec![
                open("2026-Q2", 60.0),
                open("2026-Q3", 62.0),
                too_few("2026-Q4"),
                open("2027-Q1", 50.0),
                open("2027-Q2", 52.0),
            ],
        }),
        ..sus_trend(vec![
            point("2026-Q1", 70.0, (64.0, 76.0)),
            point("2026-Q2", 74.0, (69.0, 79.0)),
            point("2026-Q3", 72.0, (67.0, 77.0)),
            point("2026-Q4", 73.0, (68.0, 78.0)),
            point("2027-Q1", 75.0, (70.0, 80.0)),
            point("2027-Q2", 76.0, (71.0, 81.0)),
        ])
    }
}

/// Every size a trend is drawn at: the file, the page, the large file.
const TREND_SIZES: [(u32, u32); 3] = [(800, 450), (540, 380), (1600, 900)];

/// Each open-link marker stands in its round's slot (the whole round's dot's x) at
/// the height of its value on the 0–100 axis: y = bottom − value / 100 · height; the
/// withheld 2026-Q4 has none, and no line crosses its slot.
#[test]
fn the_open_links_markers_sit_at_their_values_and_its_line_breaks_at_a_gap() {
    let chart = with_open_link();
    for size in TREND_SIZES {
        let layout = trend_layout(&chart, size, Language::Sv);
        let plot = layout.plot;
        let at = |round: usize, value: f64| {
            (
                layout.dots[round].0,
                plot.bottom - value / 100.0 * plot.height(),
            )
        };
        let expected = [at(1, 60.0), at(2, 62.0), at(4, 50.0), at(5, 52.0)];
        assert_eq!(layout.open_link_markers.len(), 4, "{size:?}");
        for (marker, (x, y)) in layout.open_link_markers.iter().zip(expected) {
            assert!(
                (marker.0 - x).abs() < 1e-9 && (marker.1 - y).abs() < 1e-9,
                "{size:?}: {marker:?} is not ({x}, {y})"
            );
        }
        assert_eq!(
            layout.open_link_runs,
            [expected[..2].to_vec(), expected[2..].to_vec()],
            "{size:?}"
        );
        // No green stroke in the plot reaches into the withheld round's slot.
        let (before, after) = (expected[1].0, expected[2].0);
        for shape in &layout.shapes {
            if let Shape::Line { points, color, .. } = shape
                && (color.0, color.1, color.2) == (0, 158, 115)
                && points.iter().all(|p| plot.contains(*p))
            {
                assert!(
                    points.iter().all(|(x, _)| *x <= before || *x >= after),
                    "{size:?}: {points:?} crosses the gap"
                );
            }
        }
    }
    // The whole round's line is unchanged by it: one run through all six rounds.
    let layout = trend_layout(&chart, (800, 450), Language::Sv);
    assert_eq!(layout.runs.iter().map(Vec::len).collect::<Vec<_>>(), [6]);
    let plain = trend_layout(
        &TrendChart {
            open_link: None,
            ..chart
        },
        (800, 450),
        Language::Sv,
    );
    // Its legend takes a second row, so the plot is lower; the rounds stand where
    // they stood.
    let xs = |dots: &[(f64, f64)]| dots.iter().map(|d| d.0).collect::<Vec<_>>();
    assert_eq!(xs(&layout.dots), xs(&plain.dots));
}

fn texts(shapes: &[Shape]) -> Vec<&layout::Label> {
    shapes
        .iter()
        .filter_map(|shape| match shape {
            Shape::Text(label) => Some(label),
            _ => None,
        })
        .collect()
}

/// The legend names both lines (the whole round's as all answers) in the chart's
/// language, and an owner's panels side by side share one legend that names it too.
#[test]
fn the_legend_names_the_open_links_line() {
    for (lang, all, open) in [
        (Language::Sv, "SUS (0–100), alla svar", "Via öppen länk"),
        (
            Language::En,
            "SUS (0–100), all answers",
            "Through the open link",
        ),
    ] {
        let mut chart = with_open_link();
        if let Some(series) = &mut chart.open_link {
            series.label = open.into();
        }
        let layout = trend_layout(&chart, (800, 450), lang);
        let legend = layout.legend.unwrap();
        let named: Vec<&str> = texts(&layout.shapes)
            .into_iter()
            .filter(|label| legend.contains(label.at))
            .map(|label| label.text.as_str())
            .collect();
        assert!(named.contains(&all) && named.contains(&open), "{named:?}");
        // Its swatch: a diamond in the legend.
        assert!(layout.shapes.iter().any(|shape| matches!(
            shape,
            Shape::Area { points, color } if points.len() == 4
                && legend.contains(points[0])
                && (color.0, color.1, color.2) == (0, 158, 115)
        )));
    }
    let panels = Chart::SmallMultiples(SmallMultiples {
        title: "Användbarhet (SUS) per tjänst – Åsa".into(),
        description: "x".into(),
        panels: vec![
            sus_trend(vec![point("2026-Q1", 70.0, (64.0, 76.0))]),
            with_open_link(),
        ],
    });
    let svg = svg(&panels, (800, 450)).unwrap();
    let document = svg_document(&svg);
    let words: Vec<&str> = document
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(str::trim)
        .collect();
    assert!(
        words.contains(&"Via öppen länk") && words.contains(&"SUS (0–100), alla svar"),
        "{words:?}"
    );
}

/// At every size, and on a phone's 358-px column, the words stay apart, inside the
/// canvas, legible, and the legend covers no marker of either line.
#[test]
fn with_the_open_links_line_no_words_overlap_and_the_legend_covers_no_data() {
    let mut chart = with_open_link();
    chart.rounds[3] = too_few("2026-Q4");
    for size in TREND_SIZES {
        let layout = trend_layout(&chart, size, Language::Sv);
        let canvas = Rect::of_size(size);
        let upright: Vec<Rect> = texts(&layout.shapes)
            .into_iter()
            .filter(|label| label.upright)
            .map(layout::Label::bounds)
            .collect();
        for (i, bounds) in upright.iter().enumerate() {
            assert!(bounds.within(&canvas), "{size:?}: {bounds:?}");
            for other in &upright[i + 1..] {
                assert!(!bounds.overlaps(other), "{size:?}: {bounds:?} {other:?}");
            }
        }
        let legend = layout.legend.unwrap();
        assert!(legend.within(&canvas) && !legend.overlaps(&layout.plot));
        for marker in layout.open_link_markers.iter().chain(&layout.dots) {
            assert!(layout.plot.contains(*marker), "{size:?}: {marker:?}");
            assert!(outside(&legend, *marker, 8.0), "{size:?}: {marker:?}");
        }
    }
    let shrink = 358.0 / 540.0;
    for label in texts(&trend_layout(&chart, (540, 380), Language::Sv).shapes) {
        assert!(label.em * shrink >= 11.0, "{label:?}");
    }
}

/// Drawn: the whole round's line stays one blue polyline, the open link's is green
/// dashes.
#[test]
fn the_open_links_line_is_drawn_in_its_own_colour() {
    let chart = with_open_link();
    let svg = svg(&Chart::Trend(chart), (800, 450)).unwrap();
    let document = svg_document(&svg);
    let strokes = |colour: &str| {
        document
            .descendants()
            .filter(|n| n.has_tag_name("polyline") && n.attribute("stroke") == Some(colour))
            .count()
    };
    // Blue: the series (one polyline) and its legend swatch.
    assert_eq!(strokes("#0072B2"), 2);
    assert!(strokes("#009E73") >= 4, "dashes of two runs and the swatch");
}

/// Not a check: `cargo test --release --lib write_chart_samples -- --ignored` writes
/// sample charts to the temporary folder, to look at.
#[test]
#[ignore = "writes sample charts to a temporary folder to look at; not a check"]
fn write_chart_samples() {
    let folder = std::env::temp_dir().join("nyttopuls-charts");
    std::fs::create_dir_all(&folder).unwrap();
    let gap = sus_trend(vec![
        point("2025-Q3", 70.0, (64.0, 76.0)),
        point("2025-Q4", 72.0, (66.0, 78.0)),
        Round::TooFewAnswers {
            label: "2026-Q1".into(),
        },
        point("2026-Q2", 60.0, (54.0, 66.0)),
        point("2026-Q3", 35.0, (28.0, 42.0)),
        point("2026-Q4", 22.0, (15.0, 29.0)),
    ]);
    let Chart::Trend(one) = chart() else {
        unreachable!()
    };
    let grid = Chart::SmallMultiples(SmallMultiples {
        title: "Användbarhet (SUS) per tjänst – Anna-Karin Lindqvist-Öberg".into(),
        description: "x".into(),
        panels: vec![one.clone(), gap.clone(), one],
    });
    let mut open_link = with_open_link();
    open_link.title = "Användbarhet (SUS) – E-tjänst bygglov".into();
    for (name, chart) in [
        ("open_link_trend", Chart::Trend(open_link)),
        ("trend", Chart::Trend(gap)),
        ("overview", Chart::Overview(overview())),
        ("owner", grid),
    ] {
        for (suffix, size) in [
            ("", (800, 450)),
            ("-inline", (540, 380)),
            ("@2x", (1600, 900)),
        ] {
            std::fs::write(
                folder.join(format!("{name}{suffix}.png")),
                png(&chart, size).unwrap(),
            )
            .unwrap();
            std::fs::write(
                folder.join(format!("{name}{suffix}.svg")),
                svg(&chart, size).unwrap(),
            )
            .unwrap();
        }
    }
}
