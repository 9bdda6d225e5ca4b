//! The Insatser section and its rule, on realisations written out by hand.

use chrono::{DateTime, Utc};

use super::*;
use crate::domain::insats::NewInsats;
use crate::stats::insatser::{BaselineFigure, Measured};

fn day(raw: &str) -> NaiveDate {
    raw.parse().unwrap()
}

fn insats(id: i32, name: &str, status: InsatsStatus, decided_on: Option<&str>) -> Insats {
    Insats {
        id,
        details: NewInsats {
            name: name.into(),
            description: String::new(),
            department_id: None,
            owner_id: Some(7),
            sponsor: String::new(),
            service_ids: vec![3],
            goal_ids: Vec::new(),
            urgency: None,
            risk: None,
            planned_live_on: None,
        },
        status,
        decided_on: decided_on.map(day),
        live_on: Some(day("2026-01-01")),
        created_at: DateTime::<Utc>::UNIX_EPOCH,
        updated_at: DateTime::<Utc>::UNIX_EPOCH,
    }
}

/// A round with a mean (share against baseline 60, target 70) or too few answers.
fn round(id: i32, period: &str, status: RealisationStatus, mean: Option<f64>) -> RoundRealisation {
    RoundRealisation {
        round_id: id,
        period: period.into(),
        status,
        measured: mean.map(|mean| Measured {
            n: 20,
            mean,
            ci: Some((mean - 4.0, mean + 4.0)),
            realised_share: Some((mean - 60.0) / 10.0),
            p_value: None,
            realised_sek: None,
        }),
    }
}

/// The one benefit these tests' insatser have: higher SUS for service 3.
fn benefit(realisation: &IndicatorRealisation) -> BenefitFacts<'_> {
    BenefitFacts {
        description: "Högre SUS",
        service_id: 3,
        service: "E-tjänst",
        realisation,
    }
}

fn realisation(rounds: Vec<RoundRealisation>) -> IndicatorRealisation {
    IndicatorRealisation {
        metric: Metric::Sus,
        target: 70.0,
        baseline: BaselineFigure::Value {
            value: 60.0,
            period: "2025-Q4".into(),
            n: 30,
        },
        status: rounds
            .last()
            .map_or(RealisationStatus::Pending, |r| r.status),
        rounds,
    }
}

use RealisationStatus::{Achieved, NotRealised, Progressing, TooFewAnswers, Worse};

#[test]
fn the_rule_needs_two_latest_rounds_both_not_realised_or_worse() {
    let r = |id, status| round(id, "2026-Q1", status, Some(61.0));
    let (a, b, c) = (r(1, NotRealised), r(2, Worse), r(3, Progressing));
    // Not realised then worse: fires, naming both rounds.
    let fired = benefit_not_realised(&[&c, &a, &b]).unwrap();
    assert_eq!([fired[0].round_id, fired[1].round_id], [1, 2]);
    // The latest progressing: silent, whatever came before.
    assert_eq!(benefit_not_realised(&[&a, &b, &c]), None);
    // One round after go-live is not two.
    assert_eq!(benefit_not_realised(&[&a]), None);
    assert_eq!(benefit_not_realised(&[]), None);
    // Too few answers in either: no figure to judge by, silent.
    let few = round(4, "2026-Q2", TooFewAnswers, None);
    assert_eq!(benefit_not_realised(&[&a, &few]), None);
    assert_eq!(benefit_not_realised(&[&few, &a]), None);
    let achieved = r(5, Achieved);
    assert_eq!(benefit_not_realised(&[&a, &achieved]), None);
}

fn figures() -> KalkylFigures {
    use crate::{
        domain::insats::nyttokalkyl::{Benefit, BenefitCategory, BenefitValue, Nyttokalkyl},
        stats::{Valuation, insatser::kalkyl_figures},
    };
    // N = 2, r = 0, investment 1,000, running 100, benefit 800 from year 1:
    // years −1,000, +700, +700: NPV 400, PV(B) 1,600, PV(C) 1,200, ratio 1.3333;
    // cumulative −1,000, −300, +400: payback in year 2.
    kalkyl_figures(
        &Nyttokalkyl {
            calculation_years: 2,
            discount_rate: 0.0,
            investment_sek: 1_000.0,
            annual_running_cost_sek: 100.0,
            benefits: vec![Benefit {
                description: "Tid".into(),
                category: BenefitCategory::Financial,
                value: BenefitValue::Sek(800.0),
                low_sek: None,
                high_sek: None,
                from_year: 1,
                indicator: None,
            }],
        },
        Valuation {
            working_weeks: 44,
            hourly_cost_sek: 450.0,
        },
    )
}

