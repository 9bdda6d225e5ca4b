//! Summaries of a set of values: mean with its Student-t interval, proportions with Wilson
//! intervals, Welch's test for a change between two rounds, and the OLS slope of a trend.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// The 97.5 % point of the standard normal distribution (two-sided 95 %).
pub const Z_95: f64 = 1.959_963_984_540_054;

/// The two-sided 95 % point of Student's t with `df` degrees of freedom.
pub fn t_95(df: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df)
        .map(|t| t.inverse_cdf(0.975))
        .unwrap_or(Z_95)
}

/// n, mean, SD, 95 % t-interval and median of a metric's values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanSummary {
    pub n: usize,
    pub mean: f64,
    /// Sample SD (n − 1); `None` for a single value.
    pub sd: Option<f64>,
    /// 95 % confidence interval of the mean (Student t, n − 1 degrees of freedom).
    pub ci: Option<(f64, f64)>,
    pub median: f64,
}

pub fn summarize(values: &[f64]) -> Option<MeanSummary> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let sd = (n >= 2).then(|| {
        let squares: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
        (squares / (n - 1) as f64).sqrt()
    });
    let ci = sd.map(|sd| {
        let half = t_95((n - 1) as f64) * sd / (n as f64).sqrt();
        (mean - half, mean + half)
    });
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    Some(MeanSummary {
        n,
        mean,
        sd,
        ci,
        median,
    })
}

/// A share with its 95 % Wilson interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Proportion {
    pub successes: u64,
    pub n: u64,
    pub share: f64,
    pub ci: (f64, f64),
}

/// `successes` of `n` with the Wilson score interval; `None` when `n` is 0.
pub fn proportion(successes: u64, n: u64) -> Option<Proportion> {
    if n == 0 {
        return None;
    }
    let (k, n_f) = (successes as f64, n as f64);
    let p = k / n_f;
    let z2 = Z_95 * Z_95;
    let denominator = 1.0 + z2 / n_f;
    let centre = (p + z2 / (2.0 * n_f)) / denominator;
    let half = Z_95 * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt() / denominator;
    Some(Proportion {
        successes,
        n,
        share: p,
        ci: ((centre - half).max(0.0), (centre + half).min(1.0)),
    })
}

/// Welch's unequal-variance t-test of `later` against `earlier`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Change {
    /// later mean − earlier mean.
    pub difference: f64,
    pub t: f64,
    pub df: f64,
    /// Two-sided p-value.
    pub p: f64,
    /// `p` below [`SIGNIFICANCE_LEVEL`]: decided here once, so every reader (pages,
    /// digests, reports, flags, the API) only shows it.
    pub significant: bool,
}

/// A change is called statistically significant ("statistiskt säkerställd") below this
/// two-sided p-value, everywhere: pages, digests, reports and flags.
pub const SIGNIFICANCE_LEVEL: f64 = 0.05;

/// `None` unless both sides have an SD (two values or more) and some variance.
pub fn welch(earlier: &MeanSummary, later: &MeanSummary) -> Option<Change> {
    let (s1, s2) = (earlier.sd?, later.sd?);
    let (n1, n2) = (earlier.n as f64, later.n as f64);
    let (v1, v2) = (s1 * s1 / n1, s2 * s2 / n2);
    let se2 = v1 + v2;
    if se2 <= 0.0 {
        return None;
    }
    let difference = later.mean - earlier.mean;
    let t = difference / se2.sqrt();
    let df = se2 * se2 / (v1 * v1 / (n1 - 1.0) + v2 * v2 / (n2 - 1.0));
    let distribution = StudentsT::new(0.0, 1.0, df).ok()?;
    let p = (2.0 * (1.0 - distribution.cdf(t.abs()))).clamp(0.0, 1.0);
    Some(Change {
        difference,
        t,
        df,
        p,
        significant: p < SIGNIFICANCE_LEVEL,
    })
}

/// Ordinary least-squares slope of y on x; `None` for fewer than two distinct x.
pub fn ols_slope(points: &[(f64, f64)]) -> Option<f64> {
    let n = points.len() as f64;
    if points.len() < 2 {
        return None;
    }
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

/// Net Promoter Score of 0–10 answers: % promoters (9–10) − % detractors (0–6).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nps {
    pub n: u64,
    pub score: f64,
    pub promoters: Proportion,
    pub detractors: Proportion,
}

