//! The owner dashboard under `/dashboard`: sign-in by an emailed one-time link, then an
//! objektägare's services (or, for Kommunledningskontoret, every owner and the
//! overview), and a page per service with its rounds, charts and comments.
//! Server-rendered, no JavaScript, Swedish by default and English with `?lang=en`.
//!
//! Forms are protected against cross-site requests by a token: before sign-in a random
//! one kept in a cookie and repeated in the form (double submit), after sign-in one
//! derived from the session's secret. The session cookie is HttpOnly and SameSite=Lax,
//! and Secure when `server.public_url` is https.

use minijinja::{Value, context};
use poem::{
    Endpoint, EndpointExt, IntoResponse, Response, Route, get, handler,
    http::{StatusCode, header},
    middleware::CookieJarManager,
    web::{
        Data, Form, Path, Query,
        cookie::{Cookie, CookieJar, SameSite},
    },
};
use serde::{Deserialize, Serialize};

use super::{
    client_address::ClientAddress,
    pages::{lang_query, page},
    survey::with_security_headers,
};
use crate::{
    charts::Point,
    domain::{
        Actor, Error, Language, Role,
        sign_in::{csrf_token, tokens_match},
        token::SecretToken,
    },
    numbers::{number, percent},
    stats::{
        Metric,
        series::{Figure, RoundSeriesEntry},
        summary::Proportion,
    },
    usecases::{
        AppState,
        charts::InlineChart,
        dashboard,
        results::{Comments, ServiceResults},
        sign_in::{self, LinkRequest},
    },
};

const SESSION_COOKIE: &str = "np_session";
/// The pre-sign-in form token (double submit).
const FORM_COOKIE: &str = "np_form";
/// A change is marked significant below this p-value (Welch's test).
const SIGNIFICANT: f64 = 0.05;

#[derive(Debug, Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

impl LangQuery {
    fn language(&self) -> Language {
        self.lang
            .as_deref()
            .and_then(|lang| lang.parse().ok())
            .unwrap_or_default()
    }
}

/// Swedish or English text.
fn say(lang: Language, sv: &str, en: &str) -> String {
    if lang == Language::En { en } else { sv }.to_owned()
}

fn see_other(location: &str) -> Response {
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, location)
        .finish()
}

fn cookie(state: &AppState, name: &str, value: &str, max_age_secs: i64) -> Cookie {
    let mut cookie = Cookie::new_with_str(name, value);
    cookie.set_path("/dashboard");
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_secure(state.settings.behind_https());
    cookie.set_max_age(std::time::Duration::from_secs(
        max_age_secs.max(0).unsigned_abs(),
    ));
    cookie
}

/// The form token of a page shown before sign-in: the browser's, or a new one.
fn form_token(state: &AppState, jar: &CookieJar) -> String {
    if let Some(existing) = jar.get(FORM_COOKIE)
        && existing.value_str().len() >= 32
    {
        return existing.value_str().to_owned();
    }
    let token = SecretToken::generate().as_str().to_owned();
    jar.add(cookie(state, FORM_COOKIE, &token, 24 * 3600));
    token
}

fn form_token_matches(jar: &CookieJar, presented: &str) -> bool {
    jar.get(FORM_COOKIE)
        .is_some_and(|kept| tokens_match(kept.value_str(), presented))
}

fn message(lang: Language, status: StatusCode, title: &str, paragraphs: &[String]) -> Response {
    page(
        "dashboard/message.html",
        context! { lang => lang.as_str(), title, paragraphs, signed_in => false },
        status,
    )
}

fn failed(lang: Language, error: Error) -> Response {
    match error {
        Error::Forbidden(_) => message(
            lang,
            StatusCode::FORBIDDEN,
            &say(lang, "Du har inte behörighet", "You do not have access"),
            &[say(
                lang,
                "Sidan hör till en annan objektägares tjänster.",
                "The page belongs to another owner's services.",
            )],
        ),
        Error::NotFound { .. } => message(
            lang,
            StatusCode::NOT_FOUND,
            &say(lang, "Sidan finns inte", "The page does not exist"),
            &[say(
                lang,
                "Kontrollera adressen, eller gå tillbaka till översikten.",
                "Check the address, or go back to the overview.",
            )],
        ),
        other => {
            tracing::error!(error = %other.chain(), "dashboard page failed");
            message(
                lang,
                StatusCode::INTERNAL_SERVER_ERROR,
                &say(lang, "Något gick fel", "Something went wrong"),
                &[say(
                    lang,
                    "Försök igen om en stund.",
                    "Please try again in a while.",
                )],
            )
        }
    }
}

