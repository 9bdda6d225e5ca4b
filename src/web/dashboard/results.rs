//! The result pages: Kommunledningskontoret's home (every service and owner, the
//! overview chart), an objektägare's home (their services, what needs attention) and a
//! service's page (rounds, nyttokalkyl, charts, comments by round).

use minijinja::{Value, context};
use poem::{
    Response, handler,
    http::StatusCode,
    web::{Data, Path},
};

use super::{SignedIn, say, tables};
use crate::{
    charts::{InlineChart, Point, Round},
    domain::{Language, Role},
    numbers::{kronor, kronor_range, number, ratio},
    stats::nyttoanalys::Assessment,
    usecases::{
        AppState, dashboard,
        results::{Comments, ServiceResults},
    },
    web::pages::{lang_query, page},
    wording,
};

#[handler]
pub(super) async fn home(state: Data<&AppState>, signed: SignedIn) -> Response {
    match signed.actor.role {
        Role::Owner { owner_id } => owner_view(&state, &signed, owner_id).await,
        Role::Admin => admin_view(&state, &signed).await,
    }
}

fn services_phrase(count: usize, lang: Language) -> String {
    match (count, lang) {
        (1, Language::Sv) => "1 aktiv tjänst".into(),
        (n, Language::Sv) => format!("{n} aktiva tjänster"),
        (1, Language::En) => "1 active service".into(),
        (n, Language::En) => format!("{n} active services"),
    }
}

async fn admin_view(state: &AppState, signed: &SignedIn) -> Response {
    let lang = signed.lang;
    let admin = match dashboard::admin_home(state, &signed.actor, lang).await {
        Ok(admin) => admin,
        Err(error) => return signed.fail(error),
    };
    let owners: Vec<Value> = admin
        .owners
        .iter()
        .map(|owner| {
            let services = admin
                .group
                .services
                .iter()
                .filter(|s| s.service.details.owner_id == Some(owner.id))
                .count();
            context! {
                name => owner.name.clone(),
                href => format!("/dashboard/owners/{}{}", owner.id, lang_query(lang)),
                services => services_phrase(services, lang),
            }
        })
        .collect();
    page(
        "dashboard/admin.html",
        context! {
            lang => lang.as_str(),
            title => say(lang, "Alla tjänster", "All services"),
            owners,
            overview => admin.overview.map(|c| chart_view(&c, lang)),
            ..overview_context(state, signed, &admin.group.services)
        },
        StatusCode::OK,
    )
}

#[handler]
pub(super) async fn owner_home(
    state: Data<&AppState>,
    Path(owner_id): Path<i32>,
    signed: SignedIn,
) -> Response {
    owner_view(&state, &signed, owner_id).await
}

async fn owner_view(state: &AppState, signed: &SignedIn, owner_id: i32) -> Response {
    let lang = signed.lang;
    let owner = match dashboard::owner_page(state, &signed.actor, owner_id, lang).await {
        Ok(owner) => owner,
        Err(error) => return signed.fail(error),
    };
    let title = if signed.actor.is_admin() {
        owner.owner.name.clone()
    } else {
        say(lang, "Dina tjänster", "Your services")
    };
    page(
        "dashboard/owner.html",
        context! {
            lang => lang.as_str(),
            title,
            owner => owner.owner.name.clone(),
            sparklines => owner.sparklines.iter().map(|(id, c)| (id.to_string(), inline_svg(c))).collect::<std::collections::BTreeMap<_, _>>(),
            attention => attention(&owner.attention, lang),
            ..overview_context(state, signed, &owner.group.services)
        },
        StatusCode::OK,
    )
}

/// What the admin's and an owner's overview share: the session's header and the services
/// table (a row per service, a column per metric shown, the legend, and the anonymity
/// threshold the page names).
fn overview_context(state: &AppState, signed: &SignedIn, services: &[ServiceResults]) -> Value {
    let lang = signed.lang;
    let services: Vec<&ServiceResults> = services.iter().collect();
    let columns = tables::columns(&services);
    let min_group = state.settings.survey.min_group_size;
    context! {
        services => tables::service_rows(&services, &columns, lang),
        headers => columns.iter().map(|m| tables::metric_name(*m, lang)).collect::<Vec<_>>(),
        legend => tables::legend(&columns, lang, min_group),
        min_group,
        ..signed.context()
    }
}

/// Flags and proposals per service, each with the figure behind it.
fn attention(assessments: &[Assessment], lang: Language) -> Vec<Value> {
    assessments
        .iter()
        .map(|a| {
            context! {
                service => a.line.name.clone(),
                href => format!("/dashboard/services/{}{}", a.line.service_id, lang_query(lang)),
                flags => a.flags().iter().map(|f| wording::flag(*f, lang)).collect::<Vec<_>>(),
                proposals => a.proposals.iter().map(|p| wording::proposal(p, lang)).collect::<Vec<_>>(),
            }
        })
        .collect()
}

/// Comments by round, newest first: the newest open, the older ones folded, each with
/// its count.
fn comment_rounds(comments: &[(String, Comments)], lang: Language, min_group: u32) -> Vec<Value> {
    comments
        .iter()
        .map(|(period, comments)| {
            let (shown, note) = match comments {
                Comments::Shown(texts) if texts.is_empty() => (
                    Vec::new(),
                    Some(say(lang, "Inga kommentarer.", "No comments.")),
                ),
                Comments::Shown(texts) => (texts.clone(), None),
                Comments::TooFewAnswers => (
                    Vec::new(),
                    Some(say(
                        lang,
                        &format!("För få svar för att visa kommentarer (färre än {min_group})."),
                        &format!("Too few answers to show comments (fewer than {min_group})."),
                    )),
                ),
                Comments::Pending => (Vec::new(), None),
            };
            let count = match (shown.len(), lang) {
                (1, Language::Sv) => "1 kommentar".to_owned(),
                (n, Language::Sv) => format!("{n} kommentarer"),
                (1, Language::En) => "1 comment".to_owned(),
                (n, Language::En) => format!("{n} comments"),
            };
            context! { period, count, shown, note }
        })
        .collect()
}

