//! Prioritisation of insatser awaiting a decision (SPEC "Insatser"): score = Σ weightᵢ ×
//! criterionᵢ over NPV per invested krona, goal alignment (linked goals), urgency 0–3 and
//! risk 0–3 reversed (3 − risk), every component returned, never only the sum. The
//! reference class corrects optimism from measured history: the median realised share
//! over the municipality's followed-up insatser, and each proposal's NPV with its
//! benefits scaled by it (adjusted NPV = median × PV(B) − PV(C)).

/// Below this many followed-up insatser the median says too little: no reference class.
pub const MIN_REFERENCE_CLASS: usize = 3;

/// The weight of each criterion (`insatser.weights`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    pub npv_per_krona: f64,
    pub goals: f64,
    pub urgency: f64,
    pub risk: f64,
}

/// An insats awaiting a decision, as the ranking needs it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub insats_id: i32,
    pub pv_benefits_sek: f64,
    pub pv_costs_sek: f64,
    /// `None` without an investment.
    pub npv_per_invested_krona: Option<f64>,
    pub goal_count: usize,
    /// 0–3; `None`: not assessed.
    pub urgency: Option<u8>,
    /// 0–3; `None`: not assessed.
    pub risk: Option<u8>,
}

/// One criterion of one insats: the value behind it, what it counts as, its weight and
/// its points (weight × criterion).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Component {
    /// `None`: missing (no investment, not assessed), counted as the least favourable.
    pub value: Option<f64>,
    pub criterion: f64,
    pub weight: f64,
    pub points: f64,
}

