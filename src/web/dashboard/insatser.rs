//! The insatser pages: the insatser a reader may see (an objektägare's own, where they
//! are nyttoägare) with planned against realised, one insats with its nyttokalkyl and a
//! chart per measured benefit (and a form to move its status, for whoever may), and
//! Kommunledningskontoret's portfolio: the ranking with every component, the
//! realisation of live insatser and the reference class.

mod views;

use chrono::NaiveDate;
use minijinja::{Value, context};
use poem::{
    Response, handler,
    http::StatusCode,
    web::{Data, Form, Path},
};
use serde::Deserialize;

use super::{SignedIn, lang_query, say, see_other, stale_form};
use crate::{
    domain::{
        Error, Language,
        insats::{InsatsStatus, nyttokalkyl::KalkylVersion},
        sign_in::tokens_match,
    },
    stats::insatser::KalkylFigures,
    usecases::{
        AppState,
        insatser::{
            self as insatser_usecases,
            pages::{self, InsatsPage},
        },
    },
    web::pages::page,
};

#[handler]
pub(super) async fn list(state: Data<&AppState>, signed: SignedIn) -> Response {
    let lang = signed.lang;
    let shown = match pages::insatser_page(&state, &signed.actor).await {
        Ok(shown) => shown,
        Err(error) => return signed.fail(error),
    };
    let lines: Vec<Value> = shown
        .lines
        .iter()
        .map(|line| views::line(line, &shown.service_names, lang))
        .collect();
    let title = if signed.actor.is_admin() {
        say(lang, "Alla insatser", "All initiatives (insatser)")
    } else {
        say(lang, "Dina insatser", "Your initiatives (insatser)")
    };
    page(
        "dashboard/insatser.html",
        context! {
            lang => lang.as_str(),
            title,
            lines,
            min_group => state.settings.survey.min_group_size,
            ..signed.context()
        },
        StatusCode::OK,
    )
}

/// One kalkyl version beside another: its inputs and figures.
fn version(version: &KalkylVersion, figures: &KalkylFigures, lang: Language) -> Value {
    let kalkyl = &version.kalkyl;
    context! {
        version => version.version,
        decided_at => version.decided_at.map(|at| at.with_timezone(&chrono_tz::Europe::Stockholm).date_naive().to_string()),
        years => kalkyl.calculation_years,
        rate => views::short_number(100.0 * kalkyl.discount_rate, lang),
        investment => views::planned_kronor(kalkyl.investment_sek, lang),
        running => views::planned_kronor(kalkyl.annual_running_cost_sek, lang),
        benefits => kalkyl.benefits.iter().zip(&figures.benefits).map(|(b, priced)| context! {
            description => b.description.clone(),
            category => category(b.category, lang),
            annual => priced.annual_sek.map(|sek| views::planned_kronor(sek, lang)),
            from_year => b.from_year,
        }).collect::<Vec<_>>(),
        ..views::figures(figures, lang)
    }
}

fn category(
    category: crate::domain::insats::nyttokalkyl::BenefitCategory,
    lang: Language,
) -> String {
    use crate::domain::insats::nyttokalkyl::BenefitCategory::*;
    let (sv, en) = match category {
        Financial => ("Finansiell", "Financial"),
        Redistribution => ("Omfördelning", "Redistribution"),
        Unvalued => ("Ej värderad", "Unvalued"),
    };
    say(lang, sv, en)
}

fn detail_view(shown: &InsatsPage, signed: &SignedIn, min_group: u32) -> Value {
    let lang = signed.lang;
    let insats = &shown.detail.insats;
    // The decided version beside the current one when a later edit made a new one.
    let mut versions = Vec::new();
    if let Some((decided, figures)) = shown.detail.decided() {
        versions.push(version(decided, figures, lang));
    }
    if let Some((current, figures)) = shown.detail.current()
        && shown
            .detail
            .decided()
            .is_none_or(|(decided, _)| decided.version != current.version)
    {
        versions.push(version(current, figures, lang));
    }
    let benefits: Vec<Value> = shown
        .line
        .realisation
        .benefits
        .iter()
        .map(|b| {
            let chart = shown.charts.get(&b.index).map(|c| {
                context! {
                    id => c.id.clone(),
                    title => c.title.clone(),
                    svg => Value::from_safe_string(c.svg.find("<svg").map_or(c.svg.as_str(), |at| &c.svg[at..]).to_owned()),
                }
            });
            context! { chart, ..views::benefit(b, &shown.service_names, lang) }
        })
        .collect();
    let services: Vec<String> = insats
        .details
        .service_ids
        .iter()
        .filter_map(|id| shown.service_names.get(id).cloned())
        .collect();
    let choices: Vec<Value> = shown
        .status_choices
        .iter()
        .map(|s| context! { code => s.as_str(), name => views::insats_status(*s, lang) })
        .collect();
    context! {
        title => insats.details.name.clone(),
        description => insats.details.description.clone(),
        sponsor => insats.details.sponsor.clone(),
        status => views::insats_status(insats.status, lang),
        owner => shown.owner.as_ref().map(|o| o.name.clone()),
        services,
        goals => shown.goals.iter().map(|g| g.title.clone()).collect::<Vec<_>>(),
        decided_on => insats.decided_on.map(|d| d.to_string()),
        planned_live_on => insats.details.planned_live_on.map(|d| d.to_string()),
        live_on => insats.live_on.map(|d| d.to_string()),
        urgency => insats.details.urgency,
        risk => insats.details.risk,
        versions,
        measured_version => shown.line.realisation.version,
        realised_share => shown.line.realisation.realised_share.map(|s| crate::numbers::percent(s, lang)),
        benefits,
        choices,
        status_action => format!("/dashboard/insatser/{}/status{}", insats.id, lang_query(lang)),
        back_href => format!("/dashboard/insatser{}", lang_query(lang)),
        lang => lang.as_str(),
        min_group,
        ..signed.context()
    }
}

