//! Figures worked out by hand in the comments. Welch's verdicts rest on the table value
//! t(48, 0.975) = 2.0106: |t| above it is p < 0.05.

use super::*;

const VALUATION: Valuation = Valuation {
    working_weeks: 44,
    hourly_cost_sek: 450.0,
};

fn day(raw: &str) -> NaiveDate {
    raw.parse().unwrap()
}

/// A summary with the figures given by hand (median unused here).
fn summary(n: usize, mean: f64, sd: f64, ci: (f64, f64)) -> MeanSummary {
    MeanSummary {
        n,
        mean,
        sd: Some(sd),
        ci: Some(ci),
        median: mean,
    }
}

fn round(id: i32, period: &str, start: &str, closed: &str, measure: Measure) -> MeasuredRound {
    MeasuredRound {
        round_id: id,
        period: period.into(),
        period_start: day(start),
        closed_on: day(closed),
        measure,
    }
}

fn sus_plan(target: f64, baseline: Option<Baseline>) -> IndicatorPlan {
    IndicatorPlan {
        metric: Metric::Sus,
        target,
        baseline,
        planned_annual_sek: None,
        users: 0,
    }
}

fn given(value: f64) -> Option<Baseline> {
    Some(Baseline {
        value,
        period: "2026-Q1".into(),
        n: 40,
    })
}

const LIVE: &str = "2026-07-01";

/// Q1 and Q2 close before go-live on 1 July (Q2 is the baseline: the last); Q3 begins on
/// the go-live day, Q4 after it.
fn quarters(q2: Measure, q3: Measure, q4: Measure) -> Vec<MeasuredRound> {
    vec![
        round(4, "2026-Q4", "2026-10-01", "2026-12-20", q4),
        round(
            1,
            "2026-Q1",
            "2026-01-01",
            "2026-03-20",
            Measure::Shown(summary(25, 40.0, 10.0, (0.0, 0.0))),
        ),
        round(2, "2026-Q2", "2026-04-01", "2026-06-20", q2),
        round(3, "2026-Q3", "2026-07-01", "2026-09-20", q3),
    ]
}

fn statuses(realisation: &IndicatorRealisation) -> Vec<RealisationStatus> {
    realisation.rounds.iter().map(|r| r.status).collect()
}

#[test]
fn against_the_last_round_before_go_live_with_welch() {
    use RealisationStatus::*;
    // Baseline Q2: SUS 60, SD 10, n 25; target 70. Against it (SD 10, n 25 each side):
    // se = √(100/25 + 100/25) = √8 = 2.8284; df = 8² / (4²/24 + 4²/24) = 48.
    // Q3 mean 65: t = 5/2.8284 = 1.77 < 2.0106, not significant; share 5/10 = 0.5.
    // Q4 mean 68: t = 8/2.8284 = 2.83 > 2.0106, significant upwards; share 0.8.
    let base = Measure::Shown(summary(25, 60.0, 10.0, (55.9, 64.1)));
    let rounds = quarters(
        base,
        Measure::Shown(summary(25, 65.0, 10.0, (60.9, 69.1))),
        Measure::Shown(summary(25, 68.0, 10.0, (63.9, 72.1))),
    );
    let r = realise(&sus_plan(70.0, None), day(LIVE), &rounds, VALUATION);
    assert!(matches!(
        r.baseline,
        BaselineFigure::Round { round_id: 2, .. }
    ));
    assert_eq!(statuses(&r), [NotRealised, Progressing]);
    assert_eq!(r.status, Progressing);
    let (q3, q4) = (r.rounds[0].measured.unwrap(), r.rounds[1].measured.unwrap());
    assert_eq!(
        (q3.realised_share, q4.realised_share),
        (Some(0.5), Some(0.8))
    );
    assert!(q3.p_value.unwrap() > 0.05 && q4.p_value.unwrap() < 0.05);
    assert_eq!((q4.n, q4.mean, q4.ci), (25, 68.0, Some((63.9, 72.1))));
    assert_eq!(q4.realised_sek, None);
    assert_eq!(r.latest_share(), Some(0.8));

    // Q4 mean 71 reaches 70: achieved, share 11/10 = 1.1. Q3 mean 54: t = −6/2.8284 =
    // −2.12, significant and away from the target: worse, share −6/10 = −0.6.
    let rounds = quarters(
        base,
        Measure::Shown(summary(25, 54.0, 10.0, (49.9, 58.1))),
        Measure::Shown(summary(25, 71.0, 10.0, (66.9, 75.1))),
    );
    let r = realise(&sus_plan(70.0, None), day(LIVE), &rounds, VALUATION);
    assert_eq!(statuses(&r), [Worse, Achieved]);
    let shares: Vec<_> = r
        .rounds
        .iter()
        .map(|x| x.measured.unwrap().realised_share.unwrap())
        .collect();
    assert!((shares[0] + 0.6).abs() < 1e-12 && (shares[1] - 1.1).abs() < 1e-12);
}

