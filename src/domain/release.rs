//! What a closing round releases of its sealed answers. Either all of them, in random
//! order, each reported under segment values shared by at least `min_group_size`
//! released answers, or none when too few answered.

use rand::{Rng, seq::SliceRandom};

use super::{RespondentKind, questionnaire::Answers, sealing::SealedAnswer};

/// The segment values a released answer is reported under; `None` is "unknown".
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Segment {
    pub department: Option<String>,
    pub kind: Option<RespondentKind>,
    /// Came through the round's open link (a segment of its own in the results).
    pub open_link: bool,
}

/// One answer as it enters `responses`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleasedAnswer {
    /// Fresh and random: it says nothing about the sealed row or the order of answering.
    pub id: i64,
    pub segment: Segment,
    pub answers: Answers,
}

/// A row id that tells nothing: random, never sequential (no order of answering).
pub fn random_row_id(rng: &mut impl Rng) -> i64 {
    rng.random_range(1..i64::MAX)
}

#[derive(Debug, Clone, PartialEq)]
pub enum Release {
    /// Every answer, shuffled, with its (possibly coarsened) segment.
    Answers(Vec<ReleasedAnswer>),
    /// Fewer answers than the threshold: nothing is released, and the count is all
    /// the round keeps.
    TooFewAnswers,
}

/// Whether `count` answers are too few to show anything of them: the anonymity
/// threshold. Every reader asks this (a release, a figure, a group, a round's comments),
/// so the comparison is written once.
pub fn too_few(count: usize, min_group_size: usize) -> bool {
    count < min_group_size.max(1)
}

/// Decides a closing round's release. The shuffle takes `rng` so tests can fix it.
pub fn plan_release(
    sealed: Vec<SealedAnswer>,
    min_group_size: usize,
    rng: &mut impl Rng,
) -> Release {
    if too_few(sealed.len(), min_group_size) {
        return Release::TooFewAnswers;
    }
    let mut segments: Vec<Segment> = sealed
        .iter()
        .map(|a| Segment {
            department: a.department.clone(),
            kind: Some(a.kind),
            open_link: a.open_link,
        })
        .collect();
    coarsen_segments(&mut segments, min_group_size);
    let mut released: Vec<ReleasedAnswer> = sealed
        .into_iter()
        .zip(segments)
        .map(|(answer, segment)| ReleasedAnswer {
            id: 0,
            segment,
            answers: answer.answers,
        })
        .collect();
    released.shuffle(rng);
    for answer in &mut released {
        answer.id = random_row_id(rng);
    }
    Release::Answers(released)
}

/// Coarsens segment values until every combination that occurs is shared by at least
/// `min_group_size` entries: a rare combination first loses its förvaltning, then its
/// open-link mark (its answers join the other external ones), then its kind. If the fully unknown group is itself too small, the smallest other group is
/// coarsened into it, step by step. With at least `min_group_size` entries this always
/// ends (at worst with everything unknown).
pub fn coarsen_segments(segments: &mut [Segment], min_group_size: usize) {
    loop {
        let counts = group_counts(segments);
        let Some(rare) = counts
            .iter()
            .filter(|(_, n)| *n < min_group_size)
            .min_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)))
            .map(|(segment, _)| segment.clone())
        else {
            return;
        };
        let target = if rare != Segment::unknown() {
            rare
        } else {
            // The unknown group is too small: merge the smallest other group into it.
            let Some(smallest) = counts
                .iter()
                .filter(|(segment, _)| *segment != Segment::unknown())
                .min_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)))
                .map(|(segment, _)| segment.clone())
            else {
                return; // everything is unknown already: fewer entries than the threshold
            };
            smallest
        };
        let coarser = coarsen_once(&target);
        for segment in segments.iter_mut().filter(|s| **s == target) {
            *segment = coarser.clone();
        }
    }
}

impl Segment {
    /// Nothing known: where every coarsening ends.
    fn unknown() -> Self {
        Self {
            department: None,
            kind: None,
            open_link: false,
        }
    }
}

/// One step coarser: the förvaltning goes first, then the open-link mark, then the kind.
fn coarsen_once(segment: &Segment) -> Segment {
    if segment.department.is_some() {
        Segment {
            department: None,
            ..segment.clone()
        }
    } else if segment.open_link {
        Segment {
            open_link: false,
            ..segment.clone()
        }
    } else {
        Segment::unknown()
    }
}