// ---- Sign-in --------------------------------------------------------------------

#[derive(Debug, Deserialize)]
struct LoginForm {
    email: Option<String>,
    form_token: Option<String>,
}

fn login_form(
    state: &AppState,
    jar: &CookieJar,
    lang: Language,
    status: StatusCode,
    email: &str,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    page(
        "dashboard/login.html",
        context! {
            lang => lang.as_str(),
            title => say(lang, "Logga in", "Sign in"),
            action => format!("/dashboard/login{}", lang_query(lang)),
            form_token => form_token(state, jar),
            email,
            error,
            notice,
            signed_in => false,
        },
        status,
    )
}

#[derive(Debug, Deserialize)]
struct LoginQuery {
    lang: Option<String>,
    signed_out: Option<String>,
}

#[handler]
async fn show_login(
    state: Data<&AppState>,
    jar: &CookieJar,
    Query(query): Query<LoginQuery>,
) -> Response {
    let lang = LangQuery { lang: query.lang }.language();
    let notice = query
        .signed_out
        .map(|_| say(lang, "Du är utloggad.", "You have signed out."));
    login_form(&state, jar, lang, StatusCode::OK, "", None, notice)
}

#[handler]
async fn request_link(
    state: Data<&AppState>,
    jar: &CookieJar,
    client: Data<&ClientAddress>,
    Query(query): Query<LangQuery>,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = query.language();
    let email = form.email.unwrap_or_default();
    if !form_token_matches(jar, form.form_token.as_deref().unwrap_or_default()) {
        return login_form(
            &state,
            jar,
            lang,
            StatusCode::BAD_REQUEST,
            &email,
            None,
            Some(say(
                lang,
                "Formuläret hade gått ut. Skriv din e-postadress igen.",
                "The form had expired. Please enter your email address again.",
            )),
        );
    }
    match sign_in::request_link(&state, &email, &client.rate_key()) {
        Ok(LinkRequest::Accepted) => message(
            lang,
            StatusCode::OK,
            &say(lang, "Titta i din e-post", "Check your email"),
            &[
                say(
                    lang,
                    &format!(
                        "Om {email} hör till en objektägare eller till Kommunledningskontoret \
                         har vi skickat en inloggningslänk dit. Den fungerar en gång, i 15 minuter."
                    ),
                    &format!(
                        "If {email} belongs to a service owner or to Kommunledningskontoret, \
                         a sign-in link is on its way there. It works once, for 15 minutes."
                    ),
                ),
                say(
                    lang,
                    "Kommer inget meddelande? Kontrollera adressen och skräpposten, eller kontakta Kommunledningskontoret.",
                    "No message? Check the address and your junk mail, or contact Kommunledningskontoret.",
                ),
            ],
        ),
        Ok(LinkRequest::TooMany) => message(
            lang,
            StatusCode::TOO_MANY_REQUESTS,
            &say(lang, "För många försök", "Too many attempts"),
            &[say(
                lang,
                "Det har begärts för många inloggningslänkar på kort tid. Vänta en timme och försök igen.",
                "Too many sign-in links were asked for in a short time. Wait an hour and try again.",
            )],
        ),
        Err(Error::Invalid(problems)) => {
            let problem = problems
                .first()
                .map(|p| p.message.clone())
                .unwrap_or_default();
            let error = if email.trim().is_empty() {
                say(lang, "Skriv din e-postadress.", "Enter your email address.")
            } else {
                say(
                    lang,
                    &format!("Adressen går inte att använda: {problem}."),
                    &format!("The address cannot be used: {problem}."),
                )
            };
            login_form(
                &state,
                jar,
                lang,
                StatusCode::BAD_REQUEST,
                &email,
                Some(error),
                None,
            )
        }
        Err(other) => failed(lang, other),
    }
}

