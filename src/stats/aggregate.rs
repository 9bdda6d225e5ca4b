//! A closed round's figures per metric and segment, computed once from its released
//! answers: the whole round, each kind (internal/external), each förvaltning that
//! occurs, and the answers that came through the round's open link. Released segments are already coarsened so that every combination has at
//! least `min_group_size` answers; whoever reads these still hides any figure whose `n`
//! is below it (a metric can have fewer answers than its group, e.g. an incomplete SUS).

use std::collections::BTreeMap;

use super::{
    scores::{Metric, ResponseScores, score},
    summary::{nps, summarize},
};
use crate::domain::{
    RespondentKind,
    questionnaire::{Answers, Item},
    release::Segment,
};

/// Which responses a figure covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SegmentKey {
    All,
    Kind(RespondentKind),
    Department(String),
    /// Answers through the round's open link (also counted among the external ones).
    OpenLink,
}

impl SegmentKey {
    /// As stored: `all`, `kind:internal`, `department:Skola`, `open_link`.
    pub fn to_stored(&self) -> String {
        match self {
            Self::All => "all".into(),
            Self::OpenLink => "open_link".into(),
            Self::Kind(kind) => format!("kind:{}", kind.as_str()),
            Self::Department(name) => format!("department:{name}"),
        }
    }

    pub fn from_stored(raw: &str) -> Option<Self> {
        match raw {
            "all" => return Some(Self::All),
            "open_link" => return Some(Self::OpenLink),
            _ => {}
        }
        if let Some(kind) = raw.strip_prefix("kind:") {
            return kind.parse().ok().map(Self::Kind);
        }
        raw.strip_prefix("department:")
            .map(|name| Self::Department(name.to_owned()))
    }
}

/// One metric's figures over one segment of a round.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    pub metric: Metric,
    pub segment: SegmentKey,
    /// Responses in the segment (the metric may have fewer: `n`).
    pub responses: usize,
    pub n: usize,
    /// The mean; for NPS the score.
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub ci: Option<(f64, f64)>,
    pub median: Option<f64>,
    /// NPS only: promoters (9–10) and detractors (0–6) among `n`.
    pub promoters: Option<u64>,
    pub detractors: Option<u64>,
}

/// Every metric the questionnaire measures, over every segment that occurs.
pub fn round_aggregates<'a>(
    items: &[Item],
    released: impl IntoIterator<Item = (&'a Segment, &'a Answers)>,
) -> Vec<Aggregate> {
    let mut groups: BTreeMap<SegmentKey, Vec<ResponseScores>> = BTreeMap::new();
    for (segment, answers) in released {
        let scores = score(items, answers);
        groups.entry(SegmentKey::All).or_default().push(scores);
        if let Some(kind) = segment.kind {
            groups
                .entry(SegmentKey::Kind(kind))
                .or_default()
                .push(scores);
        }
        if let Some(department) = &segment.department {
            groups
                .entry(SegmentKey::Department(department.clone()))
                .or_default()
                .push(scores);
        }
        if segment.open_link {
            groups.entry(SegmentKey::OpenLink).or_default().push(scores);
        }
    }
    let metrics: Vec<Metric> = Metric::ALL
        .into_iter()
        .filter(|m| m.measured_by(items))
        .collect();
    let mut aggregates = Vec::new();
    for (segment, scores) in groups {
        for &metric in &metrics {
            aggregates.extend(aggregate(metric, segment.clone(), &scores));
        }
    }
    aggregates
}

