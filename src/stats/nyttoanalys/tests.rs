//! The nyttoanalys's rules on hand-computed services.

use super::*;
use crate::{
    domain::Language,
    stats::{
        aggregate::{Aggregate, SegmentKey},
        series::{RoundFacts, ServiceCosting, service_series},
        summary::Valuation,
    },
    wording::evidence,
};

const VALUATION: Valuation = Valuation {
    working_weeks: 44,
    hourly_cost_sek: 450.0,
};

/// A figure over a whole round, with its Student-t interval.
fn figure(metric: Metric, n: usize, mean: f64, sd: f64) -> Aggregate {
    let half = crate::stats::summary::t_95((n - 1) as f64) * sd / (n as f64).sqrt();
    Aggregate {
        metric,
        segment: SegmentKey::All,
        responses: n,
        n,
        mean: Some(mean),
        sd: Some(sd),
        ci: Some((mean - half, mean + half)),
        median: Some(mean),
        promoters: None,
        detractors: None,
    }
}

/// A closed round: (id, period, delivered, answered, figures).
type Round = (i32, &'static str, u64, u64, Vec<Aggregate>);

pub(super) struct Fixture {
    name: &'static str,
    id: i32,
    department: (i32, &'static str),
    users: i32,
    cost: i64,
    rounds: Vec<Round>,
}

/// The series of a service with `users` and an annual cost of `cost`.
fn series(rounds: &[Round], users: i32, cost: i64) -> (Vec<RoundSeriesEntry>, Vec<Trend>) {
    let facts: Vec<RoundFacts> = rounds
        .iter()
        .map(|(id, period, delivered, answered, _)| RoundFacts {
            round_id: *id,
            period: (*period).to_owned(),
            opens_at: chrono::DateTime::UNIX_EPOCH,
            closed: true,
            invited: *delivered,
            delivered: *delivered,
            answered: *answered,
            released: Some(*answered),
        })
        .collect();
    let aggregates: Vec<(i32, Aggregate)> = rounds
        .iter()
        .flat_map(|(id, _, _, _, figures)| figures.iter().map(|f| (*id, f.clone())))
        .collect();
    let costing = ServiceCosting {
        valuation: VALUATION,
        users: users as u32,
        annual_cost_sek: cost as f64,
    };
    service_series(&facts, &aggregates, 5, Some(costing))
}

pub(super) fn analyse(fixtures: &[Fixture]) -> Nyttoanalys {
    let built: Vec<(Vec<RoundSeriesEntry>, Vec<Trend>)> = fixtures
        .iter()
        .map(|f| series(&f.rounds, f.users, f.cost))
        .collect();
    let histories: Vec<ServiceHistory> = fixtures
        .iter()
        .zip(&built)
        .map(|(f, (rounds, trends))| ServiceHistory {
            service_id: f.id,
            name: f.name,
            owner: Some((f.id * 10, "Ägare")),
            department: Some(f.department),
            users: f.users,
            annual_cost_sek: f.cost,
            rounds,
            trends,
            last_in_period: rounds.last().is_some_and(|r| r.round.period == "2026-Q4"),
        })
        .collect();
    nyttoanalys("2026-Q4", &histories, 5, VALUATION)
}

use Metric::{Nyttoindex, Sus, Tidsvinst};

pub(super) fn fixtures() -> Vec<Fixture> {
    let klk = (1, "Kommunledningskontoret");
    let skola = (2, "Skolförvaltningen");
    vec![
        // SUS 80 → 70 (SD 10, n 20 each): Welch t = −10 / √(100/20 + 100/20) = −3.16,
        // p ≈ 0.003: a significant drop of 10. Tidsvinst 30 min × 44 weeks × 1,000
        // users / 60 = 22,000 h = 9,900,000 SEK against 100,000: ratio 99.
        Fixture {
            name: "Lön",
            id: 1,
            department: klk,
            users: 1_000,
            cost: 100_000,
            rounds: vec![
                (11, "2026-Q3", 40, 20, vec![figure(Sus, 20, 80.0, 10.0)]),
                (
                    12,
                    "2026-Q4",
                    40,
                    20,
                    vec![
                        figure(Sus, 20, 70.0, 10.0),
                        figure(Nyttoindex, 20, 80.0, 10.0),
                        figure(Tidsvinst, 20, 30.0, 10.0),
                    ],
                ),
            ],
        },
        // SUS 60 (SD 5, n 10: 95 % interval 56.4–63.6) with 600 users: wholly below 68
        // and many users → usability review.
        // Tidsvinst 5 min: 5/60 × 44 × 600 = 2,200 h = 990,000 SEK against 2,000,000:
        // ratio 0.495, below 1 (once: no review of its future).
        Fixture {
            name: "Ärende",
            id: 2,
            department: klk,
            users: 600,
            cost: 2_000_000,
            rounds: vec![(
                21,
                "2026-Q4",
                30,
                10,
                vec![figure(Sus, 10, 60.0, 5.0), figure(Tidsvinst, 10, 5.0, 3.0)],
            )],
        },
        // SUS 49.9 (flag) and 199 of 1,000 answered (19.9 %: flag) — but no proposal:
        // SUS's interval (48.2–51.6) and the rate's (17.5–22.5 %) reach the lines.
        Fixture {
            name: "Skolwebben",
            id: 3,
            department: skola,
            users: 100,
            cost: 10_000,
            rounds: vec![(
                31,
                "2026-Q4",
                1_000,
                199,
                vec![figure(Sus, 199, 49.9, 12.0)],
            )],
        },
        // At every boundary, no flag: SUS exactly 50, 20 of 100 answered (20 %), ratio
        // exactly 1 (30/60 × 44 × 100 = 2,200 h = 990,000 SEK against 990,000) — but a
        // drop of exactly 5 (55 → 50, SD 5, n 50: t = −5) is flagged.
        Fixture {
            name: "Bibliotek",
            id: 4,
            department: skola,
            users: 100,
            cost: 990_000,
            rounds: vec![
                (41, "2026-Q3", 100, 50, vec![figure(Sus, 50, 55.0, 5.0)]),
                (
                    42,
                    "2026-Q4",
                    100,
                    20,
                    vec![figure(Sus, 50, 50.0, 5.0), figure(Tidsvinst, 50, 30.0, 5.0)],
                ),
            ],
        },
        // 3 answers of 10 delivered: too few, though 10 could have reached 5 (get
        // more to answer).
        Fixture {
            name: "Kultur",
            id: 5,
            department: skola,
            users: 50,
            cost: 0,
            rounds: vec![(51, "2026-Q4", 10, 3, vec![])],
        },
        // Its last round was in the period before: no round this period.
        Fixture {
            name: "Park",
            id: 6,
            department: skola,
            users: 50,
            cost: 0,
            rounds: vec![(61, "2026-Q3", 10, 8, vec![figure(Sus, 8, 75.0, 5.0)])],
        },
        // Ratio 0.495 in both rounds (30 min, 100 users, 2,000,000 SEK; the minutes'
        // interval 26.4–33.6 gives 0.44–0.55, wholly below 1): review its future. SUS
        // 65 both times (below 68): no change, and too few users for a review.
        Fixture {
            name: "Gis",
            id: 7,
            department: klk,
            users: 100,
            cost: 2_000_000,
            rounds: vec![
                (
                    71,
                    "2026-Q3",
                    20,
                    10,
                    vec![
                        figure(Sus, 10, 65.0, 10.0),
                        figure(Tidsvinst, 10, 30.0, 5.0),
                    ],
                ),
                (
                    72,
                    "2026-Q4",
                    20,
                    10,
                    vec![
                        figure(Sus, 10, 65.0, 10.0),
                        figure(Tidsvinst, 10, 30.0, 5.0),
                    ],
                ),
            ],
        },
    ]
}

fn line<'a>(report: &'a Nyttoanalys, name: &str) -> &'a ServiceLine {
    report.services.iter().find(|l| l.name == name).unwrap()
}