impl Component {
    fn new(value: Option<f64>, criterion: f64, weight: f64) -> Self {
        Self {
            value,
            criterion,
            weight,
            points: weight * criterion,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Priority {
    pub insats_id: i32,
    /// 1 = first.
    pub rank: usize,
    pub score: f64,
    pub npv_per_krona: Component,
    pub goals: Component,
    pub urgency: Component,
    /// Value: the risk as assessed; criterion: 3 − risk.
    pub risk: Component,
    /// PV(B) × the reference class's median − PV(C); `None` without a reference class.
    pub adjusted_npv_sek: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReferenceClass {
    /// Followed-up insatser with a realised share.
    pub n: usize,
    /// `None` below [`MIN_REFERENCE_CLASS`].
    pub median_share: Option<f64>,
}

/// `shares`: the realised share of each followed-up insats that has one.
pub fn reference_class(shares: &[f64]) -> ReferenceClass {
    let n = shares.len();
    if n < MIN_REFERENCE_CLASS {
        return ReferenceClass {
            n,
            median_share: None,
        };
    }
    let mut sorted = shares.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    ReferenceClass {
        n,
        median_share: Some(median),
    }
}

/// The candidates ranked, highest score first (ties: the older insats, lower id, first).
pub fn prioritise(
    candidates: &[Candidate],
    weights: Weights,
    reference: ReferenceClass,
) -> Vec<Priority> {
    let mut ranked: Vec<Priority> = candidates
        .iter()
        .map(|c| {
            let urgency = c.urgency.map(f64::from);
            let risk = c.risk.map(f64::from);
            let npv_per_krona = Component::new(
                c.npv_per_invested_krona,
                c.npv_per_invested_krona.unwrap_or(0.0),
                weights.npv_per_krona,
            );
            let goals = Component::new(
                Some(c.goal_count as f64),
                c.goal_count as f64,
                weights.goals,
            );
            let urgency = Component::new(urgency, urgency.unwrap_or(0.0), weights.urgency);
            let risk = Component::new(risk, 3.0 - risk.unwrap_or(3.0), weights.risk);
            Priority {
                insats_id: c.insats_id,
                rank: 0,
                score: npv_per_krona.points + goals.points + urgency.points + risk.points,
                npv_per_krona,
                goals,
                urgency,
                risk,
                adjusted_npv_sek: reference
                    .median_share
                    .map(|share| share * c.pv_benefits_sek - c.pv_costs_sek),
            }
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.insats_id.cmp(&b.insats_id))
    });
    for (i, priority) in ranked.iter_mut().enumerate() {
        priority.rank = i + 1;
    }
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;

    const WEIGHTS: Weights = Weights {
        npv_per_krona: 1.0,
        goals: 0.5,
        urgency: 2.0,
        risk: 1.0,
    };

    fn candidate(insats_id: i32) -> Candidate {
        Candidate {
            insats_id,
            pv_benefits_sek: 1000.0,
            pv_costs_sek: 600.0,
            npv_per_invested_krona: None,
            goal_count: 0,
            urgency: None,
            risk: None,
        }
    }

    #[test]
    fn the_score_is_the_weighted_sum_with_every_component_shown() {
        // A: NPV per krona 0.5, 2 goals, urgency 3, risk 1 (reversed 2):
        // 1 × 0.5 + 0.5 × 2 + 2 × 3 + 1 × 2 = 0.5 + 1 + 6 + 2 = 9.5.
        // B: NPV per krona 3, no goals, not assessed (urgency counts 0, risk as 3, i.e.
        // reversed 0): 1 × 3 = 3. A ranks first.
        let a = Candidate {
            npv_per_invested_krona: Some(0.5),
            goal_count: 2,
            urgency: Some(3),
            risk: Some(1),
            ..candidate(1)
        };
        let b = Candidate {
            npv_per_invested_krona: Some(3.0),
            ..candidate(2)
        };
        let none = ReferenceClass {
            n: 2,
            median_share: None,
        };
        let ranked = prioritise(&[b, a], WEIGHTS, none);
        assert_eq!((ranked[0].insats_id, ranked[0].rank), (1, 1));
        assert_eq!((ranked[1].insats_id, ranked[1].rank), (2, 2));
        assert_eq!(ranked[0].score, 9.5);
        assert_eq!(
            ranked[0].risk,
            Component {
                value: Some(1.0),
                criterion: 2.0,
                weight: 1.0,
                points: 2.0
            }
        );
        assert_eq!(ranked[0].goals.points, 1.0);
        assert_eq!(ranked[0].urgency.points, 6.0);
        assert_eq!(ranked[1].score, 3.0);
        assert_eq!(
            (ranked[1].urgency.value, ranked[1].risk.value),
            (None, None)
        );
        assert_eq!(ranked[1].risk.criterion, 0.0);
        assert_eq!(ranked[1].adjusted_npv_sek, None);
    }

    #[test]
    fn equal_scores_keep_the_older_insats_first() {
        let ranked = prioritise(&[candidate(9), candidate(4)], WEIGHTS, reference_class(&[]));
        let ids: Vec<i32> = ranked.iter().map(|p| p.insats_id).collect();
        assert_eq!(ids, [4, 9]);
        // Without an investment the NPV per krona is missing and counts 0.
        assert_eq!(ranked[0].npv_per_krona.value, None);
        assert_eq!(ranked[0].score, 0.0);
    }

    #[test]
    fn two_followed_up_insatser_make_no_reference_class_and_three_do() {
        assert_eq!(
            reference_class(&[0.9, 0.4]),
            ReferenceClass {
                n: 2,
                median_share: None
            }
        );
        // 1.1, 0.5, 0.8 sorted 0.5, 0.8, 1.1: median 0.8, n 3.
        let three = reference_class(&[1.1, 0.5, 0.8]);
        assert_eq!(
            three,
            ReferenceClass {
                n: 3,
                median_share: Some(0.8)
            }
        );
        // A proposal planning PV(B) 1000 against PV(C) 600 (NPV 400) is adjusted to
        // 0.8 × 1000 − 600 = 200.
        let ranked = prioritise(&[candidate(1)], WEIGHTS, three);
        assert!((ranked[0].adjusted_npv_sek.unwrap() - 200.0).abs() < 1e-9);
        // Four: 0.2, 0.5, 0.8, 1.1 → (0.5 + 0.8)/2 = 0.65.
        let four = reference_class(&[0.8, 0.2, 1.1, 0.5]);
        assert_eq!(four.n, 4);
        assert!((four.median_share.unwrap() - 0.65).abs() < 1e-12);
    }
}
