//! What one response scores on each metric, by SPEC's definitions. Which items count
//! towards which metric comes from their `scale` tag; SUS and UMUX-Lite items also by
//! their stable keys (`sus1`…`sus10`, `umux1`, `umux2`), since their formulas depend on the
//! item's position.

use crate::domain::questionnaire::{AnswerValue, Answers, Item, ScaleTag};

pub use crate::domain::Metric;

impl Metric {
    /// Whether a questionnaire with these items measures this metric.
    pub fn measured_by(self, items: &[Item]) -> bool {
        let tagged = |scale| items.iter().any(|item| item.scale == scale);
        match self {
            Self::Sus => tagged(ScaleTag::Sus),
            Self::UmuxLite => tagged(ScaleTag::UmuxLite),
            Self::Nyttoindex => tagged(ScaleTag::Benefit),
            Self::Nps => tagged(ScaleTag::Nps),
            Self::Tidsvinst => tagged(ScaleTag::Time),
        }
    }
}

fn number(answers: &Answers, key: &str) -> Option<i64> {
    match answers.get(key)? {
        AnswerValue::Number(n) => Some(*n),
        AnswerValue::Text(_) => None,
    }
}

/// SUS of one response: items 1–10 on 1–5; 2.5 × (Σ odd (x − 1) + Σ even (5 − x)).
/// `None` if any item is missing or out of range (such responses are left out of SUS).
pub fn sus(answers: &Answers) -> Option<f64> {
    let mut sum = 0;
    for item in 1..=10 {
        let x = number(answers, &format!("sus{item}")).filter(|x| (1..=5).contains(x))?;
        sum += if item % 2 == 1 { x - 1 } else { 5 - x };
    }
    Some(2.5 * sum as f64)
}

/// UMUX-Lite raw score: two items on 1–7, (a + b − 2) / 12 × 100.
pub fn umux_lite(answers: &Answers) -> Option<f64> {
    let item = |key| number(answers, key).filter(|x| (1..=7).contains(x));
    Some((item("umux1")? + item("umux2")? - 2) as f64 / 12.0 * 100.0)
}

/// Nyttoindex of one response: the mean of its benefit items (1–7), mapped (x − 1)/6 × 100.
pub fn nyttoindex(items: &[Item], answers: &Answers) -> Option<f64> {
    let values: Vec<i64> = items
        .iter()
        .filter(|item| item.scale == ScaleTag::Benefit)
        .filter_map(|item| number(answers, &item.key))
        .collect();
    if values.is_empty() {
        return None;
    }
    let mean = values.iter().sum::<i64>() as f64 / values.len() as f64;
    Some((mean - 1.0) / 6.0 * 100.0)
}

/// The first answered item with this scale tag, as a number.
fn tagged_number(items: &[Item], answers: &Answers, scale: ScaleTag) -> Option<i64> {
    items
        .iter()
        .filter(|item| item.scale == scale)
        .find_map(|item| number(answers, &item.key))
}

/// Everything one response scores.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ResponseScores {
    pub sus: Option<f64>,
    pub umux_lite: Option<f64>,
    pub nyttoindex: Option<f64>,
    /// 0–10.
    pub nps: Option<i64>,
    pub minutes_per_week: Option<f64>,
}

pub fn score(items: &[Item], answers: &Answers) -> ResponseScores {
    ResponseScores {
        sus: sus(answers),
        umux_lite: umux_lite(answers),
        nyttoindex: nyttoindex(items, answers),
        nps: tagged_number(items, answers, ScaleTag::Nps),
        minutes_per_week: tagged_number(items, answers, ScaleTag::Time).map(|m| m as f64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::questionnaire::ItemKind;

    fn answers(pairs: &[(&str, i64)]) -> Answers {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), AnswerValue::Number(*v)))
            .collect()
    }

    fn sus_answers(odd: i64, even: i64) -> Answers {
        answers(
            &(1..=10)
                .map(|i| {
                    let key: &'static str = Box::leak(format!("sus{i}").into_boxed_str());
                    (key, if i % 2 == 1 { odd } else { even })
                })
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn sus_of_known_answer_sets() {
        // All 3: 2.5 × (5·2 + 5·2) = 50. Odd 5, even 1: 2.5 × (5·4 + 5·4) = 100.
        assert_eq!(sus(&sus_answers(3, 3)), Some(50.0));
        assert_eq!(sus(&sus_answers(5, 1)), Some(100.0));
        assert_eq!(sus(&sus_answers(1, 5)), Some(0.0));
        // 4,2,4,1,4,2,5,1,4,2: odd 3+3+3+4+3 = 16, even 3+4+3+4+3 = 17 → 82.5.
        let mixed = answers(&[
            ("sus1", 4),
            ("sus2", 2),
            ("sus3", 4),
            ("sus4", 1),
            ("sus5", 4),
            ("sus6", 2),
            ("sus7", 5),
            ("sus8", 1),
            ("sus9", 4),
            ("sus10", 2),
        ]);
        assert_eq!(sus(&mixed), Some(82.5));
        let mut missing = sus_answers(3, 3);
        missing.remove("sus7");
        assert_eq!(sus(&missing), None);
    }

    #[test]
    fn umux_lite_raw_score() {
        // (7 + 6 − 2) / 12 × 100 = 91.67; SUS-equivalent 0.65 × 91.67 + 22.9 = 82.48.
        let raw = umux_lite(&answers(&[("umux1", 7), ("umux2", 6)])).unwrap();
        assert!((raw - 91.666_666).abs() < 1e-5);
        assert_eq!(umux_lite(&answers(&[("umux1", 7)])), None);
    }

    #[test]
    fn nyttoindex_maps_the_mean_benefit_answer_to_0_100() {
        let items = [
            Item::untitled("nytta1", ItemKind::Likert7, ScaleTag::Benefit),
            Item::untitled("nytta2", ItemKind::Likert7, ScaleTag::Benefit),
            Item::untitled("nytta3", ItemKind::Likert7, ScaleTag::Benefit),
            Item::untitled("tid", ItemKind::MinutesPerWeek, ScaleTag::Time),
        ];
        // 6, 5, 6: mean 17/3, (17/3 − 1)/6 × 100 = 77.78.
        let scores = score(
            &items,
            &answers(&[("nytta1", 6), ("nytta2", 5), ("nytta3", 6), ("tid", -15)]),
        );
        assert!((scores.nyttoindex.unwrap() - 77.777_777).abs() < 1e-5);
        assert_eq!(scores.minutes_per_week, Some(-15.0));
        assert_eq!((scores.sus, scores.nps), (None, None));
        assert_eq!(nyttoindex(&items, &answers(&[("tid", 5)])), None);
    }
}