#[handler]
pub(super) async fn detail(
    state: Data<&AppState>,
    Path(id): Path<i32>,
    signed: SignedIn,
) -> Response {
    let lang = signed.lang;
    let shown = match pages::insats_page(&state, &signed.actor, id, lang).await {
        Ok(shown) => shown,
        Err(error) => return signed.fail(error),
    };
    page(
        "dashboard/insats.html",
        detail_view(&shown, &signed, state.settings.survey.min_group_size),
        StatusCode::OK,
    )
}

#[derive(Debug, Deserialize)]
pub(super) struct StatusForm {
    csrf: Option<String>,
    status: Option<String>,
    /// The day it happened (`YYYY-MM-DD`); empty: today.
    on: Option<String>,
}

fn parse_status_form(form: &StatusForm) -> Result<(InsatsStatus, Option<NaiveDate>), Error> {
    let status = form
        .status
        .as_deref()
        .unwrap_or_default()
        .parse::<InsatsStatus>()
        .map_err(|problem| Error::invalid("status", problem))?;
    let on = match form.on.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(raw.parse::<NaiveDate>().map_err(|_| {
            Error::invalid("on", format!("`{raw}` is not a date: write YYYY-MM-DD"))
        })?),
    };
    Ok((status, on))
}

/// Moves an insats to the chosen status through the use case (its rule and audit).
#[handler]
pub(super) async fn change_status(
    state: Data<&AppState>,
    Path(id): Path<i32>,
    signed: SignedIn,
    Form(form): Form<StatusForm>,
) -> Response {
    if !tokens_match(&signed.csrf(), form.csrf.as_deref().unwrap_or_default()) {
        return stale_form(&signed);
    }
    let changed = match parse_status_form(&form) {
        Ok((to, on)) => insatser_usecases::change_status(&state, &signed.actor, id, to, on).await,
        Err(error) => Err(error),
    };
    match changed {
        Ok(_) => see_other(&format!(
            "/dashboard/insatser/{id}{}",
            lang_query(signed.lang)
        )),
        Err(error) => signed.fail(error),
    }
}

#[handler]
pub(super) async fn portfolio(state: Data<&AppState>, signed: SignedIn) -> Response {
    let lang = signed.lang;
    let shown = match pages::portfolio_page(&state, &signed.actor).await {
        Ok(shown) => shown,
        Err(error) => return signed.fail(error),
    };
    let ranked: Vec<Value> = shown
        .priorities
        .ranked
        .iter()
        .map(|r| {
            context! {
                name => r.insats.details.name.clone(),
                href => format!("/dashboard/insatser/{}{}", r.insats.id, lang_query(lang)),
                status => views::insats_status(r.insats.status, lang),
                ..views::priority(&r.priority, r.figures.as_ref(), lang)
            }
        })
        .collect();
    let measured: Vec<Value> = shown
        .measured
        .iter()
        .map(|line| views::line(line, &shown.service_names, lang))
        .collect();
    let weights = state.settings.insatser.weights;
    let weight = |w: f64| views::short_number(w, lang);
    page(
        "dashboard/portfolio.html",
        context! {
            lang => lang.as_str(),
            title => say(lang, "Portfölj av insatser", "Portfolio of initiatives (insatser)"),
            ranked,
            measured,
            reference => views::reference(&shown.priorities.reference, lang),
            weights => context! {
                npv_per_krona => weight(weights.npv_per_krona),
                goals => weight(weights.goals),
                urgency => weight(weights.urgency),
                risk => weight(weights.risk),
            },
            min_group => state.settings.survey.min_group_size,
            ..signed.context()
        },
        StatusCode::OK,
    )
}