#[test]
fn too_few_answers_is_a_status_with_no_number_and_no_round_is_pending() {
    use RealisationStatus::*;
    let base = Measure::Shown(summary(25, 60.0, 10.0, (55.9, 64.1)));
    let rounds = quarters(
        base,
        Measure::Shown(summary(25, 65.0, 10.0, (60.9, 69.1))),
        Measure::TooFewAnswers,
    );
    let r = realise(&sus_plan(70.0, None), day(LIVE), &rounds, VALUATION);
    assert_eq!(r.status, TooFewAnswers);
    assert_eq!(r.rounds[1].measured, None);
    // The latest share is the latest round that has one: Q3's 0.5.
    assert_eq!(r.latest_share(), Some(0.5));

    // Go-live at the end of the year: no round's period begins after it yet. The last
    // round closed before it, Q4, is the baseline, withheld as it is.
    let later = realise(&sus_plan(70.0, None), day("2026-12-31"), &rounds, VALUATION);
    assert_eq!((later.status, later.rounds.len()), (Pending, 0));
    assert!(matches!(
        later.baseline,
        BaselineFigure::TooFewAnswers { round_id: 4, .. }
    ));
    assert_eq!(later.baseline.value(), None);
}

#[test]
fn against_a_baseline_value_the_rounds_interval_must_exclude_it() {
    use RealisationStatus::*;
    // Baseline given as 60, target 70. Mean 64 with CI (61, 67): 60 lies outside, the
    // change is towards the target: progressing, share 4/10 = 0.4. Mean 62 with CI
    // (59.5, 64.5): 60 inside: not realised, share 0.2. Mean 56 with CI (53, 59): 60
    // outside, away: worse, share −0.4.
    let rounds = vec![
        round(
            3,
            "2026-Q3",
            "2026-07-01",
            "2026-09-20",
            Measure::Shown(summary(40, 64.0, 9.4, (61.0, 67.0))),
        ),
        round(
            4,
            "2026-Q4",
            "2026-10-01",
            "2026-12-20",
            Measure::Shown(summary(40, 62.0, 7.8, (59.5, 64.5))),
        ),
        round(
            5,
            "2027-Q1",
            "2027-01-01",
            "2027-03-20",
            Measure::Shown(summary(40, 56.0, 9.4, (53.0, 59.0))),
        ),
    ];
    let r = realise(&sus_plan(70.0, given(60.0)), day(LIVE), &rounds, VALUATION);
    assert_eq!(statuses(&r), [Progressing, NotRealised, Worse]);
    let shares: Vec<_> = r
        .rounds
        .iter()
        .map(|x| x.measured.unwrap().realised_share.unwrap())
        .collect();
    for (share, expected) in shares.iter().zip([0.4, 0.2, -0.4]) {
        assert!((share - expected).abs() < 1e-12, "{share}");
    }
    assert!(
        r.rounds
            .iter()
            .all(|x| x.measured.unwrap().p_value.is_none())
    );
    assert!(matches!(
        r.baseline,
        BaselineFigure::Value {
            value: 60.0,
            n: 40,
            ..
        }
    ));
}

