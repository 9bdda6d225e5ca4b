//! Words as readers read them, shared by pages, emails, charts and reports: each
//! metric's name and what its scale means, the one word for a significant change, and
//! (`nyttoanalys`) the flags and proposals that `stats` gives as codes. The words are
//! data, `wording.toml` beside this module (`key = { sv = "…", en = "…" }`).

mod insatser;
mod nyttoanalys;
mod words;

pub use insatser::{
    insats_rule, insats_rule_applies_when, insats_rule_silent_when,
    measured as realisation_measured, not_realised_evidence, realisation_line, realisation_status,
};
pub use nyttoanalys::{
    changed_metric, evidence, flag, line_status, p_value, proposal, rule, rule_applies_when,
    rule_silent_when, signed,
};
pub use words::Words;

use crate::{
    domain::Language,
    numbers::number,
    stats::{
        Metric,
        nyttoanalys::{SUS_AVERAGE, SUS_UNACCEPTABLE},
        summary::SIGNIFICANCE_LEVEL,
    },
};

/// `sv` or `en`, as `lang` reads.
pub fn say(lang: Language, sv: &str, en: &str) -> String {
    if lang == Language::En { en } else { sv }.to_owned()
}

/// The significance level as `lang` writes it: `0,05`, `0.05`.
pub fn significance_level(lang: Language) -> String {
    number(SIGNIFICANCE_LEVEL, 2, lang)
}

/// "statistiskt säkerställd" or not: the one word for a change's significance (decided
/// in `stats`: `Change::significant`).
pub fn significance(significant: bool, lang: Language) -> String {
    let key = if significant {
        "significance.yes"
    } else {
        "significance.no"
    };
    words().get(key, lang).to_owned()
}

pub fn metric_name(metric: Metric, lang: Language) -> String {
    words()
        .get(&format!("metric.{}.name", metric.as_str()), lang)
        .to_owned()
}

/// What a metric's numbers mean: its scale and what to compare it with.
pub fn metric_scale(metric: Metric, lang: Language) -> String {
    words()
        .get(&format!("metric.{}.scale", metric.as_str()), lang)
        .replace("{average}", &number(SUS_AVERAGE, 0, lang))
        .replace("{unacceptable}", &number(SUS_UNACCEPTABLE, 0, lang))
}

/// The name of a group a service lacks (no förvaltning, no objektägare).
pub fn no_group(lang: Language) -> &'static str {
    words().get("group.none", lang)
}

/// Where an action stands, one word: `klar`, `done`.
pub fn action_status(status: crate::domain::action::ActionStatus, lang: Language) -> &'static str {
    words().get(&format!("action.status.{}", status.as_str()), lang)
}

/// The words file, read once.
fn words() -> &'static Words {
    static WORDS: std::sync::OnceLock<Words> = std::sync::OnceLock::new();
    WORDS.get_or_init(|| Words::parse(include_str!("wording.toml")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_has_a_name_and_a_scale_in_both_languages() {
        for metric in Metric::ALL {
            for part in ["name", "scale"] {
                assert!(words().has(&format!("metric.{}.{part}", metric.as_str())));
            }
        }
        assert_eq!(
            metric_name(Metric::Nyttoindex, Language::En),
            "Benefit index"
        );
        assert_eq!(
            metric_scale(Metric::Sus, Language::Sv),
            "användbarhet, 0–100. 68 är genomsnittet för IT-system; under 50 är inte godtagbart."
        );
        assert_eq!(
            significance(false, Language::Sv),
            "inte statistiskt säkerställd"
        );
    }

    #[test]
    fn every_action_status_has_a_word_in_both_languages() {
        use crate::domain::action::ActionStatus;
        for status in ActionStatus::ALL {
            assert!(words().has(&format!("action.status.{}", status.as_str())));
        }
        assert_eq!(action_status(ActionStatus::Done, Language::Sv), "klar");
    }
}