#[test]
fn services_are_ranked_by_sus_and_nyttoindex_then_listed_without_figures() {
    let report = analyse(&fixtures());
    let order: Vec<(&str, Option<u32>)> = report
        .services
        .iter()
        .map(|l| (l.name.as_str(), l.rank))
        .collect();
    // Lön (70 + 80) / 2 = 75, Gis 65, Ärende 60, Bibliotek 50, Skolwebben 49.9.
    assert_eq!(
        order,
        [
            ("Lön", Some(1)),
            ("Gis", Some(2)),
            ("Ärende", Some(3)),
            ("Bibliotek", Some(4)),
            ("Skolwebben", Some(5)),
            ("Kultur", None),
            ("Park", None),
        ]
    );
    assert_eq!(line(&report, "Kultur").status, LineStatus::TooFewAnswers);
    assert_eq!(line(&report, "Kultur").sus, None);
    assert_eq!(line(&report, "Park").status, LineStatus::NoRound);
}

#[test]
fn each_flag_fires_past_its_boundary_and_not_at_it() {
    let report = analyse(&fixtures());
    let flags = |name| line(&report, name).flags.clone();
    assert_eq!(flags("Lön"), [Flag::SusDrop]);
    assert_eq!(flags("Ärende"), [Flag::BenefitBelowCost]);
    assert_eq!(
        flags("Skolwebben"),
        [Flag::SusBelow50, Flag::LowResponseRate]
    );
    assert_eq!(
        flags("Bibliotek"),
        [Flag::SusDrop],
        "50, 20 % and ratio 1 pass"
    );
    assert_eq!(flags("Gis"), [Flag::BenefitBelowCost]);
    let drop = line(&report, "Lön").sus_change.unwrap();
    assert!(
        (drop.difference + 10.0).abs() < 1e-9 && drop.p < 0.01,
        "{drop:?}"
    );
    assert_eq!(report.totals.flagged, 5);
}