#[test]
fn a_target_below_the_baseline_is_reached_downwards() {
    use RealisationStatus::*;
    // Baseline 50, target 40. Mean 45, CI (42, 48) excludes 50, towards 40: progressing,
    // share (45 − 50)/(40 − 50) = 0.5. Mean 38 ≤ 40: achieved, share 1.2.
    let rounds = vec![
        round(
            3,
            "2026-Q3",
            "2026-07-01",
            "2026-09-20",
            Measure::Shown(summary(40, 45.0, 9.4, (42.0, 48.0))),
        ),
        round(
            4,
            "2026-Q4",
            "2026-10-01",
            "2026-12-20",
            Measure::Shown(summary(40, 38.0, 9.4, (35.0, 41.0))),
        ),
    ];
    let r = realise(&sus_plan(40.0, given(50.0)), day(LIVE), &rounds, VALUATION);
    assert_eq!(statuses(&r), [Progressing, Achieved]);
    assert_eq!(r.rounds[0].measured.unwrap().realised_share, Some(0.5));
    assert!((r.rounds[1].measured.unwrap().realised_share.unwrap() - 1.2).abs() < 1e-12);
}

#[test]
fn without_a_baseline_only_reaching_the_target_counts() {
    use RealisationStatus::*;
    // No round closed before go-live and no value given: no share, no test. Mean 65 is
    // below the target 70 (not realised), mean 72 reaches it (achieved).
    let rounds = vec![
        round(
            3,
            "2026-Q3",
            "2026-07-01",
            "2026-09-20",
            Measure::Shown(summary(25, 65.0, 10.0, (60.9, 69.1))),
        ),
        round(
            4,
            "2026-Q4",
            "2026-10-01",
            "2026-12-20",
            Measure::Shown(summary(25, 72.0, 10.0, (67.9, 76.1))),
        ),
    ];
    let r = realise(&sus_plan(70.0, None), day(LIVE), &rounds, VALUATION);
    assert_eq!(r.baseline, BaselineFigure::Missing);
    assert_eq!(statuses(&r), [NotRealised, Achieved]);
    assert!(
        r.rounds
            .iter()
            .all(|x| x.measured.unwrap().realised_share.is_none())
    );
    assert_eq!(r.latest_share(), None);
    // A baseline round withheld by the threshold gives no number either.
    let mut withheld = quarters(Measure::TooFewAnswers, rounds[0].measure, rounds[1].measure);
    withheld.remove(1);
    let r = realise(&sus_plan(70.0, None), day(LIVE), &withheld, VALUATION);
    assert!(matches!(
        r.baseline,
        BaselineFigure::TooFewAnswers { round_id: 2, .. }
    ));
    assert_eq!(statuses(&r), [NotRealised, Achieved]);
}

#[test]
fn tidsvinst_gives_the_realised_sek_against_the_planned() {
    // Baseline 0 minutes (given), target 30; 200 users, 44 weeks, 450 SEK an hour: one
    // minute a week is 1/60 × 44 × 200 × 450 = 66,000 SEK a year. Planned 30 min: 1,980,000.
    // Measured mean 20, CI (12, 28): 0 lies outside, progressing, share 20/30 = 2/3;
    // realised 20 × 66,000 = 1,320,000 SEK, interval 792,000–1,848,000.
    let plan = IndicatorPlan {
        metric: Metric::Tidsvinst,
        target: 30.0,
        baseline: Some(Baseline {
            value: 0.0,
            period: "2026-Q1".into(),
            n: 30,
        }),
        planned_annual_sek: Some(1_980_000.0),
        users: 200,
    };
    let rounds = vec![round(
        3,
        "2026-Q3",
        "2026-07-01",
        "2026-09-20",
        Measure::Shown(summary(40, 20.0, 25.0, (12.0, 28.0))),
    )];
    let r = realise(&plan, day(LIVE), &rounds, VALUATION);
    assert_eq!(r.status, RealisationStatus::Progressing);
    let measured = r.rounds[0].measured.unwrap();
    assert!((measured.realised_share.unwrap() - 2.0 / 3.0).abs() < 1e-12);
    let sek = measured.realised_sek.unwrap();
    assert!(
        (sek.value_sek - 1_320_000.0).abs() < 1e-6,
        "{}",
        sek.value_sek
    );
    let (low, high) = sek.ci_sek.unwrap();
    assert!((low - 792_000.0).abs() < 1e-6 && (high - 1_848_000.0).abs() < 1e-6);
    assert_eq!(sek.planned_sek, Some(1_980_000.0));
}

