//! Every expected figure is worked out by hand in the comment above it (factors to seven
//! places; the assertions allow 1e-3 SEK).

use super::*;
use crate::domain::insats::nyttokalkyl::Benefit;

const VALUATION: Valuation = Valuation {
    working_weeks: 44,
    hourly_cost_sek: 450.0,
};

fn close(actual: f64, expected: f64) -> bool {
    (actual - expected).abs() < 1e-3
}

fn benefit(category: BenefitCategory, value: BenefitValue, from_year: u32) -> Benefit {
    Benefit {
        description: "nytta".into(),
        category,
        value,
        low_sek: None,
        high_sek: None,
        from_year,
        indicator: None,
    }
}

fn financial(sek: f64, from_year: u32) -> Benefit {
    benefit(
        BenefitCategory::Financial,
        BenefitValue::Sek(sek),
        from_year,
    )
}

fn kalkyl(
    years: u32,
    rate: f64,
    investment: f64,
    running: f64,
    benefits: Vec<Benefit>,
) -> Nyttokalkyl {
    Nyttokalkyl {
        calculation_years: years,
        discount_rate: rate,
        investment_sek: investment,
        annual_running_cost_sek: running,
        benefits,
    }
}

#[test]
fn three_years_at_ten_percent_paying_back_at_exactly_zero() {
    // N = 3, r = 0.10, investment 1000, running 100, a financial benefit of 600 from year 1.
    // Factors 1/1.1 = 0.9090909, 1/1.21 = 0.8264463, 1/1.331 = 0.7513148; sum a = 2.4868520.
    // PV(B) = 600a = 1492.1112; PV(C) = 1000 + 100a = 1248.6852; NPV = 500a − 1000 = 243.4260.
    // B/C = 1492.1112 / 1248.6852 = 1.1949458; NPV per krona = 243.4260 / 1000 = 0.2434260.
    // Cumulative: −1000, −500, 0, 500: the payback year is 2, where the sum is exactly 0.
    let f = kalkyl_figures(
        &kalkyl(3, 0.10, 1000.0, 100.0, vec![financial(600.0, 1)]),
        VALUATION,
    );
    assert!(close(f.pv_benefits_sek, 1492.1112), "{}", f.pv_benefits_sek);
    assert!(close(f.pv_costs_sek, 1248.6852), "{}", f.pv_costs_sek);
    assert!(close(f.npv_sek, 243.4260), "{}", f.npv_sek);
    assert!((f.benefit_cost_ratio.unwrap() - 1.194_945_8).abs() < 1e-6);
    assert!((f.npv_per_invested_krona.unwrap() - 0.243_426_0).abs() < 1e-6);
    let cumulative: Vec<f64> = f.years.iter().map(|y| y.cumulative_sek).collect();
    assert_eq!(cumulative, [-1000.0, -500.0, 0.0, 500.0]);
    assert_eq!(f.payback_year, Some(2));
    assert!(close(f.years[2].present_value_sek, 413.2231));
    // Every benefit is financial and none has a range: both equal the NPV.
    assert!(close(f.financial_npv_sek, 243.4260));
    assert!(
        close(f.sensitivity.low_npv_sek, 243.4260) && close(f.sensitivity.high_npv_sek, 243.4260)
    );
}

#[test]
fn a_benefit_from_year_zero_pays_back_in_year_zero() {
    // N = 2, r = 0.05, investment 500, 800 a year from year 0.
    // Year 0: 800 − 500 = 300 ≥ 0, so the payback year is 0.
    // NPV = 300 + 800/1.05 + 800/1.1025 = 300 + 761.9048 + 725.6236 = 1787.5283.
    let f = kalkyl_figures(
        &kalkyl(2, 0.05, 500.0, 0.0, vec![financial(800.0, 0)]),
        VALUATION,
    );
    assert_eq!(f.payback_year, Some(0));
    assert!(close(f.npv_sek, 1787.5283), "{}", f.npv_sek);
    // Nothing invested, nothing running: year 0 already stands at 0 ≥ 0; no ratio and
    // no NPV per krona (nothing to divide by).
    let free = kalkyl_figures(
        &kalkyl(2, 0.05, 0.0, 0.0, vec![financial(100.0, 1)]),
        VALUATION,
    );
    assert_eq!(free.payback_year, Some(0));
    assert_eq!(
        (free.benefit_cost_ratio, free.npv_per_invested_krona),
        (None, None)
    );
}

#[test]
fn benefits_that_never_catch_up_have_no_payback_year() {
    // N = 3, r = 0, investment 1000, running 100, 300 a year from year 1.
    // Cumulative −1000, −800, −600, −400: never ≥ 0. NPV = −400 (r = 0: plain sums);
    // PV(B) = 900, PV(C) = 1300, B/C = 9/13 = 0.6923077; NPV per krona −0.4.
    let f = kalkyl_figures(
        &kalkyl(3, 0.0, 1000.0, 100.0, vec![financial(300.0, 1)]),
        VALUATION,
    );
    assert_eq!(f.payback_year, None);
    assert!(close(f.npv_sek, -400.0));
    assert!((f.benefit_cost_ratio.unwrap() - 9.0 / 13.0).abs() < 1e-9);
    assert!((f.npv_per_invested_krona.unwrap() + 0.4).abs() < 1e-9);
}