#[test]
fn the_nyttokalkyl_per_service_and_in_total() {
    let report = analyse(&fixtures());
    let lon = line(&report, "Lön").nyttokalkyl.unwrap();
    assert!((lon.annual_hours - 22_000.0).abs() < 1e-6);
    assert!((lon.value_sek - 9_900_000.0).abs() < 1e-3);
    assert!((lon.benefit_cost_ratio.unwrap() - 99.0).abs() < 1e-9);
    let arende = line(&report, "Ärende").nyttokalkyl.unwrap();
    assert!((arende.annual_hours - 2_200.0).abs() < 1e-6);
    assert!((arende.benefit_cost_ratio.unwrap() - 0.495).abs() < 1e-9);
    // Lön, Ärende, Bibliotek and Gis: 22,000 + 2,200 + 2,200 + 2,200 hours; value
    // 9,900,000 + 3 × 990,000 = 12,870,000 SEK; cost 100,000 + 2,000,000 + 990,000
    // + 2,000,000 = 5,090,000 SEK.
    let totals = &report.totals;
    assert!((totals.annual_hours - 28_600.0).abs() < 1e-6);
    assert!((totals.value_sek - 12_870_000.0).abs() < 1e-3);
    assert!((totals.annual_cost_sek - 5_090_000.0).abs() < 1e-3);
    assert!((totals.benefit_cost_ratio.unwrap() - 12_870_000.0 / 5_090_000.0).abs() < 1e-12);
    assert_eq!(
        (totals.shown, totals.too_few_answers, totals.no_round),
        (5, 1, 1)
    );
}