fn link_spent(lang: Language) -> Response {
    message(
        lang,
        StatusCode::GONE,
        &say(
            lang,
            "Länken har gått ut eller redan använts",
            "The link has expired or was already used",
        ),
        &[say(
            lang,
            "En inloggningslänk fungerar en gång, i 15 minuter. Begär en ny på inloggningssidan.",
            "A sign-in link works once, for 15 minutes. Ask for a new one on the sign-in page.",
        )],
    )
}

/// The link from the email shows a button rather than signing in at once: mail
/// scanners that open links would otherwise spend it before its owner clicks.
#[handler]
async fn confirm_link(
    state: Data<&AppState>,
    jar: &CookieJar,
    Path(token): Path<String>,
    Query(query): Query<LangQuery>,
) -> Response {
    let lang = query.language();
    page(
        "dashboard/confirm.html",
        context! {
            lang => lang.as_str(),
            title => say(lang, "Logga in på Nyttopuls", "Sign in to Nyttopuls"),
            action => format!("/dashboard/login/{token}{}", lang_query(lang)),
            form_token => form_token(&state, jar),
            signed_in => false,
        },
        StatusCode::OK,
    )
}

#[derive(Debug, Deserialize)]
struct TokenForm {
    form_token: Option<String>,
}

#[handler]
async fn use_link(
    state: Data<&AppState>,
    jar: &CookieJar,
    Path(token): Path<String>,
    Query(query): Query<LangQuery>,
    Form(form): Form<TokenForm>,
) -> Response {
    let lang = query.language();
    if !form_token_matches(jar, form.form_token.as_deref().unwrap_or_default()) {
        return see_other(&format!("/dashboard/login/{token}{}", lang_query(lang)));
    }
    match sign_in::open_session(&state, &token).await {
        Ok(Some(session)) => {
            let lifetime = (session.expires_at - state.clock.now()).num_seconds();
            jar.add(cookie(&state, SESSION_COOKIE, &session.secret, lifetime));
            see_other(&format!("/dashboard{}", lang_query(lang)))
        }
        Ok(None) => link_spent(lang),
        Err(error) => failed(lang, error),
    }
}

/// The signed-in actor and their session's secret, or the response to send instead
/// (a redirect to the sign-in page).
async fn signed_in(
    state: &AppState,
    jar: &CookieJar,
    lang: Language,
) -> Result<(Actor, String), Response> {
    let to_login = || see_other(&format!("/dashboard/login{}", lang_query(lang)));
    let Some(secret) = jar.get(SESSION_COOKIE) else {
        return Err(to_login());
    };
    let secret = secret.value_str().to_owned();
    match sign_in::session_actor(state, &secret).await {
        Ok(Some(actor)) => Ok((actor, secret)),
        Ok(None) => Err(to_login()),
        Err(error) => Err(failed(lang, error)),
    }
}

/// Who signed in, their session's secret and the page's language: what every page after
/// sign-in starts from. Without a valid session the request goes to the sign-in page.
struct SignedIn {
    actor: Actor,
    secret: String,
    lang: Language,
}

impl<'a> poem::FromRequest<'a> for SignedIn {
    async fn from_request(
        request: &'a poem::Request,
        _body: &mut poem::RequestBody,
    ) -> poem::Result<Self> {
        let state = request
            .data::<AppState>()
            .expect("AppState is attached to every request");
        let lang = request
            .params::<LangQuery>()
            .map(|query| query.language())
            .unwrap_or_default();
        signed_in(state, request.cookie(), lang)
            .await
            .map(|(actor, secret)| Self {
                actor,
                secret,
                lang,
            })
            .map_err(poem::Error::from_response)
    }
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    csrf: Option<String>,
}

