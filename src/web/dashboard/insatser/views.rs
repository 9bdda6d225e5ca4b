//! How the insatser pages write what the use cases computed: statuses in words, the
//! planned kalkyl in whole kronor (a plan's own figures), what was measured in rounded
//! thousands with its interval (an estimate from answers, as the results write it), and
//! a benefit with too few answers as that status and nothing else.

use std::collections::BTreeMap;

use minijinja::{Value, context};

use super::super::{lang_query, say};
use crate::{
    domain::{Language, insats::InsatsStatus},
    numbers::{kronor, kronor_range, number, percent, ratio},
    stats::insatser::{
        BaselineFigure, KalkylFigures, Priority, RealisationStatus, ReferenceClass,
        RoundRealisation,
    },
    usecases::insatser::{
        pages::{InsatsLine, PlannedKalkyl},
        portfolio::BenefitRealisation,
    },
    wording::metric_name,
};

pub(super) fn insats_status(status: InsatsStatus, lang: Language) -> String {
    let (sv, en) = match status {
        InsatsStatus::Proposal => ("Förslag", "Proposal"),
        InsatsStatus::Assessed => ("Bedömd", "Assessed"),
        InsatsStatus::Decided => ("Beslutad", "Decided"),
        InsatsStatus::InProgress => ("Pågår", "In progress"),
        InsatsStatus::Live => ("I drift", "Live"),
        InsatsStatus::FollowedUp => ("Uppföljd", "Followed up"),
        InsatsStatus::Rejected => ("Avslagen", "Rejected"),
    };
    say(lang, sv, en)
}

fn realisation_status(status: RealisationStatus, lang: Language) -> String {
    let (sv, en) = match status {
        RealisationStatus::Achieved => ("Målet nått", "Target reached"),
        RealisationStatus::Progressing => ("På väg mot målet", "Progressing"),
        RealisationStatus::NotRealised => ("Ingen säkerställd förändring", "No significant change"),
        RealisationStatus::Worse => ("Försämrad", "Worse"),
        RealisationStatus::TooFewAnswers => ("För få svar", "Too few answers"),
        RealisationStatus::Pending => (
            "Ingen mätning efter driftstart ännu",
            "Not measured after go-live yet",
        ),
    };
    say(lang, sv, en)
}

/// A planned amount in whole kronor: `1 234 567 kr`, `SEK 1,234,567`.
pub(super) fn planned_kronor(sek: f64, lang: Language) -> String {
    match lang {
        Language::Sv => format!("{}\u{a0}kr", number(sek, 0, lang)),
        Language::En => format!("SEK\u{a0}{}", number(sek, 0, lang)),
    }
}

fn ci_text(ci: Option<(f64, f64)>, lang: Language) -> Option<String> {
    ci.map(|(low, high)| format!("{}–{}", number(low, 1, lang), number(high, 1, lang)))
}

fn payback(year: Option<u32>, lang: Language) -> String {
    match year {
        Some(year) => say(lang, &format!("år {year}"), &format!("year {year}")),
        None => say(
            lang,
            "inte inom kalkylperioden",
            "not within the calculation period",
        ),
    }
}

/// A kalkyl's headline figures.
pub(super) fn figures(figures: &KalkylFigures, lang: Language) -> Value {
    context! {
        npv => planned_kronor(figures.npv_sek, lang),
        pv_benefits => planned_kronor(figures.pv_benefits_sek, lang),
        pv_costs => planned_kronor(figures.pv_costs_sek, lang),
        benefit_cost => figures.benefit_cost_ratio.map(|r| ratio(r, lang)),
        npv_per_krona => figures.npv_per_invested_krona.map(|r| number(r, 2, lang)),
        payback => payback(figures.payback_year, lang),
        financial_npv => planned_kronor(figures.financial_npv_sek, lang),
        low_npv => planned_kronor(figures.sensitivity.low_npv_sek, lang),
        high_npv => planned_kronor(figures.sensitivity.high_npv_sek, lang),
        unvalued => figures.unvalued_benefits,
    }
}

pub(super) fn planned(planned: &PlannedKalkyl, lang: Language) -> Value {
    context! {
        version => planned.version,
        decided => planned.decided,
        ..figures(&planned.figures, lang)
    }
}

fn baseline_text(baseline: &BaselineFigure, lang: Language) -> String {
    match baseline {
        BaselineFigure::Round {
            period, summary, ..
        } => format!(
            "{} ({period}, n\u{a0}=\u{a0}{})",
            number(summary.mean, 1, lang),
            summary.n
        ),
        BaselineFigure::Value { value, period, n } => {
            format!("{} ({period}, n\u{a0}=\u{a0}{n})", number(*value, 1, lang))
        }
        BaselineFigure::TooFewAnswers { period, .. } => format!(
            "{} ({period})",
            realisation_status(RealisationStatus::TooFewAnswers, lang)
        ),
        BaselineFigure::Missing => say(lang, "Saknas", "Missing"),
    }
}