#[test]
fn proposals_are_grouped_per_service_with_owner_and_figure() {
    let report = analyse(&fixtures());
    let proposals: Vec<(&str, ProposalRule)> = report
        .proposals
        .iter()
        .map(|p| (p.service.as_str(), p.rule))
        .collect();
    // In the order of the services table (Lön, Gis, Ärende, Bibliotek, Skolwebben,
    // Kultur); Skolwebben is flagged but its intervals reach the lines.
    assert_eq!(
        proposals,
        [
            ("Lön", ProposalRule::InvestigateDrop),
            ("Gis", ProposalRule::ReviewFuture),
            ("Ärende", ProposalRule::UsabilityReview),
            ("Bibliotek", ProposalRule::InvestigateDrop),
            ("Kultur", ProposalRule::InviteMore),
        ]
    );
    let arende = &report.proposals[2];
    assert_eq!(
        (arende.owner_id, arende.owner.as_deref()),
        (Some(20), Some("Ägare"))
    );
    assert_eq!(
        evidence(&arende.evidence, Language::Sv),
        "SUS 60,0 (n = 10; 95\u{a0}% KI 56,4–63,6); 600 användare"
    );
    assert_eq!(
        evidence(&report.proposals[0].evidence, Language::Sv),
        "SUS −10,0 poäng sedan förra omgången (p = 0,003)"
    );
    assert_eq!(
        evidence(&report.proposals[1].evidence, Language::En),
        "benefit/cost 0.49 (95\u{a0}% CI 0.44–0.55) 2026-Q4; \
         benefit/cost 0.49 (95\u{a0}% CI 0.44–0.55) 2026-Q3; \
         SUS 65.0 (n = 10; 95\u{a0}% CI 57.8–72.2)"
    );
    assert_eq!(
        evidence(&report.proposals[4].evidence, Language::Sv),
        "3 svar av 10 inbjudna; minst 5 behövs"
    );
}

#[test]
fn groups_weigh_their_services_by_answers_and_movers_are_the_largest_changes() {
    let report = analyse(&fixtures());
    let klk = report
        .departments
        .iter()
        .find(|d| d.name.as_deref() == Some("Kommunledningskontoret"))
        .unwrap();
    // Lön 70 × 20, Ärende 60 × 10, Gis 65 × 10: 2,650 / 40 = 66.25.
    assert!((klk.sus.unwrap() - 66.25).abs() < 1e-9, "{klk:?}");
    assert_eq!((klk.services, klk.services_shown, klk.flagged), (3, 3, 3));
    let movers: Vec<(&str, f64)> = report
        .movers
        .iter()
        .map(|m| (m.name.as_str(), m.difference))
        .collect();
    assert_eq!(movers, [("Lön", -10.0), ("Bibliotek", -5.0), ("Gis", 0.0)]);
}

#[test]
fn a_group_under_the_threshold_has_no_figure() {
    let mut small = fixtures();
    small.retain(|f| f.name == "Kultur" || f.name == "Park");
    let report = analyse(&small);
    let skola = &report.departments[0];
    assert_eq!((skola.sus, skola.nyttoindex), (None, None));
    assert!(report.services.iter().all(|l| l.sus.is_none()));
}

/// One service judged on its own: 100 users and 2,000,000 SEK unless told.
fn assess(users: i32, cost: i64, rounds: Vec<Round>) -> Assessment {
    let (entries, trends) = series(&rounds, users, cost);
    let history = ServiceHistory {
        service_id: 1,
        name: "Tjänst",
        owner: Some((9, "Ägare")),
        department: None,
        users,
        annual_cost_sek: cost,
        rounds: &entries,
        trends: &trends,
        last_in_period: true,
    };
    assess_service(&history, 5)
}

fn rules(assessment: &Assessment) -> Vec<ProposalRule> {
    assessment.proposals.iter().map(|p| p.rule).collect()
}

#[test]
fn a_usability_review_needs_sus_wholly_below_the_line() {
    // SUS 42.5, SD 8, n 31: 42.5 ± 2.042 × 8 / √31 = 39.6–45.4, wholly below 50.
    let low = assess(
        100,
        0,
        vec![(1, "2026-Q4", 40, 31, vec![figure(Sus, 31, 42.5, 8.0)])],
    );
    assert_eq!(rules(&low), [ProposalRule::UsabilityReview]);
    assert_eq!(
        evidence(&low.proposals[0].evidence, Language::Sv),
        "SUS 42,5 (n = 31; 95\u{a0}% KI 39,6–45,4)"
    );
    // Silent: SUS 45 of 5 answers, SD 10: 45 ± 2.776 × 10 / √5 = 32.6–57.4 reaches
    // 50. Still flagged: the flag states the figure, the proposal needs the evidence.
    let unsure = assess(
        100,
        0,
        vec![(1, "2026-Q4", 10, 5, vec![figure(Sus, 5, 45.0, 10.0)])],
    );
    assert_eq!(unsure.flags(), [Flag::SusBelow50]);
    assert!(unsure.proposals.is_empty(), "{:?}", unsure.proposals);
    // Silent: SUS 60 wholly below 68 (56.4–63.6) but 499 users, not many.
    let few = assess(
        499,
        0,
        vec![(1, "2026-Q4", 20, 10, vec![figure(Sus, 10, 60.0, 5.0)])],
    );
    assert!(few.proposals.is_empty());
    // Silent: 600 users, SUS 60 but SD 15: 49.3–70.7 reaches 68.
    let wide = assess(
        600,
        0,
        vec![(1, "2026-Q4", 20, 10, vec![figure(Sus, 10, 60.0, 15.0)])],
    );
    assert!(wide.proposals.is_empty());
    // Silent: no SUS measured.
    let none = assess(
        600,
        0,
        vec![(
            1,
            "2026-Q4",
            20,
            10,
            vec![figure(Nyttoindex, 10, 30.0, 5.0)],
        )],
    );
    assert!(none.proposals.is_empty());
}

