//! A planned nyttokalkyl's figures, exactly as SPEC "Insatser" defines them. Years
//! t = 0…N; C₀ = the investment, Cₜ = the running cost (t ≥ 1); Bₜ = the valued benefits
//! with from_year ≤ t. NPV = Σₜ (Bₜ − Cₜ)/(1+r)ᵗ, PV(B) and PV(C) likewise; benefit/cost =
//! PV(B)/PV(C); NPV per invested krona = NPV / investment; payback = the smallest T with
//! Σ_{t≤T}(Bₜ − Cₜ) ≥ 0, undiscounted; the financial NPV counts financial benefits only;
//! the sensitivity puts every benefit at its low and at its high value.

use crate::{
    domain::insats::nyttokalkyl::{BenefitCategory, BenefitValue, Nyttokalkyl},
    stats::summary::{Valuation, nyttokalkyl as time_value},
};

/// A benefit in SEK a year, as the kalkyl counts it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PricedBenefit {
    pub category: BenefitCategory,
    pub from_year: u32,
    /// `None` for an unvalued benefit (it counts in no sum).
    pub annual_sek: Option<f64>,
    /// The low and high ends, the expected value where not given.
    pub low_sek: Option<f64>,
    pub high_sek: Option<f64>,
}

/// One year of the calculation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct YearFlow {
    pub year: u32,
    pub benefits_sek: f64,
    pub costs_sek: f64,
    /// 1/(1+r)ᵗ.
    pub discount_factor: f64,
    /// (Bₜ − Cₜ)/(1+r)ᵗ.
    pub present_value_sek: f64,
    /// Σ_{s≤t}(Bₛ − Cₛ), undiscounted: what the payback year reads.
    pub cumulative_sek: f64,
}

/// NPV with every benefit at its low and at its high value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sensitivity {
    pub low_npv_sek: f64,
    pub high_npv_sek: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct KalkylFigures {
    /// t = 0…N.
    pub years: Vec<YearFlow>,
    /// In the kalkyl's order.
    pub benefits: Vec<PricedBenefit>,
    pub npv_sek: f64,
    pub pv_benefits_sek: f64,
    pub pv_costs_sek: f64,
    /// `None` when nothing costs anything.
    pub benefit_cost_ratio: Option<f64>,
    /// `None` without an investment.
    pub npv_per_invested_krona: Option<f64>,
    /// `None`: the benefits never catch up within the N years.
    pub payback_year: Option<u32>,
    pub financial_npv_sek: f64,
    pub sensitivity: Sensitivity,
    /// Benefits real but not valued: counted, never in SEK.
    pub unvalued_benefits: usize,
}

/// A time benefit's SEK a year: minutes/60 × working weeks × users × hourly cost, the
/// arithmetic of the running services' nyttokalkyl.
fn annual_sek(value: BenefitValue, valuation: Valuation) -> Option<f64> {
    match value {
        BenefitValue::Sek(sek) => Some(sek),
        BenefitValue::Time {
            minutes_per_week,
            users,
        } => Some(time_value(minutes_per_week, None, valuation, users, 0.0).value_sek),
        BenefitValue::Unvalued => None,
    }
}

pub fn kalkyl_figures(kalkyl: &Nyttokalkyl, valuation: Valuation) -> KalkylFigures {
    let benefits: Vec<PricedBenefit> = kalkyl
        .benefits
        .iter()
        .map(|benefit| {
            let annual_sek = annual_sek(benefit.value, valuation);
            PricedBenefit {
                category: benefit.category,
                from_year: benefit.from_year,
                annual_sek,
                low_sek: annual_sek.map(|sek| benefit.low_sek.unwrap_or(sek)),
                high_sek: annual_sek.map(|sek| benefit.high_sek.unwrap_or(sek)),
            }
        })
        .collect();
    let expected = |b: &PricedBenefit| b.annual_sek;
    let mut cumulative = 0.0;
    let years: Vec<YearFlow> = (0..=kalkyl.calculation_years)
        .map(|year| {
            let benefits_sek = benefits_in(&benefits, year, expected);
            let costs_sek = costs_in(kalkyl, year);
            let discount_factor = discount(kalkyl.discount_rate, year);
            cumulative += benefits_sek - costs_sek;
            YearFlow {
                year,
                benefits_sek,
                costs_sek,
                discount_factor,
                present_value_sek: (benefits_sek - costs_sek) * discount_factor,
                cumulative_sek: cumulative,
            }
        })
        .collect();
    let pv_benefits_sek: f64 = years
        .iter()
        .map(|y| y.benefits_sek * y.discount_factor)
        .sum();
    let pv_costs_sek: f64 = years.iter().map(|y| y.costs_sek * y.discount_factor).sum();
    let npv_sek = pv_benefits_sek - pv_costs_sek;
    let financial = |b: &PricedBenefit| {
        b.annual_sek
            .filter(|_| b.category == BenefitCategory::Financial)
    };
    KalkylFigures {
        payback_year: years
            .iter()
            .find(|y| y.cumulative_sek >= 0.0)
            .map(|y| y.year),
        benefit_cost_ratio: (pv_costs_sek > 0.0).then(|| pv_benefits_sek / pv_costs_sek),
        npv_per_invested_krona: (kalkyl.investment_sek > 0.0)
            .then(|| npv_sek / kalkyl.investment_sek),
        financial_npv_sek: npv(kalkyl, &benefits, financial),
        sensitivity: Sensitivity {
            low_npv_sek: npv(kalkyl, &benefits, |b| b.low_sek),
            high_npv_sek: npv(kalkyl, &benefits, |b| b.high_sek),
        },
        unvalued_benefits: benefits.iter().filter(|b| b.annual_sek.is_none()).count(),
        years,
        benefits,
        npv_sek,
        pv_benefits_sek,
        pv_costs_sek,
    }
}

fn discount(rate: f64, year: u32) -> f64 {
    (1.0 + rate).powi(-(year as i32))
}

fn costs_in(kalkyl: &Nyttokalkyl, year: u32) -> f64 {
    if year == 0 {
        kalkyl.investment_sek
    } else {
        kalkyl.annual_running_cost_sek
    }
}

/// Bₜ: the benefits counting in `year`, each valued by `value`.
fn benefits_in(
    benefits: &[PricedBenefit],
    year: u32,
    value: impl Fn(&PricedBenefit) -> Option<f64>,
) -> f64 {
    benefits
        .iter()
        .filter(|b| b.from_year <= year)
        .filter_map(value)
        .sum()
}

/// Σₜ (Bₜ − Cₜ)/(1+r)ᵗ with each benefit valued by `value`.
fn npv(
    kalkyl: &Nyttokalkyl,
    benefits: &[PricedBenefit],
    value: impl Fn(&PricedBenefit) -> Option<f64> + Copy,
) -> f64 {
    (0..=kalkyl.calculation_years)
        .map(|year| {
            (benefits_in(benefits, year, value) - costs_in(kalkyl, year))
                * discount(kalkyl.discount_rate, year)
        })
        .sum()
}

#[cfg(test)]
mod tests;
