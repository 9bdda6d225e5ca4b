//! Pure scoring and statistics: no database, no HTTP. Definitions follow SPEC.md.

/// SUS score of one response: items 1–10 on 1–5;
/// 2.5 × (Σ odd (x − 1) + Σ even (5 − x)). `None` if any item is missing or out of range.
pub fn sus_score(answer: impl Fn(&str) -> Option<i64>) -> Option<f64> {
    let mut sum = 0;
    for item in 1..=10 {
        let x = answer(&format!("sus{item}")).filter(|x| (1..=5).contains(x))?;
        sum += if item % 2 == 1 { x - 1 } else { 5 - x };
    }
    Some(2.5 * sum as f64)
}

pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Sample standard deviation (n − 1); needs two values.
pub fn standard_deviation(values: &[f64]) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let mean = mean(values)?;
    let squares: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
    Some((squares / (values.len() - 1) as f64).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sus_of_best_and_mixed_answers() {
        // Odd items 5, even items 1: 2.5 × (5·4 + 5·4) = 100.
        assert_eq!(
            sus_score(|k| Some(if k[3..].parse::<u8>().unwrap() % 2 == 1 {
                5
            } else {
                1
            })),
            Some(100.0)
        );
        // All 3: 2.5 × (5·2 + 5·2) = 50.
        assert_eq!(sus_score(|_| Some(3)), Some(50.0));
        assert_eq!(sus_score(|k| (k != "sus7").then_some(3)), None);
    }

    #[test]
    fn sample_standard_deviation() {
        // Values 2, 4, 4, 4, 5, 5, 7, 9: mean 5, Σ(x−5)² = 32, s = √(32/7).
        let sd = standard_deviation(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap();
        assert!((sd - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
        assert_eq!(standard_deviation(&[1.0]), None);
    }
}