pub fn nps(values: &[i64]) -> Option<Nps> {
    let n = values.len() as u64;
    let promoters = values.iter().filter(|v| **v >= 9).count() as u64;
    let detractors = values.iter().filter(|v| **v <= 6).count() as u64;
    let (promoters, detractors) = (proportion(promoters, n)?, proportion(detractors, n)?);
    Some(Nps {
        n,
        score: 100.0 * (promoters.share - detractors.share),
        promoters,
        detractors,
    })
}

/// The time saved by a service, valued against its cost. Time freed is redistribution
/// (Inera's *omfördelningsnytta*): hours people can spend on other work, not money that
/// leaves a budget. The value carries the interval that follows from the 95 % interval of
/// the mean minutes, so no reader takes the point value for more than the answers support.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Nyttokalkyl {
    /// The mean minutes a week per user the calculation rests on, and its 95 % interval.
    pub minutes_per_week: f64,
    pub minutes_ci: Option<(f64, f64)>,
    /// The assumptions: working weeks a year, users, the hourly cost.
    pub working_weeks: u32,
    pub users: u32,
    pub hourly_cost_sek: f64,
    pub annual_hours: f64,
    pub value_sek: f64,
    /// The value at the ends of the mean minutes' interval.
    pub value_ci_sek: Option<(f64, f64)>,
    pub annual_cost_sek: f64,
    /// value ÷ cost; `None` for a service without a cost.
    pub benefit_cost_ratio: Option<f64>,
    pub benefit_cost_ci: Option<(f64, f64)>,
}

/// What an hour of time and a working year are worth (settings).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Valuation {
    pub working_weeks: u32,
    pub hourly_cost_sek: f64,
}

