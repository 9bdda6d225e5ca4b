//! What came of answering, as a respondent reads it ("ni sa – vi gör"): the service's
//! published actions on the thank-you page, and `/s/{token}/results` with the last
//! released round's figures (only what passed the anonymity threshold: `Figure::shown()`)
//! and every published action.

use chrono::{DateTime, Utc};
use chrono_tz::Europe::Stockholm;
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
fn action_lines(actions: &[Action], lang: Language) -> Vec<Value> {
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

/// What the thank-you page says about the results: when (the round's closing day) and
/// to whom (the service's objektägare and Kommunledningskontoret), never to whom not.
pub struct ResultsNotice<'a> {
    pub service: &'a str,
    pub closes_at: DateTime<Utc>,
    pub still_open: bool,
    pub min_group_size: u32,
    /// What the service does about earlier answers, at most three.
    pub actions: &'a [crate::domain::action::Action],
    /// The service's results page (`/s/{token}/results`); none for an open link.
    pub results_href: Option<String>,
}

pub fn thanks(lang: Language, notice: &ResultsNotice) -> Response {
    let ResultsNotice {
        service,
        closes_at,
        still_open,
        min_group_size,
        ..
    } = notice;
    let day = calendar_day(*closes_at, lang);
    let (sv_when, en_when) = if *still_open {
        (
            format!("Enkäten stänger {day}."),
            format!("The survey closes on {day}."),
        )
    } else {
        (
            format!("Enkäten stängde {day}."),
            format!("The survey closed on {day}."),
        )
    };
    let sv_where = format!(
        "{sv_when} Då sammanställs svaren, och resultatet för {service} redovisas för tjänstens \
         objektägare och för Kommunledningskontoret. Till dess är ditt svar krypterat. Resultat \
         visas bara för grupper med minst {min_group_size} svar och kopplas aldrig till ditt \
         namn."
    );
    let en_where = format!(
        "{en_when} Then the answers are compiled, and the results for {service} are reported to \
         the service's owner (objektägare) and to Kommunledningskontoret, the municipality's \
         central office. Until then your answer is stored encrypted. Results are shown only for \
         groups of at least {min_group_size} answers and are never linked to your name."
    );
    let (title, paragraphs) = if lang == Language::En {
        (
            "Thank you for your answer!",
            [
                "Your answer has been saved. It helps the municipality improve the service.",
                &en_where,
            ],
        )
    } else {
        (
            "Tack för ditt svar!",
            [
                "Ditt svar är sparat. Det hjälper kommunen att förbättra tjänsten.",
                &sv_where,
            ],
        )
    };
    page(
        "thanks.html",
        context! {
            lang => lang.as_str(),
            title,
            paragraphs,
            service,
            actions => action_lines(notice.actions, lang),
            results_href => &notice.results_href,
        },
        StatusCode::OK,
    )
}

/// `den 15 december 2026` / `15 December 2026`, in Stockholm time.
fn calendar_day(instant: DateTime<Utc>, lang: Language) -> String {
    crate::numbers::long_date(instant.with_timezone(&Stockholm).date_naive(), lang)
}