#[test]
fn at_a_zero_rate_present_values_are_plain_sums() {
    // N = 3, r = 0: every factor is 1. Investment 1000, running 100, 600 from year 1:
    // PV(B) = 3 × 600 = 1800, PV(C) = 1000 + 3 × 100 = 1300, NPV = 500, B/C = 18/13.
    let f = kalkyl_figures(
        &kalkyl(3, 0.0, 1000.0, 100.0, vec![financial(600.0, 1)]),
        VALUATION,
    );
    assert!(f.years.iter().all(|y| y.discount_factor == 1.0));
    assert_eq!(
        (f.pv_benefits_sek, f.pv_costs_sek, f.npv_sek),
        (1800.0, 1300.0, 500.0)
    );
    assert!((f.benefit_cost_ratio.unwrap() - 18.0 / 13.0).abs() < 1e-12);
}

#[test]
fn a_one_year_calculation_has_years_zero_and_one() {
    // N = 1, r = 0.05, investment 1000, running 100, 1200 from year 1.
    // NPV = −1000 + (1200 − 100)/1.05 = −1000 + 1047.6190 = 47.6190;
    // PV(B) = 1200/1.05 = 1142.8571, PV(C) = 1000 + 100/1.05 = 1095.2381;
    // B/C = (1200/1.05) / (1150/1.05) = 1200/1150 = 1.0434783. Cumulative −1000, 100: year 1.
    let f = kalkyl_figures(
        &kalkyl(1, 0.05, 1000.0, 100.0, vec![financial(1200.0, 1)]),
        VALUATION,
    );
    assert_eq!(f.years.len(), 2);
    assert!(close(f.npv_sek, 47.6190), "{}", f.npv_sek);
    assert!(close(f.pv_benefits_sek, 1142.8571) && close(f.pv_costs_sek, 1095.2381));
    assert!((f.benefit_cost_ratio.unwrap() - 1200.0 / 1150.0).abs() < 1e-9);
    assert_eq!(f.payback_year, Some(1));
}

#[test]
fn a_benefit_starting_in_year_three_counts_from_year_three() {
    // N = 5, r = 0.10, investment 1000, no running cost, 500 a year from year 3.
    // Factors t3 = 1/1.331 = 0.7513148, t4 = 1/1.4641 = 0.6830135, t5 = 1/1.61051 =
    // 0.6209213; sum 2.0552496. PV(B) = 1027.6248, NPV = 27.6248, B/C = 1.0276248.
    // Cumulative −1000, −1000, −1000, −500, 0, 500: payback year 4.
    let f = kalkyl_figures(
        &kalkyl(5, 0.10, 1000.0, 0.0, vec![financial(500.0, 3)]),
        VALUATION,
    );
    let benefits: Vec<f64> = f.years.iter().map(|y| y.benefits_sek).collect();
    assert_eq!(benefits, [0.0, 0.0, 0.0, 500.0, 500.0, 500.0]);
    assert!(close(f.pv_benefits_sek, 1027.6248), "{}", f.pv_benefits_sek);
    assert!(close(f.npv_sek, 27.6248));
    assert!((f.benefit_cost_ratio.unwrap() - 1.027_624_8).abs() < 1e-6);
    assert_eq!(f.payback_year, Some(4));
}

#[test]
fn sensitivity_and_financial_npv_value_each_benefit_their_own_way() {
    // N = 2, r = 0, investment 100. A: financial 100 (low 50, high 150); B: redistribution
    // 40 (no range: expected at both ends); C: unvalued.
    // NPV = −100 + 2 × (100 + 40) = 180. Financial NPV = −100 + 2 × 100 = 100.
    // Low = −100 + 2 × (50 + 40) = 80; high = −100 + 2 × (150 + 40) = 280.
    let mut a = financial(100.0, 1);
    a.low_sek = Some(50.0);
    a.high_sek = Some(150.0);
    let b = benefit(BenefitCategory::Redistribution, BenefitValue::Sek(40.0), 1);
    let c = benefit(BenefitCategory::Unvalued, BenefitValue::Unvalued, 1);
    let f = kalkyl_figures(&kalkyl(2, 0.0, 100.0, 0.0, vec![a, b, c]), VALUATION);
    assert_eq!(f.npv_sek, 180.0);
    assert_eq!(f.financial_npv_sek, 100.0);
    assert_eq!(
        f.sensitivity,
        Sensitivity {
            low_npv_sek: 80.0,
            high_npv_sek: 280.0
        }
    );
    assert_eq!(f.unvalued_benefits, 1);
    assert_eq!(
        f.benefits[2],
        PricedBenefit {
            category: BenefitCategory::Unvalued,
            from_year: 1,
            annual_sek: None,
            low_sek: None,
            high_sek: None,
        }
    );
    assert_eq!(
        (f.benefits[1].low_sek, f.benefits[1].high_sek),
        (Some(40.0), Some(40.0))
    );
}

#[test]
fn a_time_benefit_is_valued_with_the_hourly_cost_and_working_weeks() {
    // 30 min a week × 200 users: 30/60 × 44 weeks × 200 = 4400 h × 450 SEK = 1,980,000 SEK a
    // year, redistribution. N = 1, r = 0, investment 1,000,000: NPV 980,000, 0.98 per
    // krona; no financial benefit, so the financial NPV is −1,000,000.
    let time = benefit(
        BenefitCategory::Redistribution,
        BenefitValue::Time {
            minutes_per_week: 30.0,
            users: 200,
        },
        1,
    );
    let f = kalkyl_figures(&kalkyl(1, 0.0, 1_000_000.0, 0.0, vec![time]), VALUATION);
    assert_eq!(f.benefits[0].annual_sek, Some(1_980_000.0));
    assert_eq!(f.npv_sek, 980_000.0);
    assert_eq!(f.npv_per_invested_krona, Some(0.98));
    assert_eq!(f.financial_npv_sek, -1_000_000.0);
}