/// Mean minutes a week per user ÷ 60 × working weeks × users, valued at the hourly cost;
/// the interval's ends go through the same arithmetic.
pub fn nyttokalkyl(
    minutes_per_week: f64,
    minutes_ci: Option<(f64, f64)>,
    valuation: Valuation,
    users: u32,
    annual_cost_sek: f64,
) -> Nyttokalkyl {
    let hours =
        |minutes: f64| minutes / 60.0 * f64::from(valuation.working_weeks) * f64::from(users);
    let value = |minutes: f64| hours(minutes) * valuation.hourly_cost_sek;
    let ratio = |sek: f64| (annual_cost_sek > 0.0).then(|| sek / annual_cost_sek);
    let value_sek = value(minutes_per_week);
    let value_ci_sek = minutes_ci.map(|(low, high)| (value(low), value(high)));
    Nyttokalkyl {
        minutes_per_week,
        minutes_ci,
        working_weeks: valuation.working_weeks,
        users,
        hourly_cost_sek: valuation.hourly_cost_sek,
        annual_hours: hours(minutes_per_week),
        value_sek,
        value_ci_sek,
        annual_cost_sek,
        benefit_cost_ratio: ratio(value_sek),
        benefit_cost_ci: value_ci_sek.and_then(|(low, high)| Some((ratio(low)?, ratio(high)?))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() < tolerance
    }

    #[test]
    fn mean_sd_t_interval_and_median_of_a_small_set() {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, s = √(32/7) = 2.13809, se = s/√8 = 0.75593,
        // t(7) = 2.36462, half-width 1.78751 → (3.21249, 6.78751); median (4 + 5)/2.
        let s = summarize(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap();
        assert_eq!((s.n, s.mean, s.median), (8, 5.0, 4.5));
        assert!(close(s.sd.unwrap(), 2.138_09, 1e-5));
        let (low, high) = s.ci.unwrap();
        assert!(
            close(low, 3.212_49, 1e-4) && close(high, 6.787_51, 1e-4),
            "{low} {high}"
        );
        let one = summarize(&[70.0]).unwrap();
        assert_eq!((one.sd, one.ci, one.median), (None, None, 70.0));
        assert_eq!(summarize(&[]), None);
    }

    #[test]
    fn t_points_match_the_tables() {
        assert!(close(t_95(1.0), 12.706_2, 1e-3));
        assert!(close(t_95(7.0), 2.364_62, 1e-4));
        assert!(close(t_95(30.0), 2.042_27, 1e-4));
    }

    #[test]
    fn wilson_interval_of_8_of_10() {
        // p = 0.8, z² = 3.84146: centre (0.8 + 0.19207)/1.38415 = 0.71674,
        // half 1.95996·√(0.016 + 0.0096036)/1.38415 = 0.22658 → (0.49016, 0.94331).
        let p = proportion(8, 10).unwrap();
        assert_eq!(p.share, 0.8);
        assert!(
            close(p.ci.0, 0.490_16, 1e-4) && close(p.ci.1, 0.943_31, 1e-4),
            "{:?}",
            p.ci
        );
        let none = proportion(0, 20).unwrap();
        assert_eq!(none.ci.0, 0.0);
        assert!(close(none.ci.1, 0.161_13, 1e-4), "{:?}", none.ci);
        assert_eq!(proportion(0, 0), None);
    }

    #[test]
    fn welch_test_of_two_known_samples() {
        // 1..5 against 3..7: means 3 and 5, variances 2.5: t = 2/√(0.5 + 0.5) = 2,
        // df = 1² / (0.25/4 + 0.25/4) = 8, two-sided p = 0.08052.
        let a = summarize(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        let b = summarize(&[3.0, 4.0, 5.0, 6.0, 7.0]).unwrap();
        let change = welch(&a, &b).unwrap();
        assert_eq!((change.difference, change.t, change.df), (2.0, 2.0, 8.0));
        assert!(close(change.p, 0.080_52, 1e-4), "{}", change.p);
        assert!(!change.significant);
        assert_eq!(welch(&a, &summarize(&[4.0]).unwrap()), None);
    }

    #[test]
    fn ols_slope_of_three_points() {
        // x̄ = 2, ȳ = 11/3: Sxy = 3, Sxx = 2 → 1.5.
        assert_eq!(ols_slope(&[(1.0, 2.0), (2.0, 4.0), (3.0, 5.0)]), Some(1.5));
        assert_eq!(ols_slope(&[(1.0, 2.0)]), None);
        assert_eq!(ols_slope(&[(1.0, 2.0), (1.0, 3.0)]), None);
    }

    #[test]
    fn nps_counts_promoters_and_detractors() {
        // 10, 10, 9 promoters (60 %), 8 passive, 2 detractor (20 %): NPS 40.
        let score = nps(&[10, 10, 9, 8, 2]).unwrap();
        assert!(close(score.score, 40.0, 1e-9));
        assert_eq!(
            (score.promoters.successes, score.detractors.successes),
            (3, 1)
        );
        // 9 and 10 promote, 7 and 8 are passive, 6 already detracts.
        assert!(close(nps(&[9, 7, 8, 6]).unwrap().score, 0.0, 1e-9));
        assert_eq!(nps(&[]), None);
    }

    #[test]
    fn nyttokalkyl_of_a_known_service() {
        // 30 min a week × 44 weeks × 500 users / 60 = 11,000 h; × 450 SEK = 4,950,000 SEK;
        // against 100,000 SEK a year: 49.5. The interval 20–40 min gives 3,300,000 and
        // 6,600,000 SEK, ratios 33 and 66.
        let valuation = Valuation {
            working_weeks: 44,
            hourly_cost_sek: 450.0,
        };
        let k = nyttokalkyl(30.0, Some((20.0, 40.0)), valuation, 500, 100_000.0);
        assert_eq!(k.annual_hours, 11_000.0);
        assert_eq!(k.value_sek, 4_950_000.0);
        assert_eq!(k.value_ci_sek, Some((3_300_000.0, 6_600_000.0)));
        assert_eq!(k.benefit_cost_ratio, Some(49.5));
        assert_eq!(k.benefit_cost_ci, Some((33.0, 66.0)));
        let free = nyttokalkyl(30.0, None, valuation, 500, 0.0);
        assert_eq!((free.benefit_cost_ratio, free.value_ci_sek), (None, None));
        // Time lost is a negative value, interval and all.
        // −15 min × 44 × 10 / 60 = −110 h = −49,500 SEK; −30 and 15 min: −99,000 and 49,500.
        let lost = nyttokalkyl(-15.0, Some((-30.0, 15.0)), valuation, 10, 10_000.0);
        assert_eq!(lost.value_sek, -49_500.0);
        assert_eq!(lost.value_ci_sek, Some((-99_000.0, 49_500.0)));
    }
}