fn aggregate(metric: Metric, segment: SegmentKey, scores: &[ResponseScores]) -> Option<Aggregate> {
    let responses = scores.len();
    if metric == Metric::Nps {
        let values: Vec<i64> = scores.iter().filter_map(|s| s.nps).collect();
        let result = nps(&values)?;
        return Some(Aggregate {
            metric,
            segment,
            responses,
            n: values.len(),
            mean: Some(result.score),
            sd: None,
            ci: None,
            median: None,
            promoters: Some(result.promoters.successes),
            detractors: Some(result.detractors.successes),
        });
    }
    let values: Vec<f64> = scores
        .iter()
        .filter_map(|s| match metric {
            Metric::Sus => s.sus,
            Metric::UmuxLite => s.umux_lite,
            Metric::Nyttoindex => s.nyttoindex,
            Metric::Tidsvinst => s.minutes_per_week,
            Metric::Nps => None,
        })
        .collect();
    let summary = summarize(&values)?;
    Some(Aggregate {
        metric,
        segment,
        responses,
        n: summary.n,
        mean: Some(summary.mean),
        sd: summary.sd,
        ci: summary.ci,
        median: Some(summary.median),
        promoters: None,
        detractors: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::questionnaire::{AnswerValue, ItemKind, ScaleTag};

    fn response(
        department: Option<&str>,
        kind: RespondentKind,
        tid: i64,
        nps: i64,
    ) -> (Segment, Answers) {
        (
            Segment {
                department: department.map(str::to_owned),
                kind: Some(kind),
                open_link: false,
            },
            Answers::from([
                ("tid".to_string(), AnswerValue::Number(tid)),
                ("nps".to_string(), AnswerValue::Number(nps)),
            ]),
        )
    }

    #[test]
    fn figures_per_metric_for_the_round_each_kind_and_each_department() {
        let items = [
            Item::untitled("tid", ItemKind::MinutesPerWeek, ScaleTag::Time),
            Item::untitled("nps", ItemKind::Nps, ScaleTag::Nps),
        ];
        use RespondentKind::{External, Internal};
        let released = [
            response(Some("Skola"), Internal, 10, 10),
            response(Some("Skola"), Internal, 20, 9),
            response(Some("Skola"), Internal, 30, 8),
            response(None, External, 40, 3),
            response(None, External, 100, 10),
        ];
        let aggregates = round_aggregates(&items, released.iter().map(|(s, a)| (s, a)));
        let find = |metric, segment: SegmentKey| {
            aggregates
                .iter()
                .find(|a| a.metric == metric && a.segment == segment)
                .cloned()
        };
        // Tidsvinst over all five: mean 40, median 30.
        let all = find(Metric::Tidsvinst, SegmentKey::All).unwrap();
        assert_eq!(
            (all.responses, all.n, all.mean, all.median),
            (5, 5, Some(40.0), Some(30.0))
        );
        // Skola: 10, 20, 30 → mean 20, SD 10, t(2) = 4.30265 → 20 ± 24.84.
        let skola = find(Metric::Tidsvinst, SegmentKey::Department("Skola".into())).unwrap();
        assert_eq!((skola.mean, skola.sd), (Some(20.0), Some(10.0)));
        let (low, high) = skola.ci.unwrap();
        assert!(
            (low + 4.8414).abs() < 1e-3 && (high - 44.8414).abs() < 1e-3,
            "{low} {high}"
        );
        // NPS of the externals: one promoter, one detractor → 0.
        let external = find(Metric::Nps, SegmentKey::Kind(External)).unwrap();
        assert_eq!(
            (external.mean, external.promoters, external.detractors),
            (Some(0.0), Some(1), Some(1))
        );
        // NPS over all: promoters 10, 9, 10 (60 %), detractors 3 (20 %) → 40.
        assert_eq!(find(Metric::Nps, SegmentKey::All).unwrap().mean, Some(40.0));
        // No unknown-department group, and no SUS (not asked).
        assert_eq!(aggregates.len(), 2 * 4); // all, internal, external, Skola × 2 metrics
        assert!(find(Metric::Sus, SegmentKey::All).is_none());
    }

    #[test]
    fn open_link_answers_are_a_segment_and_among_the_external_ones() {
        let items = [Item::untitled(
            "tid",
            ItemKind::MinutesPerWeek,
            ScaleTag::Time,
        )];
        let (invited, _) = response(None, RespondentKind::External, 10, 0);
        let open = Segment {
            open_link: true,
            ..invited.clone()
        };
        let minutes = |tid: i64| Answers::from([("tid".to_string(), AnswerValue::Number(tid))]);
        let released = [
            (invited, minutes(10)),
            (open.clone(), minutes(20)),
            (open, minutes(60)),
        ];
        let aggregates = round_aggregates(&items, released.iter().map(|(s, a)| (s, a)));
        let mean_of = |segment: SegmentKey| {
            let found = aggregates.iter().find(|a| a.segment == segment).unwrap();
            (found.responses, found.mean)
        };
        // Open link: (20 + 60) / 2 = 40; external: (10 + 20 + 60) / 3 = 30.
        assert_eq!(mean_of(SegmentKey::OpenLink), (2, Some(40.0)));
        assert_eq!(
            mean_of(SegmentKey::Kind(RespondentKind::External)),
            (3, Some(30.0))
        );
    }

    #[test]
    fn segment_keys_round_trip_through_their_stored_form() {
        for key in [
            SegmentKey::All,
            SegmentKey::Kind(RespondentKind::External),
            SegmentKey::Department("Barn- och ungdom: skola".into()),
            SegmentKey::OpenLink,
        ] {
            assert_eq!(SegmentKey::from_stored(&key.to_stored()), Some(key));
        }
        assert_eq!(SegmentKey::from_stored("kind:robot"), None);
    }
}