#[test]
fn an_insats_realised_share_is_the_mean_of_its_indicators_latest() {
    let with_share = |share: Option<f64>| IndicatorRealisation {
        metric: Metric::Sus,
        target: 70.0,
        baseline: BaselineFigure::Missing,
        rounds: vec![RoundRealisation {
            round_id: 1,
            period: "2026-Q3".into(),
            status: RealisationStatus::NotRealised,
            measured: Some(Measured {
                n: 25,
                mean: 65.0,
                ci: None,
                realised_share: share,
                p_value: None,
                realised_sek: None,
            }),
        }],
        status: RealisationStatus::NotRealised,
    };
    // (0.5 + 1.0) / 2 = 0.75; the indicator without a share is left out.
    let shares = [
        with_share(Some(0.5)),
        with_share(Some(1.0)),
        with_share(None),
    ];
    assert_eq!(insats_realised_share(&shares), Some(0.75));
    assert_eq!(insats_realised_share(&[with_share(None)]), None);
}

#[test]
fn nps_as_a_mean_of_plus_and_minus_hundreds() {
    // 3 promoters, 1 passive, 1 detractor: 100, 100, 100, 0, −100. Mean 200/5 = 40 (the
    // NPS: 60 % − 20 %). Σx² = 40,000; s² = (40,000 − 5 × 40²)/4 = 8000, s = 89.4427;
    // se = 89.4427/√5 = 40; t(4) = 2.7764: half-width 111.0578 → (−71.0578, 151.0578).
    // Sorted −100, 0, 100, 100, 100: median 100.
    let s = nps_summary(5, 3, 1).unwrap();
    assert_eq!((s.n, s.mean, s.median), (5, 40.0, 100.0));
    assert!((s.sd.unwrap() - 89.442_719).abs() < 1e-5);
    let (low, high) = s.ci.unwrap();
    assert!(
        (low + 71.0578).abs() < 1e-3 && (high - 151.0578).abs() < 1e-3,
        "{low} {high}"
    );
    // −100 and 100: median (−100 + 100)/2 = 0.
    assert_eq!(nps_summary(2, 1, 1).unwrap().median, 0.0);
    let one = nps_summary(1, 1, 0).unwrap();
    assert_eq!((one.mean, one.sd, one.ci), (100.0, None, None));
    assert_eq!(nps_summary(0, 0, 0), None);
    assert_eq!(nps_summary(2, 2, 1), None);
}

#[test]
fn a_stored_figure_is_withheld_below_the_threshold_and_nps_becomes_a_mean() {
    use crate::stats::aggregate::SegmentKey;
    let figure = |metric, n, promoters: Option<u64>, detractors: Option<u64>| Aggregate {
        metric,
        segment: SegmentKey::All,
        responses: n,
        n,
        mean: Some(40.0),
        sd: Some(9.0),
        ci: Some((30.0, 50.0)),
        median: Some(41.0),
        promoters,
        detractors,
    };
    assert_eq!(
        measure_of(&figure(Metric::Sus, 4, None, None), 5),
        Some(Measure::TooFewAnswers)
    );
    assert_eq!(
        measure_of(&figure(Metric::Sus, 5, None, None), 5),
        Some(Measure::Shown(MeanSummary {
            n: 5,
            mean: 40.0,
            sd: Some(9.0),
            ci: Some((30.0, 50.0)),
            median: 41.0,
        }))
    );
    // NPS of 3 promoters and 1 detractor among 5: the summary worked out above.
    assert_eq!(
        measure_of(&figure(Metric::Nps, 5, Some(3), Some(1)), 5),
        Some(Measure::Shown(nps_summary(5, 3, 1).unwrap()))
    );
}
