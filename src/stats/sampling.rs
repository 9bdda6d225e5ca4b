//! How many to invite for a target precision of a mean, with the t of the expected
//! number of answers, the finite-population correction, and the anonymity threshold.

use super::summary::t_95;
use crate::domain::programme::{RoundHistory, Sampling};

/// The answers needed for a 95 % interval of ± `half_width` around a mean with standard
/// deviation `sd`, from a population of `population`: the smallest n with
/// n ≥ n₀ / (1 + (n₀ − 1)/N), where n₀ = (t·sd/E)² uses the t of n − 1 degrees of
/// freedom (the t depends on the n it decides, so the smallest n that satisfies its own
/// bound is taken). At most the population.
pub fn answers_needed(sd: f64, half_width: f64, population: usize) -> usize {
    let required = |n: usize| {
        let n0 = (t_95((n.max(2) - 1) as f64) * sd / half_width).powi(2);
        n0 / (1.0 + (n0 - 1.0) / population as f64)
    };
    (2..=population.max(2))
        .find(|&n| n as f64 >= required(n))
        .unwrap_or(population)
        .min(population)
}

/// Invitations for a round: enough for `answers_needed` and never fewer answers expected
/// than the anonymity threshold (a round below it releases nothing), at the expected
/// `response_rate`; at most the `population` reachable.
pub fn invitations_needed(
    sd: f64,
    half_width: f64,
    population: usize,
    response_rate: f64,
    min_group_size: usize,
) -> usize {
    let answers = answers_needed(sd, half_width, population).max(min_group_size);
    ((answers as f64 / response_rate.clamp(f64::MIN_POSITIVE, 1.0)).ceil() as usize).min(population)
}

/// The most a programme's round invites among `reachable` users: under
/// [`Sampling::Precision`], the invitations needed for its precision (never fewer than
/// the anonymity threshold is expected to need); `None` means invite everyone (no
/// precision target, or no history to go on).
pub fn invitation_cap(
    sampling: Sampling,
    history: Option<RoundHistory>,
    reachable: usize,
    min_group_size: usize,
) -> Option<usize> {
    let Sampling::Precision { half_width } = sampling else {
        return None;
    };
    let history = history?;
    if history.response_rate <= 0.0 || history.sus_sd <= 0.0 {
        return None;
    }
    Some(invitations_needed(
        history.sus_sd,
        half_width,
        reachable,
        history.response_rate,
        min_group_size,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precision_sampling_uses_sd_response_rate_and_the_users_there_are() {
        let sampling = Sampling::Precision { half_width: 5.0 };
        let history = RoundHistory {
            response_rate: 0.5,
            sus_sd: 20.0,
        };
        // 64 answers (t-based, see below) → 128 invitations at 50 %; a service with 60
        // users needs 32 answers → 64, capped at 60.
        assert_eq!(
            invitation_cap(sampling, Some(history), 10_000, 5),
            Some(128)
        );
        assert_eq!(invitation_cap(sampling, Some(history), 60, 5), Some(60));
        assert_eq!(invitation_cap(sampling, None, 60, 5), None);
        assert_eq!(
            invitation_cap(Sampling::Everyone, Some(history), 60, 5),
            None
        );
    }

    #[test]
    fn a_small_service_is_not_over_invited() {
        // SD 20, E 5, N 60. n = 31: t(30) = 2.04227, n₀ = (4·2.04227)² = 66.73,
        // n₀/(1 + 65.73/60) = 31.85 > 31; n = 32: t(31) = 2.03951, n₀ = 66.55,
        // 66.55/(1 + 65.55/60) = 31.80 ≤ 32. So 32 answers; at a 50 % rate 64 invitations,
        // capped at the 60 users there are.
        assert_eq!(answers_needed(20.0, 5.0, 60), 32);
        assert_eq!(invitations_needed(20.0, 5.0, 60, 0.5, 5), 60);
    }

    #[test]
    fn a_large_service_needs_about_the_t_based_infinite_population_figure() {
        // N 10,000. n = 63: t(62) = 1.99897, n₀ = 63.93, corrected 63.53 > 63; n = 64:
        // t(63) = 1.99834, n₀ = 63.89, corrected 63.49 ≤ 64. So 64 answers, 128 invitations
        // at 50 % (the old z-based rule said 62 and 124).
        assert_eq!(answers_needed(20.0, 5.0, 10_000), 64);
        assert_eq!(invitations_needed(20.0, 5.0, 10_000, 0.5, 5), 128);
    }

    #[test]
    fn the_anonymity_threshold_sets_a_floor() {
        // SD 5, E 10: n = 3: t(2) = 4.30265, n₀ = 4.63 > 3; n = 4: t(3) = 3.18245,
        // n₀ = 2.53 ≤ 4. So 4 answers would do, but 5 are needed to release anything:
        // 10 invitations at 50 %.
        assert_eq!(answers_needed(5.0, 10.0, 1_000), 4);
        assert_eq!(invitations_needed(5.0, 10.0, 1_000, 0.5, 5), 10);
    }
}
