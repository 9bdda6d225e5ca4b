//! Insatser in words: a benefit's realisation status, the nyttoanalys's rule about
//! insatser (`wording.toml`), and one measured benefit as a line of text, for the
//! report and the objektägare's digest. Too few answers is said, never given a number.

use super::{metric_name, words};
use crate::{
    domain::Language,
    numbers::{number, percent},
    stats::{
        insatser::RealisationStatus,
        nyttoanalys::insatser::{InsatsRule, NotRealised, RealisationLine},
    },
};

pub fn realisation_status(status: RealisationStatus, lang: Language) -> &'static str {
    words().get(&format!("realisation.{}", status.as_str()), lang)
}

/// What to do.
pub fn insats_rule(rule: InsatsRule, lang: Language) -> &'static str {
    words().get(&format!("insats_rule.{}.action", rule.as_str()), lang)
}

/// When the rule proposes (for the report's method section).
pub fn insats_rule_applies_when(rule: InsatsRule, lang: Language) -> &'static str {
    words().get(&format!("insats_rule.{}.applies", rule.as_str()), lang)
}

/// When the rule is silent (for the report's method section).
pub fn insats_rule_silent_when(rule: InsatsRule, lang: Language) -> &'static str {
    words().get(&format!("insats_rule.{}.silent", rule.as_str()), lang)
}

/// A measured figure: one decimal, NPS none.
fn figure(line_metric: crate::domain::Metric, value: f64, lang: Language) -> String {
    let decimals = if line_metric == crate::domain::Metric::Nps {
        0
    } else {
        1
    };
    number(value, decimals, lang)
}

/// "uppnått: SUS 71,8 (n = 483), realiserad andel 98 %" — or only the status when the
/// round had too few answers.
pub fn measured(line: &RealisationLine, lang: Language) -> String {
    let status = realisation_status(line.status, lang);
    let Some(m) = line.measured else {
        return status.to_owned();
    };
    let share = m.realised_share.map_or_else(String::new, |s| {
        let word = if lang == Language::Sv {
            "realiserad andel"
        } else {
            "realised share"
        };
        format!(", {word} {}", percent(s, lang))
    });
    format!(
        "{status}: {} {} (n = {}){share}",
        metric_name(line.metric, lang),
        figure(line.metric, m.mean, lang),
        m.n
    )
}

/// "Högre SUS i Lönesystemet, 2026-Q3: uppnått: SUS 71,8 (n = 483), realiserad andel 98 %".
pub fn realisation_line(line: &RealisationLine, lang: Language) -> String {
    let within = if lang == Language::Sv { "i" } else { "in" };
    format!(
        "{} {within} {}, {}: {}",
        line.benefit,
        line.service,
        line.round,
        measured(line, lang)
    )
}

/// The benefits a review rests on: each with its baseline, target and two rounds.
pub fn not_realised_evidence(evidence: &[NotRealised], lang: Language) -> String {
    let (baseline_word, target_word) = if lang == Language::Sv {
        ("utgångsvärde", "mål")
    } else {
        ("baseline", "target")
    };
    evidence
        .iter()
        .map(|e| {
            let baseline = e
                .baseline
                .map_or_else(|| "–".to_owned(), |b| figure(e.metric, b, lang));
            let rounds: Vec<String> = e
                .rounds
                .iter()
                .map(|r| format!("{} {}", r.round, measured(r, lang)))
                .collect();
            format!(
                "{} ({baseline_word} {baseline}, {target_word} {}): {}",
                e.benefit,
                figure(e.metric, e.target, lang),
                rounds.join("; ")
            )
        })
        .collect::<Vec<_>>()
        .join(". ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        domain::Metric,
        stats::nyttoanalys::insatser::{InsatsName, MeasuredLine},
    };

    fn line(status: RealisationStatus, measured: Option<MeasuredLine>) -> RealisationLine {
        RealisationLine {
            name: InsatsName {
                insats_id: 1,
                insats: "Självservice".into(),
                owner_id: None,
                owner: None,
            },
            benefit: "Högre SUS".into(),
            service_id: 1,
            service: "Lönesystemet".into(),
            metric: Metric::Sus,
            round: "2026-Q3".into(),
            status,
            baseline: Some(61.8),
            target: 72.0,
            measured,
        }
    }

    #[test]
    fn every_status_and_rule_has_its_words_in_both_languages() {
        for status in [
            RealisationStatus::Achieved,
            RealisationStatus::Progressing,
            RealisationStatus::NotRealised,
            RealisationStatus::Worse,
            RealisationStatus::TooFewAnswers,
            RealisationStatus::Pending,
        ] {
            assert!(words().has(&format!("realisation.{}", status.as_str())));
        }
        for rule in InsatsRule::ALL {
            for part in ["action", "applies", "silent"] {
                assert!(words().has(&format!("insats_rule.{}.{part}", rule.as_str())));
            }
        }
    }

    #[test]
    fn a_line_gives_its_figures_and_too_few_answers_none() {
        let shown = line(
            RealisationStatus::Progressing,
            Some(MeasuredLine {
                n: 483,
                mean: 71.8,
                ci: Some((70.8, 72.8)),
                // (71.8 − 61.8)/(72 − 61.8) = 0.980
                realised_share: Some(10.0 / 10.2),
            }),
        );
        assert_eq!(
            realisation_line(&shown, Language::Sv),
            "Högre SUS i Lönesystemet, 2026-Q3: på väg: SUS 71,8 (n = 483), realiserad andel 98\u{a0}%"
        );
        let few = line(RealisationStatus::TooFewAnswers, None);
        assert_eq!(
            realisation_line(&few, Language::En),
            "Högre SUS in Lönesystemet, 2026-Q3: too few answers"
        );
    }
}