#[handler]
async fn sign_out(
    state: Data<&AppState>,
    jar: &CookieJar,
    signed: SignedIn,
    Form(form): Form<CsrfForm>,
) -> Response {
    let SignedIn {
        actor,
        secret,
        lang,
    } = signed;
    if !tokens_match(
        &csrf_token(&secret),
        form.csrf.as_deref().unwrap_or_default(),
    ) {
        return message(
            lang,
            StatusCode::FORBIDDEN,
            &say(
                lang,
                "Formuläret gick inte att skicka",
                "The form could not be sent",
            ),
            &[say(
                lang,
                "Ladda om sidan och försök igen.",
                "Reload the page and try again.",
            )],
        );
    }
    if let Err(error) = sign_in::sign_out(&state, &actor, &secret).await {
        return failed(lang, error);
    }
    let mut ended = cookie(&state, SESSION_COOKIE, "", 0);
    ended.make_removal();
    jar.add(ended);
    see_other(&format!(
        "/dashboard/login{}&signed_out=1",
        lang_query(lang)
    ))
}

// ---- Pages ----------------------------------------------------------------------

/// What every signed-in page's layout needs: who, and the sign-out form's token.
fn session_context(actor: &Actor, secret: &str, lang: Language) -> Value {
    context! {
        signed_in => true,
        admin => actor.is_admin(),
        csrf => csrf_token(secret),
        sign_out_action => format!("/dashboard/logout{}", lang_query(lang)),
        home => format!("/dashboard{}", lang_query(lang)),
    }
}

#[handler]
async fn home(state: Data<&AppState>, signed: SignedIn) -> Response {
    let SignedIn {
        actor,
        secret,
        lang,
    } = signed;
    match actor.role {
        Role::Owner { owner_id } => owner_view(&state, &actor, &secret, owner_id, lang).await,
        Role::Admin => match dashboard::admin_home(&state, &actor).await {
            Ok(home) => {
                let owners: Vec<Value> = home
                    .owners
                    .iter()
                    .map(|owner| {
                        let services = home
                            .group
                            .services
                            .iter()
                            .filter(|s| s.service.owner_id == Some(owner.id))
                            .count();
                        context! {
                            name => owner.name.clone(),
                            href => format!("/dashboard/owners/{}{}", owner.id, lang_query(lang)),
                            services,
                        }
                    })
                    .collect();
                page(
                    "dashboard/admin.html",
                    context! {
                        lang => lang.as_str(),
                        title => say(lang, "Alla tjänster", "All services"),
                        owners,
                        services => service_rows(&home.group.services, lang, state.settings.survey.min_group_size),
                        headers => metric_headers(lang),
                        overview => home.overview.map(|c| chart_view(&c, lang)),
                        ..session_context(&actor, &secret, lang)
                    },
                    StatusCode::OK,
                )
            }
            Err(error) => failed(lang, error),
        },
    }
}

#[handler]
async fn owner_home(
    state: Data<&AppState>,
    Path(owner_id): Path<i32>,
    signed: SignedIn,
) -> Response {
    let SignedIn {
        actor,
        secret,
        lang,
    } = signed;
    owner_view(&state, &actor, &secret, owner_id, lang).await
}

async fn owner_view(
    state: &AppState,
    actor: &Actor,
    secret: &str,
    owner_id: i32,
    lang: Language,
) -> Response {
    let owner = match dashboard::owner_page(state, actor, owner_id).await {
        Ok(owner) => owner,
        Err(error) => return failed(lang, error),
    };
    let title = if actor.is_admin() {
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
            services => service_rows(&owner.group.services, lang, state.settings.survey.min_group_size),
            sparklines => owner.sparklines.iter().map(|(id, c)| (id.to_string(), inline_svg(c))).collect::<std::collections::BTreeMap<_, _>>(),
            headers => metric_headers(lang),
            min_group => state.settings.survey.min_group_size,
            ..session_context(actor, secret, lang)
        },
        StatusCode::OK,
    )
}