fn group_counts(segments: &[Segment]) -> Vec<(Segment, usize)> {
    let mut counts: std::collections::BTreeMap<&Segment, usize> = Default::default();
    for segment in segments {
        *counts.entry(segment).or_default() += 1;
    }
    counts.into_iter().map(|(s, n)| (s.clone(), n)).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use rand::{SeedableRng, rngs::StdRng};

    use super::*;
    use crate::domain::questionnaire::AnswerValue;

    use RespondentKind::{External, Internal};

    fn segment(department: Option<&str>, kind: Option<RespondentKind>) -> Segment {
        Segment {
            department: department.map(str::to_owned),
            kind,
            open_link: false,
        }
    }

    fn open_link() -> Segment {
        Segment {
            open_link: true,
            ..segment(None, Some(External))
        }
    }

    fn tally(segments: &[Segment]) -> HashMap<Segment, usize> {
        let mut counts = HashMap::new();
        for s in segments {
            *counts.entry(s.clone()).or_default() += 1;
        }
        counts
    }

    fn people(groups: &[(Option<&str>, RespondentKind, usize)]) -> Vec<Segment> {
        groups
            .iter()
            .flat_map(|&(d, k, n)| std::iter::repeat_n(segment(d, Some(k)), n))
            .collect()
    }

    #[test]
    fn groups_at_the_threshold_keep_their_values() {
        let mut segments = people(&[(Some("Kultur"), Internal, 5), (Some("Skola"), Internal, 6)]);
        coarsen_segments(&mut segments, 5);
        assert_eq!(
            tally(&segments),
            HashMap::from([
                (segment(Some("Kultur"), Some(Internal)), 5),
                (segment(Some("Skola"), Some(Internal)), 6),
            ])
        );
    }

    #[test]
    fn a_rare_department_is_reported_as_unknown_and_a_rare_kind_after_it() {
        // 6 Skola/internal, 3 Kultur/internal, 2 Skola/external (threshold 5):
        // Kultur/internal and Skola/external lose their department → 3 unknown/internal
        // and 2 unknown/external; both are still rare, so both lose their kind → 5
        // fully unknown.
        let mut segments = people(&[
            (Some("Skola"), Internal, 6),
            (Some("Kultur"), Internal, 3),
            (Some("Skola"), External, 2),
        ]);
        coarsen_segments(&mut segments, 5);
        assert_eq!(
            tally(&segments),
            HashMap::from([
                (segment(Some("Skola"), Some(Internal)), 6),
                (segment(None, None), 5),
            ])
        );
    }

    #[test]
    fn a_small_unknown_group_takes_in_the_smallest_other_group() {
        // 5 Skola/internal, 7 Kultur/internal, 2 without department or kind info that
        // end up unknown: the unknown group (2) is too small, so the smallest named group
        // (Skola, 5) is coarsened into it: 7 unknown in all.
        let mut segments = people(&[(Some("Skola"), Internal, 5), (Some("Kultur"), Internal, 7)]);
        segments.extend([segment(None, None), segment(None, None)]);
        coarsen_segments(&mut segments, 5);
        assert_eq!(
            tally(&segments),
            HashMap::from([
                (segment(Some("Kultur"), Some(Internal)), 7),
                (segment(None, None), 7),
            ])
        );
    }

    #[test]
    fn every_combination_left_is_shared_by_at_least_the_threshold() {
        let mut rng = StdRng::seed_from_u64(7);
        let departments = [None, Some("A"), Some("B"), Some("C"), Some("D")];
        for _ in 0..300 {
            let n = rng.random_range(5..40);
            let mut segments: Vec<Segment> = (0..n)
                .map(|_| {
                    let d = departments[rng.random_range(0..departments.len())];
                    let k = if rng.random_bool(0.3) {
                        External
                    } else {
                        Internal
                    };
                    segment(d, Some(k))
                })
                .collect();
            coarsen_segments(&mut segments, 5);
            assert!(
                tally(&segments).values().all(|&count| count >= 5),
                "{segments:?}"
            );
        }
    }

    fn answer(department: &str, sus1: i64) -> SealedAnswer {
        SealedAnswer {
            department: Some(department.into()),
            kind: Internal,
            answers: Answers::from([("sus1".into(), AnswerValue::Number(sus1))]),
            open_link: false,
        }
    }

    #[test]
    fn open_link_answers_keep_their_segment_when_enough_answered_there() {
        // 5 through the open link, 5 invited Skola/internal, 2 invited external: the 2
        // external lose their kind and are too few alone (2 unknown), so the smallest
        // other group — the open link's 5 — joins: its mark goes first (5 external, no
        // department), still not the unknown group, which stays at 2 < 5; then the 5
        // external lose their kind: 7 unknown. The invited 5 keep their values.
        let mut segments = people(&[(Some("Skola"), Internal, 5), (None, External, 2)]);
        segments.extend(std::iter::repeat_n(open_link(), 5));
        coarsen_segments(&mut segments, 5);
        assert_eq!(
            tally(&segments),
            HashMap::from([
                (segment(Some("Skola"), Some(Internal)), 5),
                (segment(None, None), 7),
            ])
        );
        // 6 through the open link and 5 invited externals: each group stands alone.
        let mut segments = people(&[(None, External, 5)]);
        segments.extend(std::iter::repeat_n(open_link(), 6));
        coarsen_segments(&mut segments, 5);
        assert_eq!(
            tally(&segments),
            HashMap::from([(segment(None, Some(External)), 5), (open_link(), 6)])
        );
    }

    #[test]
    fn too_few_open_link_answers_join_the_external_ones() {
        // 3 through the open link (too few) lose their mark: with 4 invited external
        // answers they make 7 external ones; the open link has no segment.
        let mut segments = people(&[(None, External, 4)]);
        segments.extend(std::iter::repeat_n(open_link(), 3));
        coarsen_segments(&mut segments, 5);
        assert_eq!(
            tally(&segments),
            HashMap::from([(segment(None, Some(External)), 7)])
        );
    }

    #[test]
    fn fewer_answers_than_the_threshold_release_nothing() {
        let sealed = (0..4).map(|i| answer("Skola", i)).collect();
        let mut rng = StdRng::seed_from_u64(1);
        assert_eq!(plan_release(sealed, 5, &mut rng), Release::TooFewAnswers);
    }

    #[test]
    fn every_answer_is_released_once_in_an_order_unlike_the_answering() {
        let sealed: Vec<SealedAnswer> = (1..=50).map(|i| answer("Skola", i)).collect();
        let mut rng = StdRng::seed_from_u64(1);
        let Release::Answers(released) = plan_release(sealed, 5, &mut rng) else {
            panic!("50 answers are enough");
        };
        let order: Vec<i64> = released
            .iter()
            .map(|r| match r.answers["sus1"] {
                AnswerValue::Number(n) => n,
                AnswerValue::Text(_) => unreachable!(),
            })
            .collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(sorted, (1..=50).collect::<Vec<_>>());
        assert_ne!(order, sorted);
    }
}