/// Two rounds with the same figures.
fn twice(figures: Vec<Aggregate>) -> Vec<Round> {
    vec![
        (1, "2026-Q3", 20, 10, figures.clone()),
        (2, "2026-Q4", 20, 10, figures),
    ]
}

/// A service of 100 users costing 2,000,000 SEK a year, with the same figures two rounds
/// running.
fn costly(figures: Vec<Aggregate>) -> Assessment {
    assess(100, 2_000_000, twice(figures))
}

#[test]
fn the_future_of_a_service_is_questioned_only_when_the_data_support_it() {
    // Tidsvinst 30 min (SD 5, n 10: 26.4–33.6) × 44 / 60 × 100 users × 450 SEK =
    // 990,000 SEK against 2,000,000: 0.495 (0.44–0.55), wholly below 1 twice; SUS 60.
    let poor = costly(vec![
        figure(Sus, 10, 60.0, 5.0),
        figure(Tidsvinst, 10, 30.0, 5.0),
    ]);
    assert_eq!(rules(&poor), [ProposalRule::ReviewFuture]);
    // Silent: a top service (SUS 85, nyttoindex 80) that saves 5 minutes, like an
    // alarm system: ratio 0.08 twice, flagged below cost, but its users rate it well.
    let alarm = costly(vec![
        figure(Sus, 10, 85.0, 5.0),
        figure(Nyttoindex, 10, 80.0, 5.0),
        figure(Tidsvinst, 10, 5.0, 2.0),
    ]);
    assert_eq!(alarm.flags(), [Flag::BenefitBelowCost]);
    assert!(alarm.proposals.is_empty(), "{:?}", alarm.proposals);
    // Silent: SUS exactly the average 68.
    let average = costly(vec![
        figure(Sus, 10, 68.0, 5.0),
        figure(Tidsvinst, 10, 30.0, 5.0),
    ]);
    assert!(average.proposals.is_empty());
    // Silent: SUS 60 but nyttoindex 70 (≥ 66.7: users agree it is useful).
    let useful = costly(vec![
        figure(Sus, 10, 60.0, 5.0),
        figure(Nyttoindex, 10, 70.0, 5.0),
        figure(Tidsvinst, 10, 30.0, 5.0),
    ]);
    assert!(useful.proposals.is_empty());
    // Silent: 50 min of 5 answers, SD 40 (0.3–99.7 min): ratio 0.83 but its
    // interval 0.005–1.6 includes 1. Still flagged below cost.
    let unsure = assess(
        100,
        2_000_000,
        vec![
            (1, "2026-Q3", 20, 5, vec![figure(Tidsvinst, 5, 50.0, 40.0)]),
            (2, "2026-Q4", 20, 5, vec![figure(Tidsvinst, 5, 50.0, 40.0)]),
        ],
    );
    let kalkyl = unsure.line.nyttokalkyl.unwrap();
    assert!(kalkyl.benefit_cost_ci.unwrap().1 > 1.0, "{kalkyl:?}");
    assert_eq!(unsure.flags(), [Flag::BenefitBelowCost]);
    assert!(unsure.proposals.is_empty());
    // Silent: below cost this round only.
    let once = assess(
        100,
        2_000_000,
        vec![(2, "2026-Q4", 20, 10, vec![figure(Tidsvinst, 10, 30.0, 5.0)])],
    );
    assert!(once.proposals.is_empty());
    // Silent: no cost, so no ratio.
    let free = assess(100, 0, twice(vec![figure(Tidsvinst, 10, 30.0, 5.0)]));
    assert!(free.proposals.is_empty());
}