#[handler]
async fn service_page(
    state: Data<&AppState>,
    Path(service_id): Path<i32>,
    signed: SignedIn,
) -> Response {
    let SignedIn {
        actor,
        secret,
        lang,
    } = signed;
    let service = match dashboard::service_page(&state, &actor, service_id).await {
        Ok(service) => service,
        Err(error) => return failed(lang, error),
    };
    let min_group = state.settings.survey.min_group_size;
    let comments: Vec<Value> = service
        .comments
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
            context! { period, shown, note }
        })
        .collect();
    let nyttokalkyl = service.results.nyttokalkyl.as_ref().map(|k| {
        context! {
            annual_hours => number(k.annual_hours, 0, lang),
            value_sek => number(k.value_sek, 0, lang),
            annual_cost_sek => number(k.annual_cost_sek, 0, lang),
            ratio => k.benefit_cost_ratio.map(|r| number(r, 1, lang)),
        }
    });
    let back = if actor.is_admin() {
        service
            .owner
            .as_ref()
            .map(|o| format!("/dashboard/owners/{}{}", o.id, lang_query(lang)))
    } else {
        None
    };
    page(
        "dashboard/service.html",
        context! {
            lang => lang.as_str(),
            title => service.results.service.name.clone(),
            description => service.results.service.description.clone(),
            owner => service.owner.as_ref().map(|o| o.name.clone()),
            owner_href => back,
            rounds => round_rows(&service.results, lang, min_group),
            headers => metric_headers(lang),
            charts => service.charts.iter().map(|c| chart_view(c, lang)).collect::<Vec<_>>(),
            comments,
            nyttokalkyl,
            min_group,
            ..session_context(&actor, &secret, lang)
        },
        StatusCode::OK,
    )
}

// ---- What the tables show ----------------------------------------------------------

/// Metrics shown as table columns, in this order.
const COLUMNS: [Metric; 4] = [
    Metric::Sus,
    Metric::Nyttoindex,
    Metric::Nps,
    Metric::Tidsvinst,
];

fn metric_name(metric: Metric, lang: Language) -> String {
    match metric {
        Metric::Sus => "SUS".into(),
        Metric::UmuxLite => "UMUX-Lite".into(),
        Metric::Nyttoindex => say(lang, "Nyttoindex", "Benefit index"),
        Metric::Nps => "NPS".into(),
        Metric::Tidsvinst => say(lang, "Tidsvinst (min/vecka)", "Time saved (min/week)"),
    }
}

fn metric_headers(lang: Language) -> Vec<String> {
    COLUMNS.iter().map(|m| metric_name(*m, lang)).collect()
}

#[derive(Serialize)]
struct Cell {
    text: String,
    /// `up`/`down` for a significant change since the round before.
    arrow: Option<&'static str>,
    /// What the arrow says, for screen readers and as its tooltip.
    arrow_text: Option<String>,
    withheld: bool,
}

fn too_few(lang: Language) -> Cell {
    Cell {
        text: say(lang, "För få svar", "Too few answers"),
        arrow: None,
        arrow_text: None,
        withheld: true,
    }
}

fn blank() -> Cell {
    Cell {
        text: "–".into(),
        arrow: None,
        arrow_text: None,
        withheld: false,
    }
}

/// A closed round's figure of `metric`: the number, withheld, or none asked.
fn figure_cell(entry: &RoundSeriesEntry, metric: Metric, lang: Language, min_group: u32) -> Cell {
    let released_too_few = entry
        .round
        .released
        .is_some_and(|released| released < u64::from(min_group));
    if released_too_few {
        return too_few(lang);
    }
    match entry.figures.get(&metric) {
        // The mean, as the charts and the nyttokalkyl use it (tidsvinst too).
        Some(Figure::Shown(aggregate)) => Cell {
            text: aggregate
                .mean
                .map_or_else(|| "–".into(), |v| number(v, 1, lang)),
            arrow: None,
            arrow_text: None,
            withheld: false,
        },
        Some(Figure::TooFewAnswers) => too_few(lang),
        None => blank(),
    }
}

/// The latest closed round's figure, with an arrow when it changed significantly.
fn latest_cell(results: &ServiceResults, metric: Metric, lang: Language, min_group: u32) -> Cell {
    let Some(latest) = results.rounds.iter().rev().find(|e| e.round.closed) else {
        return blank();
    };
    let mut cell = figure_cell(latest, metric, lang, min_group);
    let change = results
        .trends
        .iter()
        .find(|t| t.metric == metric)
        .and_then(|t| t.change.as_ref())
        .filter(|(_, later, change)| *later == latest.round.round_id && change.p < SIGNIFICANT);
    if let (Some((_, _, change)), false) = (change, cell.withheld) {
        let up = change.difference > 0.0;
        let p = number(change.p, 3, lang);
        let by = number(change.difference.abs(), 1, lang);
        cell.arrow = Some(if up { "up" } else { "down" });
        cell.arrow_text = Some(if up {
            say(
                lang,
                &format!("ökat med {by} sedan förra omgången (p = {p})"),
                &format!("up {by} since the round before (p = {p})"),
            )
        } else {
            say(
                lang,
                &format!("minskat med {by} sedan förra omgången (p = {p})"),
                &format!("down {by} since the round before (p = {p})"),
            )
        });
    }
    cell
}

