//! What came of answering, as a respondent reads it ("ni sa – vi gör"): the service's
//! published actions on the thank-you page, and `/s/{token}/results` with the last
//! released round's figures (only what passed the anonymity threshold: `Figure::shown()`)
//! and every published action.

use minijinja::{Value, context};
use poem::{Response, http::StatusCode};

use super::pages::page;
use crate::{
    domain::{
        Language, RespondentKind,
        action::{Action, ActionStatus},
    },
    numbers::{long_date, number},
    stats::{Metric, aggregate::SegmentKey, series::Figure},
    usecases::actions::ServiceNews,
    wording::{action_status, metric_name, metric_scale, say},
};

/// Each action as one line: its title and where it stands.
pub fn action_lines(actions: &[Action], lang: Language) -> Vec<Value> {
    actions
        .iter()
        .map(|a| context! { title => a.details.title, status => action_status(a.details.status, lang) })
        .collect()
}

/// When a done action was done, or when an open one is due.
fn when(action: &Action, lang: Language) -> Option<String> {
    match (
        action.details.status,
        action.details.done_on,
        action.details.due_on,
    ) {
        (ActionStatus::Done, Some(done), _) => Some(long_date(done, lang)),
        (ActionStatus::Planned | ActionStatus::InProgress, _, Some(due)) => Some(say(
            lang,
            &format!("senast {}", long_date(due, lang)),
            &format!("by {}", long_date(due, lang)),
        )),
        _ => None,
    }
}

fn group_name(segment: &SegmentKey, lang: Language) -> String {
    match segment {
        SegmentKey::All => say(lang, "Alla svar", "All answers"),
        SegmentKey::Kind(RespondentKind::Internal) => say(lang, "Anställda", "Employees"),
        SegmentKey::Kind(RespondentKind::External) => {
            say(lang, "Invånare och företag", "Residents and businesses")
        }
        SegmentKey::OpenLink => say(lang, "Via öppen länk", "Through the open link"),
        SegmentKey::Department(name) => name.clone(),
    }
}

/// One group's figures: the number where it passed the threshold, else only "too few
/// answers" (never a number below the threshold).
fn group(
    segment: &SegmentKey,
    figures: &std::collections::BTreeMap<Metric, Figure>,
    lang: Language,
) -> Value {
    let cells: Vec<Value> = figures
        .iter()
        .filter_map(|(metric, figure)| {
            let text = match figure.shown() {
                Some(shown) => number(shown.mean?, 1, lang),
                None => say(lang, "för få svar", "too few answers"),
            };
            Some(context! { name => metric_name(*metric, lang), text })
        })
        .collect();
    // What an open link cannot promise, beside its figures.
    let note = matches!(segment, SegmentKey::OpenLink).then(|| {
        say(
            lang,
            "Vem som helst med länken kan svara, en gång per webbläsare: det här är svar, inte personer.",
            "Anyone with the link can answer, once per browser: these are answers, not people.",
        )
    });
    context! { name => group_name(segment, lang), cells, note }
}

pub fn results_page(news: &ServiceNews, lang: Language) -> Response {
    let latest = news.latest.as_ref().map(|entry| {
        let mut groups = vec![group(&SegmentKey::All, &entry.figures, lang)];
        groups.extend(
            entry
                .segments
                .iter()
                .map(|(segment, figures)| group(segment, figures, lang)),
        );
        let scales: Vec<Value> = entry
            .figures
            .keys()
            .map(|m| context! { name => metric_name(*m, lang), scale => metric_scale(*m, lang) })
            .collect();
        context! { period => entry.round.period, groups, scales }
    });
    let actions: Vec<Value> = news
        .actions
        .iter()
        .map(|a| {
            context! {
                title => a.details.title,
                status => action_status(a.details.status, lang),
                when => when(a, lang),
                text => a.details.public_text,
            }
        })
        .collect();
    page(
        "results.html",
        context! {
            lang => lang.as_str(),
            title => say(
                lang,
                &format!("Resultat för {}", news.service_name),
                &format!("Results for {}", news.service_name),
            ),
            service => news.service_name,
            latest,
            actions,
            min_group => news.min_group_size,
        },
        StatusCode::OK,
    )
}