#[test]
fn the_user_list_is_questioned_when_the_rate_is_clearly_low() {
    // 10 of 100 (10 %): Wilson 5.5–17.4 %, wholly below 20 %.
    let low = assess(
        100,
        0,
        vec![(1, "2026-Q4", 100, 10, vec![figure(Sus, 10, 75.0, 5.0)])],
    );
    assert_eq!(rules(&low), [ProposalRule::CheckUserList]);
    assert_eq!(
        evidence(&low.proposals[0].evidence, Language::Sv),
        "svarsfrekvens 10\u{a0}% (10 av 100)"
    );
    // Silent: 0 of 3 is 0 %, flagged, but Wilson 0–56 % reaches 20 %.
    let tiny = assess(100, 0, vec![(1, "2026-Q4", 3, 0, vec![])]);
    assert_eq!(tiny.flags(), [Flag::LowResponseRate]);
    assert!(tiny.proposals.is_empty(), "{:?}", tiny.proposals);
    // Silent: nothing delivered, no rate.
    let none = assess(100, 0, vec![(1, "2026-Q4", 0, 0, vec![])]);
    assert!(none.proposals.is_empty());
}

#[test]
fn a_drop_is_investigated_when_it_is_large_and_significant() {
    let drop = |before: f64, after: f64, n: usize, sd: f64| {
        assess(
            100,
            0,
            vec![
                (
                    1,
                    "2026-Q3",
                    2 * n as u64,
                    n as u64,
                    vec![figure(Sus, n, before, sd)],
                ),
                (
                    2,
                    "2026-Q4",
                    2 * n as u64,
                    n as u64,
                    vec![figure(Sus, n, after, sd)],
                ),
            ],
        )
    };
    // 80 → 70, SD 10, n 20: p ≈ 0.003.
    assert_eq!(
        rules(&drop(80.0, 70.0, 20, 10.0)),
        [ProposalRule::InvestigateDrop]
    );
    // Silent: 4.9 points, however certain (SD 1, n 50).
    assert!(drop(80.0, 75.1, 50, 1.0).proposals.is_empty());
    // Silent: 10 points but not significant (SD 20, n 5: p ≈ 0.45).
    assert!(drop(80.0, 70.0, 5, 20.0).proposals.is_empty());
    // Silent: a rise.
    assert!(drop(70.0, 80.0, 20, 10.0).proposals.is_empty());
    // Silent: no earlier round with results.
    let first = assess(
        100,
        0,
        vec![(2, "2026-Q4", 40, 20, vec![figure(Sus, 20, 70.0, 10.0)])],
    );
    assert!(first.proposals.is_empty());
}

#[test]
fn more_answers_are_asked_for_only_when_the_invitations_could_have_sufficed() {
    // 3 of 10 delivered: 10 could have reached 5.
    let low = assess(100, 0, vec![(1, "2026-Q4", 10, 3, vec![])]);
    assert_eq!(low.line.status, LineStatus::TooFewAnswers);
    assert_eq!(rules(&low), [ProposalRule::InviteMore]);
    // Silent: 2 of 2 answered; the fatigue rule limited the invitations, not the
    // owner.
    let all = assess(100, 0, vec![(1, "2026-Q4", 2, 2, vec![])]);
    assert_eq!(all.line.status, LineStatus::TooFewAnswers);
    assert!(all.proposals.is_empty(), "{:?}", all.proposals);
    // Silent: 3 of 4 — even all four would have been too few.
    assert!(
        assess(100, 0, vec![(1, "2026-Q4", 4, 3, vec![])])
            .proposals
            .is_empty()
    );
    // Silent: a service with results.
    let shown = assess(
        100,
        0,
        vec![(1, "2026-Q4", 10, 8, vec![figure(Sus, 8, 75.0, 5.0)])],
    );
    assert!(shown.proposals.is_empty());
}