/// The nyttokalkyl as a reader can trust it: the round it rests on (and whether that is
/// the latest closed one), the value rounded with its interval, the assumptions, and
/// time freed called what it is (redistribution, not cash).
fn nyttokalkyl_view(results: &ServiceResults, lang: Language) -> Option<Value> {
    let (period, k) = results.nyttokalkyl()?;
    let latest = results
        .rounds
        .iter()
        .rev()
        .find(|e| e.round.closed)
        .map(|e| e.round.period.as_str());
    let stale = latest.filter(|latest| *latest != period);
    Some(context! {
        period,
        stale_latest => stale,
        minutes => number(k.minutes_per_week, 1, lang),
        minutes_ci => k.minutes_ci.map(|(low, high)| format!("{}–{}", number(low, 1, lang), number(high, 1, lang))),
        annual_hours => number(k.annual_hours, 0, lang),
        value => kronor(k.value_sek, lang),
        value_ci => k.value_ci_sek.map(|(low, high)| kronor_range(low, high, lang)),
        annual_cost => kronor(k.annual_cost_sek, lang),
        ratio => k.benefit_cost_ratio.map(|r| ratio(r, lang)),
        ratio_ci => k.benefit_cost_ci.map(|(low, high)| format!("{}–{}", ratio(low, lang), ratio(high, lang))),
        users => number(f64::from(k.users), 0, lang),
        weeks => k.working_weeks,
        hourly_cost => kronor_hourly(k.hourly_cost_sek, lang),
    })
}

fn kronor_hourly(sek: f64, lang: Language) -> String {
    match lang {
        Language::Sv => format!("{}\u{a0}kr", number(sek, 0, lang)),
        Language::En => format!("SEK\u{a0}{}", number(sek, 0, lang)),
    }
}

#[handler]
pub(super) async fn service_page(
    state: Data<&AppState>,
    Path(service_id): Path<i32>,
    signed: SignedIn,
) -> Response {
    let lang = signed.lang;
    let service = match dashboard::service_page(&state, &signed.actor, service_id, lang).await {
        Ok(service) => service,
        Err(error) => return signed.fail(error),
    };
    let min_group = state.settings.survey.min_group_size;
    let (back_href, back_text) = match (&service.owner, signed.actor.is_admin()) {
        (Some(owner), true) => (
            format!("/dashboard/owners/{}{}", owner.id, lang_query(lang)),
            say(
                lang,
                &format!("Tillbaka till {}", owner.name),
                &format!("Back to {}", owner.name),
            ),
        ),
        _ => (
            format!("/dashboard{}", lang_query(lang)),
            say(lang, "Tillbaka till dina tjänster", "Back to your services"),
        ),
    };
    let columns = tables::columns(&[&service.results]);
    page(
        "dashboard/service.html",
        context! {
            lang => lang.as_str(),
            title => service.results.service.details.name.clone(),
            description => service.results.service.details.description.clone(),
            owner => service.owner.as_ref().map(|o| o.name.clone()),
            back_href,
            back_text,
            rounds => tables::round_rows(&service.results, &columns, lang),
            headers => columns.iter().map(|m| tables::metric_name(*m, lang)).collect::<Vec<_>>(),
            legend => tables::legend(&columns, lang, min_group),
            charts => service.charts.iter().map(|c| chart_view(c, lang)).collect::<Vec<_>>(),
            comments => comment_rounds(&service.comments, lang, min_group),
            nyttokalkyl => nyttokalkyl_view(&service.results, lang),
            actions => super::actions::section(&service.results, &service.actions, lang),
            min_group,
            ..signed.context()
        },
        StatusCode::OK,
    )
}

fn point_text(point: &Point, lang: Language) -> (String, String) {
    (
        number(point.value, 1, lang),
        point.band.map_or_else(String::new, |(low, high)| {
            format!("{}–{}", number(low, 1, lang), number(high, 1, lang))
        }),
    )
}

fn chart_view(chart: &InlineChart, lang: Language) -> Value {
    let open_link = chart.open_link.as_ref();
    let rows: Vec<Value> = chart
        .rows
        .iter()
        .enumerate()
        .map(|(i, point)| {
            let (value, band) = point_text(point, lang);
            let open_link = open_link.map(|c| c.cells.get(i).and_then(Option::as_ref));
            let (open_value, open_band) = match open_link {
                None => (String::new(), String::new()),
                Some(None) => ("–".to_owned(), String::new()),
                Some(Some(Round::Shown(point))) => point_text(point, lang),
                Some(Some(Round::TooFewAnswers { .. })) => {
                    (say(lang, "för få svar", "too few answers"), String::new())
                }
            };
            context! { period => point.label.clone(), value, band, open_value, open_band }
        })
        .collect();
    context! {
        id => chart.id.clone(),
        title => chart.title.clone(),
        svg => inline_svg(chart),
        rows,
        open_link => open_link.map(|c| c.label.clone()),
    }
}

/// The chart's `<svg>` element, to place in the page as it is (it is our own markup:
/// every text in it was escaped when it was drawn).
fn inline_svg(chart: &InlineChart) -> Value {
    let svg = &chart.svg;
    Value::from_safe_string(
        svg.find("<svg")
            .map_or(svg.as_str(), |start| &svg[start..])
            .to_owned(),
    )
}
