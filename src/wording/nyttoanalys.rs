//! The nyttoanalys in words: its flags and proposal rules (`wording.toml`), the
//! figures a proposal rests on, and a line's status. `stats::nyttoanalys` gives codes
//! and numbers; pages, emails, reports and the API write them through here.

use super::{significance_level, words};
use crate::{
    domain::Language,
    numbers::{self, number, percent},
    stats::nyttoanalys::{ChangedMetric, Evidence, Flag, LineStatus, Proposal, ProposalRule},
};

pub fn flag(flag: Flag, lang: Language) -> &'static str {
    words().get(&format!("flag.{}", flag.as_str()), lang)
}

/// What to do.
pub fn rule(rule: ProposalRule, lang: Language) -> &'static str {
    words().get(&format!("rule.{}.action", rule.as_str()), lang)
}

/// When the rule proposes (for the report's method section).
pub fn rule_applies_when(rule: ProposalRule, lang: Language) -> String {
    words()
        .get(&format!("rule.{}.applies", rule.as_str()), lang)
        .replace("{alpha}", &significance_level(lang))
}

/// When the rule is silent (for the report's method section).
pub fn rule_silent_when(rule: ProposalRule, lang: Language) -> &'static str {
    words().get(&format!("rule.{}.silent", rule.as_str()), lang)
}

/// The figures a proposal rests on: "SUS 42,5 (n = 31; 95 % KI 38,0–47,0); 600 användare".
pub fn evidence(evidence: &[Evidence], lang: Language) -> String {
    evidence
        .iter()
        .map(|e| one_evidence(e, lang))
        .collect::<Vec<_>>()
        .join("; ")
}

/// What to do, with the figures behind it in brackets (when it names any).
pub fn proposal(proposal: &Proposal, lang: Language) -> String {
    let action = rule(proposal.rule, lang);
    match evidence(&proposal.evidence, lang) {
        figures if figures.is_empty() => action.to_owned(),
        figures => format!("{action} ({figures})"),
    }
}

pub fn line_status(status: LineStatus, lang: Language) -> &'static str {
    let key = match status {
        LineStatus::Shown => "status.shown",
        LineStatus::TooFewAnswers => "status.too_few_answers",
        LineStatus::NoRound => "status.no_round",
    };
    words().get(key, lang)
}

pub fn changed_metric(metric: ChangedMetric) -> &'static str {
    match metric {
        ChangedMetric::Sus => "SUS",
        ChangedMetric::Nyttoindex => "Nyttoindex",
    }
}

/// `+3,1` or `−2,0`: a change with its sign.
pub fn signed(difference: f64, lang: Language) -> String {
    if difference > 0.0 {
        format!("+{}", number(difference, 1, lang))
    } else {
        number(difference, 1, lang)
    }
}

/// `p = 0,031`, or `p < 0,001` for smaller values.
pub fn p_value(p: f64, lang: Language) -> String {
    if p < 0.001 {
        format!("p < {}", number(0.001, 3, lang))
    } else {
        format!("p = {}", number(p, 3, lang))
    }
}

fn one_evidence(evidence: &Evidence, lang: Language) -> String {
    let sv = lang == Language::Sv;
    let ci_word = if sv { "KI" } else { "CI" };
    match evidence {
        Evidence::Sus { mean, n, ci } => {
            let interval = ci.map_or_else(String::new, |(low, high)| {
                format!(
                    "; 95\u{a0}% {ci_word} {}–{}",
                    number(low, 1, lang),
                    number(high, 1, lang)
                )
            });
            format!("SUS {} (n = {n}{interval})", number(*mean, 1, lang))
        }
        Evidence::Users { users } => format!(
            "{} {}",
            number(f64::from(*users), 0, lang),
            if sv { "användare" } else { "users" }
        ),
        Evidence::BenefitCost { round, ratio, ci } => {
            let interval = ci.map_or_else(String::new, |(low, high)| {
                format!(
                    " (95\u{a0}% {ci_word} {}–{})",
                    numbers::ratio(low, lang),
                    numbers::ratio(high, lang)
                )
            });
            format!(
                "{} {}{interval} {round}",
                if sv { "nytta/kostnad" } else { "benefit/cost" },
                numbers::ratio(*ratio, lang)
            )
        }
        Evidence::ResponseRate {
            answered,
            delivered,
            share,
        } => {
            let (rate, of) = if sv {
                ("svarsfrekvens", "av")
            } else {
                ("response rate", "of")
            };
            format!(
                "{rate} {} ({answered} {of} {delivered})",
                percent(*share, lang)
            )
        }
        Evidence::Change {
            metric,
            difference,
            p,
        } => {
            let (name, signed, p) = (
                changed_metric(*metric),
                signed(*difference, lang),
                p_value(*p, lang),
            );
            if sv {
                format!("{name} {signed} poäng sedan förra omgången ({p})")
            } else {
                format!("{name} {signed} points since the previous round ({p})")
            }
        }
        Evidence::TooFewAnswers {
            answered,
            delivered,
            min_group_size,
        } => {
            if sv {
                format!("{answered} svar av {delivered} inbjudna; minst {min_group_size} behövs")
            } else {
                format!(
                    "{answered} answers of {delivered} invited; at least {min_group_size} are needed"
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flag_rule_and_status_has_its_words_in_both_languages() {
        let mut keys: Vec<String> = Flag::ALL
            .iter()
            .map(|f| format!("flag.{}", f.as_str()))
            .collect();
        for rule in ProposalRule::ALL {
            for part in ["action", "applies", "silent"] {
                keys.push(format!("rule.{}.{part}", rule.as_str()));
            }
        }
        keys.extend(
            ["status.shown", "status.too_few_answers", "status.no_round"].map(String::from),
        );
        for key in keys {
            assert!(words().has(&key), "{key}");
        }
    }

    #[test]
    fn the_drop_rule_states_the_significance_level() {
        assert!(
            rule_applies_when(ProposalRule::InvestigateDrop, Language::Sv).ends_with("(p < 0,05)")
        );
        assert!(
            rule_applies_when(ProposalRule::InvestigateDrop, Language::En).ends_with("(p < 0.05)")
        );
        assert_eq!(
            flag(Flag::SusBelow50, Language::Sv),
            "SUS under 50 (inte godtagbart)"
        );
    }
}