/// One round of a benefit: its status, and its figures only when it has them.
pub(super) fn round(round: &RoundRealisation, lang: Language) -> Value {
    let measured = round.measured.map(|m| {
        let sek = m.realised_sek.map(|sek| {
            context! {
                value => kronor(sek.value_sek, lang),
                ci => sek.ci_sek.map(|(low, high)| kronor_range(low, high, lang)),
                planned => sek.planned_sek.map(|p| kronor(p, lang)),
            }
        });
        context! {
            n => m.n,
            mean => number(m.mean, 1, lang),
            ci => ci_text(m.ci, lang),
            share => m.realised_share.map(|s| percent(s, lang)),
            sek,
        }
    });
    context! {
        period => round.period.clone(),
        status => realisation_status(round.status, lang),
        status_code => round.status.as_str(),
        measured,
    }
}

/// A measured benefit with its latest round (the one its status is from).
pub(super) fn benefit(
    benefit: &BenefitRealisation,
    service_names: &BTreeMap<i32, String>,
    lang: Language,
) -> Value {
    let realisation = &benefit.realisation;
    let latest = realisation.rounds.last();
    context! {
        index => benefit.index,
        description => benefit.description.clone(),
        service => service_names.get(&benefit.service_id).cloned().unwrap_or_default(),
        metric => metric_name(realisation.metric, lang),
        baseline => baseline_text(&realisation.baseline, lang),
        target => number(realisation.target, 1, lang),
        status => realisation_status(realisation.status, lang),
        status_code => realisation.status.as_str(),
        latest => latest.map(|r| round(r, lang)),
        rounds => realisation.rounds.iter().map(|r| round(r, lang)).collect::<Vec<_>>(),
    }
}

/// An insats as the lists show it: its status, dates, plan and measured benefits.
pub(super) fn line(
    line: &InsatsLine,
    service_names: &BTreeMap<i32, String>,
    lang: Language,
) -> Value {
    let insats = line.insats();
    context! {
        id => insats.id,
        name => insats.details.name.clone(),
        href => format!("/dashboard/insatser/{}{}", insats.id, lang_query(lang)),
        status => insats_status(insats.status, lang),
        decided_on => insats.decided_on.map(|d| d.to_string()),
        planned_live_on => insats.details.planned_live_on.map(|d| d.to_string()),
        live_on => insats.live_on.map(|d| d.to_string()),
        planned => line.planned.as_ref().map(|p| planned(p, lang)),
        realised_share => line.realisation.realised_share.map(|s| percent(s, lang)),
        benefits => line.realisation.benefits.iter().map(|b| benefit(b, service_names, lang)).collect::<Vec<_>>(),
    }
}

/// A number to at most two decimals, trailing zeros dropped: `1`, `0,05`, `3,5`.
pub(super) fn short_number(value: f64, lang: Language) -> String {
    let text = number(value, 2, lang);
    if text.contains([',', '.']) {
        text.trim_end_matches('0')
            .trim_end_matches([',', '.'])
            .to_owned()
    } else {
        text
    }
}

/// A ranked insats's score, every component as value, criterion × weight = points.
pub(super) fn priority(
    priority: &Priority,
    figures: Option<&KalkylFigures>,
    lang: Language,
) -> Value {
    let component = |c: &crate::stats::insatser::Component| {
        context! {
            value => c.value.map_or_else(|| "–".to_owned(), |v| short_number(v, lang)),
            criterion => short_number(c.criterion, lang),
            weight => short_number(c.weight, lang),
            points => short_number(c.points, lang),
        }
    };
    context! {
        rank => priority.rank,
        score => number(priority.score, 2, lang),
        npv => figures.map(|f| planned_kronor(f.npv_sek, lang)),
        npv_per_krona => component(&priority.npv_per_krona),
        goals => component(&priority.goals),
        urgency => component(&priority.urgency),
        risk => component(&priority.risk),
        adjusted_npv => priority.adjusted_npv_sek.map(|v| planned_kronor(v, lang)),
    }
}

pub(super) fn reference(reference: &ReferenceClass, lang: Language) -> Value {
    context! {
        n => reference.n,
        median => reference.median_share.map(|m| percent(m, lang)),
        minimum => crate::stats::insatser::MIN_REFERENCE_CLASS,
    }
}