fn rate_text(rate: Option<&Proportion>, lang: Language) -> String {
    rate.map_or_else(
        || "–".into(),
        |r| {
            format!(
                "{} ({} {}–{})",
                percent(r.share, lang),
                say(lang, "KI", "CI"),
                number(100.0 * r.ci.0, 0, lang),
                number(100.0 * r.ci.1, 0, lang)
            )
        },
    )
}

fn service_rows(services: &[ServiceResults], lang: Language, min_group: u32) -> Vec<Value> {
    services
        .iter()
        .map(|results| {
            let latest = results.rounds.iter().rev().find(|e| e.round.closed);
            let open = results.rounds.iter().rev().find(|e| !e.round.closed);
            context! {
                id => results.service.id.to_string(),
                name => results.service.name.clone(),
                href => format!("/dashboard/services/{}{}", results.service.id, lang_query(lang)),
                period => latest.map(|e| e.round.period.clone()),
                rate => rate_text(latest.and_then(|e| e.response_rate.as_ref()), lang),
                open => open.map(|e| say(
                    lang,
                    &format!("Pågår ({}): {} av {} har svarat", e.round.period, e.round.answered, e.round.invited),
                    &format!("Open ({}): {} of {} have answered", e.round.period, e.round.answered, e.round.invited),
                )),
                cells => COLUMNS.iter().map(|m| latest_cell(results, *m, lang, min_group)).collect::<Vec<_>>(),
            }
        })
        .collect()
}

fn round_rows(results: &ServiceResults, lang: Language, min_group: u32) -> Vec<Value> {
    results
        .rounds
        .iter()
        .rev()
        .map(|entry| {
            let round = &entry.round;
            let status = match round.released {
                None => say(lang, "Pågår", "Open"),
                Some(released) if released < u64::from(min_group) => {
                    say(lang, "För få svar", "Too few answers")
                }
                Some(_) => say(lang, "Klar", "Closed"),
            };
            let sus_ci = match entry.figures.get(&Metric::Sus) {
                Some(Figure::Shown(a)) => a.ci.map(|(low, high)| {
                    format!("{}–{}", number(low, 1, lang), number(high, 1, lang))
                }),
                _ => None,
            };
            context! {
                period => round.period.clone(),
                status,
                invited => round.invited,
                answered => round.answered,
                rate => rate_text(entry.response_rate.as_ref(), lang),
                closed => round.closed,
                sus_ci,
                cells => COLUMNS.iter().map(|m| if round.closed { figure_cell(entry, *m, lang, min_group) } else { blank() }).collect::<Vec<_>>(),
            }
        })
        .collect()
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
    let rows: Vec<Value> = chart
        .rows
        .iter()
        .map(|point| {
            let (value, band) = point_text(point, lang);
            context! { period => point.label.clone(), value, band }
        })
        .collect();
    context! {
        id => chart.id.clone(),
        title => chart.title.clone(),
        svg => inline_svg(chart),
        rows,
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

#[handler]
fn stylesheet() -> Response {
    concat!(include_str!("survey.css"), include_str!("dashboard.css"))
        .with_content_type("text/css; charset=utf-8")
        .with_header(header::CACHE_CONTROL, "public, max-age=3600")
        .into_response()
}

pub fn routes() -> impl Endpoint<Output = Response> {
    Route::new()
        .at("/", get(home))
        .at("/assets/dashboard.css", get(stylesheet))
        .at("/login", get(show_login).post(request_link))
        .at("/login/:token", get(confirm_link).post(use_link))
        .at("/logout", poem::post(sign_out))
        .at("/owners/:owner_id", get(owner_home))
        .at("/services/:service_id", get(service_page))
        .with(CookieJarManager::new())
        .map_to_response()
        .map(with_security_headers)
}