#[test]
fn the_section_lists_decisions_realisation_and_proposals_of_the_period_only() {
    let figures = figures();
    // Q1 2026 is the period. The live insats: Q4 2025 before the period (not listed),
    // Q1 not realised, Q2 after the period (not counted, so not listed and not judged).
    let live = insats(1, "Ny e-tjänst", InsatsStatus::Live, Some("2025-11-10"));
    let live_rounds = realisation(vec![
        round(10, "2025-Q4", NotRealised, Some(61.0)),
        round(11, "2026-Q1", Worse, Some(55.0)),
        round(12, "2026-Q2", Achieved, Some(72.0)),
    ]);
    // Followed up with the same figures: listed, never proposed.
    let done = insats(2, "Avslutad", InsatsStatus::FollowedUp, None);
    // Decided in the period, too few answers in its round.
    let decided = insats(3, "Beslutad", InsatsStatus::Live, Some("2026-02-15"));
    let few_rounds = realisation(vec![round(13, "2026-Q1", TooFewAnswers, None)]);
    let facts = [
        InsatsFacts {
            insats: &live,
            owner: Some("Åsa"),
            decided: Some((1, &figures)),
            benefits: vec![benefit(&live_rounds)],
        },
        InsatsFacts {
            insats: &done,
            owner: None,
            decided: None,
            benefits: vec![benefit(&live_rounds)],
        },
        InsatsFacts {
            insats: &decided,
            owner: Some("Åsa"),
            decided: Some((2, &figures)),
            benefits: vec![benefit(&few_rounds)],
        },
    ];
    let section = insatser_section(day("2026-01-01"), day("2026-04-01"), &facts);

    assert_eq!(section.decided.len(), 1);
    let decision = &section.decided[0];
    assert_eq!(decision.name.insats, "Beslutad");
    assert_eq!(decision.decided_on, day("2026-02-15"));
    let kalkyl = decision.kalkyl.unwrap();
    assert_eq!(kalkyl.version, 2);
    assert_eq!(kalkyl.investment_sek, 1_000.0);
    assert!((kalkyl.npv_sek - 400.0).abs() < 1e-9);
    assert!((kalkyl.pv_benefits_sek - 1_600.0).abs() < 1e-9);
    assert!((kalkyl.pv_costs_sek - 1_200.0).abs() < 1e-9);
    assert!((kalkyl.benefit_cost_ratio.unwrap() - 4.0 / 3.0).abs() < 1e-9);
    assert_eq!(kalkyl.payback_year, Some(2));

    // Q1 rounds only, by insats name: Avslutad, Beslutad, Ny e-tjänst.
    let listed: Vec<(&str, &str, RealisationStatus)> = section
        .realisation
        .iter()
        .map(|l| (l.name.insats.as_str(), l.round.as_str(), l.status))
        .collect();
    assert_eq!(
        listed,
        [
            ("Avslutad", "2026-Q1", Worse),
            ("Beslutad", "2026-Q1", TooFewAnswers),
            ("Ny e-tjänst", "2026-Q1", Worse)
        ]
    );
    // Too few answers: no number at all.
    assert_eq!(section.realisation[1].measured, None);
    // Worse at 55 against baseline 60, target 70: share (55 − 60)/10 = −0.5.
    let worse = section.realisation[2].measured.unwrap();
    assert_eq!(worse.mean, 55.0);
    assert_eq!(worse.realised_share, Some(-0.5));
    assert_eq!(section.realisation[2].baseline, Some(60.0));

    // Only the live insats, on Q4 2025 and Q1 2026 (Q2 had not begun).
    assert_eq!(section.proposals.len(), 1);
    let proposal = &section.proposals[0];
    assert_eq!(proposal.name.insats_id, 1);
    assert_eq!(proposal.rule, InsatsRule::ReviewInsats);
    let rounds: Vec<&str> = proposal.evidence[0]
        .rounds
        .iter()
        .map(|r| r.round.as_str())
        .collect();
    assert_eq!(rounds, ["2025-Q4", "2026-Q1"]);

    // The next quarter: Q2 achieved, so the rule is silent; nothing decided.
    let next = insatser_section(day("2026-04-01"), day("2026-07-01"), &facts);
    assert!(next.proposals.is_empty() && next.decided.is_empty());
    assert_eq!(next.realisation.len(), 2);
}

#[test]
fn a_digest_reads_the_benefits_measured_in_its_round() {
    let live = insats(1, "Ny e-tjänst", InsatsStatus::Live, None);
    let rounds = realisation(vec![
        round(10, "2025-Q4", NotRealised, Some(61.0)),
        round(11, "2026-Q1", TooFewAnswers, None),
    ]);
    let facts = InsatsFacts {
        insats: &live,
        owner: None,
        decided: None,
        benefits: vec![benefit(&rounds)],
    };
    let lines = realisation_in_round(&facts, 11);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].status, TooFewAnswers);
    assert_eq!(lines[0].measured, None);
    assert!(realisation_in_round(&facts, 99).is_empty());
}

#[test]
fn the_section_round_trips_through_json_as_codes() {
    let live = insats(1, "Ny e-tjänst", InsatsStatus::Live, None);
    let rounds = realisation(vec![
        round(10, "2026-Q1", NotRealised, Some(61.0)),
        round(11, "2026-Q2", Worse, Some(55.0)),
    ]);
    let facts = [InsatsFacts {
        insats: &live,
        owner: Some("Åsa"),
        decided: None,
        benefits: vec![benefit(&rounds)],
    }];
    let section = insatser_section(day("2026-04-01"), day("2026-07-01"), &facts);
    let json = serde_json::to_value(&section).unwrap();
    assert_eq!(json["proposals"][0]["rule"], "review_insats");
    assert_eq!(json["realisation"][0]["status"], "worse");
    assert_eq!(json["realisation"][0]["metric"], "sus");
    assert_eq!(json["realisation"][0]["insats"], "Ny e-tjänst");
    let back: InsatserSection = serde_json::from_value(json).unwrap();
    assert_eq!(back, section);
}
