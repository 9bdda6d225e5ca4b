//! Words as readers read them, shared by pages, emails, charts and reports: each
//! metric's name and what its scale means, the one word for a significant change, and
//! (`nyttoanalys`) the flags and proposals that `stats` gives as codes. Longer texts are
//! data files beside this module, `key = { sv = "…", en = "…" }`.

mod nyttoanalys;
mod words;

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
    if significant {
        say(lang, "statistiskt säkerställd", "statistically significant")
    } else {
        say(
            lang,
            "inte statistiskt säkerställd",
            "not statistically significant",
        )
    }
}

pub fn metric_name(metric: Metric, lang: Language) -> String {
    match metric {
        Metric::Sus => "SUS".into(),
        Metric::UmuxLite => "UMUX-Lite".into(),
        Metric::Nyttoindex => say(lang, "Nyttoindex", "Benefit index"),
        Metric::Nps => "NPS".into(),
        Metric::Tidsvinst => say(lang, "Tidsvinst", "Time saved"),
    }
}

/// What a metric's numbers mean: its scale and what to compare it with.
pub fn metric_scale(metric: Metric, lang: Language) -> String {
    let (average, unacceptable) = (
        number(SUS_AVERAGE, 0, lang),
        number(SUS_UNACCEPTABLE, 0, lang),
    );
    match metric {
        Metric::Sus => say(
            lang,
            &format!(
                "användbarhet, 0–100. {average} är genomsnittet för IT-system; under {unacceptable} är inte godtagbart."
            ),
            &format!(
                "usability, 0–100. {average} is the average for IT systems; below {unacceptable} is not acceptable."
            ),
        ),
        Metric::UmuxLite => say(
            lang,
            "användbarhet med två frågor, omräknad till SUS-skalan (0–100).",
            "usability from two questions, converted to the SUS scale (0–100).",
        ),
        Metric::Nyttoindex => say(
            lang,
            "hur mycket tjänsten hjälper i arbetet, 0–100 (nyttofrågornas 1–7 omräknade); 50 är skalans mitt.",
            "how much the service helps in the work, 0–100 (the benefit questions' 1–7 converted); 50 is the middle of the scale.",
        ),
        Metric::Nps => say(
            lang,
            "−100 till 100: andelen som svarar 9–10 minus andelen som svarar 0–6 på om de skulle rekommendera tjänsten.",
            "−100 to 100: the share answering 9–10 minus the share answering 0–6 to whether they would recommend the service.",
        ),
        Metric::Tidsvinst => say(
            lang,
            "minuter per vecka och användare som tjänsten sparar (negativt: tid som går förlorad).",
            "minutes a week per user that the service saves (negative: time lost).",
        ),
    }
}
